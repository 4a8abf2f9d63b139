package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fnHandler is a fake Lambda function.
type fnHandler func(ctx context.Context, in any) (any, error)

// fakeLambda routes invocations by function name (the part after
// "function:", without qualifier, or the plain name) and records them.
type fakeLambda struct {
	mu    sync.Mutex
	fns   map[string]fnHandler
	calls []invocation
}

type invocation struct {
	Resource string
	Input    any
}

func newFakeLambda(fns map[string]fnHandler) *fakeLambda {
	return &fakeLambda{fns: fns}
}

func funcName(resource string) string {
	if i := strings.Index(resource, ":function:"); i >= 0 {
		resource = resource[i+len(":function:"):]
	}
	if i := strings.IndexByte(resource, ':'); i >= 0 {
		resource = resource[:i]
	}
	return resource
}

func (f *fakeLambda) Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	in, err := decodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("fake lambda got invalid JSON %q: %v", input, err)
	}
	f.mu.Lock()
	f.calls = append(f.calls, invocation{Resource: resource, Input: in})
	h, ok := f.fns[funcName(resource)]
	f.mu.Unlock()
	if !ok {
		return nil, &StateError{Name: "Lambda.ResourceNotFoundException", Cause: "no function " + resource}
	}
	out, err := h(ctx, in)
	if err != nil {
		return nil, err
	}
	return encodeJSON(out), nil
}

func (f *fakeLambda) callsTo(name string) []invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []invocation
	for _, c := range f.calls {
		if funcName(c.Resource) == name {
			out = append(out, c)
		}
	}
	return out
}

// namedError is what a Lambda handler returns for a typed error.
type namedError struct{ name, msg string }

func (e namedError) Error() string     { return e.msg }
func (e namedError) ErrorName() string { return e.name }

// sleepRecorder replaces real sleeping.
type sleepRecorder struct {
	mu     sync.Mutex
	sleeps []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.sleeps = append(s.sleeps, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.sleeps...)
}

// J parses JSON for test expectations.
func J(t testing.TB, s string) any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func mustParse(t testing.TB, def string, subs map[string]string) *Machine {
	t.Helper()
	m, err := Parse([]byte(def), subs)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

type harness struct {
	t      testing.TB
	rt     *Runtime
	lambda *fakeLambda
	sleeps *sleepRecorder
}

func newHarness(t testing.TB, fns map[string]fnHandler, opts ...Option) *harness {
	h := &harness{t: t, lambda: newFakeLambda(fns), sleeps: &sleepRecorder{}}
	opts = append([]Option{WithSleep(h.sleeps.sleep), WithRandSeed(42), WithTimeScale(0.001)}, opts...)
	h.rt = NewRuntime(h.lambda, opts...)
	return h
}

// run starts an execution and waits for it (5 s at most).
func (h *harness) run(def, input string) Execution {
	h.t.Helper()
	return h.runMachine(mustParse(h.t, def, nil), input)
}

func (h *harness) runMachine(m *Machine, input string) Execution {
	h.t.Helper()
	ex, err := h.rt.Start(context.Background(), m, "", json.RawMessage(input))
	if err != nil {
		h.t.Fatalf("Start: %v", err)
	}
	return h.wait(ex.ExecutionArn)
}

func (h *harness) wait(arn string) Execution {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ex, err := h.rt.Wait(ctx, arn)
	if err != nil {
		h.t.Fatalf("Wait: %v (status %s)", err, ex.Status)
	}
	return ex
}

func wantSucceeded(t testing.TB, ex Execution, want string) {
	t.Helper()
	if ex.Status != StatusSucceeded {
		t.Fatalf("status %s (error %q, cause %q), want SUCCEEDED", ex.Status, ex.Error, ex.Cause)
	}
	if want == "" {
		return
	}
	got, err := decodeJSON(ex.Output)
	if err != nil {
		t.Fatalf("output %s: %v", ex.Output, err)
	}
	if !jsonEqual(got, J(t, want)) {
		t.Fatalf("output\n got %s\nwant %s", ex.Output, want)
	}
}

func wantFailed(t testing.TB, ex Execution, errName, causeContains string) {
	t.Helper()
	if ex.Status != StatusFailed {
		t.Fatalf("status %s (output %s), want FAILED with %s", ex.Status, ex.Output, errName)
	}
	if ex.Error != errName || !strings.Contains(ex.Cause, causeContains) {
		t.Fatalf("error %q cause %q, want %q with cause containing %q", ex.Error, ex.Cause, errName, causeContains)
	}
}

// echo returns its input.
func echo(_ context.Context, in any) (any, error) { return in, nil }

func constFn(v any) fnHandler { return func(context.Context, any) (any, error) { return v, nil } }

const lambdaArn = "arn:aws:lambda:us-east-1:123456789012:function:"
