package statemachines_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/infra/local/sfn"
	"github.com/igny8/igny8-serverless/infra/statemachines"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

// An operation that fails for a reason of the work (no credits, the
// provider refusing, bad input) records it and its execution succeeds, so
// the failed-executions alarm does not page on ordinary days; one that fails
// on our side (a bug, Lambda, a timeout) fails its execution.
func TestOperationFailsItsExecutionOnlyForOurOwnErrors(t *testing.T) {
	asl, err := statemachines.Definition("operation")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		reserveError string
		want         string
	}{
		{stepfn.InsufficientCredits, sfn.StatusSucceeded},
		{"Provider.Refused", sfn.StatusSucceeded},
		{stepfn.InvalidInput, sfn.StatusSucceeded},
		{stepfn.NotFound, sfn.StatusSucceeded},
		{stepfn.Internal, sfn.StatusFailed},
		{"Lambda.Unknown", sfn.StatusFailed},
		{"Sandbox.Timedout", sfn.StatusFailed},
		{"States.TaskFailed", sfn.StatusFailed},
	}
	for _, tc := range tests {
		t.Run(tc.reserveError, func(t *testing.T) {
			released := false
			inv := sfn.InvokerFunc(func(_ context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
				switch name := resource[strings.LastIndex(resource, ":")+1:]; name {
				case "credit-reserve":
					return nil, &sfn.StateError{Name: tc.reserveError, Cause: "from the test"}
				case "credit-release":
					released = true
					return json.RawMessage(`{}`), nil
				default:
					t.Errorf("%s called after a failed reserve", name)
					return json.RawMessage(`{}`), nil
				}
			})
			rt := sfn.NewRuntime(inv, sfn.WithSleep(func(context.Context, time.Duration) error { return nil }))
			ex, err := rt.Start(context.Background(), localMachine(t, asl).WithName("operation"), "", json.RawMessage(`{"job":{"type":"clustering"}}`))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if ex, err = rt.Wait(ctx, ex.ExecutionArn); err != nil {
				t.Fatal(err)
			}
			if ex.Status != tc.want || !released {
				t.Fatalf("status %s (%s), released %v; want %s", ex.Status, ex.Error, released, tc.want)
			}
		})
	}
}

// A batch pays the Pace state's transition only when there is a delay: with
// none the run's transitions are fewer by one per batch, and nothing waits.
func TestPacingCostsATransitionOnlyWithADelay(t *testing.T) {
	asl, err := statemachines.Definition("automation")
	if err != nil {
		t.Fatal(err)
	}
	run := func(delay int) (int64, []time.Duration) {
		var mu sync.Mutex
		var waits []time.Duration
		inv := sfn.InvokerFunc(func(_ context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
			var in struct {
				Stage int `json:"stage"`
			}
			_ = json.Unmarshal(input, &in)
			switch name := resource[strings.LastIndex(resource, ":")+1:]; {
			case name == "automation-prepare-stage" && in.Stage == 1:
				return json.RawMessage(`{"skip":false,"batches":[0,1,2]}`), nil
			case name == "automation-prepare-stage":
				return json.RawMessage(`{"skip":true,"batches":[]}`), nil
			case name == "automation-gate":
				return json.RawMessage(fmt.Sprintf(`{"action":"go","delay":%d,"job":{"type":"clustering"}}`, delay)), nil
			case name == "automation-finish-stage":
				return json.RawMessage(`{"cancelled":false}`), nil
			}
			return json.RawMessage(`{}`), nil
		})
		rt := sfn.NewRuntime(inv, sfn.WithSleep(func(_ context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return nil
		}))
		ex, err := rt.Start(context.Background(), localMachine(t, asl), "", json.RawMessage(`{"run":{"run_id":"r"},"concurrency":1}`))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if ex, err = rt.Wait(ctx, ex.ExecutionArn); err != nil || ex.Status != sfn.StatusSucceeded {
			t.Fatalf("%v %s %s", err, ex.Status, ex.Cause)
		}
		return ex.StateTransitions, waits
	}
	still, none := run(0)
	paced, waits := run(7)
	if paced-still != 3 || len(none) != 0 || len(waits) != 3 || waits[0] != 7*time.Second {
		t.Fatalf("transitions %d without a delay, %d with; waits %v and %v", still, paced, none, waits)
	}
	t.Logf("%d transitions for a run of 3 batches in one stage (%d with a delay)", still, paced)
}

// An account that cannot cover a reserve is a refused hold, a result and no
// Lambda error: both machines record it as they would a caught error (the
// release step gets it as $.error) and run nothing more, and the execution
// succeeds.
func TestRefusedReserveIsRecordedNotAnError(t *testing.T) {
	for _, machine := range []string{"operation", "automation"} {
		t.Run(machine, func(t *testing.T) {
			asl, err := statemachines.Definition(machine)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var called []string
			var recorded []string
			inv := sfn.InvokerFunc(func(_ context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
				name := resource[strings.LastIndex(resource, ":")+1:]
				mu.Lock()
				called = append(called, name)
				mu.Unlock()
				var in struct {
					Stage int `json:"stage"`
					Error *struct{ Error, Cause string }
					Hold  *struct {
						HoldID string `json:"hold_id"`
					} `json:"hold"`
				}
				_ = json.Unmarshal(input, &in)
				switch {
				case name == "credit-reserve":
					return json.RawMessage(`{"hold_id":"","amount":0,"refused":{"Error":"Credits.Insufficient","Cause":"needs 12 credits, 3 available"}}`), nil
				case name == "credit-release":
					mu.Lock()
					if in.Error != nil {
						recorded = append(recorded, in.Error.Error+": "+in.Error.Cause)
					}
					mu.Unlock()
					return json.RawMessage(`{}`), nil
				case name == "automation-prepare-stage" && in.Stage == 1:
					return json.RawMessage(`{"skip":false,"batches":[0,1]}`), nil
				case name == "automation-prepare-stage":
					return json.RawMessage(`{"skip":true,"batches":[]}`), nil
				case name == "automation-gate":
					return json.RawMessage(`{"action":"go","delay":0,"job":{"type":"clustering"}}`), nil
				case name == "automation-finish-stage":
					return json.RawMessage(`{"cancelled":false}`), nil
				}
				return json.RawMessage(`{}`), nil
			})
			rt := sfn.NewRuntime(inv, sfn.WithSleep(func(context.Context, time.Duration) error { return nil }))
			input := `{"job":{"type":"clustering"}}`
			if machine == "automation" {
				input = `{"run":{"run_id":"r"},"concurrency":1}`
			}
			ex, err := rt.Start(context.Background(), localMachine(t, asl).WithName(machine), "", json.RawMessage(input))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if ex, err = rt.Wait(ctx, ex.ExecutionArn); err != nil || ex.Status != sfn.StatusSucceeded {
				t.Fatalf("%v %s %s", err, ex.Status, ex.Cause)
			}
			want := 1
			if machine == "automation" {
				want = 2 // two batches, each refused
			}
			if len(recorded) != want || recorded[0] != "Credits.Insufficient: needs 12 credits, 3 available" {
				t.Fatalf("recorded %q", recorded)
			}
			for _, name := range called {
				if strings.HasPrefix(name, "op-") || name == "credit-settle" {
					t.Fatalf("%s ran after a refused reserve: %v", name, called)
				}
			}
		})
	}
}
