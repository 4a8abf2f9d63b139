package aiproviders

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/netguard"
	"github.com/igny8/igny8-serverless/shared/ops"
)

// The adapters built and the names the model-choosing functions see agree
// for every provider, configured or not: one table (ai.Setups) drives both.
func TestAdaptersMatchConfiguredNames(t *testing.T) {
	for _, on := range []bool{false, true} {
		for _, s := range ai.Setups {
			if on {
				t.Setenv(s.Env, "http://127.0.0.1:1/key-or-url")
			} else {
				t.Setenv(s.Env, "")
			}
		}
		built := FromEnv(nil)
		names := ops.Configured(os.Getenv)
		for _, s := range append(ai.Setups, ai.Setup{Name: ai.ProviderOffline, Text: true, Image: true}) {
			for _, mt := range []domain.ModelType{domain.ModelText, domain.ModelImage} {
				if got, want := names.HasProvider(mt, s.Name), built.HasProvider(mt, s.Name); got != want {
					t.Errorf("configured=%v %s %s: names say %v, adapters %v", on, s.Name, mt, got, want)
				}
			}
		}
		if on && (!built.HasProvider(domain.ModelImage, ai.ProviderRunware) || built.HasProvider(domain.ModelImage, ai.ProviderAnthropic)) {
			t.Errorf("configured: wrong adapters %v %v", built.Text, built.Image)
		}
	}
}

// A custom base URL on loopback (a local Ollama) is refused by the guard
// until its host:port is allow-listed; refused, it sees no request.
func TestCustomBaseURLGoesThroughTheGuard(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusBadRequest)
	}))
	defer srv.Close()
	t.Setenv("OPENAI_COMPATIBLE_BASE_URL", srv.URL+"/v1")
	req := ai.TextRequest{Model: "llama3", Prompt: "hi"}

	_, err := FromEnv(nil).Text[ai.ProviderOpenAICompatible].Complete(context.Background(), req)
	if !errors.Is(err, netguard.ErrTargetNotAllowed) || hits.Load() != 0 {
		t.Fatalf("unlisted: got %v with %d requests, want ErrTargetNotAllowed and none", err, hits.Load())
	}
	p, err := netguard.NewPolicy(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = FromEnv(netguard.NewClient(p, netguard.Options{})).Text[ai.ProviderOpenAICompatible].Complete(context.Background(), req)
	if errors.Is(err, netguard.ErrTargetNotAllowed) || hits.Load() == 0 {
		t.Fatalf("allow-listed: got %v with %d requests", err, hits.Load())
	}
}
