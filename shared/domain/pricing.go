package domain

import "fmt"

// Pricing is the one place where credits and dollars are computed. Every
// number is an integer: credits are whole, money is micro-dollars (1e-6 USD).

// TextCredits is what a text operation costs: ceil(tokens / tokens_per_credit),
// at least the operation's minimum.
func TextCredits(m AIModelConfig, b BillingConfiguration, op string, inputTokens, outputTokens int64) (int64, error) {
	if m.TokensPerCredit <= 0 {
		return 0, fmt.Errorf("model %s has no tokens_per_credit: %w", m.ModelID, ErrConflict)
	}
	tokens := max(inputTokens, 0) + max(outputTokens, 0)
	credits := ceilDiv(tokens, m.TokensPerCredit)
	return max(credits, b.MinimumCredits[op]), nil
}

// ImageCredits is what generating n images with an image model costs.
func ImageCredits(m AIModelConfig, n int64) (int64, error) {
	if m.CreditsPerImage <= 0 {
		return 0, fmt.Errorf("model %s has no credits_per_image: %w", m.ModelID, ErrConflict)
	}
	return n * m.CreditsPerImage, nil
}

// CreditCostMicroUSD is the credit-priced cost the user pays: credits × price.
func CreditCostMicroUSD(b BillingConfiguration, credits int64) int64 {
	return credits * b.CreditPriceMicroUSD
}

// TextProviderCostMicroUSD is what the provider charges us for the tokens,
// rounded up to the micro-dollar.
func TextProviderCostMicroUSD(m AIModelConfig, inputTokens, outputTokens int64) int64 {
	return ceilDiv(inputTokens*m.InputCostPer1KMicroUSD+outputTokens*m.OutputCostPer1KMicroUSD, 1000)
}

// ImageProviderCostMicroUSD is what the provider charges for n images.
func ImageProviderCostMicroUSD(m AIModelConfig, n int64) int64 { return n * m.ImageCostMicroUSD }

// FormatMicroUSD renders micro-dollars as dollars for people ("$0.0150").
func FormatMicroUSD(micro int64) string {
	sign := ""
	if micro < 0 {
		sign, micro = "-", -micro
	}
	return fmt.Sprintf("%s$%d.%04d", sign, micro/1_000_000, (micro%1_000_000)/100)
}

// CostFormula is the sentence usage views show next to the numbers.
func CostFormula(b BillingConfiguration) string {
	return fmt.Sprintf("Cost = Credits Used × Credit Price (%s per credit)", FormatMicroUSD(b.CreditPriceMicroUSD))
}
