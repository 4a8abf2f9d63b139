package aiproviders

import (
	"os"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/domain"
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
		built := FromEnv()
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
