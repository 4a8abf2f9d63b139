package reconcile

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/blob"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/store"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

// recordStarter keeps the execution input instead of starting it.
type recordStarter struct{ input []byte }

func (r *recordStarter) Start(_ context.Context, _ string, input []byte) (string, error) {
	r.input = input
	return "arn:aws:states:us-east-1:123456789012:execution:igny8-dev-operation:x", nil
}

type nopTokens struct{}

func (nopTokens) SendTaskSuccess(context.Context, string, []byte) error { return nil }

type fixture struct {
	st      *store.Store
	led     *ledger.Ledger
	svc     *ops.Service
	starter *recordStarter
	credits *ops.Credits
	steps   *automation.Steps
	c       *Cleaner
	acct    string
	site    string
	kws     []string
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
	p := offline.New()
	providers := ops.Providers{Text: map[string]ai.TextProvider{"offline": p}, Image: map[string]ai.ImageProvider{"offline": p}}
	starter := &recordStarter{}
	svc := &ops.Service{Store: st, Providers: providers, Starter: starter}
	credits := &ops.Credits{Store: st, Ledger: led}
	steps := &automation.Steps{Store: st, Ops: svc, Tokens: nopTokens{}}
	acct, _, _ := st.CreateAccount(ctx, "Acme")
	if _, err := led.Grant(ctx, acct.ID, 1000, "g", "grant"); err != nil {
		t.Fatal(err)
	}
	site, _ := st.CreateSite(ctx, acct.ID, domain.NewSite{Name: "Blog", URL: "https://blog.example"})
	rep, err := st.AddKeywords(ctx, acct.ID, site.ID, "", []domain.NewKeyword{{Keyword: "trail shoes"}, {Keyword: "trail shoes women"}, {Keyword: "sourdough starter"}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, led: led, svc: svc, starter: starter, credits: credits, steps: steps,
		c: &Cleaner{Holds: led, Ops: credits, Runs: steps}, acct: acct.ID, site: site.ID}
	for _, k := range rep.Added {
		f.kws = append(f.kws, k.ID)
	}
	return f
}

func (f *fixture) balance(t *testing.T) domain.Account {
	t.Helper()
	a, err := f.st.GetAccount(context.Background(), f.acct)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func detail(status string, input []byte) Detail {
	in := string(input)
	return Detail{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:x", Status: status, Input: &in}
}

// An operation whose execution died after Reserve (TIMED_OUT): the hold is
// released, the operation failed with the reason, its claims dropped (the
// same keywords can be clustered again at once); a second delivery of the
// event changes nothing.
func TestIntegrationDeadOperationIsEnded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	op, err := f.svc.Start(ctx, f.acct, ops.Request{Type: domain.OperationClustering, SiteID: f.site, ItemIDs: f.kws})
	if err != nil {
		t.Fatal(err)
	}
	var st ops.State
	if err := json.Unmarshal(f.starter.input, &st); err != nil {
		t.Fatal(err)
	}
	if _, err := f.credits.Reserve(ctx, st); err != nil { // the execution got this far, then died
		t.Fatal(err)
	}
	if a := f.balance(t); a.Reserved == 0 {
		t.Fatalf("nothing reserved: %+v", a)
	}
	if _, err := f.svc.Start(ctx, f.acct, ops.Request{Type: domain.OperationClustering, SiteID: f.site, ItemIDs: f.kws}); err == nil {
		t.Fatal("the claimed keywords were accepted by a second operation")
	}
	input := f.starter.input
	out, err := f.c.Handle(ctx, Event{Source: "aws.states", DetailType: "Step Functions Execution Status Change", Detail: detail("TIMED_OUT", input)})
	if err != nil || out.Kind != "operation" || out.ID != op.ID || out.HoldsReleased != 1 {
		t.Fatalf("cleanup: %+v %v", out, err)
	}
	got, _ := f.st.GetOperation(ctx, f.acct, op.ID)
	if got.Status != domain.OperationFailed || got.Error == nil || got.Error.Name != "Execution.TimedOut" || !strings.Contains(got.Error.Message, "TIMED_OUT") {
		t.Fatalf("operation after cleanup: %+v %+v", got, got.Error)
	}
	if a := f.balance(t); a.Reserved != 0 || a.Available != 1000 || a.Settled != 0 {
		t.Fatalf("balance after cleanup: %+v", a)
	}
	if _, err := f.svc.Start(ctx, f.acct, ops.Request{Type: domain.OperationClustering, SiteID: f.site, ItemIDs: f.kws}); err != nil {
		t.Fatalf("the keywords are still claimed: %v", err)
	}
	// The same event again, or an ABORTED one, changes nothing.
	out, err = f.c.EndExecution(ctx, detail("ABORTED", input))
	if err != nil || out.HoldsReleased != 0 {
		t.Fatalf("second cleanup: %+v %v", out, err)
	}
	if again, _ := f.st.GetOperation(ctx, f.acct, op.ID); again.Status != domain.OperationFailed || again.Error.Name != "Execution.TimedOut" {
		t.Fatalf("second cleanup changed the operation: %+v", again)
	}
}

// A cleanup racing a normal finish: the operation settled, then its
// execution failed in a later state. The charge stands, the operation stays
// succeeded, nothing is released.
func TestIntegrationCleanupAfterSettleChangesNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	op, err := f.svc.Start(ctx, f.acct, ops.Request{Type: domain.OperationClustering, SiteID: f.site, ItemIDs: f.kws})
	if err != nil {
		t.Fatal(err)
	}
	var st ops.State
	_ = json.Unmarshal(f.starter.input, &st)
	h, err := f.credits.Reserve(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	st.Hold = &h
	p := offline.New()
	runner := &ops.Runner{Store: f.st, Providers: ops.Providers{Text: map[string]ai.TextProvider{"offline": p}}, Blobs: blob.Dir{Root: t.TempDir()}, Lease: time.Minute}
	res, err := runner.Run(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	st.Result = &res
	s, err := f.credits.Settle(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	before := f.balance(t)
	out, err := f.c.EndExecution(ctx, detail("FAILED", f.starter.input))
	if err != nil || out.HoldsReleased != 0 {
		t.Fatalf("cleanup: %+v %v", out, err)
	}
	got, _ := f.st.GetOperation(ctx, f.acct, op.ID)
	if got.Status != domain.OperationSucceeded || got.CreditsUsed != s.Credits || f.balance(t) != before {
		t.Fatalf("after cleanup: %+v, balance %+v (before %+v)", got, f.balance(t), before)
	}
}

// A run whose execution died mid-batch (a hold reserved for the batch): the
// hold is released, the run failed with the reason and the site's lock
// freed (a new run can start); a second delivery changes nothing.
func TestIntegrationDeadRunIsEnded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	run := domain.AutomationRun{ID: store.NewID(), SiteID: f.site, Trigger: "manual", Status: domain.RunRunning, StartedAt: time.Now().UTC()}
	models := map[string]string{"text": "offline-text-1", "image": "offline-image-1"}
	if err := f.st.CreateRun(ctx, f.acct, run, domain.DefaultAutomationConfig(), models); err != nil {
		t.Fatal(err)
	}
	ref := automation.RunRef{RunID: run.ID, AccountID: f.acct, SiteID: f.site}
	prep, err := f.steps.Prepare(ctx, automation.StageInput{Run: ref, Stage: 1})
	if err != nil || len(prep.Batches) == 0 {
		t.Fatalf("prepare: %+v %v", prep, err)
	}
	g, err := f.steps.Gate(ctx, automation.BatchInput{Run: ref, Stage: 1, Index: 0})
	if err != nil || g.Action != automation.ActionGo {
		t.Fatalf("gate: %+v %v", g, err)
	}
	if _, err := f.credits.Reserve(ctx, ops.State{Job: g.Job}); err != nil {
		t.Fatal(err)
	}
	input, _ := json.Marshal(automation.Input{Run: ref, Concurrency: 1})
	out, err := f.c.EndExecution(ctx, detail("FAILED", input))
	if err != nil || out.Kind != "run" || out.HoldsReleased != 1 {
		t.Fatalf("cleanup: %+v %v", out, err)
	}
	got, err := f.st.GetRun(ctx, f.acct, f.site, run.ID)
	if err != nil || got.Status != domain.RunFailed || !strings.Contains(got.Error, "FAILED") {
		t.Fatalf("run after cleanup: %+v %v", got, err)
	}
	if a := f.balance(t); a.Reserved != 0 || a.Available != 1000 {
		t.Fatalf("balance after cleanup: %+v", a)
	}
	next := domain.AutomationRun{ID: store.NewID(), SiteID: f.site, Trigger: "manual", Status: domain.RunRunning, StartedAt: time.Now().UTC()}
	if err := f.st.CreateRun(ctx, f.acct, next, domain.DefaultAutomationConfig(), models); err != nil {
		t.Fatalf("the site is still locked: %v", err)
	}
	if out, err := f.c.EndExecution(ctx, detail("FAILED", input)); err != nil || out.HoldsReleased != 0 {
		t.Fatalf("second cleanup: %+v %v", out, err)
	}
	if again, _ := f.st.GetRun(ctx, f.acct, f.site, run.ID); again.Status != domain.RunFailed {
		t.Fatalf("second cleanup changed the run: %+v", again)
	}
}

// What is not a dead execution of ours is left alone.
func TestIgnored(t *testing.T) {
	c := &Cleaner{}
	for _, d := range []Detail{
		detail("SUCCEEDED", []byte(`{"job":{"account_id":"a","operation_id":"o"}}`)),
		detail("RUNNING", []byte(`{"run":{"run_id":"r","account_id":"a","site_id":"s"}}`)),
		detail("FAILED", []byte(`{"something":"else"}`)),
		// A batch's child execution: the run's own execution ends the run.
		detail("FAILED", []byte(`{"run":{"run_id":"r","account_id":"a","site_id":"s"},"stage":4,"index":12}`)),
		detail("FAILED", []byte(`not json`)),
		{Status: "FAILED"},
	} {
		if out, err := c.EndExecution(context.Background(), d); err != nil || out.Kind != "ignored" {
			t.Errorf("%+v: %+v %v", d, out, err)
		}
	}
}
