package callscan

import (
	"sort"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/catalog"
)

// granted is what the stack allows a function (see infra/cdk/stack.grants).
func granted(f catalog.Function) map[string]bool {
	out := map[string]bool{"ssm:GetParameters": true}
	for _, a := range f.Needs.Table {
		out["dynamodb:"+a] = true
	}
	if len(f.Needs.Starts) > 0 {
		out["states:StartExecution"] = true
	}
	if len(f.Needs.Tokens) > 0 {
		out["states:SendTaskSuccess"] = true
	}
	if len(f.Needs.Invokes) > 0 {
		out["lambda:InvokeFunction"] = true
	}
	switch f.Needs.Blobs {
	case catalog.BlobsRead:
		out["s3:GetObject"] = true
	case catalog.BlobsWrite:
		out["s3:PutObject"] = true
	case catalog.BlobsReadWrite:
		out["s3:GetObject"], out["s3:PutObject"] = true, true
	}
	return out
}

// Each op-* Lambda runs one operation: ops.Runner.Handler refuses any other
// type, then (*work).do switches on it. A call graph sees every branch, so
// cut the branches of the other operations (only the calls from do itself:
// an operation that calls another's method directly is still followed).
var operations = map[string]string{
	"op-cluster-keywords": "cluster", "op-generate-ideas": "ideas", "op-create-tasks": "createTasks",
	"op-generate-content": "content", "op-generate-image-prompts": "imagePrompts", "op-generate-images": "images",
	"op-review-content": "review",
}

const work = "(*github.com/igny8/igny8-serverless/shared/ops.work)."

func oneOperation(main, caller, callee string) bool {
	mine, ok := operations[main]
	if !ok || caller != work+"do" || !strings.HasPrefix(callee, work) {
		return false
	}
	for _, m := range operations {
		if callee == work+m {
			return m != mine
		}
	}
	return false
}

// Each Lambda starts its own function out of shared/app's table of handler
// builders, each named after its function in camel case (credit-reserve:
// creditReserve; shared/app's tests hold it to that). The table makes
// every builder as a value; cut all but the Lambda's own.
const handlerTable = "github.com/igny8/igny8-serverless/shared/app."

func ownHandler(main, caller, callee string) bool {
	return caller == handlerTable+"handlers" && strings.HasPrefix(callee, handlerTable) && callee != handlerTable+camel(main)
}

func camel(name string) string {
	parts := strings.Split(name, "-")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

func cuts(main, caller, callee string) bool {
	return oneOperation(main, caller, callee) || ownHandler(main, caller, callee)
}

// exact services: the catalog must list exactly what the code can call
// (calls signed by hand name their actions as constants the scan reads).
// For any other it must list at least that.
var exact = map[string]bool{"dynamodb": true, "states": true, "ssm": true, "lambda": true, "s3": true}

// The catalog's Needs cover every AWS call each function's code can reach,
// and nothing more: a missing action would
// be an AccessDenied in production, an extra one more privilege than needed.
func TestCatalogGrantsWhatTheCodeCalls(t *testing.T) {
	calls, err := Scan("../../..", cuts, "./functions/...")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range operations { // the cut must still match the code
		found := false
		for _, f := range catalog.Functions {
			found = found || operations[f.Name] == m
		}
		if !found {
			t.Errorf("operation method %s has no catalog function", m)
		}
	}
	for _, f := range catalog.Functions {
		reached, ok := calls[f.Name]
		if !ok {
			t.Errorf("functions/%s: not scanned", f.Name)
			continue
		}
		t.Logf("%-26s %s", f.Name, strings.Join(reached, " "))
		allowed := granted(f)
		called := map[string]bool{}
		for _, a := range reached {
			called[a] = true
			if !allowed[a] {
				t.Errorf("%s calls %s, which its catalog Needs do not grant", f.Name, a)
			}
		}
		var unused []string
		for a := range allowed {
			if !called[a] {
				unused = append(unused, a)
			}
		}
		sort.Strings(unused)
		for _, a := range unused {
			if exact[a[:strings.Index(a, ":")]] {
				t.Errorf("%s is granted %s, which its code never calls", f.Name, a)
			} else {
				t.Logf("%s is granted %s, which the scan does not see it call (not wired yet, or not through the SDK)", f.Name, a)
			}
		}
	}
}

func TestTargetAction(t *testing.T) {
	for in, want := range map[string]string{"AmazonSSM.GetParametersByPath": "ssm:GetParametersByPath",
		"DynamoDB_20120810.GetItem": "dynamodb:GetItem", "AWSStepFunctions.SendTaskSuccess": "states:SendTaskSuccess",
		"Foo.Bar": "", "application/x-amz-json-1.1": "", "AmazonSSM": ""} {
		if got := targetAction(in); got != want {
			t.Errorf("targetAction(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAction(t *testing.T) {
	for in, want := range map[string]string{
		"dynamodb:GetItem": "dynamodb:GetItem", "dynamodb:TransactWriteItems": "", "sfn:StartExecution": "states:StartExecution",
		"lambda:Invoke": "lambda:InvokeFunction", "s3:PutObject": "s3:PutObject", "ssm:GetParametersByPath": "ssm:GetParametersByPath",
	} {
		svc, op, _ := strings.Cut(in, ":")
		if got := Action(svc, op); got != want {
			t.Errorf("Action(%s) = %q, want %q", in, got, want)
		}
	}
}
