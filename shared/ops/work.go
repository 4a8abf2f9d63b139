package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// made collects what a step makes: its writes (in units that each apply with
// their counters), the IDs it made, and the input items it could not process.
type made struct {
	units  []store.Tx
	ids    []string
	failed []Failed
}

func (o *made) fail(id, msg string) { o.failed = append(o.failed, Failed{ID: id, Error: msg}) }

// add records a unit of writes that made the item id.
func (o *made) add(u store.Tx, id string) {
	o.units = append(o.units, u)
	o.ids = append(o.ids, id)
}

// finish sums the result and keeps what the step made. A charged step only
// stages its writes: settle commits them with the charge (Credits.Settle),
// so they never exist unpaid for. A free step writes them itself, each
// chunk exactly once.
func (w *work) finish(ctx context.Context, o *made) (Result, error) {
	write := w.r.Store.ApplyStep
	if w.job.Type.Charged() {
		write = w.r.Store.StageStep
	}
	if err := write(ctx, w.job.AccountID, w.key, o.units); err != nil {
		return Result{}, err
	}
	return w.result(o.ids, o.failed), nil
}

// eachItem is the skeleton of the steps that work item by item: it loads
// each of the job's items with get and calls fn with it, then writes what
// fn made (finish). A missing item is recorded as failed (missing says why)
// and skipped; fn itself records and skips the items whose status it cannot
// work on.
func eachItem[T any](ctx context.Context, w *work, o *made, get func(ctx context.Context, account, site, id string) (T, error),
	missing string, fn func(i int, id string, v T) error) (Result, error) {
	for i, id := range w.job.ItemIDs {
		v, err := get(ctx, w.job.AccountID, w.job.SiteID, id)
		if errors.Is(err, domain.ErrNotFound) {
			o.fail(id, missing)
			continue
		}
		if err != nil {
			return Result{}, err
		}
		if err := fn(i, id, v); err != nil {
			return Result{}, err
		}
	}
	return w.finish(ctx, o)
}

// Defaults of the operations.
const (
	IdeasPerCluster    = 3
	DefaultWordCount   = 1200
	DefaultTone        = "friendly, expert"
	ImageWidth         = 1024
	ImageHeight        = 1024
	MaxClusterKeywords = 500
)

func (w *work) cluster(ctx context.Context) (Result, error) {
	job := w.job
	kws, err := w.r.Store.GetKeywords(ctx, job.AccountID, job.SiteID, job.ItemIDs)
	if err != nil {
		return Result{}, err
	}
	var o made
	byKey := map[string]domain.Keyword{}
	var fresh []domain.Keyword
	for _, k := range kws {
		if k.Status != domain.KeywordNew {
			o.fail(k.ID, "already mapped to a cluster")
			continue
		}
		byKey[domain.KeywordKey(k.Keyword)] = k
		fresh = append(fresh, k)
	}
	in := clusteringInput(fresh)
	if len(in.Keywords) == 0 {
		return w.finish(ctx, &o)
	}
	var ans ai.ClusteringOutput
	if _, err := w.text(ctx, 0, clusteringRequest(w.model.ModelID, in), &ans, nil); err != nil {
		return Result{}, err
	}
	placed := map[string]bool{}
	for i, cl := range ans.Clusters {
		var members []domain.Keyword
		for _, text := range cl.Keywords {
			k, ok := byKey[domain.KeywordKey(text)]
			if ok && !placed[k.ID] {
				placed[k.ID] = true
				members = append(members, k)
			}
		}
		if len(members) == 0 {
			continue
		}
		cluster := domain.Cluster{ID: w.id(i), SiteID: job.SiteID, SectorID: members[0].SectorID, Name: domain.Clip(cl.Name, 200),
			Description: domain.Clip(cl.Description, 1000), Status: domain.ClusterNew, CreatedAt: w.saved.At}
		for _, k := range members {
			cluster.KeywordsCount++
			cluster.Volume += k.Volume
		}
		var u store.Tx
		if err := w.r.Store.PutCluster(&u, job.AccountID, cluster); err != nil {
			return Result{}, err
		}
		o.units = append(o.units, u)
		for _, k := range members {
			var m store.Tx
			w.r.Store.MapKeyword(&m, job.AccountID, k, cluster.ID)
			o.units = append(o.units, m)
		}
		o.ids = append(o.ids, cluster.ID)
	}
	for _, k := range in.Keywords {
		if !placed[k.ID] {
			o.fail(k.ID, "the model left this keyword out of every cluster")
		}
	}
	return w.finish(ctx, &o)
}

func (w *work) ideas(ctx context.Context) (Result, error) {
	job := w.job
	var o made
	n := 0
	return eachItem(ctx, w, &o, w.r.Store.GetCluster, "no such cluster", func(ci int, cid string, cl domain.Cluster) error {
		kws, err := w.r.Store.KeywordsOfCluster(ctx, job.AccountID, job.SiteID, cid)
		if err != nil {
			return err
		}
		var ans ai.IdeaOutput
		if _, err := w.text(ctx, ci, ideasRequest(w.model.ModelID, ideaInput(cl, kws)), &ans, nil); err != nil {
			return err
		}
		for _, idea := range ans.Ideas {
			words := int64(idea.EstimatedWordCount)
			if words <= 0 {
				words = DefaultWordCount
			}
			it := domain.ContentIdea{ID: w.id(n), SiteID: job.SiteID, ClusterID: cid, Title: domain.Clip(idea.Title, 300),
				Description: domain.Clip(idea.Description, 2000), ContentType: orDefault(idea.ContentType, "post"),
				ContentStructure: orDefault(idea.ContentStructure, ai.StructureArticle), EstimatedWordCount: min(words, 5000),
				Keywords: nonNil(idea.TargetKeywords), Status: domain.IdeaNew, CreatedAt: w.saved.At}
			n++
			var u store.Tx
			if err := w.r.Store.PutIdea(&u, job.AccountID, it); err != nil {
				return err
			}
			o.add(u, it.ID)
		}
		if cl.Status == domain.ClusterNew {
			var u store.Tx
			w.r.Store.SetClusterStatus(&u, job.AccountID, cl, domain.ClusterMapped)
			o.units = append(o.units, u)
		}
		return nil
	})
}

func (w *work) createTasks(ctx context.Context) (Result, error) {
	job := w.job
	var o made
	return eachItem(ctx, w, &o, w.r.Store.GetIdea, "no such idea", func(i int, iid string, idea domain.ContentIdea) error {
		if idea.Status != domain.IdeaNew {
			o.fail(iid, "a task was already made from this idea")
			return nil
		}
		t := domain.Task{ID: w.id(i), SiteID: job.SiteID, IdeaID: idea.ID, ClusterID: idea.ClusterID, Title: idea.Title,
			Keywords: nonNil(idea.Keywords), WordCount: idea.EstimatedWordCount, ContentStructure: idea.ContentStructure,
			Status: domain.TaskQueued, CreatedAt: w.saved.At}
		var u store.Tx
		if err := w.r.Store.PutTask(&u, job.AccountID, t); err != nil {
			return err
		}
		w.r.Store.SetIdeaStatus(&u, job.AccountID, idea, domain.IdeaQueued)
		o.add(u, t.ID)
		return nil
	})
}

func (w *work) content(ctx context.Context) (Result, error) {
	job := w.job
	var o made
	return eachItem(ctx, w, &o, w.r.Store.GetTask, "no such task", func(i int, tid string, t domain.Task) error {
		if t.Status != domain.TaskQueued {
			o.fail(tid, "this task already has content")
			return nil
		}
		var ans ai.ContentOutput
		_, err := w.text(ctx, i, contentRequest(w.model.ModelID, contentInput(t)), &ans, func() error {
			if strings.TrimSpace(ans.HTML) == "" {
				return &ai.Error{Kind: ai.Malformed, Provider: w.model.Provider, Message: "the article has no body"}
			}
			return nil
		})
		if err != nil {
			return err
		}
		content := domain.Content{ID: w.id(i), SiteID: job.SiteID, TaskID: t.ID, ClusterID: t.ClusterID, Title: domain.Clip(orDefault(ans.Title, t.Title), 300),
			HTML: ans.HTML, MetaTitle: domain.Clip(ans.MetaTitle, 60), MetaDescription: domain.Clip(ans.MetaDescription, 160), Keywords: t.Keywords,
			WordCount: int64(ai.CountWords(ans.HTML)), Status: domain.ContentDraft, SiteStatus: domain.SiteNotPublished, CreatedAt: w.saved.At}
		var u store.Tx
		if err := w.r.Store.PutContent(&u, job.AccountID, content); err != nil {
			return err
		}
		w.r.Store.SetTaskStatus(&u, job.AccountID, t, domain.TaskCompleted)
		if idea, err := w.r.Store.GetIdea(ctx, job.AccountID, job.SiteID, t.IdeaID); err == nil && idea.Status == domain.IdeaQueued {
			w.r.Store.SetIdeaStatus(&u, job.AccountID, idea, domain.IdeaCompleted)
		}
		o.add(u, content.ID)
		return nil
	})
}

var headingRE = regexp.MustCompile(`(?is)<h2[^>]*>(.*?)</h2>`)
var tagRE = regexp.MustCompile(`<[^>]+>`)

func (w *work) imagePrompts(ctx context.Context) (Result, error) {
	job := w.job
	var opt PromptOptions
	if len(job.Options) > 0 {
		if err := json.Unmarshal(job.Options, &opt); err != nil {
			return Result{}, domain.Invalid("options", "%v", err)
		}
	}
	// The site says how many in-article images its articles get.
	site, err := w.r.Store.GetSite(ctx, job.AccountID, job.SiteID)
	if err != nil {
		return Result{}, err
	}
	var o made
	n := 0
	return eachItem(ctx, w, &o, w.r.Store.GetContent, "no such content", func(i int, cid string, c domain.Content) error {
		var ans ai.ImagePromptsOutput
		_, err := w.text(ctx, i, imagePromptsRequest(w.model.ModelID, imagePromptsInput(c, site.MaxInArticleImages)), &ans, func() error {
			if strings.TrimSpace(ans.Featured) == "" {
				return &ai.Error{Kind: ai.Malformed, Provider: w.model.Provider, Message: "no featured-image prompt"}
			}
			return nil
		})
		if err != nil {
			return err
		}
		var mark store.Tx
		w.r.Store.MarkImagePrompted(&mark, job.AccountID, c)
		o.units = append(o.units, mark)
		// A model that wrote more in-article prompts than asked for does not
		// get more images made (nor charged) than the site wants.
		prompts := append([]string{ans.Featured}, ans.InArticle[:min(len(ans.InArticle), site.MaxInArticleImages)]...)
		if opt.Replace {
			if err := w.supersedePending(ctx, &o, c, n, len(prompts)); err != nil {
				return err
			}
		}
		for pos, p := range prompts {
			img := domain.Image{ID: w.id(n), SiteID: job.SiteID, ContentID: c.ID, ImageType: "in_article", Prompt: domain.Clip(p, 2000),
				Position: int64(pos), Status: domain.ImagePending, CreatedAt: w.saved.At}
			if pos == 0 {
				img.ImageType = "featured"
			}
			n++
			var u store.Tx
			if err := w.r.Store.PutImage(&u, job.AccountID, img); err != nil {
				return err
			}
			o.add(u, img.ID)
		}
		return nil
	})
}

// supersedePending retires the pending images of c's old prompts, so no
// stage renders them, in favour of the count images this step makes from
// its n-th ID. The list is the same on every attempt (the chunks of a step
// must be): an image this step already superseded counts as still pending.
func (w *work) supersedePending(ctx context.Context, o *made, c domain.Content, n, count int) error {
	mine := map[string]bool{}
	for i := n; i < n+count; i++ {
		mine[w.id(i)] = true
	}
	imgs, err := w.r.Store.ImagesOfContent(ctx, w.job.AccountID, w.job.SiteID, c.ID)
	if err != nil {
		return err
	}
	for _, img := range imgs {
		switch {
		case img.Status == domain.ImagePending && !mine[img.ID]:
		case img.Status == domain.ImageSuperseded && mine[img.SupersededBy]:
			img.Status = domain.ImagePending
		default:
			continue
		}
		var u store.Tx
		w.r.Store.SupersedeImage(&u, w.job.AccountID, img, w.id(n))
		o.units = append(o.units, u)
	}
	return nil
}

// review is stage 7: drafts go to review, or straight to approved when the
// site auto-approves. No AI, no credits.
func (w *work) review(ctx context.Context) (Result, error) {
	job := w.job
	settings, err := w.r.Store.GetPublishingSettings(ctx, job.AccountID, job.SiteID)
	if err != nil {
		return Result{}, err
	}
	to := domain.ContentReview
	if settings.AutoApprovalEnabled {
		to = domain.ContentApproved
	}
	var o made
	res, err := eachItem(ctx, w, &o, w.r.Store.GetContent, "no such content", func(_ int, _ string, c domain.Content) error {
		// Only drafts: anything else was reviewed by a person, and rejected
		// content stays rejected (auto-publish, below, schedules only
		// approved content).
		if c.Status != domain.ContentDraft {
			return nil
		}
		var u store.Tx
		w.r.Store.SetContentStatus(&u, job.AccountID, c, to)
		o.add(u, c.ID)
		return nil
	})
	if err != nil || to != domain.ContentApproved || w.r.Publishing == nil {
		return res, err
	}
	// Auto-publish: the approved items get their slots. The whole batch is
	// passed (not just what this delivery approved) so a retry after a
	// failure here still schedules them; scheduling is idempotent.
	if _, err := w.r.Publishing.AutoSchedule(ctx, job.AccountID, job.SiteID, job.ItemIDs); err != nil {
		return Result{}, fmt.Errorf("schedule approved content: %w", err)
	}
	return res, nil
}

// ImageOptions are the options of an image regeneration.
type ImageOptions struct {
	Regenerate bool `json:"regenerate,omitempty"`
	// CustomPrompt is appended to the image's original prompt (empty: the
	// original is used as it is).
	CustomPrompt string `json:"custom_prompt,omitempty"`
}

// RegenerationPrompt is the prompt a regeneration sends: the original, and
// after it the user's custom text when there is one.
func RegenerationPrompt(original, custom string) string {
	custom = strings.TrimSpace(custom)
	if custom == "" {
		return original
	}
	base := strings.TrimRight(strings.TrimSpace(original), ". ")
	if base == "" {
		return custom
	}
	return base + ". " + custom
}

func (w *work) images(ctx context.Context) (Result, error) {
	job := w.job
	var opt ImageOptions
	if len(job.Options) > 0 {
		if err := json.Unmarshal(job.Options, &opt); err != nil {
			return Result{}, domain.Invalid("options", "%v", err)
		}
	}
	p, ok := w.r.Providers.Image[w.model.Provider]
	if !ok {
		// The tier was available when the operation was quoted and is not
		// now (its key was removed): the same conflict the quote gives,
		// before any provider call or charge.
		return Result{}, &TierUnavailableError{Tier: w.model.QualityTier, Type: domain.ModelImage}
	}
	var o made
	images := int64(0)
	res, err := eachItem(ctx, w, &o, w.r.Store.GetImage, "no such image", func(i int, iid string, img domain.Image) error {
		if !opt.Regenerate && img.Status == domain.ImageGenerated {
			o.fail(iid, "already generated: use regenerate")
			return nil
		}
		if img.Status == domain.ImageSuperseded {
			o.fail(iid, "a previous version: regenerate the current one")
			return nil
		}
		prompt := img.Prompt
		if opt.Regenerate {
			prompt = RegenerationPrompt(img.Prompt, opt.CustomPrompt)
		}
		newID := img.ID
		if opt.Regenerate {
			newID = w.id(i)
		}
		call, err := w.call(ctx, i, func() (savedCall, error) {
			start := time.Now()
			res, err := p.Generate(ctx, ai.ImageRequest{Model: w.model.ModelID, Prompt: prompt, Width: ImageWidth, Height: ImageHeight})
			observeProvider(w.model.Provider, start, err)
			if err != nil {
				ce := ai.Classify(err)
				if ce.Retryable() {
					return savedCall{}, ce
				}
				// Refused or permanent for this image: record it (as users
				// may read it; the vendor's words go to the log), go on.
				if w.r.Log != nil {
					w.r.Log.WarnContext(ctx, "image not generated", "key", w.key, "image", iid, "error", ce.Error())
				}
				return savedCall{Provider: w.model.Provider, Model: w.model.ModelID, Failed: ai.UserMessage(ce)}, nil
			}
			url, err := w.r.Blobs.Put(ctx, fmt.Sprintf("images/%s/%s/%s.png", job.AccountID, job.SiteID, newID), res.Data, res.ContentType)
			if err != nil {
				return savedCall{}, err
			}
			return savedCall{Provider: res.Provider, Model: res.Model, URL: url, CostMicroUSD: res.CostMicroUSD}, nil
		}, nil)
		if err != nil {
			return err
		}
		if call.Failed != "" {
			reason := ai.Sanitize(call.Failed)
			o.fail(iid, reason)
			// A first generation that failed is recorded on the image (failed,
			// with the reason; not charged: Charge counts made images only).
			// A failed regeneration leaves the current version as it is.
			if !opt.Regenerate {
				var u store.Tx
				w.r.Store.SetImageFailed(&u, job.AccountID, img, reason)
				o.units = append(o.units, u)
			}
			return nil
		}
		images++
		var u store.Tx
		if opt.Regenerate {
			next := domain.Image{ID: newID, SiteID: img.SiteID, ContentID: img.ContentID, ImageType: img.ImageType, Prompt: prompt,
				URL: call.URL, Position: img.Position, Status: domain.ImageGenerated, Provider: call.Provider, Model: call.Model,
				Tier: w.model.QualityTier, CreatedAt: w.saved.At}
			if err := w.r.Store.PutImage(&u, job.AccountID, next); err != nil {
				return err
			}
			w.r.Store.SupersedeImage(&u, job.AccountID, img, newID)
		} else {
			w.r.Store.SetImageGenerated(&u, job.AccountID, img, call.URL, call.Provider, call.Model, w.model.QualityTier)
		}
		o.add(u, newID)
		return nil
	})
	res.Images = images
	return res, err
}

func summary(html string) string {
	text := strings.Join(strings.Fields(tagRE.ReplaceAllString(html, " ")), " ")
	return domain.Clip(text, 300)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}
