// Package sfnstart starts Step Functions executions in the cloud and sends
// task tokens back.
//
// It calls Step Functions' JSON protocol by hand (awsenv.Caller: signed,
// retried like the SDK's standard retryer) instead of through the SDK
// client: the API starts every operation and run through it, and the
// client's package costs its cold start about 1 ms for these two calls.
package sfnstart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/igny8/igny8-serverless/shared/awsenv"
)

// Starter starts executions of one state machine.
type Starter struct {
	SFN             awsenv.Caller
	StateMachineArn string
}

// Start starts an execution named name. Execution names are unique per state
// machine, so starting the same name again (a retried request) does not run
// the work twice: the existing execution's ARN is returned.
func (s Starter) Start(ctx context.Context, name string, input []byte) (string, error) {
	var out struct {
		ExecutionArn string `json:"executionArn"`
	}
	err := s.SFN.JSON(ctx, "1.0", "AWSStepFunctions.StartExecution",
		map[string]string{"stateMachineArn": s.StateMachineArn, "name": name, "input": string(input)}, &out)
	if isType(err, "ExecutionAlreadyExists") {
		return ExecutionArn(s.StateMachineArn, name), nil
	}
	if err != nil {
		return "", fmt.Errorf("start execution %s: %w", name, err)
	}
	return out.ExecutionArn, nil
}

// ExecutionArn is the ARN of the execution name of a state machine.
func ExecutionArn(stateMachineArn, name string) string {
	return strings.Replace(stateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + name
}

// Tokens sends task tokens back (resuming parked automation batches).
type Tokens struct{ SFN awsenv.Caller }

// SendTaskSuccess completes the task waiting on token. A token whose task
// already ended (timed out, or the execution stopped) is not an error: there
// is nothing left to wake.
func (t Tokens) SendTaskSuccess(ctx context.Context, token string, output []byte) error {
	err := t.SFN.JSON(ctx, "1.0", "AWSStepFunctions.SendTaskSuccess",
		map[string]string{"taskToken": token, "output": string(output)}, nil)
	if isType(err, "TaskTimedOut") || isType(err, "InvalidToken") || isType(err, "TaskDoesNotExist") {
		return nil
	}
	return err
}

func isType(err error, exception string) bool {
	var ae *awsenv.Error
	return errors.As(err, &ae) && ae.Type == exception
}

// Cloud is Step Functions in cfg's region with the starters of the
// operation and automation state machines named by
// OPERATION_STATE_MACHINE_ARN and AUTOMATION_STATE_MACHINE_ARN.
func Cloud(cfg aws.Config) (operations, runs Starter, tokens Tokens, err error) {
	c := caller(cfg)
	for _, s := range []struct {
		env string
		to  *Starter
	}{{"OPERATION_STATE_MACHINE_ARN", &operations}, {"AUTOMATION_STATE_MACHINE_ARN", &runs}} {
		arn := os.Getenv(s.env)
		if arn == "" {
			return Starter{}, Starter{}, Tokens{}, errors.New(s.env + " must be set")
		}
		*s.to = Starter{SFN: c, StateMachineArn: arn}
	}
	return operations, runs, Tokens{SFN: c}, nil
}

// CloudTokens sends task tokens in cfg's region (the automation steps).
func CloudTokens(cfg aws.Config) Tokens { return Tokens{SFN: caller(cfg)} }

// caller calls Step Functions (endpoint prefix and signing name "states"),
// at the endpoint the environment names (AWS_ENDPOINT_URL_SFN), if any.
func caller(cfg aws.Config) awsenv.Caller {
	return awsenv.Caller{Config: cfg, ServiceID: "SFN", Prefix: "states"}
}
