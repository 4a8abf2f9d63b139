package domain

import "time"

// PublishingSettings say when a site's approved content is published. The two
// toggles save on their own (PATCH); the limits and the schedule save
// together, validated as a whole (PUT).
type PublishingSettings struct {
	AutoApprovalEnabled bool `json:"auto_approval_enabled"`
	AutoPublishEnabled  bool `json:"auto_publish_enabled"`
	// Limits on how many items are published per local day, ISO week
	// (Monday to Sunday) and calendar month in TimeZone. Each is at least 1
	// and daily <= weekly <= monthly.
	DailyLimit   int `json:"daily_limit"`
	WeeklyLimit  int `json:"weekly_limit"`
	MonthlyLimit int `json:"monthly_limit"`
	// PublishDays are the weekdays publishing happens on: "mon" … "sun".
	PublishDays []string `json:"publish_days"`
	// TimeSlots are local times "HH:MM" (24h); each slot takes one item.
	TimeSlots []string `json:"time_slots"`
	// TimeZone is an IANA zone; empty means the site's zone.
	TimeZone  string     `json:"time_zone"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// DefaultPublishingSettings are a site's settings until it saves its own.
func DefaultPublishingSettings(siteZone string) PublishingSettings {
	return PublishingSettings{
		DailyLimit: 3, WeeklyLimit: 15, MonthlyLimit: 60,
		PublishDays: []string{"mon", "tue", "wed", "thu", "fri"},
		TimeSlots:   []string{"09:00", "14:00", "18:00"},
		TimeZone:    siteZone,
	}
}

// SiteIntegration is a site's connection to its platform. The secret (the
// WordPress application password, the Shopify admin token, the webhook
// signing secret) is stored sealed and shown only as a hint.
type SiteIntegration struct {
	Platform   Platform `json:"platform"`
	URL        string   `json:"url,omitempty"`      // WordPress: the site; custom: the webhook
	Username   string   `json:"username,omitempty"` // WordPress
	ShopDomain string   `json:"shop_domain,omitempty"`
	BlogID     string   `json:"blog_id,omitempty"`
	// SecretHint is the secret's last four characters, so a user can tell
	// which one is saved.
	SecretHint string           `json:"secret_hint"`
	LastCheck  *ConnectionCheck `json:"last_check,omitempty"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

// ConnectionCheck is the result of testing a site's connection.
type ConnectionCheck struct {
	OK bool `json:"ok"`
	// Code is "ok" or what is wrong: unreachable, unauthorized, forbidden,
	// not_platform, rate_limited, transient, permanent, misconfigured.
	Code       string    `json:"code"`
	HTTPStatus int       `json:"http_status,omitempty"`
	Message    string    `json:"message"`
	CheckedAt  time.Time `json:"checked_at"`
}
