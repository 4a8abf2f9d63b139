// Package publishing puts approved content on the site: the site's
// connection, its publishing settings, slot allocation in the site's zone,
// the scheduler tick that claims due items, and the publish step itself,
// which makes exactly one remote post per content item however often it
// runs. Platforms sit behind platform.Publisher; the table behind the store.
package publishing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/secretbox"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Target is a connected site: it publishes and checks its credentials.
type Target interface {
	platform.Publisher
	platform.Checker
}

// Connector builds the Target of a site's integration (secret opened).
type Connector func(in domain.SiteIntegration, secret string) (Target, error)

// Job is one claimed item handed to the publish step.
type Job struct {
	AccountID string `json:"account_id"`
	SiteID    string `json:"site_id"`
	ContentID string `json:"content_id"`
	ClaimID   string `json:"claim_id"`
}

// Invoker hands a job to the publish step (the publish Lambda, invoked
// asynchronously; in process locally).
type Invoker interface {
	Invoke(ctx context.Context, job Job) error
}

// BlobReader reads a generated file by the URL it was stored under.
type BlobReader interface {
	Get(ctx context.Context, url string) (data []byte, contentType string, err error)
}

// Retry is how the publish step retries a platform that is down or busy.
type Retry struct {
	Attempts int           // in all, including the first
	Base     time.Duration // the first wait; it doubles each time
	Max      time.Duration // no wait is longer (a Retry-After longer than this fails the attempt)
}

// DefaultRetry suits a publish Lambda with a 5-minute timeout.
var DefaultRetry = Retry{Attempts: 4, Base: 5 * time.Second, Max: 60 * time.Second}

// MaxClaims bounds how often an item is claimed without an outcome before
// the publish step records it failed.
const MaxClaims = 5

// DefaultLease is how long a claim holds an item before another tick may
// take it over; it must outlast the publish Lambda's timeout.
const DefaultLease = 15 * time.Minute

// Service is publishing.
type Service struct {
	Store   *store.Store
	Box     *secretbox.Box
	Connect Connector
	Invoker Invoker
	Blobs   BlobReader
	Retry   Retry
	Lease   time.Duration
	Now     func() time.Time
	// Sleep waits between attempts (tests make it instant).
	Sleep func(ctx context.Context, d time.Duration) error
	Log   *slog.Logger
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}

func (s *Service) retry() Retry {
	if s.Retry.Attempts > 0 {
		return s.Retry
	}
	return DefaultRetry
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func owner(account, site string) string { return account + "#" + site }

// ---- publishing settings ----

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

// ---- scheduling ----

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

// ---- the publish step ----

// Outcome of a publish step.
type Outcome string

const (
	Published Outcome = "published"
	Failed    Outcome = "failed"
	// Skipped: the item is gone, or no longer held under this claim (a
	// duplicate or late delivery); nothing was done.
	Skipped Outcome = "skipped"
)

// Result is what the publish step answers.
type Result struct {
	ContentID   string  `json:"content_id"`
	Outcome     Outcome `json:"outcome"`
	ExternalID  string  `json:"external_id,omitempty"`
	ExternalURL string  `json:"external_url,omitempty"`
	Attempts    int     `json:"attempts,omitempty"`
	Error       string  `json:"error,omitempty"`
	Reason      string  `json:"reason,omitempty"`
}

// Publish runs one claimed job: it looks for the post it may already have
// made (a retry, a double fire, or a crash after the remote create), makes
// it otherwise, retries a platform that is down or busy with backoff, and
// records the outcome with a notification.
func (s *Service) Publish(ctx context.Context, job Job) (Result, error) {
	res := Result{ContentID: job.ContentID}
	if job.AccountID == "" || job.SiteID == "" || job.ContentID == "" || job.ClaimID == "" {
		return res, domain.Invalid("job", "account_id, site_id, content_id and claim_id are required")
	}
	log := s.log().With("account_id", job.AccountID, "site_id", job.SiteID, "content_id", job.ContentID, "claim_id", job.ClaimID)
	pc, err := s.Store.GetPublishingContent(ctx, job.AccountID, job.SiteID, job.ContentID)
	if errors.Is(err, domain.ErrNotFound) {
		res.Outcome, res.Reason = Skipped, "no such content"
		return res, nil
	}
	if err != nil {
		return res, err
	}
	c := pc.Content
	if c.SiteStatus != domain.SitePublishing || pc.ClaimID != job.ClaimID {
		res.Outcome, res.Reason = Skipped, fmt.Sprintf("not held under this claim (site_status %s)", c.SiteStatus)
		log.InfoContext(ctx, "publish skipped", "reason", res.Reason)
		return res, nil
	}
	var remote platform.Remote
	var attempts int
	var perr error
	if pc.Claims > MaxClaims {
		// Every earlier publisher died or failed on our side: stop taking
		// the item over every lease and say so.
		perr = &failure{fmt.Sprintf("publishing did not complete after %d tries; publish again, and if it keeps failing contact support", pc.Claims-1)}
	} else {
		remote, attempts, perr = s.publishOnce(ctx, job, c)
	}
	res.Attempts = attempts
	at := s.now()
	var failed *failure
	if perr != nil && !errors.As(perr, &failed) {
		// Our own side failed (the table, the blob store): the item stays
		// claimed and the delivery is retried (Lambda's async retries, or
		// the next tick once the lease runs out).
		return res, perr
	}
	if perr != nil {
		res.Outcome, res.Error = Failed, perr.Error()
		note := domain.Notification{Type: "publish_failed", Severity: domain.SeverityError, SiteID: job.SiteID,
			Title:   "Publishing failed: " + clip(c.Title, 120),
			Message: fmt.Sprintf("%s After fixing it, publish again (POST /v1/sites/%s/content/%s/publish).", perr.Error(), job.SiteID, job.ContentID)}
		if _, err := s.Store.FinishPublish(ctx, job.AccountID, pc, store.PublishOutcome{ClaimID: job.ClaimID, At: at, Error: perr.Error(), Attempts: attempts}, note); err != nil {
			return res, err
		}
		log.WarnContext(ctx, "publish failed", "attempts", attempts, "error", perr.Error())
		return res, nil
	}
	res.Outcome, res.ExternalID, res.ExternalURL = Published, remote.ID, remote.URL
	note := domain.Notification{Type: "published", Severity: domain.SeveritySuccess, SiteID: job.SiteID,
		Title: "Published: " + clip(c.Title, 120), Message: "Published to your site at " + remote.URL}
	if _, err := s.Store.FinishPublish(ctx, job.AccountID, pc, store.PublishOutcome{ClaimID: job.ClaimID, At: at,
		ExternalID: remote.ID, ExternalURL: remote.URL, Attempts: attempts}, note); err != nil {
		// The post exists; the next delivery finds it and records it.
		return res, err
	}
	log.InfoContext(ctx, "published", "external_id", remote.ID, "attempts", attempts)
	return res, nil
}

// failure is a publish that failed for a reason the site owner must fix
// (or that the site kept answering): the item ends failed. Any other error
// is ours and is retried.
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

// publishOnce finds or creates the remote post, retrying what may pass.
func (s *Service) publishOnce(ctx context.Context, job Job, c domain.Content) (platform.Remote, int, error) {
	in, sealed, err := s.Store.GetIntegration(ctx, job.AccountID, job.SiteID)
	if errors.Is(err, domain.ErrNotFound) {
		return platform.Remote{}, 0, &failure{"the site is not connected: connect it (PUT /v1/sites/" + job.SiteID + "/integration)"}
	}
	if err != nil {
		return platform.Remote{}, 0, err
	}
	target, err := s.target(in, sealed, job.AccountID, job.SiteID)
	if err != nil {
		return platform.Remote{}, 0, &failure{err.Error()}
	}
	post, err := s.post(ctx, job, c)
	if err != nil {
		return platform.Remote{}, 0, err
	}
	rt := s.retry()
	wait := rt.Base
	for attempt := 1; ; attempt++ {
		remote, found, err := target.Find(ctx, c.ID)
		if err == nil && !found {
			remote, err = target.Create(ctx, post)
		}
		if err == nil {
			return remote, attempt, nil
		}
		pe := platform.Classify(string(in.Platform), err)
		if !pe.Retryable() || attempt >= rt.Attempts || ctx.Err() != nil {
			return platform.Remote{}, attempt, describe(pe, attempt)
		}
		d := wait
		if pe.RetryAfter > d {
			d = pe.RetryAfter
		}
		if d > rt.Max {
			d = rt.Max
		}
		s.log().WarnContext(ctx, "publish attempt failed; retrying", "content_id", c.ID, "attempt", attempt, "wait_ms", d.Milliseconds(), "error", pe.Error())
		if err := s.sleep(ctx, d); err != nil {
			return platform.Remote{}, attempt, describe(pe, attempt)
		}
		wait *= 2
	}
}

// describe says what went wrong in words a site owner can act on.
func describe(pe *platform.Error, attempts int) error {
	msg := pe.Message
	switch pe.Kind {
	case platform.Unauthorized:
		msg = fmt.Sprintf("your site answered %d Unauthorized: %s", nonzero(pe.Status, 401), pe.Message)
	case platform.Forbidden:
		msg = fmt.Sprintf("your site answered %d Forbidden: %s", nonzero(pe.Status, 403), pe.Message)
	case platform.Unreachable, platform.Transient, platform.RateLimited:
		msg = fmt.Sprintf("your site could not be reached after %d attempts: %s", attempts, pe.Error())
	default:
		if pe.Status != 0 {
			msg = fmt.Sprintf("your site refused the post (%d): %s", pe.Status, pe.Message)
		}
	}
	return &failure{strings.TrimSpace(msg)}
}

func nonzero(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func (s *Service) target(in domain.SiteIntegration, sealed, account, site string) (Target, error) {
	secret, err := s.Box.Open(owner(account, site), sealed)
	if err != nil {
		return nil, errors.New("the saved connection cannot be read (was SECRETS_KEY changed?): connect the site again")
	}
	return s.Connect(in, string(secret))
}

// post builds the remote post from the content, its featured image and its
// cluster (the category) and keywords (the tags).
func (s *Service) post(ctx context.Context, job Job, c domain.Content) (platform.Post, error) {
	p := platform.Post{ContentID: c.ID, Title: c.Title, HTML: c.HTML, Excerpt: c.MetaDescription, MetaTitle: c.MetaTitle,
		Slug: Slug(c.Title), Tags: tags(c.Keywords), PublishAt: s.now(), SourceSystemTag: "igny8"}
	if c.ClusterID != "" {
		cl, err := s.Store.GetCluster(ctx, job.AccountID, job.SiteID, c.ClusterID)
		if err == nil && strings.TrimSpace(cl.Name) != "" {
			p.Categories = []string{cl.Name}
		} else if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return p, err
		}
	}
	imgs, err := s.Store.ImagesOfContent(ctx, job.AccountID, job.SiteID, c.ID)
	if err != nil {
		return p, err
	}
	for _, img := range imgs {
		if img.ImageType != "featured" || img.Status != domain.ImageGenerated || img.URL == "" {
			continue
		}
		data, ct, err := s.Blobs.Get(ctx, img.URL)
		if err != nil {
			return p, &failure{fmt.Sprintf("the featured image %s could not be read (%v): regenerate it, then publish again", img.ID, err)}
		}
		p.FeaturedImage = &platform.Image{Filename: p.Slug + extension(ct), ContentType: ct, Data: data, Alt: clip(c.Title, 120)}
		break
	}
	return p, nil
}

func extension(ct string) string {
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/webp":
		return ".webp"
	default:
		return ".png"
	}
}

func tags(keywords []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keywords {
		k = strings.TrimSpace(k)
		if k == "" || seen[strings.ToLower(k)] || len(out) == 10 {
			continue
		}
		seen[strings.ToLower(k)] = true
		out = append(out, k)
	}
	return out
}

// Slug is a URL slug from a title: lower-case ASCII words joined by hyphens.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 80 {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "post"
	}
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
