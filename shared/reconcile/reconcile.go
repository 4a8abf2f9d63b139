// Package reconcile ends what an execution leaves behind when it dies
// outside every Catch (FAILED, TIMED_OUT or ABORTED: a payload or history
// limit, the execution timeout, a StopExecution, a Lambda error no Retry
// outlasted): the operation or run is failed with a reason, its credit
// holds are released, its claims dropped and the site's run lock freed.
// In the cloud an EventBridge rule on Step Functions' "Execution Status
// Change" events calls it (the execution-cleanup function). Every path is
// the one the state machines themselves take, so a cleanup racing a normal
// finish, or delivered twice, changes nothing the second time.
package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/logctx"
	"github.com/igny8/igny8-serverless/shared/ops"
)

// Event is an EventBridge event from Step Functions ("detail-type": "Step
// Functions Execution Status Change").
type Event struct {
	DetailType string `json:"detail-type"`
	Source     string `json:"source"`
	Detail     Detail `json:"detail"`
}

// Detail is the execution the event is about.
type Detail struct {
	ExecutionArn    string  `json:"executionArn"`
	StateMachineArn string  `json:"stateMachineArn"`
	Name            string  `json:"name"`
	Status          string  `json:"status"`
	Input           *string `json:"input"` // the execution's input, a JSON document in a string
	Error           *string `json:"error"`
	Cause           *string `json:"cause"`
}

// Statuses that end an execution without its own cleanup.
var deadStatuses = map[string]bool{"FAILED": true, "TIMED_OUT": true, "ABORTED": true}

// Outcome says what a cleanup did, for logs and tests.
type Outcome struct {
	Kind          string `json:"kind"` // "operation", "run" or "ignored"
	ID            string `json:"id,omitempty"`
	HoldsReleased int    `json:"holds_released"`
	Reason        string `json:"reason,omitempty"`
}

// Holds finds and releases credit holds.
type Holds interface {
	PendingHolds(ctx context.Context, account, operationID string) ([]ledger.Hold, error)
	Release(ctx context.Context, account, holdID, reason string) (ledger.Entry, error)
}

// Failer ends an operation (or an automation batch) as failed: the step
// credit-release runs (ops.Credits.Fail), which also drops its claims.
type Failer interface {
	Fail(ctx context.Context, st ops.State) (ops.Failure, error)
}

// RunFinisher ends a run and frees its site's lock (automation-finish-run).
type RunFinisher interface {
	FinishRun(ctx context.Context, in automation.FinishInput) (domain.AutomationRun, error)
}

// Cleaner ends what dead executions leave behind.
type Cleaner struct {
	Holds Holds
	Ops   Failer
	Runs  RunFinisher
	Log   *slog.Logger
}

// Handle is the execution-cleanup function: one event, one execution.
func (c *Cleaner) Handle(ctx context.Context, ev Event) (Outcome, error) {
	return c.EndExecution(ctx, ev.Detail)
}

// EndExecution cleans up after one execution that ended with d.Status. An
// execution that is still running or succeeded is left alone, and so is an
// input it does not recognise (another machine's execution).
func (c *Cleaner) EndExecution(ctx context.Context, d Detail) (Outcome, error) {
	ctx = logctx.With(ctx, logctx.IDs("execution_arn", d.ExecutionArn)...)
	if !deadStatuses[d.Status] || d.Input == nil {
		return Outcome{Kind: "ignored"}, nil
	}
	reason := fmt.Sprintf("the execution ended %s outside its error handling", d.Status)
	out, err := c.end(ctx, []byte(*d.Input), &ops.StepError{Error: "Execution." + statusName(d.Status), Cause: reason})
	if out.Kind != "ignored" {
		c.log(ctx, d, out, err)
	}
	return out, err
}

// EndOrphan ends the operation or run an execution input names when that
// execution is gone without a trace (the local stack keeps executions in
// memory: after a crash, what was running has no execution left).
func (c *Cleaner) EndOrphan(ctx context.Context, input []byte, reason string) (Outcome, error) {
	out, err := c.end(ctx, input, &ops.StepError{Error: "Execution.Lost", Cause: reason})
	if out.Kind != "ignored" {
		c.log(ctx, Detail{Status: "LOST"}, out, err)
	}
	return out, err
}

func (c *Cleaner) end(ctx context.Context, input []byte, stepErr *ops.StepError) (Outcome, error) {
	var in struct {
		Job   *ops.Job           `json:"job"`
		Run   *automation.RunRef `json:"run"`
		Stage int                `json:"stage"`
	}
	if err := json.Unmarshal(input, &in); err != nil {
		return Outcome{Kind: "ignored", Reason: "the input is not JSON"}, nil
	}
	switch {
	case in.Run != nil && in.Stage != 0:
		// One batch (a Distributed Map child execution): its Map Run fails
		// and the run's own execution ends the run; releasing the run's holds
		// here would take those of the batches still running.
		return Outcome{Kind: "ignored", Reason: "a batch of a run: the run's execution ends it"}, nil
	case in.Job != nil && in.Job.AccountID != "" && in.Job.OperationID != "":
		return c.endOperation(ctx, *in.Job, stepErr)
	case in.Run != nil && in.Run.AccountID != "" && in.Run.RunID != "":
		return c.endRun(ctx, *in.Run, stepErr)
	}
	return Outcome{Kind: "ignored", Reason: "neither an operation nor a run"}, nil
}

// endOperation releases the operation's hold (its ID follows from the job's
// key, as Reserve made it) and fails the operation, dropping its claims.
func (c *Cleaner) endOperation(ctx context.Context, job ops.Job, stepErr *ops.StepError) (Outcome, error) {
	out := Outcome{Kind: "operation", ID: job.OperationID, Reason: stepErr.Cause}
	n, err := c.release(ctx, job.AccountID, job.OperationID, "released: the operation's execution ended")
	out.HoldsReleased = n
	if err != nil {
		return out, err
	}
	if _, err := c.Ops.Fail(ctx, ops.State{Job: job, Error: stepErr}); err != nil {
		return out, fmt.Errorf("reconcile: fail operation %s: %w", job.OperationID, err)
	}
	return out, nil
}

// endRun releases the holds of the run's batches in flight and ends the
// run failed, which frees the site's lock and notifies the account.
func (c *Cleaner) endRun(ctx context.Context, run automation.RunRef, stepErr *ops.StepError) (Outcome, error) {
	out := Outcome{Kind: "run", ID: run.RunID, Reason: stepErr.Cause}
	n, err := c.release(ctx, run.AccountID, run.RunID, "released: the automation run's execution ended")
	out.HoldsReleased = n
	if err != nil {
		return out, err
	}
	if _, err := c.Runs.FinishRun(ctx, automation.FinishInput{Run: run, Status: string(domain.RunFailed), Error: stepErr}); err != nil {
		return out, fmt.Errorf("reconcile: finish run %s: %w", run.RunID, err)
	}
	return out, nil
}

// release releases the pending holds made for operationID (an operation's
// own, or a run's batches'). A hold settled or released meanwhile is done.
func (c *Cleaner) release(ctx context.Context, account, operationID, reason string) (int, error) {
	holds, err := c.Holds.PendingHolds(ctx, account, operationID)
	if err != nil {
		return 0, fmt.Errorf("reconcile: holds of %s: %w", operationID, err)
	}
	n := 0
	for _, h := range holds {
		_, err := c.Holds.Release(ctx, account, h.ID, reason)
		switch {
		case err == nil:
			n++
		case errors.Is(err, domain.ErrHoldResolved):
		default:
			return n, fmt.Errorf("reconcile: release hold %s: %w", h.ID, err)
		}
	}
	return n, nil
}

func (c *Cleaner) log(ctx context.Context, d Detail, out Outcome, err error) {
	if c.Log == nil {
		return
	}
	attrs := []any{"execution_arn", d.ExecutionArn, "status", d.Status, "kind", out.Kind, "id", out.ID, "holds_released", out.HoldsReleased}
	if err != nil {
		c.Log.ErrorContext(ctx, "execution cleanup failed", append(attrs, "error", err.Error())...)
		return
	}
	c.Log.InfoContext(ctx, "execution cleaned up", attrs...)
}

// statusName is FAILED → Failed, TIMED_OUT → TimedOut, ABORTED → Aborted.
func statusName(s string) string {
	switch s {
	case "TIMED_OUT":
		return "TimedOut"
	case "ABORTED":
		return "Aborted"
	default:
		return "Failed"
	}
}
