package sfn

import (
	"strings"
	"testing"
)

func evalIntrinsic(t *testing.T, rt *Runtime, expr string, input any) (any, error) {
	t.Helper()
	call, err := parseIntrinsic(expr)
	if err != nil {
		t.Fatalf("parse %s: %v", expr, err)
	}
	ctxObj := map[string]any{"Execution": map[string]any{"Name": "exec-1"}}
	return call.eval(&evalEnv{input: input, ctxObj: ctxObj, rt: rt})
}

// The examples come from the AWS developer guide's intrinsic functions page.
func TestIntrinsics(t *testing.T) {
	rt := NewRuntime(nil, WithRandSeed(7))
	input := J(t, `{
	  "name": "Arnav", "template": "Hello, my name is {}.",
	  "escapedJsonString": "{\"foo\": \"bar\"}", "unescapedJson": {"foo": "bar"},
	  "Id": 123456, "inputArray": [1,2,3,4,5,6,7,8,9], "lookingFor": 5, "index": 5,
	  "dupes": [1,2,3,3,3,3,3,3,4], "input": "Data to encode", "base64": "RGF0YSB0byBlbmNvZGU=",
	  "Data": "input data", "Algorithm": "SHA-1",
	  "json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
	  "value1": 111, "step": -1, "inputString": "This.is+a,test=string", "splitter": ".+,=",
	  "csv": "1,2,3,4,5", "obj": {"k": [1, "x"]}, "arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.0.0"
	}`)
	tests := []struct {
		expr, want string
	}{
		{`States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Arnav."`},
		{`States.Format($.template, $.name)`, `"Hello, my name is Arnav."`},
		{`States.Format('{} and {}', $.Id, $.unescapedJson)`, `"123456 and {foo=bar}"`},
		{`States.Format('{}|{}|{}', $.obj, true, null)`, `"{k=[1, x]}|true|null"`},
		{`States.Format('It\'s \{literal\} \\ {}', 'x')`, `"It's {literal} \\ x"`},
		{`States.Format('{}', $$.Execution.Name)`, `"exec-1"`},
		{`States.StringToJson($.escapedJsonString)`, `{"foo":"bar"}`},
		{`States.JsonToString($.unescapedJson)`, `"{\"foo\":\"bar\"}"`},
		{`States.Array($.Id)`, `[123456]`},
		{`States.Array('a', 1, true, null, $.unescapedJson)`, `["a",1,true,null,{"foo":"bar"}]`},
		{`States.Array()`, `[]`},
		{`States.ArrayPartition($.inputArray, 4)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{`States.ArrayContains($.inputArray, $.lookingFor)`, `true`},
		{`States.ArrayContains($.inputArray, 10)`, `false`},
		{`States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{`States.ArrayRange(5, 1, -2)`, `[5,3,1]`},
		{`States.ArrayGetItem($.inputArray, $.index)`, `6`},
		{`States.ArrayLength($.inputArray)`, `9`},
		{`States.ArrayUnique($.dupes)`, `[1,2,3,4]`},
		{`States.Base64Encode($.input)`, `"RGF0YSB0byBlbmNvZGU="`},
		{`States.Base64Decode($.base64)`, `"Data to encode"`},
		{`States.Hash($.Data, $.Algorithm)`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{`States.Hash('input data', 'MD5')`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{`States.Hash('abc', 'SHA-256')`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{`States.JsonMerge($.json1, $.json2, false)`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		{`States.MathAdd($.value1, $.step)`, `110`},
		{`States.MathAdd(1.5, 2)`, `4`},
		{`States.StringSplit($.inputString, $.splitter)`, `["This","is","a","test","string"]`},
		{`States.StringSplit($.csv, ',')`, `["1","2","3","4","5"]`},
		{`States.StringSplit('a,,b', ',')`, `["a","b"]`},
		// nesting, as in the AWS example (nine nested calls)
		{`States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 1), 'x')`, `"1.0.x"`},
		{`States.ArrayLength(States.ArrayPartition(States.ArrayRange(1, 10, 1), 3))`, `4`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := evalIntrinsic(t, rt, tc.expr, input)
			if err != nil {
				t.Fatal(err)
			}
			if !jsonEqual(got, J(t, tc.want)) {
				t.Fatalf("got %s, want %s", encodeString(got), tc.want)
			}
		})
	}
}

func TestIntrinsicRandomAndUUID(t *testing.T) {
	rt := NewRuntime(nil)
	for i := 0; i < 200; i++ {
		v, err := evalIntrinsic(t, rt, `States.MathRandom(1, 4)`, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := asInt(v); n < 1 || n >= 4 {
			t.Fatalf("MathRandom(1, 4) = %v, want 1 ≤ n < 4", v)
		}
	}
	a, _ := evalIntrinsic(t, rt, `States.MathRandom(1, 1000000, 42)`, nil)
	b, _ := evalIntrinsic(t, NewRuntime(nil), `States.MathRandom(1, 1000000, 42)`, nil)
	if !jsonEqual(a, b) {
		t.Fatalf("seeded MathRandom differs: %v vs %v", a, b)
	}
	u, _ := evalIntrinsic(t, rt, `States.UUID()`, nil)
	s, _ := u.(string)
	if len(s) != 36 || s[14] != '4' || strings.IndexByte("89ab", s[19]) < 0 {
		t.Fatalf("UUID %q is not a version 4 UUID", s)
	}
	u2, _ := evalIntrinsic(t, rt, `States.UUID()`, nil)
	if u == u2 {
		t.Fatal("two UUIDs are equal")
	}
}

func TestIntrinsicRuntimeErrors(t *testing.T) {
	rt := NewRuntime(nil)
	input := J(t, `{"s": "x", "arr": [1,2], "obj": {}, "bad": "{nope"}`)
	for _, expr := range []string{
		`States.StringToJson($.bad)`,
		`States.StringToJson($.arr)`,
		`States.ArrayGetItem($.arr, 2)`,
		`States.ArrayGetItem($.s, 0)`,
		`States.ArrayPartition($.arr, 0)`,
		`States.ArrayRange(1, 2000, 1)`,
		`States.ArrayRange(1, 2, 0)`,
		`States.Base64Decode('***')`,
		`States.Hash($.s, 'SHA-3')`,
		`States.JsonMerge($.obj, $.arr, false)`,
		`States.MathRandom(5, 5)`,
		`States.MathAdd($.s, 1)`,
		`States.Format($.s, 1)`,
		`States.ArrayLength($.missing)`,
	} {
		t.Run(expr, func(t *testing.T) {
			_, err := evalIntrinsic(t, rt, expr, input)
			se, ok := err.(*StateError)
			if !ok || se.Name != ErrNameRuntime {
				t.Fatalf("got %v, want a States.Runtime error", err)
			}
		})
	}
}

func TestIntrinsicParseErrors(t *testing.T) {
	deep := "States.Array(" + strings.Repeat("States.Array(", 10) + strings.Repeat(")", 11)
	for expr, want := range map[string]string{
		`States.Nope($.a)`:                       "unknown intrinsic function",
		`States.ArrayLength()`:                   "takes 1 argument",
		`States.MathRandom(1)`:                   "takes 2 to 3",
		`States.UUID(1)`:                         "takes 0",
		`States.Format('{} {}', 1)`:              "placeholder",
		`States.Format(1, 2)`:                    "must be a string",
		`States.JsonMerge($.a, $.b, true)`:       "shallow",
		`States.Format('a\nb')`:                  "open escape",
		`States.Format('{')`:                     "unescaped",
		`States.Array($.a`:                       "unterminated",
		`States.Array($.a) extra`:                "unexpected",
		`States.Array(States.Bad())`:             "unknown intrinsic",
		`States.Array('unterminated)`:            "unterminated string",
		deep:                                     "nested",
		`States.Array(@)`:                        "invalid argument",
		`States.Array($.a[?(@.b ==)])`:           "invalid JSONPath",
		`States.StringSplit($.a, $.b, $.c, $.d)`: "takes 2",
	} {
		if _, err := parseIntrinsic(expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseIntrinsic(%s) = %v, want an error containing %q", expr, err, want)
		}
	}
}
