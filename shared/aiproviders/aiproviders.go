// Package aiproviders builds the AI provider adapters from the environment.
// Only the functions that call a provider import it: the vendor SDKs are
// most of a Lambda's size and start-up time, and the rest do without them.
package aiproviders

import (
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/anthropic"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/ai/openai"
	"github.com/igny8/igny8-serverless/shared/ai/runware"
	"github.com/igny8/igny8-serverless/shared/netguard"
	"github.com/igny8/igny8-serverless/shared/ops"
)

// providerTimeout bounds one provider call; Step Functions retries after it.
const providerTimeout = 5 * time.Minute

// FromEnv builds an adapter for every provider ai.Setups finds configured
// (a key, or for an OpenAI-compatible server a base URL). The offline
// provider is always there: models fall back to it when theirs has no key.
// guarded is the outbound guard (shared/app's): base URLs and the image URLs
// providers answer with are user or vendor supplied, so a local server (an
// Ollama) is reached only when OUTBOUND_ALLOW_HOSTS names its host:port.
// nil: the guard allowing nothing internal.
func FromEnv(guarded *http.Client) ops.Providers {
	if guarded == nil {
		guarded = netguard.NewClient(netguard.Policy{}, netguard.Options{})
	}
	hc := new(http.Client)
	*hc = *guarded // the same guarded transport, with the providers' own timeout
	hc.Timeout = providerTimeout
	var opts []offline.Option
	// OFFLINE_LATENCY_MS slows the offline provider down to a vendor's pace
	// (a run you can watch, pause or kill in the middle); 0 or unset: none.
	if ms, err := strconv.Atoi(os.Getenv("OFFLINE_LATENCY_MS")); err == nil && ms > 0 {
		opts = append(opts, offline.WithLatency(time.Duration(ms)*time.Millisecond))
	}
	off := offline.New(opts...)
	p := ops.Providers{
		Text:  map[string]ai.TextProvider{ai.ProviderOffline: off},
		Image: map[string]ai.ImageProvider{ai.ProviderOffline: off},
	}
	for _, s := range ai.Setups {
		v := os.Getenv(s.Env)
		if v == "" {
			continue
		}
		switch s.Name {
		case ai.ProviderOpenAI:
			o := openai.New(v, os.Getenv("OPENAI_BASE_URL"), hc, openai.Options{})
			p.Text[s.Name], p.Image[s.Name] = o, o
		case ai.ProviderOpenAICompatible:
			p.Text[s.Name] = openai.NewCompatible(os.Getenv("OPENAI_COMPATIBLE_API_KEY"), v, hc, openai.Options{})
		case ai.ProviderAnthropic:
			p.Text[s.Name] = anthropic.New(v, os.Getenv("ANTHROPIC_BASE_URL"), hc, anthropic.Options{})
		case ai.ProviderRunware:
			p.Image[s.Name] = runware.New(v, os.Getenv("RUNWARE_BASE_URL"), hc, runware.Options{})
		}
	}
	return p
}
