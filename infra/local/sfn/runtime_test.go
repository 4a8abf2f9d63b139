package sfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStartAndDescribe(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, map[string]fnHandler{"slow": func(ctx context.Context, in any) (any, error) {
		<-release
		return in, nil
	}})
	m := mustParse(t, wrap(`{"Type":"Task","Resource":"`+lambdaArn+`slow","Next":"E"}`), nil).WithName("Stage")
	ex, err := h.rt.Start(context.Background(), m, "run-1", []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if ex.Status != StatusRunning || ex.ExecutionArn != "arn:aws:states:local:000000000000:execution:Stage:run-1" || ex.Name != "run-1" || !ex.StopDate.IsZero() {
		t.Fatalf("Start returned %+v", ex)
	}
	// Same name and input while running: the same execution (AWS idempotency).
	again, err := h.rt.Start(context.Background(), m, "run-1", []byte(`{ "a" : 1 }`))
	if err != nil || again.ExecutionArn != ex.ExecutionArn {
		t.Fatalf("idempotent Start: %+v, %v", again, err)
	}
	// Same name, other input: ExecutionAlreadyExists.
	if dup, err := h.rt.Start(context.Background(), m, "run-1", []byte(`{"a":2}`)); !errors.Is(err, ErrExecutionAlreadyExists) || dup.ExecutionArn != ex.ExecutionArn {
		t.Fatalf("got %+v, %v; want ExecutionAlreadyExists with the existing execution", dup, err)
	}
	// The same name on another machine is another execution.
	if _, err := h.rt.Start(context.Background(), m.WithName("Other"), "run-1", []byte(`{"a":2}`)); err != nil {
		t.Fatal(err)
	}
	close(release)
	done := h.wait(ex.ExecutionArn)
	wantSucceeded(t, done, `{"a":1}`)
	if done.StopDate.IsZero() || done.StartDate.IsZero() || string(done.Input) != `{"a":1}` {
		t.Fatalf("Describe after the end: %+v", done)
	}
	// Once finished, even the same input is refused.
	if _, err := h.rt.Start(context.Background(), m, "run-1", []byte(`{"a":1}`)); !errors.Is(err, ErrExecutionAlreadyExists) {
		t.Fatalf("got %v, want ExecutionAlreadyExists", err)
	}
	if _, err := h.rt.Describe("arn:aws:states:local:000000000000:execution:Stage:nope"); !errors.Is(err, ErrExecutionDoesNotExist) {
		t.Fatalf("Describe unknown: %v", err)
	}
	for _, bad := range []string{"has space", "a/b", "x:y", "{}", strings.Repeat("n", 81), "tab\t"} {
		if _, err := h.rt.Start(context.Background(), m, bad, nil); !errors.Is(err, ErrInvalidName) {
			t.Errorf("name %q: %v, want InvalidName", bad, err)
		}
	}
	if _, err := h.rt.Start(context.Background(), m, "bad-input", []byte(`{`)); !errors.Is(err, ErrInvalidExecutionInput) {
		t.Fatalf("bad input: %v", err)
	}
	// No name: a UUID; no input: {}.
	auto, err := h.rt.Start(context.Background(), mustParse(t, wrap(`{"Type":"Pass","Next":"E"}`), nil), "", nil)
	if err != nil || len(auto.Name) != 36 {
		t.Fatalf("generated name %q, %v", auto.Name, err)
	}
	wantSucceeded(t, h.wait(auto.ExecutionArn), `{}`)
}

func TestStop(t *testing.T) {
	var cancelled sync.WaitGroup
	cancelled.Add(2)
	tokens := make(chan string, 1)
	h := newHarness(t, map[string]fnHandler{
		"hang": blockUntilCancelled(&cancelled),
		"gate": func(_ context.Context, in any) (any, error) {
			tokens <- in.(map[string]any)["t"].(string)
			return nil, nil
		},
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
	  {"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"H","States":{"H":{"Type":"Task","Resource":"` + lambdaArn + `hang","End":true}}},"End":true}}},
	  {"StartAt":"G","States":{"G":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"gate","Payload":{"t.$":"$$.Task.Token"}},"End":true}}}],
	  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Never"}],"Next":"Never"},
	  "Never":{"Type":"Pass","End":true}}}`
	ex, err := h.rt.Start(context.Background(), mustParse(t, def, nil), "to-stop", []byte(`[1,2]`))
	if err != nil {
		t.Fatal(err)
	}
	token := <-tokens
	for len(h.lambda.callsTo("hang")) < 2 {
		time.Sleep(time.Millisecond)
	}
	if err := h.rt.Stop(ex.ExecutionArn, "User.Cancelled", "stopped by the test"); err != nil {
		t.Fatal(err)
	}
	cancelled.Wait() // both running invocations saw their context cancelled
	got, _ := h.rt.Describe(ex.ExecutionArn)
	if got.Status != StatusAborted || got.Error != "User.Cancelled" || got.Cause != "stopped by the test" || got.StopDate.IsZero() {
		t.Fatalf("after Stop: %+v", got)
	}
	if err := h.rt.SendTaskSuccess(token, []byte(`{}`)); !errors.Is(err, ErrTaskTimedOut) {
		t.Fatalf("token of a stopped execution: %v, want TaskTimedOut", err)
	}
	if err := h.rt.SendTaskHeartbeat(token); !errors.Is(err, ErrTaskTimedOut) {
		t.Fatalf("heartbeat of a stopped execution: %v", err)
	}
	if len(h.lambda.callsTo("never")) != 0 {
		t.Fatal("the execution went on after Stop")
	}
	// Stopping again, or stopping a finished execution, does nothing.
	if err := h.rt.Stop(ex.ExecutionArn, "x", "y"); err != nil {
		t.Fatal(err)
	}
	if got2, _ := h.rt.Describe(ex.ExecutionArn); got2.Error != "User.Cancelled" {
		t.Fatalf("second Stop changed the record: %+v", got2)
	}
	if err := h.rt.Stop("arn:aws:states:local:000000000000:execution:StateMachine:nope", "", ""); !errors.Is(err, ErrExecutionDoesNotExist) {
		t.Fatalf("Stop unknown: %v", err)
	}
}

func TestStopDuringRetryBackoffAndWait(t *testing.T) {
	// Real (scaled) sleeping: a one-hour Wait ends as soon as Stop is called.
	rt := NewRuntime(newFakeLambda(nil), WithTimeScale(1))
	ex, err := rt.Start(context.Background(), mustParse(t, wrap(`{"Type":"Wait","Seconds":3600,"Next":"E"}`), nil), "w", nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	start := time.Now()
	if err := rt.Stop(ex.ExecutionArn, "", ""); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("Stop waited for the Wait state")
	}
	if got, _ := rt.Describe(ex.ExecutionArn); got.Status != StatusAborted {
		t.Fatalf("status %s", got.Status)
	}
}

func TestExecutionTimeout(t *testing.T) {
	var cancelled sync.WaitGroup
	cancelled.Add(1)
	h := newHarness(t, map[string]fnHandler{"hang": blockUntilCancelled(&cancelled)}) // 1 s = 1 ms
	def := `{"TimeoutSeconds":20,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + lambdaArn + `hang","Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}`
	ex := h.run(def, `{}`)
	cancelled.Wait()
	if ex.Status != StatusTimedOut || ex.Error != ErrNameTimeout || len(ex.Output) != 0 {
		t.Fatalf("got %+v, want TIMED_OUT", ex)
	}
}

func TestWaitState(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, fields, input string
		want                time.Duration
		wantErr             string
	}{
		{"Seconds", `"Seconds":10`, `{}`, 10 * time.Second, ""},
		{"Seconds 0 does not sleep", `"Seconds":0`, `{}`, -1, ""},
		{"SecondsPath", `"SecondsPath":"$.s"`, `{"s":7}`, 7 * time.Second, ""},
		{"SecondsPath not an integer", `"SecondsPath":"$.s"`, `{"s":"7"}`, 0, ErrNameRuntime},
		{"SecondsPath negative", `"SecondsPath":"$.s"`, `{"s":-1}`, 0, ErrNameRuntime},
		{"SecondsPath missing", `"SecondsPath":"$.s"`, `{}`, 0, ErrNameRuntime},
		{"Timestamp", `"Timestamp":"2024-05-01T12:01:30Z"`, `{}`, 90 * time.Second, ""},
		{"Timestamp with offset", `"Timestamp":"2024-05-01T14:00:05+02:00"`, `{}`, 5 * time.Second, ""},
		{"Timestamp in the past does not sleep", `"Timestamp":"2020-01-01T00:00:00Z"`, `{}`, -1, ""},
		{"TimestampPath", `"TimestampPath":"$.at"`, `{"at":"2024-05-01T12:00:00.250Z"}`, 250 * time.Millisecond, ""},
		{"TimestampPath invalid", `"TimestampPath":"$.at"`, `{"at":"tomorrow"}`, 0, ErrNameRuntime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil, WithClock(func() time.Time { return now }))
			ex := h.run(wrap(`{"Type":"Wait",`+tc.fields+`,"Next":"E"}`), tc.input)
			if tc.wantErr != "" {
				wantFailed(t, ex, tc.wantErr, "")
				return
			}
			wantSucceeded(t, ex, tc.input)
			sleeps := h.sleeps.all()
			if tc.want < 0 {
				if len(sleeps) != 0 {
					t.Fatalf("slept %v", sleeps)
				}
				return
			}
			if len(sleeps) != 1 || sleeps[0] != tc.want {
				t.Fatalf("slept %v, want %v", sleeps, tc.want)
			}
		})
	}
}

func TestFailState(t *testing.T) {
	tests := []struct {
		fields, input, errName, cause string
	}{
		{`"Error":"Custom.Error","Cause":"because"`, `{}`, "Custom.Error", "because"},
		{`"Error":"OnlyError"`, `{}`, "OnlyError", ""},
		{`"ErrorPath":"$.e","CausePath":"$.c"`, `{"e":"From.Input","c":"text"}`, "From.Input", "text"},
		{`"ErrorPath":"States.Format('{}.Failed', $.stage)","CausePath":"States.JsonToString($.detail)"`, `{"stage":"Cluster","detail":{"n":1}}`, "Cluster.Failed", `{"n":1}`},
		{`"ErrorPath":"$.e"`, `{"e":5}`, ErrNameRuntime, "string"},
		{`"ErrorPath":"$.missing"`, `{}`, ErrNameRuntime, "$.missing"},
	}
	for _, tc := range tests {
		h := newHarness(t, nil)
		wantFailed(t, h.run(`{"StartAt":"F","States":{"F":{"Type":"Fail",`+tc.fields+`}}}`, tc.input), tc.errName, tc.cause)
	}
}

func TestStructuredLogs(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	fn, _ := failN(1, namedError{"Provider.Transient", "x"})
	h := newHarness(t, map[string]fnHandler{"f": fn}, WithLogger(logger))
	ex := h.run(wrap(`{"Type":"Task","Resource":"`+lambdaArn+`f","Retry":[{"ErrorEquals":["States.ALL"]}],"Next":"E"}`), `{}`)
	wantSucceeded(t, ex, "")
	mu.Lock()
	defer mu.Unlock()
	var sawRetry, sawEnd bool
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["execution"] != ex.ExecutionArn {
			t.Fatalf("log record without the execution ARN: %s", line)
		}
		switch rec["msg"] {
		case "retrying":
			sawRetry = rec["state"] == "S" && rec["error"] == "Provider.Transient"
		case "execution ended":
			sawEnd = rec["status"] == StatusSucceeded
		}
	}
	if !sawRetry || !sawEnd {
		t.Fatalf("missing records (retry %v, end %v):\n%s", sawRetry, sawEnd, buf.String())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestManyConcurrentExecutions(t *testing.T) {
	h := newHarness(t, map[string]fnHandler{"echo": echo})
	m := mustParse(t, `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":4,"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaArn+`echo","End":true}}},"End":true}}}`, nil)
	var arns []string
	for i := 0; i < 20; i++ {
		ex, err := h.rt.Start(context.Background(), m, fmt.Sprintf("e%d", i), []byte(items(10)))
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, ex.ExecutionArn)
	}
	for _, a := range arns {
		wantSucceeded(t, h.wait(a), items(10))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.rt.Wait(ctx, arns[0]); err != nil {
		t.Fatalf("Wait on a finished execution with a cancelled ctx: %v", err)
	}
}
