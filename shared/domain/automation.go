package domain

import (
	"fmt"
	"regexp"
	"slices"
	"time"
)

// OperationReview is stage 7: drafts go to review, or to approved when the
// site auto-approves. No AI, no credits.
const OperationReview OperationType = "review"

// RunStatus of an automation run.
type RunStatus string

const (
	RunRunning    RunStatus = "running"
	RunPaused     RunStatus = "paused"
	RunCancelling RunStatus = "cancelling" // cancel asked; takes effect at the next batch boundary
	RunCancelled  RunStatus = "cancelled"
	RunCompleted  RunStatus = "completed"
	RunFailed     RunStatus = "failed"
)

// StageStatus of one stage of a run.
type StageStatus string

const (
	StagePending   StageStatus = "pending"
	StageRunning   StageStatus = "running"
	StageSkipped   StageStatus = "skipped"
	StageCompleted StageStatus = "completed"
)

// StageState is a stage's live progress: what a dashboard's stage card shows.
type StageState struct {
	Stage       int         `json:"stage"`
	Name        string      `json:"name"`
	Status      StageStatus `json:"status"`
	Total       int64       `json:"total"`
	Processed   int64       `json:"processed"`
	Failed      int64       `json:"failed"`
	CreditsUsed int64       `json:"credits_used"`
}

// FailedItem is an item a run could not process, and why.
type FailedItem struct {
	Stage int    `json:"stage"`
	ID    string `json:"id"`
	Error string `json:"error"`
}

// AutomationRun is one run of the seven stages over a site.
type AutomationRun struct {
	ID               string       `json:"id"`
	SiteID           string       `json:"site_id"`
	Trigger          string       `json:"trigger"` // manual | scheduled
	Status           RunStatus    `json:"status"`
	CurrentStage     int          `json:"current_stage"`
	Stages           []StageState `json:"stages"`
	TotalCreditsUsed int64        `json:"total_credits_used"`
	EstimatedCredits int64        `json:"estimated_credits"`
	FailedItems      []FailedItem `json:"failed_items"`
	StartedAt        time.Time    `json:"started_at"`
	PausedAt         *time.Time   `json:"paused_at,omitempty"`
	ResumedAt        *time.Time   `json:"resumed_at,omitempty"`
	CancelledAt      *time.Time   `json:"cancelled_at,omitempty"`
	CompletedAt      *time.Time   `json:"completed_at,omitempty"`
	Error            string       `json:"error,omitempty"`
	// InfraCostMicroUSD is what the run cost in AWS resources (state
	// transitions, Lambda, DynamoDB), as measured by the local stack when
	// the run's execution ended; InfraCost splits it. Absent in the cloud,
	// where the bill says.
	InfraCostMicroUSD int64      `json:"infra_cost_micro_usd,omitempty"`
	InfraCost         *InfraCost `json:"infra_cost,omitempty"`
}

// InfraCost is an execution's AWS cost by service, in micro-dollars.
type InfraCost struct {
	TotalMicroUSD         int64 `json:"total_micro_usd"`
	StepFunctionsMicroUSD int64 `json:"step_functions_micro_usd"`
	LambdaMicroUSD        int64 `json:"lambda_micro_usd"`
	DynamoDBMicroUSD      int64 `json:"dynamodb_micro_usd"`
	StateTransitions      int64 `json:"state_transitions"`
	LambdaInvocations     int64 `json:"lambda_invocations"`
}

// Active reports whether the run still holds the site's run lock.
func (r AutomationRun) Active() bool {
	return r.Status == RunRunning || r.Status == RunPaused || r.Status == RunCancelling
}

// Schedule of automatic runs, in the site's time zone.
type Schedule struct {
	Frequency string `json:"frequency"`         // "" (off), daily, weekly
	Time      string `json:"time"`              // HH:MM
	Weekday   string `json:"weekday,omitempty"` // for weekly: monday … sunday
}

// AutomationConfig is a site's automation settings.
type AutomationConfig struct {
	Enabled                    bool       `json:"enabled"`
	Stage1BatchSize            int64      `json:"stage_1_batch_size"` // keywords per clustering call
	Stage2BatchSize            int64      `json:"stage_2_batch_size"` // clusters per idea call
	Stage4BatchSize            int64      `json:"stage_4_batch_size"` // tasks per content call
	Stage6BatchSize            int64      `json:"stage_6_batch_size"` // images per image call
	MaxKeywordsPerRun          int64      `json:"max_keywords_per_run"`
	MaxContentPerRun           int64      `json:"max_content_per_run"`
	MaxImagesPerRun            int64      `json:"max_images_per_run"`
	MaxCreditsPerRun           int64      `json:"max_credits_per_run"` // 0: no limit
	DelayBetweenBatchesSeconds int64      `json:"delay_between_batches_seconds"`
	Concurrency                int64      `json:"concurrency"` // batches of a stage in parallel
	Schedule                   Schedule   `json:"schedule"`
	NextRunAt                  *time.Time `json:"next_run_at,omitempty"`
}

// DefaultAutomationConfig is what a site starts with.
func DefaultAutomationConfig() AutomationConfig {
	return AutomationConfig{
		Stage1BatchSize: 50, Stage2BatchSize: 2, Stage4BatchSize: 2, Stage6BatchSize: 6,
		MaxKeywordsPerRun: 500, MaxContentPerRun: 20, MaxImagesPerRun: 100, Concurrency: 1,
	}
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Weekdays in order, Sunday first as time.Weekday counts.
var Weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Validate checks the whole configuration; the first bad field is named.
func (c AutomationConfig) Validate() error {
	checks := []struct {
		field     string
		v, lo, hi int64
	}{
		{"stage_1_batch_size", c.Stage1BatchSize, 1, 500},
		{"stage_2_batch_size", c.Stage2BatchSize, 1, 10},
		{"stage_4_batch_size", c.Stage4BatchSize, 1, 10},
		{"stage_6_batch_size", c.Stage6BatchSize, 1, 20},
		{"max_keywords_per_run", c.MaxKeywordsPerRun, 1, MaxStageItems},
		{"max_content_per_run", c.MaxContentPerRun, 1, 1_000},
		{"max_images_per_run", c.MaxImagesPerRun, 0, MaxStageItems},
		{"max_credits_per_run", c.MaxCreditsPerRun, 0, 100_000_000},
		{"delay_between_batches_seconds", c.DelayBetweenBatchesSeconds, 0, 3600},
		{"concurrency", c.Concurrency, 1, 10},
	}
	for _, ch := range checks {
		if ch.v < ch.lo || ch.v > ch.hi {
			return Invalid(ch.field, "must be between %d and %d", ch.lo, ch.hi)
		}
	}
	s := c.Schedule
	switch s.Frequency {
	case "":
		if c.Enabled {
			return Invalid("schedule.frequency", "an enabled automation needs a schedule: daily or weekly")
		}
		if s.Time != "" || s.Weekday != "" {
			return Invalid("schedule.frequency", "set daily or weekly to use a time or weekday")
		}
	case "daily", "weekly":
		if !hhmm.MatchString(s.Time) {
			return Invalid("schedule.time", "must be HH:MM (24-hour) in the site's time zone")
		}
		if s.Frequency == "weekly" && !slices.Contains(Weekdays, s.Weekday) {
			return Invalid("schedule.weekday", "must be a day name such as monday")
		}
		if s.Frequency == "daily" && s.Weekday != "" {
			return Invalid("schedule.weekday", "only weekly schedules have a weekday")
		}
	default:
		return Invalid("schedule.frequency", "must be daily, weekly or empty")
	}
	return nil
}

// NextRun is the first scheduled time strictly after from, in zone loc, or
// nil when there is no schedule. Computed on the wall clock of the zone, so
// it stays at the same local time across daylight-saving changes.
func (s Schedule) NextRun(from time.Time, loc *time.Location) *time.Time {
	if s.Frequency == "" {
		return nil
	}
	var h, m int
	if _, err := fmt.Sscanf(s.Time, "%d:%d", &h, &m); err != nil {
		return nil
	}
	local := from.In(loc)
	for d := 0; d <= 8; d++ {
		day := local.AddDate(0, 0, d)
		t := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
		if !t.After(from) {
			continue
		}
		if s.Frequency == "weekly" && Weekdays[t.Weekday()] != s.Weekday {
			continue
		}
		u := t.UTC()
		return &u
	}
	return nil
}
