package automation

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/store"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

type nopTokens struct{ sent []string }

func (n *nopTokens) SendTaskSuccess(_ context.Context, token string, _ []byte) error {
	n.sent = append(n.sent, token)
	return nil
}

// fixture is a running automation run on a site with five new keywords,
// and the steps that drive it.
type fixture struct {
	st      *store.Store
	steps   *Steps
	tokens  *nopTokens
	credits *ops.Credits
	runner  *ops.Runner
	acct    string
	site    string
	run     domain.AutomationRun
	ref     RunRef
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	db, table := ddblocal.NewTable(t)
	st := store.New(db, table, "secret-0123456789abcdef")
	led := ledger.New(db, table)
	if err := st.SeedConfig(ctx); err != nil {
		t.Fatal(err)
	}
	p := offline.New()
	providers := ops.Providers{Text: map[string]ai.TextProvider{"offline": p}, Image: map[string]ai.ImageProvider{"offline": p}}
	svc := &ops.Service{Store: st, Providers: providers}
	tokens := &nopTokens{}
	f := fixture{st: st, steps: &Steps{Store: st, Ops: svc, Tokens: tokens}, tokens: tokens,
		credits: &ops.Credits{Store: st, Ledger: led},
		runner:  &ops.Runner{Store: st, Providers: providers, Blobs: blob.Dir{Root: t.TempDir()}, Lease: time.Minute}}
	acct, _, _ := st.CreateAccount(ctx, "Acme")
	if _, err := led.Grant(ctx, acct.ID, 1000, "g", "grant"); err != nil {
		t.Fatal(err)
	}
	site, _ := st.CreateSite(ctx, acct.ID, domain.NewSite{Name: "Blog", URL: "https://blog.example"})
	var rows []domain.NewKeyword
	for _, k := range []string{"trail shoes", "trail shoes women", "trail shoes men", "sourdough starter", "sourdough bread"} {
		rows = append(rows, domain.NewKeyword{Keyword: k})
	}
	if _, err := st.AddKeywords(ctx, acct.ID, site.ID, "", rows); err != nil {
		t.Fatal(err)
	}
	f.acct, f.site = acct.ID, site.ID
	f.run = domain.AutomationRun{ID: store.NewID(), SiteID: site.ID, Trigger: "manual", Status: domain.RunRunning, StartedAt: time.Now().UTC()}
	if err := st.CreateRun(ctx, acct.ID, f.run, domain.DefaultAutomationConfig(), map[string]string{"text": "offline-text-1", "image": "offline-image-1"}); err != nil {
		t.Fatal(err)
	}
	f.ref = RunRef{RunID: f.run.ID, AccountID: acct.ID, SiteID: site.ID}
	return f
}

// Every step of a batch delivered twice changes no count and charges once.
func TestIntegrationDuplicateStageStepsCountOnce(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	st, steps, credits, runner, ref := f.st, f.steps, f.credits, f.runner, f.ref

	var prep Prepared
	for range 2 {
		var err error
		if prep, err = steps.Prepare(ctx, StageInput{Run: ref, Stage: 1}); err != nil || len(prep.Batches) != 1 {
			t.Fatalf("prepare: %+v %v", prep, err)
		}
	}
	in := BatchInput{Run: ref, Stage: 1, Index: 0}
	g1, err := steps.Gate(ctx, in)
	g2, err2 := steps.Gate(ctx, in)
	if err != nil || err2 != nil || g1.Job.Key != g2.Job.Key || g1.Action != ActionGo {
		t.Fatalf("gate: %+v %+v %v %v", g1, g2, err, err2)
	}
	state := ops.State{Job: g1.Job}
	hold, _ := credits.Reserve(ctx, state)
	if h2, _ := credits.Reserve(ctx, state); h2 != hold {
		t.Fatalf("two holds: %+v %+v", hold, h2)
	}
	state.Hold = &hold
	res, err := runner.Run(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := runner.Run(ctx, state); len(again.Results) != len(res.Results) {
		t.Fatalf("second run: %+v vs %+v", again, res)
	}
	state.Result = &res
	for range 2 {
		if _, err := credits.Settle(ctx, state); err != nil {
			t.Fatal(err)
		}
	}
	// A late duplicate failure of the same batch changes nothing either.
	if _, err := credits.Fail(ctx, ops.State{Job: g1.Job, Hold: &hold, Error: &ops.StepError{Error: "Internal", Cause: "late"}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := steps.FinishStage(ctx, StageInput{Run: ref, Stage: 1}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := st.GetRun(ctx, f.acct, f.site, f.run.ID)
	a, _ := st.GetAccount(ctx, f.acct)
	s1 := got.Stages[0]
	if s1.Processed != 5 || s1.Failed != 0 || s1.CreditsUsed != a.Settled || got.TotalCreditsUsed != a.Settled || a.Reserved != 0 || s1.Status != domain.StageCompleted {
		t.Fatalf("stage %+v, run total %d, settled %d, reserved %d", s1, got.TotalCreditsUsed, a.Settled, a.Reserved)
	}
	stats, _ := st.GetStats(ctx, f.acct, f.site)
	if stats.KeywordsMapped != 5 || stats.Clusters != int64(len(res.Results)) {
		t.Fatalf("stats %+v", stats)
	}
	// Finishing twice ends the run once, with one notification.
	for range 2 {
		if _, err := steps.FinishRun(ctx, FinishInput{Run: ref, Status: "completed"}); err != nil {
			t.Fatal(err)
		}
	}
	notes, _ := st.ListNotifications(ctx, f.acct, false, store.PageRequest{})
	if len(notes.Items) != 1 {
		t.Fatalf("%d notifications for one run", len(notes.Items))
	}
	// Parking a token on a run that is no longer paused lets it go at once.
	if _, err := steps.Park(ctx, ParkInput{Run: ref, Token: "tok-1"}); err != nil || len(f.tokens.sent) != 1 {
		t.Fatalf("park on an ended run: %v %v", err, f.tokens.sent)
	}
}

// A batch leaves out the items another operation is working on, claims the
// rest until it settles, and a manual operation meanwhile is refused.
func TestIntegrationBatchSkipsClaimedItems(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	prep, err := f.steps.Prepare(ctx, StageInput{Run: f.ref, Stage: 1})
	if err != nil || len(prep.Batches) != 1 || prep.Batches[0] != 0 {
		t.Fatalf("prepare: %+v %v", prep, err)
	}
	ids, err := f.st.PlanIDs(ctx, f.acct, f.site, f.ref.RunID, 1, 0, 50)
	if err != nil || len(ids) != 5 {
		t.Fatalf("plan: %v %v", ids, err)
	}
	until := time.Now().Add(time.Hour)
	if err := f.st.ClaimItems(ctx, f.acct, f.site, domain.EntityKeyword, ids[:2], "manual-op", until); err != nil {
		t.Fatal(err)
	}
	g, err := f.steps.Gate(ctx, BatchInput{Run: f.ref, Stage: 1, Index: 0})
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
	if g, err := f.steps.Gate(ctx, BatchInput{Run: f.ref, Stage: 1, Index: 0}); err != nil || g.Action != ActionSkip {
		t.Fatalf("gate on claimed items: %+v %v", g, err)
	}
}
