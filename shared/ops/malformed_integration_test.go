package ops

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// malformedFirst answers prose instead of JSON to its first n calls.
type malformedFirst struct {
	ai.TextProvider
	n     int64
	calls atomic.Int64
}

func (m *malformedFirst) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	res, err := m.TextProvider.Complete(ctx, req)
	if m.calls.Add(1) <= m.n {
		res.Text = "Sure! Here is what you asked for, minus the JSON."
	}
	return res, err
}

// A malformed answer is not kept: the retry the state machine makes asks
// the provider again and can succeed, and the charge counts only the answer
// that was used. (Saved, it was replayed on every retry, so the operation
// could only fail.)
func TestIntegrationMalformedAnswerIsRetriedNotReplayed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bad := &malformedFirst{TextProvider: f.runner.Providers.Text["offline"], n: 1}
	f.runner.Providers.Text["offline"] = bad
	st := f.job(t)
	h, err := f.credits.Reserve(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	st.Hold = &h

	_, err = f.runner.Run(ctx, st)
	var pe *ai.Error
	if !errors.As(err, &pe) || pe.Kind != ai.Malformed {
		t.Fatalf("first delivery: %v, want a malformed answer", err)
	}
	res, err := f.runner.Run(ctx, st) // the state machine's retry
	if err != nil || len(res.Results) == 0 {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if got := bad.calls.Load(); got != 2 {
		t.Fatalf("the provider was called %d times, want 2 (the retry called again)", got)
	}
	again, err := f.runner.Run(ctx, st) // a later duplicate replays the good answer
	if err != nil || len(again.Results) != len(res.Results) || bad.calls.Load() != 2 {
		t.Fatalf("duplicate: %+v %v, %d calls", again, err, bad.calls.Load())
	}
	st.Result = &res
	s, err := f.credits.Settle(ctx, st)
	if err != nil || s.Credits <= 0 || s.Credits > h.Amount {
		t.Fatalf("settle: %+v %v (hold %+v)", s, err, h)
	}
}
