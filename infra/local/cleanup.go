package local

import (
	"context"
	"encoding/json"

	"github.com/igny8/igny8-serverless/infra/local/sfn"
	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/infracost"
	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/reconcile"
)

// executionEnded plays the cloud's EventBridge rule on Step Functions
// "Execution Status Change": an execution that ended FAILED, TIMED_OUT or
// ABORTED goes to the same cleanup the execution-cleanup function runs, so
// a run or operation that died outside every Catch ends here too.
func (s *Stack) executionEnded(e sfn.Execution) {
	s.recordCost(e)
	input := string(e.Input)
	d := reconcile.Detail{ExecutionArn: e.ExecutionArn, StateMachineArn: e.StateMachineArn, Name: e.Name, Status: e.Status, Input: &input}
	if _, err := s.Deps.Cleaner().EndExecution(context.Background(), d); err != nil && s.Deps.Log != nil {
		s.Deps.Log.Error("execution cleanup", "execution_arn", e.ExecutionArn, "error", err.Error())
	}
}

// recordCost prices what the execution used and, for a run, records it on
// the run record (infra_cost_micro_usd).
func (s *Stack) recordCost(e sfn.Execution) {
	v, ok := s.meters.LoadAndDelete(e.ExecutionArn)
	if !ok {
		return
	}
	m := v.(*infracost.Meter)
	m.AddTransitions(e.StateTransitions)
	var in struct {
		Run *automation.RunRef `json:"run"`
	}
	if json.Unmarshal(e.Input, &in) != nil || in.Run == nil || in.Run.RunID == "" {
		return
	}
	cost := m.Usage().Cost()
	metrics.Emit(map[string]string{"Status": e.Status}, metrics.Metric{Name: metrics.RunInfraCost, Value: float64(cost.TotalMicroUSD), Unit: metrics.None})
	if err := s.Deps.Store.SetRunInfraCost(context.Background(), in.Run.AccountID, in.Run.SiteID, in.Run.RunID, cost); err != nil && s.Deps.Log != nil {
		s.Deps.Log.Error("record infra cost", "execution_arn", e.ExecutionArn, "run_id", in.Run.RunID, "error", err.Error())
	}
}
