package domain

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
// offline models need no key and are the defaults until a provider key is
// configured. Costs are USD micro-dollars per 1k tokens (or per image).
func DefaultModels() []AIModelConfig {
	return []AIModelConfig{
		{ModelID: "offline-text-1", Provider: "offline", Type: "text", TokensPerCredit: 100, QualityTier: TierBasic, IsDefault: true},
		{ModelID: "gpt-4o-mini", Provider: "openai", Type: "text", InputCostPer1KMicroUSD: 150, OutputCostPer1KMicroUSD: 600, TokensPerCredit: 100, QualityTier: TierBasic},
		{ModelID: "gpt-4.1", Provider: "openai", Type: "text", InputCostPer1KMicroUSD: 2_000, OutputCostPer1KMicroUSD: 8_000, TokensPerCredit: 50, QualityTier: TierQuality},
		{ModelID: "claude-sonnet-4-5", Provider: "anthropic", Type: "text", InputCostPer1KMicroUSD: 3_000, OutputCostPer1KMicroUSD: 15_000, TokensPerCredit: 30, QualityTier: TierPremium},
		{ModelID: "offline-image-1", Provider: "offline", Type: "image", CreditsPerImage: 1, QualityTier: TierBasic, IsDefault: true},
		{ModelID: "runware:101@1", Provider: "runware", Type: "image", ImageCostMicroUSD: 4_000, CreditsPerImage: 1, QualityTier: TierBasic},
		{ModelID: "gpt-image-1", Provider: "openai", Type: "image", ImageCostMicroUSD: 40_000, CreditsPerImage: 4, QualityTier: TierPremium},
	}
}
