// Package lambdainvoke hands publish jobs to the publish Lambda with an
// asynchronous (Event) invocation: the caller does not wait, Lambda retries
// a failed run and sends what still fails to the function's on-failure
// destination.
//
// It calls Lambda's Invoke by hand (awsenv.Caller) rather than through the
// SDK's Lambda client, which costs the API about 3 ms of every cold start
// and 1 MiB of its package for this one call.
package lambdainvoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/igny8/igny8-serverless/shared/awsenv"
	"github.com/igny8/igny8-serverless/shared/publishing"
)

// invokeFunction is the call's IAM action.
const invokeFunction awsenv.Action = "lambda:InvokeFunction"

// Async invokes one function with InvocationType Event.
type Async struct {
	Lambda       awsenv.Caller
	FunctionName string
}

// Invoke queues job for the publish Lambda: Lambda answers 202 once the
// event is queued. Throttling and 5xx are tried again (an event queued
// twice is a duplicate delivery, which the publisher's lease absorbs).
func (a Async) Invoke(ctx context.Context, job publishing.Job) error {
	payload, err := json.Marshal(job)
	if err != nil {
		return err
	}
	path := "/2015-03-31/functions/" + url.PathEscape(a.FunctionName) + "/invocations"
	h := http.Header{"X-Amz-Invocation-Type": {"Event"}, "Content-Type": {"application/json"}}
	status, _, err := a.Lambda.Do(ctx, invokeFunction, path, h, payload)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", a.FunctionName, err)
	}
	if status != http.StatusAccepted {
		return fmt.Errorf("invoke %s: status %d", a.FunctionName, status)
	}
	return nil
}

// FromEnv invokes the function named by PUBLISH_FUNCTION_NAME with the
// region and credentials of cfg.
func FromEnv(cfg aws.Config) (Async, error) {
	name := os.Getenv("PUBLISH_FUNCTION_NAME")
	if name == "" {
		return Async{}, errors.New("PUBLISH_FUNCTION_NAME must be set")
	}
	return Async{Lambda: awsenv.Caller{Config: cfg, ServiceID: "Lambda", Prefix: "lambda"}, FunctionName: name}, nil
}
