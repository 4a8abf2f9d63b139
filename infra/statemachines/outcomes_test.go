package statemachines_test

import (
	"context"
	"encoding/json"
	"strings"
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
