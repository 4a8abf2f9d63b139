package lambdarie_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/igny8/igny8-serverless/infra/lambdarie"
	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/store"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

const cursorSecret = "rie-test-cursor-secret-0123456789"

// stack is what the functions run against: DynamoDB Local with the seeded
// table, the fake Step Functions / Lambda endpoint and the built bootstraps.
type stack struct {
	root, rie string
	bins      map[string]string
	env       lambdarie.Env
	store     *store.Store
	ledger    *ledger.Ledger
	fake      *lambdarie.FakeAWS
}

// Every function in the catalog is built as Lambda builds it, started under
// the Runtime Interface Emulator with the environment the catalog gives it,
// and sent its events/<name>.json sample; each answer is checked against
// what the function should have done (in its answer and in DynamoDB).
func TestIntegrationRIEEveryFunctionAnswersItsSample(t *testing.T) {
	root, err := lambdarie.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	rie, err := lambdarie.RIEPath(root)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, f := range catalog.Functions {
		for _, p := range []string{filepath.Join("functions", f.Name, "main.go"), filepath.Join("events", f.Name+".json")} {
			if _, err := os.Stat(filepath.Join(root, p)); err != nil {
				missing = append(missing, p)
			}
		}
	}
	if len(missing) > 0 {
		t.Fatalf("catalog functions without their folder or sample: %v", missing)
	}

	ctx := context.Background()
	dir := t.TempDir()
	built := make(chan error, 1)
	var bins map[string]string
	start := time.Now()
	go func() {
		var err error
		bins, err = lambdarie.Build(ctx, root, runtime.GOOS, runtime.GOARCH, filepath.Join(dir, "bin"), lambdarie.FunctionTargets())
		built <- err
	}()
	db, table := ddblocal.NewTable(t)
	if err := lambdarie.Seed(ctx, db, table, cursorSecret); err != nil {
		t.Fatal(err)
	}
	if err := <-built; err != nil {
		t.Fatal(err)
	}
	t.Logf("built %d bootstraps for %s/%s and seeded the table in %v", len(bins), runtime.GOOS, runtime.GOARCH, time.Since(start).Round(time.Millisecond))

	fake := lambdarie.NewFakeAWS()
	defer fake.Close()
	for _, d := range []string{"blobs", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &stack{root: root, rie: rie, bins: bins, fake: fake,
		store: store.New(db, table, cursorSecret), ledger: ledger.New(db, table),
		env: lambdarie.Env{Table: table, DynamoDBEndpoint: ddblocal.Endpoint(t), CursorSecret: cursorSecret,
			AWSEndpoint: fake.URL(), BlobDir: filepath.Join(dir, "blobs"), Home: filepath.Join(dir, "home")}}
	for _, f := range catalog.Functions {
		t.Run(f.Name, func(t *testing.T) { s.run(t, f) })
	}
}

// fn is one function running under the emulator.
type fn struct {
	*stack
	f   catalog.Function
	emu *lambdarie.Emulator
}

func (s *stack) run(t *testing.T, f catalog.Function) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	emu, err := lambdarie.Start(ctx, s.rie, s.bins[f.Name], s.env.For(f))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", emu.Output())
		}
	})
	calls := len(s.fake.Calls())
	check, ok := checks[f.Name]
	if !ok {
		check = answersJSON
	}
	check(t, &fn{stack: s, f: f, emu: emu})
	for _, c := range s.fake.Calls()[calls:] {
		if !c.Faked {
			t.Errorf("called an AWS API the test does not fake (it would reach AWS): %s %s", c.Service, c.Action)
		}
	}
	ictx, icancel := context.WithTimeout(ctx, 2*time.Second)
	defer icancel()
	if d, err := emu.InitDuration(ictx); err == nil {
		t.Logf("init %.1f ms", float64(d.Microseconds())/1000)
	}
}

// sample is events/<name>.json.
func (f *fn) sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.root, "events", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// invoke sends payload and returns the answer; the emulator must answer 200
// (a runtime that did not start answers 502).
func (f *fn) invoke(t *testing.T, payload []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	status, body, err := f.emu.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	if status != 200 {
		if _, ierr := f.emu.InitDuration(ctx); ierr != nil {
			t.Fatalf("HTTP %d %s: the function did not start: %v", status, body, ierr)
		}
		t.Fatalf("HTTP %d %s", status, body)
	}
	return body
}

type lambdaError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// answer invokes and decodes a successful answer into out.
func (f *fn) answer(t *testing.T, payload []byte, out any) {
	t.Helper()
	body := f.invoke(t, payload)
	var le lambdaError
	if json.Unmarshal(body, &le) == nil && le.Type != "" {
		t.Fatalf("answered an error: %s", body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
}

// failure invokes and returns the error the function answered.
func (f *fn) failure(t *testing.T, payload []byte) lambdaError {
	t.Helper()
	body := f.invoke(t, payload)
	var le lambdaError
	if err := json.Unmarshal(body, &le); err != nil || le.Type == "" {
		t.Fatalf("want an error, got %s", body)
	}
	return le
}

func (f *fn) balance(t *testing.T) domain.Account {
	t.Helper()
	a, err := f.ledger.Balance(context.Background(), lambdarie.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fn) callsSince(n int, action string) []lambdarie.Call {
	var out []lambdarie.Call
	for _, c := range f.fake.Calls()[n:] {
		if c.Action == action {
			out = append(out, c)
		}
	}
	return out
}

// state decodes a step sample.
func state(t *testing.T, b []byte) ops.State {
	t.Helper()
	var st ops.State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var bg = context.Background()

// answersJSON is the check of a function this test has no check for yet: it
// starts and answers its sample with JSON.
func answersJSON(t *testing.T, f *fn) {
	body := f.invoke(t, f.sample(t, f.f.Name))
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("answer is not JSON: %s", body)
	}
	var le lambdaError
	if json.Unmarshal(body, &le) == nil && strings.HasPrefix(le.Type, "Runtime.") {
		t.Fatalf("the runtime failed: %s", body)
	}
	t.Logf("no specific check for %s (kind %s): answered %s", f.f.Name, f.f.Kind, body)
}

// wrongType checks that a run step refuses another operation's job with
// the error name the state machine matches.
func wrongType(t *testing.T, f *fn) {
	st := state(t, f.sample(t, f.f.Name))
	st.Job.Type, st.Job.Key = domain.OperationIdeaGeneration, st.Job.Key+"#wrong-type"
	if f.f.Name == "op-generate-ideas" {
		st.Job.Type = domain.OperationClustering
	}
	if e := f.failure(t, mustJSON(st)); e.Type != "Input.Invalid" {
		t.Fatalf("a %s job: errorType %q (%s), want Input.Invalid", st.Job.Type, e.Type, e.Message)
	}
}

// runStep invokes an op-* sample and checks what is common to all: no
// failed items, the step's result IDs, and that a wrong job is refused.
func runStep(t *testing.T, f *fn, want int) ops.Result {
	t.Helper()
	var res ops.Result
	f.answer(t, f.sample(t, f.f.Name), &res)
	if len(res.Failed) != 0 || len(res.Results) != want {
		t.Fatalf("result %+v: want %d result IDs and no failed items", res, want)
	}
	wrongType(t, f)
	commit(t, f, res)
	return res
}

// commit settles a charged step's sample in process, as credit-settle
// would: the function only staged its results (none is visible yet), and
// the charge commits them.
func commit(t *testing.T, f *fn, res ops.Result) {
	t.Helper()
	st := state(t, f.sample(t, f.f.Name))
	if !st.Job.Type.Charged() {
		return
	}
	units, err := f.store.StagedUnits(bg, st.Job.AccountID, st.Job.Key+"#run")
	if err != nil || len(units) == 0 {
		t.Fatalf("the step staged %d units (%v): want its results staged for settle", len(units), err)
	}
	now := time.Now().UTC()
	ok(t, f.store.CreateOperation(bg, st.Job.AccountID, domain.Operation{ID: st.Job.OperationID, SiteID: st.Job.SiteID, Type: st.Job.Type,
		Status: domain.OperationQueued, ItemIDs: st.Job.ItemIDs, Results: []string{}, CreatedAt: now, UpdatedAt: now}))
	credits := &ops.Credits{Store: f.store, Ledger: f.ledger}
	h, err := credits.Reserve(bg, st)
	ok(t, err)
	st.Hold, st.Result = &h, &res
	_, err = credits.Settle(bg, st)
	ok(t, err)
}

var checks = map[string]func(*testing.T, *fn){
	"api": func(t *testing.T, f *fn) {
		var r events.APIGatewayV2HTTPResponse
		f.answer(t, f.sample(t, "api"), &r)
		if r.StatusCode != 200 || strings.TrimSpace(r.Body) != `{"status":"ok"}` {
			t.Fatalf("health: %d %s", r.StatusCode, r.Body)
		}
		f.answer(t, f.sample(t, "api-account"), &r)
		var acct domain.Account
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.Body), &acct) != nil || acct.ID != lambdarie.AccountID ||
			acct.Available != f.balance(t).Available {
			t.Fatalf("account: %d %s", r.StatusCode, r.Body)
		}
		// Starting an operation starts the operation state machine.
		n := len(f.fake.Calls())
		f.answer(t, f.sample(t, "api-cluster-keywords"), &r)
		var started struct {
			OperationID string `json:"operation_id"`
		}
		if r.StatusCode != 202 || json.Unmarshal([]byte(r.Body), &started) != nil || started.OperationID == "" {
			t.Fatalf("start clustering: %d %s", r.StatusCode, r.Body)
		}
		calls := f.callsSince(n, "StartExecution")
		if len(calls) != 1 || calls[0].Target != lambdarie.StateMachineArn("operation") || calls[0].Service != "states" {
			t.Fatalf("StartExecution calls %+v", calls)
		}
		var in struct{ Name, Input string }
		ok(t, json.Unmarshal(calls[0].Body, &in))
		st := state(t, []byte(in.Input))
		if in.Name != started.OperationID || st.Job.Type != domain.OperationClustering ||
			!slices.Equal(st.Job.ItemIDs, []string{lambdarie.Keyword1ID}) || st.Job.AccountID != lambdarie.AccountID {
			t.Fatalf("execution %s input %s", in.Name, in.Input)
		}
		op, err := f.store.GetOperation(bg, lambdarie.AccountID, started.OperationID)
		if err != nil || op.Status != domain.OperationQueued {
			t.Fatalf("operation %+v %v", op, err)
		}
	},
	"api-authorizer": func(t *testing.T, f *fn) {
		var r events.APIGatewayV2CustomAuthorizerSimpleResponse
		f.answer(t, f.sample(t, "api-authorizer"), &r)
		if !r.IsAuthorized || r.Context["account_id"] != lambdarie.AccountID || r.Context["role"] != string(domain.RoleUser) {
			t.Fatalf("authorizer answered %+v", r)
		}
	},
	"credit-reserve": func(t *testing.T, f *fn) {
		before := f.balance(t)
		sample := f.sample(t, "credit-reserve")
		job := state(t, sample).Job
		var h ops.Hold
		f.answer(t, sample, &h)
		if h.HoldID != ledger.HoldID(lambdarie.AccountID, job.Key+"#reserve") || h.Amount != job.Estimate {
			t.Fatalf("hold %+v", h)
		}
		after := f.balance(t)
		if after.Reserved-before.Reserved != job.Estimate || before.Available-after.Available != job.Estimate {
			t.Fatalf("balance %+v → %+v: want %d more reserved", before, after, job.Estimate)
		}
		if op, err := f.store.GetOperation(bg, job.AccountID, job.OperationID); err != nil || op.Status != domain.OperationRunning {
			t.Fatalf("operation %+v %v", op, err)
		}
		// A duplicated delivery finds the same hold and holds nothing more.
		var again ops.Hold
		f.answer(t, sample, &again)
		if again != h || f.balance(t) != after {
			t.Fatalf("second delivery: %+v, balance %+v", again, f.balance(t))
		}
		// More than the account has: a refused hold, answered as a result
		// (no Lambda error) that the state machines route to the release.
		huge := state(t, sample)
		huge.Job.Estimate, huge.Job.Key = 10*lambdarie.SampleCredits, huge.Job.Key+"#huge"
		var refused ops.Hold
		f.answer(t, mustJSON(huge), &refused)
		if refused.Refused == nil || refused.Refused.Error != "Credits.Insufficient" || refused.HoldID != "" || f.balance(t) != after {
			t.Fatalf("refused hold %+v (%+v), balance %+v", refused, refused.Refused, f.balance(t))
		}
	},
	"credit-settle": func(t *testing.T, f *fn) {
		sample := f.sample(t, "credit-settle")
		st := state(t, sample)
		if st.Hold == nil || st.Result == nil || st.Hold.HoldID != lambdarie.HoldID(st.Job.OperationID) {
			t.Fatalf("the sample's hold is not the one its job reserved: %+v", st.Hold)
		}
		model, err := f.store.GetModel(bg, st.Job.ModelID)
		ok(t, err)
		billing, err := f.store.Billing(bg)
		ok(t, err)
		want, _, err := ops.Charge(model, billing, st.Job.Type, *st.Result)
		ok(t, err)
		before := f.balance(t)
		var out ops.Settled
		f.answer(t, sample, &out)
		after := f.balance(t)
		if out.EntryID == "" || out.Credits != want || after.Settled-before.Settled != want ||
			before.Reserved-after.Reserved != st.Hold.Amount || after.Available-before.Available != st.Hold.Amount-want {
			t.Fatalf("settled %+v (want %d credits); balance %+v → %+v", out, want, before, after)
		}
		if h, err := f.ledger.GetHold(bg, lambdarie.AccountID, st.Hold.HoldID); err != nil || h.Status != ledger.HoldSettled {
			t.Fatalf("hold %+v %v", h, err)
		}
		if op, err := f.store.GetOperation(bg, st.Job.AccountID, st.Job.OperationID); err != nil || op.Status != domain.OperationSucceeded || op.CreditsUsed != want {
			t.Fatalf("operation %+v %v", op, err)
		}
	},
	"credit-release": func(t *testing.T, f *fn) {
		sample := f.sample(t, "credit-release")
		st := state(t, sample)
		if st.Hold == nil || st.Hold.HoldID != lambdarie.HoldID(st.Job.OperationID) {
			t.Fatalf("the sample's hold is not the one its job reserved: %+v", st.Hold)
		}
		before := f.balance(t)
		var out ops.Failure
		f.answer(t, sample, &out)
		after := f.balance(t)
		if out.Error.Name != "Provider.Permanent" || !strings.Contains(out.Error.Message, "model not available") ||
			before.Reserved-after.Reserved != st.Hold.Amount || after.Available-before.Available != st.Hold.Amount {
			t.Fatalf("failure %+v; balance %+v → %+v", out, before, after)
		}
		if h, err := f.ledger.GetHold(bg, lambdarie.AccountID, st.Hold.HoldID); err != nil || h.Status != ledger.HoldReleased {
			t.Fatalf("hold %+v %v", h, err)
		}
		op, err := f.store.GetOperation(bg, st.Job.AccountID, st.Job.OperationID)
		if err != nil || op.Status != domain.OperationFailed || op.Error == nil || op.Error.Name != "Provider.Permanent" {
			t.Fatalf("operation %+v %v", op, err)
		}
	},
	// The operation's execution timed out after Reserve: its hold goes back,
	// it ends failed with the reason, and a second delivery changes nothing.
	"execution-cleanup": func(t *testing.T, f *fn) {
		sample := f.sample(t, "execution-cleanup")
		before := f.balance(t)
		var out struct {
			Kind          string `json:"kind"`
			ID            string `json:"id"`
			HoldsReleased int    `json:"holds_released"`
		}
		f.answer(t, sample, &out)
		after := f.balance(t)
		if out.Kind != "operation" || out.ID != lambdarie.OpDeadID || out.HoldsReleased != 1 ||
			before.Reserved-after.Reserved != lambdarie.HoldAmount || after.Available-before.Available != lambdarie.HoldAmount {
			t.Fatalf("cleanup %+v; balance %+v → %+v", out, before, after)
		}
		if h, err := f.ledger.GetHold(bg, lambdarie.AccountID, lambdarie.HoldID(lambdarie.OpDeadID)); err != nil || h.Status != ledger.HoldReleased {
			t.Fatalf("hold %+v %v", h, err)
		}
		op, err := f.store.GetOperation(bg, lambdarie.AccountID, lambdarie.OpDeadID)
		if err != nil || op.Status != domain.OperationFailed || op.Error == nil || op.Error.Name != "Execution.TimedOut" {
			t.Fatalf("operation %+v %v", op, err)
		}
		f.answer(t, sample, &out)
		if out.HoldsReleased != 0 || f.balance(t) != after {
			t.Fatalf("second delivery: %+v, balance %+v", out, f.balance(t))
		}
	},
	"credit-sweeper": func(t *testing.T, f *fn) {
		var out struct {
			Released *int `json:"released"`
		}
		f.answer(t, f.sample(t, "credit-sweeper"), &out)
		if out.Released == nil || *out.Released < 1 {
			t.Fatalf("released %v, want the expired hold at least", out.Released)
		}
		h, err := f.ledger.GetHold(bg, lambdarie.AccountID, ledger.HoldID(lambdarie.AccountID, lambdarie.SweepKey))
		if err != nil || h.Status != ledger.HoldExpired {
			t.Fatalf("expired hold %+v %v", h, err)
		}
	},
	"op-cluster-keywords": func(t *testing.T, f *fn) {
		var res ops.Result
		f.answer(t, f.sample(t, f.f.Name), &res)
		if len(res.Failed) != 0 || len(res.Results) == 0 || res.InputTokens == 0 || res.Provider != "offline" {
			t.Fatalf("result %+v", res)
		}
		commit(t, f, res)
		kws, err := f.store.GetKeywords(bg, lambdarie.AccountID, lambdarie.SiteID, state(t, f.sample(t, f.f.Name)).Job.ItemIDs)
		ok(t, err)
		for _, k := range kws {
			if k.Status != domain.KeywordMapped || !slices.Contains(res.Results, k.ClusterID) {
				t.Fatalf("keyword %+v after clustering into %v", k, res.Results)
			}
		}
		wrongType(t, f)
	},
	"op-generate-ideas": func(t *testing.T, f *fn) {
		res := runStep(t, f, ops.IdeasPerCluster)
		for _, id := range res.Results {
			if i, err := f.store.GetIdea(bg, lambdarie.AccountID, lambdarie.SiteID, id); err != nil || i.ClusterID != lambdarie.ClusterID {
				t.Fatalf("idea %+v %v", i, err)
			}
		}
		if c, err := f.store.GetCluster(bg, lambdarie.AccountID, lambdarie.SiteID, lambdarie.ClusterID); err != nil || c.Status != domain.ClusterMapped {
			t.Fatalf("cluster %+v %v", c, err)
		}
	},
	"op-create-tasks": func(t *testing.T, f *fn) {
		res := runStep(t, f, 1)
		if tk, err := f.store.GetTask(bg, lambdarie.AccountID, lambdarie.SiteID, res.Results[0]); err != nil || tk.IdeaID != lambdarie.IdeaID {
			t.Fatalf("task %+v %v", tk, err)
		}
		if i, err := f.store.GetIdea(bg, lambdarie.AccountID, lambdarie.SiteID, lambdarie.IdeaID); err != nil || i.Status != domain.IdeaQueued {
			t.Fatalf("idea %+v %v", i, err)
		}
	},
	"op-generate-content": func(t *testing.T, f *fn) {
		res := runStep(t, f, 1)
		c, err := f.store.GetContent(bg, lambdarie.AccountID, lambdarie.SiteID, res.Results[0])
		if err != nil || c.Status != domain.ContentDraft || c.TaskID != lambdarie.TaskID || c.WordCount == 0 {
			t.Fatalf("content %+v %v", c, err)
		}
		if tk, err := f.store.GetTask(bg, lambdarie.AccountID, lambdarie.SiteID, lambdarie.TaskID); err != nil || tk.Status != domain.TaskCompleted {
			t.Fatalf("task %+v %v", tk, err)
		}
	},
	"op-generate-image-prompts": func(t *testing.T, f *fn) {
		res := runStep(t, f, 1+domain.DefaultInArticleImages) // the seeded site has the default setting
		for _, id := range res.Results {
			img, err := f.store.GetImage(bg, lambdarie.AccountID, lambdarie.SiteID, id)
			if err != nil || img.ContentID != lambdarie.ContentID || img.Status != domain.ImagePending || img.Prompt == "" {
				t.Fatalf("image %+v %v", img, err)
			}
		}
	},
	"op-generate-images": func(t *testing.T, f *fn) {
		res := runStep(t, f, 1)
		img, err := f.store.GetImage(bg, lambdarie.AccountID, lambdarie.SiteID, lambdarie.ImageID)
		if err != nil || res.Images != 1 || img.Status != domain.ImageGenerated || img.URL == "" {
			t.Fatalf("result %+v image %+v %v", res, img, err)
		}
		files, _ := filepath.Glob(filepath.Join(f.env.BlobDir, "images", lambdarie.AccountID, lambdarie.SiteID, "*.png"))
		if len(files) != 1 {
			t.Fatalf("image files %v", files)
		}
	},
	"op-review-content": func(t *testing.T, f *fn) {
		res := runStep(t, f, 1)
		if c, err := f.store.GetContent(bg, lambdarie.AccountID, lambdarie.SiteID, res.Results[0]); err != nil || c.ID != lambdarie.Content2ID || c.Status != domain.ContentReview {
			t.Fatalf("content %+v %v", c, err)
		}
	},
	"automation-prepare-stage": func(t *testing.T, f *fn) {
		want, err := f.store.IDsByStatus(bg, lambdarie.AccountID, lambdarie.SiteID, domain.EntityKeyword, string(domain.KeywordNew), 0)
		ok(t, err)
		var p automation.Prepared
		f.answer(t, f.sample(t, f.f.Name), &p)
		got, err := f.store.PlanIDs(bg, lambdarie.AccountID, lambdarie.SiteID, lambdarie.RunID, 1, 0, 1<<20)
		if len(want) == 0 {
			got, err = nil, nil
		}
		ok(t, err)
		size := int(domain.DefaultAutomationConfig().Stage1BatchSize)
		if len(p.Batches) != (len(got)+size-1)/size {
			t.Fatalf("batches %v for %d items of %d a batch", p.Batches, len(got), size)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) || p.Skip != (len(want) == 0) {
			t.Fatalf("prepared %+v, want the new keywords %v", p, want)
		}
		run, err := f.store.GetRun(bg, lambdarie.AccountID, lambdarie.SiteID, lambdarie.RunID)
		if err != nil || run.Stages[0].Total != int64(len(want)) || run.Stages[0].Status == domain.StagePending {
			t.Fatalf("run %+v %v", run, err)
		}
	},
	"automation-gate": func(t *testing.T, f *fn) {
		var g automation.GateResult
		sample := f.sample(t, f.f.Name)
		var in automation.BatchInput
		ok(t, json.Unmarshal(sample, &in))
		size := int(domain.DefaultAutomationConfig().Stage1BatchSize)
		want, err := f.store.PlanIDs(bg, lambdarie.AccountID, lambdarie.SiteID, lambdarie.RunID, 1, in.Index*size, (in.Index+1)*size)
		ok(t, err)
		f.answer(t, sample, &g)
		j := g.Job
		if g.Action != automation.ActionGo || j.Type != domain.OperationClustering || j.RunID != lambdarie.RunID || j.Stage != 1 ||
			j.Key != fmt.Sprintf("run#%s#s1#b%d", lambdarie.RunID, in.Index) || !slices.Equal(j.ItemIDs, want) || len(want) == 0 ||
			j.ModelID != lambdarie.TextModelID || j.Estimate < 1 {
			t.Fatalf("gate %+v", g)
		}
	},
	"automation-park": func(t *testing.T, f *fn) {
		var in automation.ParkInput
		sample := f.sample(t, f.f.Name)
		ok(t, json.Unmarshal(sample, &in))
		n := len(f.fake.Calls())
		var out map[string]any
		f.answer(t, sample, &out)
		// The run is not paused (it was resumed before the batch parked), so
		// the batch is let go at once: its token goes back to Step Functions.
		calls := f.callsSince(n, "SendTaskSuccess")
		if len(calls) != 1 || calls[0].Target != in.Token || calls[0].Service != "states" {
			t.Fatalf("SendTaskSuccess calls %+v", calls)
		}
	},
	"automation-finish-stage": func(t *testing.T, f *fn) {
		var out automation.StageDone
		f.answer(t, f.sample(t, f.f.Name), &out)
		run, err := f.store.GetRun(bg, lambdarie.AccountID, lambdarie.SiteID, lambdarie.RunID)
		if err != nil || out.Cancelled || run.Stages[0].Status == domain.StageRunning {
			t.Fatalf("finish stage %+v; run %+v %v", out, run, err)
		}
	},
	"automation-finish-run": func(t *testing.T, f *fn) {
		var out domain.AutomationRun
		f.answer(t, f.sample(t, f.f.Name), &out)
		run, err := f.store.GetRun(bg, lambdarie.AccountID, lambdarie.Site2ID, lambdarie.Run2ID)
		if out.ID != lambdarie.Run2ID || out.Status != domain.RunCompleted || err != nil || run.Status != domain.RunCompleted {
			t.Fatalf("finished %+v; stored %+v %v", out, run, err)
		}
		// The site's run lock is free: another run can start there.
		next := domain.AutomationRun{ID: "01jsamp1e000000000000r0003", SiteID: lambdarie.Site2ID, Trigger: "manual", Status: domain.RunRunning, StartedAt: time.Now().UTC()}
		if err := f.store.CreateRun(bg, lambdarie.AccountID, next, domain.DefaultAutomationConfig(), nil); err != nil {
			t.Fatalf("the run lock was not freed: %v", err)
		}
	},
	"automation-scheduler": func(t *testing.T, f *fn) {
		n := len(f.fake.Calls())
		body := f.invoke(t, f.sample(t, f.f.Name))
		var out automation.SchedulerResult
		ok(t, json.Unmarshal(body, &out))
		// No site has a schedule: nothing is due, and the lists are [] not null.
		if out.Started == nil || out.Skipped == nil || len(out.Started)+len(out.Skipped) != 0 || len(f.callsSince(n, "StartExecution")) != 0 {
			t.Fatalf("scheduler answered %s", body)
		}
	},
	"publish-scheduler": func(t *testing.T, f *fn) {
		n := len(f.fake.Calls())
		var out map[string]*int
		f.answer(t, f.sample(t, f.f.Name), &out)
		for _, k := range []string{"due", "claimed", "invoked", "failed"} {
			if v, has := out[k]; !has || v == nil || *v != 0 {
				t.Fatalf("answer %v: want %s 0 (nothing is scheduled)", out, k)
			}
		}
		if calls := f.callsSince(n, "Invoke"); len(calls) != 0 {
			t.Fatalf("invoked %+v", calls)
		}
	},
	"publish-content": func(t *testing.T, f *fn) {
		var out struct {
			ContentID string `json:"content_id"`
			Outcome   string `json:"outcome"`
			Reason    string `json:"reason"`
		}
		f.answer(t, f.sample(t, f.f.Name), &out)
		if out.ContentID != lambdarie.MissingContentID || out.Outcome != "skipped" {
			t.Fatalf("publish answered %+v, want skipped (no such content)", out)
		}
	},
}

// The hello bootstrap the bench compares against answers under the
// emulator too (so a broken floor cannot make every ratio look good).
func TestIntegrationRIEHelloFloor(t *testing.T) {
	root, err := lambdarie.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	rie, err := lambdarie.RIEPath(root)
	if err != nil {
		t.Fatal(err)
	}
	bins, err := lambdarie.Build(bg, root, runtime.GOOS, runtime.GOARCH, t.TempDir(), []lambdarie.Target{{Name: "hello", Package: lambdarie.HelloPackage}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bg, time.Minute)
	defer cancel()
	home := t.TempDir()
	emu, err := lambdarie.Start(ctx, rie, bins["hello"], lambdarie.Env{Home: home}.For(catalog.Function{Name: "hello"}))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	status, body, err := emu.Invoke(ctx, []byte(`{}`))
	if err != nil || status != 200 || string(body) != `{"hello":"world"}` {
		t.Fatalf("hello: %d %s %v\n%s", status, body, err, emu.Output())
	}
	d, err := emu.InitDuration(ctx)
	if err != nil || d <= 0 {
		t.Fatalf("init duration %v %v", d, err)
	}
	t.Logf("hello init %.2f ms", float64(d.Microseconds())/1000)
}
