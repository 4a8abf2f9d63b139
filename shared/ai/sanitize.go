package ai

import (
	"errors"
	"regexp"
	"strings"
)

// User-facing texts never name a vendor or a vendor model (users see the
// brand and the quality tier). Provider errors carry both ("Provider.Refused:
// openai: …", a vendor's own message quoting its model), so every text that
// reaches a user from an error (an operation's error and failed items, an
// image's failure reason, an AI task log, a run's failed items and error, a
// notification) passes through Sanitize where the record is made. Admins
// keep the vendor's words in the logs.

// kindTexts are what a user is told for each kind of provider failure.
var kindTexts = map[string]string{
	NameTransient:   "the AI service did not answer in time or was unavailable; it was retried and can be tried again later",
	NameRateLimited: "the AI service is busy (too many requests); try again in a few minutes",
	NamePermanent:   "the AI service rejected the request; it was not retried (an administrator can see why in the logs)",
	NameRefused:     "the AI service declined to produce this (content policy); change the prompt or the content and try again",
	NameMalformed:   "the AI answer could not be used (cut off or not in the expected shape); try again",
}

// providerNameRE finds a provider error rendered by Error.Error(): its name
// ("Provider.Refused") then, until the end, vendor text.
var providerNameRE = regexp.MustCompile(`Provider\.(Transient|RateLimited|Permanent|Refused|Malformed)\b`)

// vendorRE matches vendor, product and model names, and the vendors' domains,
// wherever they appear in a text.
var vendorRE = regexp.MustCompile(`(?i)` +
	`(?:https?://)?(?:[a-z0-9-]+\.)*(?:openai|anthropic|runware|bria|claude|googleapis|mistral|cohere)\.[a-z]{2,}(?:/\S*)?` + // URLs and domains
	`|\b(?:gpt|o\d|dall-e|dalle|chatgpt|claude|text-embedding|whisper|tts|runware|flux|sdxl|bria|imagen|gemini|mistral|llama)[a-z0-9]*(?:[-.:@/][a-z0-9][a-z0-9.]*)*` + // model IDs
	`|\b(?:openai(?:_compatible)?|anthropic|runware|bria|google|mistral|cohere|azure)\b`) // vendors

// VendorNames are the words Sanitize takes out; tests scan responses for them.
var VendorNames = []string{"openai", "anthropic", "runware", "bria", "claude", "gpt", "dall-e", "chatgpt", "gemini", "flux"}

// Sanitize returns s as a user may see it: a provider error becomes the
// plain text of its kind (the vendor's words are dropped, not edited), and
// any vendor or model name left in other text is replaced by "the AI
// service". Text without either is returned unchanged.
func Sanitize(s string) string {
	if m := providerNameRE.FindStringSubmatchIndex(s); m != nil {
		name := s[m[0]:m[1]]
		prefix := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s[:m[0]]), ":"))
		out := kindTexts[name]
		if prefix != "" {
			out = vendorRE.ReplaceAllString(prefix, "the AI service") + ": " + out
		}
		return out
	}
	return vendorRE.ReplaceAllString(s, "the AI service")
}

// UserMessage is what a user is told about err (Sanitize of its text).
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return kindTexts[e.ErrorName()]
	}
	return Sanitize(err.Error())
}
