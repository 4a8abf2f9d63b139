package domain

import (
	"slices"
	"strings"
)

// Operation types that are charged.
const (
	OpClustering        = "clustering"
	OpIdeaGeneration    = "idea_generation"
	OpContentGeneration = "content_generation"
	OpImagePrompts      = "image_prompts"
	OpImageGeneration   = "image_generation"
)

// DefaultBilling: 1 credit = $0.01 (the original product's docs disagree
// between $0.01 and $0.10, so it is configurable), with the original's
// per-operation minimums.
func DefaultBilling() BillingConfiguration {
	return BillingConfiguration{
		CreditPriceMicroUSD: 10_000,
		MinimumCredits: map[string]int64{
			OpClustering: 2, OpIdeaGeneration: 1, OpContentGeneration: 3, OpImagePrompts: 1, OpImageGeneration: 1,
		},
	}
}

// DefaultModels is the model registry a new installation starts with. The
// vendor models are the defaults; when a default's provider has no key
// configured, operations fall back to the offline model of the same type,
// which needs no key (and every record says so). Costs are USD micro-dollars
// per 1k tokens (or per image).
func DefaultModels() []AIModelConfig {
	return []AIModelConfig{
		{ModelID: "offline-text-1", Provider: "offline", Type: "text", TokensPerCredit: 100, QualityTier: TierBasic},
		{ModelID: "gpt-4o-mini", Provider: "openai", Type: "text", InputCostPer1KMicroUSD: 150, OutputCostPer1KMicroUSD: 600, TokensPerCredit: 100, QualityTier: TierBasic, IsDefault: true},
		{ModelID: "gpt-4.1", Provider: "openai", Type: "text", InputCostPer1KMicroUSD: 2_000, OutputCostPer1KMicroUSD: 8_000, TokensPerCredit: 50, QualityTier: TierQuality},
		{ModelID: "claude-sonnet-4-5", Provider: "anthropic", Type: "text", InputCostPer1KMicroUSD: 3_000, OutputCostPer1KMicroUSD: 15_000, TokensPerCredit: 30, QualityTier: TierPremium},
		{ModelID: "offline-image-1", Provider: "offline", Type: "image", CreditsPerImage: 1, QualityTier: TierBasic},
		{ModelID: "runware:101@1", Provider: "runware", Type: "image", ImageCostMicroUSD: 4_000, CreditsPerImage: 1, QualityTier: TierBasic, IsDefault: true},
		{ModelID: "runware:100@1", Provider: "runware", Type: "image", ImageCostMicroUSD: 10_000, CreditsPerImage: 2, QualityTier: TierQuality},
		{ModelID: "gpt-image-1", Provider: "openai", Type: "image", ImageCostMicroUSD: 40_000, CreditsPerImage: 4, QualityTier: TierPremium},
	}
}

// Model types.
const (
	ModelText  ModelType = "text"
	ModelImage ModelType = "image"
)

// QualityTiers lists the tiers.
var QualityTiers = []QualityTier{TierBasic, TierQuality, TierPremium}

// Providers lists the provider names a model may name.
var Providers = []string{"offline", "openai", "openai_compatible", "anthropic", "runware"}

// Validate checks an admin's model configuration.
func (m AIModelConfig) Validate() error {
	switch {
	case m.ModelID == "" || len(m.ModelID) > 200:
		return Invalid("model_id", "is required (at most 200 characters)")
	case !slices.Contains(Providers, m.Provider):
		return Invalid("provider", "must be one of %s", strings.Join(Providers, ", "))
	case m.Type != ModelText && m.Type != ModelImage:
		return Invalid("type", "must be text or image")
	case !slices.Contains(QualityTiers, m.QualityTier):
		return Invalid("quality_tier", "must be basic, quality or premium")
	case m.InputCostPer1KMicroUSD < 0 || m.OutputCostPer1KMicroUSD < 0 || m.ImageCostMicroUSD < 0:
		return Invalid("cost", "costs must not be negative")
	case m.Type == ModelText && m.TokensPerCredit <= 0:
		return Invalid("tokens_per_credit", "a text model needs tokens_per_credit > 0")
	case m.Type == ModelImage && m.CreditsPerImage <= 0:
		return Invalid("credits_per_image", "an image model needs credits_per_image > 0")
	}
	return nil
}

// Validate checks a billing configuration.
func (b BillingConfiguration) Validate() error {
	if b.MinimumCredits == nil {
		return Invalid("minimum_credits", "is required (an object of operation type → credits; {} for none)")
	}
	if b.CreditPriceMicroUSD <= 0 {
		return Invalid("credit_price_micro_usd", "must be more than 0")
	}
	for op, n := range b.MinimumCredits {
		if n < 0 {
			return Invalid("minimum_credits."+op, "must not be negative")
		}
	}
	return nil
}

// TierLabel is what users see instead of a vendor model name.
func TierLabel(brand string, t QualityTier) string {
	if t == "" {
		t = TierBasic
	}
	return brand + " " + strings.ToUpper(string(t[:1])) + string(t[1:])
}
