package wordpress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/wplocal"
)

// One WordPress for the whole package (tests do not run in parallel: one of
// them takes the site down).
func TestMain(m *testing.M) { wplocal.Run(m) }

var idSeq atomic.Int64

// contentID is unique per call, so tests sharing the site never see each
// other's posts.
func contentID(t *testing.T) string {
	return fmt.Sprintf("01TEST%d%06d", time.Now().UnixNano()%1e9, idSeq.Add(1))
}

func adminClient(t *testing.T) (*Client, *wplocal.Server) {
	s := wplocal.Shared(t)
	return New(Config{URL: s.URL, Username: s.Username, AppPassword: s.AppPassword}, allowing(s.URL)), s
}

// postsWithMarker lists the site's posts that carry contentID's marker.
func postsWithMarker(t *testing.T, s *wplocal.Server, id string) []wplocal.Post {
	t.Helper()
	all, err := s.Posts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []wplocal.Post
	for _, p := range all {
		if strings.Contains(p.Content, Marker(id)) {
			out = append(out, p)
		}
	}
	return out
}

func TestIntegrationWordPressCheck(t *testing.T) {
	c, s := adminClient(t)
	if err := c.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The author role cannot make categories.
	author := New(Config{URL: s.URL, Username: s.AuthorUsername, AppPassword: s.AuthorAppPassword}, allowing(s.URL))
	pe := asPlatformError(t, author.Check(context.Background()))
	if pe.Kind != platform.Forbidden || !strings.Contains(pe.Message, "manage_categories") {
		t.Fatalf("author: %v", pe)
	}
}

func TestIntegrationWordPressWrongPassword(t *testing.T) {
	s := wplocal.Shared(t)
	for _, cfg := range []Config{
		{URL: s.URL, Username: s.Username, AppPassword: "aaaa bbbb cccc dddd eeee ffff"},
		{URL: s.URL, Username: "nobody", AppPassword: s.AppPassword},
	} {
		c := New(cfg, allowing(s.URL))
		pe := asPlatformError(t, c.Check(context.Background()))
		if pe.Kind != platform.Unauthorized || pe.Status != http.StatusUnauthorized || pe.Retryable() {
			t.Fatalf("%s: got %v", cfg.Username, pe)
		}
		if strings.Contains(pe.Error(), cfg.AppPassword) {
			t.Fatalf("the error shows the password: %v", pe)
		}
		if !strings.Contains(pe.Message, "username or application password is wrong") {
			t.Fatalf("message: %s", pe.Message)
		}
		_, err := c.Create(context.Background(), platform.Post{ContentID: contentID(t), Title: "Never", HTML: "<p>x</p>"})
		if pe := asPlatformError(t, err); pe.Kind != platform.Unauthorized {
			t.Fatalf("Create: %v", pe)
		}
	}
}

func TestIntegrationWordPressCreateAndFind(t *testing.T) {
	c, s := adminClient(t)
	ctx := context.Background()
	id := contentID(t)
	png := testPNG(t)
	at := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	slug := "integration-" + strings.ToLower(id)
	p := platform.Post{
		ContentID:  id,
		Title:      "Integration & test post",
		HTML:       "<h2>Hello</h2>\n<p>Body with <strong>HTML</strong>.</p>",
		Excerpt:    "The meta description of the post.",
		Slug:       slug,
		Categories: []string{"Guides " + id, "Uncategorized"},
		Tags:       []string{"go", "Tag " + id},
		PublishAt:  at,
		FeaturedImage: &platform.Image{
			Filename: "hero.png", ContentType: "image/png", Data: png, Alt: "A gradient",
		},
	}
	start := time.Now()
	got, err := c.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Create took %s", time.Since(start).Round(time.Millisecond))
	posts := postsWithMarker(t, s, id)
	if len(posts) != 1 {
		t.Fatalf("want exactly one post, got %d: %+v", len(posts), posts)
	}
	wp := posts[0]
	if got.ID != fmt.Sprint(wp.ID) || got.URL != wp.Link || !strings.HasPrefix(got.URL, s.URL+"/") {
		t.Fatalf("Create = %+v, post %d %s", got, wp.ID, wp.Link)
	}
	if wp.Status != "publish" || wp.Title != p.Title || wp.Slug != slug || wp.Excerpt != p.Excerpt {
		t.Errorf("post %+v", wp)
	}
	if want := at.Format("2006-01-02T15:04:05"); wp.DateGMT != want {
		t.Errorf("date_gmt %s, want %s", wp.DateGMT, want)
	}
	if !strings.HasPrefix(wp.Content, p.HTML) || !strings.HasSuffix(wp.Content, Marker(id)) {
		t.Errorf("content %q", wp.Content)
	}
	if !sameSet(wp.Categories, p.Categories) || !sameSet(wp.Tags, p.Tags) {
		t.Errorf("categories %v tags %v", wp.Categories, wp.Tags)
	}
	// The featured image exists, is the image we sent, and has the alt text.
	media, err := s.Media(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var m *wplocal.Media
	for i := range media {
		if media[i].ID == wp.FeaturedMedia {
			m = &media[i]
		}
	}
	if wp.FeaturedMedia == 0 || m == nil {
		t.Fatalf("featured_media %d not among the media %+v", wp.FeaturedMedia, media)
	}
	if m.MimeType != "image/png" || m.AltText != "A gradient" {
		t.Errorf("media %+v", m)
	}
	resp, err := http.Get(m.SourceURL)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(body.Bytes(), png) {
		t.Errorf("GET %s: %d, %d bytes (want the %d we sent)", m.SourceURL, resp.StatusCode, body.Len(), len(png))
	}
	// The post's public page is served.
	if resp, err := http.Get(got.URL); err != nil || resp.StatusCode != 200 {
		t.Errorf("GET %s: %v %v", got.URL, err, resp.Status)
	} else {
		resp.Body.Close()
	}

	// Find recognises it, from a fresh client too.
	for _, fc := range []*Client{c, New(Config{URL: s.URL + "/", Username: s.Username, AppPassword: strings.ReplaceAll(s.AppPassword, " ", "")}, allowing(s.URL))} {
		r, found, err := fc.Find(ctx, id)
		if err != nil || !found || r != got {
			t.Fatalf("Find = %+v %v %v, want %+v", r, found, err, got)
		}
	}
	// A content ID that is a prefix of ours is not ours.
	if _, found, err := c.Find(ctx, id[:len(id)-1]); err != nil || found {
		t.Fatalf("Find(prefix) = %v %v", found, err)
	}
}

func TestIntegrationWordPressFindUnknown(t *testing.T) {
	c, _ := adminClient(t)
	r, found, err := c.Find(context.Background(), "01UNKNOWNCONTENTID")
	if err != nil || found || r != (platform.Remote{}) {
		t.Fatalf("Find = %+v %v %v", r, found, err)
	}
}

func TestIntegrationWordPressReusesCategories(t *testing.T) {
	c, s := adminClient(t)
	ctx := context.Background()
	name := "Existing " + contentID(t)
	// Made by hand on the site, in another case, with an ampersand.
	if _, err := s.Do(ctx, http.MethodPost, "/wp/v2/categories", strings.NewReader(fmt.Sprintf(`{"name":%q}`, name+" & Co")), nil); err != nil {
		t.Fatal(err)
	}
	before := countNamed(t, s, name+" & co")
	if before != 1 {
		t.Fatalf("setup: %d categories", before)
	}
	for i := 0; i < 2; i++ {
		_, err := c.Create(ctx, platform.Post{ContentID: contentID(t), Title: fmt.Sprintf("Reuse %d", i), HTML: "<p>x</p>",
			Categories: []string{strings.ToUpper(name) + " & CO", "Second " + name}, Tags: []string{"Tag " + name}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := countNamed(t, s, name+" & co"); n != 1 {
		t.Fatalf("%d categories named %q, want 1", n, name+" & Co")
	}
	if n := countNamed(t, s, "second "+name); n != 1 {
		t.Fatalf("%d categories named Second…, want 1", n)
	}
	tags, err := s.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tg := range tags {
		if strings.EqualFold(tg.Name, "Tag "+name) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d tags, want 1", n)
	}
}

func countNamed(t *testing.T, s *wplocal.Server, lower string) int {
	t.Helper()
	cats, err := s.Categories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cats {
		if strings.EqualFold(htmlUnescape(c.Name), lower) {
			n++
		}
	}
	return n
}

// TestIntegrationWordPressAuthorKeepsMarker: a user without unfiltered_html
// (kses filters the content) still gets the marker stored, so Find works.
func TestIntegrationWordPressAuthorKeepsMarker(t *testing.T) {
	s := wplocal.Shared(t)
	ctx := context.Background()
	c := New(Config{URL: s.URL, Username: s.AuthorUsername, AppPassword: s.AuthorAppPassword}, allowing(s.URL))
	id := contentID(t)
	got, err := c.Create(ctx, platform.Post{ContentID: id, Title: "By the author", HTML: "<p>Author <script>x()</script>post</p>",
		Categories:    []string{"Uncategorized"},
		FeaturedImage: &platform.Image{Filename: "a.png", ContentType: "image/png", Data: testPNG(t)}})
	if err != nil {
		t.Fatal(err)
	}
	r, found, err := c.Find(ctx, id)
	if err != nil || !found || r != got {
		t.Fatalf("Find = %+v %v %v, want %+v", r, found, err, got)
	}
	// A new category is beyond the author.
	_, err = c.Create(ctx, platform.Post{ContentID: contentID(t), Title: "T", HTML: "x", Categories: []string{"New " + id}})
	if pe := asPlatformError(t, err); pe.Kind != platform.Forbidden || pe.Status != 403 || !strings.Contains(pe.Detail, "rest_cannot_create") {
		t.Fatalf("new category as author: %v", pe)
	}
}

// TestIntegrationWordPressRetryReusesImage: a Create whose post request
// is lost after the upload succeeded leaves one image, which the retry uses
// instead of uploading another.
func TestIntegrationWordPressRetryReusesImage(t *testing.T) {
	s := wplocal.Shared(t)
	ctx := context.Background()
	lose := &loseFirstPost{}
	c := New(Config{URL: s.URL, Username: s.Username, AppPassword: s.AppPassword}, &http.Client{Transport: lose, Timeout: 30 * time.Second})
	id := contentID(t)
	p := platform.Post{ContentID: id, Title: "Retry", HTML: "<p>x</p>",
		FeaturedImage: &platform.Image{Filename: "r.png", ContentType: "image/png", Data: testPNG(t)}}
	_, err := c.Create(ctx, p)
	if pe := asPlatformError(t, err); pe.Kind != platform.Unreachable || !pe.Retryable() {
		t.Fatalf("Create with the post lost: %v", pe)
	}
	if len(postsWithMarker(t, s, id)) != 0 {
		t.Fatal("the lost request made a post")
	}
	got, err := c.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	media, err := s.Media(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mine []int
	for _, m := range media {
		var raw struct {
			Description struct {
				Raw string `json:"raw"`
			} `json:"description"`
		}
		if _, err := s.Do(ctx, http.MethodGet, fmt.Sprintf("/wp/v2/media/%d?context=edit&_fields=description", m.ID), nil, &raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw.Description.Raw, Marker(id)) {
			mine = append(mine, m.ID)
		}
	}
	posts := postsWithMarker(t, s, id)
	if len(mine) != 1 || len(posts) != 1 || posts[0].FeaturedMedia != mine[0] || fmt.Sprint(posts[0].ID) != got.ID {
		t.Fatalf("media with the marker %v, posts %+v", mine, posts)
	}
}

// loseFirstPost fails the first POST of a post as a dropped connection would.
type loseFirstPost struct{ lost atomic.Bool }

func (l *loseFirstPost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/wp/v2/posts") && l.lost.CompareAndSwap(false, true) {
		return nil, errors.New("connection reset by peer")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestIntegrationWordPressSiteDown(t *testing.T) {
	c, s := adminClient(t)
	ctx := context.Background()
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	s.StopWeb()
	restarted := false
	defer func() {
		if !restarted {
			_ = s.StartWeb(ctx)
		}
	}()
	id := contentID(t)
	post := platform.Post{ContentID: id, Title: "While down", HTML: "<p>x</p>", Categories: []string{"Down " + id},
		FeaturedImage: &platform.Image{Filename: "d.png", ContentType: "image/png", Data: testPNG(t)}}
	_, err := c.Create(ctx, post)
	pe := asPlatformError(t, err)
	if pe.Kind != platform.Unreachable || !pe.Retryable() || pe.Status != 0 {
		t.Fatalf("Create while down: %v", pe)
	}
	if _, _, err := c.Find(ctx, id); asPlatformError(t, err).Kind != platform.Unreachable {
		t.Fatalf("Find while down: %v", err)
	}
	start := time.Now()
	if err := s.StartWeb(ctx); err != nil {
		t.Fatal(err)
	}
	restarted = true
	t.Logf("StartWeb took %s", time.Since(start).Round(time.Millisecond))
	if _, found, err := c.Find(ctx, id); err != nil || found {
		t.Fatalf("Find after restart = %v %v", found, err)
	}
	got, err := c.Create(ctx, post)
	if err != nil {
		t.Fatal(err)
	}
	if r, found, err := c.Find(ctx, id); err != nil || !found || r != got {
		t.Fatalf("Find = %+v %v %v, want %+v", r, found, err, got)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[strings.ToLower(htmlUnescape(x))]++
	}
	for _, x := range b {
		m[strings.ToLower(x)]--
	}
	for _, v := range m {
		if v != 0 {
			return false
		}
	}
	return true
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#039;", "'", "&quot;", `"`, "&lt;", "<", "&gt;", ">").Replace(s)
}

// The featured image and every in-article image go to the media library
// and the in-article ones into the post's HTML at their places, with alt
// text; a Create whose post request is lost after the uploads is retried
// and still leaves each image exactly once, in the library and in the post.
func TestIntegrationWordPressInArticleImagesOnceAfterRetry(t *testing.T) {
	s := wplocal.Shared(t)
	ctx := context.Background()
	lose := &loseFirstPost{}
	c := New(Config{URL: s.URL, Username: s.Username, AppPassword: s.AppPassword}, &http.Client{Transport: lose, Timeout: 30 * time.Second})
	id := contentID(t)
	p := platform.Post{ContentID: id, Title: "Three Pictures", HTML: "<h2>One</h2><p>First.</p><p>Second.</p><h2>Two</h2><p>Third.</p>",
		FeaturedImage: &platform.Image{Filename: "f.png", ContentType: "image/png", Data: testPNG(t), Alt: "Three Pictures"},
		InArticleImages: []platform.Image{
			{Filename: "a.png", ContentType: "image/png", Data: testPNG(t), Alt: "a muddy trail at dawn", Key: "01img" + id[6:] + "a"},
			{Filename: "b.png", ContentType: "image/png", Data: testPNG(t), Alt: "laces & a \"quoted\" knot", Key: "01img" + id[6:] + "b"},
		}}
	if _, err := c.Create(ctx, p); err == nil {
		t.Fatal("the lost post request did not fail the Create")
	}
	got, err := c.Create(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	media, err := s.Media(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]wplocal.Media{}
	for _, m := range media {
		var raw struct {
			Description struct {
				Raw string `json:"raw"`
			} `json:"description"`
		}
		if _, err := s.Do(ctx, http.MethodGet, fmt.Sprintf("/wp/v2/media/%d?context=edit&_fields=description", m.ID), nil, &raw); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(raw.Description.Raw, Marker(id)) {
			continue
		}
		key := "featured"
		for _, img := range p.InArticleImages {
			if strings.Contains(raw.Description.Raw, imageMarker(img.Key)) {
				key = img.Key
			}
		}
		byKey[key] = append(byKey[key], m)
	}
	posts := postsWithMarker(t, s, id)
	if len(posts) != 1 || fmt.Sprint(posts[0].ID) != got.ID {
		t.Fatalf("posts %+v", posts)
	}
	post := posts[0]
	if f := byKey["featured"]; len(f) != 1 || post.FeaturedMedia != f[0].ID {
		t.Fatalf("featured media %+v, the post's %d", f, post.FeaturedMedia)
	}
	last := -1
	for _, img := range p.InArticleImages {
		ms := byKey[img.Key]
		if len(ms) != 1 {
			t.Fatalf("image %s is %d times in the library", img.Key, len(ms))
		}
		m := ms[0]
		if m.AltText != img.Alt {
			t.Errorf("image %s alt %q, want %q", img.Key, m.AltText, img.Alt)
		}
		if n := strings.Count(post.Content, m.SourceURL); n != 1 {
			t.Fatalf("image %s (%s) is %d times in the post:\n%s", img.Key, m.SourceURL, n, post.Content)
		}
		at := strings.Index(post.Content, m.SourceURL)
		if at < last || at < strings.Index(post.Content, "First.") {
			t.Fatalf("image %s is out of place:\n%s", img.Key, post.Content)
		}
		last = at
		if !strings.Contains(post.Content, fmt.Sprintf("wp-image-%d", m.ID)) {
			t.Errorf("image %s: no wp-image-%d class", img.Key, m.ID)
		}
	}
	if !strings.Contains(post.Content, `alt="laces &amp; a &#34;quoted&#34; knot"`) {
		t.Errorf("alt text not escaped in the HTML:\n%s", post.Content)
	}
}
