package sfn

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func secs(f ...float64) []time.Duration {
	out := make([]time.Duration, len(f))
	for i, s := range f {
		out[i] = time.Duration(s * float64(time.Second))
	}
	return out
}

func TestRetryDelayArithmetic(t *testing.T) {
	tests := []struct {
		name    string
		retrier string
		want    []time.Duration
	}{
		{"defaults: 1 s doubling", `{"ErrorEquals":["X"],"MaxAttempts":5}`, secs(1, 2, 4, 8, 16)},
		{"interval and rate", `{"ErrorEquals":["X"],"IntervalSeconds":3,"BackoffRate":1.5,"MaxAttempts":4}`, secs(3, 4.5, 6.75, 10.125)},
		{"rate 1 is constant", `{"ErrorEquals":["X"],"IntervalSeconds":2,"BackoffRate":1,"MaxAttempts":3}`, secs(2, 2, 2)},
		{"capped by MaxDelaySeconds", `{"ErrorEquals":["X"],"MaxAttempts":6,"MaxDelaySeconds":5}`, secs(1, 2, 4, 5, 5, 5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := parseRetry(J(t, `[`+tc.retrier+`]`))
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tc.want {
				if got := rs[0].delay(int64(i+1), nil); got != want {
					t.Errorf("retry %d: %v, want %v", i+1, got, want)
				}
			}
		})
	}
	// An enormous backoff stays a finite duration.
	rs, _ := parseRetry(J(t, `[{"ErrorEquals":["X"],"BackoffRate":1000,"MaxAttempts":99}]`))
	if d := rs[0].delay(99, nil); d <= 0 || d > 366*24*time.Hour {
		t.Fatalf("huge backoff = %v", d)
	}
}

func TestRetryFullJitterBounds(t *testing.T) {
	rs, _ := parseRetry(J(t, `[{"ErrorEquals":["X"],"IntervalSeconds":2,"MaxDelaySeconds":10,"JitterStrategy":"FULL"}]`))
	rt := NewRuntime(nil, WithRandSeed(1))
	for attempt := int64(1); attempt <= 6; attempt++ {
		ceiling := time.Duration(min(2*float64(int64(1)<<(attempt-1)), 10) * float64(time.Second))
		var lo, hi time.Duration = ceiling, 0
		for i := 0; i < 500; i++ {
			d := rs[0].delay(attempt, rt.randFloat)
			if d < 0 || d > ceiling {
				t.Fatalf("attempt %d: jittered delay %v outside [0, %v]", attempt, d, ceiling)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo > ceiling/10 || hi < ceiling*9/10 {
			t.Fatalf("attempt %d: jitter does not spread over [0, %v]: saw [%v, %v]", attempt, ceiling, lo, hi)
		}
	}
	// The extremes of the random source map to 0 and the computed backoff.
	if d := rs[0].delay(3, func() float64 { return 0 }); d != 0 {
		t.Fatalf("rnd 0 → %v", d)
	}
	if d := rs[0].delay(3, func() float64 { return 1 }); d != 8*time.Second {
		t.Fatalf("rnd 1 → %v", d)
	}
}

// failN returns a handler failing n times with the given errors (cycled), then
// succeeding with "ok".
func failN(n int, errs ...error) (fnHandler, *atomic.Int32) {
	var calls atomic.Int32
	return func(context.Context, any) (any, error) {
		c := int(calls.Add(1))
		if c <= n {
			return nil, errs[(c-1)%len(errs)]
		}
		return "ok", nil
	}, &calls
}

func TestRetryBehaviour(t *testing.T) {
	rate := namedError{"Provider.RateLimited", "429"}
	trans := namedError{"Provider.Transient", "503"}
	tests := []struct {
		name      string
		retry     string
		failures  int
		errs      []error
		wantCalls int32
		wantSleep []time.Duration
		wantErr   string // "" = succeeded
	}{
		{"retried until success", `[{"ErrorEquals":["Provider.RateLimited"],"MaxAttempts":3}]`, 2, []error{rate}, 3, secs(1, 2), ""},
		{"exhausted", `[{"ErrorEquals":["Provider.RateLimited"],"MaxAttempts":2}]`, 5, []error{rate}, 3, secs(1, 2), "Provider.RateLimited"},
		{"MaxAttempts 0 never retries", `[{"ErrorEquals":["Provider.RateLimited"],"MaxAttempts":0}]`, 5, []error{rate}, 1, nil, "Provider.RateLimited"},
		{"no matching retrier", `[{"ErrorEquals":["Other"]}]`, 5, []error{rate}, 1, nil, "Provider.RateLimited"},
		{"States.ALL", `[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":1}]`, 1, []error{rate}, 2, secs(2), ""},
		{"States.TaskFailed matches named errors", `[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":1}]`, 1, []error{rate}, 2, secs(1), ""},
		{"plain errors are States.TaskFailed", `[{"ErrorEquals":["States.TaskFailed"],"MaxAttempts":1}]`, 1, []error{errors.New("boom")}, 2, secs(1), ""},
		{"first matching retrier is used", `[{"ErrorEquals":["Provider.Transient","Provider.RateLimited"],"IntervalSeconds":5,"MaxAttempts":1},{"ErrorEquals":["States.ALL"],"MaxAttempts":5}]`,
			2, []error{rate}, 2, secs(5), "Provider.RateLimited"},
		{"each retrier counts its own attempts", `[{"ErrorEquals":["Provider.RateLimited"],"IntervalSeconds":1,"MaxAttempts":2},{"ErrorEquals":["Provider.Transient"],"IntervalSeconds":10,"MaxAttempts":2}]`,
			4, []error{rate, trans}, 5, secs(1, 10, 2, 20), ""},
		// The ASL specification's example: ErrorA, ErrorB, ErrorC, ErrorB; the
		// fourth error finds the first retrier exhausted and the state fails.
		{"the specification's example", `[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":2},{"ErrorEquals":["ErrorC"],"IntervalSeconds":5}]`,
			4, []error{namedError{"ErrorA", ""}, namedError{"ErrorB", ""}, namedError{"ErrorC", ""}, namedError{"ErrorB", ""}}, 4, secs(1, 2, 5), "ErrorB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn, calls := failN(tc.failures, tc.errs...)
			h := newHarness(t, map[string]fnHandler{"f": fn})
			def := wrap(`{"Type":"Task","Resource":"` + lambdaArn + `f","Retry":` + tc.retry + `,"Next":"E"}`)
			ex := h.run(def, `{}`)
			if tc.wantErr == "" {
				wantSucceeded(t, ex, `"ok"`)
			} else {
				wantFailed(t, ex, tc.wantErr, "")
			}
			if calls.Load() != tc.wantCalls {
				t.Errorf("%d calls, want %d", calls.Load(), tc.wantCalls)
			}
			if got := h.sleeps.all(); fmt.Sprint(got) != fmt.Sprint(tc.wantSleep) {
				t.Errorf("sleeps %v, want %v", got, tc.wantSleep)
			}
		})
	}
}

func TestErrorMatching(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"States.ALL", "Provider.RateLimited", true},
		{"States.ALL", "States.Timeout", true},
		{"States.ALL", "States.Runtime", false},
		{"States.ALL", "States.DataLimitExceeded", false},
		{"States.TaskFailed", "Provider.RateLimited", true},
		{"States.TaskFailed", "States.TaskFailed", true},
		{"States.TaskFailed", "States.Timeout", false},
		{"States.TaskFailed", "States.HeartbeatTimeout", false},
		{"States.TaskFailed", "States.Runtime", false},
		{"States.Timeout", "States.Timeout", true},
		{"States.Timeout", "States.HeartbeatTimeout", true},
		{"States.HeartbeatTimeout", "States.Timeout", false},
		{"States.Runtime", "States.Runtime", false},
		{"Provider.RateLimited", "Provider.RateLimited", true},
		{"Provider.RateLimited", "provider.ratelimited", false},
	}
	for _, tc := range tests {
		if got := errorMatches(tc.pattern, tc.name); got != tc.want {
			t.Errorf("errorMatches(%s, %s) = %v", tc.pattern, tc.name, got)
		}
	}
}

func TestCatch(t *testing.T) {
	fail := func(err error) fnHandler { return func(context.Context, any) (any, error) { return nil, err } }
	tests := []struct {
		name, catch, input string
		err                error
		want               string // output of the Handler state, or "FAILED:<error>"
	}{
		{"default ResultPath replaces the input with the error output", `[{"ErrorEquals":["Provider.RateLimited"],"Next":"Handler"}]`, `{"a":1}`,
			namedError{"Provider.RateLimited", "slow down"},
			`{"Error":"Provider.RateLimited","Cause":"{\"errorMessage\":\"slow down\",\"errorType\":\"Provider.RateLimited\"}"}`},
		{"ResultPath adds the error output to the raw input", `[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Handler"}]`, `{"a":1}`,
			&StateError{Name: "Custom", Cause: "why"}, `{"a":1,"error":{"Error":"Custom","Cause":"why"}}`},
		{"ResultPath null keeps the input", `[{"ErrorEquals":["States.ALL"],"ResultPath":null,"Next":"Handler"}]`, `{"a":1}`,
			errors.New("boom"), `{"a":1}`},
		{"first matching catcher wins", `[{"ErrorEquals":["X"],"Next":"Other"},{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.e","Next":"Handler"},{"ErrorEquals":["States.ALL"],"Next":"Other"}]`, `{}`,
			errors.New("boom"), `{"e":{"Error":"States.TaskFailed","Cause":"boom"}}`},
		{"no matching catcher", `[{"ErrorEquals":["X"],"Next":"Handler"}]`, `{}`, namedError{"Y", "y"}, "FAILED:Y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, map[string]fnHandler{"f": fail(tc.err)})
			def := `{"StartAt":"T","States":{
			  "T":{"Type":"Task","Resource":"` + lambdaArn + `f","InputPath":"$","OutputPath":"$.never","Catch":` + tc.catch + `,"End":true},
			  "Handler":{"Type":"Pass","End":true},
			  "Other":{"Type":"Fail","Error":"WrongCatcher"}}}`
			ex := h.run(def, tc.input)
			if len(tc.want) > 7 && tc.want[:7] == "FAILED:" {
				wantFailed(t, ex, tc.want[7:], "")
				return
			}
			wantSucceeded(t, ex, tc.want)
		})
	}
}

func TestRetryThenCatch(t *testing.T) {
	fn, calls := failN(10, namedError{"Provider.Transient", "503"})
	h := newHarness(t, map[string]fnHandler{"f": fn})
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"` + lambdaArn + `f",
	    "Retry":[{"ErrorEquals":["Provider.RateLimited","Provider.Transient"],"IntervalSeconds":1,"MaxAttempts":2}],
	    "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Release"}],"End":true},
	  "Release":{"Type":"Pass","Parameters":{"released":true,"error.$":"$.error.Error"},"End":true}}}`
	wantSucceeded(t, h.run(def, `{}`), `{"released":true,"error":"Provider.Transient"}`)
	if calls.Load() != 3 {
		t.Fatalf("%d calls, want 3", calls.Load())
	}
}

func TestRetryCountersRestartOnReentry(t *testing.T) {
	// A loop enters T twice; each entry gets the full MaxAttempts again.
	fn, calls := failN(1, namedError{"E", ""})
	fn2 := func(ctx context.Context, in any) (any, error) {
		if calls.Load() == 2 { // second entry: fail once more
			calls.Add(1)
			return nil, namedError{"E", ""}
		}
		return fn(ctx, in)
	}
	h := newHarness(t, map[string]fnHandler{"f": fn2})
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"` + lambdaArn + `f","Retry":[{"ErrorEquals":["E"],"MaxAttempts":1}],"ResultPath":"$.r","Next":"Loop"},
	  "Loop":{"Type":"Choice","Choices":[{"Variable":"$.again","BooleanEquals":true,"Next":"Again"}],"Default":"Done"},
	  "Again":{"Type":"Pass","Result":false,"ResultPath":"$.again","Next":"T"},
	  "Done":{"Type":"Succeed"}}}`
	wantSucceeded(t, h.run(def, `{"again":true}`), `{"again":false,"r":"ok"}`)
	if got := h.sleeps.all(); fmt.Sprint(got) != fmt.Sprint(secs(1, 1)) {
		t.Fatalf("sleeps %v, want two first retries", got)
	}
}

func TestRuntimeErrorsAreNeverRetried(t *testing.T) {
	h := newHarness(t, map[string]fnHandler{"f": constFn("x")})
	def := wrap(`{"Type":"Task","Resource":"` + lambdaArn + `f","ResultSelector":{"v.$":"$.missing"},"Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"E"}],"Next":"E"}`)
	wantFailed(t, h.run(def, `{}`), ErrNameRuntime, "$.missing")
	if n := len(h.lambda.callsTo("f")); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
}
