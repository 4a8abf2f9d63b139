// Package automation runs the stages of domain.Stages over a site: the API
// side (estimate, start, pause, resume, cancel, scheduled starts) and the
// steps of the automation state machine (prepare a stage, gate each batch,
// park a paused batch, finish a stage, finish the run). The batches
// themselves run the same reserve → operation → settle steps as manual
// operations; the state machine is generated from the same stage table
// (infra/statemachines).
package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/logctx"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/store"
)

// RequiredFactor: the balance must cover 1.2 × the estimate to start a run.
const RequiredFactor = 1.2

// Tokens sends a parked batch's task token back to Step Functions.
type Tokens interface {
	SendTaskSuccess(ctx context.Context, token string, output []byte) error
}

// Service is the automation of every site.
type Service struct {
	Store   ServiceStore
	Ops     *ops.Service
	Starter ops.Starter // starts the automation state machine
	Tokens  Tokens
}

// RunRef identifies a run in the state machine's document.
type RunRef struct {
	RunID     string `json:"run_id"`
	AccountID string `json:"account_id"`
	SiteID    string `json:"site_id"`
}

// LogIDs names the run on every line its steps log.
func (r RunRef) LogIDs() []slog.Attr {
	return logctx.IDs("account_id", r.AccountID, "site_id", r.SiteID, "run_id", r.RunID)
}

// Input is the automation state machine's input.
type Input struct {
	Run         RunRef `json:"run"`
	Concurrency int64  `json:"concurrency"`
}

// StageEstimate is one stage's share of an estimate.
type StageEstimate = domain.StageEstimate

// Estimate is what a run would cost now.
type Estimate struct {
	Stages     []StageEstimate `json:"stages"`
	Total      int64           `json:"total_credits"`
	Required   int64           `json:"required_credits"` // 1.2 × total, rounded up
	Available  int64           `json:"available_credits"`
	Sufficient bool            `json:"sufficient"`
}

// yields are what the stages are expected to make of their items: the
// operations' own numbers where they have them, and the site's in-article
// images (max_in_article_images) besides the featured one.
func yields(site domain.Site) domain.RunYields {
	return domain.RunYields{
		KeywordsPerCluster: 8,
		IdeasPerCluster:    ops.IdeasPerCluster,
		ImagesPerArticle:   1 + int64(site.MaxInArticleImages),
		WordsPerArticle:    ops.DefaultWordCount,
	}
}

// Estimate prices a run from the items waiting now and what the stages
// will make of them, with the models a run would use.
func (s *Service) Estimate(ctx context.Context, account, site string) (Estimate, error) {
	est, _, err := s.estimate(ctx, account, site)
	return est, err
}

// estimate is Estimate and the models it priced with ("text", "image"),
// which a run started on it then uses.
func (s *Service) estimate(ctx context.Context, account, site string) (Estimate, map[string]string, error) {
	cfg, err := s.Store.GetAutomationConfig(ctx, account, site)
	if err != nil {
		return Estimate{}, nil, err
	}
	stats, err := s.Store.GetStats(ctx, account, site)
	if err != nil {
		return Estimate{}, nil, err
	}
	st, err := s.Store.GetSite(ctx, account, site)
	if err != nil {
		return Estimate{}, nil, err
	}
	text, err := ops.ResolveModel(ctx, s.Store, s.Ops.Providers, domain.ModelText, "")
	if err != nil {
		return Estimate{}, nil, err
	}
	image, err := ops.ResolveModel(ctx, s.Store, s.Ops.Providers, domain.ModelImage, "")
	if err != nil {
		return Estimate{}, nil, err
	}
	billing, err := s.Store.Billing(ctx)
	if err != nil {
		return Estimate{}, nil, err
	}
	// New clusters wait for stage 2 too (an upper bound).
	backlog := domain.RunBacklog{Keywords: stats.KeywordsNew, Clusters: stats.Clusters, Tasks: stats.Tasks, Images: stats.Images}
	stages, err := domain.EstimateRun(cfg, backlog, yields(st), text, image, billing)
	if err != nil {
		return Estimate{}, nil, err
	}
	est := Estimate{Stages: stages}
	for _, st := range est.Stages {
		est.Total += st.Credits
	}
	est.Required = int64(math.Ceil(float64(est.Total) * RequiredFactor))
	acct, err := s.Store.GetAccount(ctx, account)
	if err != nil {
		return Estimate{}, nil, err
	}
	est.Available, est.Sufficient = acct.Available, acct.Available >= est.Required
	return est, map[string]string{"text": text.ModelID, "image": image.ModelID}, nil
}

// Start starts a run: 402 when the balance is below 1.2 × the estimate, 409
// when a run is active on the site (the lock is a conditional put).
func (s *Service) Start(ctx context.Context, account, site, trigger string) (domain.AutomationRun, error) {
	est, models, err := s.estimate(ctx, account, site)
	if err != nil {
		return domain.AutomationRun{}, err
	}
	if !est.Sufficient {
		return domain.AutomationRun{}, &domain.InsufficientCreditsError{Required: est.Required, Available: est.Available}
	}
	cfg, err := s.Store.GetAutomationConfig(ctx, account, site)
	if err != nil {
		return domain.AutomationRun{}, err
	}
	run := domain.AutomationRun{ID: store.NewID(), SiteID: site, Trigger: trigger, Status: domain.RunRunning,
		EstimatedCredits: est.Total, StartedAt: time.Now().UTC()}
	if err := s.Store.CreateRun(ctx, account, run, cfg, models); err != nil {
		return domain.AutomationRun{}, err
	}
	input, _ := json.Marshal(Input{Run: RunRef{RunID: run.ID, AccountID: account, SiteID: site}, Concurrency: cfg.Concurrency})
	if _, err := s.Starter.Start(ctx, run.ID, input); err != nil {
		_, _, ferr := s.Store.FinishRun(context.WithoutCancel(ctx), account, site, run.ID, domain.RunFailed, "the run could not be started")
		return domain.AutomationRun{}, errors.Join(fmt.Errorf("start run: %w", err), ferr)
	}
	return s.Store.GetRun(ctx, account, site, run.ID)
}

// Pause takes effect at the next batch boundary: the gate parks the batch.
func (s *Service) Pause(ctx context.Context, account, site, run string) (domain.AutomationRun, error) {
	return s.Store.SetRunStatus(ctx, account, site, run, []domain.RunStatus{domain.RunRunning}, domain.RunPaused, "paused_at")
}

// Resume lets the parked batches go on.
func (s *Service) Resume(ctx context.Context, account, site, run string) (domain.AutomationRun, error) {
	r, err := s.Store.SetRunStatus(ctx, account, site, run, []domain.RunStatus{domain.RunPaused}, domain.RunRunning, "resumed_at")
	if err != nil {
		return r, err
	}
	return r, s.wake(ctx, account, site, run)
}

// Cancel stops the run at the next batch boundary; a paused run is woken so
// its gates can skip the remaining batches.
func (s *Service) Cancel(ctx context.Context, account, site, run string) (domain.AutomationRun, error) {
	r, err := s.Store.SetRunStatus(ctx, account, site, run, []domain.RunStatus{domain.RunRunning, domain.RunPaused}, domain.RunCancelling, "cancelled_at")
	if err != nil {
		return r, err
	}
	return r, s.wake(ctx, account, site, run)
}

func (s *Service) wake(ctx context.Context, account, site, run string) error {
	tokens, err := s.Store.TakeRunTokens(ctx, account, site, run)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range tokens {
		if err := s.Tokens.SendTaskSuccess(ctx, t, []byte(`{}`)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SchedulerResult says what a scheduler tick did.
type SchedulerResult struct {
	Started []string `json:"started"`
	Skipped []string `json:"skipped"`
}

// StartDue starts the scheduled runs that are due. Each due run is claimed
// with a conditional update of the schedule, so two ticks start it once; a
// site with too few credits or a run still active is skipped with a
// notification until its next slot.
func (s *Service) StartDue(ctx context.Context, now time.Time) (SchedulerResult, error) {
	res := SchedulerResult{Started: []string{}, Skipped: []string{}}
	due, err := s.Store.DueSchedules(ctx, now, 50)
	if err != nil {
		return res, err
	}
	for _, d := range due {
		won, err := s.Store.AdvanceSchedule(ctx, d.AccountID, d.SiteID, d.At)
		if err != nil || !won {
			continue
		}
		run, err := s.Start(ctx, d.AccountID, d.SiteID, "scheduled")
		if err != nil {
			res.Skipped = append(res.Skipped, d.SiteID)
			_ = s.Store.Notify(ctx, d.AccountID, domain.Notification{Type: "automation_skipped", Severity: domain.SeverityWarning, SiteID: d.SiteID,
				Title: "Scheduled automation skipped", Message: "The scheduled run did not start: " + err.Error()})
			continue
		}
		res.Started = append(res.Started, run.ID)
	}
	return res, nil
}
