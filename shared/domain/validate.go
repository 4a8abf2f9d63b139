package domain

import (
	"net/url"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Lambda images carry no zoneinfo; embed it so every IANA zone validates.
	"unicode/utf8"
)

// Limits on client input.
const (
	MaxNameLen      = 200
	MaxKeywordLen   = 200
	MaxBulkKeywords = 1000
	MaxDifficulty   = 100
)

// NewSite is what a client sends to create a site.
type NewSite struct {
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Platform Platform `json:"platform"`
	TimeZone string   `json:"time_zone"`
	// MaxInArticleImages: nil means DefaultInArticleImages.
	MaxInArticleImages *int `json:"max_in_article_images"`
}

// The in-article images of a site's articles (Site.MaxInArticleImages).
const (
	DefaultInArticleImages = 2
	MaxInArticleImages     = 5
)

// ValidateInArticleImages checks a max_in_article_images setting.
func ValidateInArticleImages(field string, n int) error {
	if n < 0 || n > MaxInArticleImages {
		return Invalid(field, "must be between 0 and %d, got %d", MaxInArticleImages, n)
	}
	return nil
}

// SitePatch changes some fields of a site; nil fields stay as they are.
type SitePatch struct {
	Name     *string   `json:"name"`
	URL      *string   `json:"url"`
	Platform *Platform `json:"platform"`
	TimeZone *string   `json:"time_zone"`
	// MaxInArticleImages: 0 to 5.
	MaxInArticleImages *int `json:"max_in_article_images"`
}

// Normalize trims input, applies defaults (platform wordpress, zone UTC) and
// validates every field.
func (n *NewSite) Normalize() error {
	n.Name = strings.TrimSpace(n.Name)
	n.URL = strings.TrimSpace(n.URL)
	n.TimeZone = strings.TrimSpace(n.TimeZone)
	if n.Platform == "" {
		n.Platform = PlatformWordPress
	}
	if n.TimeZone == "" {
		n.TimeZone = "UTC"
	}
	if err := ValidateName("name", n.Name); err != nil {
		return err
	}
	if err := ValidateURL("url", n.URL); err != nil {
		return err
	}
	if err := ValidatePlatform("platform", n.Platform); err != nil {
		return err
	}
	if n.MaxInArticleImages == nil {
		d := DefaultInArticleImages
		n.MaxInArticleImages = &d
	}
	if err := ValidateInArticleImages("max_in_article_images", *n.MaxInArticleImages); err != nil {
		return err
	}
	return ValidateTimeZone("time_zone", n.TimeZone)
}

// Apply validates the patch and applies it to s.
func (p SitePatch) Apply(s *Site) error {
	if p.Name == nil && p.URL == nil && p.Platform == nil && p.TimeZone == nil && p.MaxInArticleImages == nil {
		return Invalid("", "nothing to change: send at least one of name, url, platform, time_zone, max_in_article_images")
	}
	images := s.MaxInArticleImages
	if p.MaxInArticleImages != nil {
		images = *p.MaxInArticleImages
	}
	n := NewSite{Name: s.Name, URL: s.URL, Platform: s.Platform, TimeZone: s.TimeZone, MaxInArticleImages: &images}
	if p.Name != nil {
		n.Name = *p.Name
		if strings.TrimSpace(n.Name) == "" {
			return Invalid("name", "must not be empty")
		}
	}
	if p.URL != nil {
		n.URL = *p.URL
	}
	if p.Platform != nil {
		if *p.Platform == "" {
			return Invalid("platform", "must be one of wordpress, shopify, custom")
		}
		n.Platform = *p.Platform
	}
	if p.TimeZone != nil {
		if strings.TrimSpace(*p.TimeZone) == "" {
			return Invalid("time_zone", "must be an IANA time zone such as Europe/Berlin")
		}
		n.TimeZone = *p.TimeZone
	}
	if err := n.Normalize(); err != nil {
		return err
	}
	s.Name, s.URL, s.Platform, s.TimeZone, s.MaxInArticleImages = n.Name, n.URL, n.Platform, n.TimeZone, *n.MaxInArticleImages
	return nil
}

// ValidateName checks a display name.
func ValidateName(field, v string) error {
	if v == "" {
		return Invalid(field, "is required")
	}
	if utf8.RuneCountInString(v) > MaxNameLen {
		return Invalid(field, "must be at most %d characters", MaxNameLen)
	}
	return ValidateText(field, v, false)
}

// ValidateURL checks an absolute http(s) URL with a host.
func ValidateURL(field, v string) error {
	if v == "" {
		return Invalid(field, "is required")
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Invalid(field, "must be an absolute http or https URL, e.g. https://example.com")
	}
	if u.User != nil {
		// Credentials in a URL leak into logs and into every request made to it.
		return Invalid(field, "must not contain a user name or password")
	}
	if len(v) > 2048 {
		return Invalid(field, "must be at most 2048 characters")
	}
	return nil
}

// ValidatePlatform checks the platform is one we publish to.
func ValidatePlatform(field string, p Platform) error {
	if !slices.Contains(Platforms, p) {
		return Invalid(field, "must be one of wordpress, shopify, custom")
	}
	return nil
}

// ValidateTimeZone accepts IANA zone names only ("Local" is the server's zone,
// which means nothing to a user, so it is refused).
func ValidateTimeZone(field, tz string) error {
	if tz == "" || tz == "Local" {
		return Invalid(field, "must be an IANA time zone such as Europe/Berlin")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return Invalid(field, "unknown time zone %q: use an IANA name such as America/New_York", tz)
	}
	return nil
}

// NewKeyword is one keyword a client adds.
type NewKeyword struct {
	Keyword    string `json:"keyword"`
	Volume     int64  `json:"volume"`
	Difficulty int64  `json:"difficulty"`
	Intent     Intent `json:"intent"`
}

// Normalize trims and collapses spaces, defaults the intent to informational
// and validates the ranges.
func (k *NewKeyword) Normalize() error {
	k.Keyword = strings.Join(strings.Fields(k.Keyword), " ")
	if k.Keyword == "" {
		return Invalid("keyword", "is required")
	}
	if utf8.RuneCountInString(k.Keyword) > MaxKeywordLen {
		return Invalid("keyword", "must be at most %d characters", MaxKeywordLen)
	}
	if err := ValidateText("keyword", k.Keyword, false); err != nil {
		return err
	}
	if k.Volume < 0 {
		return Invalid("volume", "must be 0 or more")
	}
	if k.Difficulty < 0 || k.Difficulty > MaxDifficulty {
		return Invalid("difficulty", "must be between 0 and %d", MaxDifficulty)
	}
	k.Intent = Intent(strings.ToLower(strings.TrimSpace(string(k.Intent))))
	if k.Intent == "" {
		k.Intent = "informational"
	}
	if !slices.Contains(Intents, k.Intent) {
		return Invalid("intent", "must be one of informational, navigational, commercial, transactional")
	}
	return nil
}

// KeywordKey is the form in which keywords are compared for uniqueness.
func KeywordKey(keyword string) string {
	return strings.ToLower(strings.Join(strings.Fields(keyword), " "))
}

// ParseKeywordStatus validates a keyword status.
func ParseKeywordStatus(field, s string) (KeywordStatus, error) {
	st := KeywordStatus(s)
	if !slices.Contains(KeywordStatuses, st) {
		return "", Invalid(field, "must be one of new, mapped")
	}
	return st, nil
}

// ParseStatus validates a status filter or field against the statuses of
// its kind; the message lists them.
func ParseStatus[S ~string](field, s string, valid []S) (S, error) {
	if slices.Contains(valid, S(s)) {
		return S(s), nil
	}
	names := make([]string, len(valid))
	for i, v := range valid {
		names[i] = string(v)
	}
	return "", Invalid(field, "must be one of %s", strings.Join(names, ", "))
}

// APIKeyPrefix marks IGNY8 API keys so they are recognisable in a leak scan.
const APIKeyPrefix = "ig8_"

// apiKeyLen is a key's length: the prefix and 32 random bytes in unpadded
// lower-case base32.
const apiKeyLen = len(APIKeyPrefix) + 52

// WellFormedAPIKey reports whether s has the shape of a key we issue. The
// authorizer refuses anything else without reading the table, so random
// tokens cost no read.
func WellFormedAPIKey(s string) bool {
	if len(s) != apiKeyLen || s[:len(APIKeyPrefix)] != APIKeyPrefix {
		return false
	}
	for _, c := range s[len(APIKeyPrefix):] {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}
