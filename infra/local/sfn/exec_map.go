package sfn

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"
)

// fanOut runs a Map state's iterations or a Parallel state's branches. The
// first failure that ends the state cancels the jobs still running.
type fanOut struct {
	ctx    context.Context // cancelled by the first stop
	cancel context.CancelFunc
	mu     sync.Mutex
	err    error
}

// stop ends the state with err unless an earlier job already did.
func (g *fanOut) stop(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = err
		g.cancel()
	}
}

// runJobs runs job(g, i) for i from 0 to n-1, at most limit at once, and
// waits for all of them. It returns the parent's error if it was cancelled,
// else the error given to the first stop.
func runJobs(parent context.Context, n, limit int, job func(g *fanOut, i int)) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	g := &fanOut{ctx: ctx, cancel: cancel}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
loop:
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		if ctx.Err() != nil { // both were ready: do not start more work
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			job(g, i)
		}()
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return err
	}
	return g.err
}

// tolerance is a Distributed Map's ToleratedFailureCount and
// ToleratedFailurePercentage (nil: not set).
type tolerance struct {
	count *int64
	pct   *big.Rat
}

// exceeded: with neither limit set any failure is too many; with both,
// exceeding either fails the Map Run.
func (t tolerance) exceeded(failed, total int) bool {
	if t.count == nil && t.pct == nil {
		return failed > 0
	}
	if t.count != nil && int64(failed) > *t.count {
		return true
	}
	if t.pct != nil && total > 0 && big.NewRat(int64(failed)*100, int64(total)).Cmp(t.pct) > 0 {
		return true
	}
	return false
}

func (ex *execution) mapState(ctx context.Context, st *state, input any, entered time.Time, retries int) (any, error) {
	eff, err := applyInputPath(st.inputPath, input)
	if err != nil {
		return nil, err
	}
	env := ex.env(eff, st, entered, retries, "", nil)
	items, err := mapItems(st, env, eff)
	if err != nil {
		return nil, err
	}
	limit, err := ex.mapConcurrency(st, env)
	if err != nil {
		return nil, err
	}
	tol, err := mapTolerance(st, env)
	if err != nil {
		return nil, err
	}
	if err := historyOf(ctx).add(2); err != nil { // MapStateStarted or MapRunStarted, and its end
		return nil, err
	}
	results := make([]any, len(items))
	var failed atomic.Int64
	err = runJobs(ctx, len(items), limit, func(g *fanOut, i int) {
		ictx := g.ctx
		if st.distributed { // a child execution, with its own history
			ictx, _ = ex.rt.withHistory(ictx)
		}
		if err := historyOf(ictx).add(2); err != nil { // MapIterationStarted/Succeeded, or the child's ExecutionSucceeded
			g.stop(err)
			return
		}
		out, err := ex.iteration(ictx, st, eff, i, items[i], entered, retries)
		var se *StateError
		switch {
		case err == nil:
			results[i] = out // each job writes its own index
		case !errors.As(err, &se):
			// cancelled because another iteration failed, or the execution stopped
		case !st.distributed:
			g.stop(se)
		default:
			// A Distributed Map keeps the failure in the iteration's slot and
			// fails only beyond the tolerance.
			results[i] = map[string]any{"Error": se.Name, "Cause": se.Cause}
			if tol.exceeded(int(failed.Add(1)), len(items)) {
				g.stop(&StateError{Name: ErrNameExceedToleratedFailure, Cause: causeExceedToleratedFailureLimit})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if err := checkPayload(results, fmt.Sprintf("result of Map state '%s'", st.name)); err != nil {
		return nil, err
	}
	return ex.finishExecState(st, input, results, env)
}

// mapItems selects the array the Map state iterates over (ItemsPath).
func mapItems(st *state, env *evalEnv, eff any) ([]any, error) {
	items := eff
	if st.itemsPath != nil {
		v, ok := st.itemsPath.get(env.rootFor(st.itemsPath))
		if !ok {
			return nil, runtimeErr("Invalid path '%s' : No results for path (ItemsPath)", st.itemsPath.src)
		}
		items = v
	}
	arr, ok := items.([]any)
	if !ok {
		return nil, runtimeErr("The Map state's items must be a JSON array, got %s", typeName(items))
	}
	return arr, nil
}

// mapConcurrency is MaxConcurrency(Path); 0 and anything above the
// runtime's cap mean the cap.
func (ex *execution) mapConcurrency(st *state, env *evalEnv) (int, error) {
	limit := st.maxConcurrency
	if st.maxConcurrencyPath != nil {
		v, ok := st.maxConcurrencyPath.get(env.rootFor(st.maxConcurrencyPath))
		n, valid := nonNegative(v)
		if !ok || !valid {
			return 0, runtimeErr("The MaxConcurrencyPath '%s' must select a non-negative integer", st.maxConcurrencyPath.src)
		}
		limit = n
	}
	if limit == 0 || limit > int64(ex.rt.maxConc) {
		limit = int64(ex.rt.maxConc)
	}
	return int(limit), nil
}

// mapTolerance resolves ToleratedFailureCount(Path) and
// ToleratedFailurePercentage(Path).
func mapTolerance(st *state, env *evalEnv) (tolerance, error) {
	tol := tolerance{count: st.tolCount, pct: st.tolPct}
	if st.tolCountPath != nil {
		v, ok := st.tolCountPath.get(env.rootFor(st.tolCountPath))
		n, valid := nonNegative(v)
		if !ok || !valid {
			return tol, runtimeErr("The ToleratedFailureCountPath '%s' must select a non-negative integer", st.tolCountPath.src)
		}
		tol.count = &n
	}
	if st.tolPctPath != nil {
		v, ok := st.tolPctPath.get(env.rootFor(st.tolPctPath))
		r, valid := percentage(v)
		if !ok || !valid {
			return tol, runtimeErr("The ToleratedFailurePercentagePath '%s' must select a number from 0 to 100", st.tolPctPath.src)
		}
		tol.pct = r
	}
	return tol, nil
}

func (ex *execution) iteration(ctx context.Context, st *state, eff any, i int, item any, entered time.Time, retries int) (any, error) {
	in := item
	if st.itemSelector != nil {
		v, err := st.itemSelector.eval(ex.env(eff, st, entered, retries, "", &mapItem{index: i, value: item}))
		if err != nil {
			return nil, err
		}
		in = v
	}
	return ex.runScope(ctx, st.processor, in)
}

// finishExecState applies ResultSelector, ResultPath and OutputPath.
func (ex *execution) finishExecState(st *state, input, result any, env *evalEnv) (any, error) {
	if st.resultSelector != nil {
		v, err := st.resultSelector.eval(&evalEnv{input: result, ctxObj: env.ctxObj, rt: ex.rt})
		if err != nil {
			return nil, err
		}
		result = v
	}
	out, err := applyResultPath(input, st.resultPath, result)
	if err != nil {
		return nil, err
	}
	return applyOutputPath(st.outputPath, out)
}

func (ex *execution) parallel(ctx context.Context, st *state, input any, entered time.Time, retries int) (any, error) {
	eff, err := applyInputPath(st.inputPath, input)
	if err != nil {
		return nil, err
	}
	env := ex.env(eff, st, entered, retries, "", nil)
	if st.parameters != nil {
		if eff, err = st.parameters.eval(env); err != nil {
			return nil, err
		}
	}
	if err := historyOf(ctx).add(2); err != nil { // ParallelStateStarted, ParallelStateSucceeded
		return nil, err
	}
	results := make([]any, len(st.branches))
	err = runJobs(ctx, len(st.branches), len(st.branches), func(g *fanOut, i int) {
		out, err := ex.runScope(g.ctx, st.branches[i], eff)
		var se *StateError
		if errors.As(err, &se) {
			g.stop(se)
			return
		}
		results[i] = out
	})
	if err != nil {
		return nil, err
	}
	return ex.finishExecState(st, input, results, env)
}
