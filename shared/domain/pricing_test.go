package domain

import (
	"errors"
	"testing"
)

func TestTextCredits(t *testing.T) {
	b := DefaultBilling()
	m := AIModelConfig{ModelID: "m", TokensPerCredit: 100}
	cases := []struct {
		op      string
		in, out int64
		want    int64
	}{
		{OpContentGeneration, 1000, 1500, 25},
		{OpContentGeneration, 1000, 1501, 26}, // rounded up
		{OpContentGeneration, 10, 10, 3},      // the operation's minimum
		{OpClustering, 0, 0, 2},
		{"unknown_op", 1, 0, 1},
		{"unknown_op", 0, 0, 0},
	}
	for _, tc := range cases {
		got, err := TextCredits(m, b, tc.op, tc.in, tc.out)
		if err != nil || got != tc.want {
			t.Errorf("%s %d+%d: got %d %v, want %d", tc.op, tc.in, tc.out, got, err, tc.want)
		}
	}
	if _, err := TextCredits(AIModelConfig{ModelID: "img"}, b, OpClustering, 1, 1); !errors.Is(err, ErrConflict) {
		t.Fatal("a model without tokens_per_credit must not price text")
	}
}

func TestImageCreditsAndCosts(t *testing.T) {
	m := AIModelConfig{CreditsPerImage: 4, ImageCostMicroUSD: 40_000}
	if c, _ := ImageCredits(m, 3); c != 12 {
		t.Fatalf("image credits %d", c)
	}
	if _, err := ImageCredits(AIModelConfig{}, 1); err == nil {
		t.Fatal("a model without credits_per_image must not price images")
	}
	if got := ImageProviderCostMicroUSD(m, 3); got != 120_000 {
		t.Fatalf("image provider cost %d", got)
	}
	b := BillingConfiguration{CreditPriceMicroUSD: 10_000}
	if got := CreditCostMicroUSD(b, 25); got != 250_000 {
		t.Fatalf("credit cost %d", got)
	}
	text := AIModelConfig{InputCostPer1KMicroUSD: 150, OutputCostPer1KMicroUSD: 600}
	// 1234 in × 0.15 µ$/token + 567 out × 0.6 µ$/token = 185.1 + 340.2 = 525.3 → 526
	if got := TextProviderCostMicroUSD(text, 1234, 567); got != 526 {
		t.Fatalf("text provider cost %d", got)
	}
	for micro, want := range map[int64]string{10_000: "$0.0100", 1_250_000: "$1.2500", 0: "$0.0000", -500: "-$0.0005"} {
		if got := FormatMicroUSD(micro); got != want {
			t.Errorf("FormatMicroUSD(%d) = %s, want %s", micro, got, want)
		}
	}
	if got := CostFormula(b); got != "Cost = Credits Used × Credit Price ($0.0100 per credit)" {
		t.Fatalf("formula %q", got)
	}
}
