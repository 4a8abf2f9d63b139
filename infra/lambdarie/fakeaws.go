package lambdarie

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Call is one request the fake AWS endpoint got.
type Call struct {
	Service string // the SigV4 signing name: "states", "lambda", ...
	Action  string // "StartExecution", "SendTaskSuccess", "Invoke", or METHOD /path for anything else
	Target  string // the state machine ARN or function name, when there is one
	// InvocationType is Invoke's X-Amz-Invocation-Type (RequestResponse
	// when absent).
	InvocationType string
	Body           []byte // the request body (an Invoke's payload)
	Faked          bool   // false: not an API the fake implements (answered with an error)
}

// FakeAWS answers the Step Functions and Lambda calls the functions make, in
// AWS's wire formats (JSON 1.0 for Step Functions, REST-JSON for Lambda), on
// 127.0.0.1, and records them. Any other call gets an AWS-style error and is
// recorded as not faked.
type FakeAWS struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []Call
}

// NewFakeAWS starts the fake.
func NewFakeAWS() *FakeAWS {
	f := &FakeAWS{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// URL is the endpoint for AWS_ENDPOINT_URL*.
func (f *FakeAWS) URL() string { return f.srv.URL }

// Close stops the fake.
func (f *FakeAWS) Close() { f.srv.Close() }

// Calls returns the calls so far.
func (f *FakeAWS) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

func (f *FakeAWS) record(c Call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

// credentialScope reads the service from "Credential=AKID/date/region/service/aws4_request".
var credentialScope = regexp.MustCompile(`Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request`)

var invokePath = regexp.MustCompile(`^/2015-03-31/functions/([^/]+)/invocations$`)

func (f *FakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c := Call{Body: body}
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		c.Service = m[1]
	}
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "AWSStepFunctions."):
		c.Action = strings.TrimPrefix(target, "AWSStepFunctions.")
		f.stepFunctions(w, &c)
	case invokePath.MatchString(r.URL.Path) && r.Method == http.MethodPost:
		c.Action, c.Target, c.Faked = "Invoke", invokePath.FindStringSubmatch(r.URL.Path)[1], true
		c.InvocationType = r.Header.Get("X-Amz-Invocation-Type")
		if c.InvocationType == "" {
			c.InvocationType = "RequestResponse"
		}
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		switch c.InvocationType {
		case "Event":
			w.WriteHeader(http.StatusAccepted)
		case "DryRun":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("null"))
		}
	default:
		c.Action = r.Method + " " + r.URL.Path
		if target != "" {
			c.Action = target
		}
		awsError(w, "UnknownOperationException", fmt.Sprintf("the fake AWS endpoint does not implement %s (%s)", c.Action, c.Service))
	}
	f.record(c)
}

func (f *FakeAWS) stepFunctions(w http.ResponseWriter, c *Call) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		Name            string `json:"name"`
		TaskToken       string `json:"taskToken"`
	}
	if err := json.Unmarshal(c.Body, &in); err != nil {
		awsError(w, "SerializationException", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	switch c.Action {
	case "StartExecution":
		c.Target, c.Faked = in.StateMachineArn, true
		name := in.Name
		if name == "" {
			name = fmt.Sprintf("fake-%d", time.Now().UnixNano())
		}
		arn := strings.Replace(in.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + name
		_ = json.NewEncoder(w).Encode(map[string]any{"executionArn": arn, "startDate": float64(time.Now().UnixMilli()) / 1000})
	case "SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat":
		c.Target, c.Faked = in.TaskToken, true
		_, _ = w.Write([]byte("{}"))
	default:
		awsError(w, "UnknownOperationException", "the fake Step Functions does not implement "+c.Action)
	}
}

// awsError is an error in the JSON protocols' shape.
func awsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}
