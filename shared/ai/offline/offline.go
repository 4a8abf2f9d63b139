// Package offline is the provider that needs no key: the default when no
// vendor key is configured, so the whole pipeline runs on a laptop with no
// account anywhere. It is deterministic (the same request always gives the
// same answer: no randomness, no clock), fast, and realistic: it answers each
// text operation with the JSON a real model is asked for (ai/contract.go),
// built by real algorithms (TF-IDF clustering, template prose sized to the
// requested word count), and draws real PNG images.
package offline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// Model ids of the offline provider.
const (
	TextModel  = "offline-text-1"
	ImageModel = "offline-image-1"
)

// Provider implements ai.TextProvider and ai.ImageProvider.
type Provider struct {
	latency time.Duration
	fail    func(req any) error
}

var (
	_ ai.TextProvider  = (*Provider)(nil)
	_ ai.ImageProvider = (*Provider)(nil)
)

// Option configures a Provider.
type Option func(*Provider)

// WithLatency makes every call wait d first (honouring ctx), to simulate a
// vendor's response time in benchmarks and load tests.
func WithLatency(d time.Duration) Option { return func(p *Provider) { p.latency = d } }

// WithFailures lets a test inject failures: f sees each request (an
// ai.TextRequest or an ai.ImageRequest) before it is answered, and a non-nil
// error is returned instead of the answer (classified with ai.Classify
// unless it already is an *ai.Error).
func WithFailures(f func(req any) error) Option { return func(p *Provider) { p.fail = f } }

// New returns the offline provider.
func New(opts ...Option) *Provider {
	p := &Provider{}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Name is the provider name recorded on results: "offline".
func (p *Provider) Name() string { return ai.ProviderOffline }

func (p *Provider) before(ctx context.Context, req any) error {
	if p.latency > 0 {
		t := time.NewTimer(p.latency)
		defer t.Stop()
		select {
		case <-ctx.Done():
			e := ai.Classify(ctx.Err())
			e.Provider = ai.ProviderOffline
			return e
		case <-t.C:
		}
	} else if err := ctx.Err(); err != nil {
		e := ai.Classify(err)
		e.Provider = ai.ProviderOffline
		return e
	}
	if p.fail != nil {
		if err := p.fail(req); err != nil {
			e := ai.Classify(err)
			if e.Provider == "" {
				e.Provider = ai.ProviderOffline
			}
			return e
		}
	}
	return nil
}

// Complete answers by req.Operation from req.Data with the contract JSON
// (ai/contract.go). With no Operation it returns a short deterministic
// answer to the prompt ({"text": …} in JSON mode). Invalid Data or an
// unknown operation is a Permanent error.
func (p *Provider) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	if err := p.before(ctx, req); err != nil {
		return ai.TextResult{}, err
	}
	var answer any
	var err error
	switch req.Operation {
	case ai.OpClustering:
		var in ai.ClusteringInput
		if err = decode(req.Data, &in); err == nil {
			answer = cluster(in)
		}
	case ai.OpIdeaGeneration:
		var in ai.IdeaInput
		if err = decode(req.Data, &in); err == nil {
			answer = ideas(in)
		}
	case ai.OpContentGeneration:
		var in ai.ContentInput
		if err = decode(req.Data, &in); err == nil {
			answer = article(in)
		}
	case ai.OpImagePrompts:
		var in ai.ImagePromptsInput
		if err = decode(req.Data, &in); err == nil {
			answer = imagePrompts(in)
		}
	case "":
		text := "Offline answer: " + truncateWords(strings.Join(strings.Fields(req.Prompt), " "), 200)
		if req.JSON {
			answer = map[string]string{"text": text}
		} else {
			return p.result(req, text), nil
		}
	default:
		return ai.TextResult{}, &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderOffline,
			Message: fmt.Sprintf("the offline provider does not know the operation %q", req.Operation)}
	}
	if err != nil {
		return ai.TextResult{}, &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderOffline,
			Message: fmt.Sprintf("invalid data for %s: %v", req.Operation, err), Err: err}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // a model writes "<h2>", not "\u003ch2\u003e"
	if err := enc.Encode(answer); err != nil {
		return ai.TextResult{}, &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderOffline, Message: "encoding the answer", Err: err}
	}
	return p.result(req, strings.TrimSpace(buf.String())), nil
}

func (p *Provider) result(req ai.TextRequest, text string) ai.TextResult {
	in := req.System + req.Prompt
	if in == "" {
		in = string(req.Data)
	}
	model := req.Model
	if model == "" {
		model = TextModel
	}
	return ai.TextResult{Text: text, InputTokens: estimateTokens(in), OutputTokens: estimateTokens(text), Provider: ai.ProviderOffline, Model: model}
}

func decode(data json.RawMessage, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("no data")
	}
	return json.Unmarshal(data, v)
}

// Generate draws a PNG of exactly Width×Height (0 → 1024, capped at 2048 a
// side): a diagonal gradient with soft shapes, colours and layout derived
// from a hash of the prompt.
func (p *Provider) Generate(ctx context.Context, req ai.ImageRequest) (ai.ImageResult, error) {
	if err := p.before(ctx, req); err != nil {
		return ai.ImageResult{}, err
	}
	data, err := drawPNG(req.Prompt, side(req.Width), side(req.Height))
	if err != nil {
		return ai.ImageResult{}, &ai.Error{Kind: ai.Permanent, Provider: ai.ProviderOffline, Message: "encoding the image", Err: err}
	}
	model := req.Model
	if model == "" {
		model = ImageModel
	}
	return ai.ImageResult{Data: data, ContentType: "image/png", Provider: ai.ProviderOffline, Model: model}, nil
}

// MaxSide caps the offline image's width and height.
const MaxSide = 2048

func side(v int) int {
	if v <= 0 {
		return 1024
	}
	return min(v, MaxSide)
}
