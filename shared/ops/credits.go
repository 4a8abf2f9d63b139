package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/stepfn"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Credits holds the credit steps of the operation path: reserve before the
// work, settle after it, release (and record the failure) when it fails.
type Credits struct {
	Store  CreditStore
	Ledger CreditLedger
	Log    *slog.Logger // nil: no logs
}

// CreditStore is what the credit steps read and write besides the ledger
// (*store.Store).
type CreditStore interface {
	SetOperationRunning(ctx context.Context, account, id, execution string) error
	GetModel(ctx context.Context, id string) (domain.AIModelConfig, error)
	Billing(ctx context.Context) (domain.BillingConfiguration, error)
	SuccessWrites(w *store.Tx, account string, op domain.Operation, usage domain.UsageLog, o store.Outcome, note domain.Notification) error
	UsageWrites(w *store.Tx, account string, usage domain.UsageLog) error
	TaskLogWrites(w *store.Tx, account string, tl domain.AITaskLog) error
	BatchWrites(w *store.Tx, account string, b store.BatchCount)
	CountBatch(ctx context.Context, account string, b store.BatchCount) error
	SucceedOperation(ctx context.Context, account string, op domain.Operation, o store.Outcome, note domain.Notification) error
	FailBatch(ctx context.Context, account string, b store.BatchCount, tl domain.AITaskLog) error
	FailOperation(ctx context.Context, account string, op domain.Operation, opErr domain.OperationError, note domain.Notification) error
	ReleaseItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string) error
	StagedUnits(ctx context.Context, account, stepKey string) ([]store.Tx, error)
	MarkCharged(w *store.Tx, account, stepKey, hold string)
	CommitStaged(ctx context.Context, account, stepKey, hold string, units []store.Tx, first int) ([]int, error)
}

// CreditLedger is the part of *ledger.Ledger the credit steps use.
type CreditLedger interface {
	Reserve(ctx context.Context, account string, amount int64, idemKey string, ttl time.Duration, meta ledger.Meta) (ledger.Hold, error)
	Settle(ctx context.Context, account, holdID string, actual int64, extra *store.Tx) (ledger.Entry, error)
	Release(ctx context.Context, account, holdID, reason string) (ledger.Entry, error)
}

// Reserve holds the job's estimated credits. A retried or duplicated reserve
// finds the same hold (its key derives from the job's key). An account that
// cannot cover the estimate gets a refused Hold, not an error.
func (c *Credits) Reserve(ctx context.Context, st State) (Hold, error) {
	job := st.Job
	if job.RunID == "" {
		if err := c.Store.SetOperationRunning(ctx, job.AccountID, job.OperationID, job.Key); err != nil {
			return Hold{}, err
		}
	}
	h, err := c.Ledger.Reserve(ctx, job.AccountID, max(job.Estimate, 1), job.Key+"#reserve", HoldTTL, ledger.Meta{
		Description: describe(job.Type),
		Metadata:    map[string]string{"operation_id": job.OperationID, "site_id": job.SiteID, "operation_type": string(job.Type)},
	})
	if errors.Is(err, domain.ErrInsufficientCredits) {
		return Hold{Refused: &StepError{Error: stepfn.InsufficientCredits, Cause: err.Error()}}, nil
	}
	if err != nil {
		return Hold{}, err
	}
	metrics.Emit(map[string]string{"OperationType": string(job.Type)}, metrics.Metric{Name: metrics.CreditsReserved, Value: float64(h.Amount), Unit: metrics.None})
	return Hold{HoldID: h.ID, Amount: h.Amount}, nil
}

// Settle charges what the work actually used and, in the same transaction,
// writes the usage log, completes the AI task log and the operation, and
// notifies the account. Settling the same hold twice charges once. A free
// operation (creating tasks) is just recorded as done.
func (c *Credits) Settle(ctx context.Context, st State) (Settled, error) {
	job, res := st.Job, st.Result
	if res != nil && !job.Type.Charged() {
		if job.RunID != "" {
			if err := c.Store.CountBatch(ctx, job.AccountID, batchCount(job, *res, 0)); err != nil {
				return Settled{}, err
			}
			return Settled{}, c.release(ctx, job)
		}
		op := domain.Operation{ID: job.OperationID, SiteID: job.SiteID, Type: job.Type}
		o := finished(*res)
		if err := c.Store.SucceedOperation(ctx, job.AccountID, op, o, outcomeNote(job, o, 0)); err != nil {
			return Settled{}, err
		}
		return Settled{}, c.release(ctx, job)
	}
	if st.Hold == nil || res == nil {
		return Settled{}, domain.Invalid("hold", "settle needs the reserve's hold and the run's result")
	}
	model, err := c.Store.GetModel(ctx, job.ModelID)
	if err != nil {
		return Settled{}, err
	}
	billing, err := c.Store.Billing(ctx)
	if err != nil {
		return Settled{}, err
	}
	credits, providerCost, err := Charge(model, billing, job.Type, *res)
	if err != nil {
		return Settled{}, err
	}
	// A hold is a ceiling: the account agreed to the estimate, so work that
	// cost more is charged the hold and the rest is recorded as our loss.
	// Settle then never needs credits the account may no longer have, and
	// results are never left standing without their charge.
	var overrun int64
	if credits > st.Hold.Amount {
		credits, overrun = st.Hold.Amount, credits-st.Hold.Amount
	}
	usage := domain.UsageLog{
		ID: store.NewID(), OperationID: job.OperationID, SiteID: job.SiteID, OperationType: job.Type,
		CreditsUsed: credits, OverrunCredits: overrun, CostMicroUSD: domain.CreditCostMicroUSD(billing, credits), ProviderCostMicroUSD: providerCost,
		Provider: res.Provider, Model: res.Model, Tier: model.QualityTier, InputTokens: res.InputTokens,
		OutputTokens: res.OutputTokens, Images: res.Images, HoldID: st.Hold.HoldID, CreatedAt: time.Now().UTC(),
	}
	outcome := finished(*res)
	outcome.Provider, outcome.Model, outcome.Tier, outcome.InputTokens = res.Provider, res.Model, model.QualityTier, res.InputTokens
	outcome.OutputTokens, outcome.Images, outcome.Credits = res.OutputTokens, res.Images, credits
	var extra store.Tx
	if job.RunID == "" {
		op := domain.Operation{ID: job.OperationID, SiteID: job.SiteID, Type: job.Type}
		err = c.Store.SuccessWrites(&extra, job.AccountID, op, usage, outcome, outcomeNote(job, outcome, credits))
	} else {
		// An automation batch: its usage log, its AI task log and the run's
		// counters, all in the charge's transaction.
		now := time.Now().UTC()
		status, why := store.TaskLogOutcome(outcome.Status, outcome.Failed, outcome.Error)
		tl := domain.AITaskLog{ID: usage.ID, OperationID: job.RunID, SiteID: job.SiteID, OperationType: job.Type,
			Status: status, Error: why, Provider: res.Provider, Model: res.Model, Tier: model.QualityTier,
			InputTokens: res.InputTokens, OutputTokens: res.OutputTokens, Images: res.Images, CreditsUsed: credits, CreatedAt: now, FinishedAt: &now}
		if err = c.Store.UsageWrites(&extra, job.AccountID, usage); err == nil {
			err = c.Store.TaskLogWrites(&extra, job.AccountID, tl)
		}
		c.Store.BatchWrites(&extra, job.AccountID, batchCount(job, *res, credits))
	}
	if err != nil {
		return Settled{}, err
	}
	// The run step staged its results; they go in with the charge: in its
	// transaction as far as they fit, the rest right after it, each chunk
	// checking the charge's mark. Settling again (a retry) finds the hold
	// settled and commits only what is still missing.
	step := runStepKey(job)
	units, err := c.Store.StagedUnits(ctx, job.AccountID, step)
	if err != nil {
		return Settled{}, err
	}
	if len(units) > 0 {
		c.Store.MarkCharged(&extra, job.AccountID, step, st.Hold.HoldID)
	}
	first := 0
	for ; first < len(units); first++ {
		var next store.Tx // a fresh Tx: a copy would share extra's counters
		next.Merge(extra)
		next.Merge(units[first])
		if next.Len() > ledger.MaxSettleExtra {
			break
		}
		extra = next
	}
	e, err := c.Ledger.Settle(ctx, job.AccountID, st.Hold.HoldID, credits, &extra)
	if err != nil {
		return Settled{}, err
	}
	skipped, err := c.Store.CommitStaged(ctx, job.AccountID, step, st.Hold.HoldID, units, first)
	if err != nil {
		return Settled{}, err
	}
	if len(skipped) > 0 && c.Log != nil {
		c.Log.WarnContext(ctx, "results changed before they could be written; skipped", "key", step, "units", skipped)
	}
	metrics.Emit(map[string]string{"OperationType": string(job.Type), "Outcome": string(outcome.Status)},
		metrics.Metric{Name: metrics.Operations, Value: 1, Unit: metrics.Count},
		metrics.Metric{Name: metrics.CreditsSettled, Value: float64(e.Amount), Unit: metrics.None})
	return Settled{EntryID: e.ID, Credits: e.Amount}, c.release(ctx, job)
}

// release ends the claim on the job's items: Service.Start's, under the
// operation's ID, or an automation Gate's, under the batch's key. A retried
// step releases again, harmlessly.
func (c *Credits) release(ctx context.Context, job Job) error {
	owner := job.OperationID
	if job.RunID != "" {
		owner = job.Key
	}
	return c.Store.ReleaseItems(ctx, job.AccountID, job.SiteID, job.Type.Input(), job.ItemIDs, owner)
}

// Charge is what a run costs in credits and what the provider charged us.
func Charge(model domain.AIModelConfig, billing domain.BillingConfiguration, t domain.OperationType, res Result) (credits, providerCost int64, err error) {
	if t == domain.OperationImageGeneration {
		credits, err = domain.ImageCredits(model, res.Images)
		providerCost = res.ProviderCostMicroUSD
		if providerCost == 0 {
			providerCost = domain.ImageProviderCostMicroUSD(model, res.Images)
		}
		return credits, providerCost, err
	}
	if res.InputTokens+res.OutputTokens == 0 {
		return 0, 0, nil // nothing was asked of the provider (every item was skipped)
	}
	credits, err = domain.TextCredits(model, billing, string(t), res.InputTokens, res.OutputTokens)
	return credits, domain.TextProviderCostMicroUSD(model, res.InputTokens, res.OutputTokens), err
}

// Fail releases the hold (if one was taken) and records the failure once:
// operation and AI task log failed, and a failure notification.
func (c *Credits) Fail(ctx context.Context, st State) (Failure, error) {
	job := st.Job
	dims := map[string]string{"OperationType": string(job.Type)}
	if st.Hold != nil && st.Hold.HoldID != "" {
		_, err := c.Ledger.Release(ctx, job.AccountID, st.Hold.HoldID, "released: "+describe(job.Type)+" failed")
		if err != nil && !errors.Is(err, domain.ErrHoldResolved) {
			return Failure{}, err
		}
		if err == nil {
			metrics.Emit(dims, metrics.Metric{Name: metrics.CreditsReleased, Value: float64(st.Hold.Amount), Unit: metrics.None})
		}
	}

	opErr := UserError(st.Error)
	if c.Log != nil && st.Error != nil {
		// The vendor's own words, for administrators only.
		c.Log.WarnContext(ctx, "operation step failed", "key", job.Key, "error", st.Error.Error, "cause", st.Error.Cause)
	}
	if job.RunID != "" {
		// The batch's items are recorded failed on the run, with the
		// batch's AI task log; the run goes on.
		b := store.BatchCount{RunID: job.RunID, SiteID: job.SiteID, Stage: job.Stage, Batch: job.Key}
		for _, id := range job.ItemIDs {
			b.Failed = append(b.Failed, domain.FailedItem{Stage: job.Stage, ID: id, Error: opErr.Name + ": " + opErr.Message})
		}
		now := time.Now().UTC()
		tl := domain.AITaskLog{ID: store.NewID(), OperationID: job.RunID, SiteID: job.SiteID, OperationType: job.Type,
			Status: domain.TaskLogFailed, Error: opErr.Name + ": " + opErr.Message, CreatedAt: now, FinishedAt: &now}
		if job.Type.Charged() {
			if err := c.Store.FailBatch(ctx, job.AccountID, b, tl); err != nil {
				return Failure{}, err
			}
		} else if err := c.Store.CountBatch(ctx, job.AccountID, b); err != nil {
			return Failure{}, err
		}
		emitFailed(job)
		return Failure{Error: opErr}, c.release(ctx, job)
	}
	op := domain.Operation{ID: job.OperationID, SiteID: job.SiteID, Type: job.Type}
	if err := c.Store.FailOperation(ctx, job.AccountID, op, opErr, failureNote(job, opErr)); err != nil {
		return Failure{}, err
	}
	emitFailed(job)
	return Failure{Error: opErr}, c.release(ctx, job)
}

// emitFailed counts a failed operation (or automation batch).
func emitFailed(job Job) {
	metrics.Emit(map[string]string{"OperationType": string(job.Type), "Outcome": string(domain.OperationFailed)},
		metrics.Metric{Name: metrics.Operations, Value: 1, Unit: metrics.Count})
}

// batchCount is what a finished automation batch adds to its run.
func batchCount(job Job, res Result, credits int64) store.BatchCount {
	b := store.BatchCount{RunID: job.RunID, SiteID: job.SiteID, Stage: job.Stage, Batch: job.Key, Credits: credits,
		Processed: int64(len(job.ItemIDs) - len(res.Failed))}
	for _, f := range res.Failed {
		b.Failed = append(b.Failed, domain.FailedItem{Stage: job.Stage, ID: f.ID, Error: ai.Sanitize(f.Error)})
	}
	return b
}

// Failure is the fail step's output.
type Failure struct {
	Error domain.OperationError `json:"error"`
}

// causeMessage unwraps the Lambda error JSON Step Functions puts in Cause.
func causeMessage(cause string) string {
	var le struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(cause), &le) == nil && le.Message != "" {
		return le.Message
	}
	return cause
}

var titles = map[domain.OperationType]string{
	domain.OperationClustering:        "Keyword clustering",
	domain.OperationIdeaGeneration:    "Idea generation",
	domain.OperationCreateTasks:       "Task creation",
	domain.OperationContentGeneration: "Content generation",
	domain.OperationImagePrompts:      "Image prompt generation",
	domain.OperationImageGeneration:   "Image generation",
}

func describe(t domain.OperationType) string {
	if s, ok := titles[t]; ok {
		return s
	}
	return strings.ReplaceAll(string(t), "_", " ")
}

// UserError is the step failure as users see it: its name (Provider.Refused,
// Credits.Insufficient, …) and its message with no vendor or model named.
func UserError(e *StepError) domain.OperationError {
	if e == nil {
		return domain.OperationError{Name: "Internal", Message: "the operation failed"}
	}
	return domain.OperationError{Name: e.Error, Message: ai.Sanitize(causeMessage(e.Cause))}
}

// finished is how a run's result ends the operation: its status from what
// it made and what failed (partially_succeeded when both), each failed item
// with its reason as users may see it.
func finished(res Result) store.Outcome {
	o := store.Outcome{Results: res.Results, Status: domain.OperationOutcome(len(res.Results), len(res.Failed))}
	for _, f := range res.Failed {
		o.Failed = append(o.Failed, domain.FailedItem{ID: f.ID, Error: ai.Sanitize(f.Error)})
	}
	if o.Status == domain.OperationFailed {
		o.Error = &domain.OperationError{Name: "Items.Failed", Message: fmt.Sprintf("no item could be processed; %s: %s", o.Failed[0].ID, o.Failed[0].Error)}
	}
	return o
}

// outcomeNote is the notification of a finished operation, typed per
// operation and outcome (ai_image_success, ai_image_partial, ai_image_failed, …).
func outcomeNote(job Job, o store.Outcome, credits int64) domain.Notification {
	n := domain.Notification{SiteID: job.SiteID, OperationID: job.OperationID}
	made := fmt.Sprintf("%s made %d item(s) from %d input(s); %d credit(s) used.", describe(job.Type), len(o.Results), len(job.ItemIDs), credits)
	switch o.Status {
	case domain.OperationFailed:
		n.Type, n.Severity, n.Title = domain.NotificationType(job.Type, domain.NoteFailed), domain.SeverityError, describe(job.Type)+" failed"
		n.Message = fmt.Sprintf("%s failed: %s. %d credit(s) used.", describe(job.Type), o.Error.Message, credits)
	case domain.OperationPartiallySucceeded:
		n.Type, n.Severity, n.Title = domain.NotificationType(job.Type, domain.NotePartial), domain.SeverityWarning, describe(job.Type)+" partly finished"
		n.Message = fmt.Sprintf("%s %d item(s) failed and were not charged; %s: %s.", made, len(o.Failed), o.Failed[0].ID, o.Failed[0].Error)
	default:
		n.Type, n.Severity, n.Title, n.Message = domain.NotificationType(job.Type, domain.NoteSuccess), domain.SeveritySuccess, describe(job.Type)+" finished", made
	}
	return n
}

func failureNote(job Job, e domain.OperationError) domain.Notification {
	return domain.Notification{
		Type: domain.NotificationType(job.Type, domain.NoteFailed), Severity: domain.SeverityError, SiteID: job.SiteID, OperationID: job.OperationID,
		Title:   describe(job.Type) + " failed",
		Message: fmt.Sprintf("%s failed (%s): %s. No credits were charged.", describe(job.Type), e.Name, ai.Sanitize(e.Message)),
	}
}
