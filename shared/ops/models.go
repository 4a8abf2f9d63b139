package ops

import (
	"context"
	"fmt"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// Providers are the configured provider adapters by provider name. The
// offline provider is always there.
type Providers struct {
	Text  map[string]ai.TextProvider
	Image map[string]ai.ImageProvider
}

// ProviderNames says which providers can serve a model type: all that
// choosing a model needs (the functions that never call a provider do not
// link the provider SDKs).
type ProviderNames interface {
	HasProvider(t domain.ModelType, name string) bool
}

// HasProvider reports an adapter for the provider.
func (p Providers) HasProvider(t domain.ModelType, name string) bool {
	if t == domain.ModelImage {
		_, ok := p.Image[name]
		return ok
	}
	_, ok := p.Text[name]
	return ok
}

// Configured are the providers whose credentials getenv has (see
// ai.Setups), and offline.
type Configured func(string) string

// HasProvider reports a provider that is configured.
func (getenv Configured) HasProvider(t domain.ModelType, name string) bool {
	if name == ai.ProviderOffline {
		return true
	}
	for _, s := range ai.Setups {
		if s.Name == name && getenv(s.Env) != "" {
			return (t == domain.ModelImage && s.Image) || (t != domain.ModelImage && s.Text)
		}
	}
	return false
}

// modelLister is the part of the store that lists the model registry.
type modelLister interface {
	ListModels(ctx context.Context) ([]domain.AIModelConfig, error)
}

// ResolveModel picks the model an operation uses: of the type and (if given)
// the tier, the default one first, among those whose provider is
// configured. Without a tier, when none is, the offline model of that type.
// A tier that was asked for is never swapped for another: when no model of
// it can run (no provider key for it), it is a conflict naming the tier, so
// the user is never charged for something else than what they chose. The
// choice is made when the operation starts, so its estimate and its charge
// use the same model.
func ResolveModel(ctx context.Context, models modelLister, p ProviderNames, t domain.ModelType, tier domain.QualityTier) (domain.AIModelConfig, error) {
	all, err := models.ListModels(ctx)
	if err != nil {
		return domain.AIModelConfig{}, err
	}
	var best, offline *domain.AIModelConfig
	for i := range all {
		m := &all[i]
		if m.Type != t || (tier != "" && m.QualityTier != tier) {
			continue
		}
		if m.Provider == ai.ProviderOffline {
			if offline == nil {
				offline = m
			}
			continue
		}
		if !p.HasProvider(m.Type, m.Provider) {
			continue
		}
		if best == nil || (m.IsDefault && !best.IsDefault) {
			best = m
		}
	}
	switch {
	case best != nil:
		return *best, nil
	case offline != nil:
		return *offline, nil
	case tier != "":
		return domain.AIModelConfig{}, &TierUnavailableError{Tier: tier, Type: t}
	}
	return domain.AIModelConfig{}, fmt.Errorf("no %s model is configured: %w", t, domain.ErrConflict)
}

// TierUnavailableError: no model of the tier asked for can run here (a 409
// naming the tier; Item.Conflict in a step).
type TierUnavailableError struct {
	Tier domain.QualityTier
	Type domain.ModelType
}

func (e *TierUnavailableError) Error() string {
	return fmt.Sprintf("quality tier %q is not available for %s generation: choose another tier", e.Tier, e.Type)
}

// Unwrap makes it a domain.ErrConflict.
func (e *TierUnavailableError) Unwrap() error { return domain.ErrConflict }
