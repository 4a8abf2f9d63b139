package domain

import (
	"encoding/json"
	"time"
)

// OperationType names an operation. The charged ones match the usage-log
// operation types.
type OperationType string

const (
	OperationClustering        OperationType = OpClustering
	OperationIdeaGeneration    OperationType = OpIdeaGeneration
	OperationCreateTasks       OperationType = "create_tasks"
	OperationContentGeneration OperationType = OpContentGeneration
	OperationImagePrompts      OperationType = OpImagePrompts
	OperationImageGeneration   OperationType = OpImageGeneration
)

// Charged reports whether the operation costs credits.
func (t OperationType) Charged() bool { return t != OperationCreateTasks && t != OperationReview }

// OperationStatus: queued → running → succeeded | partially_succeeded |
// failed. partially_succeeded: some items were made and some failed (each
// failed one is in FailedItems with its reason); failed: nothing was made.
type OperationStatus string

const (
	OperationQueued             OperationStatus = "queued"
	OperationRunning            OperationStatus = "running"
	OperationSucceeded          OperationStatus = "succeeded"
	OperationPartiallySucceeded OperationStatus = "partially_succeeded"
	OperationFailed             OperationStatus = "failed"
)

// Finished reports a terminal status.
func (s OperationStatus) Finished() bool {
	return s == OperationSucceeded || s == OperationPartiallySucceeded || s == OperationFailed
}

// OperationOutcome is how a finished operation (or automation batch) ended:
// the status it gets from what it made and what failed.
func OperationOutcome(made, failed int) OperationStatus {
	switch {
	case failed == 0:
		return OperationSucceeded
	case made == 0:
		return OperationFailed
	}
	return OperationPartiallySucceeded
}

// Operation is one asynchronous AI (or bulk) operation a user started.
type Operation struct {
	ID            string          `json:"id"`
	AccountID     string          `json:"-"`
	SiteID        string          `json:"site_id"`
	Type          OperationType   `json:"type"`
	Status        OperationStatus `json:"status"`
	ItemIDs       []string        `json:"item_ids"`
	Tier          QualityTier     `json:"quality_tier,omitempty"`
	EstimatedCred int64           `json:"estimated_credits"`
	CreditsUsed   int64           `json:"credits_used"`
	Results       []string        `json:"result_ids"`
	// FailedItems are the input items the operation could not process, each
	// with its reason (user-facing text: no vendor names).
	FailedItems []FailedItem    `json:"failed_items,omitempty"`
	Error       *OperationError `json:"error,omitempty"`
	ExecutionID string          `json:"execution_id,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	// Options carries operation-specific input (e.g. a custom image prompt).
	Options json.RawMessage `json:"-"`
}

// OperationError is why an operation failed, in words and as a name Step
// Functions can match.
type OperationError struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// TaskLogStatus is the AI task log's state.
type TaskLogStatus string

const (
	TaskLogPending   TaskLogStatus = "pending"
	TaskLogSucceeded TaskLogStatus = "succeeded"
	// TaskLogPartial: some items failed; Error says how many and why.
	TaskLogPartial TaskLogStatus = "partially_succeeded"
	TaskLogFailed  TaskLogStatus = "failed"
)

// AITaskLog records one AI operation, whatever its outcome.
type AITaskLog struct {
	ID            string        `json:"id"`
	OperationID   string        `json:"operation_id"`
	SiteID        string        `json:"site_id"`
	OperationType OperationType `json:"operation_type"`
	Status        TaskLogStatus `json:"status"`
	Provider      string        `json:"provider,omitempty"`
	Model         string        `json:"model,omitempty"` // the vendor's name: admin views only
	Tier          QualityTier   `json:"quality_tier,omitempty"`
	InputTokens   int64         `json:"input_tokens"`
	OutputTokens  int64         `json:"output_tokens"`
	Images        int64         `json:"images"`
	CreditsUsed   int64         `json:"credits_used"`
	Error         string        `json:"error,omitempty"`
	CreatedAt     time.Time     `json:"created_at"`
	FinishedAt    *time.Time    `json:"finished_at,omitempty"`
}

// UsageLog is the charge for one operation: credits, the credit-priced cost
// and what the provider cost us, in micro-dollars.
type UsageLog struct {
	ID            string        `json:"id"`
	OperationID   string        `json:"operation_id"`
	SiteID        string        `json:"site_id"`
	OperationType OperationType `json:"operation_type"`
	CreditsUsed   int64         `json:"credits_used"`
	// OverrunCredits is what the work cost beyond its hold (the estimate the
	// account agreed to): not charged, our loss.
	OverrunCredits int64 `json:"overrun_credits,omitempty"`
	CostMicroUSD   int64 `json:"cost_micro_usd"`
	// ProviderCostMicroUSD is what the provider charged us: admin views only.
	ProviderCostMicroUSD int64       `json:"provider_cost_micro_usd,omitempty"`
	Provider             string      `json:"provider"`
	Model                string      `json:"model"`
	Tier                 QualityTier `json:"quality_tier"`
	InputTokens          int64       `json:"input_tokens"`
	OutputTokens         int64       `json:"output_tokens"`
	Images               int64       `json:"images"`
	HoldID               string      `json:"hold_id"`
	CreatedAt            time.Time   `json:"created_at"`
}

// Severity of a notification.
type Severity string

const (
	SeverityInfo    Severity = "info"
	SeveritySuccess Severity = "success"
	SeverityWarning Severity = "warning"
	SeverityError   Severity = "error"
)

// Notification is an account-wide message.
type Notification struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Title       string    `json:"title"`
	Message     string    `json:"message"`
	Severity    Severity  `json:"severity"`
	Read        bool      `json:"read"`
	SiteID      string    `json:"site_id,omitempty"`
	OperationID string    `json:"operation_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Notification outcomes: the suffix of a notification type.
const (
	NoteSuccess = "success"
	NotePartial = "partial"
	NoteFailed  = "failed"
)

// notificationPrefixes name each operation's notifications after the AI
// function it runs, as the original product does (ai_image_success,
// ai_image_failed, …).
var notificationPrefixes = map[OperationType]string{
	OperationClustering:        "ai_cluster",
	OperationIdeaGeneration:    "ai_ideas",
	OperationContentGeneration: "ai_content",
	OperationImagePrompts:      "ai_image_prompts",
	OperationImageGeneration:   "ai_image",
	OperationCreateTasks:       "tasks",
}

// NotificationType is the type of the notification that reports an
// operation of type t ending with outcome (NoteSuccess, NotePartial,
// NoteFailed): e.g. "ai_image_failed".
func NotificationType(t OperationType, outcome string) string {
	p, ok := notificationPrefixes[t]
	if !ok {
		p = string(t)
	}
	return p + "_" + outcome
}

// OperationNotificationTypes lists every type NotificationType returns for
// the operations (the API documents them).
func OperationNotificationTypes() []string {
	var out []string
	for _, t := range []OperationType{OperationClustering, OperationIdeaGeneration, OperationCreateTasks,
		OperationContentGeneration, OperationImagePrompts, OperationImageGeneration} {
		for _, o := range []string{NoteSuccess, NotePartial, NoteFailed} {
			out = append(out, NotificationType(t, o))
		}
	}
	return out
}
