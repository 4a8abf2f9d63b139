// Package ai is the provider layer of IGNY8's AI operations: the request and
// result types every text and image provider speaks, the error
// classification Step Functions acts on, the JSON contract of the four
// text operations, and what the adapters share (Capture, FetchImage,
// DecodeImage). It imports no vendor SDK: the adapters live in the
// subpackages openai, anthropic, runware and offline; aitest fakes a
// vendor's API for their tests.
package ai

import (
	"context"
	"encoding/json"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// The text operations a TextRequest can carry (Operation). The offline
// provider answers each with the JSON a real model is asked for; see
// contract.go for the shapes.
const (
	OpClustering        = domain.OpClustering
	OpIdeaGeneration    = domain.OpIdeaGeneration
	OpContentGeneration = domain.OpContentGeneration
	OpImagePrompts      = domain.OpImagePrompts
)

// Provider names, as recorded on every usage log and AI task log.
const (
	ProviderOffline          = "offline"
	ProviderOpenAI           = "openai"
	ProviderOpenAICompatible = "openai_compatible"
	ProviderAnthropic        = "anthropic"
	ProviderRunware          = "runware"
)

// Setup says when a provider is configured: the environment variable that
// turns it on, and what it generates. The functions that only choose models
// read this table; shared/aiproviders builds the adapters from the same one.
type Setup struct {
	Name        string
	Env         string // non-empty: configured
	Text, Image bool
}

// Setups are the providers other than offline, which is always there.
var Setups = []Setup{
	{Name: ProviderOpenAI, Env: "OPENAI_API_KEY", Text: true, Image: true},
	{Name: ProviderOpenAICompatible, Env: "OPENAI_COMPATIBLE_BASE_URL", Text: true},
	{Name: ProviderAnthropic, Env: "ANTHROPIC_API_KEY", Text: true},
	{Name: ProviderRunware, Env: "RUNWARE_API_KEY", Image: true},
}

// TextRequest is one text-generation call. Prompt/System are what a real
// model gets. Operation and Data carry the structured input the prompt was
// built from, so the offline provider can produce the same JSON a model would.
type TextRequest struct {
	Model     string // vendor model id, e.g. "gpt-4o-mini"
	System    string
	Prompt    string
	MaxTokens int             // 0: the adapter's default (Anthropic requires one: 4096)
	JSON      bool            // the answer must be one JSON object (the vendor's JSON mode where it exists)
	Operation string          // OpClustering | OpIdeaGeneration | OpContentGeneration | OpImagePrompts
	Data      json.RawMessage // the operation's structured input (contract.go)
}

// TextResult is a completed text call. When the request asked for JSON, Text
// is exactly one JSON object (code fences and surrounding prose removed).
// Model is the model id that was requested (the registry id the call is
// priced by); the vendor's dated snapshot name is not kept.
type TextResult struct {
	Text         string
	InputTokens  int64
	OutputTokens int64
	Provider     string
	Model        string
}

// TextProvider generates text. Errors are *Error (use Classify on anything).
type TextProvider interface {
	Complete(ctx context.Context, req TextRequest) (TextResult, error)
}

// ImageRequest asks for one image. Width/Height 0 mean the provider's default
// (1024×1024). Providers with fixed size menus pick the closest one.
type ImageRequest struct {
	Model  string
	Prompt string
	Width  int
	Height int
}

// ImageResult is a generated image: the bytes, never a remote URL (the
// publisher uploads bytes; vendor URLs expire). CostMicroUSD is the cost the
// vendor reported for the call, 0 when it reports none.
type ImageResult struct {
	Data         []byte
	ContentType  string
	Provider     string
	Model        string
	CostMicroUSD int64
}

// ImageProvider generates images. Errors are *Error (use Classify on anything).
type ImageProvider interface {
	Generate(ctx context.Context, req ImageRequest) (ImageResult, error)
}
