package stepfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/logctx"
)

type providerErr struct{}

func (providerErr) Error() string     { return "429" }
func (providerErr) ErrorName() string { return "Provider.RateLimited" }

func TestErrorName(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("call: %w", providerErr{}), "Provider.RateLimited"},
		{&domain.InsufficientCreditsError{Required: 5}, InsufficientCredits},
		{fmt.Errorf("x: %w", domain.ErrHoldResolved), HoldResolved},
		{fmt.Errorf("x: %w", domain.ErrInProgress), InProgress},
		{fmt.Errorf("x: %w", domain.ErrNotFound), NotFound},
		{domain.ErrIdempotencyMismatch, Conflict},
		{domain.Invalid("ids", "empty"), InvalidInput},
		{errors.New("boom"), Internal},
	}
	for _, tc := range cases {
		if got := ErrorName(tc.err); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestAdapters(t *testing.T) {
	h := func(_ context.Context, n int) (int, error) {
		if n < 0 {
			return 0, &domain.InsufficientCreditsError{Required: int64(-n)}
		}
		return n * 2, nil
	}
	_, err := Lambda(h)(context.Background(), -3)
	var ire messages.InvokeResponse_Error
	if !errors.As(err, &ire) || ire.Type != InsufficientCredits {
		t.Fatalf("lambda error %#v", err)
	}
	out, err := JSON(h)(context.Background(), json.RawMessage(`21`))
	if err != nil || string(out) != "42" {
		t.Fatalf("json: %s %v", out, err)
	}
	_, err = JSON(h)(context.Background(), json.RawMessage(`-1`))
	if ErrorName(err) != InsufficientCredits {
		t.Fatalf("json error name %v", err)
	}
	if _, err := JSON(h)(context.Background(), json.RawMessage(`"x"`)); ErrorName(err) != InvalidInput {
		t.Fatalf("bad input: %v", err)
	}
}

type idInput struct{ Account, Run string }

func (in idInput) LogIDs() []slog.Attr { return logctx.IDs("account_id", in.Account, "run_id", in.Run) }

// A step's every log line names what its input names, however deep the
// call that logs, under Lambda and under the local runtime.
func TestStepLogLinesCarryTheInputsIDs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logctx.Handler{Handler: slog.NewJSONHandler(&buf, nil)})
	h := func(ctx context.Context, in idInput) (struct{}, error) {
		log.InfoContext(ctx, "working")
		return struct{}{}, nil
	}
	if _, err := JSON(h)(context.Background(), json.RawMessage(`{"Account":"a1","Run":"r1"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := Lambda(h)(context.Background(), idInput{Account: "a2", Run: "r2"}); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	for dec := json.NewDecoder(&buf); dec.More(); {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 || lines[0]["account_id"] != "a1" || lines[0]["run_id"] != "r1" ||
		lines[1]["account_id"] != "a2" || lines[1]["run_id"] != "r2" {
		t.Fatalf("lines %v", lines)
	}
}
