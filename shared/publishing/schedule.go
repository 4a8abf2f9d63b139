package publishing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// AutoSchedule gives the approved, unscheduled items among ids (nil: all of
// the site's) the next free slots, when the site auto-publishes. It is
// idempotent: items already scheduled are left alone. It answers how many
// it scheduled.
func (s *Service) AutoSchedule(ctx context.Context, account, site string, ids []string) (int, error) {
	p, err := s.Store.GetPublishingSettings(ctx, account, site)
	if err != nil || !p.AutoPublishEnabled {
		return 0, err
	}
	if ids == nil {
		if ids, err = s.Store.ApprovedNotPublished(ctx, account, site, 0); err != nil {
			return 0, err
		}
	}
	n := 0
	for len(ids) > 0 {
		chunk := ids
		if len(chunk) > store.MaxAssignments {
			chunk = chunk[:store.MaxAssignments]
		}
		ids = ids[len(chunk):]
		var items []store.PublishingContent
		for _, id := range chunk {
			c, err := s.Store.GetPublishingContent(ctx, account, site, id)
			if errors.Is(err, domain.ErrNotFound) {
				continue
			}
			if err != nil {
				return n, err
			}
			if c.Status == domain.ContentApproved && c.SiteStatus == domain.SiteNotPublished {
				items = append(items, c)
			}
		}
		done, err := s.assign(ctx, account, site, items, nil, []domain.SiteStatus{domain.SiteNotPublished})
		n += done
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// assign gives items slots (the next free ones, or at when given) under
// the site's slot version, retrying when another allocation won the race.
func (s *Service) assign(ctx context.Context, account, site string, items []store.PublishingContent, at *time.Time, from []domain.SiteStatus) (int, error) {
	if len(items) == 0 {
		return 0, nil
	}
	for attempt := 0; ; attempt++ {
		now := s.now()
		// A month back covers the current week and month of any limit.
		st, err := s.Store.SlotState(ctx, account, site, now.AddDate(0, -1, -7))
		if err != nil {
			return 0, err
		}
		var slots []time.Time
		if at != nil {
			slots = []time.Time{*at}
		} else {
			loc, err := domain.LoadZone(st.Settings.TimeZone)
			if err != nil {
				return 0, err
			}
			if slots, err = domain.NextSlots(st.Settings, loc, now, st.Taken, len(items)); err != nil {
				return 0, err
			}
		}
		as := make([]store.Assignment, len(items))
		for i, c := range items {
			as[i] = store.Assignment{Content: c, At: slots[i]}
		}
		err = s.Store.Schedule(ctx, account, site, st.Version, from, as)
		if errors.Is(err, store.ErrSlotsChanged) && attempt < 10 {
			continue
		}
		if err != nil {
			return 0, err
		}
		return len(items), nil
	}
}

// ScheduleAt puts one approved item on the schedule at a time the user
// chose (in the future); an item already scheduled moves.
func (s *Service) ScheduleAt(ctx context.Context, account, site, id string, at time.Time) (domain.Content, error) {
	pc, err := s.Store.GetPublishingContent(ctx, account, site, id)
	c := pc.Content
	if err != nil {
		return c, err
	}
	at = at.UTC().Truncate(time.Second)
	if !at.After(s.now()) {
		return c, domain.Invalid("at", "must be in the future (it is %s); to publish now, POST .../publish", at.Format(time.RFC3339))
	}
	if at.After(s.now().AddDate(2, 0, 0)) {
		return c, domain.Invalid("at", "must be within two years")
	}
	if err := schedulable(c); err != nil {
		return c, err
	}
	from := []domain.SiteStatus{domain.SiteNotPublished, domain.SiteScheduled, domain.SiteFailed}
	if _, err := s.assign(ctx, account, site, []store.PublishingContent{pc}, &at, from); err != nil {
		return c, err
	}
	return s.Store.GetContent(ctx, account, site, id)
}

func schedulable(c domain.Content) error {
	if c.Status != domain.ContentApproved {
		return fmt.Errorf("content is %s: approve it before publishing: %w", c.Status, domain.ErrConflict)
	}
	switch c.SiteStatus {
	case domain.SitePublishing:
		return fmt.Errorf("content is being published right now: %w", domain.ErrConflict)
	case domain.SitePublished:
		return fmt.Errorf("content is already published at %s: %w", c.ExternalURL, domain.ErrConflict)
	}
	return nil
}

// Unschedule takes an item off the schedule.
func (s *Service) Unschedule(ctx context.Context, account, site, id string) (domain.Content, error) {
	return s.Store.Unschedule(ctx, account, site, id)
}

// PublishNow claims an approved item and hands it to the publish step at
// once (also how a failed item is retried).
func (s *Service) PublishNow(ctx context.Context, account, site, id string) (domain.Content, error) {
	c, err := s.Store.GetContent(ctx, account, site, id)
	if err != nil {
		return c, err
	}
	if err := schedulable(c); err != nil {
		return c, err
	}
	if _, _, err := s.Store.GetIntegration(ctx, account, site); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return c, fmt.Errorf("connect the site first (PUT /v1/sites/%s/integration): %w", site, domain.ErrConflict)
		}
		return c, err
	}
	claim := store.NewID()
	ok, err := s.Store.Claim(ctx, account, site, id, claim, s.now(), s.lease(), store.ClaimNow)
	if err != nil {
		return c, err
	}
	if !ok {
		return c, fmt.Errorf("content changed meanwhile (it was %s): %w", c.SiteStatus, domain.ErrConflict)
	}
	if err := s.Invoker.Invoke(ctx, Job{AccountID: account, SiteID: site, ContentID: id, ClaimID: claim}); err != nil {
		// The claim's lease runs out and the scheduler takes the item over.
		s.log().ErrorContext(ctx, "hand to the publisher", "content_id", id, "error", err.Error())
	}
	return s.Store.GetContent(ctx, account, site, id)
}

// TickResult is what one scheduler tick did.
type TickResult struct {
	Due     int `json:"due"`
	Claimed int `json:"claimed"`
	Invoked int `json:"invoked"`
	Failed  int `json:"failed"`
}

// Tick claims the items due at now (slots that have come, including ones
// missed while publishing was down: they go late, once, oldest first) and
// hands each to the publish step. Two ticks at once claim each item once.
func (s *Service) Tick(ctx context.Context, now time.Time) (TickResult, error) {
	var r TickResult
	for page := 0; page < 10; page++ {
		due, err := s.Store.DuePublications(ctx, now, 100)
		if err != nil {
			return r, err
		}
		r.Due += len(due)
		claimedHere := 0
		for _, d := range due {
			claim := store.NewID()
			ok, err := s.Store.Claim(ctx, d.AccountID, d.SiteID, d.ContentID, claim, now, s.lease(), store.ClaimDue)
			if err != nil {
				r.Failed++
				s.log().ErrorContext(ctx, "claim", "account_id", d.AccountID, "site_id", d.SiteID, "content_id", d.ContentID, "error", err.Error())
				continue
			}
			if !ok {
				continue
			}
			r.Claimed++
			claimedHere++
			if err := s.Invoker.Invoke(ctx, Job{AccountID: d.AccountID, SiteID: d.SiteID, ContentID: d.ContentID, ClaimID: claim}); err != nil {
				r.Failed++
				s.log().ErrorContext(ctx, "hand to the publisher", "content_id", d.ContentID, "error", err.Error())
				continue
			}
			r.Invoked++
		}
		if len(due) < 100 || claimedHere == 0 {
			break
		}
	}
	return r, nil
}
