package automation

import (
	"context"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// runs is what both sides read and write of a run.
type runs interface {
	GetRun(ctx context.Context, account, site, id string) (domain.AutomationRun, error)
	FinishRun(ctx context.Context, account, site, id string, status domain.RunStatus, errMsg string) (domain.AutomationRun, bool, error)
	Notify(ctx context.Context, account string, n domain.Notification) error
}

// ServiceStore is what the API side needs of the store (*store.Store).
type ServiceStore interface {
	runs
	GetAutomationConfig(ctx context.Context, account, site string) (domain.AutomationConfig, error)
	GetSite(ctx context.Context, account, site string) (domain.Site, error)
	GetStats(ctx context.Context, account, site string) (domain.SiteStats, error)
	ListModels(ctx context.Context) ([]domain.AIModelConfig, error)
	Billing(ctx context.Context) (domain.BillingConfiguration, error)
	GetAccount(ctx context.Context, account string) (domain.Account, error)
	CreateRun(ctx context.Context, account string, run domain.AutomationRun, cfg domain.AutomationConfig, models map[string]string) error
	SetRunStatus(ctx context.Context, account, site, id string, from []domain.RunStatus, to domain.RunStatus, stamp string) (domain.AutomationRun, error)
	TakeRunTokens(ctx context.Context, account, site, id string) ([]string, error)
	DueSchedules(ctx context.Context, now time.Time, limit int32) ([]store.DueSchedule, error)
	AdvanceSchedule(ctx context.Context, account, siteID string, at time.Time) (bool, error)
}

// StepStore is what the state machine's steps need of the store
// (*store.Store).
type StepStore interface {
	runs
	RunState(ctx context.Context, account, site, id string) (domain.AutomationRun, domain.AutomationConfig, map[string]string, error)
	SetStage(ctx context.Context, account, site, id string, stage int, status domain.StageStatus, total int64) error
	IDsByStatus(ctx context.Context, account, site string, entity domain.Entity, status string, limit int) ([]string, error)
	ContentWithoutImagePrompts(ctx context.Context, account, site string, limit int) ([]string, error)
	GetModel(ctx context.Context, id string) (domain.AIModelConfig, error)
	AddRunToken(ctx context.Context, account, site, id, token string) error
	SavePlan(ctx context.Context, account, site, run string, stage int, ids []string) error
	PlanIDs(ctx context.Context, account, site, run string, stage, from, to int) ([]string, error)
	ClaimItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string, until time.Time) error
	ReleaseItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string) error
}

var (
	_ ServiceStore = (*store.Store)(nil)
	_ StepStore    = (*store.Store)(nil)
)
