package sfn

import (
	"testing"
)

func choiceDef(rule string) string {
	return `{"StartAt":"C","States":{
	  "C":{"Type":"Choice","Choices":[` + rule + `],"Default":"No"},
	  "Yes":{"Type":"Pass","Result":"yes","End":true},
	  "No":{"Type":"Pass","Result":"no","End":true}}}`
}

func TestChoiceOperators(t *testing.T) {
	input := `{"s":"abc","s2":"abd","n":10,"n2":10.0,"f":2.5,"b":true,"t":"2024-01-02T03:04:05Z","t2":"2024-01-02T04:04:05+01:00",
	  "t3":"2024-06-01T00:00:00.5Z","nul":null,"arr":[1],"obj":{},"file":"log-2024.txt","star":"a*b","bs":"a\\b","lim":10}`
	tests := []struct {
		rule string
		want bool
	}{
		{`"Variable":"$.s","StringEquals":"abc"`, true},
		{`"Variable":"$.s","StringEquals":"abd"`, false},
		{`"Variable":"$.n","StringEquals":"10"`, false}, // type mismatch is false
		{`"Variable":"$.s","StringLessThan":"abd"`, true},
		{`"Variable":"$.s","StringGreaterThan":"abd"`, false},
		{`"Variable":"$.s","StringLessThanEquals":"abc"`, true},
		{`"Variable":"$.s","StringGreaterThanEquals":"abc"`, true},
		{`"Variable":"$.s","StringEqualsPath":"$.s2"`, false},
		{`"Variable":"$.s","StringLessThanPath":"$.s2"`, true},
		{`"Variable":"$.s","StringGreaterThanPath":"$.s2"`, false},
		{`"Variable":"$.s","StringLessThanEqualsPath":"$.s"`, true},
		{`"Variable":"$.s2","StringGreaterThanEqualsPath":"$.s"`, true},
		{`"Variable":"$.file","StringMatches":"log-*.txt"`, true},
		{`"Variable":"$.file","StringMatches":"*.log"`, false},
		{`"Variable":"$.file","StringMatches":"*"`, true},
		{`"Variable":"$.file","StringMatches":"log-*-*"`, false},
		{`"Variable":"$.star","StringMatches":"a\\*b"`, true},
		{`"Variable":"$.s","StringMatches":"a\\*c"`, false},
		{`"Variable":"$.bs","StringMatches":"a\\\\b"`, true},
		{`"Variable":"$.n","NumericEquals":10`, true},
		{`"Variable":"$.n2","NumericEquals":10`, true},
		{`"Variable":"$.s","NumericEquals":10`, false},
		{`"Variable":"$.f","NumericLessThan":3`, true},
		{`"Variable":"$.f","NumericGreaterThan":2.5`, false},
		{`"Variable":"$.f","NumericLessThanEquals":2.5`, true},
		{`"Variable":"$.f","NumericGreaterThanEquals":2.6`, false},
		{`"Variable":"$.n","NumericEqualsPath":"$.lim"`, true},
		{`"Variable":"$.f","NumericLessThanPath":"$.lim"`, true},
		{`"Variable":"$.n","NumericGreaterThanPath":"$.lim"`, false},
		{`"Variable":"$.n","NumericLessThanEqualsPath":"$.lim"`, true},
		{`"Variable":"$.n","NumericGreaterThanEqualsPath":"$.f"`, true},
		{`"Variable":"$.b","BooleanEquals":true`, true},
		{`"Variable":"$.b","BooleanEquals":false`, false},
		{`"Variable":"$.s","BooleanEquals":true`, false},
		{`"Variable":"$.b","BooleanEqualsPath":"$.b"`, true},
		{`"Variable":"$.t","TimestampEquals":"2024-01-02T03:04:05Z"`, true},
		{`"Variable":"$.t2","TimestampEquals":"2024-01-02T03:04:05Z"`, true}, // same instant, other offset
		{`"Variable":"$.t","TimestampLessThan":"2024-01-02T03:04:06Z"`, true},
		{`"Variable":"$.t","TimestampGreaterThan":"2024-01-02T03:04:06Z"`, false},
		{`"Variable":"$.t3","TimestampGreaterThanEquals":"2024-06-01T00:00:00Z"`, true},
		{`"Variable":"$.t","TimestampLessThanEquals":"2024-01-02T03:04:05Z"`, true},
		{`"Variable":"$.t","TimestampEqualsPath":"$.t2"`, true},
		{`"Variable":"$.t","TimestampLessThanPath":"$.t3"`, true},
		{`"Variable":"$.t3","TimestampGreaterThanPath":"$.t"`, true},
		{`"Variable":"$.t","TimestampLessThanEqualsPath":"$.t2"`, true},
		{`"Variable":"$.t","TimestampGreaterThanEqualsPath":"$.t3"`, false},
		{`"Variable":"$.s","TimestampEquals":"2024-01-02T03:04:05Z"`, false},
		{`"Variable":"$.nul","IsNull":true`, true},
		{`"Variable":"$.s","IsNull":true`, false},
		{`"Variable":"$.s","IsNull":false`, true},
		{`"Variable":"$.s","IsPresent":true`, true},
		{`"Variable":"$.missing","IsPresent":true`, false},
		{`"Variable":"$.missing","IsPresent":false`, true},
		{`"Variable":"$.nul","IsPresent":true`, true},
		{`"Variable":"$.n","IsNumeric":true`, true},
		{`"Variable":"$.s","IsNumeric":true`, false},
		{`"Variable":"$.s","IsString":true`, true},
		{`"Variable":"$.n","IsString":true`, false},
		{`"Variable":"$.b","IsBoolean":true`, true},
		{`"Variable":"$.nul","IsBoolean":true`, false},
		{`"Variable":"$.t","IsTimestamp":true`, true},
		{`"Variable":"$.s","IsTimestamp":true`, false},
		{`"Variable":"$.arr[0]","NumericEquals":1`, true},
		{`"Variable":"$$.Execution.Input.s","StringEquals":"abc"`, true},
		{`"And":[{"Variable":"$.s","StringEquals":"abc"},{"Variable":"$.n","NumericGreaterThan":5}]`, true},
		{`"And":[{"Variable":"$.s","StringEquals":"abc"},{"Variable":"$.n","NumericGreaterThan":50}]`, false},
		{`"Or":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$.n","NumericGreaterThan":5}]`, true},
		{`"Or":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$.n","NumericGreaterThan":50}]`, false},
		{`"Not":{"Variable":"$.s","StringEquals":"x"}`, true},
		{`"Not":{"Variable":"$.missing","IsPresent":true}`, true},
		{`"And":[{"Variable":"$.missing","IsPresent":true},{"Variable":"$.missing","StringEquals":"x"}]`, false}, // short-circuit
		{`"Or":[{"Not":{"And":[{"Variable":"$.b","BooleanEquals":true},{"Variable":"$.nul","IsNull":true}]}},{"Variable":"$.f","NumericEquals":2.5}]`, true},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			h := newHarness(t, nil)
			want := `"no"`
			if tc.want {
				want = `"yes"`
			}
			wantSucceeded(t, h.run(choiceDef(`{`+tc.rule+`,"Next":"Yes"}`), input), want)
		})
	}
}

func TestChoiceFlow(t *testing.T) {
	const def = `{"StartAt":"C","States":{
	  "C":{"Type":"Choice","InputPath":"$.in","OutputPath":"$.keep","Choices":[
	    {"Variable":"$.v","NumericLessThan":0,"Next":"Neg"},
	    {"Variable":"$.v","NumericLessThan":10,"Next":"Small"}]},
	  "Neg":{"Type":"Pass","Result":"neg","ResultPath":"$.kind","End":true},
	  "Small":{"Type":"Pass","Result":"small","ResultPath":"$.kind","End":true}}}`
	h := newHarness(t, nil)
	// The first matching rule wins; InputPath then OutputPath shape the output.
	wantSucceeded(t, h.run(def, `{"in":{"v":-1,"keep":{"k":1}}}`), `{"k":1,"kind":"neg"}`)
	wantSucceeded(t, h.run(def, `{"in":{"v":5,"keep":{"k":2}}}`), `{"k":2,"kind":"small"}`)
	// No match and no Default.
	wantFailed(t, h.run(def, `{"in":{"v":50,"keep":{}}}`), ErrNameNoChoiceMatched, "")
	// A missing Variable is a runtime error.
	wantFailed(t, h.run(def, `{"in":{"keep":{}}}`), ErrNameRuntime, "$.v")
	// So is a missing *Path operand.
	wantFailed(t, h.run(choiceDef(`{"Variable":"$.a","NumericEqualsPath":"$.b","Next":"Yes"}`), `{"a":1}`), ErrNameRuntime, "$.b")
}

func TestWildcardMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"", "", true}, {"", "a", false}, {"*", "", true}, {"a*", "a", true}, {"*a", "ba", true},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "aXbY", false}, {"**", "x", true}, {`\*`, "*", true}, {`\*`, "x", false},
		{`a\\`, `a\`, true}, {"héllo*", "héllo wörld", true}, {"*.txt", "a.txt.bak", false},
	} {
		if got := wildcardMatch(tc.pat, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}
