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

// OperationStatus: queued → running → succeeded | failed.
type OperationStatus string

const (
	OperationQueued    OperationStatus = "queued"
	OperationRunning   OperationStatus = "running"
	OperationSucceeded OperationStatus = "succeeded"
	OperationFailed    OperationStatus = "failed"
)

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
	Error         *OperationError `json:"error,omitempty"`
	ExecutionID   string          `json:"execution_id,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
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
	TaskLogFailed    TaskLogStatus = "failed"
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
