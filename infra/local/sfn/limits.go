package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
)

// AWS's hard quotas on one execution, which the runtime enforces so that a
// definition that would fail in the cloud fails here too (Step Functions
// service quotas: "Maximum input or output size for a task, state, or
// execution" and "Maximum execution history size").
const (
	// MaxPayloadBytes bounds an execution's input and every state's input,
	// output and task result. A state past it fails with
	// States.DataLimitExceeded, which no Retry or Catch handles.
	MaxPayloadBytes = 256 * 1024
	// MaxHistoryEvents bounds the events one execution writes. A Distributed
	// Map's iterations are child executions with their own history; an inline
	// Map's iterations count in their parent's.
	MaxHistoryEvents = 25000
)

// WithHistoryLimit changes the history-event quota (default
// MaxHistoryEvents); tests use a small one.
func WithHistoryLimit(n int64) Option {
	return func(r *Runtime) {
		if n > 0 {
			r.maxEvents = n
		}
	}
}

// history counts the events an execution writes, the way AWS numbers them:
// ExecutionStarted; a state's Entered and Exited; a Lambda task attempt's
// Scheduled, Started and Succeeded/Failed (and Submitted for a callback
// task); a Map's or Parallel's Started and Succeeded; an inline Map
// iteration's Started and Succeeded; a Distributed Map's MapRunStarted and
// MapRunSucceeded.
type history struct {
	n     atomic.Int64
	limit int64
}

// add counts k events and fails the execution once it passes the quota.
// AWS ends such an execution FAILED with this cause; like States.Runtime it
// cannot be retried or caught.
func (h *history) add(k int64) error {
	if h == nil {
		return nil
	}
	if h.n.Add(k) > h.limit {
		return &StateError{Name: ErrNameRuntime, Cause: fmt.Sprintf("The execution reached the maximum number of history events (%d).", h.limit)}
	}
	return nil
}

type historyKey struct{}

// withHistory starts a new history (an execution's, or a Distributed Map
// child execution's) counting its ExecutionStarted event.
func (r *Runtime) withHistory(ctx context.Context) (context.Context, *history) {
	h := &history{limit: r.maxEvents}
	h.n.Store(1)
	return context.WithValue(ctx, historyKey{}, h), h
}

func historyOf(ctx context.Context) *history {
	h, _ := ctx.Value(historyKey{}).(*history)
	return h
}

// HistoryEvents reports how many history events the execution has written
// so far (its own; not its Distributed Map children's).
func (r *Runtime) HistoryEvents(executionArn string) (int64, error) {
	ex, err := r.lookup(executionArn)
	if err != nil {
		return 0, err
	}
	return ex.history.n.Load(), nil
}

// checkPayload fails with States.DataLimitExceeded when v, encoded as JSON,
// is larger than MaxPayloadBytes.
func checkPayload(v any, what string) error {
	var n countWriter
	enc := json.NewEncoder(&n)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return runtimeErr("cannot encode the %s: %v", what, err)
	}
	if size := int64(n) - 1; size > MaxPayloadBytes { // Encode adds a newline
		return &StateError{Name: ErrNameDataLimitExceeded,
			Cause: fmt.Sprintf("The %s has a size of %d bytes, which exceeds the maximum of %d bytes.", what, size, MaxPayloadBytes)}
	}
	return nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
