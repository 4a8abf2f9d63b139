package sfn

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Input and output processing, with the examples of the AWS developer guide
// ("Processing input and output": InputPath, Parameters, ResultSelector,
// ResultPath, OutputPath).
func TestInputOutputProcessing(t *testing.T) {
	hello := func(_ context.Context, in any) (any, error) {
		who, _ := in.(map[string]any)["who"].(string)
		return "Hello, " + who + "!", nil
	}
	const resultPathInput = `{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":"AWS Step Functions"}`
	task := func(fields string) string {
		return wrap(`{"Type":"Task","Resource":"` + lambdaArn + `hello"` + fields + `,"Next":"E"}`)
	}
	tests := []struct {
		name, def, input, want string
	}{
		{"ResultPath default replaces the input with the result", task(``), resultPathInput,
			`"Hello, AWS Step Functions!"`},
		{"ResultPath $ is the same", task(`,"ResultPath":"$"`), resultPathInput,
			`"Hello, AWS Step Functions!"`},
		{"ResultPath null discards the result", task(`,"ResultPath":null`), resultPathInput,
			resultPathInput},
		{"ResultPath $.taskresult adds the result", task(`,"ResultPath":"$.taskresult"`), resultPathInput,
			`{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":"AWS Step Functions","taskresult":"Hello, AWS Step Functions!"}`},
		{"ResultPath into an existing nested object", task(`,"ResultPath":"$.strings.lambdaresult"`),
			`{"who":"AWS Step Functions","strings":{"string1":"a","string2":"b"}}`,
			`{"who":"AWS Step Functions","strings":{"string1":"a","string2":"b","lambdaresult":"Hello, AWS Step Functions!"}}`},
		{"ResultPath replaces an existing field", task(`,"ResultPath":"$.who"`), `{"who":"AWS Step Functions","x":1}`,
			`{"who":"Hello, AWS Step Functions!","x":1}`},
		{"InputPath, ResultPath and OutputPath together (the guide's Lambda example)",
			task(`,"InputPath":"$.lambda","ResultPath":"$.data.lambdaresult","OutputPath":"$.data"`),
			`{"comment":"An input comment.","data":{"val1":23,"val2":17},"extra":"foo","lambda":{"who":"AWS Step Functions"}}`,
			`{"val1":23,"val2":17,"lambdaresult":"Hello, AWS Step Functions!"}`},
		{"InputPath selects a node", wrap(`{"Type":"Pass","InputPath":"$.dataset2","Next":"E"}`),
			`{"comment":"Example for InputPath.","dataset1":{"val1":1,"val2":2,"val3":3},"dataset2":{"val1":"a","val2":"b","val3":"c"}}`,
			`{"val1":"a","val2":"b","val3":"c"}`},
		{"InputPath null gives {}", wrap(`{"Type":"Pass","InputPath":null,"Next":"E"}`), `{"a":1}`, `{}`},
		{"OutputPath null gives {}", wrap(`{"Type":"Pass","OutputPath":null,"Next":"E"}`), `{"a":1}`, `{}`},
		{"OutputPath with an indefinite path gives an array", wrap(`{"Type":"Pass","OutputPath":"$.items[*].id","Next":"E"}`),
			`{"items":[{"id":1},{"id":2},{"x":3}]}`, `[1,2]`},
		{"Parameters (the guide's example)", wrap(`{"Type":"Pass","Parameters":{"comment":"Selecting what I care about.","MyDetails":{"size.$":"$.product.details.size","exists.$":"$.product.availability","StaticValue":"foo"}},"Next":"E"}`),
			`{"comment":"Example for Parameters.","product":{"details":{"color":"blue","size":"small","material":"cotton"},"availability":"in stock","sku":"2317","cost":"$23"}}`,
			`{"comment":"Selecting what I care about.","MyDetails":{"size":"small","exists":"in stock","StaticValue":"foo"}}`},
		{"Parameters after InputPath, result placed by ResultPath into the raw input",
			wrap(`{"Type":"Pass","InputPath":"$.product","Parameters":{"sku.$":"$.sku","all.$":"$"},"ResultPath":"$.picked","Next":"E"}`),
			`{"product":{"sku":"2317"},"other":true}`,
			`{"product":{"sku":"2317"},"other":true,"picked":{"sku":"2317","all":{"sku":"2317"}}}`},
		{"Parameters inside arrays and with intrinsics", wrap(`{"Type":"Pass","Parameters":{"list":[{"v.$":"$.a"},"lit",{"n.$":"States.MathAdd($.a, 1)"}],"ids.$":"$.items[*].id"},"Next":"E"}`),
			`{"a":1,"items":[{"id":"x"},{"id":"y"}]}`,
			`{"list":[{"v":1},"lit",{"n":2}],"ids":["x","y"]}`},
		{"Pass Result with ResultPath (the guide's example)", wrap(`{"Type":"Pass","Result":{"x-datum":0.381018,"y-datum":622.2269926397355},"ResultPath":"$.coords","Next":"E"}`),
			`{"georefOf":"Home"}`,
			`{"georefOf":"Home","coords":{"x-datum":0.381018,"y-datum":622.2269926397355}}`},
		{"Pass Result null", wrap(`{"Type":"Pass","Result":null,"ResultPath":"$.r","Next":"E"}`), `{}`, `{"r":null}`},
		{"Pass without Result passes its effective input", wrap(`{"Type":"Pass","Parameters":{"x.$":"$.a"},"ResultPath":"$.copy","Next":"E"}`),
			`{"a":5}`, `{"a":5,"copy":{"x":5}}`},
		{"ResultSelector (the guide's example)", wrap(`{"Type":"Task","Resource":"` + lambdaArn + `emr","ResultSelector":{"ClusterId.$":"$.output.ClusterId","ResourceType.$":"$.resourceType"},"ResultPath":"$.EMROutput","Next":"E"}`),
			`{"cluster":"c1"}`,
			`{"cluster":"c1","EMROutput":{"ClusterId":"AKIAIOSFODNN7EXAMPLE","ResourceType":"elasticmapreduce"}}`},
		{"Succeed applies InputPath and OutputPath", `{"StartAt":"S","States":{"S":{"Type":"Succeed","InputPath":"$.a","OutputPath":"$.b"}}}`,
			`{"a":{"b":[1]}}`, `[1]`},
		{"Wait passes its input through", wrap(`{"Type":"Wait","Seconds":0,"InputPath":"$.a","Next":"E"}`), `{"a":{"k":"v"}}`, `{"k":"v"}`},
		{"scalar execution input", wrap(`{"Type":"Pass","Next":"E"}`), `"just a string"`, `"just a string"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, map[string]fnHandler{
				"hello": hello,
				"emr":   constFn(J(t, `{"resourceType":"elasticmapreduce","resource":"createCluster.sync","output":{"SdkHttpMetadata":{"HttpStatusCode":200},"SdkResponseMetadata":{"RequestId":"1234-5678-9012"},"ClusterId":"AKIAIOSFODNN7EXAMPLE"}}`)),
			})
			wantSucceeded(t, h.run(tc.def, tc.input), tc.want)
		})
	}
}

func TestPathErrors(t *testing.T) {
	tests := []struct {
		name, def, input, errName, cause string
	}{
		{"InputPath not found is States.Runtime, even with a catch-all",
			wrap(`{"Type":"Task","Resource":"` + lambdaArn + `f","InputPath":"$.missing","Catch":[{"ErrorEquals":["States.ALL"],"Next":"E"}],"Next":"E"}`),
			`{"a":1}`, ErrNameRuntime, "$.missing"},
		{"Parameters path not found", wrap(`{"Type":"Pass","Parameters":{"x.$":"$.nope"},"Next":"E"}`),
			`{"a":1}`, ErrNameRuntime, "The JSONPath '$.nope' specified for the field 'x.$' could not be found"},
		{"OutputPath not found", wrap(`{"Type":"Pass","OutputPath":"$.nope","Next":"E"}`), `{}`, ErrNameRuntime, "$.nope"},
		{"ResultSelector path not found", wrap(`{"Type":"Task","Resource":"` + lambdaArn + `f","ResultSelector":{"x.$":"$.nope"},"Next":"E"}`),
			`{}`, ErrNameRuntime, "$.nope"},
		{"failing intrinsic", wrap(`{"Type":"Pass","Parameters":{"x.$":"States.StringToJson($.s)"},"Next":"E"}`),
			`{"s":"not json"}`, ErrNameRuntime, "States.StringToJson"},
		{"ResultPath into a string is States.ResultPathMatchFailure", wrap(`{"Type":"Pass","ResultPath":"$.a.b","Next":"E"}`),
			`{"a":"text"}`, ErrNameResultPathMatchFailure, "$.a.b"},
		{"ResultPath on a non-object input", wrap(`{"Type":"Pass","Result":1,"ResultPath":"$.r","Next":"E"}`),
			`[1,2]`, ErrNameResultPathMatchFailure, "$.r"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, map[string]fnHandler{"f": constFn(J(t, `{"ok":true}`))})
			wantFailed(t, h.run(tc.def, tc.input), tc.errName, tc.cause)
		})
	}
}

func TestResultPathMatchFailureIsCatchable(t *testing.T) {
	h := newHarness(t, map[string]fnHandler{"f": constFn("result")})
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"` + lambdaArn + `f","ResultPath":"$.a.b","Catch":[{"ErrorEquals":["States.ResultPathMatchFailure"],"ResultPath":"$.err","Next":"E"}],"Next":"E"},
	  "E":{"Type":"Pass","Parameters":{"error.$":"$.err.Error"},"End":true}}}`
	wantSucceeded(t, h.run(def, `{"a":"text"}`), `{"error":"States.ResultPathMatchFailure"}`)
}

func TestContextObject(t *testing.T) {
	start := time.Date(2024, 3, 14, 1, 59, 26, 535_000_000, time.UTC)
	h := newHarness(t, map[string]fnHandler{}, WithClock(func() time.Time { return start }), WithRoleArn("arn:aws:iam::000000000000:role/sfn"))
	def := `{"StartAt":"Look","States":{"Look":{"Type":"Pass","Parameters":{
	  "id.$":"$$.Execution.Id","name.$":"$$.Execution.Name","input.$":"$$.Execution.Input","start.$":"$$.Execution.StartTime",
	  "role.$":"$$.Execution.RoleArn","sm.$":"$$.StateMachine.Id","smName.$":"$$.StateMachine.Name",
	  "state.$":"$$.State.Name","entered.$":"$$.State.EnteredTime","retries.$":"$$.State.RetryCount",
	  "whole.$":"$$.StateMachine"},"End":true}}}`
	m := mustParse(t, def, nil).WithName("Stage")
	ex, err := h.rt.Start(context.Background(), m, "run-1", []byte(`{"site":"s1"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := h.wait(ex.ExecutionArn)
	wantSucceeded(t, got, `{
	  "id":"arn:aws:states:local:000000000000:execution:Stage:run-1","name":"run-1","input":{"site":"s1"},
	  "start":"2024-03-14T01:59:26.535Z","role":"arn:aws:iam::000000000000:role/sfn",
	  "sm":"arn:aws:states:local:000000000000:stateMachine:Stage","smName":"Stage",
	  "state":"Look","entered":"2024-03-14T01:59:26.535Z","retries":0,
	  "whole":{"Id":"arn:aws:states:local:000000000000:stateMachine:Stage","Name":"Stage"}}`)
	if got.ExecutionArn != "arn:aws:states:local:000000000000:execution:Stage:run-1" || got.StateMachineArn != "arn:aws:states:local:000000000000:stateMachine:Stage" {
		t.Fatalf("ARNs %s %s", got.ExecutionArn, got.StateMachineArn)
	}
}

func TestContextRetryCount(t *testing.T) {
	var seen []any
	h := newHarness(t, map[string]fnHandler{"flaky": func(_ context.Context, in any) (any, error) {
		seen = append(seen, in.(map[string]any)["retry"])
		if len(seen) < 3 {
			return nil, namedError{"Provider.Transient", "try again"}
		}
		return "ok", nil
	}})
	def := wrap(`{"Type":"Task","Resource":"` + lambdaArn + `flaky","Parameters":{"retry.$":"$$.State.RetryCount"},"Retry":[{"ErrorEquals":["Provider.Transient"]}],"Next":"E"}`)
	wantSucceeded(t, h.run(def, `{}`), `"ok"`)
	if encodeString(seen) != `[0,1,2]` {
		t.Fatalf("RetryCount seen %s, want [0,1,2]", encodeString(seen))
	}
}

func TestMapContextAndItemSelector(t *testing.T) {
	h := newHarness(t, nil)
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
	  "ItemSelector":{"index.$":"$$.Map.Item.Index","value.$":"$$.Map.Item.Value","run.$":"$.run","exec.$":"$$.Execution.Name"},
	  "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	m := mustParse(t, def, nil)
	ex, err := h.rt.Start(context.Background(), m, "e1", []byte(`{"run":"r","items":["a",{"b":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	wantSucceeded(t, h.wait(ex.ExecutionArn), `[{"index":0,"value":"a","run":"r","exec":"e1"},{"index":1,"value":{"b":1},"run":"r","exec":"e1"}]`)
}

func TestTaskTokenInContext(t *testing.T) {
	var token string
	h := newHarness(t, nil)
	h.lambda.fns = map[string]fnHandler{"gate": func(_ context.Context, in any) (any, error) {
		token = in.(map[string]any)["token"].(string)
		go func() { _ = h.rt.SendTaskSuccess(token, []byte(`{"resumed":true}`)) }()
		return nil, nil
	}}
	def := wrap(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"gate","Payload":{"token.$":"$$.Task.Token"}},"Next":"E"}`)
	wantSucceeded(t, h.run(def, `{}`), `{"resumed":true}`)
	if len(token) < 32 || strings.ContainsAny(token, " \n") {
		t.Fatalf("token %q", token)
	}
}
