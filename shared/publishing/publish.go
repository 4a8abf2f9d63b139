package publishing

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/logctx"
	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/store"
)

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
	// Class says why it failed, for the operator's metrics and alarms
	// (metrics.PublishFailures): a platform.Kind or one of the Class*
	// constants.
	Class  string `json:"class,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Publish runs one claimed job: it looks for the post it may already have
// made (a retry, a double fire, or a crash after the remote create), makes
// it otherwise, retries a platform that is down or busy with backoff, and
// records the outcome with a notification.
func (s *Service) Publish(ctx context.Context, job Job) (Result, error) {
	ctx = logctx.With(ctx, logctx.IDs("account_id", job.AccountID, "site_id", job.SiteID, "content_id", job.ContentID, "claim_id", job.ClaimID)...)
	res, err := s.publish(ctx, job)
	outcome := string(res.Outcome)
	if err != nil {
		outcome = "error" // retried by Lambda, then the dead-letter queue
	}
	metrics.Emit(map[string]string{"Outcome": outcome}, metrics.Metric{Name: metrics.Publishes, Value: 1, Unit: metrics.Count})
	if res.Outcome == Failed && err == nil {
		metrics.Emit(map[string]string{"Class": res.Class}, metrics.Metric{Name: metrics.PublishFailures, Value: 1, Unit: metrics.Count})
	}
	return res, err
}

func (s *Service) publish(ctx context.Context, job Job) (Result, error) {
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
		perr = &failure{fmt.Sprintf("publishing did not complete after %d tries; publish again, and if it keeps failing contact support", pc.Claims-1), ClassAbandoned}
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
		res.Outcome, res.Error, res.Class = Failed, perr.Error(), failed.class
		note := domain.Notification{Type: "publish_failed", Severity: domain.SeverityError, SiteID: job.SiteID,
			Title:   "Publishing failed: " + domain.Clip(c.Title, 120),
			Message: fmt.Sprintf("%s After fixing it, publish again (POST /v1/sites/%s/content/%s/publish).", perr.Error(), job.SiteID, job.ContentID)}
		if _, err := s.Store.FinishPublish(ctx, job.AccountID, pc, store.PublishOutcome{ClaimID: job.ClaimID, At: at, Error: perr.Error(), Attempts: attempts}, note); err != nil {
			return res, err
		}
		log.WarnContext(ctx, "publish failed", "attempts", attempts, "error", perr.Error())
		return res, nil
	}
	res.Outcome, res.ExternalID, res.ExternalURL = Published, remote.ID, remote.URL
	note := domain.Notification{Type: "published", Severity: domain.SeveritySuccess, SiteID: job.SiteID,
		Title: "Published: " + domain.Clip(c.Title, 120), Message: "Published to your site at " + remote.URL}
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
// is ours and is retried. class is Result.Class.
type failure struct{ msg, class string }

// Failure classes of our own (Result.Class); the others are the platform
// adapters' platform.Kind.
const (
	ClassNotConnected          = "not_connected"
	ClassCredentialsUnreadable = "credentials_unreadable"
	ClassAbandoned             = "abandoned"
	ClassImageUnreadable       = "image_unreadable"
)

var errCredentialsUnreadable = errors.New("the saved connection cannot be read (was SECRETS_KEY changed?): connect the site again")

func (f *failure) Error() string { return f.msg }

// publishOnce finds or creates the remote post, retrying what may pass.
func (s *Service) publishOnce(ctx context.Context, job Job, c domain.Content) (platform.Remote, int, error) {
	in, sealed, err := s.Store.GetIntegration(ctx, job.AccountID, job.SiteID)
	if errors.Is(err, domain.ErrNotFound) {
		return platform.Remote{}, 0, &failure{"the site is not connected: connect it (PUT /v1/sites/" + job.SiteID + "/integration)", ClassNotConnected}
	}
	if err != nil {
		return platform.Remote{}, 0, err
	}
	target, err := s.target(in, sealed, job.AccountID, job.SiteID)
	if err != nil {
		class := string(platform.Misconfigured)
		if errors.Is(err, errCredentialsUnreadable) {
			class = ClassCredentialsUnreadable
		}
		return platform.Remote{}, 0, &failure{err.Error(), class}
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
			s.log().WarnContext(ctx, "publish attempt failed", "content_id", c.ID, "attempt", attempt, "error", pe.Error(), "detail", pe.Detail)
			return platform.Remote{}, attempt, describe(pe, attempt)
		}
		d := wait
		if pe.RetryAfter > d {
			d = pe.RetryAfter
		}
		if d > rt.Max {
			d = rt.Max
		}
		s.log().WarnContext(ctx, "publish attempt failed; retrying", "content_id", c.ID, "attempt", attempt, "wait_ms", d.Milliseconds(), "error", pe.Error(), "detail", pe.Detail)
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
	case platform.TargetNotAllowed:
		msg = fmt.Sprintf("the site address was refused (%s): %s", pe.Kind, pe.Message)
	case platform.Unreachable, platform.Transient, platform.RateLimited:
		msg = fmt.Sprintf("your site could not be reached after %d attempts: %s", attempts, pe.Error())
	default:
		if pe.Status != 0 {
			msg = fmt.Sprintf("your site refused the post (%d): %s", pe.Status, pe.Message)
		}
	}
	return &failure{strings.TrimSpace(msg), string(pe.Kind)}
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
		return nil, errCredentialsUnreadable
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
	site, err := s.Store.GetSite(ctx, job.AccountID, job.SiteID)
	if err != nil {
		return p, err
	}
	for _, img := range currentImages(imgs, site.MaxInArticleImages) {
		data, ct, err := s.Blobs.Get(ctx, img.URL)
		if err != nil {
			return p, &failure{fmt.Sprintf("the %s image %s could not be read (%v): regenerate it, then publish again", strings.ReplaceAll(img.ImageType, "_", "-"), img.ID, err), ClassImageUnreadable}
		}
		if img.ImageType == "featured" {
			p.FeaturedImage = &platform.Image{Filename: p.Slug + extension(ct), ContentType: ct, Data: data, Alt: domain.Clip(c.Title, 120)}
			continue
		}
		n := len(p.InArticleImages) + 1
		p.InArticleImages = append(p.InArticleImages, platform.Image{Filename: fmt.Sprintf("%s-%d%s", p.Slug, n, extension(ct)),
			ContentType: ct, Data: data, Alt: imageAlt(c.Title, img.Prompt), Key: img.ID})
	}
	return p, nil
}

// currentImages are the images a post carries: the featured one and at
// most max in-article ones by position, each generated (a failed or pending
// image is left out, never a broken link), current versions only.
func currentImages(imgs []domain.Image, max int) []domain.Image {
	var featured []domain.Image
	var inArticle []domain.Image
	for _, img := range imgs {
		if img.Status != domain.ImageGenerated || img.URL == "" {
			continue
		}
		switch img.ImageType {
		case "featured":
			if len(featured) == 0 {
				featured = append(featured, img)
			}
		case "in_article":
			inArticle = append(inArticle, img)
		}
	}
	sort.SliceStable(inArticle, func(i, j int) bool { return inArticle[i].Position < inArticle[j].Position })
	if max < 0 {
		max = 0
	}
	if len(inArticle) > max {
		inArticle = inArticle[:max]
	}
	return append(featured, inArticle...)
}

// imageAlt describes an in-article image for readers who cannot see it: the
// start of its prompt (what it shows), else the article's title.
func imageAlt(title, prompt string) string {
	alt := strings.TrimSpace(prompt)
	if i := strings.IndexAny(alt, ",."); i > 20 {
		alt = alt[:i]
	}
	if alt == "" {
		alt = title
	}
	return domain.Clip(alt, 120)
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
