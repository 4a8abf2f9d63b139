// Package anthropic is the Anthropic adapter of the ai provider layer, built
// on the official SDK (github.com/anthropics/anthropic-sdk-go): text through
// the Messages API.
//
// The SDK's own retries are off (WithMaxRetries(0)): retrying belongs to
// Step Functions, which acts on the classified error (ai.Error). Nothing is
// read from the environment (WithoutEnvironmentDefaults).
package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// DefaultBaseURL is Anthropic's API.
const DefaultBaseURL = "https://api.anthropic.com"

// DefaultMaxTokens is sent when a request sets no MaxTokens: the Messages
// API requires one.
const DefaultMaxTokens = 4096

// jsonInstruction is appended to the system prompt in JSON mode: the
// Messages API has no json_object mode, so the model is told, and the answer
// is then checked (and unwrapped from a code fence) by ai.CheckText.
const jsonInstruction = "Respond with a single JSON object and nothing else: no prose before or after it, no code fences."

// Options tune a Provider. The zero value is ready to use.
type Options struct {
	// Timeout bounds each HTTP attempt (0: the SDK's default for
	// non-streaming calls, 10 minutes, within ctx and the http.Client).
	Timeout time.Duration
}

// Provider implements ai.TextProvider.
type Provider struct {
	apiKey string
	msgs   sdk.MessageService
}

var _ ai.TextProvider = (*Provider)(nil)

// New returns the Anthropic provider ("anthropic"). baseURL "" means
// DefaultBaseURL; hc nil means http.DefaultClient.
func New(apiKey, baseURL string, hc *http.Client, opts Options) *Provider {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	o := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithoutOpenTelemetry(),
		option.WithBaseURL(baseURL),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
		option.WithAPIKey(apiKey),
	}
	if opts.Timeout > 0 {
		o = append(o, option.WithRequestTimeout(opts.Timeout))
	}
	c := sdk.NewClient(o...)
	return &Provider{apiKey: apiKey, msgs: c.Messages}
}

// Name is the provider name recorded on results: "anthropic".
func (p *Provider) Name() string { return ai.ProviderAnthropic }

// Complete sends one Messages API call: the system prompt (plus the JSON
// instruction in JSON mode) and the prompt as the single user turn.
func (p *Provider) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	maxTokens := req.MaxTokens
	if maxTokens <= 0 {
		maxTokens = DefaultMaxTokens
	}
	params := sdk.MessageNewParams{
		Model:     sdk.Model(req.Model),
		MaxTokens: int64(maxTokens),
		Messages:  []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock(req.Prompt))},
	}
	system := req.System
	if req.JSON {
		system = strings.TrimSpace(system + "\n\n" + jsonInstruction)
	}
	if system != "" {
		params.System = []sdk.TextBlockParam{{Text: system}}
	}
	var cap ai.Capture
	msg, err := p.msgs.New(ctx, params, option.WithMiddleware(cap.Middleware))
	if err != nil {
		return ai.TextResult{}, p.classify(err, &cap)
	}
	res := ai.TextResult{
		Provider:     ai.ProviderAnthropic,
		Model:        req.Model,
		InputTokens:  msg.Usage.InputTokens + msg.Usage.CacheCreationInputTokens + msg.Usage.CacheReadInputTokens,
		OutputTokens: msg.Usage.OutputTokens,
	}
	if res.Model == "" {
		res.Model = string(msg.Model)
	}
	var text strings.Builder
	for _, b := range msg.Content {
		if b.Type == "text" {
			text.WriteString(b.Text)
		}
	}
	res.Text = text.String()
	switch msg.StopReason {
	case sdk.StopReasonRefusal:
		m := "the model refused the request"
		if d := msg.StopDetails.Explanation; d != "" {
			m += ": " + ai.Redact(d, p.apiKey)
		}
		code := "refusal"
		if c := string(msg.StopDetails.Category); c != "" {
			code += ":" + c
		}
		return res, &ai.Error{Kind: ai.Refused, Provider: ai.ProviderAnthropic, Status: cap.Status(), Code: code, Message: m, Result: &res}
	case sdk.StopReasonMaxTokens:
		return res, ai.Truncated(res, maxTokens)
	case sdk.StopReasonModelContextWindowExceeded:
		e := ai.Truncated(res, maxTokens)
		e.Message = "the answer was cut off at the model's context window: shorten the prompt"
		return res, e
	}
	return ai.CheckText(req, res)
}

// errorBody is Anthropic's error envelope:
// {"type":"error","error":{"type":"rate_limit_error","message":"..."},"request_id":"req_..."}.
type errorBody struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func (p *Provider) classify(err error, cap *ai.Capture) *ai.Error {
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		var body errorBody
		_ = json.Unmarshal([]byte(apiErr.RawJSON()), &body)
		_, header := cap.Last()
		if apiErr.Response != nil {
			header = apiErr.Response.Header
		}
		code := body.Error.Type
		if code == "" {
			code = string(apiErr.Type())
		}
		e := ai.FromStatus(ai.ProviderAnthropic, apiErr.StatusCode, header, code, ai.Redact(body.Error.Message, p.apiKey))
		e.Err = err
		switch code {
		case "overloaded_error", "api_error", "timeout_error":
			e.Kind = ai.Transient
		case "rate_limit_error":
			e.Kind = ai.RateLimited
			e.RetryAfter = ai.ParseRetryAfter(header, time.Now())
		case "billing_error":
			e.Kind, e.RetryAfter = ai.Permanent, 0
			e.Message = "the Anthropic account cannot be billed: check the plan and credit balance: " + ai.Redact(body.Error.Message, p.apiKey)
		}
		return e
	}
	return cap.Unrecognized(ai.ProviderAnthropic, err, p.apiKey)
}
