package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/store"
	"github.com/igny8/igny8-serverless/shared/wplocal"
)

// newYork is the zone of the publishing tests' sites: it has daylight
// saving, so a schedule there crosses the kinds of bugs users report.
const newYork = "America/New_York"

// allow lets the stack reach exactly these test servers (on loopback)
// through its outbound guard.
func (s *testStack) allow(t testing.TB, urls ...string) {
	t.Helper()
	hostports := make([]string, len(urls))
	for i, u := range urls {
		hostports[i] = hostPort(u)
	}
	if err := s.AllowOutbound(hostports...); err != nil {
		t.Fatal(err)
	}
}

// wpSite makes an account and a WordPress site in New York connected to the
// test WordPress, with the given limits and slots.
func (s *testStack) wpSite(t *testing.T, wp *wplocal.Server, password string) (key, site string) {
	t.Helper()
	s.allow(t, wp.URL)
	_, key = s.account(t, 20000)
	var st domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Trail Blog", "url": wp.URL, "platform": "wordpress", "time_zone": newYork}, auth(key)...).JSON(t, &st)
	r := s.c.Do("PUT", "/v1/sites/"+st.ID+"/integration", map[string]any{"url": wp.URL, "username": wp.Username, "application_password": password}, auth(key)...)
	if r.Status != 200 {
		t.Fatalf("connect: %d %s", r.Status, r.Body)
	}
	if strings.Contains(string(r.Body), password) {
		t.Fatal("the connection answer shows the application password")
	}
	return key, st.ID
}

func (s *testStack) putSchedule(t *testing.T, key, site string, daily int, slots ...string) {
	t.Helper()
	r := s.c.Do("PUT", "/v1/sites/"+site+"/publishing-settings", map[string]any{
		"daily_limit": daily, "weekly_limit": daily * 7, "monthly_limit": daily * 31,
		"publish_days": []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, "time_slots": slots, "time_zone": newYork}, auth(key)...)
	if r.Status != 200 {
		t.Fatalf("PUT publishing-settings: %d %s", r.Status, r.Body)
	}
}

func pngBytes(t *testing.T, seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 40))
	for x := 0; x < 64; x++ {
		for y := 0; y < 40; y++ {
			img.Set(x, y, color.RGBA{uint8(seed * 40), uint8(x * 4), uint8(y * 6), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// seedApproved writes n approved articles, each with a cluster (its
// category), keywords (its tags) and a generated featured image.
func (s *testStack) seedApproved(t *testing.T, key, site string, n int) []string {
	t.Helper()
	ctx := context.Background()
	k, err := s.Deps.Store.LookupAPIKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	acct := k.AccountID
	var w store.Tx
	cl := domain.Cluster{ID: store.NewID(), SiteID: site, Name: "Trail Running", Status: domain.ClusterMapped, CreatedAt: time.Now().UTC()}
	if err := s.Deps.Store.PutCluster(&w, acct, cl); err != nil {
		t.Fatal(err)
	}
	if err := s.Deps.Store.Commit(ctx, &w); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < n; i++ {
		var w store.Tx
		c := domain.Content{ID: store.NewID(), SiteID: site, TaskID: store.NewID(), ClusterID: cl.ID,
			Title: fmt.Sprintf("Trail Shoes Guide Part %d", i+1), HTML: fmt.Sprintf("<h2>Part %d</h2><p>Grip, drop and fit.</p>", i+1),
			MetaDescription: fmt.Sprintf("How to pick trail shoes, part %d.", i+1), Keywords: []string{"trail shoes", "running gear"},
			WordCount: 6, Status: domain.ContentApproved, SiteStatus: domain.SiteNotPublished, CreatedAt: time.Now().UTC()}
		url, err := s.Deps.Blobs.Put(ctx, "images/"+c.ID+"/featured.png", pngBytes(t, i), "image/png")
		if err != nil {
			t.Fatal(err)
		}
		img := domain.Image{ID: store.NewID(), SiteID: site, ContentID: c.ID, ImageType: "featured", Prompt: "a trail shoe",
			URL: url, Status: domain.ImageGenerated, CreatedAt: time.Now().UTC()}
		if err := s.Deps.Store.PutContent(&w, acct, c); err != nil {
			t.Fatal(err)
		}
		if err := s.Deps.Store.PutImage(&w, acct, img); err != nil {
			t.Fatal(err)
		}
		if err := s.Deps.Store.Commit(ctx, &w); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	return ids
}

func (s *testStack) content(t *testing.T, key, site, id string) domain.Content {
	t.Helper()
	var c domain.Content
	s.c.Do("GET", "/v1/sites/"+site+"/content/"+id, nil, auth(key)...).JSON(t, &c)
	return c
}

// postsFor lists the WordPress posts that carry each content ID's marker.
func postsFor(t *testing.T, wp *wplocal.Server, ids []string) map[string][]wplocal.Post {
	t.Helper()
	posts, err := wp.Posts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]wplocal.Post{}
	for _, id := range ids {
		for _, p := range posts {
			if strings.Contains(p.Content, "igny8:content:"+id+" ") {
				out[id] = append(out[id], p)
			}
		}
	}
	return out
}

// expectedSlots is the schedule the Done-when asks for, computed the plain
// way: every day from today in New York, its 09:00 and 14:00, the ones
// after now, until n are found (the daily limit of 5 never binds with two
// slots a day).
func expectedSlots(now time.Time, n int) []time.Time {
	loc, _ := time.LoadLocation(newYork)
	var out []time.Time
	day := now.In(loc)
	for d := 0; len(out) < n; d++ {
		y, m, dd := day.AddDate(0, 0, d).Date()
		for _, h := range []int{9, 14} {
			at := time.Date(y, m, dd, h, 0, 0, 0, loc)
			if at.After(now) && len(out) < n {
				out = append(out, at.UTC())
			}
		}
	}
	return out
}

// Done when: auto-publish on, 12 approved articles, daily limit 5, two slots
// a day: the schedule spreads them over the right days in the site's zone;
// when the scheduler runs them (fired twice at once), WordPress has exactly
// one post per article with its featured image, categories and tags, and our
// records hold the remote ID and URL. The calendar shows every item on its
// day, scheduled and then published.
func TestIntegrationPublishToWordPress(t *testing.T) {
	wp := wplocal.Shared(t)
	s := newTestStack(t)
	key, site := s.wpSite(t, wp, wp.AppPassword)
	ctx := context.Background()

	var check domain.ConnectionCheck
	s.c.Do("POST", "/v1/sites/"+site+"/integration/test", nil, auth(key)...).JSON(t, &check)
	if !check.OK || check.Code != "ok" {
		t.Fatalf("connection test: %+v", check)
	}
	s.putSchedule(t, key, site, 2, "09:00", "14:00")

	// Twelve articles approved by hand while auto-publish is off stay unscheduled ...
	ids := s.seedApproved(t, key, site, 12)
	before := time.Now().UTC()
	if r := s.c.Do("PATCH", "/v1/sites/"+site+"/publishing-settings", map[string]any{"auto_publish_enabled": true}, auth(key)...); r.Status != 200 {
		t.Fatalf("PATCH: %d %s", r.Status, r.Body)
	}
	// ... and turning it on gives them the next free slots, oldest first.
	want := expectedSlots(before, 12)
	loc, _ := time.LoadLocation(newYork)
	perDay := map[string]int{}
	var got []time.Time
	for _, id := range ids {
		c := s.content(t, key, site, id)
		if c.SiteStatus != domain.SiteScheduled || c.ScheduledPublishAt == nil {
			t.Fatalf("%s: %s %v", id, c.SiteStatus, c.ScheduledPublishAt)
		}
		got = append(got, c.ScheduledPublishAt.UTC())
		perDay[c.ScheduledPublishAt.In(loc).Format("2006-01-02")]++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("slots\n got  %v\n want %v", got, want)
	}
	for day, n := range perDay {
		if n > 2 {
			t.Errorf("%s has %d items, more than its two slots", day, n)
		}
	}
	var stats domain.SiteStats
	s.c.Do("GET", "/v1/sites/"+site+"/stats", nil, auth(key)...).JSON(t, &stats)
	if stats.Scheduled != 12 || stats.Published != 0 {
		t.Fatalf("stats: scheduled %d published %d", stats.Scheduled, stats.Published)
	}

	// The calendar of the month(s) shows each on its slot's day.
	from := before.In(loc).Format("2006-01-02")
	last := want[len(want)-1].In(loc)
	to := time.Date(last.Year(), last.Month()+1, 0, 0, 0, 0, 0, loc).Format("2006-01-02") // end of that month
	var cal publishing.Calendar
	s.c.Do("GET", "/v1/sites/"+site+"/calendar?from="+from+"&to="+to, nil, auth(key)...).JSON(t, &cal)
	if cal.Scheduled != 12 || cal.Published != 0 || cal.TimeZone != newYork {
		t.Fatalf("calendar: %d scheduled, %d published, zone %s", cal.Scheduled, cal.Published, cal.TimeZone)
	}
	for _, d := range cal.Days {
		if len(d.Scheduled) != perDay[d.Date] {
			t.Errorf("calendar %s: %d scheduled, want %d", d.Date, len(d.Scheduled), perDay[d.Date])
		}
		for _, it := range d.Scheduled {
			if it.LocalTime != "09:00" && it.LocalTime != "14:00" {
				t.Errorf("calendar %s: item at %s local", d.Date, it.LocalTime)
			}
		}
	}

	// Nothing is due yet.
	if r, err := s.Publishing.Tick(ctx, time.Now().UTC()); err != nil || r.Claimed != 0 {
		t.Fatalf("early tick: %+v %v", r, err)
	}
	// The scheduler fires twice at once after the last slot (publishing was
	// down meanwhile): every item goes, late, once.
	late := want[len(want)-1].Add(time.Minute)
	var wg sync.WaitGroup
	results := make([]publishing.TickResult, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			results[i], err = s.Publishing.Tick(ctx, late)
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if results[0].Claimed+results[1].Claimed != 12 {
		t.Fatalf("two ticks claimed %d + %d, want 12 in all", results[0].Claimed, results[1].Claimed)
	}
	s.WaitPublishing()

	posts := postsFor(t, wp, ids)
	media, err := wp.Media(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mediaIDs := map[int]bool{}
	for _, m := range media {
		mediaIDs[m.ID] = true
	}
	for _, id := range ids {
		c := s.content(t, key, site, id)
		ps := posts[id]
		if len(ps) != 1 {
			t.Fatalf("%s: %d WordPress posts, want exactly 1", id, len(ps))
		}
		p := ps[0]
		if c.SiteStatus != domain.SitePublished || c.ExternalID != fmt.Sprint(p.ID) || c.ExternalURL != p.Link || c.PublishedAt == nil {
			t.Fatalf("%s: record %s %q %q, post %d %s", id, c.SiteStatus, c.ExternalID, c.ExternalURL, p.ID, p.Link)
		}
		if p.Status != "publish" || p.Title != c.Title {
			t.Errorf("%s: post %q is %s", id, p.Title, p.Status)
		}
		if p.FeaturedMedia == 0 || !mediaIDs[p.FeaturedMedia] {
			t.Errorf("%s: featured media %d not in the media library", id, p.FeaturedMedia)
		}
		if !slicesEqual(p.Categories, []string{"Trail Running"}) || !slicesEqual(p.Tags, []string{"running gear", "trail shoes"}) {
			t.Errorf("%s: categories %v tags %v", id, p.Categories, p.Tags)
		}
	}
	s.c.Do("GET", "/v1/sites/"+site+"/stats", nil, auth(key)...).JSON(t, &stats)
	if stats.Scheduled != 0 || stats.Published != 12 {
		t.Fatalf("stats after: scheduled %d published %d", stats.Scheduled, stats.Published)
	}
	s.noStatsDrift(t, key, site)
	// One category for all twelve, not twelve of the same name.
	cats, _ := wp.Categories(ctx)
	n := 0
	for _, c := range cats {
		if c.Name == "Trail Running" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d categories named Trail Running", n)
	}
	// Published items are on the calendar by their publish time (today).
	today := time.Now().In(loc).Format("2006-01-02")
	s.c.Do("GET", "/v1/sites/"+site+"/calendar?from="+today+"&to="+to, nil, auth(key)...).JSON(t, &cal)
	if cal.Published != 12 || cal.Scheduled != 0 || len(cal.Days[0].Published) != 12 || cal.Days[0].Published[0].ExternalURL == "" {
		t.Fatalf("calendar after publishing: %d published, %d scheduled", cal.Published, cal.Scheduled)
	}
	var notes struct {
		Items []domain.Notification `json:"items"`
	}
	s.c.Do("GET", "/v1/notifications?limit=50", nil, auth(key)...).JSON(t, &notes)
	published := 0
	for _, nt := range notes.Items {
		if nt.Type == "published" {
			published++
		}
	}
	if published != 12 {
		t.Errorf("%d published notifications, want 12", published)
	}
}

func slicesEqual(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// crashAfterCreate is a platform that makes the post and then loses the
// answer, as a publisher that dies between the remote create and our write.
type crashAfterCreate struct {
	publishing.Target
	mu      sync.Mutex
	crashes int
}

func (c *crashAfterCreate) Create(ctx context.Context, p platform.Post) (platform.Remote, error) {
	r, err := c.Target.Create(ctx, p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && c.crashes > 0 {
		c.crashes--
		return platform.Remote{}, &platform.Error{Kind: platform.Unreachable, Platform: "wordpress", Message: "connection reset after the post was made"}
	}
	return r, err
}

// Done when: a publish retried after a crash between the remote create and
// our write still leaves exactly one post per article: whether the retry is
// the step's own, the same claim delivered again, or a later tick taking
// over a claim whose publisher died.
func TestIntegrationPublishAfterCrashMakesOnePost(t *testing.T) {
	wp := wplocal.Shared(t)
	s := newTestStack(t)
	key, site := s.wpSite(t, wp, wp.AppPassword)
	ctx := context.Background()
	ids := s.seedApproved(t, key, site, 3)
	acct, err := s.Deps.Store.LookupAPIKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	s.Publishing.Sleep = func(context.Context, time.Duration) error { return nil }

	// 1. The answer is lost; the step's own retry finds the post.
	crash := &crashAfterCreate{crashes: 1}
	connect := s.Publishing.Connect
	s.Publishing.Connect = func(in domain.SiteIntegration, secret string) (publishing.Target, error) {
		t, err := connect(in, secret)
		crash.Target = t
		return crash, err
	}
	if _, err := s.Publishing.PublishNow(ctx, acct.AccountID, site, ids[0]); err != nil {
		t.Fatal(err)
	}
	s.WaitPublishing()
	if c := s.content(t, key, site, ids[0]); c.SiteStatus != domain.SitePublished || c.ExternalID == "" {
		t.Fatalf("after a lost answer: %s %q %s", c.SiteStatus, c.ExternalID, c.PublishError)
	}
	s.Publishing.Connect = connect

	// 2. The publisher dies after the create, before our write: the same
	// claim is delivered again (Lambda's async retry).
	claim := store.NewID()
	if ok, err := s.Deps.Store.Claim(ctx, acct.AccountID, site, ids[1], claim, time.Now().UTC(), time.Minute, store.ClaimNow); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	died := *s.Publishing
	died.Store = store.New(failingFinish{DB: s.dbClient(t)}, s.Deps.Config.Table, s.Deps.Config.CursorSecret)
	job := publishing.Job{AccountID: acct.AccountID, SiteID: site, ContentID: ids[1], ClaimID: claim}
	if _, err := died.Publish(ctx, job); err == nil {
		t.Fatal("the write that was made to fail did not fail")
	}
	if c := s.content(t, key, site, ids[1]); c.SiteStatus != domain.SitePublishing {
		t.Fatalf("after the crash: %s", c.SiteStatus)
	}
	if n := len(postsFor(t, wp, ids[1:2])[ids[1]]); n != 1 {
		t.Fatalf("the crashed publish left %d posts", n)
	}
	res, err := s.Publishing.Publish(ctx, job)
	if err != nil || res.Outcome != publishing.Published {
		t.Fatalf("redelivery: %+v %v", res, err)
	}
	// A third, late delivery of the same job changes nothing.
	if res, err := s.Publishing.Publish(ctx, job); err != nil || res.Outcome != publishing.Skipped {
		t.Fatalf("late duplicate: %+v %v", res, err)
	}

	// 3. The publisher dies and nothing redelivers: the claim's lease runs
	// out and the next tick takes the item over.
	claim = store.NewID()
	if ok, err := s.Deps.Store.Claim(ctx, acct.AccountID, site, ids[2], claim, time.Now().UTC(), time.Minute, store.ClaimNow); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	job = publishing.Job{AccountID: acct.AccountID, SiteID: site, ContentID: ids[2], ClaimID: claim}
	if _, err := died.Publish(ctx, job); err == nil {
		t.Fatal("the write that was made to fail did not fail")
	}
	if r, _ := s.Publishing.Tick(ctx, time.Now().UTC()); r.Claimed != 0 {
		t.Fatalf("a live lease was taken over: %+v", r)
	}
	if r, _ := s.Publishing.Tick(ctx, time.Now().UTC().Add(2*time.Minute)); r.Claimed != 1 {
		t.Fatalf("the expired lease was not taken over: %+v", r)
	}
	s.WaitPublishing()
	for i, id := range ids {
		c := s.content(t, key, site, id)
		if n := len(postsFor(t, wp, []string{id})[id]); n != 1 || c.SiteStatus != domain.SitePublished {
			t.Errorf("item %d: %d posts, %s", i, n, c.SiteStatus)
		}
	}
}

// Done when: WordPress stopped: items end failed after the retries with a
// notification; started again, a publish retry succeeds once.
func TestIntegrationWordPressDownThenBack(t *testing.T) {
	wp := wplocal.Shared(t)
	s := newTestStack(t)
	key, site := s.wpSite(t, wp, wp.AppPassword)
	ids := s.seedApproved(t, key, site, 2)
	var waits []time.Duration
	var mu sync.Mutex
	s.Publishing.Retry = publishing.Retry{Attempts: 3, Base: time.Second, Max: 10 * time.Second}
	s.Publishing.Sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return nil
	}

	wp.StopWeb()
	restarted := false
	defer func() {
		if !restarted {
			_ = wp.StartWeb(context.Background())
		}
	}()
	for _, id := range ids {
		if r := s.c.Do("POST", "/v1/sites/"+site+"/content/"+id+"/publish", nil, auth(key)...); r.Status != http.StatusAccepted {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
	}
	s.WaitPublishing()
	for _, id := range ids {
		c := s.content(t, key, site, id)
		if c.SiteStatus != domain.SiteFailed || !strings.Contains(c.PublishError, "after 3 attempts") {
			t.Fatalf("%s: %s %q", id, c.SiteStatus, c.PublishError)
		}
	}
	if fmt.Sprint(waits) != "[1s 2s 1s 2s]" {
		t.Errorf("backoff waits %v, want 1s then 2s for each item", waits)
	}
	var notes struct {
		Items []domain.Notification `json:"items"`
	}
	s.c.Do("GET", "/v1/notifications?limit=50", nil, auth(key)...).JSON(t, &notes)
	failed := 0
	for _, n := range notes.Items {
		if n.Type == "publish_failed" && n.Severity == domain.SeverityError && strings.Contains(n.Message, "/publish") {
			failed++
		}
	}
	if failed != 2 {
		t.Fatalf("%d failure notifications, want 2: %+v", failed, notes.Items)
	}

	if err := wp.StartWeb(context.Background()); err != nil {
		t.Fatal(err)
	}
	restarted = true
	for _, id := range ids {
		if r := s.c.Do("POST", "/v1/sites/"+site+"/content/"+id+"/publish", nil, auth(key)...); r.Status != http.StatusAccepted {
			t.Fatalf("retry: %d %s", r.Status, r.Body)
		}
	}
	s.WaitPublishing()
	posts := postsFor(t, wp, ids)
	for _, id := range ids {
		c := s.content(t, key, site, id)
		if c.SiteStatus != domain.SitePublished || c.PublishError != "" || len(posts[id]) != 1 {
			t.Fatalf("%s after restart: %s %q, %d posts", id, c.SiteStatus, c.PublishError, len(posts[id]))
		}
	}
	// Published is final: a third publish is a conflict, not a second post.
	if r := s.c.Do("POST", "/v1/sites/"+site+"/content/"+ids[0]+"/publish", nil, auth(key)...); r.Status != http.StatusConflict {
		t.Fatalf("publish of a published item: %d", r.Status)
	}
}

// Done when: a wrong application password: the connection test and the
// publish both say 401 clearly (and the publish fails at once, unretried).
func TestIntegrationWrongApplicationPassword(t *testing.T) {
	wp := wplocal.Shared(t)
	s := newTestStack(t)
	key, site := s.wpSite(t, wp, "abcd efgh ijkl mnop qrst uvwx")
	var check domain.ConnectionCheck
	s.c.Do("POST", "/v1/sites/"+site+"/integration/test", nil, auth(key)...).JSON(t, &check)
	if check.OK || check.Code != "unauthorized" || check.HTTPStatus != 401 || !strings.Contains(check.Message, "401") {
		t.Fatalf("connection test: %+v", check)
	}
	var in domain.SiteIntegration
	s.c.Do("GET", "/v1/sites/"+site+"/integration", nil, auth(key)...).JSON(t, &in)
	if in.LastCheck == nil || in.LastCheck.Code != "unauthorized" || in.SecretHint != "…uvwx" {
		t.Fatalf("integration: %+v", in)
	}
	ids := s.seedApproved(t, key, site, 1)
	s.Publishing.Sleep = func(context.Context, time.Duration) error { t.Error("a 401 was retried"); return nil }
	if r := s.c.Do("POST", "/v1/sites/"+site+"/content/"+ids[0]+"/publish", nil, auth(key)...); r.Status != http.StatusAccepted {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	s.WaitPublishing()
	c := s.content(t, key, site, ids[0])
	if c.SiteStatus != domain.SiteFailed || !strings.Contains(c.PublishError, "401") || !strings.Contains(strings.ToLower(c.PublishError), "password") {
		t.Fatalf("publish with a wrong password: %s %q", c.SiteStatus, c.PublishError)
	}
	if n := len(postsFor(t, wp, ids)[ids[0]]); n != 0 {
		t.Fatalf("%d posts made with a wrong password", n)
	}
}

// failingFinish is the table with every publish record write failing: the
// publisher "dies" after the remote post is made and before we record it.
type failingFinish struct{ store.DB }

func (f failingFinish) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		if it.Update != nil && strings.Contains(aws.ToString(it.Update.UpdateExpression), "external_id") {
			return nil, errors.New("simulated crash before the publish was recorded")
		}
	}
	return f.DB.TransactWriteItems(ctx, in, o...)
}

func (s *testStack) dbClient(t *testing.T) store.DB {
	t.Helper()
	db, err := ddb.NewClient(context.Background(), s.Deps.Config.DynamoDBEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
