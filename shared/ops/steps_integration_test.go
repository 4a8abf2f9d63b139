package ops

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/store"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

type fixture struct {
	st      *store.Store
	led     *ledger.Ledger
	credits *Credits
	runner  *Runner
	calls   *atomic.Int64
	account string
	site    domain.Site
	kws     []domain.Keyword
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, table := ddblocal.NewTable(t)
	st := store.New(db, table, "secret-0123456789abcdef")
	led := ledger.New(db, table)
	if err := st.SeedConfig(ctx); err != nil {
		t.Fatal(err)
	}
	calls := &atomic.Int64{}
	p := offline.New(offline.WithFailures(func(any) error { calls.Add(1); return nil }))
	providers := Providers{Text: map[string]ai.TextProvider{"offline": p}, Image: map[string]ai.ImageProvider{"offline": p}}
	acct, _, err := st.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := led.Grant(ctx, acct.ID, 1000, "g", "grant"); err != nil {
		t.Fatal(err)
	}
	site, err := st.CreateSite(ctx, acct.ID, domain.NewSite{Name: "Blog", URL: "https://blog.example"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.AddKeywords(ctx, acct.ID, site.ID, "", []domain.NewKeyword{{Keyword: "trail shoes"}, {Keyword: "trail shoes for women"}, {Keyword: "sourdough starter"}})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, led: led, credits: &Credits{Store: st, Ledger: led},
		runner: &Runner{Store: st, Providers: providers, Blobs: blob.Dir{Root: t.TempDir()}, Lease: time.Minute},
		calls:  calls, account: acct.ID, site: site, kws: rep.Added}
}

// job creates a clustering operation record and its first state.
func (f *fixture) job(t *testing.T) State {
	t.Helper()
	op := domain.Operation{ID: store.NewID(), SiteID: f.site.ID, Type: domain.OperationClustering, Status: domain.OperationQueued, CreatedAt: time.Now().UTC()}
	if err := f.st.CreateOperation(context.Background(), f.account, op); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range f.kws {
		ids = append(ids, k.ID)
	}
	return State{Job: Job{OperationID: op.ID, AccountID: f.account, SiteID: f.site.ID, Type: domain.OperationClustering,
		ItemIDs: ids, ModelID: "offline-text-1", Estimate: 10, Key: "op#" + op.ID}}
}

// Every step delivered twice (and concurrently) has the effect of once: one
// hold, one provider call, one set of clusters, one charge, one usage log.
func TestIntegrationDuplicateDeliveriesChargeOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st := f.job(t)

	h1, err := f.credits.Reserve(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := f.credits.Reserve(ctx, st)
	if err != nil || h2 != h1 {
		t.Fatalf("second reserve: %+v %v (first %+v)", h2, err, h1)
	}
	st.Hold = &h1

	var wg sync.WaitGroup
	results := make([]Result, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i], errs[i] = f.runner.Run(ctx, st) }()
	}
	wg.Wait()
	var done *Result
	for i, err := range errs {
		if err == nil {
			done = &results[i]
		} else if !isInProgress(err) {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if done == nil {
		t.Fatal("no delivery finished")
	}
	again, err := f.runner.Run(ctx, st) // a late duplicate answers with the recorded result
	if err != nil || len(again.Results) != len(done.Results) || again.Results[0] != done.Results[0] {
		t.Fatalf("late duplicate: %+v %v", again, err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("the provider was called %d times", f.calls.Load())
	}
	st.Result = done
	s1, err := f.credits.Settle(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := f.credits.Settle(ctx, st)
	if err != nil || s2.EntryID != s1.EntryID {
		t.Fatalf("second settle: %+v %v (first %+v)", s2, err, s1)
	}
	acct, _ := f.st.GetAccount(ctx, f.account)
	if acct.Settled != s1.Credits || acct.Available != 1000-s1.Credits || acct.Reserved != 0 {
		t.Fatalf("balance %+v after settling %d twice", acct, s1.Credits)
	}
	page, sum, err := f.st.ListUsage(ctx, f.account, store.UsageFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}, store.PageRequest{})
	if err != nil || len(page.Items) != 1 || sum.CreditsUsed != s1.Credits {
		t.Fatalf("usage logs %+v %+v %v", page.Items, sum, err)
	}
	stats, _ := f.st.GetStats(ctx, f.account, f.site.ID)
	if stats.Clusters != int64(len(done.Results)) || stats.KeywordsMapped != 3 {
		t.Fatalf("stats %+v for %d clusters", stats, len(done.Results))
	}
	// A failure delivered after success changes nothing.
	if _, err := f.credits.Fail(ctx, State{Job: st.Job, Hold: st.Hold, Error: &StepError{Error: "Internal", Cause: "late"}}); err != nil {
		t.Fatal(err)
	}
	op, _ := f.st.GetOperation(ctx, f.account, st.Job.OperationID)
	acct2, _ := f.st.GetAccount(ctx, f.account)
	if op.Status != domain.OperationSucceeded || acct2 != acct {
		t.Fatalf("late failure changed things: %+v %+v", op, acct2)
	}
}

func isInProgress(err error) bool { return errors.Is(err, domain.ErrInProgress) }

// A failure releases the hold once, however often it is delivered.
func TestIntegrationFailureReleasesOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st := f.job(t)
	h, err := f.credits.Reserve(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	st.Hold = &h
	st.Error = &StepError{Error: "Provider.Permanent", Cause: `{"errorMessage":"key rejected","errorType":"Provider.Permanent"}`}
	for range 3 {
		if _, err := f.credits.Fail(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	acct, _ := f.st.GetAccount(ctx, f.account)
	op, _ := f.st.GetOperation(ctx, f.account, st.Job.OperationID)
	notes, _ := f.st.ListNotifications(ctx, f.account, false, store.PageRequest{})
	if acct.Available != 1000 || acct.Reserved != 0 || op.Status != domain.OperationFailed || op.Error.Message != "key rejected" || len(notes.Items) != 1 {
		t.Fatalf("account %+v, operation %+v, %d notifications", acct, op, len(notes.Items))
	}
}

// A hold is a ceiling: work that costs more than its hold is charged the
// hold, never more, and the difference is recorded as our loss. Before, the
// settle asked for the full cost, failed with Credits.Insufficient when the
// account had nothing left, and the results stood uncharged.
func TestIntegrationSettleNeverChargesMoreThanTheHold(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st := f.job(t)
	// The run step asks for no more than the hold pays; a vendor that
	// writes past its MaxTokens still overruns it.
	f.runner.Providers.Text["offline"] = overrunning{f.runner.Providers.Text["offline"]}
	h, err := f.credits.Reserve(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	st.Hold = &h
	spent := 1000 - h.Amount
	if _, err := f.led.Deduct(ctx, f.account, spent, "spend-the-rest", ledger.Meta{Description: "elsewhere"}); err != nil {
		t.Fatal(err)
	}
	res, err := f.runner.Run(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	model, _ := f.st.GetModel(ctx, "offline-text-1")
	billing, _ := f.st.Billing(ctx)
	full, _, err := Charge(model, billing, domain.OperationClustering, res)
	if err != nil || full <= h.Amount {
		t.Fatalf("the work should cost more than the hold of %d: %d %v", h.Amount, full, err)
	}
	st.Result = &res
	s, err := f.credits.Settle(ctx, st)
	if err != nil {
		t.Fatalf("settle: %v", err)
	}
	if s.Credits != h.Amount {
		t.Fatalf("charged %d, want the hold's %d", s.Credits, h.Amount)
	}
	acct, _ := f.st.GetAccount(ctx, f.account)
	if acct.Available != 0 || acct.Reserved != 0 || acct.Settled != spent+h.Amount {
		t.Fatalf("balance %+v", acct)
	}
	page, _, err := f.st.ListUsage(ctx, f.account, store.UsageFilter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}, store.PageRequest{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("usage logs %+v %v", page.Items, err)
	}
	if u := page.Items[0]; u.CreditsUsed != h.Amount || u.OverrunCredits != full-h.Amount {
		t.Fatalf("usage log %+v, want %d charged and %d overrun", u, h.Amount, full-h.Amount)
	}
	op, _ := f.st.GetOperation(ctx, f.account, st.Job.OperationID)
	if op.Status != domain.OperationSucceeded || len(op.Results) == 0 {
		t.Fatalf("operation %+v", op)
	}
}
