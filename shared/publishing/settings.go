package publishing

import (
	"context"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// Settings reads a site's publishing settings.
func (s *Service) Settings(ctx context.Context, account, site string) (domain.PublishingSettings, error) {
	return s.Store.GetPublishingSettings(ctx, account, site)
}

// SetToggles saves the toggles at once. Turning auto-publish on schedules
// the content already approved.
func (s *Service) SetToggles(ctx context.Context, account, site string, autoApproval, autoPublish *bool) (domain.PublishingSettings, error) {
	p, err := s.Store.SetPublishingToggles(ctx, account, site, autoApproval, autoPublish)
	if err != nil {
		return p, err
	}
	if autoPublish != nil && *autoPublish {
		if _, err := s.AutoSchedule(ctx, account, site, nil); err != nil {
			return p, err
		}
	}
	return p, nil
}

// PutSchedule validates the limits and the schedule as a whole and saves
// them together; on any error nothing is saved. Items already scheduled
// keep their slots.
func (s *Service) PutSchedule(ctx context.Context, account, site string, p domain.PublishingSettings) (domain.PublishingSettings, error) {
	cur, err := s.Store.GetPublishingSettings(ctx, account, site)
	if err != nil {
		return cur, err
	}
	p = p.Normalized()
	if err := p.Validate(); err != nil {
		return cur, err
	}
	if p.TimeZone == "" {
		p.TimeZone = cur.TimeZone
	}
	return s.Store.PutPublishingSchedule(ctx, account, site, p)
}
