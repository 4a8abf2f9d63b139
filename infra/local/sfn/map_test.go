package sfn

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// concurrencyProbe counts concurrent invocations. The first `want` calls wait
// for each other (a barrier), which proves that `want` iterations really run
// at the same time; the semaphore must keep the peak from going higher.
type concurrencyProbe struct {
	cur, peak atomic.Int32
	want      int32
	once      sync.Once
	full      chan struct{}
}

func newProbe(want int32) *concurrencyProbe {
	return &concurrencyProbe{want: want, full: make(chan struct{})}
}

func (p *concurrencyProbe) fn(ctx context.Context, in any) (any, error) {
	c := p.cur.Add(1)
	defer p.cur.Add(-1)
	for {
		old := p.peak.Load()
		if c <= old || p.peak.CompareAndSwap(old, c) {
			break
		}
	}
	if c >= p.want {
		p.once.Do(func() { close(p.full) })
	}
	select {
	case <-p.full:
		time.Sleep(time.Millisecond) // give an over-eager scheduler the chance to exceed the limit
	case <-time.After(3 * time.Second):
		return nil, fmt.Errorf("only %d iterations ran concurrently, want %d", c, p.want)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return in, nil
}

func items(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func TestMapConcurrency(t *testing.T) {
	tests := []struct {
		name, limit, input string
		items              int
		wantPeak           int32
	}{
		{"MaxConcurrency 3", `"MaxConcurrency":3`, `{}`, 12, 3},
		{"MaxConcurrency 1 is sequential", `"MaxConcurrency":1`, `{}`, 4, 1},
		{"MaxConcurrencyPath", `"MaxConcurrencyPath":"$.limit"`, `{"limit":2}`, 8, 2},
		{"0 means unlimited, capped like AWS inline Map (here WithMaxConcurrency 5)", `"MaxConcurrency":0`, `{}`, 12, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			probe := newProbe(tc.wantPeak)
			h := newHarness(t, map[string]fnHandler{"work": probe.fn}, WithMaxConcurrency(5))
			def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",` + tc.limit + `,
			  "ItemSelector":{"n.$":"$$.Map.Item.Value"},
			  "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + lambdaArn + `work","End":true}}},
			  "End":true}}}`
			in := J(t, tc.input).(map[string]any)
			in["items"] = J(t, items(tc.items))
			ex := h.run(def, encodeString(in))
			want := make([]string, tc.items)
			for i := range want {
				want[i] = fmt.Sprintf(`{"n":%d}`, i)
			}
			wantSucceeded(t, ex, "["+strings.Join(want, ",")+"]") // results keep the item order
			if peak := probe.peak.Load(); peak != tc.wantPeak {
				t.Fatalf("peak concurrency %d, want %d", peak, tc.wantPeak)
			}
		})
	}
}

func TestMapDefaultConcurrencyCap(t *testing.T) {
	probe := newProbe(DefaultMaxConcurrency)
	h := newHarness(t, map[string]fnHandler{"work": probe.fn}) // no WithMaxConcurrency
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + lambdaArn + `work","End":true}}},"End":true}}}`
	wantSucceeded(t, h.run(def, items(60)), items(60))
	if peak := probe.peak.Load(); peak != DefaultMaxConcurrency {
		t.Fatalf("peak concurrency %d, want %d", peak, DefaultMaxConcurrency)
	}
}

func TestMapFailures(t *testing.T) {
	var started atomic.Int32
	worker := func(ctx context.Context, in any) (any, error) {
		started.Add(1)
		n, _ := asInt(in.(map[string]any)["n"])
		if n == 2 {
			return nil, namedError{"Provider.ContentRefused", "refused"}
		}
		select { // the others are slow, and get cancelled when item 2 fails
		case <-time.After(2 * time.Second):
			return in, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	h := newHarness(t, map[string]fnHandler{"work": worker})
	def := `{"StartAt":"M","States":{
	  "M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":3,"ItemSelector":{"n.$":"$$.Map.Item.Value"},
	    "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + lambdaArn + `work","End":true}}},
	    "Catch":[{"ErrorEquals":["Provider.ContentRefused"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
	  "Caught":{"Type":"Pass","End":true}}}`
	start := time.Now()
	ex := h.run(def, `{"items":[0,1,2,3,4,5,6,7,8,9]}`)
	wantSucceeded(t, ex, `{"items":[0,1,2,3,4,5,6,7,8,9],"error":{"Error":"Provider.ContentRefused","Cause":"{\"errorMessage\":\"refused\",\"errorType\":\"Provider.ContentRefused\"}"}}`)
	if time.Since(start) > time.Second {
		t.Fatal("the other iterations were not cancelled")
	}
	if started.Load() > 6 {
		t.Fatalf("%d iterations started after the failure stopped the Map", started.Load())
	}

	// Without a Catch the error fails the execution with the iteration's error.
	def2 := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Batch.Bad","Cause":"item"}}},"End":true}}}`
	wantFailed(t, h.run(def2, `[1]`), "Batch.Bad", "item")

	// A Retry on the Map state re-runs every iteration.
	var attempts atomic.Int32
	flaky := func(context.Context, any) (any, error) {
		if attempts.Add(1) == 1 {
			return nil, namedError{"Provider.Transient", ""}
		}
		return "done", nil
	}
	h2 := newHarness(t, map[string]fnHandler{"flaky": flaky})
	def3 := `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":1,
	  "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + lambdaArn + `flaky","End":true}}},
	  "Retry":[{"ErrorEquals":["Provider.Transient"],"IntervalSeconds":3}],"End":true}}}`
	wantSucceeded(t, h2.run(def3, `[1,2]`), `["done","done"]`)
	if attempts.Load() != 3 || fmt.Sprint(h2.sleeps.all()) != fmt.Sprint(secs(3)) {
		t.Fatalf("attempts %d sleeps %v", attempts.Load(), h2.sleeps.all())
	}
}

func TestMapProcessing(t *testing.T) {
	tests := []struct {
		name, state, input, want string
	}{
		{"legacy Iterator and Parameters",
			`"ItemsPath":"$.xs","Parameters":{"x.$":"$$.Map.Item.Value","tag.$":"$.tag"},"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			`{"xs":[1,2],"tag":"t"}`, `[{"x":1,"tag":"t"},{"x":2,"tag":"t"}]`},
		{"without ItemSelector each item is its input",
			`"ItemsPath":"$.xs","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"r","ResultPath":"$.r","End":true}}}`,
			`{"xs":[{"a":1},{"a":2}]}`, `[{"a":1,"r":"r"},{"a":2,"r":"r"}]`},
		{"empty array", `"ItemsPath":"$.xs","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			`{"xs":[]}`, `[]`},
		{"InputPath, ResultSelector, ResultPath, OutputPath",
			`"InputPath":"$.in","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
			 "ResultSelector":{"count.$":"States.ArrayLength($)","all.$":"$"},"ResultPath":"$.out","OutputPath":"$.out"`,
			`{"in":{"xs":["a","b"]}}`, `{"count":2,"all":["a","b"]}`},
		{"nested Map", `"ItemsPath":"$.rows","ItemProcessor":{"StartAt":"Inner","States":{"Inner":{"Type":"Map","ItemsPath":"$","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},"ItemProcessor":{"StartAt":"P2","States":{"P2":{"Type":"Pass","End":true}}},"End":true}}}`,
			`{"rows":[[1,2],[3]]}`, `[[{"v":1,"i":0},{"v":2,"i":1}],[{"v":3,"i":0}]]`},
		{"ItemsPath from the context object", `"ItemsPath":"$$.Execution.Input.xs","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`,
			`{"xs":[7]}`, `[7]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			wantSucceeded(t, h.run(`{"StartAt":"M","States":{"M":{"Type":"Map",`+tc.state+`,"End":true}}}`, tc.input), tc.want)
		})
	}
	h := newHarness(t, nil)
	wantFailed(t, h.run(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`, `{"xs":"nope"}`),
		ErrNameRuntime, "array")
}

func TestDistributedMapToleratedFailures(t *testing.T) {
	worker := func(_ context.Context, in any) (any, error) {
		if n, _ := asInt(in); n%4 == 0 { // items 0, 4, 8 fail: 3 of 10
			return nil, namedError{"Provider.Permanent", fmt.Sprint(n)}
		}
		return in, nil
	}
	tests := []struct {
		name, tolerance, input string
		wantErr                bool
	}{
		{"no tolerance: any failure fails", ``, `{}`, true},
		{"count 3 tolerates 3", `,"ToleratedFailureCount":3`, `{}`, false},
		{"count 2 does not", `,"ToleratedFailureCount":2`, `{}`, true},
		{"30 percent tolerates 3 of 10", `,"ToleratedFailurePercentage":30`, `{}`, false},
		{"29.9 percent does not", `,"ToleratedFailurePercentage":29.9`, `{}`, true},
		{"either limit exceeded fails", `,"ToleratedFailureCount":5,"ToleratedFailurePercentage":20`, `{}`, true},
		{"count from a path", `,"ToleratedFailureCountPath":"$.tol"`, `{"tol":3}`, false},
		{"percentage from a path", `,"ToleratedFailurePercentagePath":"$.pct"`, `{"pct":10}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, map[string]fnHandler{"work": worker})
			def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":4` + tc.tolerance + `,"Label":"work",
			  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + lambdaArn + `work","End":true}}},
			  "End":true}}}`
			in := J(t, tc.input).(map[string]any)
			in["xs"] = J(t, items(10))
			ex := h.run(def, encodeString(in))
			if tc.wantErr {
				wantFailed(t, ex, ErrNameExceedToleratedFailure, "tolerated failure threshold")
				return
			}
			wantSucceeded(t, ex, "")
			out := J(t, string(ex.Output)).([]any)
			if len(out) != 10 || encodeString(out[1]) != "1" || out[4].(map[string]any)["Error"] != "Provider.Permanent" {
				t.Fatalf("output %s", ex.Output)
			}
		})
	}
}

func TestParallel(t *testing.T) {
	h := newHarness(t, map[string]fnHandler{"double": func(_ context.Context, in any) (any, error) {
		n, _ := asInt(in)
		return n * 2, nil
	}})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","InputPath":"$.in","Parameters":{"n.$":"$.n"},
	  "Branches":[
	    {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + lambdaArn + `double","InputPath":"$.n","End":true}}},
	    {"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}},
	    {"StartAt":"C","States":{"C":{"Type":"Wait","Seconds":5,"Next":"D"},"D":{"Type":"Pass","End":true}}}],
	  "ResultSelector":{"doubled.$":"$[0]","b.$":"$[1]","echo.$":"$[2].n"},"ResultPath":"$.out","End":true}}}`
	wantSucceeded(t, h.run(def, `{"in":{"n":21}}`), `{"in":{"n":21},"out":{"doubled":42,"b":"b","echo":21}}`)
	if fmt.Sprint(h.sleeps.all()) != fmt.Sprint(secs(5)) {
		t.Fatalf("sleeps %v", h.sleeps.all())
	}

	// A failing branch cancels the others and fails the state with its error,
	// which the Parallel state's Catch handles.
	var cancelled atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	h2 := newHarness(t, map[string]fnHandler{
		"slow": func(ctx context.Context, _ any) (any, error) {
			defer wg.Done()
			select {
			case <-ctx.Done():
				cancelled.Store(true)
				return nil, ctx.Err()
			case <-time.After(3 * time.Second):
				return "late", nil
			}
		},
		"bad": func(context.Context, any) (any, error) {
			time.Sleep(10 * time.Millisecond)
			return nil, namedError{"Branch.Bad", "no"}
		},
	})
	def2 := `{"StartAt":"P","States":{
	  "P":{"Type":"Parallel","Branches":[
	    {"StartAt":"S","States":{"S":{"Type":"Task","Resource":"` + lambdaArn + `slow","End":true}}},
	    {"StartAt":"X","States":{"X":{"Type":"Task","Resource":"` + lambdaArn + `bad","End":true}}}],
	    "Catch":[{"ErrorEquals":["Branch.Bad"],"ResultPath":"$.err","Next":"H"}],"End":true},
	  "H":{"Type":"Pass","Parameters":{"e.$":"$.err.Error"},"End":true}}}`
	wantSucceeded(t, h2.run(def2, `{}`), `{"e":"Branch.Bad"}`)
	wg.Wait()
	if !cancelled.Load() {
		t.Fatal("the slow branch was not cancelled")
	}
}
