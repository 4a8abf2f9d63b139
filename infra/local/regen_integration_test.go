package local

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/aitest"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/ai/openai"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// pendingImages makes one article and its image prompts, and returns the
// pending images (featured first).
func (s *testStack) pendingImages(t *testing.T, key, site string) []string {
	t.Helper()
	content := s.article(t, key, site, sixKeywords(t, s, key, site))
	op := s.run(t, key, "/v1/sites/"+site+"/content/"+content+"/generate-image-prompts", nil)
	if op.Status != domain.OperationSucceeded || len(op.Results) == 0 {
		t.Fatalf("image prompts: %+v", op)
	}
	return op.Results
}

// image reads an image as the images list shows it (there is no route for
// one image).
func (s *testStack) image(t *testing.T, key, site, id string) domain.Image {
	t.Helper()
	for _, img := range listAll[domain.Image](t, s, key, "/v1/sites/"+site+"/images?include=superseded") {
		if img.ID == id {
			return img
		}
	}
	t.Fatalf("image %s is not listed", id)
	return domain.Image{}
}

// Regeneration as the seed has it: the custom prompt is appended to the
// original, "use original" re-runs the original, the quote is what is
// charged, and a tier that cannot run here (no provider key for it) is a
// 409 naming it, before anything is reserved or started.
func TestIntegrationRegenerationAsSpecified(t *testing.T) {
	s := newTestStack(t) // no provider keys: only the offline (basic) models run
	ctx := context.Background()
	acct, key, site := func() (string, string, string) { a, k := s.account(t, 5000); return a, k, s.site(t, k) }()
	imgs := s.pendingImages(t, key, site)
	op := s.run(t, key, "/v1/sites/"+site+"/images/generate", map[string]any{"image_ids": imgs[:1]})
	if op.Status != domain.OperationSucceeded {
		t.Fatalf("generate: %+v", op)
	}
	original := s.image(t, key, site, imgs[0])
	base := "/v1/sites/" + site + "/images/" + imgs[0] + "/regenerate"

	before, _ := s.Deps.Store.GetAccount(ctx, acct)
	for _, tier := range []string{"quality", "premium"} {
		r := s.c.Do("GET", base+"/quote?quality_tier="+tier, nil, auth(key)...)
		if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), tier) {
			t.Fatalf("quote %s: %d %s", tier, r.Status, r.Body)
		}
		r = s.c.Do("POST", base, map[string]any{"quality_tier": tier}, auth(key)...)
		if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), tier) {
			t.Fatalf("regenerate %s: %d %s", tier, r.Status, r.Body)
		}
	}
	if after, _ := s.Deps.Store.GetAccount(ctx, acct); after.Available != before.Available || after.Reserved != 0 {
		t.Fatalf("a refused tier moved credits: %+v -> %+v", before, after)
	}

	var q struct {
		Credits     int64              `json:"credits"`
		QualityTier domain.QualityTier `json:"quality_tier"`
	}
	s.c.Do("GET", base+"/quote?quality_tier=basic", nil, auth(key)...).JSON(t, &q)
	custom := "in watercolour, at dusk"
	op = s.run(t, key, base, map[string]any{"custom_prompt": custom, "use_original_prompt": false, "quality_tier": "basic"})
	if op.Status != domain.OperationSucceeded || len(op.Results) != 1 || op.CreditsUsed != q.Credits || op.EstimatedCred != q.Credits || q.Credits == 0 {
		t.Fatalf("regeneration %+v, quoted %+v", op, q)
	}
	next := s.image(t, key, site, op.Results[0])
	if !strings.Contains(next.Prompt, strings.TrimRight(original.Prompt, ". ")) || !strings.HasSuffix(next.Prompt, ". "+custom) || next.Tier != q.QualityTier {
		t.Fatalf("regenerated prompt %q from %q + %q", next.Prompt, original.Prompt, custom)
	}
	if old := s.image(t, key, site, imgs[0]); old.Status != domain.ImageSuperseded || old.SupersededBy != next.ID {
		t.Fatalf("previous version: %+v", old)
	}

	// "Use original" re-runs the original prompt of the current version.
	op = s.run(t, key, "/v1/sites/"+site+"/images/"+next.ID+"/regenerate", map[string]any{})
	if op.Status != domain.OperationSucceeded || len(op.Results) != 1 {
		t.Fatalf("regenerate with the original: %+v", op)
	}
	if again := s.image(t, key, site, op.Results[0]); again.Prompt != next.Prompt {
		t.Fatalf("use original sent %q, want %q", again.Prompt, next.Prompt)
	}
}

// Provider failures of each class, from a fake vendor API (the real OpenAI
// adapter against aitest) whose errors name itself and its models: every
// user-facing response (the operation, the images, the AI task logs, the
// notifications) says what happened and names no vendor or model. Refused
// and permanent failures are per image (the image is failed with the
// reason, nothing is charged); the others are retried, then fail the
// operation.
func TestIntegrationProviderFailuresNameNoVendor(t *testing.T) {
	s := newTestStack(t)
	acct, key := s.account(t, 5000)
	site := s.site(t, key)
	// Six images per article (the most a site may ask for): one per class.
	var st domain.Site
	s.c.Do("PATCH", "/v1/sites/"+site, map[string]any{"max_in_article_images": 5}, auth(key)...).JSON(t, &st)
	imgs := s.pendingImages(t, key, site)
	if st.MaxInArticleImages != 5 || len(imgs) != 6 {
		t.Fatalf("site %+v made %d images", st, len(imgs))
	}

	var mode atomic.Value
	srv, _ := aitest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		mode.Load().(http.HandlerFunc)(w, r)
	})
	// The image model here is the offline one; its adapter is swapped for
	// the vendor's, pointed at the fake.
	s.Deps.Providers.Image[ai.ProviderOffline] = openai.New("sk-test-0123456789abcdef", srv.URL+"/v1", &http.Client{Timeout: 5 * time.Second}, openai.Options{})

	classes := []struct {
		name     string
		respond  http.HandlerFunc
		wantName string // the operation error's name
		imgFail  bool   // the image itself is recorded failed
	}{
		{"refused", aitest.JSON(400, `{"error":{"message":"Your request was rejected as a result of our safety system. gpt-image-1 (OpenAI) will not draw this.","type":"image_generation_user_error","code":"content_policy_violation"}}`),
			"Items.Failed", true},
		{"permanent", aitest.JSON(401, `{"error":{"message":"Incorrect API key provided: sk-tes***cdef. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","code":"invalid_api_key"}}`),
			"Items.Failed", true},
		{"rate limited", aitest.JSON(429, `{"error":{"message":"Rate limit reached for gpt-image-1 in organization org-abc on images per minute. Visit https://platform.openai.com/account/rate-limits","type":"requests","code":"rate_limit_exceeded"}}`),
			ai.NameRateLimited, false},
		{"transient", aitest.JSON(500, `{"error":{"message":"The OpenAI server had an error processing your request (dall-e-3 fallback).","type":"server_error","code":null}}`),
			ai.NameTransient, false},
		{"malformed", aitest.JSON(200, `{"created":1,"data":[{"b64_json":"gpt-image-1 says: not base64 at all!"}]}`),
			"", false},
	}
	for i, c := range classes {
		mode.Store(c.respond)
		op := s.run(t, key, "/v1/sites/"+site+"/images/generate", map[string]any{"image_ids": imgs[i : i+1]})
		if op.Status != domain.OperationFailed || op.Error == nil || op.CreditsUsed != 0 || (c.wantName != "" && op.Error.Name != c.wantName) {
			t.Fatalf("%s: operation %+v %+v", c.name, op, op.Error)
		}
		img := s.image(t, key, site, imgs[i])
		if c.imgFail && (img.Status != domain.ImageFailed || img.Error == "" || len(op.FailedItems) != 1 || op.FailedItems[0].Error != img.Error) {
			t.Fatalf("%s: image %+v, operation failed items %+v", c.name, img, op.FailedItems)
		}
		if !c.imgFail && img.Status != domain.ImagePending {
			t.Fatalf("%s: image %+v", c.name, img)
		}
	}
	if a, _ := s.Deps.Store.GetAccount(context.Background(), acct); a.Reserved != 0 {
		t.Fatalf("holds left: %+v", a)
	}

	// Every user-facing answer: read raw, scanned for vendor and model names.
	var notes []domain.Notification
	for _, path := range []string{"/v1/sites/" + site + "/images?limit=100", "/v1/account/ai-tasks?limit=100", "/v1/notifications?limit=100", "/v1/operations/"} {
		if path == "/v1/operations/" {
			continue // each operation is read below
		}
		r := s.c.Do("GET", path, nil, auth(key)...)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		scanVendors(t, path, r.Body)
		if strings.HasPrefix(path, "/v1/notifications") {
			r.JSON(t, &struct {
				Items *[]domain.Notification `json:"items"`
			}{&notes})
		}
	}
	types := map[string]bool{}
	for _, n := range notes {
		types[n.Type] = true
		if n.OperationID != "" {
			r := s.c.Do("GET", "/v1/operations/"+n.OperationID, nil, auth(key)...)
			scanVendors(t, "/v1/operations/"+n.OperationID, r.Body)
		}
	}
	for _, want := range []string{"ai_image_failed", "ai_image_prompts_success", "ai_content_success", "ai_cluster_success"} {
		if !types[want] {
			t.Errorf("no %s notification among %v", want, types)
		}
	}
}

// ourIDs are the IDs we mint (store.NewID: 26 lower-case base-32
// characters), blanked before the scan: a random one may spell "gpt".
var ourIDs = regexp.MustCompile(`\b[0-9a-z]{26}\b`)

func scanVendors(t *testing.T, what string, body []byte) {
	t.Helper()
	body = ourIDs.ReplaceAll(body, []byte("<id>"))
	low := strings.ToLower(string(body))
	for _, v := range append(ai.VendorNames, "sk-tes", "platform.") {
		if strings.Contains(low, v) {
			i := strings.Index(low, v)
			t.Errorf("%s names %q: …%s…", what, v, string(body[max(0, i-120):min(len(body), i+80)]))
		}
	}
}

// A manual batch with one refused image ends partially_succeeded: the
// refused image is failed with its reason and not charged, the others are
// made and charged, and the notification says so (ai_image_partial).
// max_in_article_images is a site setting, 0-5.
func TestIntegrationPartialImageBatch(t *testing.T) {
	var images atomic.Int32
	s := newTestStack(t, offline.WithFailures(func(req any) error {
		if _, ok := req.(ai.ImageRequest); ok && images.Add(1) == 2 {
			return &ai.Error{Kind: ai.Refused, Provider: "openai", Code: "content_policy_violation", Message: "dall-e-3 refused this prompt"}
		}
		return nil
	}))
	_, key := s.account(t, 5000)
	site := s.site(t, key)
	for _, n := range []any{6, -1, 2.5, "two"} {
		if r := s.c.DoRaw("PATCH", "/v1/sites/"+site, map[string]any{"max_in_article_images": n}, auth(key)...); r.Status != http.StatusBadRequest ||
			!strings.Contains(string(r.Body), "max_in_article_images") {
			t.Fatalf("max_in_article_images %v: %d %s", n, r.Status, r.Body)
		}
	}
	imgs := s.pendingImages(t, key, site)
	if len(imgs) != 1+domain.DefaultInArticleImages {
		t.Fatalf("%d images with the default setting", len(imgs))
	}
	op := s.run(t, key, "/v1/sites/"+site+"/images/generate", map[string]any{"image_ids": imgs})
	if op.Status != domain.OperationPartiallySucceeded || len(op.Results) != 2 || len(op.FailedItems) != 1 || op.FailedItems[0].ID != imgs[1] ||
		op.CreditsUsed != 2 || op.Error != nil {
		t.Fatalf("operation %+v", op)
	}
	failed := s.image(t, key, site, imgs[1])
	if failed.Status != domain.ImageFailed || failed.Error == "" || failed.Error != op.FailedItems[0].Error {
		t.Fatalf("refused image %+v", failed)
	}
	var partial *domain.Notification
	for _, n := range listAll[domain.Notification](t, s, key, "/v1/notifications") {
		if n.OperationID == op.ID {
			partial = &n
		}
	}
	if partial == nil || partial.Type != "ai_image_partial" || partial.Severity != domain.SeverityWarning || !strings.Contains(partial.Message, imgs[1]) {
		t.Fatalf("notification %+v", partial)
	}
	for _, tl := range listAll[domain.AITaskLog](t, s, key, "/v1/account/ai-tasks") {
		if tl.OperationID == op.ID && (tl.Status != domain.TaskLogPartial || tl.CreditsUsed != 2 || !strings.Contains(tl.Error, imgs[1])) {
			t.Fatalf("AI task log %+v", tl)
		}
	}
	r := s.c.Do("GET", "/v1/operations/"+op.ID, nil, auth(key)...)
	scanVendors(t, "the operation", r.Body)

	// The failed image can be generated again.
	op = s.run(t, key, "/v1/sites/"+site+"/images/generate", map[string]any{"image_ids": imgs[1:2]})
	if op.Status != domain.OperationSucceeded || s.image(t, key, site, imgs[1]).Status != domain.ImageGenerated {
		t.Fatalf("retry of the failed image: %+v", op)
	}
}
