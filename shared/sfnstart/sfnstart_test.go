package sfnstart

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Step Functions' JSON 1.0 protocol as AWS answers it: the start, a
// duplicate name, throttling, and the tokens whose task is gone.
func TestStartAndTokens(t *testing.T) {
	type answer struct {
		status int
		body   string
	}
	var answers []answer
	var targets []string
	var last map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &last)
		if r.Header.Get("Content-Type") != "application/x-amz-json-1.0" || !strings.Contains(r.Header.Get("Authorization"), "/us-west-2/states/aws4_request") {
			t.Errorf("headers %v", r.Header)
		}
		targets = append(targets, r.Header.Get("X-Amz-Target"))
		a := answers[min(len(targets)-1, len(answers)-1)]
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SFN", srv.URL)
	t.Setenv("OPERATION_STATE_MACHINE_ARN", "arn:aws:states:us-west-2:1:stateMachine:ops")
	t.Setenv("AUTOMATION_STATE_MACHINE_ARN", "arn:aws:states:us-west-2:1:stateMachine:runs")
	ops, runs, tokens, err := Cloud(aws.Config{Region: "us-west-2", Credentials: credentials.NewStaticCredentialsProvider("AKID", "s", "")})
	if err != nil || runs.StateMachineArn != "arn:aws:states:us-west-2:1:stateMachine:runs" {
		t.Fatal(err, runs)
	}
	ops.SFN.Backoff, tokens.SFN.Backoff = time.Millisecond, time.Millisecond
	ctx := context.Background()

	throttled := answer{400, `{"__type":"com.amazonaws.swf.service.v2.model#ThrottlingException","message":"Rate exceeded"}`}
	answers, targets = []answer{throttled, {200, `{"executionArn":"arn:aws:states:us-west-2:1:execution:ops:op1","startDate":1.7e9}`}}, nil
	arn, err := ops.Start(ctx, "op1", []byte(`{"a":1}`))
	if err != nil || arn != "arn:aws:states:us-west-2:1:execution:ops:op1" || len(targets) != 2 || targets[1] != "AWSStepFunctions.StartExecution" ||
		last["name"] != "op1" || last["input"] != `{"a":1}` || last["stateMachineArn"] != ops.StateMachineArn {
		t.Fatalf("start: %q %v %v %v", arn, err, targets, last)
	}

	answers, targets = []answer{{400, `{"__type":"ExecutionAlreadyExists","message":"Execution Already Exists: 'x'"}`}}, nil
	if arn, err := ops.Start(ctx, "op1", nil); err != nil || arn != "arn:aws:states:us-west-2:1:execution:ops:op1" || len(targets) != 1 {
		t.Fatalf("a duplicate start: %q %v after %d calls", arn, err, len(targets))
	}

	answers, targets = []answer{{400, `{"__type":"StateMachineDoesNotExist","message":"no"}`}}, nil
	if _, err := ops.Start(ctx, "op2", nil); err == nil || !strings.Contains(err.Error(), "StateMachineDoesNotExist") || len(targets) != 1 {
		t.Fatalf("a refusal: %v after %d calls", err, len(targets))
	}

	for _, gone := range []string{"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"} {
		answers, targets = []answer{{400, `{"__type":"` + gone + `","message":"m"}`}}, nil
		if err := tokens.SendTaskSuccess(ctx, "tok", []byte(`{}`)); err != nil || targets[0] != "AWSStepFunctions.SendTaskSuccess" || last["taskToken"] != "tok" {
			t.Fatalf("%s: %v %v", gone, err, last)
		}
	}
	answers, targets = []answer{{200, `{}`}}, nil
	if err := tokens.SendTaskSuccess(ctx, "tok", []byte(`{"ok":true}`)); err != nil || last["output"] != `{"ok":true}` {
		t.Fatalf("send: %v %v", err, last)
	}
}
