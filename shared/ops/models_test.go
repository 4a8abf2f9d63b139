package ops

import (
	"context"
	"errors"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

type modelList []domain.AIModelConfig

func (m modelList) ListModels(context.Context) ([]domain.AIModelConfig, error) { return m, nil }

type providerKeys map[string]bool

func (k providerKeys) HasProvider(_ domain.ModelType, name string) bool {
	return name == "offline" || k[name]
}

// A tier asked for is that tier's model or a conflict naming it, never
// another tier's (the user pays for what they chose); without a tier the
// default model falls back to the offline one.
func TestResolveModelTiers(t *testing.T) {
	models := modelList(domain.DefaultModels())
	cases := []struct {
		name string
		keys providerKeys
		typ  domain.ModelType
		tier domain.QualityTier
		want string // model ID; "" means a TierUnavailableError
	}{
		{"no keys, no tier: offline", providerKeys{}, domain.ModelImage, "", "offline-image-1"},
		{"no keys, basic: offline basic", providerKeys{}, domain.ModelImage, domain.TierBasic, "offline-image-1"},
		{"no keys, premium: 409", providerKeys{}, domain.ModelImage, domain.TierPremium, ""},
		{"only openai, quality image: 409", providerKeys{"openai": true}, domain.ModelImage, domain.TierQuality, ""},
		{"openai, premium image: its model", providerKeys{"openai": true}, domain.ModelImage, domain.TierPremium, "gpt-image-1"},
		{"runware, quality image: its model", providerKeys{"runware": true}, domain.ModelImage, domain.TierQuality, "runware:100@1"},
		{"runware, no tier: the default", providerKeys{"runware": true, "openai": true}, domain.ModelImage, "", "runware:101@1"},
		{"openai, premium text: 409", providerKeys{"openai": true}, domain.ModelText, domain.TierPremium, ""},
		{"anthropic, premium text", providerKeys{"anthropic": true}, domain.ModelText, domain.TierPremium, "claude-sonnet-4-5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ResolveModel(context.Background(), models, tc.keys, tc.typ, tc.tier)
			if tc.want == "" {
				var te *TierUnavailableError
				if !errors.As(err, &te) || te.Tier != tc.tier || !errors.Is(err, domain.ErrConflict) {
					t.Fatalf("got %+v, %v; want a conflict naming %s", m, err, tc.tier)
				}
				return
			}
			if err != nil || m.ModelID != tc.want {
				t.Fatalf("got %s, %v; want %s", m.ModelID, err, tc.want)
			}
		})
	}
}

func TestRegenerationPrompt(t *testing.T) {
	cases := []struct{ original, custom, want string }{
		{"A trail runner at dawn.", "", "A trail runner at dawn."},
		{"A trail runner at dawn.", "  in watercolour ", "A trail runner at dawn. in watercolour"},
		{"A trail runner at dawn", "in watercolour", "A trail runner at dawn. in watercolour"},
		{"", "in watercolour", "in watercolour"},
	}
	for _, tc := range cases {
		if got := RegenerationPrompt(tc.original, tc.custom); got != tc.want {
			t.Errorf("RegenerationPrompt(%q, %q) = %q, want %q", tc.original, tc.custom, got, tc.want)
		}
	}
}
