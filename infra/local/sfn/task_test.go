package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestLambdaResources(t *testing.T) {
	h := newHarness(t, map[string]fnHandler{"echo": echo, "str": constFn("plain")})
	// A Lambda ARN: the function gets the effective input; the result is its output.
	def := wrap(`{"Type":"Task","Resource":"` + lambdaArn + `echo:live","Parameters":{"a.$":"$.x","b":2},"Next":"E"}`)
	wantSucceeded(t, h.run(def, `{"x":1}`), `{"a":1,"b":2}`)
	if c := h.lambda.callsTo("echo"); len(c) != 1 || c[0].Resource != lambdaArn+"echo:live" {
		t.Fatalf("calls %+v", c)
	}

	// lambda:invoke: FunctionName (+ Qualifier) and Payload; the result wraps the output.
	h = newHarness(t, map[string]fnHandler{"echo": echo})
	def = wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"` + lambdaArn + `echo","Qualifier":"7","Payload":{"in.$":"$"}},"Next":"E"}`)
	ex := h.run(def, `{"k":"v"}`)
	wantSucceeded(t, ex, "")
	out := J(t, string(ex.Output)).(map[string]any)
	if encodeString(out["Payload"]) != `{"in":{"k":"v"}}` || out["ExecutedVersion"] != "$LATEST" || encodeString(out["StatusCode"]) != "200" {
		t.Fatalf("lambda:invoke result %s", ex.Output)
	}
	if md, ok := out["SdkHttpMetadata"].(map[string]any); !ok || encodeString(md["HttpStatusCode"]) != "200" {
		t.Fatalf("SdkHttpMetadata missing: %s", ex.Output)
	}
	if c := h.lambda.callsTo("echo"); len(c) != 1 || c[0].Resource != lambdaArn+"echo:7" {
		t.Fatalf("calls %+v", c)
	}

	// The usual ResultSelector on Payload, dynamic FunctionName, no Payload → {}.
	h = newHarness(t, map[string]fnHandler{"echo": echo})
	def = wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.fn"},"ResultSelector":{"p.$":"$.Payload"},"ResultPath":"$.r","Next":"E"}`)
	wantSucceeded(t, h.run(def, `{"fn":"echo"}`), `{"fn":"echo","r":{"p":{}}}`)
	wantFailed(t, h.run(def, `{"fn":7}`), ErrNameRuntime, "FunctionName")
}

func TestTaskErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		resource  string
		wantName  string
		wantCause string
	}{
		{"named error (Lambda errorType)", namedError{"Provider.RateLimited", "retry after 3s"}, lambdaArn + "f",
			"Provider.RateLimited", `{"errorMessage":"retry after 3s","errorType":"Provider.RateLimited"}`},
		{"named error through lambda:invoke", namedError{"Provider.RateLimited", "retry after 3s"}, "arn:aws:states:::lambda:invoke",
			"Provider.RateLimited", `{"errorMessage":"retry after 3s","errorType":"Provider.RateLimited"}`},
		{"wrapped named error", fmt.Errorf("ctx: %w", namedError{"Ledger.InsufficientCredits", "need 5"}), lambdaArn + "f",
			"Ledger.InsufficientCredits", `{"errorMessage":"ctx: need 5","errorType":"Ledger.InsufficientCredits"}`},
		{"StateError keeps its cause", &StateError{Name: "X", Cause: "exact"}, lambdaArn + "f", "X", "exact"},
		{"plain error", errors.New("boom"), lambdaArn + "f", ErrNameTaskFailed, "boom"},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), lambdaArn + "f", ErrNameTimeout, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, map[string]fnHandler{"f": func(context.Context, any) (any, error) { return nil, tc.err }})
			params := ``
			if tc.resource == "arn:aws:states:::lambda:invoke" {
				params = `,"Parameters":{"FunctionName":"f","Payload.$":"$"}`
			}
			ex := h.run(wrap(`{"Type":"Task","Resource":"`+tc.resource+`"`+params+`,"Next":"E"}`), `{}`)
			if ex.Status != StatusFailed || ex.Error != tc.wantName || ex.Cause != tc.wantCause {
				t.Fatalf("status %s error %q cause %q; want %q %q", ex.Status, ex.Error, ex.Cause, tc.wantName, tc.wantCause)
			}
		})
	}
}

// blockUntilCancelled is a function that never finishes on its own.
func blockUntilCancelled(cancelled *sync.WaitGroup) fnHandler {
	return func(ctx context.Context, _ any) (any, error) {
		<-ctx.Done()
		if cancelled != nil {
			cancelled.Done()
		}
		return nil, ctx.Err()
	}
}

func TestTaskTimeout(t *testing.T) {
	var cancelled sync.WaitGroup
	cancelled.Add(2)
	h := newHarness(t, map[string]fnHandler{"hang": blockUntilCancelled(&cancelled)}) // 1 s = 1 ms
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"` + lambdaArn + `hang","TimeoutSeconds":5,
	    "Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":1}],
	    "Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.err","Next":"H"}],"End":true},
	  "H":{"Type":"Pass","End":true}}}`
	wantSucceeded(t, h.run(def, `{}`), `{"err":{"Error":"States.Timeout","Cause":""}}`)
	cancelled.Wait() // both attempts saw their context cancelled

	// TimeoutSecondsPath, and States.TaskFailed does not catch timeouts.
	h = newHarness(t, map[string]fnHandler{"hang": blockUntilCancelled(nil)})
	def = wrap(`{"Type":"Task","Resource":"` + lambdaArn + `hang","TimeoutSecondsPath":"$.t","Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"E"}],"Next":"E"}`)
	wantFailed(t, h.run(def, `{"t":3}`), ErrNameTimeout, "")
	wantFailed(t, h.run(def, `{"t":0}`), ErrNameRuntime, "TimeoutSecondsPath")
}

const callbackDef = `{"StartAt":"Gate","States":{
  "Gate":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
    "Parameters":{"FunctionName":"gate","Payload":{"token.$":"$$.Task.Token","run.$":"$.run"}},
    "TimeoutSeconds":60,"HeartbeatSeconds":10,"ResultPath":"$.gate",
    "Catch":[{"ErrorEquals":["Run.Cancelled"],"ResultPath":"$.err","Next":"Cancelled"}],"End":true},
  "Cancelled":{"Type":"Pass","Parameters":{"cancelled.$":"$.err.Cause"},"End":true}}}`

// callbackHarness hands the tokens the gate function receives to the test.
func callbackHarness(t *testing.T, opts ...Option) (*harness, chan string) {
	tokens := make(chan string, 4)
	h := newHarness(t, map[string]fnHandler{"gate": func(_ context.Context, in any) (any, error) {
		tokens <- in.(map[string]any)["token"].(string)
		return map[string]any{"accepted": true}, nil // ignored: the task waits for the token
	}}, opts...)
	return h, tokens
}

func startCallback(t *testing.T, h *harness) Execution {
	t.Helper()
	ex, err := h.rt.Start(context.Background(), mustParse(t, callbackDef, nil), "", json.RawMessage(`{"run":"r1"}`))
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestWaitForTaskToken(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		h, tokens := callbackHarness(t, WithTimeScale(0.01))
		ex := startCallback(t, h)
		token := <-tokens
		if d, _ := h.rt.Describe(ex.ExecutionArn); d.Status != StatusRunning {
			t.Fatalf("status %s while waiting for the token", d.Status)
		}
		if err := h.rt.SendTaskSuccess(token, []byte(`{"resumed":true}`)); err != nil {
			t.Fatal(err)
		}
		wantSucceeded(t, h.wait(ex.ExecutionArn), `{"run":"r1","gate":{"resumed":true}}`)
		if err := h.rt.SendTaskSuccess(token, []byte(`{}`)); !errors.Is(err, ErrTaskTimedOut) {
			t.Fatalf("second SendTaskSuccess: %v, want TaskTimedOut", err)
		}
	})
	t.Run("failure is caught", func(t *testing.T) {
		h, tokens := callbackHarness(t, WithTimeScale(0.01))
		ex := startCallback(t, h)
		if err := h.rt.SendTaskFailure(<-tokens, "Run.Cancelled", "by user"); err != nil {
			t.Fatal(err)
		}
		wantSucceeded(t, h.wait(ex.ExecutionArn), `{"cancelled":"by user"}`)
	})
	t.Run("failure not caught", func(t *testing.T) {
		h, tokens := callbackHarness(t, WithTimeScale(0.01))
		ex := startCallback(t, h)
		if err := h.rt.SendTaskFailure(<-tokens, "Other", "x"); err != nil {
			t.Fatal(err)
		}
		wantFailed(t, h.wait(ex.ExecutionArn), "Other", "x")
	})
	t.Run("heartbeats keep it alive", func(t *testing.T) {
		h, tokens := callbackHarness(t, WithTimeScale(0.025)) // HeartbeatSeconds 10 → 250 ms
		ex := startCallback(t, h)
		token := <-tokens
		for i := 0; i < 20; i++ { // 600 ms, more than two heartbeat periods
			time.Sleep(30 * time.Millisecond)
			if err := h.rt.SendTaskHeartbeat(token); err != nil {
				t.Fatal(err)
			}
		}
		if d, _ := h.rt.Describe(ex.ExecutionArn); d.Status != StatusRunning {
			t.Fatalf("status %s %s despite heartbeats", d.Status, d.Error)
		}
		if err := h.rt.SendTaskSuccess(token, []byte(`"ok"`)); err != nil {
			t.Fatal(err)
		}
		wantSucceeded(t, h.wait(ex.ExecutionArn), `{"run":"r1","gate":"ok"}`)
	})
	t.Run("heartbeat timeout", func(t *testing.T) {
		h, tokens := callbackHarness(t, WithTimeScale(0.01))
		ex := startCallback(t, h)
		token := <-tokens
		wantFailed(t, h.wait(ex.ExecutionArn), ErrNameHeartbeatTimeout, "")
		if err := h.rt.SendTaskSuccess(token, []byte(`{}`)); !errors.Is(err, ErrTaskTimedOut) {
			t.Fatalf("late SendTaskSuccess: %v, want TaskTimedOut", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		h, tokens := callbackHarness(t, WithTimeScale(0.001))
		def := wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"gate","Payload":{"token.$":"$$.Task.Token"}},"TimeoutSeconds":20,"Next":"E"}`)
		ex := h.run(def, `{}`)
		<-tokens
		wantFailed(t, ex, ErrNameTimeout, "")
	})
	t.Run("the function's own failure fails the task", func(t *testing.T) {
		h := newHarness(t, map[string]fnHandler{"gate": func(context.Context, any) (any, error) {
			return nil, namedError{"Gate.Broken", "no"}
		}})
		def := wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"gate","Payload":{"token.$":"$$.Task.Token"}},"Next":"E"}`)
		wantFailed(t, h.run(def, `{}`), "Gate.Broken", "no")
	})
	t.Run("token API errors", func(t *testing.T) {
		h, tokens := callbackHarness(t, WithTimeScale(0.01))
		startCallback(t, h)
		token := <-tokens
		if err := h.rt.SendTaskSuccess("", []byte(`{}`)); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("empty token: %v", err)
		}
		if err := h.rt.SendTaskSuccess("nope", []byte(`{}`)); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("unknown token: %v", err)
		}
		if err := h.rt.SendTaskHeartbeat("nope"); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("unknown token heartbeat: %v", err)
		}
		if err := h.rt.SendTaskSuccess(token, []byte(`{not json`)); !errors.Is(err, ErrInvalidOutput) {
			t.Fatalf("invalid output: %v", err)
		}
		if err := h.rt.SendTaskSuccess(token, []byte(`{}`)); err != nil {
			t.Fatalf("the token must still work after an invalid output: %v", err)
		}
	})
}
