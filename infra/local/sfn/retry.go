package sfn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"
)

type retrier struct {
	errorEquals []string
	interval    float64 // seconds
	maxAttempts int64
	backoff     float64
	maxDelay    float64 // seconds, 0 = none
	fullJitter  bool
}

type catcher struct {
	errorEquals []string
	next        string
	resultPath  optPath
}

// parseRules reads a Retry or Catch array: every element must be an object
// with only the allowed fields (and Comment); parse reads one, knowing
// whether it is the last.
func parseRules[T any](v any, allowed []string, parse func(obj map[string]any, last bool) (T, error)) ([]T, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("must be an array")
	}
	var out []T
	for i, raw := range list {
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("[%d] must be an object", i)
		}
		for _, k := range sortedKeys(obj) {
			if k != "Comment" && !slices.Contains(allowed, k) {
				return nil, fmt.Errorf("[%d]: %s", i, unsupportedField(k, ""))
			}
		}
		r, err := parse(obj, i == len(list)-1)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func parseErrorEquals(obj map[string]any, last bool) ([]string, error) {
	list, ok := obj["ErrorEquals"].([]any)
	if !ok || len(list) == 0 {
		return nil, errors.New("ErrorEquals must be a non-empty array of error names")
	}
	var out []string
	for _, v := range list {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, errors.New("ErrorEquals must contain non-empty strings")
		}
		out = append(out, s)
	}
	if slices.Contains(out, errAll) {
		if len(out) != 1 {
			return nil, errors.New("States.ALL must appear alone in ErrorEquals")
		}
		if !last {
			return nil, errors.New("States.ALL must be in the last retrier/catcher")
		}
	}
	return out, nil
}

func parseRetry(v any) ([]*retrier, error) {
	return parseRules(v, []string{"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy"}, parseRetrier)
}

// ruleInt reads an integer field of a retrier, from lo to hi, into dst.
func ruleInt[T int64 | float64](obj map[string]any, field string, lo, hi int64, dst *T) error {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	n, isInt := asInt(v)
	if !isInt || n < lo || n > hi {
		return fmt.Errorf("%s must be an integer from %d to %d", field, lo, hi)
	}
	*dst = T(n)
	return nil
}

func parseRetrier(obj map[string]any, last bool) (*retrier, error) {
	r := &retrier{interval: 1, maxAttempts: 3, backoff: 2}
	var err error
	if r.errorEquals, err = parseErrorEquals(obj, last); err != nil {
		return nil, err
	}
	if err := ruleInt(obj, "IntervalSeconds", 1, 99999999, &r.interval); err != nil {
		return nil, err
	}
	if err := ruleInt(obj, "MaxAttempts", 0, 99999999, &r.maxAttempts); err != nil {
		return nil, err
	}
	if v, ok := obj["BackoffRate"]; ok {
		rt, isNum := numRat(v)
		f := 0.0
		if isNum {
			f, _ = rt.Float64()
		}
		if !isNum || f < 1 {
			return nil, errors.New("BackoffRate must be a number ≥ 1.0")
		}
		r.backoff = f
	}
	if err := ruleInt(obj, "MaxDelaySeconds", 1, 31622400, &r.maxDelay); err != nil {
		return nil, err
	}
	if v, ok := obj["JitterStrategy"]; ok {
		switch v {
		case "FULL":
			r.fullJitter = true
		case "NONE":
		default:
			return nil, errors.New("JitterStrategy must be FULL or NONE")
		}
	}
	return r, nil
}

func parseCatch(v any) ([]*catcher, error) {
	return parseRules(v, []string{"ErrorEquals", "Next", "ResultPath"}, parseCatcher)
}

func parseCatcher(obj map[string]any, last bool) (*catcher, error) {
	c := &catcher{}
	var err error
	if c.errorEquals, err = parseErrorEquals(obj, last); err != nil {
		return nil, err
	}
	if c.next, _ = obj["Next"].(string); c.next == "" {
		return nil, errors.New("Next is required")
	}
	if v, ok := obj["ResultPath"]; ok {
		if c.resultPath, err = readOptPath("ResultPath", v, true); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// errorMatches applies one ErrorEquals entry. States.ALL matches every error
// except States.Runtime and States.DataLimitExceeded; States.TaskFailed
// matches every error except those and the timeouts; States.Timeout also
// matches States.HeartbeatTimeout (a heartbeat timeout is a timeout).
func errorMatches(pattern, name string) bool {
	terminal := name == ErrNameRuntime || name == ErrNameDataLimitExceeded
	switch pattern {
	case ErrNameAll:
		return !terminal
	case ErrNameTaskFailed:
		return !terminal && name != ErrNameTimeout && name != ErrNameHeartbeatTimeout
	case ErrNameTimeout:
		return name == ErrNameTimeout || name == ErrNameHeartbeatTimeout
	}
	return pattern == name && !terminal
}

func matches(list []string, name string) bool {
	for _, p := range list {
		if errorMatches(p, name) {
			return true
		}
	}
	return false
}

// delay is the wait before retry number attempt (1-based) of this retrier:
// IntervalSeconds × BackoffRate^(attempt-1), capped by MaxDelaySeconds, then
// with FULL jitter a uniformly random duration between 0 and that.
func (r *retrier) delay(attempt int64, rnd func() float64) time.Duration {
	d := r.interval * math.Pow(r.backoff, float64(attempt-1))
	limit := r.maxDelay
	if limit == 0 {
		limit = 31622400 // AWS's ceiling for MaxDelaySeconds; keeps Duration finite
	}
	if d > limit || math.IsInf(d, 0) || math.IsNaN(d) {
		d = limit
	}
	if r.fullJitter {
		d *= rnd()
	}
	return time.Duration(d * float64(time.Second))
}

// withRetry runs a Task, Map or Parallel state: an attempt, then the first
// retrier whose ErrorEquals matches (each retrier counts its own attempts;
// once it is exhausted the error goes to Catch), then the first matching
// catcher, whose ResultPath places {"Error","Cause"} into the state's raw
// input. States.Runtime is never retried nor caught.
func (ex *execution) withRetry(ctx context.Context, st *state, input any, entered time.Time, log *slog.Logger) (any, string, error) {
	counts := make([]int64, len(st.retry))
	retries := 0
	for {
		out, err := ex.attempt(ctx, st, input, entered, retries, log)
		if err == nil {
			return out, st.next, nil
		}
		var se *StateError
		if !errors.As(err, &se) {
			return nil, "", err // cancelled
		}
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		retried, err := ex.retry(ctx, st, se, counts, log)
		if err != nil {
			return nil, "", err
		}
		if !retried {
			return catch(st, input, se, log)
		}
		ex.transitions.Add(1) // a retry is billed as a transition
		retries++
	}
}

func (ex *execution) attempt(ctx context.Context, st *state, input any, entered time.Time, retries int, log *slog.Logger) (any, error) {
	switch st.typ {
	case "Task":
		return ex.task(ctx, st, input, entered, retries, log)
	case "Map":
		return ex.mapState(ctx, st, input, entered, retries)
	case "Parallel":
		return ex.parallel(ctx, st, input, entered, retries)
	}
	return nil, fmt.Errorf("sfn: state type %s has no work to retry", st.typ)
}

// retry waits before the next attempt when the first retrier matching the
// error has attempts left; it reports whether it did.
func (ex *execution) retry(ctx context.Context, st *state, se *StateError, counts []int64, log *slog.Logger) (bool, error) {
	for i, r := range st.retry {
		if !matches(r.errorEquals, se.Name) {
			continue
		}
		if counts[i] >= r.maxAttempts {
			return false, nil
		}
		counts[i]++
		d := r.delay(counts[i], ex.rt.randFloat)
		log.Info("retrying", "error", se.Name, "retrier", i, "attempt", counts[i], "delay", d)
		if err := ex.rt.sleep(ctx, d); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, nil
}

// catch sends the error to the first matching catcher, or fails the state.
func catch(st *state, input any, se *StateError, log *slog.Logger) (any, string, error) {
	for _, c := range st.catch {
		if !matches(c.errorEquals, se.Name) {
			continue
		}
		log.Info("caught", "error", se.Name, "next", c.next)
		out, err := applyResultPath(input, c.resultPath, map[string]any{"Error": se.Name, "Cause": se.Cause})
		if err != nil {
			return nil, "", err
		}
		return out, c.next, nil
	}
	return nil, "", se
}
