package publishing

import (
	"context"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Store is what publishing reads and writes in the table (*store.Store);
// split by concern so each part of the service names what it uses.
type Store interface {
	SettingsStore
	ScheduleStore
	PublishStore
	IntegrationStore
}

// SettingsStore keeps a site's publishing settings.
type SettingsStore interface {
	GetPublishingSettings(ctx context.Context, account, site string) (domain.PublishingSettings, error)
	SetPublishingToggles(ctx context.Context, account, site string, autoApproval, autoPublish *bool) (domain.PublishingSettings, error)
	PutPublishingSchedule(ctx context.Context, account, site string, p domain.PublishingSettings) (domain.PublishingSettings, error)
}

// ScheduleStore gives content its slots, claims what is due and lists the
// calendar.
type ScheduleStore interface {
	GetContent(ctx context.Context, account, site, id string) (domain.Content, error)
	GetPublishingContent(ctx context.Context, account, site, id string) (store.PublishingContent, error)
	ApprovedNotPublished(ctx context.Context, account, site string, limit int) ([]string, error)
	SlotState(ctx context.Context, account, site string, from time.Time) (store.SlotState, error)
	Schedule(ctx context.Context, account, site string, version int64, from []domain.SiteStatus, as []store.Assignment) error
	Unschedule(ctx context.Context, account, site, id string) (domain.Content, error)
	Claim(ctx context.Context, account, site, id, claimID string, now time.Time, lease time.Duration, mode store.ClaimMode) (bool, error)
	DuePublications(ctx context.Context, now time.Time, limit int32) ([]store.Due, error)
	CalendarEntries(ctx context.Context, account, site string, from, to time.Time) ([]store.CalendarEntry, error)
}

// PublishStore reads what a post is made of and records the outcome.
type PublishStore interface {
	GetCluster(ctx context.Context, account, site, id string) (domain.Cluster, error)
	ImagesOfContent(ctx context.Context, account, site, content string) ([]domain.Image, error)
	FinishPublish(ctx context.Context, account string, cur store.PublishingContent, o store.PublishOutcome, note domain.Notification) (bool, error)
}

// IntegrationStore keeps a site's connection (its secret sealed).
type IntegrationStore interface {
	GetSite(ctx context.Context, account, site string) (domain.Site, error)
	GetIntegration(ctx context.Context, account, site string) (domain.SiteIntegration, string, error)
	PutIntegration(ctx context.Context, account, site string, in domain.SiteIntegration, sealedSecret string) error
	RecordIntegrationCheck(ctx context.Context, account, site string, r domain.ConnectionCheck) error
}

var _ Store = (*store.Store)(nil)
