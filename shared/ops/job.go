// Package ops runs the AI operations: the API starts them, and each step of
// their state machine (reserve → run → settle, or release on failure) is a
// handler here that a Lambda (or the local runtime) calls.
package ops

import (
	"encoding/json"
	"log/slog"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/logctx"
)

// Job is the input every step gets: IDs and the resolved model, never whole
// items (Step Functions payloads are limited to 256 KiB).
type Job struct {
	OperationID string               `json:"operation_id"`
	AccountID   string               `json:"account_id"`
	SiteID      string               `json:"site_id"`
	Type        domain.OperationType `json:"type"`
	ItemIDs     []string             `json:"item_ids"`
	ModelID     string               `json:"model_id,omitempty"`
	Estimate    int64                `json:"estimate"`
	// Key is the idempotency key of this unit of work: the operation (and,
	// in automation, the batch). Reserve, run and settle derive theirs from it.
	Key     string          `json:"key"`
	Options json.RawMessage `json:"options,omitempty"`
	// RunID and Stage are set when an automation run owns the job.
	RunID string `json:"run_id,omitempty"`
	Stage int    `json:"stage,omitempty"`
}

// Hold is the reserve step's output.
type Hold struct {
	HoldID string `json:"hold_id"`
	Amount int64  `json:"amount"`
	// Refused is set, and nothing held, when the account cannot cover the
	// estimate: an answer about the account, not a failure of the step,
	// so it is a result (it counts as no Lambda error) that the state
	// machines route to RecordFailure as they would a caught error.
	Refused *StepError `json:"refused,omitempty"`
}

// Result is the run step's output: what was made and what it used.
type Result struct {
	Provider     string             `json:"provider"`
	Model        string             `json:"model"`
	Tier         domain.QualityTier `json:"quality_tier"`
	InputTokens  int64              `json:"input_tokens"`
	OutputTokens int64              `json:"output_tokens"`
	Images       int64              `json:"images"`
	// ProviderCostMicroUSD is set when the provider reports its own price
	// (per image); otherwise settle computes it from the model's rates.
	ProviderCostMicroUSD int64    `json:"provider_cost_micro_usd,omitempty"`
	Results              []string `json:"result_ids"`
	Failed               []Failed `json:"failed,omitempty"`
}

// Failed is an input item the step could not process.
type Failed struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// StepError is the Catch output Step Functions adds: {"Error", "Cause"}.
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// State is the state machine's document that flows through the steps.
type State struct {
	Job    Job        `json:"job"`
	Hold   *Hold      `json:"hold,omitempty"`
	Result *Result    `json:"result,omitempty"`
	Error  *StepError `json:"error,omitempty"`
}

// LogIDs names the operation (or run batch) on every line its steps log.
func (s State) LogIDs() []slog.Attr {
	j := s.Job
	return logctx.IDs("account_id", j.AccountID, "site_id", j.SiteID, "operation_id", j.OperationID, "run_id", j.RunID, "step_key", j.Key)
}

// Settled is the settle step's output.
type Settled struct {
	EntryID string `json:"entry_id"`
	Credits int64  `json:"credits"`
}

// HoldTTL is how long a reservation lives before the sweeper voids it; far
// longer than any operation's retries.
const HoldTTL = 2 * time.Hour
