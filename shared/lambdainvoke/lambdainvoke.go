// Package lambdainvoke hands publish jobs to the publish Lambda with an
// asynchronous (Event) invocation: the caller does not wait, Lambda retries
// a failed run and sends what still fails to the function's on-failure
// destination.
package lambdainvoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/igny8/igny8-serverless/shared/publishing"
)

// API is the part of the Lambda client used.
type API interface {
	Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Async invokes one function with InvocationType Event.
type Async struct {
	Client       API
	FunctionName string
}

// Invoke queues job for the publish Lambda.
func (a Async) Invoke(ctx context.Context, job publishing.Job) error {
	payload, err := json.Marshal(job)
	if err != nil {
		return err
	}
	out, err := a.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(a.FunctionName),
		InvocationType: types.InvocationTypeEvent, Payload: payload})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", a.FunctionName, err)
	}
	if out.StatusCode != 202 {
		return fmt.Errorf("invoke %s: status %d", a.FunctionName, out.StatusCode)
	}
	return nil
}

// FromEnv invokes the function named by PUBLISH_FUNCTION_NAME with the
// client of cfg.
func FromEnv(cfg aws.Config) (Async, error) {
	name := os.Getenv("PUBLISH_FUNCTION_NAME")
	if name == "" {
		return Async{}, errors.New("PUBLISH_FUNCTION_NAME must be set")
	}
	return Async{Client: lambda.NewFromConfig(cfg), FunctionName: name}, nil
}
