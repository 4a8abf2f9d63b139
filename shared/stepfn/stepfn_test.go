package stepfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/igny8/igny8-serverless/shared/domain"
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
