// Package sfnstart starts Step Functions executions in the cloud.
package sfnstart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// API is the part of the Step Functions client used here.
type API interface {
	StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

// Starter starts executions of one state machine.
type Starter struct {
	Client          API
	StateMachineArn string
}

// Start starts an execution named name. Execution names are unique per state
// machine, so starting the same name again (a retried request) does not run
// the work twice: the existing execution's ARN is returned.
func (s Starter) Start(ctx context.Context, name string, input []byte) (string, error) {
	out, err := s.Client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineArn), Name: aws.String(name), Input: aws.String(string(input)),
	})
	var exists *types.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		return ExecutionArn(s.StateMachineArn, name), nil
	}
	if err != nil {
		return "", fmt.Errorf("start execution %s: %w", name, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}

// ExecutionArn is the ARN of the execution name of a state machine.
func ExecutionArn(stateMachineArn, name string) string {
	return strings.Replace(stateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + name
}

// TokenAPI is the part of the Step Functions client that sends task tokens.
type TokenAPI interface {
	SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
}

// Tokens sends task tokens back (resuming parked automation batches).
type Tokens struct{ Client TokenAPI }

// SendTaskSuccess completes the task waiting on token. A token whose task
// already ended (timed out, or the execution stopped) is not an error: there
// is nothing left to wake.
func (t Tokens) SendTaskSuccess(ctx context.Context, token string, output []byte) error {
	_, err := t.Client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(string(output))})
	var gone *types.TaskTimedOut
	var invalid *types.InvalidToken
	if errors.As(err, &gone) || errors.As(err, &invalid) {
		return nil
	}
	return err
}

// Cloud is the Step Functions client of cfg with the starters of the
// operation and automation state machines named by
// OPERATION_STATE_MACHINE_ARN and AUTOMATION_STATE_MACHINE_ARN.
func Cloud(cfg aws.Config) (operations, runs Starter, tokens Tokens, err error) {
	client := sfn.NewFromConfig(cfg)
	for _, s := range []struct {
		env string
		to  *Starter
	}{{"OPERATION_STATE_MACHINE_ARN", &operations}, {"AUTOMATION_STATE_MACHINE_ARN", &runs}} {
		arn := os.Getenv(s.env)
		if arn == "" {
			return Starter{}, Starter{}, Tokens{}, errors.New(s.env + " must be set")
		}
		*s.to = Starter{Client: client, StateMachineArn: arn}
	}
	return operations, runs, Tokens{Client: client}, nil
}

// CloudTokens sends task tokens with the client of cfg (the automation steps).
func CloudTokens(cfg aws.Config) Tokens { return Tokens{Client: sfn.NewFromConfig(cfg)} }
