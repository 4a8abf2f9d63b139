package sfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// task runs one attempt of a Task state.
func (ex *execution) task(ctx context.Context, st *state, input any, entered time.Time, retries int, log *slog.Logger) (any, error) {
	eff, err := applyInputPath(st.inputPath, input)
	if err != nil {
		return nil, err
	}
	var token string
	var pt *pendingTask
	if st.resKind == resLambdaInvokeWait {
		token, pt = ex.rt.newToken(ex)
		defer ex.rt.closeToken(token)
	}
	env := ex.env(eff, st, entered, retries, token, nil)
	params := eff
	if st.parameters != nil {
		if params, err = st.parameters.eval(env); err != nil {
			return nil, err
		}
	}
	timeout, err := secondsField(st.hasTimeout, st.timeoutSeconds, st.timeoutPath, env, "TimeoutSecondsPath")
	if err != nil {
		return nil, err
	}
	heartbeat, err := secondsField(st.hasHeartbeat, st.heartbeat, st.heartbeatPath, env, "HeartbeatSecondsPath")
	if err != nil {
		return nil, err
	}

	fn, payload, err := invokeTarget(st, params)
	if err != nil {
		return nil, err
	}
	events := int64(3) // Scheduled, Started, Succeeded or Failed
	if pt != nil {
		events++ // Submitted
	}
	if err := historyOf(ctx).add(events); err != nil {
		return nil, err
	}
	if err := checkPayload(payload, fmt.Sprintf("input of task '%s'", st.name)); err != nil {
		return nil, err
	}
	log.Debug("invoking", "function", fn, "timeout", timeout, "heartbeat", heartbeat)
	result, err := ex.invoke(ctx, fn, payload, timeout, heartbeat, pt)
	if err != nil {
		return nil, err
	}
	if err := checkPayload(result, fmt.Sprintf("result of task '%s'", st.name)); err != nil {
		return nil, err
	}
	if st.resKind == resLambdaInvoke {
		result = invokeResponse(result, ex.rt.uuid())
	}
	return ex.finishExecState(st, input, result, env)
}

// invokeTarget is the function to call and its payload: the Resource ARN
// and the effective parameters, or for the lambda:invoke integrations
// FunctionName[:Qualifier] and Payload.
func invokeTarget(st *state, params any) (string, any, error) {
	if st.resKind == resLambdaARN {
		return st.resource, params, nil
	}
	obj, _ := params.(map[string]any)
	name, ok := obj["FunctionName"].(string)
	if !ok || name == "" {
		return "", nil, runtimeErr("Parameters.FunctionName must be a non-empty string, got %s", encodeString(obj["FunctionName"]))
	}
	if q, ok := obj["Qualifier"].(string); ok && q != "" {
		name += ":" + q
	}
	payload, has := obj["Payload"]
	if !has {
		payload = map[string]any{} // Lambda receives {} when Invoke has no payload
	}
	return name, payload, nil
}

// invokeResponse wraps a function's output the way arn:aws:states:::lambda:invoke
// returns it.
func invokeResponse(payload any, requestID string) any {
	headers := map[string]any{
		"Content-Type":                   "application/json",
		"X-Amz-Executed-Version":         "$LATEST",
		"x-amzn-Remapped-Content-Length": "0",
		"x-amzn-RequestId":               requestID,
	}
	all := map[string]any{}
	for k, v := range headers {
		all[k] = []any{v}
	}
	return map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         payload,
		"StatusCode":      json.Number("200"),
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": all,
			"HttpHeaders":    headers,
			"HttpStatusCode": json.Number("200"),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
	}
}

func secondsField(has bool, lit int64, path *jsonPath, env *evalEnv, field string) (time.Duration, error) {
	if has {
		return time.Duration(lit) * time.Second, nil
	}
	if path == nil {
		return 0, nil
	}
	v, ok := path.get(env.rootFor(path))
	n, isInt := asInt(v)
	if !ok || !isInt || n < 1 {
		return 0, runtimeErr("The %s '%s' must select a positive integer", field, path.src)
	}
	return time.Duration(n) * time.Second, nil
}

type reply struct {
	out json.RawMessage
	err error
}

// invoke calls the function and, for a callback task, waits for the token.
// TimeoutSeconds covers the whole attempt; HeartbeatSeconds restarts on each
// SendTaskHeartbeat. The invocation runs in its own goroutine so that a
// timeout fires on time even if the invoker is slow to honour ctx.
func (ex *execution) invoke(ctx context.Context, fn string, payload any, timeout, heartbeat time.Duration, pt *pendingTask) (any, error) {
	invCtx, cancel := context.WithCancel(ctx)
	if timeout > 0 {
		invCtx, cancel = context.WithTimeout(ctx, ex.rt.scaled(timeout))
	}
	defer cancel()

	replies := make(chan reply, 1)
	in := encodeJSON(payload)
	ex.inflight.Add(1)
	go func() {
		defer ex.inflight.Done()
		out, err := ex.rt.inv.Invoke(invCtx, fn, in)
		replies <- reply{out, err}
	}()

	var tokenC <-chan taskOutcome
	var tokenHB <-chan struct{}
	if pt != nil {
		tokenC, tokenHB = pt.result, pt.heartbeat
	}
	var hb *time.Timer
	var hbC <-chan time.Time
	if heartbeat > 0 {
		hb = time.NewTimer(ex.rt.scaled(heartbeat))
		defer hb.Stop()
		hbC = hb.C
	}
	for {
		select {
		case r := <-replies:
			replies = nil
			if r.err != nil {
				return nil, classify(ctx, invCtx, r.err)
			}
			if pt == nil {
				return decodeOutput(r.out)
			}
			// A callback task goes on waiting for its token.
		case o := <-tokenC:
			if o.err != nil {
				return nil, o.err
			}
			return o.output, nil
		case <-tokenHB:
			if hb != nil {
				hb.Reset(ex.rt.scaled(heartbeat)) // Go >= 1.23 timers: no drain needed
			}
		case <-hbC:
			return nil, &StateError{Name: ErrNameHeartbeatTimeout}
		case <-invCtx.Done():
			if err := ctx.Err(); err != nil {
				return nil, err // the execution was stopped, or a sibling failed
			}
			return nil, &StateError{Name: ErrNameTimeout}
		}
	}
}

// classify turns an invoker error into a state error (see Invoker).
func classify(ctx, invCtx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var se *StateError
	if errors.As(err, &se) {
		return se
	}
	var named interface{ ErrorName() string }
	if errors.As(err, &named) {
		name := named.ErrorName()
		return &StateError{Name: name, Cause: encodeString(map[string]any{"errorMessage": err.Error(), "errorType": name})}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(invCtx.Err(), context.DeadlineExceeded) {
		return &StateError{Name: ErrNameTimeout}
	}
	return &StateError{Name: ErrNameTaskFailed, Cause: err.Error()}
}

func decodeOutput(b json.RawMessage) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	v, err := decodeJSON(b)
	if err != nil {
		return nil, &StateError{Name: ErrNameTaskFailed, Cause: "the function returned invalid JSON: " + err.Error()}
	}
	return v, nil
}
