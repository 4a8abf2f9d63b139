package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

type execution struct {
	rt               *Runtime
	m                *Machine
	arn, smArn, name string
	input            any
	inputRaw         json.RawMessage
	start            time.Time
	log              *slog.Logger
	ctx              context.Context
	cancel           context.CancelFunc
	done             chan struct{}
	timer            *time.Timer
	history          *history
	transitions      atomic.Int64   // billed state transitions, Distributed Map children included
	inflight         sync.WaitGroup // invocations still running
	mu               sync.Mutex
	status, errName  string
	cause            string
	output           json.RawMessage
	stop             time.Time
}

func (ex *execution) snapshot() Execution {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return Execution{
		ExecutionArn:     ex.arn,
		StateMachineArn:  ex.smArn,
		Name:             ex.name,
		Status:           ex.status,
		Input:            ex.inputRaw,
		Output:           ex.output,
		Error:            ex.errName,
		Cause:            ex.cause,
		StartDate:        ex.start,
		StopDate:         ex.stop,
		StateTransitions: ex.transitions.Load(),
	}
}

// finish records the terminal status once; it reports whether it did.
func (ex *execution) finish(status, errName, cause string, output json.RawMessage) bool {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.status != StatusRunning {
		return false
	}
	ex.status, ex.errName, ex.cause, ex.output, ex.stop = status, errName, cause, output, ex.rt.now()
	if ex.timer != nil {
		ex.timer.Stop()
	}
	lvl := slog.LevelInfo
	if status != StatusSucceeded {
		lvl = slog.LevelWarn
	}
	ex.log.Log(context.Background(), lvl, "execution ended", "status", status, "error", errName, "cause", cause)
	return true
}

func (ex *execution) run() {
	defer close(ex.done)
	out, err := ex.runScope(ex.ctx, ex.m.root, ex.input)
	var se *StateError
	switch {
	case err == nil:
		ex.finish(StatusSucceeded, "", "", encodeJSON(out))
	case errors.As(err, &se):
		ex.finish(StatusFailed, se.Name, se.Cause, nil)
	default: // cancelled: Stop or the execution timeout already recorded why
		ex.finish(StatusAborted, "", "", nil)
	}
	ex.cancel()
	ex.rt.closeExecutionTokens(ex)
	ex.inflight.Wait()
	if ex.rt.onEnd != nil {
		ex.rt.onEnd(ex.snapshot())
	}
}

func (r *Runtime) closeExecutionTokens(ex *execution) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, pt := range r.tokens {
		if pt.ex == ex {
			pt.closed = true
		}
	}
}

type mapItem struct {
	index int
	value any
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// env builds the evaluation environment of a state: $ is input, $$ the
// context object.
func (ex *execution) env(input any, st *state, entered time.Time, retries int, token string, item *mapItem) *evalEnv {
	c := map[string]any{
		"Execution": map[string]any{
			"Id":           ex.arn,
			"Input":        ex.input,
			"Name":         ex.name,
			"RoleArn":      ex.rt.roleArn,
			"StartTime":    fmtTime(ex.start),
			"RedriveCount": json.Number("0"),
		},
		"StateMachine": map[string]any{"Id": ex.smArn, "Name": ex.m.name},
		"State": map[string]any{
			"EnteredTime": fmtTime(entered),
			"Name":        st.name,
			"RetryCount":  intNumber(int64(retries)),
		},
	}
	if token != "" {
		c["Task"] = map[string]any{"Token": token}
	}
	if item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": intNumber(int64(item.index)), "Value": item.value}}
	}
	return &evalEnv{input: input, ctxObj: c, rt: ex.rt}
}

func (ex *execution) runScope(ctx context.Context, sc *scope, input any) (any, error) {
	name := sc.startAt
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		st := sc.states[name]
		if err := historyOf(ctx).add(2); err != nil { // StateEntered, StateExited
			return nil, err
		}
		ex.transitions.Add(1)
		out, next, err := ex.runState(ctx, st, input)
		if err == nil {
			err = checkPayload(out, fmt.Sprintf("output of state '%s'", st.name))
		}
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

func (ex *execution) runState(ctx context.Context, st *state, input any) (out any, next string, err error) {
	entered := ex.rt.now()
	log := ex.log.With("state", st.name)
	log.Debug("state entered", "type", st.typ)
	defer func() {
		var se *StateError
		if errors.As(err, &se) {
			log.Info("state failed", "error", se.Name, "cause", se.Cause)
		} else if err == nil {
			log.Debug("state exited", "next", next)
		}
	}()
	switch st.typ {
	case "Pass":
		out, err = ex.pass(st, input, entered)
		return out, st.next, err
	case "Choice":
		return ex.choice(st, input, entered)
	case "Wait":
		out, err = ex.wait(ctx, st, input, entered)
		return out, st.next, err
	case "Succeed":
		eff, err := applyInputPath(st.inputPath, input)
		if err != nil {
			return nil, "", err
		}
		out, err = applyOutputPath(st.outputPath, eff)
		return out, "", err
	case "Fail":
		return nil, "", ex.fail(st, input, entered)
	}
	return ex.withRetry(ctx, st, input, entered, log)
}

func applyInputPath(p optPath, input any) (any, error) {
	return selectPath(p, input, "InputPath")
}

func applyOutputPath(p optPath, output any) (any, error) {
	return selectPath(p, output, "OutputPath")
}

func selectPath(p optPath, v any, field string) (any, error) {
	if !p.set {
		return v, nil
	}
	if p.null {
		return map[string]any{}, nil
	}
	out, ok := p.path.value(v)
	if !ok {
		return nil, runtimeErr("Invalid path '%s' : No results for path: %s (%s applied to %s)", p.path.src, p.path.src, field, encodeString(v))
	}
	return out, nil
}

// applyResultPath combines the state's raw input with its result.
func applyResultPath(input any, p optPath, result any) (any, error) {
	if !p.set {
		return result, nil
	}
	if p.null {
		return input, nil
	}
	out, err := setPath(input, p.path.segs, result)
	if err != nil {
		return nil, &StateError{Name: ErrNameResultPathMatchFailure, Cause: fmt.Sprintf("Unable to apply ResultPath %q to input %s: %v", p.path.src, encodeString(input), err)}
	}
	return out, nil
}

func (ex *execution) pass(st *state, input any, entered time.Time) (any, error) {
	eff, err := applyInputPath(st.inputPath, input)
	if err != nil {
		return nil, err
	}
	if st.parameters != nil {
		if eff, err = st.parameters.eval(ex.env(eff, st, entered, 0, "", nil)); err != nil {
			return nil, err
		}
	}
	result := eff
	if st.hasResult {
		result = st.result
	}
	out, err := applyResultPath(input, st.resultPath, result)
	if err != nil {
		return nil, err
	}
	return applyOutputPath(st.outputPath, out)
}

func (ex *execution) choice(st *state, input any, entered time.Time) (any, string, error) {
	eff, err := applyInputPath(st.inputPath, input)
	if err != nil {
		return nil, "", err
	}
	env := ex.env(eff, st, entered, 0, "", nil)
	next := ""
	for _, r := range st.choices {
		ok, err := r.eval(env)
		if err != nil {
			return nil, "", err
		}
		if ok {
			next = r.next
			break
		}
	}
	if next == "" {
		if st.dflt == "" {
			return nil, "", &StateError{Name: ErrNameNoChoiceMatched, Cause: "No Matches!"}
		}
		next = st.dflt
	}
	out, err := applyOutputPath(st.outputPath, eff)
	return out, next, err
}

func (ex *execution) wait(ctx context.Context, st *state, input any, entered time.Time) (any, error) {
	eff, err := applyInputPath(st.inputPath, input)
	if err != nil {
		return nil, err
	}
	env := ex.env(eff, st, entered, 0, "", nil)
	var d time.Duration
	switch {
	case st.waitSeconds != nil:
		d = time.Duration(*st.waitSeconds) * time.Second
	case st.waitTimestamp != nil:
		d = st.waitTimestamp.Sub(ex.rt.now())
	case st.waitSecondsPath != nil:
		v, ok := st.waitSecondsPath.get(env.rootFor(st.waitSecondsPath))
		n, isInt := asInt(v)
		if !ok || !isInt || n < 0 {
			return nil, runtimeErr("The SecondsPath parameter does not reference a valid non-negative integer: '%s'", st.waitSecondsPath.src)
		}
		d = time.Duration(n) * time.Second
	case st.waitTimestampPath != nil:
		v, ok := st.waitTimestampPath.get(env.rootFor(st.waitTimestampPath))
		s, _ := v.(string)
		t, valid := parseTimestamp(s)
		if !ok || !valid {
			return nil, runtimeErr("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: '%s'", st.waitTimestampPath.src)
		}
		d = t.Sub(ex.rt.now())
	}
	if d > 0 {
		if err := ex.rt.sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return applyOutputPath(st.outputPath, eff)
}

func (ex *execution) fail(st *state, input any, entered time.Time) error {
	env := ex.env(input, st, entered, 0, "", nil)
	eval := func(d *dynString, field string) (string, error) {
		var v any
		if d.call != nil {
			var err error
			if v, err = d.call.eval(env); err != nil {
				return "", err
			}
		} else {
			var ok bool
			if v, ok = d.path.get(env.rootFor(d.path)); !ok {
				return "", runtimeErr("Invalid path '%s' : No results for path (%s)", d.path.src, field)
			}
		}
		s, ok := v.(string)
		if !ok {
			return "", runtimeErr("The %s must resolve to a string, got %s", field, typeName(v))
		}
		return s, nil
	}
	se := &StateError{Name: st.errorName, Cause: st.cause}
	var err error
	if st.errorDyn != nil {
		if se.Name, err = eval(st.errorDyn, "ErrorPath"); err != nil {
			return err
		}
	}
	if st.causeDyn != nil {
		if se.Cause, err = eval(st.causeDyn, "CausePath"); err != nil {
			return err
		}
	}
	return se
}
