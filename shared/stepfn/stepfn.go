// Package stepfn is where Go errors meet Step Functions: the one mapping from
// errors to the error names that Retry and Catch match, and the adapters that
// make a typed step handler a Lambda handler (cloud) or a JSON function (the
// local runtime).
package stepfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/logctx"
)

// Error names our state machines match. Provider errors name themselves
// ("Provider.RateLimited", "Provider.Transient", "Provider.Permanent",
// "Provider.Refused") through an ErrorName method.
const (
	InsufficientCredits = "Credits.Insufficient"
	HoldResolved        = "Credits.HoldResolved"
	InProgress          = "Step.InProgress" // a duplicate delivery met the first one still running: retry later
	NotFound            = "Item.NotFound"
	Conflict            = "Item.Conflict"
	InvalidInput        = "Input.Invalid"
	Internal            = "Internal"
)

// OwnErrorPatterns (Step Functions StringMatches patterns) are the error
// names that mean our own machinery failed (a bug, the Lambda service, a
// timeout), not an outcome of the work: an operation that ends with one
// fails its execution, which alarms; one that ends with any other error
// (credits, the provider, the input, the items) records it and succeeds.
var OwnErrorPatterns = []string{Internal, "Lambda.*", "Sandbox.*", "States.*"}

// ErrorName is the Step Functions error name of err.
func ErrorName(err error) string {
	var named interface{ ErrorName() string }
	var ve *domain.ValidationError
	switch {
	case errors.As(err, &named):
		return named.ErrorName()
	case errors.Is(err, domain.ErrInProgress):
		return InProgress
	case errors.Is(err, domain.ErrInsufficientCredits):
		return InsufficientCredits
	case errors.Is(err, domain.ErrHoldResolved):
		return HoldResolved
	case errors.Is(err, domain.ErrNotFound):
		return NotFound
	case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrIdempotencyMismatch):
		return Conflict
	case errors.As(err, &ve):
		return InvalidInput
	}
	return Internal
}

// NamedError carries a Step Functions error name and its cause.
type NamedError struct {
	Name  string
	Cause string
}

func (e *NamedError) Error() string     { return e.Name + ": " + e.Cause }
func (e *NamedError) ErrorName() string { return e.Name }

// Lambda adapts a typed step handler for lambda.Start: a failure reaches Step
// Functions with its error name as the Lambda errorType.
func Lambda[In, Out any](h func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		out, err := h(withIDs(ctx, in), in)
		if err != nil {
			return out, messages.InvokeResponse_Error{Message: err.Error(), Type: ErrorName(err)}
		}
		return out, nil
	}
}

// Func is a step as the local runtime calls it: JSON in, JSON out, errors
// carrying their names.
type Func func(ctx context.Context, input json.RawMessage) (json.RawMessage, error)

// JSON adapts a typed step handler for the local runtime. Bad input JSON is
// an Input.Invalid error, as the Lambda runtime would fail it.
func JSON[In, Out any](h func(context.Context, In) (Out, error)) Func {
	return func(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
		var in In
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, &NamedError{Name: InvalidInput, Cause: fmt.Sprintf("decode step input: %v", err)}
		}
		out, err := h(withIDs(ctx, in), in)
		if err != nil {
			return nil, &NamedError{Name: ErrorName(err), Cause: err.Error()}
		}
		return json.Marshal(out)
	}
}

// LogIDs is implemented by step inputs that name an account, site,
// operation, run or execution: every line the step logs carries them.
type LogIDs interface{ LogIDs() []slog.Attr }

func withIDs(ctx context.Context, in any) context.Context {
	if l, ok := in.(LogIDs); ok {
		return logctx.With(ctx, l.LogIDs()...)
	}
	return ctx
}
