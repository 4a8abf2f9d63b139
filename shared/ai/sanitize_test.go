package ai

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"refused error", (&Error{Kind: Refused, Provider: "openai", Code: "content_policy_violation", Message: "gpt-image-1 refused: see https://platform.openai.com/docs"}).Error(),
			kindTexts[NameRefused]},
		{"rate limited", (&Error{Kind: RateLimited, Provider: "anthropic", Status: 429, Message: "claude-sonnet-4-5 rate limit"}).Error(), kindTexts[NameRateLimited]},
		{"transient", (&Error{Kind: Transient, Provider: "runware", Status: 503, Message: "runware:101@1 unavailable"}).Error(), kindTexts[NameTransient]},
		{"permanent", (&Error{Kind: Permanent, Provider: "openai", Status: 401, Message: "the API key is missing, wrong or revoked: check the key configured for openai"}).Error(), kindTexts[NamePermanent]},
		{"malformed", (&Error{Kind: Malformed, Provider: "openai_compatible", Message: "gpt-4o-mini answer cut off"}).Error(), kindTexts[NameMalformed]},
		{"named with a prefix", "Provider.Refused: Provider.Refused: openai: nope", kindTexts[NameRefused]},
		{"a step error name and vendor cause", "image 01ABC: Provider.Permanent: bria: bad", "image 01ABC: " + kindTexts[NamePermanent]},
		{"vendor words in plain text", "model gpt-4.1 by OpenAI failed, and dall-e-3 too", "model the AI service by the AI service failed, and the AI service too"},
		{"no vendor", "no such image", "no such image"},
		{"ours unchanged", "the hold of 3 credits cannot pay call 2", "the hold of 3 credits cannot pay call 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Sanitize(tc.in)
			if got != tc.want {
				t.Fatalf("Sanitize(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			for _, v := range VendorNames {
				if strings.Contains(strings.ToLower(got), v) {
					t.Fatalf("%q still names %q", got, v)
				}
			}
		})
	}
}

func TestUserMessage(t *testing.T) {
	wrapped := fmt.Errorf("image x: %w", &Error{Kind: Refused, Provider: "openai", Message: "dall-e-3 says no"})
	if got := UserMessage(wrapped); got != kindTexts[NameRefused] {
		t.Fatalf("wrapped provider error: %q", got)
	}
	if got := UserMessage(errors.New("no such image")); got != "no such image" {
		t.Fatalf("plain error: %q", got)
	}
	if UserMessage(nil) != "" {
		t.Fatal("nil error has a message")
	}
}
