package local

import (
	"context"

	"github.com/igny8/igny8-serverless/infra/local/sfn"
	"github.com/igny8/igny8-serverless/shared/reconcile"
)

// executionEnded plays the cloud's EventBridge rule on Step Functions
// "Execution Status Change": an execution that ended FAILED, TIMED_OUT or
// ABORTED goes to the same cleanup the execution-cleanup function runs, so
// a run or operation that died outside every Catch ends here too.
func (s *Stack) executionEnded(e sfn.Execution) {
	input := string(e.Input)
	d := reconcile.Detail{ExecutionArn: e.ExecutionArn, StateMachineArn: e.StateMachineArn, Name: e.Name, Status: e.Status, Input: &input}
	if _, err := s.Deps.Cleaner().EndExecution(context.Background(), d); err != nil && s.Deps.Log != nil {
		s.Deps.Log.Error("execution cleanup", "execution_arn", e.ExecutionArn, "error", err.Error())
	}
}
