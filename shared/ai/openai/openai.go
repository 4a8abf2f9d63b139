// Package openai is the OpenAI adapter of the ai provider layer, built on the
// official SDK (github.com/openai/openai-go/v3): text through Chat
// Completions, images through the Images API. NewCompatible points the same
// code at any OpenAI-compatible server (Ollama, vLLM, LM Studio).
//
// The SDK's own retries are off (WithMaxRetries(0)): retrying belongs to
// Step Functions, which acts on the classified error (ai.Error).
package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	oa "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// DefaultBaseURL is OpenAI's API.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultCompatibleBaseURL is Ollama's OpenAI-compatible endpoint, the
// default of NewCompatible.
const DefaultCompatibleBaseURL = "http://localhost:11434/v1"

// Options tune a Provider. The zero value is ready to use.
type Options struct {
	// Timeout bounds each HTTP attempt (0: only ctx and the http.Client).
	Timeout time.Duration
	// Organization and Project set the OpenAI-Organization / OpenAI-Project
	// headers when not empty.
	Organization string
	Project      string
}

// Provider implements ai.TextProvider and ai.ImageProvider.
type Provider struct {
	name   string
	apiKey string
	hc     *http.Client
	compat bool
	chat   oa.ChatCompletionService
	images oa.ImageService
}

var (
	_ ai.TextProvider  = (*Provider)(nil)
	_ ai.ImageProvider = (*Provider)(nil)
)

// New returns the OpenAI provider ("openai"). baseURL "" means
// DefaultBaseURL; hc nil means http.DefaultClient.
func New(apiKey, baseURL string, hc *http.Client, opts Options) *Provider {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	return newProvider(ai.ProviderOpenAI, apiKey, baseURL, hc, opts, false)
}

// NewCompatible returns a provider ("openai_compatible") for an
// OpenAI-compatible server such as Ollama (http://localhost:11434/v1), vLLM
// (http://host:8000/v1) or LM Studio (http://localhost:1234/v1). apiKey may
// be empty: then no Authorization header is sent. baseURL "" means
// DefaultCompatibleBaseURL. The request differs from OpenAI's in one way:
// the output limit is sent as max_tokens, which these servers all read,
// instead of OpenAI's newer max_completion_tokens.
func NewCompatible(apiKey, baseURL string, hc *http.Client, opts Options) *Provider {
	if baseURL == "" {
		baseURL = DefaultCompatibleBaseURL
	}
	return newProvider(ai.ProviderOpenAICompatible, apiKey, baseURL, hc, opts, true)
}

func newProvider(name, apiKey, baseURL string, hc *http.Client, opts Options, compat bool) *Provider {
	if hc == nil {
		hc = http.DefaultClient
	}
	// The services are built directly (not via oa.NewClient) so nothing is
	// read from the environment: an OPENAI_API_KEY set on the machine must
	// never be sent to a compatible server, nor override the configured key.
	o := []option.RequestOption{
		option.WithEnvironmentProduction(),
		option.WithBaseURL(baseURL),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	if apiKey != "" {
		o = append(o, option.WithAPIKey(apiKey))
	}
	if opts.Timeout > 0 {
		o = append(o, option.WithRequestTimeout(opts.Timeout))
	}
	if opts.Organization != "" {
		o = append(o, option.WithOrganization(opts.Organization))
	}
	if opts.Project != "" {
		o = append(o, option.WithProject(opts.Project))
	}
	return &Provider{
		name: name, apiKey: apiKey, hc: hc, compat: compat,
		chat:   oa.NewChatCompletionService(o...),
		images: oa.NewImageService(o...),
	}
}

// Name is the provider name recorded on results: "openai" or "openai_compatible".
func (p *Provider) Name() string { return p.name }

// Complete runs one chat completion: an optional system message and the
// prompt as the user message; JSON mode sends response_format json_object.
func (p *Provider) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	params := oa.ChatCompletionNewParams{Model: shared.ChatModel(req.Model)}
	if req.System != "" {
		params.Messages = append(params.Messages, oa.SystemMessage(req.System))
	}
	params.Messages = append(params.Messages, oa.UserMessage(req.Prompt))
	if req.MaxTokens > 0 {
		if p.compat {
			params.MaxTokens = oa.Int(int64(req.MaxTokens))
		} else {
			params.MaxCompletionTokens = oa.Int(int64(req.MaxTokens))
		}
	}
	if req.JSON {
		params.ResponseFormat = oa.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}}
	}
	var cap ai.Capture
	resp, err := p.chat.New(ctx, params, option.WithMiddleware(cap.Middleware))
	if err != nil {
		return ai.TextResult{}, p.classify(err, &cap)
	}
	res := ai.TextResult{
		Provider:     p.name,
		Model:        req.Model,
		InputTokens:  resp.Usage.PromptTokens,
		OutputTokens: resp.Usage.CompletionTokens,
	}
	if res.Model == "" {
		res.Model = resp.Model
	}
	if len(resp.Choices) == 0 {
		return res, &ai.Error{Kind: ai.Malformed, Provider: p.name, Status: cap.Status(), Message: "the response has no choices", Err: ai.ErrEmpty, Result: &res}
	}
	ch := resp.Choices[0]
	res.Text = ch.Message.Content
	switch {
	case ch.Message.Refusal != "":
		return res, &ai.Error{Kind: ai.Refused, Provider: p.name, Status: cap.Status(), Code: "refusal",
			Message: "the model refused the request: " + p.redact(ch.Message.Refusal), Result: &res}
	case ch.FinishReason == "content_filter":
		return res, &ai.Error{Kind: ai.Refused, Provider: p.name, Status: cap.Status(), Code: "content_filter",
			Message: "the answer was withheld by the provider's content filter", Result: &res}
	case ch.FinishReason == "length":
		return res, ai.Truncated(res, req.MaxTokens)
	}
	return ai.CheckText(req, res)
}

// Generate creates one image. gpt-image models return base64 (b64_json);
// DALL·E models are asked for b64_json too, and a url answer (which some
// compatible servers give) is downloaded, so the result is always bytes.
// The size is the closest one the model supports (see Size).
func (p *Provider) Generate(ctx context.Context, req ai.ImageRequest) (ai.ImageResult, error) {
	model := req.Model
	if model == "" {
		model = "gpt-image-1"
	}
	params := oa.ImageGenerateParams{
		Prompt: req.Prompt,
		Model:  oa.ImageModel(model),
		N:      oa.Int(1),
		Size:   oa.ImageGenerateParamsSize(Size(model, req.Width, req.Height)),
	}
	if strings.HasPrefix(model, "dall-e") {
		params.ResponseFormat = oa.ImageGenerateParamsResponseFormatB64JSON
	}
	var cap ai.Capture
	resp, err := p.images.Generate(ctx, params, option.WithMiddleware(cap.Middleware))
	if err != nil {
		return ai.ImageResult{}, p.classify(err, &cap)
	}
	if len(resp.Data) == 0 {
		return ai.ImageResult{}, &ai.Error{Kind: ai.Transient, Provider: p.name, Status: cap.Status(), Message: "the response has no image", Err: ai.ErrEmpty}
	}
	img := resp.Data[0]
	out := ai.ImageResult{Provider: p.name, Model: model}
	switch {
	case img.B64JSON != "":
		data, ct, err := ai.DecodeImage(p.name, cap.Status(), img.B64JSON)
		if err != nil {
			return ai.ImageResult{}, err
		}
		out.Data, out.ContentType = data, ct
	case img.URL != "":
		data, ct, err := ai.FetchImage(ctx, p.hc, p.name, img.URL)
		if err != nil {
			return ai.ImageResult{}, err
		}
		out.Data, out.ContentType = data, ct
	default:
		return ai.ImageResult{}, &ai.Error{Kind: ai.Transient, Provider: p.name, Status: cap.Status(), Message: "the response has neither b64_json nor url", Err: ai.ErrEmpty}
	}
	return out, nil
}

// Size maps a requested width×height to a size the model accepts: for
// gpt-image-1 / gpt-image-1-mini 1024x1024, 1536x1024 or 1024x1536; for
// dall-e-3 1024x1024, 1792x1024 or 1024x1792 (by orientation); for dall-e-2
// the smallest square of 256/512/1024 that covers the request; other models
// (gpt-image-2 and compatible servers accept arbitrary sizes) get
// WIDTHxHEIGHT rounded to multiples of 16. 0×0 means 1024x1024.
func Size(model string, w, h int) string {
	if w <= 0 && h <= 0 {
		return "1024x1024"
	}
	if w <= 0 {
		w = h
	}
	if h <= 0 {
		h = w
	}
	orient := func(square, landscape, portrait string) string {
		switch {
		case w*4 > h*5: // wider than 5:4
			return landscape
		case h*4 > w*5:
			return portrait
		default:
			return square
		}
	}
	switch {
	case model == "gpt-image-1" || model == "gpt-image-1-mini" || strings.HasPrefix(model, "gpt-image-1-") || strings.HasPrefix(model, "gpt-image-1."):
		return orient("1024x1024", "1536x1024", "1024x1536")
	case strings.HasPrefix(model, "dall-e-3"):
		return orient("1024x1024", "1792x1024", "1024x1792")
	case strings.HasPrefix(model, "dall-e-2"):
		m := max(w, h)
		switch {
		case m <= 256:
			return "256x256"
		case m <= 512:
			return "512x512"
		default:
			return "1024x1024"
		}
	}
	r16 := func(v int) int { return max(16, (v+8)/16*16) }
	return fmt.Sprintf("%dx%d", r16(w), r16(h))
}

func (p *Provider) redact(s string) string { return ai.Redact(s, p.apiKey) }

// classify turns an SDK error into an *ai.Error.
func (p *Provider) classify(err error, cap *ai.Capture) *ai.Error {
	var apiErr *oa.Error
	if errors.As(err, &apiErr) {
		return p.fromAPIError(apiErr, err)
	}
	return cap.Unrecognized(p.name, err, p.apiKey)
}

func (p *Provider) fromAPIError(apiErr *oa.Error, cause error) *ai.Error {
	var header http.Header
	if apiErr.Response != nil {
		header = apiErr.Response.Header
	}
	code := apiErr.Code
	if code == "" {
		code = apiErr.Type
	}
	msg := p.redact(apiErr.Message)
	e := ai.FromStatus(p.name, apiErr.StatusCode, header, code, msg)
	e.Err = cause
	switch apiErr.Code {
	case "content_policy_violation", "moderation_blocked", "content_filter":
		e.Kind, e.RetryAfter = ai.Refused, 0
		e.Message = "the provider's safety system refused the request: " + msg
	case "insufficient_quota":
		// A 429 that is not a rate limit: the account has no quota left.
		e.Kind, e.RetryAfter = ai.Permanent, 0
		e.Message = "the OpenAI account has exceeded its quota: check the plan and billing: " + msg
	case "context_length_exceeded":
		e.Kind = ai.Permanent
	}
	return e
}
