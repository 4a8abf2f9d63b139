package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var stageSubs = map[string]string{
	"ReserveFunctionArn":   "arn:aws:lambda:local:000000000000:function:reserve",
	"OperationFunctionArn": "arn:aws:lambda:local:000000000000:function:operation",
	"SettleFunctionArn":    "arn:aws:lambda:local:000000000000:function:settle",
	"ReleaseFunctionArn":   "arn:aws:lambda:local:000000000000:function:release",
	"GateFunctionArn":      "arn:aws:lambda:local:000000000000:function:gate",
}

type stageFakes struct {
	mu       sync.Mutex
	attempts map[int][]int64 // batch index → $$.State.RetryCount seen by the operation
	keys     []string
	tokens   chan string
}

func (f *stageFakes) fns() map[string]fnHandler {
	batchIndex := func(in any) int {
		hold := in.(map[string]any)["holdId"].(string)
		var i int
		fmt.Sscanf(hold, "hold-%d", &i)
		return i
	}
	return map[string]fnHandler{
		"reserve": func(_ context.Context, in any) (any, error) {
			i, _ := asInt(in.(map[string]any)["index"])
			return map[string]any{"holdId": fmt.Sprintf("hold-%d", i)}, nil
		},
		"operation": func(_ context.Context, in any) (any, error) {
			i := batchIndex(in)
			attempt, _ := asInt(in.(map[string]any)["attempt"])
			f.mu.Lock()
			f.attempts[i] = append(f.attempts[i], attempt)
			f.mu.Unlock()
			switch {
			case i == 1 && attempt < 2:
				return nil, namedError{"Provider.RateLimited", "429 Too Many Requests"}
			case i == 2:
				return nil, namedError{"Provider.ContentRefused", "refused by the provider"}
			case i == 3 && attempt < 1:
				return nil, namedError{"Provider.Transient", "503"}
			}
			batch := in.(map[string]any)["batch"].([]any)
			return map[string]any{"tokens": 100 * len(batch), "items": batch}, nil
		},
		"settle": func(_ context.Context, in any) (any, error) {
			m := in.(map[string]any)
			f.mu.Lock()
			f.keys = append(f.keys, m["idempotencyKey"].(string))
			f.mu.Unlock()
			tokens, _ := asInt(m["tokens"])
			return map[string]any{"charged": tokens / 10, "entryId": "e-" + m["holdId"].(string)}, nil
		},
		"release": func(_ context.Context, in any) (any, error) {
			return map[string]any{"released": in.(map[string]any)["holdId"]}, nil
		},
		"gate": func(_ context.Context, in any) (any, error) {
			f.tokens <- in.(map[string]any)["taskToken"].(string)
			return map[string]any{"paused": true}, nil
		},
	}
}

const stageInput = `{"runId":"run-1","stage":"cluster","batches":[["k1","k2"],["k3"],["k4","k5"],["k6"]]}`

func startStage(t *testing.T) (*harness, *stageFakes, Execution) {
	t.Helper()
	def, err := os.ReadFile("testdata/automation-stage.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	f := &stageFakes{attempts: map[int][]int64{}, tokens: make(chan string, 1)}
	h := newHarness(t, f.fns())
	m, err := Parse(def, stageSubs)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := h.rt.Start(context.Background(), m.WithName("AutomationStage"), "stage-run-1", []byte(stageInput))
	if err != nil {
		t.Fatal(err)
	}
	return h, f, ex
}

func TestRealisticStage(t *testing.T) {
	h, f, ex := startStage(t)
	token := <-f.tokens
	if d, _ := h.rt.Describe(ex.ExecutionArn); d.Status != StatusRunning {
		t.Fatalf("paused run has status %s (%s %s)", d.Status, d.Error, d.Cause)
	}
	if err := h.rt.SendTaskSuccess(token, []byte(`{"resumed":true}`)); err != nil {
		t.Fatal(err)
	}
	wantSucceeded(t, h.wait(ex.ExecutionArn), `{"runId":"run-1","batches":4,"results":[
	  {"index":0,"settled":true,"charged":20},
	  {"index":1,"settled":true,"charged":10},
	  {"index":2,"released":true,"error":"Provider.ContentRefused"},
	  {"index":3,"settled":true,"charged":10}],"gate":{"resumed":true}}`)

	// Reserve ran once per batch; the refused batch was released, never settled.
	if n := len(h.lambda.callsTo("reserve")); n != 4 {
		t.Fatalf("%d reservations", n)
	}
	rel := h.lambda.callsTo("release")
	if len(rel) != 1 || encodeString(rel[0].Input) != `{"holdId":"hold-2","reason":"Provider.ContentRefused"}` {
		t.Fatalf("releases %+v", rel)
	}
	if rel[0].Resource != stageSubs["ReleaseFunctionArn"] {
		t.Fatalf("release invoked as %q", rel[0].Resource)
	}
	sort.Strings(f.keys)
	if strings.Join(f.keys, ",") != "stage-run-1#cluster#0,stage-run-1#cluster#1,stage-run-1#cluster#3" {
		t.Fatalf("idempotency keys %v", f.keys)
	}
	// Retries: batch 1 was rate limited twice, batch 3 hit one transient error,
	// batch 2's refusal matched no retrier.
	f.mu.Lock()
	attempts := fmt.Sprint(f.attempts)
	f.mu.Unlock()
	if attempts != "map[0:[0] 1:[0 1 2] 2:[0] 3:[0 1]]" {
		t.Fatalf("operation attempts %s", attempts)
	}
	// Backoff: Provider.Transient waits exactly 1 s; the rate-limit retrier
	// uses FULL jitter under 2 s then 4 s.
	sleeps := h.sleeps.all()
	sort.Slice(sleeps, func(i, j int) bool { return sleeps[i] < sleeps[j] })
	if len(sleeps) != 3 {
		t.Fatalf("sleeps %v", sleeps)
	}
	var exact, jittered []time.Duration
	for _, s := range sleeps {
		if s == time.Second {
			exact = append(exact, s)
		} else {
			jittered = append(jittered, s)
		}
	}
	if len(exact) < 1 || len(jittered) > 2 {
		t.Fatalf("sleeps %v", sleeps)
	}
	for _, s := range jittered {
		if s < 0 || s > 4*time.Second {
			t.Fatalf("jittered sleep %v out of bounds", s)
		}
	}
}

func TestRealisticStageCancelAndStop(t *testing.T) {
	t.Run("cancel through the task token", func(t *testing.T) {
		h, f, ex := startStage(t)
		if err := h.rt.SendTaskFailure(<-f.tokens, "Run.Cancelled", "cancelled by the user"); err != nil {
			t.Fatal(err)
		}
		wantFailed(t, h.wait(ex.ExecutionArn), "Run.Cancelled", "cancelled by the user")
	})
	t.Run("stop while paused", func(t *testing.T) {
		h, f, ex := startStage(t)
		token := <-f.tokens
		if err := h.rt.Stop(ex.ExecutionArn, "Run.Stopped", "operator"); err != nil {
			t.Fatal(err)
		}
		if d, _ := h.rt.Describe(ex.ExecutionArn); d.Status != StatusAborted {
			t.Fatalf("status %s", d.Status)
		}
		if err := h.rt.SendTaskSuccess(token, json.RawMessage(`{}`)); err == nil {
			t.Fatal("the token of a stopped run was accepted")
		}
	})
}

// Every definition in testdata parses (placeholders get dummy ARNs, as
// scripts/asl-validate.sh does).
func TestTestdataDefinitionsParse(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.asl.json")
	if len(files) == 0 {
		t.Fatal("no testdata definitions")
	}
	ph := regexp.MustCompile(`\$\{([^}]*)\}`)
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		subs := map[string]string{}
		for _, m := range ph.FindAllStringSubmatch(string(b), -1) {
			subs[m[1]] = "arn:aws:lambda:us-east-1:123456789012:function:" + m[1]
		}
		if _, err := Parse(b, subs); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

func TestEveryStateDefinition(t *testing.T) {
	def, err := os.ReadFile("testdata/every-state.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(def, map[string]string{
		"SquareFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:square",
		"CheckFunctionArn":  "check",
	})
	if err != nil {
		t.Fatal(err)
	}
	fns := func(checkFails int64) map[string]fnHandler {
		return map[string]fnHandler{
			"square": func(_ context.Context, in any) (any, error) {
				n, _ := asInt(in.(map[string]any)["n"])
				return n * n, nil
			},
			"check": func(_ context.Context, in any) (any, error) {
				if n, _ := asInt(in); n%checkFails == 0 {
					return nil, namedError{"Check.Failed", fmt.Sprint(n)}
				}
				return map[string]any{"ok": in}, nil
			},
		}
	}
	h := newHarness(t, fns(4)) // item 4 fails: one failure, tolerated
	ex := h.runMachine(m, `{"mode":"waitabit","tags":["a","b"]}`)
	wantSucceeded(t, ex, `{"squares":[1,4,9,16,25,36],"checks":[{"ok":1},{"ok":2},{"ok":3},{"Error":"Check.Failed","Cause":"{\"errorMessage\":\"4\",\"errorType\":\"Check.Failed\"}"},{"ok":5},{"ok":6}]}`)
	if fmt.Sprint(h.sleeps.all()) != fmt.Sprint(secs(30)) {
		t.Fatalf("sleeps %v, want the 30 s Wait", h.sleeps.all())
	}
	h = newHarness(t, fns(3)) // items 3 and 6 fail: more than ToleratedFailureCount 1
	wantFailed(t, h.runMachine(m, `{"mode":"fanout","tags":[]}`), ErrNameExceedToleratedFailure, "threshold")
	h = newHarness(t, fns(3))
	wantFailed(t, h.runMachine(m, `{"mode":"other","tags":[]}`), "Mode.Unknown", "unknown mode other")
}
