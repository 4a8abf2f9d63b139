package ops

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// A charged step's results wait, invisible, for the charge that pays for
// them. Before, the run step wrote them at once: a hold released or expired
// after the run (a failed settle, a crash, the sweeper) left clusters and
// mapped keywords standing for nothing, and the same keywords could be set
// back and clustered again for free.
func TestIntegrationReleasedHoldLeavesNoResults(t *testing.T) {
	for _, end := range []string{"fail", "sweep"} {
		t.Run(end, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			st := f.job(t)
			h, err := f.credits.Reserve(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			st.Hold = &h
			res, err := f.runner.Run(ctx, st)
			if err != nil || len(res.Results) == 0 {
				t.Fatalf("run: %+v %v", res, err)
			}
			f.wantNoResults(t, "after the run")

			switch end {
			case "fail":
				st.Error = &StepError{Error: "Internal", Cause: "settle never came"}
				if _, err := f.credits.Fail(ctx, st); err != nil {
					t.Fatal(err)
				}
			case "sweep":
				if n, err := f.led.Sweep(ctx, time.Now().Add(HoldTTL+time.Minute), 0); err != nil || n != 1 {
					t.Fatalf("sweep: %d %v", n, err)
				}
			}
			// A settle delivered late finds the hold voided: still nothing.
			st.Result, st.Error = &res, nil
			if _, err := f.credits.Settle(ctx, st); !errors.Is(err, domain.ErrHoldResolved) {
				t.Fatalf("late settle: %v, want ErrHoldResolved", err)
			}
			f.wantNoResults(t, "after the hold ended")
			acct, _ := f.st.GetAccount(ctx, f.account)
			if acct.Available != 1000 || acct.Reserved != 0 || acct.Settled != 0 {
				t.Fatalf("balance %+v", acct)
			}
		})
	}
}

// wantNoResults: no cluster exists and every keyword is still new.
func (f *fixture) wantNoResults(t *testing.T, when string) {
	t.Helper()
	ctx := context.Background()
	stats, err := f.st.GetStats(ctx, f.account, f.site.ID)
	if err != nil || stats.Clusters != 0 || stats.KeywordsMapped != 0 {
		t.Fatalf("%s: stats %+v %v, want no clusters and no mapped keywords", when, stats, err)
	}
	var ids []string
	for _, k := range f.kws {
		ids = append(ids, k.ID)
	}
	kws, err := f.st.GetKeywords(ctx, f.account, f.site.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kws {
		if k.Status != domain.KeywordNew || k.ClusterID != "" {
			t.Fatalf("%s: keyword %+v was changed", when, k)
		}
	}
}

// Results too many for the charge's transaction are committed after it in
// chunks, each once: settling twice (a retry) writes nothing twice, and the
// counters come out exact.
func TestIntegrationManyResultsCommitOnceAfterTheCharge(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var rows []domain.NewKeyword
	for i := range 240 {
		rows = append(rows, domain.NewKeyword{Keyword: fmt.Sprintf("topic %d guide %d", i%17, i)})
	}
	rep, err := f.st.AddKeywords(ctx, f.account, f.site.ID, "", rows)
	if err != nil {
		t.Fatal(err)
	}
	f.kws = append(f.kws, rep.Added...)
	st := f.job(t)
	st.Job.Estimate = 500
	h, err := f.credits.Reserve(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	st.Hold = &h
	res, err := f.runner.Run(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	units, err := f.st.StagedUnits(ctx, f.account, runStepKey(st.Job))
	if err != nil || len(units) < 100 {
		t.Fatalf("%d staged units (%v): the test needs more than one transaction's worth", len(units), err)
	}
	f.wantNoResults(t, "before settle")
	st.Result = &res
	for range 2 {
		if _, err := f.credits.Settle(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	stats, _ := f.st.GetStats(ctx, f.account, f.site.ID)
	mapped := int64(len(f.kws) - len(res.Failed))
	if stats.Clusters != int64(len(res.Results)) || stats.KeywordsMapped != mapped {
		t.Fatalf("stats %+v, want %d clusters and %d mapped keywords", stats, len(res.Results), mapped)
	}
}

// Staged units go nowhere without the charge's mark on the step.
func TestIntegrationStagedUnitsNeedTheCharge(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st := f.job(t)
	h, err := f.credits.Reserve(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	st.Hold = &h
	if _, err := f.runner.Run(ctx, st); err != nil {
		t.Fatal(err)
	}
	step := runStepKey(st.Job)
	units, err := f.st.StagedUnits(ctx, f.account, step)
	if err != nil || len(units) == 0 {
		t.Fatalf("staged: %d %v", len(units), err)
	}
	if _, err := f.st.CommitStaged(ctx, f.account, step, h.HoldID, units, 0); err == nil {
		t.Fatal("committed results that no charge marked")
	}
	f.wantNoResults(t, "after an unmarked commit")
	var none []store.Tx
	if _, err := f.st.CommitStaged(ctx, f.account, step, h.HoldID, none, 0); err != nil {
		t.Fatalf("nothing to commit: %v", err)
	}
}
