package awsenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Caller makes signed calls to one AWS service, retrying throttling, 5xx
// and network errors with jittered exponential backoff, as the SDK's
// standard retryer does. It stands in for an SDK client where a function
// makes one kind of call (SSM's GetParameters at start-up, the API's
// asynchronous Lambda Invoke): each of those clients would add hundreds of
// kilobytes and milliseconds of start-up for it.
type Caller struct {
	Config    aws.Config
	ServiceID string // as in AWS_ENDPOINT_URL_<ID>: SSM, LAMBDA
	Prefix    string // the endpoint prefix and signing name: ssm, lambda
	// Attempts bounds the tries of one call (0: 4); Backoff is the wait
	// before the second (0: 100 ms), doubling, with full jitter.
	Attempts int
	Backoff  time.Duration
}

// Action is the IAM action a hand-signed call needs ("lambda:InvokeFunction").
// Calls name theirs as a constant of this type, so the CDK's permission
// scan (infra/cdk/callscan) sees them as it sees SDK calls.
type Action string

// Service is the action's service prefix ("lambda"), its signing name.
func (a Action) Service() string {
	service, _, _ := strings.Cut(string(a), ":")
	return service
}

// Error is an answer other than 2xx, with the service's exception name
// (the JSON protocols' __type or the x-amzn-ErrorType header).
type Error struct {
	Service, Call, Type, Message string
	Status                       int
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s: %d %s %s", e.Service, e.Call, e.Status, e.Type, e.Message)
}

// Retryable says whether another try may succeed: throttling or a 5xx.
func (e *Error) Retryable() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests ||
		strings.Contains(e.Type, "Throttl") || e.Type == "TooManyRequestsException"
}

// maxAnswer bounds what is read of an answer.
const maxAnswer = 4 << 20

// Do sends body to path (with the headers given) as action and returns the
// 2xx answer's status and body.
func (c Caller) Do(ctx context.Context, action Action, path string, header http.Header, body []byte) (int, []byte, error) {
	_, call, _ := strings.Cut(string(action), ":")
	attempts, backoff := c.Attempts, c.Backoff
	if attempts <= 0 {
		attempts = 4
	}
	if backoff <= 0 {
		backoff = 100 * time.Millisecond
	}
	for attempt := 1; ; attempt++ {
		status, answer, err := c.once(ctx, call, path, header, body)
		if err == nil || !retryable(err) || attempt == attempts {
			return status, answer, err
		}
		select {
		case <-time.After(time.Duration(rand.Int64N(int64(backoff << (attempt - 1))))):
		case <-ctx.Done():
			return status, answer, err
		}
	}
}

// JSON makes a call of a JSON protocol (awsJson1.0/1.1: SSM, Step
// Functions): POST / with the X-Amz-Target target, in and out as JSON.
// Callers pass the target as a constant ("AmazonSSM.GetParameter"): the
// permission scan reads the action from it.
func (c Caller) JSON(ctx context.Context, version, target string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	h := http.Header{"Content-Type": {"application/x-amz-json-" + version}, "X-Amz-Target": {target}}
	_, answer, err := c.Do(ctx, Action(c.Prefix+":"+target[strings.LastIndex(target, ".")+1:]), "/", h, body)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("%s %s: %w", c.Prefix, target, err)
	}
	return nil
}

// networkError is a call that got no answer: worth another try.
type networkError struct{ error }

func (n networkError) Unwrap() error { return n.error }

func retryable(err error) bool {
	var ne networkError
	var ae *Error
	return errors.As(err, &ne) || errors.As(err, &ae) && ae.Retryable()
}

func (c Caller) once(ctx context.Context, call, path string, header http.Header, body []byte) (int, []byte, error) {
	url := ServiceURL(c.ServiceID, c.Prefix, c.Config.Region) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if c.Config.Credentials == nil {
		return 0, nil, ErrNoCredentials
	}
	creds, err := c.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.Prefix, c.Config.Region, time.Now().UTC()); err != nil {
		return 0, nil, err
	}
	var hc aws.HTTPClient = http.DefaultClient
	if c.Config.HTTPClient != nil {
		hc = c.Config.HTTPClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, networkError{err}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.StatusCode, nil, networkError{err}
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, nil, c.failure(call, resp, answer)
	}
	return resp.StatusCode, answer, nil
}

// failure reads the exception of an error answer: its name and message
// only (AWS's own words; nothing a user supplied is in them).
func (c Caller) failure(call string, resp *http.Response, answer []byte) error {
	var e struct {
		Type     string `json:"__type"`
		Message  string `json:"message"`
		Message2 string `json:"Message"`
	}
	_ = json.Unmarshal(answer, &e)
	typ := e.Type
	if typ == "" {
		typ = resp.Header.Get("X-Amzn-Errortype")
	}
	typ = typ[strings.LastIndex(typ, "#")+1:]
	if i := strings.Index(typ, ":"); i >= 0 {
		typ = typ[:i]
	}
	msg := e.Message
	if msg == "" {
		msg = e.Message2
	}
	return &Error{Service: c.Prefix, Call: call, Type: typ, Message: msg, Status: resp.StatusCode}
}
