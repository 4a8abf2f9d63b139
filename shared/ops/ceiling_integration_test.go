package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// overrunning is a vendor that writes far past the MaxTokens it is given.
type overrunning struct{ ai.TextProvider }

func (o overrunning) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	res, err := o.TextProvider.Complete(ctx, req)
	res.OutputTokens += 10 * int64(req.MaxTokens)
	return res, err
}

// recording keeps the requests a vendor received.
type recording struct {
	ai.TextProvider
	reqs *[]ai.TextRequest
}

func (r recording) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	*r.reqs = append(*r.reqs, req)
	return r.TextProvider.Complete(ctx, req)
}

// recordStarter keeps the state machine's input instead of starting it.
type recordStarter struct{ input []byte }

func (r *recordStarter) Start(_ context.Context, _ string, input []byte) (string, error) {
	r.input = input
	return "exec", nil
}

// newAccount is a new account with credits and a site holding keywords.
func (f *fixture) newAccount(t *testing.T, credits int64, keywords []string) (string, string, []string) {
	t.Helper()
	ctx := context.Background()
	acct, _, err := f.st.CreateAccount(ctx, "Small")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.led.Grant(ctx, acct.ID, credits, "g", "grant"); err != nil {
		t.Fatal(err)
	}
	site, err := f.st.CreateSite(ctx, acct.ID, domain.NewSite{Name: "Blog", URL: "https://blog.example"})
	if err != nil {
		t.Fatal(err)
	}
	var rows []domain.NewKeyword
	for _, k := range keywords {
		rows = append(rows, domain.NewKeyword{Keyword: k})
	}
	rep, err := f.st.AddKeywords(ctx, acct.ID, site.ID, "", rows)
	if err != nil || len(rep.Added) != len(keywords) {
		t.Fatalf("added %d of %d keywords: %v", len(rep.Added), len(keywords), err)
	}
	var ids []string
	for _, k := range rep.Added {
		ids = append(ids, k.ID)
	}
	return acct.ID, site.ID, ids
}

// longKeywords are n distinct keywords of domain.MaxKeywordLen characters.
func longKeywords(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = domain.Clip(fmt.Sprintf("keyword %02d ", i)+strings.Repeat("waterproof trail running shoes for wide feet ", 5), domain.MaxKeywordLen)
	}
	return out
}

// drive runs what the operation state machine would after Start: reserve
// (charged operations), run, settle. It answers the run's full charge
// (before the hold's cap) and what settle charged.
func (f *fixture) drive(t *testing.T, starter *recordStarter) (State, int64, Settled) {
	t.Helper()
	ctx := context.Background()
	var st State
	if err := json.Unmarshal(starter.input, &st); err != nil {
		t.Fatal(err)
	}
	if st.Job.Type.Charged() {
		h, err := f.credits.Reserve(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		st.Hold = &h
	}
	res, err := f.runner.Run(ctx, st)
	if err != nil {
		t.Fatalf("run %s: %v", st.Job.Type, err)
	}
	st.Result = &res
	var full int64
	if st.Job.Type.Charged() {
		model, _ := f.st.GetModel(ctx, st.Job.ModelID)
		billing, _ := f.st.Billing(ctx)
		if full, _, err = Charge(model, billing, st.Job.Type, res); err != nil {
			t.Fatal(err)
		}
	}
	s, err := f.credits.Settle(ctx, st)
	if err != nil {
		t.Fatalf("settle %s: %v", st.Job.Type, err)
	}
	return st, full, s
}

// The attack that found it: 15 credits, 40 keywords of 200 characters,
// clustered. The estimate said 15 and the work cost 62. Now the estimate
// prices the real prompt and an answer echoing every keyword, so the
// request is refused up front (402), with nothing written but the notice.
func TestIntegrationLongKeywordsWithFewCredits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acct, site, ids := f.newAccount(t, 15, longKeywords(40))
	svc := &Service{Store: f.st, Providers: f.runner.Providers, Starter: &recordStarter{}}
	req := Request{Type: domain.OperationClustering, SiteID: site, ItemIDs: ids}
	q, err := svc.Quote(ctx, acct, req)
	if err != nil || q.Enough || q.Credits <= 15 {
		t.Fatalf("quote %+v %v: want more than 15 credits, not enough", q, err)
	}
	_, err = svc.Start(ctx, acct, req)
	var ice *domain.InsufficientCreditsError
	if !errors.As(err, &ice) || ice.Required != q.Credits || ice.Available != 15 {
		t.Fatalf("start: %v, want %d required and 15 available", err, q.Credits)
	}
	a, _ := f.st.GetAccount(ctx, acct)
	stats, _ := f.st.GetStats(ctx, acct, site)
	kws, _ := f.st.GetKeywords(ctx, acct, site, ids)
	if a.Available != 15 || a.Reserved != 0 || a.Settled != 0 || stats.Clusters != 0 || kws[0].Status != domain.KeywordNew {
		t.Fatalf("after a refused start: account %+v, stats %+v, keyword %+v", a, stats, kws[0])
	}

	// The same keywords on an account that can pay: the estimate covers
	// what the work costs.
	rich, richSite, richIDs := f.newAccount(t, 1000, longKeywords(40))
	starter := &recordStarter{}
	svc.Starter = starter
	op, err := svc.Start(ctx, rich, Request{Type: domain.OperationClustering, SiteID: richSite, ItemIDs: richIDs})
	if err != nil {
		t.Fatal(err)
	}
	_, full, s := f.drive(t, starter)
	if full > op.EstimatedCred || s.Credits != full {
		t.Fatalf("estimated %d, the work cost %d, charged %d", op.EstimatedCred, full, s.Credits)
	}
	t.Logf("40 keywords of 200 characters: estimated %d credits, charged %d (the old estimate was 15)", op.EstimatedCred, full)
}

// The other way clustering with too few credits may end: a hold below what
// the call needs (an estimate from before a price change, say). The run
// step refuses the call before the provider hears of it; the release
// leaves no clusters and no charge.
func TestIntegrationRunRefusesACallTheHoldCannotPay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	acct, site, ids := f.newAccount(t, 15, longKeywords(40))
	op := domain.Operation{ID: store.NewID(), SiteID: site, Type: domain.OperationClustering, Status: domain.OperationQueued}
	if err := f.st.CreateOperation(ctx, acct, op); err != nil {
		t.Fatal(err)
	}
	st := State{Job: Job{OperationID: op.ID, AccountID: acct, SiteID: site, Type: domain.OperationClustering, ItemIDs: ids,
		ModelID: "offline-text-1", Estimate: 15, Key: "op#" + op.ID}} // what the old estimate held
	h, err := f.credits.Reserve(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	st.Hold = &h
	_, err = f.runner.Run(ctx, st)
	if !errors.Is(err, domain.ErrInsufficientCredits) {
		t.Fatalf("run: %v, want insufficient credits", err)
	}
	if f.calls.Load() != 0 {
		t.Fatalf("the provider was called %d times", f.calls.Load())
	}
	st.Error = &StepError{Error: "Credits.Insufficient", Cause: err.Error()}
	if _, err := f.credits.Fail(ctx, st); err != nil {
		t.Fatal(err)
	}
	a, _ := f.st.GetAccount(ctx, acct)
	stats, _ := f.st.GetStats(ctx, acct, site)
	got, _ := f.st.GetOperation(ctx, acct, op.ID)
	if a.Available != 15 || a.Reserved != 0 || a.Settled != 0 || stats.Clusters != 0 || stats.KeywordsMapped != 0 || got.Status != domain.OperationFailed {
		t.Fatalf("account %+v, stats %+v, operation %+v", a, stats, got)
	}
}

// Every charged operation, run on the offline provider from Start to
// settle, costs no more than its estimate (content generation was
// estimated 75 and cost 76): nothing is capped, no overrun is recorded.
// The estimate priced exactly the requests the run step sent.
func TestIntegrationEveryChargeWithinItsEstimate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	kws := []string{"trail running shoes", "trail running shoes for women", "waterproof trail shoes", "sourdough starter",
		"how to feed a sourdough starter", "sourdough bread recipe", "best hiking boots", "hiking boots for wide feet"}
	acct, site, ids := f.newAccount(t, 5000, kws)
	var sent []ai.TextRequest
	f.runner.Providers.Text["offline"] = recording{f.runner.Providers.Text["offline"], &sent}
	starter := &recordStarter{}
	svc := &Service{Store: f.st, Providers: f.runner.Providers, Starter: starter}
	model, _ := f.st.GetModel(ctx, "offline-text-1")
	run := func(typ domain.OperationType, items []string) []string {
		t.Helper()
		req := Request{Type: typ, SiteID: site, ItemIDs: items}
		priced, err := svc.requests(ctx, acct, req, model, true)
		if err != nil {
			t.Fatal(err)
		}
		op, err := svc.Start(ctx, acct, req)
		if err != nil {
			t.Fatalf("start %s: %v", typ, err)
		}
		sent = nil
		st, full, s := f.drive(t, starter)
		if full > op.EstimatedCred || s.Credits != full {
			t.Fatalf("%s: estimated %d, the work cost %d, charged %d", typ, op.EstimatedCred, full, s.Credits)
		}
		if len(sent) != len(priced) {
			t.Fatalf("%s: the run step sent %d requests, the estimate priced %d", typ, len(sent), len(priced))
		}
		for i := range sent {
			if sent[i].System != priced[i].System || sent[i].Prompt != priced[i].Prompt || sent[i].MaxTokens != priced[i].MaxTokens {
				t.Fatalf("%s: request %d sent %q (max %d), priced %q (max %d)", typ, i, sent[i].Prompt, sent[i].MaxTokens, priced[i].Prompt, priced[i].MaxTokens)
			}
		}
		t.Logf("%-18s %2d item(s): estimated %3d, charged %3d", typ, len(items), op.EstimatedCred, full)
		return st.Result.Results
	}
	clusters := run(domain.OperationClustering, ids)
	ideas := run(domain.OperationIdeaGeneration, clusters[:min(len(clusters), 10)])
	tasks := run(domain.OperationCreateTasks, ideas)
	// Word counts from short to long, as ideas and users set them: tasks
	// like the first, each its own operation.
	task, err := f.st.GetTask(ctx, acct, site, tasks[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, words := range []int64{0, 300, 2500, 5000} {
		var w store.Tx
		next := task
		next.ID, next.WordCount = store.NewID(), words
		if err := f.st.PutTask(&w, acct, next); err != nil {
			t.Fatal(err)
		}
		if err := f.st.Commit(ctx, &w); err != nil {
			t.Fatal(err)
		}
		run(domain.OperationContentGeneration, []string{next.ID})
	}
	content := run(domain.OperationContentGeneration, tasks[:min(len(tasks), 3)])
	run(domain.OperationImagePrompts, content[:1])
}
