package sfn

import (
	"strings"
	"testing"
)

// wrap puts one state named S (plus an end state E) into a definition.
func wrap(stateJSON string) string {
	return `{"StartAt":"S","States":{"S":` + stateJSON + `,"E":{"Type":"Succeed"}}}`
}

const okTask = `"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f"`

func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name, def string
		want      []string // all must appear in the error
	}{
		{"unknown top-level field", `{"StartAt":"S","Foo":1,"States":{"S":{"Type":"Succeed"}}}`, []string{`"Foo"`}},
		{"JSONata top level", `{"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Succeed"}}}`, []string{"JSONata", "JSONPath"}},
		{"JSONata state", wrap(`{"Type":"Pass","QueryLanguage":"JSONata","End":true}`), []string{`state "S"`, "JSONata"}},
		{"Arguments", wrap(`{` + okTask + `,"Arguments":{},"End":true}`), []string{`state "S" (Task)`, `"Arguments"`, "JSONata"}},
		{"Output", wrap(`{"Type":"Pass","Output":{},"End":true}`), []string{`state "S" (Pass)`, `"Output"`}},
		{"Assign", wrap(`{"Type":"Pass","Assign":{"x":1},"End":true}`), []string{`state "S" (Pass)`, `"Assign"`, "variables"}},
		{"Variables", wrap(`{"Type":"Pass","Variables":{},"End":true}`), []string{`state "S" (Pass)`, `"Variables"`}},
		{"Credentials", wrap(`{` + okTask + `,"Credentials":{},"End":true}`), []string{`state "S" (Task)`, `"Credentials"`}},
		{"unknown field", wrap(`{"Type":"Pass","Resulte":1,"End":true}`), []string{`state "S" (Pass)`, `"Resulte"`}},
		{"field of another type", wrap(`{"Type":"Pass","Retry":[],"End":true}`), []string{`state "S" (Pass)`, `"Retry"`}},
		{"unknown type", wrap(`{"Type":"Activity","End":true}`), []string{`state "S"`, `"Activity"`}},
		{"unknown resource", wrap(`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{},"End":true}`), []string{`state "S" (Task)`, "sqs:sendMessage", "not supported"}},
		{"sync resource", wrap(`{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","End":true}`), []string{"startExecution.sync"}},
		{"activity", wrap(`{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}`), []string{"activity"}},
		{"unknown intrinsic", wrap(`{"Type":"Pass","Parameters":{"x.$":"States.Foo($.a)"},"End":true}`), []string{`state "S" (Pass)`, `"x.$"`, "States.Foo"}},
		{"intrinsic arity", wrap(`{"Type":"Pass","Parameters":{"x.$":"States.ArrayLength()"},"End":true}`), []string{"ArrayLength"}},
		{"bad .$ value", wrap(`{"Type":"Pass","Parameters":{"x.$":"a.b"},"End":true}`), []string{`"x.$"`, "neither a path"}},
		{"duplicate template field", wrap(`{"Type":"Pass","Parameters":{"x":1,"x.$":"$.a"},"End":true}`), []string{`"x"`}},
		{"JSONPath function", wrap(`{"Type":"Pass","InputPath":"$.a.length()","End":true}`), []string{"InputPath", "functions"}},
		{"context in InputPath", wrap(`{"Type":"Pass","InputPath":"$$.Execution","End":true}`), []string{"InputPath", "context"}},
		{"ResultPath not a reference path", wrap(`{"Type":"Pass","ResultPath":"$.a[*]","End":true}`), []string{"ResultPath", "Reference Path"}},
		{"heartbeat on plain lambda", wrap(`{` + okTask + `,"HeartbeatSeconds":5,"End":true}`), []string{"HeartbeatSeconds", "callback"}},
		{"heartbeat not below timeout", wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f","Payload":{"t.$":"$$.Task.Token"}},"HeartbeatSeconds":5,"TimeoutSeconds":5,"End":true}`), []string{"smaller"}},
		{"timeout and path", wrap(`{` + okTask + `,"TimeoutSeconds":5,"TimeoutSecondsPath":"$.t","End":true}`), []string{"TimeoutSecondsPath"}},
		{"token not passed", wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f","Payload.$":"$"},"End":true}`), []string{"$$.Task.Token"}},
		{"invoke without FunctionName", wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$"},"End":true}`), []string{"FunctionName"}},
		{"invoke unknown parameter", wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","LogType":"Tail"},"End":true}`), []string{`"LogType"`}},
		{"invoke async", wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","InvocationType":"Event"},"End":true}`), []string{"InvocationType"}},
		{"States.ALL not alone", wrap(`{` + okTask + `,"Retry":[{"ErrorEquals":["States.ALL","X"]}],"End":true}`), []string{"Retry", "alone"}},
		{"States.ALL not last", wrap(`{` + okTask + `,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"E"},{"ErrorEquals":["X"],"Next":"E"}],"End":true}`), []string{"Catch", "last"}},
		{"retry unknown field", wrap(`{` + okTask + `,"Retry":[{"ErrorEquals":["X"],"Jitter":"FULL"}],"End":true}`), []string{`"Jitter"`}},
		{"retry bad jitter", wrap(`{` + okTask + `,"Retry":[{"ErrorEquals":["X"],"JitterStrategy":"HALF"}],"End":true}`), []string{"JitterStrategy"}},
		{"retry bad backoff", wrap(`{` + okTask + `,"Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5}],"End":true}`), []string{"BackoffRate"}},
		{"retry zero interval", wrap(`{` + okTask + `,"Retry":[{"ErrorEquals":["X"],"IntervalSeconds":0}],"End":true}`), []string{"IntervalSeconds"}},
		{"empty ErrorEquals", wrap(`{` + okTask + `,"Retry":[{"ErrorEquals":[]}],"End":true}`), []string{"ErrorEquals"}},
		{"catch without Next", wrap(`{` + okTask + `,"Catch":[{"ErrorEquals":["X"]}],"End":true}`), []string{"Next"}},
		{"catch to unknown state", wrap(`{` + okTask + `,"Catch":[{"ErrorEquals":["X"],"Next":"Nope"}],"End":true}`), []string{`"Nope"`}},
		{"catch Output", wrap(`{` + okTask + `,"Catch":[{"ErrorEquals":["X"],"Next":"E","Output":{}}],"End":true}`), []string{`"Output"`}},
		{"next to unknown state", wrap(`{"Type":"Pass","Next":"Nowhere"}`), []string{`"Nowhere"`}},
		{"next and end", wrap(`{"Type":"Pass","Next":"E","End":true}`), []string{"Next and End"}},
		{"no transition", wrap(`{"Type":"Pass"}`), []string{"Next"}},
		{"succeed with next", wrap(`{"Type":"Succeed","Next":"E"}`), []string{`"Next"`}},
		{"unknown StartAt", `{"StartAt":"X","States":{"S":{"Type":"Succeed"}}}`, []string{`"X"`}},
		{"duplicate state names", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"S","States":{"S":{"Type":"Succeed"}}},{"StartAt":"S","States":{"S":{"Type":"Succeed"}}}],"End":true}}}`, []string{`"S"`, "more than once"}},
		{"transition across scopes", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"S","States":{"S":{"Type":"Pass","Next":"E"}}}],"Next":"E"},"E":{"Type":"Succeed"}}}`, []string{`"E"`, "same scope"}},
		{"choice unknown operator", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.a","StringContains":"x","Next":"E"}]}`), []string{`"StringContains"`}},
		{"choice nested Next", wrap(`{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsNull":true,"Next":"E"},"Next":"E"}]}`), []string{"nested"}},
		{"choice no Next", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true}]}`), []string{"Next"}},
		{"choice wrong literal", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"E"}]}`), []string{"NumericEquals", "number"}},
		{"choice bad timestamp", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.a","TimestampEquals":"2020-01-01 00:00:00","Next":"E"}]}`), []string{"TimestampEquals"}},
		{"choice two operators", wrap(`{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"IsString":true,"Next":"E"}]}`), []string{"exactly one"}},
		{"choice JSONata Condition", wrap(`{"Type":"Choice","Choices":[{"Condition":"{% true %}","Next":"E"}]}`), []string{"Condition", "JSONata"}},
		{"wait two fields", wrap(`{"Type":"Wait","Seconds":1,"Timestamp":"2020-01-01T00:00:00Z","Next":"E"}`), []string{"exactly one"}},
		{"wait bad timestamp", wrap(`{"Type":"Wait","Timestamp":"2020-01-01t00:00:00z","Next":"E"}`), []string{"Timestamp"}},
		{"fail error and path", wrap(`{"Type":"Fail","Error":"X","ErrorPath":"$.e"}`), []string{"ErrorPath"}},
		{"map tolerated inline", wrap(`{"Type":"Map","ToleratedFailurePercentage":10,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}`), []string{`state "S" (Map)`, "ToleratedFailurePercentage", "DISTRIBUTED"}},
		{"map item reader", wrap(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject"},"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}`), []string{`"ItemReader"`}},
		{"map both processors", wrap(`{"Type":"Map","Iterator":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}},"End":true}`), []string{"Iterator"}},
		{"map selector and parameters", wrap(`{"Type":"Map","ItemSelector":{},"Parameters":{},"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}`), []string{"ItemSelector"}},
		{"map distributed without type", wrap(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}`), []string{"ExecutionType"}},
		{"map unknown mode", wrap(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"BATCH"},"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}`), []string{"Mode"}},
		{"map items path indefinite", wrap(`{"Type":"Map","ItemsPath":"$.a[*]","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}`), []string{"ItemsPath"}},
		{"nested state error", wrap(`{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Foo":1,"End":true}}},"End":true}`), []string{`state "I" (Pass)`, `"Foo"`}},
		{"bad version", `{"Version":"2.0","StartAt":"S","States":{"S":{"Type":"Succeed"}}}`, []string{"Version"}},
		{"bad timeout", `{"TimeoutSeconds":0,"StartAt":"S","States":{"S":{"Type":"Succeed"}}}`, []string{"TimeoutSeconds"}},
		{"missing substitution", wrap(`{"Type":"Task","Resource":"${ReserveArn}","End":true}`), []string{"ReserveArn"}},
		{"not JSON", `{"StartAt":`, []string{"JSON"}},
		{"Parameters not an object", wrap(`{"Type":"Pass","Parameters":"x","End":true}`), []string{"Parameters", "object"}},
		{"ItemSelector not an object", wrap(`{"Type":"Map","ItemSelector":[1],"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"End":true}`), []string{"ItemSelector", "object"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.def), nil)
			if err == nil {
				t.Fatal("Parse accepted the definition")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	for name, def := range map[string]string{
		"comment, version, query language": `{"Comment":"c","Version":"1.0","QueryLanguage":"JSONPath","TimeoutSeconds":60,"StartAt":"S","States":{"S":{"Type":"Pass","Comment":"x","QueryLanguage":"JSONPath","End":true}}}`,
		"every state type": `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f:live","TimeoutSeconds":10,"Retry":[{"ErrorEquals":["A"],"MaxDelaySeconds":5,"JitterStrategy":"FULL","Comment":"r"},{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F","ResultPath":"$.err"}],"Next":"C"},
			"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsPresent":true},{"Variable":"$.a","StringMatches":"x*"}],"Next":"W","Comment":"c"}],"Default":"P"},
			"W":{"Type":"Wait","SecondsPath":"$.s","Next":"P"},
			"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"Next":"M"},
			"M":{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"I","States":{"I":{"Type":"Succeed"}}},"ToleratedFailureCount":1,"ToleratedFailurePercentagePath":"$.p","Label":"batches","MaxConcurrencyPath":"$.mc","Next":"L"},
			"L":{"Type":"Map","Iterator":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}},"Parameters":{"v.$":"$$.Map.Item.Value"},"End":true},
			"F":{"Type":"Fail","ErrorPath":"$.err.Error","CausePath":"States.Format('cause: {}', $.err.Cause)"}}}`,
		"invoke integration": wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:f","Payload.$":"$","Qualifier":"live","InvocationType":"RequestResponse"},"End":true}`),
		"callback":           wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"HeartbeatSecondsPath":"$.hb","TimeoutSeconds":60,"End":true}`),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(def), nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseSubstitutions(t *testing.T) {
	def := wrap(`{"Type":"Task","Resource":"${FnArn}","Parameters":{"note":"${Note}"},"End":true}`)
	m, err := Parse([]byte(def), map[string]string{"FnArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "Note": `say "hi"`})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.root.states["S"].resource; got != "arn:aws:lambda:us-east-1:123456789012:function:f" {
		t.Fatalf("resource %q", got)
	}
	if !strings.Contains(string(m.Definition()), `say \"hi\"`) {
		t.Fatalf("substituted text is not JSON-escaped: %s", m.Definition())
	}
	if _, err := Parse([]byte(def), map[string]string{"FnArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}); err == nil || !strings.Contains(err.Error(), "Note") {
		t.Fatalf("missing substitution: %v", err)
	}
	if m.Name() != "StateMachine" || m.WithName("Stage").Name() != "Stage" || m.Name() != "StateMachine" {
		t.Fatal("WithName must return a renamed copy")
	}
}
