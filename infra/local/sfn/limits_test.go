package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// bigString returns a string of n bytes.
func bigString(n int) string { return strings.Repeat("x", n) }

func TestPayloadLimit(t *testing.T) {
	// A JSON string of n bytes encodes in n+2.
	under, over := bigString(MaxPayloadBytes-2-len(`{"s":}`)), bigString(MaxPayloadBytes)
	tests := []struct {
		name, def, input string
		fns              map[string]fnHandler
		wantErr, cause   string
	}{
		{"a task result over the limit", wrap(`{"Type":"Task","Resource":"` + lambdaArn + `big","Next":"E"}`), `{}`,
			map[string]fnHandler{"big": constFn(map[string]any{"s": over})}, ErrNameDataLimitExceeded, "result of task 'S'"},
		{"a result at the limit passes", wrap(`{"Type":"Task","Resource":"` + lambdaArn + `big","Next":"E"}`), `{}`,
			map[string]fnHandler{"big": constFn(map[string]any{"s": under})}, "", ""},
		{"a Pass whose output grows past it", `{"StartAt":"A","States":{
			"A":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}}`, `{"s":"` + bigString(MaxPayloadBytes/2) + `"}`,
			nil, ErrNameDataLimitExceeded, "output of state 'A'"},
		{"a Map whose results pass it, even with ResultPath null", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ResultPath":null,
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + lambdaArn + `chunk","End":true}}},
			"End":true}}}`, `{"xs":[1,2,3,4,5]}`,
			map[string]fnHandler{"chunk": constFn(bigString(MaxPayloadBytes / 4))}, ErrNameDataLimitExceeded, "result of Map state 'M'"},
		{"States.ALL does not catch it", `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"` + lambdaArn + `big","Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},
			"C":{"Type":"Succeed"}}}`, `{}`,
			map[string]fnHandler{"big": constFn(over)}, ErrNameDataLimitExceeded, "result of task 'T'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.fns)
			ex := h.run(tc.def, tc.input)
			if tc.wantErr == "" {
				wantSucceeded(t, ex, "")
				return
			}
			wantFailed(t, ex, tc.wantErr, tc.cause)
			if n := len(h.lambda.callsTo("big")); n > 1 {
				t.Errorf("the task ran %d times; a data limit is never retried", n)
			}
		})
	}
	t.Run("an execution input over the limit is refused at start", func(t *testing.T) {
		h := newHarness(t, nil)
		m := mustParse(t, wrap(`{"Type":"Pass","Next":"E"}`), nil)
		in, _ := json.Marshal(map[string]string{"s": over})
		if _, err := h.rt.Start(context.Background(), m, "", in); !errors.Is(err, ErrInvalidExecutionInput) {
			t.Fatalf("Start: %v, want InvalidExecutionInput", err)
		}
	})
}

func TestHistoryEventLimit(t *testing.T) {
	// A Lambda task writes 5 events (Entered, Scheduled, Started, Succeeded,
	// Exited); an inline Map 4 plus 2 per iteration plus its iterations' states.
	task := `{"Type":"Task","Resource":"` + lambdaArn + `echo","End":true}`
	inline := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ResultPath":null,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"W","States":{"W":` + task + `}},"End":true}}}`
	distributed := strings.Replace(inline, `{"Mode":"INLINE"}`, `{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"}`, 1)
	fns := map[string]fnHandler{"echo": echo}
	tests := []struct {
		name, def string
		items     int
		limit     int64
		wantFail  bool
	}{
		// 1 (ExecutionStarted) + 4 (the Map) + 100 × (2 + 5) = 705.
		{"an inline Map within the limit", inline, 100, 705, false},
		{"one event more than the limit", inline, 100, 704, true},
		// A Distributed Map's parent writes 1 + 4; each child 1 + 2 + 5 = 8.
		{"a Distributed Map's children count apart", distributed, 100, 8, false},
		{"but a child over the limit fails", distributed, 100, 7, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, fns, WithHistoryLimit(tc.limit))
			ex := h.run(tc.def, `{"xs":`+items(tc.items)+`}`)
			if !tc.wantFail {
				wantSucceeded(t, ex, "")
				n, err := h.rt.HistoryEvents(ex.ExecutionArn)
				if err != nil || n > tc.limit {
					t.Fatalf("history %d, %v; limit %d", n, err, tc.limit)
				}
				return
			}
			if strings.Contains(tc.def, "DISTRIBUTED") {
				// The children fail; the Map Run fails past its tolerance.
				wantFailed(t, ex, ErrNameExceedToleratedFailure, "tolerated failure threshold")
				return
			}
			wantFailed(t, ex, ErrNameRuntime, "maximum number of history events (704)")
		})
	}
	t.Run("retries count too, and the limit cannot be caught", func(t *testing.T) {
		calls := 0
		h := newHarness(t, map[string]fnHandler{"flaky": func(context.Context, any) (any, error) {
			calls++
			return nil, namedError{"Provider.Transient", "again"}
		}}, WithHistoryLimit(20))
		// 1 + per attempt 3 + the state's 2: the 6th attempt passes 20.
		ex := h.run(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"`+lambdaArn+`flaky",
			"Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":99}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},
			"C":{"Type":"Succeed"}}}`, `{}`)
		wantFailed(t, ex, ErrNameRuntime, "maximum number of history events (20)")
		if calls != 5 {
			t.Fatalf("%d attempts ran, want 5 before the 6th passed the limit", calls)
		}
	})
}

// What Standard bills: each state entered and each retry, with a
// Distributed Map's children counted on their parent.
func TestStateTransitions(t *testing.T) {
	failures := 1
	h := newHarness(t, map[string]fnHandler{"echo": echo, "flaky": func(_ context.Context, in any) (any, error) {
		if failures > 0 {
			failures--
			return nil, namedError{"Provider.Transient", "again"}
		}
		return in, nil
	}})
	// P, T (+1 retry), M, 3 children × W = 1 + 2 + 1 + 3 = 7.
	ex := h.run(`{"StartAt":"P","States":{
		"P":{"Type":"Pass","Next":"T"},
		"T":{"Type":"Task","Resource":"`+lambdaArn+`flaky","Retry":[{"ErrorEquals":["States.ALL"]}],"Next":"M"},
		"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
			"StartAt":"W","States":{"W":{"Type":"Task","Resource":"`+lambdaArn+`echo","End":true}}},"End":true}}}`, `{"xs":[1,2,3]}`)
	wantSucceeded(t, ex, "")
	if ex.StateTransitions != 7 {
		t.Fatalf("%d state transitions, want 7", ex.StateTransitions)
	}
}
