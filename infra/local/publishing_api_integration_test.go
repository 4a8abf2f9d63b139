package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/platform/shopify"
	"github.com/igny8/igny8-serverless/shared/platform/shopify/shopifytest"
	"github.com/igny8/igny8-serverless/shared/platform/webhook"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Done when: PATCH with a limit field → 400; PUT with one bad field → 400
// and nothing saved.
func TestIntegrationPublishingSettingsValidation(t *testing.T) {
	s := newTestStack(t)
	_, key := s.account(t, 0)
	site := s.site(t, key)
	path := "/v1/sites/" + site + "/publishing-settings"
	var def domain.PublishingSettings
	s.c.Do("GET", path, nil, auth(key)...).JSON(t, &def)
	if def.DailyLimit != 3 || def.WeeklyLimit != 15 || def.MonthlyLimit != 60 || len(def.TimeSlots) != 3 || def.TimeZone != "UTC" || def.AutoPublishEnabled {
		t.Fatalf("defaults: %+v", def)
	}
	r := s.c.DoRaw("PATCH", path, map[string]any{"auto_publish_enabled": true, "daily_limit": 9}, auth(key)...)
	if r.Status != 400 || field(t, r.Body) != "daily_limit" {
		t.Fatalf("PATCH with a limit: %d %s", r.Status, r.Body)
	}
	good := map[string]any{"daily_limit": 4, "weekly_limit": 20, "monthly_limit": 80, "publish_days": []string{"tue", "mon"},
		"time_slots": []string{"16:30", "08:15", "12:00", "19:45"}, "time_zone": "Asia/Kolkata"}
	var saved domain.PublishingSettings
	if r := s.c.Do("PUT", path, good, auth(key)...); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &saved)
	}
	if saved.DailyLimit != 4 || saved.TimeZone != "Asia/Kolkata" || saved.PublishDays[0] != "mon" || saved.TimeSlots[0] != "08:15" || saved.AutoPublishEnabled {
		t.Fatalf("saved: %+v (the rejected PATCH must not have turned auto-publish on)", saved)
	}
	for name, tc := range map[string]struct {
		change map[string]any
		field  string
	}{
		"bad zone":           {map[string]any{"time_zone": "Mars/Olympus"}, "time_zone"},
		"slot format":        {map[string]any{"time_slots": []string{"9:00"}}, "time_slots"},
		"duplicate slots":    {map[string]any{"time_slots": []string{"09:00", "09:00"}}, "time_slots"},
		"negative limit":     {map[string]any{"weekly_limit": -1}, "weekly_limit"},
		"daily over weekly":  {map[string]any{"daily_limit": 30}, "daily_limit"},
		"daily over slots":   {map[string]any{"daily_limit": 3, "time_slots": []string{"09:00", "18:00"}}, "daily_limit"},
		"unknown day":        {map[string]any{"publish_days": []string{"mon", "funday"}}, "publish_days"},
		"missing field":      {map[string]any{"monthly_limit": nil}, "monthly_limit"},
		"a toggle":           {map[string]any{"auto_approval_enabled": true}, "auto_approval_enabled"},
		"limit not a number": {map[string]any{"daily_limit": "five"}, "daily_limit"},
	} {
		body := map[string]any{}
		for k, v := range good {
			body[k] = v
		}
		for k, v := range tc.change {
			if v == nil {
				delete(body, k)
			} else {
				body[k] = v
			}
		}
		body["daily_limit"], body["time_slots"] = orDefault(tc.change, "daily_limit", 1), orDefault(tc.change, "time_slots", []string{"07:00"})
		r := s.c.DoRaw("PUT", path, body, auth(key)...)
		if r.Status != 400 || field(t, r.Body) != tc.field {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
		var now domain.PublishingSettings
		s.c.Do("GET", path, nil, auth(key)...).JSON(t, &now)
		if now.DailyLimit != 4 || now.TimeSlots[0] != "08:15" || now.TimeZone != "Asia/Kolkata" {
			t.Errorf("%s: something was saved: %+v", name, now)
		}
	}
	// Another account's site is not found.
	_, other := s.account(t, 0)
	if r := s.c.Do("PUT", path, good, auth(other)...); r.Status != 404 {
		t.Fatalf("another account: %d", r.Status)
	}
}

func orDefault(m map[string]any, k string, d any) any {
	if v, ok := m[k]; ok && v != nil {
		return v
	}
	return d
}

func field(t *testing.T, body []byte) string { return errorOf(t, body).Field }

// errorOf reads an error answer.
func errorOf(t *testing.T, body []byte) httpapi.ErrorDetail {
	t.Helper()
	var e httpapi.ErrorBody
	_ = json.Unmarshal(body, &e)
	return e.Error
}

// Manual scheduling: a time in the future, moved, taken off again; the
// calendar follows; a draft cannot be scheduled; another account gets 404.
func TestIntegrationManualSchedule(t *testing.T) {
	s := newTestStack(t)
	_, key := s.account(t, 0)
	site := s.site(t, key)
	ids := s.seedApproved(t, key, site, 1)
	path := "/v1/sites/" + site + "/content/" + ids[0] + "/schedule"
	if r := s.c.Do("POST", path, map[string]any{"at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}, auth(key)...); r.Status != 400 || field(t, r.Body) != "at" {
		t.Fatalf("past time: %d %s", r.Status, r.Body)
	}
	if r := s.c.DoRaw("POST", path, map[string]any{"at": "next tuesday"}, auth(key)...); r.Status != 400 || field(t, r.Body) != "at" {
		t.Fatalf("bad time: %d %s", r.Status, r.Body)
	}
	at := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second)
	var c domain.Content
	s.c.Do("POST", path, map[string]any{"at": at.Format(time.RFC3339)}, auth(key)...).JSON(t, &c)
	if c.SiteStatus != domain.SiteScheduled || !c.ScheduledPublishAt.Equal(at) {
		t.Fatalf("scheduled: %s %v", c.SiteStatus, c.ScheduledPublishAt)
	}
	moved := at.Add(24 * time.Hour)
	s.c.Do("POST", path, map[string]any{"at": moved.Format(time.RFC3339)}, auth(key)...).JSON(t, &c)
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	var cal publishing.Calendar
	s.c.Do("GET", "/v1/sites/"+site+"/calendar?from="+day(at)+"&to="+day(moved), nil, auth(key)...).JSON(t, &cal)
	if cal.Scheduled != 1 || len(cal.Days) != 2 || len(cal.Days[1].Scheduled) != 1 || len(cal.Days[0].Scheduled) != 0 {
		t.Fatalf("calendar after the move: %+v", cal)
	}
	if r := s.c.Do("POST", "/v1/sites/"+site+"/content/"+ids[0]+"/reject", nil, auth(key)...); r.Status != 409 {
		t.Fatalf("reject while scheduled: %d", r.Status)
	}
	_, other := s.account(t, 0)
	if r := s.c.Do("DELETE", path, nil, auth(other)...); r.Status != 404 {
		t.Fatalf("another account: %d", r.Status)
	}
	c = domain.Content{}
	s.c.Do("DELETE", path, nil, auth(key)...).JSON(t, &c)
	if c.SiteStatus != domain.SiteNotPublished || c.ScheduledPublishAt != nil {
		t.Fatalf("unscheduled: %s %v", c.SiteStatus, c.ScheduledPublishAt)
	}
	if r := s.c.Do("DELETE", path, nil, auth(key)...); r.Status != 409 {
		t.Fatalf("unschedule twice: %d", r.Status)
	}
	s.c.Do("GET", "/v1/sites/"+site+"/calendar?from="+day(at)+"&to="+day(moved), nil, auth(key)...).JSON(t, &cal)
	if cal.Scheduled != 0 {
		t.Fatalf("calendar after unscheduling: %+v", cal)
	}
	for _, q := range []string{"from=2026-13-01&to=2026-12-01", "from=2026-12-10&to=2026-12-01", "from=2026-01-01&to=2026-12-31", "to=2026-12-01"} {
		if r := s.c.DoRaw("GET", "/v1/sites/"+site+"/calendar?"+q, nil, auth(key)...); r.Status != 400 {
			t.Errorf("calendar %s: %d", q, r.Status)
		}
	}
	// Publishing needs a connected site.
	if r := s.c.Do("POST", "/v1/sites/"+site+"/content/"+ids[0]+"/publish", nil, auth(key)...); r.Status != 409 {
		t.Fatalf("publish without a connection: %d %s", r.Status, r.Body)
	}
}

// A Shopify site publishes a blog article with its image; a 429 with
// Retry-After is waited out and the article is made once.
func TestIntegrationPublishToShopify(t *testing.T) {
	shop := shopifytest.New()
	defer shop.Close()
	s := newTestStack(t)
	s.allow(t, shop.URL)
	s.Publishing.Connect = func(in domain.SiteIntegration, secret string) (publishing.Target, error) {
		return shopify.New(shopify.Config{ShopDomain: in.ShopDomain, AdminToken: secret, BlogID: in.BlogID, BaseURL: shop.URL}, s.Deps.Guarded), nil
	}
	var waits []time.Duration
	s.Publishing.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	_, key := s.account(t, 0)
	var site domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Shop", "url": "https://" + shop.ShopDomain, "platform": "shopify"}, auth(key)...).JSON(t, &site)
	if r := s.c.DoRaw("PUT", "/v1/sites/"+site.ID+"/integration", map[string]any{"url": "https://x.example"}, auth(key)...); r.Status != 400 || field(t, r.Body) != "url" {
		t.Fatalf("a WordPress field on a Shopify site: %d %s", r.Status, r.Body)
	}
	r := s.c.Do("PUT", "/v1/sites/"+site.ID+"/integration", map[string]any{"shop_domain": shop.ShopDomain, "admin_token": shop.Token, "blog_id": shop.BlogID}, auth(key)...)
	if r.Status != 200 {
		t.Fatalf("connect: %d %s", r.Status, r.Body)
	}
	var check domain.ConnectionCheck
	s.c.Do("POST", "/v1/sites/"+site.ID+"/integration/test", nil, auth(key)...).JSON(t, &check)
	if !check.OK {
		t.Fatalf("check: %+v", check)
	}
	ids := s.seedApproved(t, key, site.ID, 1)
	shop.RateLimitNext(1, "2.0")
	if r := s.c.Do("POST", "/v1/sites/"+site.ID+"/content/"+ids[0]+"/publish", nil, auth(key)...); r.Status != 202 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	s.WaitPublishing()
	c := s.content(t, key, site.ID, ids[0])
	arts := shop.Articles()
	if c.SiteStatus != domain.SitePublished || len(arts) != 1 || arts[0].Image == nil || c.ExternalURL == "" {
		t.Fatalf("shopify: %s %q, %d articles", c.SiteStatus, c.PublishError, len(arts))
	}
	// The image went through the shop's Files (GraphQL takes URLs only), and
	// every Admin API call was a GraphQL POST to the pinned version.
	if len(arts[0].Image.Data) == 0 || len(shop.Files()) != 1 {
		t.Fatalf("shopify image %q (%d bytes), files %d", arts[0].Image.URL, len(arts[0].Image.Data), len(shop.Files()))
	}
	for _, req := range shop.Requests() {
		if req.Upload {
			if req.TokenSent {
				t.Errorf("the upload storage got the access token")
			}
			continue
		}
		if req.Method != "POST" || req.Path != "/admin/api/"+shopify.DefaultAPIVersion+"/graphql.json" {
			t.Errorf("shopify request %s %s", req.Method, req.Path)
		}
	}
	if len(waits) != 1 || waits[0] < 2*time.Second {
		t.Fatalf("waits %v: the Retry-After of 2 s was not honoured", waits)
	}
}

// A custom site gets a signed webhook; the receiver checks the signature
// and answers {id, url}; a repeat after a lost answer gets the same post.
func TestIntegrationPublishToWebhook(t *testing.T) {
	var mu sync.Mutex
	var secret string
	received := map[string]int{}
	verified := 0
	lose := 1
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if err := webhook.Verify(secret, r.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
			http.Error(w, err.Error(), 401)
			return
		}
		verified++
		if r.Header.Get(webhook.HeaderEvent) != webhook.EventPublish {
			w.WriteHeader(204)
			return
		}
		id := r.Header.Get(webhook.HeaderIdempotencyKey)
		received[id]++
		if lose > 0 { // the receiver made the post, the answer is lost
			lose--
			http.Error(w, "gateway timeout", 504)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"id": "post-" + id, "url": "https://custom.example/p/" + id})
	}))
	defer recv.Close()
	s := newTestStack(t)
	s.allow(t, recv.URL)
	s.Publishing.Sleep = func(context.Context, time.Duration) error { return nil }
	_, key := s.account(t, 0)
	var site domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Custom", "url": "https://custom.example", "platform": "custom"}, auth(key)...).JSON(t, &site)
	var conn publishing.Connected
	s.c.Do("PUT", "/v1/sites/"+site.ID+"/integration", map[string]any{"webhook_url": recv.URL + "/igny8"}, auth(key)...).JSON(t, &conn)
	if len(conn.SigningSecret) < 20 {
		t.Fatalf("no signing secret shown: %+v", conn)
	}
	mu.Lock()
	secret = conn.SigningSecret
	mu.Unlock()
	var in domain.SiteIntegration
	s.c.Do("GET", "/v1/sites/"+site.ID+"/integration", nil, auth(key)...).JSON(t, &in)
	raw, _ := json.Marshal(in)
	if in.SecretHint == "" || strings.Contains(string(raw), conn.SigningSecret) {
		t.Fatalf("the secret is shown again: %s", raw)
	}
	var check domain.ConnectionCheck
	s.c.Do("POST", "/v1/sites/"+site.ID+"/integration/test", nil, auth(key)...).JSON(t, &check)
	if !check.OK {
		t.Fatalf("check: %+v", check)
	}
	ids := s.seedApproved(t, key, site.ID, 1)
	if r := s.c.Do("POST", "/v1/sites/"+site.ID+"/content/"+ids[0]+"/publish", nil, auth(key)...); r.Status != 202 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	s.WaitPublishing()
	c := s.content(t, key, site.ID, ids[0])
	mu.Lock()
	defer mu.Unlock()
	if c.SiteStatus != domain.SitePublished || c.ExternalID != "post-"+ids[0] || received[ids[0]] != 2 || verified < 3 {
		t.Fatalf("webhook: %s %q %q, deliveries %d, verified %d", c.SiteStatus, c.ExternalID, c.PublishError, received[ids[0]], verified)
	}
}

// Allocations racing on one site never give two items the same slot: each
// one is conditional on the site's slot version, and the loser reads again.
// The counters match a recount afterwards.
func TestIntegrationConcurrentSchedulingTakesDistinctSlots(t *testing.T) {
	s := newTestStack(t)
	acct, key := s.account(t, 0)
	site := s.site(t, key)
	ids := s.seedApproved(t, key, site, 12)
	if r := s.c.Do("PUT", "/v1/sites/"+site+"/publishing-settings", map[string]any{"daily_limit": 2, "weekly_limit": 14, "monthly_limit": 62,
		"publish_days": []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, "time_slots": []string{"10:00", "15:00", "20:00"}}, auth(key)...); r.Status != 200 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	if _, err := s.Deps.Store.SetPublishingToggles(context.Background(), acct, site, nil, ptr(true)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(part []string) {
			defer wg.Done()
			if _, err := s.Publishing.AutoSchedule(context.Background(), acct, site, part); err != nil {
				t.Error(err)
			}
		}(ids[2*i : 2*i+2])
	}
	wg.Wait()
	seen := map[time.Time]string{}
	perDay := map[string]int{}
	for _, id := range ids {
		c := s.content(t, key, site, id)
		if c.SiteStatus != domain.SiteScheduled || c.ScheduledPublishAt == nil {
			t.Fatalf("%s: %s", id, c.SiteStatus)
		}
		if other, dup := seen[*c.ScheduledPublishAt]; dup {
			t.Fatalf("%s and %s share the slot %v", id, other, c.ScheduledPublishAt)
		}
		seen[*c.ScheduledPublishAt] = id
		perDay[c.ScheduledPublishAt.Format("2006-01-02")]++
	}
	for d, n := range perDay {
		if n > 2 {
			t.Errorf("%s: %d items over a daily limit of 2", d, n)
		}
	}
	s.noStatsDrift(t, key, site)
}

func ptr[T any](v T) *T { return &v }

// noStatsDrift audits the site's counters: each must equal a recount.
func (s *testStack) noStatsDrift(t *testing.T, key, site string) {
	t.Helper()
	var audit struct {
		Drift map[string]int64 `json:"drift"`
	}
	s.c.Do("POST", "/v1/sites/"+site+"/stats/audit", nil, auth(key)...).JSON(t, &audit)
	for c, d := range audit.Drift {
		if d != 0 {
			t.Errorf("counter %s drifted by %d", c, d)
		}
	}
}

// memTarget is a platform in memory that counts what it makes.
type memTarget struct {
	mu    sync.Mutex
	posts map[string]platform.Remote
}

func (m *memTarget) Check(context.Context) error { return nil }

func (m *memTarget) Find(_ context.Context, id string) (platform.Remote, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.posts[id]
	return r, ok, nil
}

func (m *memTarget) Create(_ context.Context, p platform.Post) (platform.Remote, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := platform.Remote{ID: fmt.Sprint(len(m.posts) + 1), URL: "https://mem.example/" + p.Slug}
	m.posts[p.ContentID] = r
	return r, nil
}

// A publisher that keeps dying after the post is made (our write fails every
// time) does not make the item loop forever: past publishing.MaxClaims
// claims it is recorded failed; a publish by hand then records the one post.
func TestIntegrationPublisherThatKeepsDyingGivesUp(t *testing.T) {
	s := newTestStack(t)
	mem := &memTarget{posts: map[string]platform.Remote{}}
	s.Publishing.Connect = func(domain.SiteIntegration, string) (publishing.Target, error) { return mem, nil }
	acct, key := s.account(t, 0)
	var site domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Custom", "url": "https://mem.example", "platform": "custom"}, auth(key)...).JSON(t, &site)
	if r := s.c.Do("PUT", "/v1/sites/"+site.ID+"/integration", map[string]any{"webhook_url": "https://mem.example/hook"}, auth(key)...); r.Status != 200 {
		t.Fatalf("connect: %d", r.Status)
	}
	ids := s.seedApproved(t, key, site.ID, 1)
	ctx := context.Background()
	at := time.Now().UTC().Add(time.Hour)
	if _, err := s.Publishing.ScheduleAt(ctx, acct, site.ID, ids[0], at); err != nil {
		t.Fatal(err)
	}
	dying := *s.Publishing
	dying.Store = store.New(failingFinish{DB: s.dbClient(t)}, s.Deps.Config.Table, s.Deps.Config.CursorSecret)
	dying.Invoker = nil
	now := at
	for i := 1; ; i++ {
		now = now.Add(publishing.DefaultLease + time.Minute)
		due, err := s.Deps.Store.DuePublications(ctx, now, 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("tick %d: %d due, %v", i, len(due), err)
		}
		claim := store.NewID()
		if ok, err := s.Deps.Store.Claim(ctx, acct, site.ID, ids[0], claim, now, publishing.DefaultLease, store.ClaimDue); err != nil || !ok {
			t.Fatalf("claim %d: %v %v", i, ok, err)
		}
		res, err := dying.Publish(ctx, publishing.Job{AccountID: acct, SiteID: site.ID, ContentID: ids[0], ClaimID: claim})
		if i <= publishing.MaxClaims {
			if err == nil {
				t.Fatalf("claim %d: the failing write did not fail", i)
			}
			continue
		}
		if err != nil || res.Outcome != publishing.Failed || res.Class != publishing.ClassAbandoned {
			t.Fatalf("claim %d: %+v %v, want failed (abandoned: an operator's alarm)", i, res, err)
		}
		break
	}
	c := s.content(t, key, site.ID, ids[0])
	if c.SiteStatus != domain.SiteFailed || !strings.Contains(c.PublishError, "did not complete after 5 tries") || len(mem.posts) != 1 {
		t.Fatalf("after giving up: %s %q, %d posts", c.SiteStatus, c.PublishError, len(mem.posts))
	}
	if due, _ := s.Deps.Store.DuePublications(ctx, now.Add(time.Hour), 10); len(due) != 0 {
		t.Fatalf("a failed item is still due: %+v", due)
	}
	if r := s.c.Do("POST", "/v1/sites/"+site.ID+"/content/"+ids[0]+"/publish", nil, auth(key)...); r.Status != 202 {
		t.Fatalf("publish: %d", r.Status)
	}
	s.WaitPublishing()
	if c := s.content(t, key, site.ID, ids[0]); c.SiteStatus != domain.SitePublished || c.ExternalID != "1" || len(mem.posts) != 1 {
		t.Fatalf("by hand: %s %q, %d posts", c.SiteStatus, c.ExternalID, len(mem.posts))
	}
}
