package automation

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ops"
)

// A batch leaves out the items another operation is working on, claims the
// rest until it settles, and a manual operation meanwhile is refused.
func TestIntegrationBatchSkipsClaimedItems(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	prep, err := f.steps.Prepare(ctx, StageInput{Run: f.ref, Stage: 1})
	if err != nil || len(prep.Batches) != 1 || len(prep.Batches[0]) != 5 {
		t.Fatalf("prepare: %+v %v", prep, err)
	}
	ids := prep.Batches[0]
	until := time.Now().Add(time.Hour)
	if err := f.st.ClaimItems(ctx, f.acct, f.site, domain.EntityKeyword, ids[:2], "manual-op", until); err != nil {
		t.Fatal(err)
	}
	g, err := f.steps.Gate(ctx, BatchInput{Run: f.ref, Stage: 1, Index: 0, IDs: ids})
	if err != nil || g.Action != ActionGo || !slices.Equal(g.Job.ItemIDs, ids[2:]) {
		t.Fatalf("gate: %+v %v; want the batch without %v", g, err, ids[:2])
	}
	var ce *domain.ClaimedError
	err = f.st.ClaimItems(ctx, f.acct, f.site, domain.EntityKeyword, ids[2:3], "manual-op-2", until)
	if !errors.As(err, &ce) || !errors.Is(err, domain.ErrConflict) || !slices.Equal(ce.Items, ids[2:3]) {
		t.Fatalf("claim of a batch's keyword: %v", err)
	}

	state := ops.State{Job: g.Job}
	hold, err := f.credits.Reserve(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	state.Hold = &hold
	res, err := f.runner.Run(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	state.Result = &res
	if _, err := f.credits.Settle(ctx, state); err != nil {
		t.Fatal(err)
	}
	// Settled: the batch's claims are gone, the other operation's stay.
	if err := f.st.ClaimItems(ctx, f.acct, f.site, domain.EntityKeyword, ids[2:], "manual-op-2", until); err != nil {
		t.Fatalf("batch claims left after settle: %v", err)
	}
	if err := f.st.ClaimItems(ctx, f.acct, f.site, domain.EntityKeyword, ids[:1], "manual-op-2", until); !errors.As(err, &ce) {
		t.Fatalf("the other operation's claim was released: %v", err)
	}
	// Every item claimed elsewhere: the batch is skipped.
	if g, err := f.steps.Gate(ctx, BatchInput{Run: f.ref, Stage: 1, Index: 1, IDs: ids}); err != nil || g.Action != ActionSkip {
		t.Fatalf("gate on claimed items: %+v %v", g, err)
	}
}
