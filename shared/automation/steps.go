package automation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/ops"
)

// Steps are the automation state machine's own steps.
type Steps struct {
	Store  StepStore
	Ops    *ops.Service
	Tokens Tokens
}

// StageInput names a stage of a run.
type StageInput struct {
	Run   RunRef `json:"run"`
	Stage int    `json:"stage"`
}

// Prepared is a stage's work: the numbers of its batches. The batches'
// item IDs stay in the table (Store.SavePlan): a state machine's state is
// limited to 256 KiB, and 10,000 IDs are more than that, while 10,000 batch
// numbers are about 50 KB.
type Prepared struct {
	Skip    bool  `json:"skip"`
	Batches []int `json:"batches"`
}

// Prepare finds the items waiting for the stage (within the run's maxima),
// saves them as the stage's plan, records the stage's total and answers the
// batch numbers; a stage with nothing to do is skipped.
func (s *Steps) Prepare(ctx context.Context, in StageInput) (Prepared, error) {
	r := in.Run
	stage, ok := domain.StageByN(in.Stage)
	if !ok {
		return Prepared{}, domain.Invalid("stage", "must be 1..%d", len(domain.Stages))
	}
	run, cfg, _, err := s.Store.RunState(ctx, r.AccountID, r.SiteID, r.RunID)
	if err != nil {
		return Prepared{}, err
	}
	var ids []string
	if run.Status == domain.RunRunning || run.Status == domain.RunPaused {
		if ids, err = s.waiting(ctx, r, stage, cfg); err != nil {
			return Prepared{}, err
		}
	}
	if len(ids) == 0 {
		return Prepared{Skip: true, Batches: []int{}}, s.Store.SetStage(ctx, r.AccountID, r.SiteID, r.RunID, in.Stage, domain.StageSkipped, 0)
	}
	if err := s.Store.SavePlan(ctx, r.AccountID, r.SiteID, r.RunID, in.Stage, ids); err != nil {
		return Prepared{}, err
	}
	size := stage.BatchSize(cfg)
	p := Prepared{Batches: make([]int, 0, (len(ids)+size-1)/size)}
	for i := 0; i*size < len(ids); i++ {
		p.Batches = append(p.Batches, i)
	}
	return p, s.Store.SetStage(ctx, r.AccountID, r.SiteID, r.RunID, in.Stage, domain.StageRunning, int64(len(ids)))
}

// waiting lists the items waiting for the stage, within the run's maximum.
func (s *Steps) waiting(ctx context.Context, r RunRef, stage domain.Stage, cfg domain.AutomationConfig) ([]string, error) {
	if stage.Query == domain.QueryWithoutImagePrompts {
		return s.Store.ContentWithoutImagePrompts(ctx, r.AccountID, r.SiteID, stage.MaxPerRun(cfg))
	}
	return s.Store.IDsByStatus(ctx, r.AccountID, r.SiteID, stage.Source, stage.SourceStatus, stage.MaxPerRun(cfg))
}

// BatchInput is one batch of a stage (the Map's item): its items are the
// plan's, Index×batch size onwards.
type BatchInput struct {
	Run   RunRef `json:"run"`
	Stage int    `json:"stage"`
	Index int    `json:"index"`
}

// Gate actions.
const (
	ActionGo   = "go"
	ActionWait = "wait"
	ActionSkip = "skip"
)

// GateResult says what the batch does next, with its job when it goes.
type GateResult struct {
	Action string  `json:"action"`
	Delay  int64   `json:"delay"`
	Job    ops.Job `json:"job"`
}

// Gate runs before every batch: the batch boundary where pause and cancel
// take effect and the run's credit limit is applied.
func (s *Steps) Gate(ctx context.Context, in BatchInput) (GateResult, error) {
	r := in.Run
	run, cfg, models, err := s.Store.RunState(ctx, r.AccountID, r.SiteID, r.RunID)
	if err != nil {
		return GateResult{}, err
	}
	switch run.Status {
	case domain.RunPaused:
		return GateResult{Action: ActionWait}, nil
	case domain.RunRunning:
	default:
		return GateResult{Action: ActionSkip}, nil
	}
	stage, ok := domain.StageByN(in.Stage)
	if !ok {
		return GateResult{}, domain.Invalid("stage", "must be 1..%d", len(domain.Stages))
	}
	size := stage.BatchSize(cfg)
	ids, err := s.Store.PlanIDs(ctx, r.AccountID, r.SiteID, r.RunID, in.Stage, in.Index*size, (in.Index+1)*size)
	if err != nil {
		return GateResult{}, err
	}
	typ := stage.Operation
	job := ops.Job{OperationID: r.RunID, AccountID: r.AccountID, SiteID: r.SiteID, Type: typ,
		Key: fmt.Sprintf("run#%s#s%d#b%d", r.RunID, in.Stage, in.Index), RunID: r.RunID, Stage: in.Stage}
	if job.ItemIDs, err = s.claim(ctx, r, typ, job.Key, ids); err != nil || len(job.ItemIDs) == 0 {
		return GateResult{Action: ActionSkip}, err
	}
	if stage.Charged() {
		job.ModelID = models["text"]
		if typ == domain.OperationImageGeneration {
			job.ModelID = models["image"]
		}
		m, err := s.Store.GetModel(ctx, job.ModelID)
		if err != nil {
			return GateResult{}, err
		}
		job.Estimate, err = s.Ops.Estimate(ctx, r.AccountID, ops.Request{Type: typ, SiteID: r.SiteID, ItemIDs: job.ItemIDs}, m)
		if err != nil && !errors.As(err, new(*domain.ValidationError)) {
			return GateResult{}, err
		}
		if cfg.MaxCreditsPerRun > 0 && run.TotalCreditsUsed+job.Estimate > cfg.MaxCreditsPerRun {
			return GateResult{Action: ActionSkip}, s.Store.ReleaseItems(ctx, r.AccountID, r.SiteID, typ.Input(), job.ItemIDs, job.Key)
		}
	}
	// The delay is between batches: a stage's first goes at once.
	delay := cfg.DelayBetweenBatchesSeconds
	if in.Index == 0 {
		delay = 0
	}
	return GateResult{Action: ActionGo, Delay: delay, Job: job}, nil
}

// claim claims the batch's items for its job key (released when the batch
// settles or fails, ops.Credits) and leaves out those another operation is
// working on: the batch would pay again for their result. A repeated Gate
// claims the same items again, harmlessly.
func (s *Steps) claim(ctx context.Context, r RunRef, typ domain.OperationType, key string, ids []string) ([]string, error) {
	until := time.Now().Add(ops.HoldTTL)
	for len(ids) > 0 {
		err := s.Store.ClaimItems(ctx, r.AccountID, r.SiteID, typ.Input(), ids, key, until)
		var ce *domain.ClaimedError
		if !errors.As(err, &ce) {
			return ids, err
		}
		ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return slices.Contains(ce.Items, id) })
	}
	return ids, nil
}

// ParkInput is a paused batch's task token.
type ParkInput struct {
	Run   RunRef `json:"run"`
	Token string `json:"token"`
}

// Park keeps a paused batch's task token on the run for resume (or cancel)
// to send back. If the run was resumed between the gate and here, the batch
// is let go at once.
func (s *Steps) Park(ctx context.Context, in ParkInput) (struct{}, error) {
	r := in.Run
	err := s.Store.AddRunToken(ctx, r.AccountID, r.SiteID, r.RunID, in.Token)
	if errors.Is(err, domain.ErrConflict) {
		return struct{}{}, s.Tokens.SendTaskSuccess(ctx, in.Token, []byte(`{}`))
	}
	return struct{}{}, err
}

// StageDone says whether the run goes on.
type StageDone struct {
	Cancelled bool `json:"cancelled"`
}

// FinishStage marks a stage completed (unless it was skipped) and tells the
// state machine whether the run was cancelled.
func (s *Steps) FinishStage(ctx context.Context, in StageInput) (StageDone, error) {
	r := in.Run
	run, err := s.Store.GetRun(ctx, r.AccountID, r.SiteID, r.RunID)
	if err != nil {
		return StageDone{}, err
	}
	if st := run.Stages[in.Stage-1]; st.Status == domain.StageRunning {
		if err := s.Store.SetStage(ctx, r.AccountID, r.SiteID, r.RunID, in.Stage, domain.StageCompleted, -1); err != nil {
			return StageDone{}, err
		}
	}
	return StageDone{Cancelled: run.Status == domain.RunCancelling}, nil
}

// FinishInput ends a run.
type FinishInput struct {
	Run    RunRef         `json:"run"`
	Status string         `json:"status"` // completed | cancelled | failed
	Error  *ops.StepError `json:"error,omitempty"`
}

// FinishRun ends the run, frees the site's lock and notifies the account.
func (s *Steps) FinishRun(ctx context.Context, in FinishInput) (domain.AutomationRun, error) {
	r := in.Run
	status := domain.RunStatus(in.Status)
	msg := ""
	switch status {
	case domain.RunCompleted, domain.RunCancelled:
	case domain.RunFailed:
		msg = "the run failed"
		if in.Error != nil {
			e := ops.UserError(in.Error) // users see no vendor names
			msg = e.Name + ": " + e.Message
		}
	default:
		return domain.AutomationRun{}, domain.Invalid("status", "must be completed, cancelled or failed")
	}
	run, changed, err := s.Store.FinishRun(ctx, r.AccountID, r.SiteID, r.RunID, status, msg)
	if err != nil || !changed {
		return run, err
	}
	ms := []metrics.Metric{{Name: metrics.Runs, Value: 1, Unit: metrics.Count}}
	if run.CompletedAt != nil {
		ms = append(ms, metrics.Metric{Name: metrics.RunDuration, Value: run.CompletedAt.Sub(run.StartedAt).Seconds(), Unit: metrics.Seconds})
	}
	metrics.Emit(map[string]string{"Status": string(status)}, ms...)
	sev := domain.SeveritySuccess
	if status == domain.RunFailed {
		sev = domain.SeverityError
	} else if status == domain.RunCancelled {
		sev = domain.SeverityWarning
	}
	var processed, failed int64
	for _, st := range run.Stages {
		processed += st.Processed
		failed += st.Failed
	}
	note := domain.Notification{Type: "automation_" + string(status), Severity: sev, SiteID: r.SiteID, OperationID: r.RunID,
		Title:   "Automation run " + string(status),
		Message: fmt.Sprintf("The run %s: %d items processed, %d failed, %d credits used.", status, processed, failed, run.TotalCreditsUsed)}
	if msg != "" {
		note.Message += " " + msg
	}
	return run, s.Store.Notify(ctx, r.AccountID, note)
}

// The steps' inputs name their run on every line logged (stepfn.LogIDs).
func (in StageInput) LogIDs() []slog.Attr  { return in.Run.LogIDs() }
func (in BatchInput) LogIDs() []slog.Attr  { return in.Run.LogIDs() }
func (in ParkInput) LogIDs() []slog.Attr   { return in.Run.LogIDs() }
func (in FinishInput) LogIDs() []slog.Attr { return in.Run.LogIDs() }
