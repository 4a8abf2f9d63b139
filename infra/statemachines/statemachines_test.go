package statemachines

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/igny8/igny8-serverless/infra/statemachines/internal/aslgen"
	"github.com/igny8/igny8-serverless/shared/catalog"
)

// The committed generated definitions are what the generator writes now:
// an edit of the stage table or the catalog must be regenerated, and a hand
// edit of a generated file is caught.
func TestGeneratedDefinitionsAreCurrent(t *testing.T) {
	want, err := aslgen.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range want {
		got, err := files.ReadFile(name)
		if err != nil {
			t.Fatalf("%s: %v (run `go generate ./infra/statemachines`)", name, err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from what the generator writes: run `go generate ./infra/statemachines` and commit the result", name)
		}
	}
}

// Every Lambda Task state of both machines retries the Lambda service's
// own errors as AWS recommends, and a step killed at its Lambda timeout
// (Sandbox.Timedout); and waits longer than the Lambda timeout of the
// function it calls, so the Lambda's timeout fires first. Read from the
// committed files, as deployed.
func TestEveryTaskRetriesLambdaErrorsAndOutwaitsItsFunction(t *testing.T) {
	byArn := map[string]catalog.Function{}
	for _, f := range catalog.Functions {
		if f.ArnKey != "" {
			byArn["${"+f.ArnKey+"}"] = f
		}
	}
	must := []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "Sandbox.Timedout"}
	for _, name := range []string{"operation", "automation"} {
		raw, err := Definition(name)
		if err != nil {
			t.Fatal(err)
		}
		var def struct{ States map[string]json.RawMessage }
		if err := json.Unmarshal(raw, &def); err != nil {
			t.Fatal(err)
		}
		tasks := 0
		var walk func(states map[string]json.RawMessage)
		walk = func(states map[string]json.RawMessage) {
			for sn, rawState := range states {
				var s struct {
					Type           string
					Resource       string
					Parameters     struct{ FunctionName string }
					TimeoutSeconds int
					Retry          []struct{ ErrorEquals []string }
					ItemProcessor  struct{ States map[string]json.RawMessage }
				}
				if err := json.Unmarshal(rawState, &s); err != nil {
					t.Fatalf("%s %s: %v", name, sn, err)
				}
				if s.Type == "Map" {
					walk(s.ItemProcessor.States)
				}
				if s.Type != "Task" {
					continue
				}
				tasks++
				retried := map[string]bool{}
				for _, r := range s.Retry {
					for _, e := range r.ErrorEquals {
						retried[e] = true
					}
				}
				for _, e := range must {
					if !retried[e] {
						t.Errorf("%s: state %s does not retry %s", name, sn, e)
					}
				}
				arn := s.Resource
				if s.Parameters.FunctionName != "" { // lambda:invoke.waitForTaskToken
					arn = s.Parameters.FunctionName
				}
				f, ok := byArn[arn]
				if !ok {
					t.Errorf("%s: state %s calls %q, which is no catalog function", name, sn, arn)
					continue
				}
				if s.TimeoutSeconds <= f.Timeout() {
					t.Errorf("%s: state %s waits %d s, not longer than %s's Lambda timeout of %d s", name, sn, s.TimeoutSeconds, f.Name, f.Timeout())
				}
			}
		}
		walk(def.States)
		if tasks == 0 {
			t.Errorf("%s: no Task states found", name)
		}
	}
}
