package shopify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/platform/shopify"
	"github.com/igny8/igny8-serverless/shared/platform/shopify/shopifytest"
)

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake image bytes \x00\xff")

func post(id string) platform.Post {
	return platform.Post{
		ContentID:  id,
		Title:      "Ten Ways to Brew Better Coffee",
		HTML:       "<p>Start with fresh beans.</p>",
		Excerpt:    "Fresh beans, the right grind & clean water.",
		MetaTitle:  "Brew Better Coffee | Test Shop",
		Slug:       "brew-better-coffee-" + strings.ToLower(id),
		Categories: []string{"Guides"},
		Tags:       []string{"coffee", "brewing, at home", "Coffee"},
		FeaturedImage: &platform.Image{
			Filename: "beans.png", ContentType: "image/png", Data: pngBytes, Alt: "Coffee beans",
		},
		PublishAt: time.Date(2025, 3, 4, 10, 30, 0, 0, time.FixedZone("CET", 3600)),
	}
}

func newClient(t *testing.T) (*shopifytest.Server, *shopify.Client) {
	t.Helper()
	s := shopifytest.New()
	t.Cleanup(s.Close)
	return s, shopify.New(s.Config(), s.Client())
}

func asPlatformError(t *testing.T, err error) *platform.Error {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *platform.Error", err, err)
	}
	if pe.Platform != "shopify" {
		t.Errorf("Platform = %q, want shopify", pe.Platform)
	}
	return pe
}

func TestCreate(t *testing.T) {
	s, c := newClient(t)
	ctx := context.Background()

	r, err := c.Create(ctx, post("01JABCDEF"))
	if err != nil {
		t.Fatal(err)
	}
	arts := s.Articles()
	if len(arts) != 1 {
		t.Fatalf("%d articles, want 1", len(arts))
	}
	a := arts[0]
	if r.ID != fmt.Sprint(a.ID) {
		t.Errorf("ID = %q, want %d", r.ID, a.ID)
	}
	if want := "https://test-shop.myshopify.com/blogs/news/brew-better-coffee-01jabcdef"; r.URL != want {
		t.Errorf("URL = %q, want %q", r.URL, want)
	}
	if a.Image == nil {
		t.Fatal("no article image")
	}
	checks := []struct{ name, got, want string }{
		{"title", a.Title, "Ten Ways to Brew Better Coffee"},
		{"author", a.Author, shopifytest.ShopName},
		{"body", a.BodyHTML, "<p>Start with fresh beans.</p>"},
		{"summary", a.SummaryHTML, "<p>Fresh beans, the right grind &amp; clean water.</p>"},
		{"handle", a.Handle, "brew-better-coffee-01jabcdef"},
		{"tags", a.Tags, "Guides, coffee, brewing at home, igny8-01JABCDEF"},
		{"published_at", a.PublishedAt.Format(time.RFC3339), "2025-03-04T09:30:00Z"},
		{"image filename", a.Image.Filename, "beans.png"},
		{"image alt", a.Image.Alt, "Coffee beans"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if !a.Published {
		t.Error("article not published")
	}
	// The image is the shop's file, referenced by its CDN URL.
	if !bytes.Equal(a.Image.Data, pngBytes) || !strings.HasPrefix(a.Image.URL, s.URL+"/cdn/shop/files/beans.png") {
		t.Errorf("image %q bytes %q, want the uploaded file %q", a.Image.URL, a.Image.Data, pngBytes)
	}
	if fs := s.Files(); len(fs) != 1 || fs[0].Alt != "Coffee beans" || fs[0].Status != "READY" {
		t.Errorf("files = %+v", fs)
	}
	for _, mf := range []struct{ ns, key, want string }{
		{"igny8", "content_id", "01JABCDEF"},
		{"global", "title_tag", "Brew Better Coffee | Test Shop"},
		{"global", "description_tag", "Fresh beans, the right grind & clean water."},
	} {
		if v, ok := a.Metafield(mf.ns, mf.key); !ok || v != mf.want {
			t.Errorf("metafield %s.%s = %q, %v; want %q", mf.ns, mf.key, v, ok, mf.want)
		}
	}
	for _, m := range a.Metafields {
		if m.Type != "single_line_text_field" {
			t.Errorf("metafield %s.%s type %q", m.Namespace, m.Key, m.Type)
		}
	}
	// The bytes went to the upload storage without the access token.
	uploads := 0
	for _, req := range s.Requests() {
		if req.Upload {
			uploads++
			if req.TokenSent || req.Method != http.MethodPost || !strings.HasPrefix(req.ContentType, "multipart/form-data") {
				t.Errorf("upload request %+v", req)
			}
		}
	}
	if uploads != 1 {
		t.Errorf("%d uploads, want 1", uploads)
	}
}

func TestCreateMinimal(t *testing.T) {
	s, c := newClient(t)
	r, err := c.Create(context.Background(), platform.Post{ContentID: "C1", Title: "Hello, World", HTML: "<p>x</p>", SiteName: "My Blog"})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Articles()[0]
	if a.Image != nil || a.SummaryHTML != "" || a.Tags != "igny8-C1" || a.Author != "My Blog" {
		t.Errorf("article = %+v", a)
	}
	if !strings.HasSuffix(r.URL, "/blogs/news/hello-world") {
		t.Errorf("URL = %q: want the handle Shopify made", r.URL)
	}
	if len(a.Metafields) != 1 {
		t.Errorf("metafields = %+v, want only the content ID", a.Metafields)
	}
	for _, req := range s.Requests() {
		if req.Upload || req.OpName == "Igny8StageUploads" || req.OpName == "Igny8FileCreate" {
			t.Errorf("a post without images uploaded: %+v", req)
		}
	}
}

// TestCreateInArticleImages: each in-article image is uploaded to Files and
// placed in the body (platform.PlaceFigures) by its CDN URL, with its alt.
func TestCreateInArticleImages(t *testing.T) {
	s, c := newClient(t)
	p := post("IA1")
	p.HTML = "<p>one</p><p>two</p><p>three</p><p>four</p>"
	p.InArticleImages = []platform.Image{
		{Filename: "a.png", ContentType: "image/png", Data: []byte("\x89PNG a"), Alt: "a muddy trail", Key: "img-a"},
		{Filename: "b.png", ContentType: "image/png", Data: []byte("\x89PNG b"), Alt: `laces & a "quoted" knot`, Key: "img-b"},
	}
	if _, err := c.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	files := s.Files()
	if len(files) != 3 {
		t.Fatalf("%d files, want 3: %+v", len(files), files)
	}
	byName := map[string]shopifytest.File{}
	for _, f := range files {
		byName[f.Filename] = f
	}
	fa, fb := byName["a.png"], byName["b.png"]
	if string(fa.Data) != "\x89PNG a" || string(fb.Data) != "\x89PNG b" || fa.Alt != "a muddy trail" {
		t.Fatalf("files = %+v", files)
	}
	want := platform.PlaceFigures(p.HTML, []platform.Figure{{URL: fa.URL, Alt: fa.Alt}, {URL: fb.URL, Alt: fb.Alt}})
	a := s.Articles()[0]
	if a.BodyHTML != want {
		t.Errorf("body =\n%s\nwant\n%s", a.BodyHTML, want)
	}
	if !strings.Contains(a.BodyHTML, `alt="laces &amp; a &#34;quoted&#34; knot"`) {
		t.Errorf("alt not escaped: %s", a.BodyHTML)
	}
	if a.Image == nil || a.Image.Filename != "beans.png" {
		t.Errorf("featured image = %+v", a.Image)
	}
}

func TestCreateWaitsForProcessing(t *testing.T) {
	s, c := newClient(t)
	s.ProcessFilesAfter(3)
	if _, err := c.Create(context.Background(), post("W1")); err != nil {
		t.Fatal(err)
	}
	polls := 0
	for _, r := range s.Requests() {
		if r.OpName == "Igny8Files" {
			polls++
		}
	}
	if polls != 4 || s.Articles()[0].Image == nil {
		t.Errorf("%d polls (want 4), article %+v", polls, s.Articles())
	}
}

func TestCreateImageFailures(t *testing.T) {
	tests := []struct {
		name    string
		arrange func(s *shopifytest.Server)
		kind    platform.Kind
		status  int
		msg     string
	}{
		{"processing fails", func(s *shopifytest.Server) { s.FailFileProcessing(true) },
			platform.Permanent, 0, "could not process the image beans.png"},
		{"never processed", func(s *shopifytest.Server) { s.ProcessFilesAfter(1000) },
			platform.Transient, 0, "still processing"},
		{"storage unavailable", func(s *shopifytest.Server) {
			s.FailUploadNext(1, shopifytest.Fault{Status: 503, Body: "<Error><Code>ServiceUnavailable</Code></Error>"})
		}, platform.Transient, 503, "upload storage is unavailable"},
		{"storage refuses", func(s *shopifytest.Server) {
			s.FailUploadNext(1, shopifytest.Fault{Status: 403, Body: "<Error><Code>AccessDenied</Code></Error>"})
		}, platform.Permanent, 403, "refused the image beans.png"},
		{"no write_files", func(s *shopifytest.Server) { s.SetScopes("read_content", "write_content") },
			platform.Forbidden, 0, "write_files"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newClient(t)
			tc.arrange(s)
			_, err := c.Create(context.Background(), post("F1"))
			pe := asPlatformError(t, err)
			if pe.Kind != tc.kind || pe.Status != tc.status || !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("got %s %d %q, want %s %d containing %q", pe.Kind, pe.Status, pe.Message, tc.kind, tc.status, tc.msg)
			}
			if len(s.Articles()) != 0 {
				t.Errorf("an article was made: %+v", s.Articles())
			}
		})
	}
}

func TestFind(t *testing.T) {
	s, c := newClient(t)
	ctx := context.Background()
	// Look-alikes that must not match: a longer ID, a tag that merely
	// contains ours, an article with only the metafield, our tag in another
	// blog.
	s.AddArticle(shopifytest.Article{Title: "x", Handle: "x", Tags: "igny8-01AAX", Published: true})
	s.AddArticle(shopifytest.Article{Title: "y", Handle: "y", Tags: "not-igny8-01AA", Published: true})
	s.AddArticle(shopifytest.Article{Title: "z", Handle: "z", Published: true,
		Metafields: []shopifytest.Metafield{{Namespace: "igny8", Key: "content_id", Type: "single_line_text_field", Value: "01AA"}}})
	s.AddArticle(shopifytest.Article{Title: "o", Handle: "o", Tags: "igny8-01AB", BlogID: 5, Published: true})

	created, err := c.Create(ctx, post("01AA"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		contentID string
		want      platform.Remote
		found     bool
	}{
		{"after create", "01AA", created, true},
		{"unknown", "01ZZ", platform.Remote{}, false},
		{"prefix of another", "01A", platform.Remote{}, false},
		{"in another blog", "01AB", platform.Remote{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := c.Find(ctx, tc.contentID)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.found || got != tc.want {
				t.Errorf("Find = %+v, %v; want %+v, %v", got, ok, tc.want, tc.found)
			}
		})
	}
	last := s.Requests()[len(s.Requests())-1]
	if last.OpName != "Igny8Find" || last.Variables["query"] != `tag:"igny8-01AB"` || last.Variables["blog"] != "gid://shopify/Blog/"+shopifytest.BlogID {
		t.Errorf("Find request = %+v", last)
	}
}

// TestFindBeforeTheIndex: an article made a moment ago, not yet in the
// search index, is found in the blog's newest articles.
func TestFindBeforeTheIndex(t *testing.T) {
	s, c := newClient(t)
	ctx := context.Background()
	s.SetSearchStale(true)
	created, err := c.Create(ctx, post("NEW1"))
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := c.Find(ctx, "NEW1")
	if err != nil || !ok || got != created {
		t.Fatalf("Find = %+v, %v, %v; want %+v", got, ok, err, created)
	}
}

// TestFindOlderArticle: an article older than the blog's newest ones is
// found by the tag search.
func TestFindOlderArticle(t *testing.T) {
	s, c := newClient(t)
	ctx := context.Background()
	created, err := c.Create(ctx, post("OLD1"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 15 {
		s.AddArticle(shopifytest.Article{Title: "n", Handle: fmt.Sprint("n", i), Tags: "other", Published: true})
	}
	got, ok, err := c.Find(ctx, "OLD1")
	if err != nil || !ok || got != created {
		t.Fatalf("Find = %+v, %v, %v; want %+v", got, ok, err, created)
	}
	s.SetSearchStale(true)
	s.AddArticle(shopifytest.Article{Title: "u", Handle: "u", Tags: "igny8-OLD2", Published: true, Unindexed: true})
	for i := range 15 {
		s.AddArticle(shopifytest.Article{Title: "m", Handle: fmt.Sprint("m", i), Tags: "other", Published: true})
	}
	if got, ok, err := c.Find(ctx, "OLD2"); err != nil || ok {
		t.Errorf("Find of an old article not in the index = %+v, %v, %v; want not found", got, ok, err)
	}
}

// graphQLServer answers every GraphQL POST with answer(operation name).
func graphQLServer(t *testing.T, answer func(op string, vars map[string]any) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/graphql.json") || json.Unmarshal(b, &body) != nil {
			http.NotFound(w, r)
			return
		}
		op := strings.Fields(strings.SplitN(body.Query, "(", 2)[0])
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, answer(op[len(op)-1], body.Variables))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestFindConfirmsTag: a tag filter that answers loosely does not make Find
// claim someone else's article.
func TestFindConfirmsTag(t *testing.T) {
	srv := graphQLServer(t, func(op string, _ map[string]any) string {
		return `{"data":{
		  "blog":{"id":"gid://shopify/Blog/1","handle":"journal","articles":{"nodes":[{"id":"gid://shopify/Article/4","handle":"c","tags":["igny8-C1x"]}]}},
		  "articles":{"nodes":[
		    {"id":"gid://shopify/Article/5","handle":"a","tags":["igny8-C12","x"],"blog":{"id":"gid://shopify/Blog/1"}},
		    {"id":"gid://shopify/Article/7","handle":"d","tags":["igny8-C1"],"blog":{"id":"gid://shopify/Blog/2"}},
		    {"id":"gid://shopify/Article/6","handle":"b","tags":["x"," IGNY8-c1 "],"blog":{"id":"gid://shopify/Blog/1"}}]}}}`
	})
	c := shopify.New(shopify.Config{ShopDomain: "https://Shop.example.com/", AdminToken: "t", BlogID: "1", BaseURL: srv.URL}, srv.Client())
	got, ok, err := c.Find(context.Background(), "C1")
	if err != nil || !ok {
		t.Fatalf("Find = %+v, %v, %v", got, ok, err)
	}
	if want := (platform.Remote{ID: "6", URL: "https://shop.example.com/blogs/journal/b"}); got != want {
		t.Errorf("Find = %+v, want %+v", got, want)
	}
}

func TestErrors(t *testing.T) {
	ops := map[string]func(c *shopify.Client) error{
		"create": func(c *shopify.Client) error { _, err := c.Create(context.Background(), post("E1")); return err },
		"find":   func(c *shopify.Client) error { _, _, err := c.Find(context.Background(), "E1"); return err },
		"check":  func(c *shopify.Client) error { return c.Check(context.Background()) },
	}
	tests := []struct {
		name       string
		arrange    func(s *shopifytest.Server)
		kind       platform.Kind
		status     int
		retryAfter time.Duration
		msg        string // in Message or Detail
	}{
		{"429 Retry-After 2.0", func(s *shopifytest.Server) { s.RateLimitNext(1, "2.0") },
			platform.RateLimited, 429, 2 * time.Second, "call limit"},
		{"429 Retry-After 0.5", func(s *shopifytest.Server) { s.RateLimitNext(1, "0.5") },
			platform.RateLimited, 429, 500 * time.Millisecond, "Throttled (THROTTLED)"},
		{"THROTTLED from the cost", func(s *shopifytest.Server) { s.ThrottleNext(1, 3*time.Second) },
			platform.RateLimited, 0, 3 * time.Second, "(0 of 2000 points available)"},
		{"500", func(s *shopifytest.Server) { s.ServerErrorNext(1) },
			platform.Transient, 500, 0, "Internal Server Error"},
		{"503", func(s *shopifytest.Server) { s.FailNext(1, shopifytest.Fault{Status: 503, Body: "<html>down</html>"}) },
			platform.Transient, 503, 0, "unavailable"},
		{"INTERNAL_SERVER_ERROR", func(s *shopifytest.Server) { s.InternalErrorNext(1) },
			platform.Transient, 0, 0, "Looks like something went wrong on our end"},
		{"401", func(s *shopifytest.Server) { s.UnauthorizedNext(1) },
			platform.Unauthorized, 401, 0, "the admin token is wrong or revoked"},
		{"403", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 403, Body: `{"errors":"[API] This action requires merchant approval for write_content scope."}`})
		}, platform.Forbidden, 403, 0, "the app needs the write_content and write_files scopes"},
		{"ACCESS_DENIED", func(s *shopifytest.Server) { s.SetScopes() },
			platform.Forbidden, 0, 0, "Required access: `read_content` access scope."},
		{"404", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 404, Body: shopifytest.BodyNotFound})
		},
			platform.NotPlatform, 404, 0, "does not serve Shopify's Admin API"},
		{"422 field errors", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 422, Body: `{"errors":{"title":["can't be blank"],"body_html":["is too long","is invalid"]}}`})
		}, platform.Permanent, 422, 0, "body_html: is too long, is invalid; title: can't be blank"},
		{"402 frozen", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 402, Body: `{"errors":"Unavailable Shop"}`})
		}, platform.Permanent, 402, 0, "frozen"},
		{"423 locked", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 423, Body: `{"errors":"This shop is unavailable"}`})
		}, platform.Permanent, 423, 0, "locked"},
		{"malformed query", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 200, Body: `{"errors":[{"message":"Field 'nope' doesn't exist on type 'Shop'","extensions":{"code":"undefinedField"}}]}`})
		}, platform.Permanent, 0, 0, "Field 'nope' doesn't exist"},
		{"missing blog", func(s *shopifytest.Server) { s.BlogID = "1234" },
			platform.Misconfigured, 0, 0, "blog 84512123 not found"},
	}
	for _, tc := range tests {
		for opName, op := range ops {
			t.Run(tc.name+"/"+opName, func(t *testing.T) {
				s := shopifytest.New()
				defer s.Close()
				c := shopify.New(s.Config(), s.Client())
				tc.arrange(s)
				pe := asPlatformError(t, op(c))
				if pe.Kind != tc.kind || pe.Status != tc.status || pe.RetryAfter != tc.retryAfter {
					t.Errorf("got %s %d retry %v, want %s %d retry %v (%v)", pe.Kind, pe.Status, pe.RetryAfter,
						tc.kind, tc.status, tc.retryAfter, pe)
				}
				// What Shopify said is kept for the logs (Detail), never shown.
				if !strings.Contains(pe.Message, tc.msg) && !strings.Contains(pe.Detail, tc.msg) {
					t.Errorf("message %q and detail %q lack %q", pe.Message, pe.Detail, tc.msg)
				}
				if pe.Detail != "" && pe.Detail != http.StatusText(pe.Status) && strings.Contains(pe.Error(), pe.Detail) {
					t.Errorf("error %q quotes Shopify's answer %q", pe.Error(), pe.Detail)
				}
				if pe.Retryable() != (tc.kind == platform.RateLimited || tc.kind == platform.Transient) {
					t.Errorf("Retryable = %v", pe.Retryable())
				}
				if strings.Contains(pe.Error(), shopifytest.Token) || strings.Contains(pe.Detail, shopifytest.Token) {
					t.Errorf("error shows the token: %v / %s", pe, pe.Detail)
				}
				if len(s.Articles()) != 0 {
					t.Errorf("an article was made: %+v", s.Articles())
				}
			})
		}
	}
}

// TestTokenScrubbed: a remote that echoes the token does not get it into
// the error, not even its Detail.
func TestTokenScrubbed(t *testing.T) {
	const token = "shpat_secret_echoed_back_1234"
	srv := graphQLServer(t, func(string, map[string]any) string {
		return `{"errors":[{"message":"bad token ` + token + `","extensions":{"code":"BAD"}}]}`
	})
	c := shopify.New(shopify.Config{ShopDomain: "x.myshopify.com", AdminToken: token, BlogID: "1", BaseURL: srv.URL}, srv.Client())
	pe := asPlatformError(t, c.Check(context.Background()))
	if strings.Contains(pe.Error(), token) || strings.Contains(pe.Detail, token) || !strings.Contains(pe.Detail, "[token]") {
		t.Errorf("error %v, detail %q", pe, pe.Detail)
	}
}

func TestCreateHandleTaken(t *testing.T) {
	_, c := newClient(t)
	if _, err := c.Create(context.Background(), post("H1")); err != nil {
		t.Fatal(err)
	}
	p := post("H2")
	p.Slug = "brew-better-coffee-h1"
	pe := asPlatformError(t, func() error { _, err := c.Create(context.Background(), p); return err }())
	// userErrors: the input was refused, as a 422 was.
	if pe.Kind != platform.Permanent || pe.Retryable() || pe.Message != "Shopify rejected the article" ||
		pe.Detail != "article.handle: Handle has already been taken (TAKEN)" {
		t.Errorf("got %v, detail %q", pe, pe.Detail)
	}
}

func TestCheck(t *testing.T) {
	notShopify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>my blog</html>")
	}))
	defer notShopify.Close()
	otherJSON := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer otherJSON.Close()
	noAPI := httptest.NewServer(http.NotFoundHandler())
	defer noAPI.Close()

	tests := []struct {
		name    string
		arrange func(s *shopifytest.Server, cfg *shopify.Config)
		kind    platform.Kind // "" for ok
		status  int
		msg     string
	}{
		{"ok", nil, "", 0, ""},
		{"write scopes alone", func(s *shopifytest.Server, _ *shopify.Config) { s.SetScopes("write_content", "write_files") }, "", 0, ""},
		{"write_content alone", func(s *shopifytest.Server, _ *shopify.Config) { s.SetScopes("write_content") },
			platform.Forbidden, 0, "write_files"},
		{"read-only token", func(s *shopifytest.Server, _ *shopify.Config) { s.SetScopes("read_content", "read_products") },
			platform.Forbidden, 0, "needs the write_content and write_files scopes"},
		{"wrong token", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.AdminToken = "shpat_wrong" },
			platform.Unauthorized, 401, "wrong or revoked"},
		{"no scopes", func(s *shopifytest.Server, _ *shopify.Config) { s.SetScopes() },
			platform.Forbidden, 0, "write_content"},
		{"missing blog", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.BlogID = "777" },
			platform.Misconfigured, 0, "blog 777 not found"},
		{"not a shop (HTML)", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.BaseURL = notShopify.URL },
			platform.NotPlatform, 200, "not as Shopify's Admin API"},
		{"not a shop (other JSON)", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.BaseURL = otherJSON.URL },
			platform.NotPlatform, 200, "not as Shopify's Admin API"},
		{"not a shop (404)", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.BaseURL = noAPI.URL },
			platform.NotPlatform, 404, "does not serve"},
		{"no token", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.AdminToken = " " },
			platform.Misconfigured, 0, "token is missing"},
		{"no blog", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.BlogID = "" },
			platform.Misconfigured, 0, "blog ID is missing"},
		{"blog not numeric", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.BlogID = "../shop" },
			platform.Misconfigured, 0, "numeric"},
		{"no domain", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.ShopDomain = "" },
			platform.Misconfigured, 0, "shop domain"},
		{"bad version", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.APIVersion = "v1" },
			platform.Misconfigured, 0, "API version"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := shopifytest.New()
			defer s.Close()
			cfg := s.Config()
			if tc.arrange != nil {
				tc.arrange(s, &cfg)
			}
			err := shopify.New(cfg, s.Client()).Check(context.Background())
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			pe := asPlatformError(t, err)
			if pe.Kind != tc.kind || pe.Status != tc.status || !strings.Contains(pe.Message, tc.msg) {
				t.Errorf("got %s %d %q, want %s %d containing %q", pe.Kind, pe.Status, pe.Message, tc.kind, tc.status, tc.msg)
			}
			if strings.Contains(pe.Error(), cfg.AdminToken) && cfg.AdminToken != " " {
				t.Errorf("error shows the token: %v", pe)
			}
		})
	}
}

// TestDefaultsAndCaching: every Admin API request is a GraphQL POST to the
// pinned version with the token; the blog is read once per client.
func TestDefaultsAndCaching(t *testing.T) {
	if shopify.DefaultAPIVersion != "2025-10" {
		t.Errorf("DefaultAPIVersion = %q", shopify.DefaultAPIVersion)
	}
	s, c := newClient(t)
	ctx := context.Background()
	if err := c.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, post("K1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Find(ctx, "K1"); err != nil {
		t.Fatal(err)
	}
	c2 := shopify.New(s.Config(), s.Client())
	for _, id := range []string{"K2", "K3"} {
		if _, err := c2.Create(ctx, post(id)); err != nil {
			t.Fatal(err)
		}
	}
	blogReads, ops := 0, map[string]bool{}
	for _, r := range s.Requests() {
		if r.Upload {
			continue
		}
		if r.Method != http.MethodPost || r.Path != "/admin/api/2025-10/graphql.json" || r.APIVersion != shopify.DefaultAPIVersion ||
			r.ContentType != "application/json" || r.OpType == "" {
			t.Errorf("not a GraphQL POST to the pinned version: %+v", r)
		}
		if !r.Authorized {
			t.Errorf("%s %s without the token", r.OpType, r.OpName)
		}
		if r.OpName == "Igny8Blog" {
			blogReads++
		}
		ops[r.OpType+" "+r.OpName] = true
	}
	if blogReads != 1 {
		t.Errorf("blog read %d times, want once (c after Check: never; c2: once)", blogReads)
	}
	for _, want := range []string{"query Igny8Check", "query Igny8Blog", "mutation Igny8StageUploads", "mutation Igny8FileCreate",
		"query Igny8Files", "mutation Igny8ArticleCreate", "query Igny8Find"} {
		if !ops[want] {
			t.Errorf("no %s request (got %v)", want, ops)
		}
	}

	cfg := s.Config()
	cfg.APIVersion = "2026-01"
	if err := shopify.New(cfg, s.Client()).Check(ctx); err != nil {
		t.Fatal(err)
	}
	if r := s.Requests()[len(s.Requests())-1]; r.APIVersion != "2026-01" || r.Path != "/admin/api/2026-01/graphql.json" {
		t.Errorf("request %+v, want API version 2026-01", r)
	}
}

// TestNoRedirects: the token is never sent to a host a redirect names.
func TestNoRedirects(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Shopify-Access-Token") != "" {
			leaked.Store(true)
		}
	}))
	defer other.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusMovedPermanently)
	}))
	defer redirect.Close()

	hc := &http.Client{Timeout: 5 * time.Second}
	c := shopify.New(shopify.Config{ShopDomain: "x.myshopify.com", AdminToken: "secret-token", BlogID: "1", BaseURL: redirect.URL}, hc)
	pe := asPlatformError(t, c.Check(context.Background()))
	if pe.Kind != platform.Permanent || pe.Status != 301 || !strings.Contains(pe.Message, "redirects to 127.0.0.1") {
		t.Errorf("got %v", pe)
	}
	if leaked.Load() {
		t.Error("the token followed the redirect")
	}
	if hc.CheckRedirect != nil {
		t.Error("New changed the caller's http.Client")
	}
}

func TestUnreachable(t *testing.T) {
	s := shopifytest.New()
	cfg := s.Config()
	s.Close()
	c := shopify.New(cfg, s.Client())
	pe := asPlatformError(t, c.Check(context.Background()))
	if pe.Kind != platform.Unreachable || !pe.Retryable() || pe.Err == nil {
		t.Errorf("got %v", pe)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	_, err := shopify.New(cfg, s.Client()).Create(ctx, post("U1"))
	if pe := asPlatformError(t, err); pe.Kind != platform.Unreachable || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
}

func TestBadInput(t *testing.T) {
	s, c := newClient(t)
	for name, p := range map[string]platform.Post{
		"no content ID":    {Title: "t"},
		"comma in ID":      {ContentID: "a,b", Title: "t"},
		"no title":         {ContentID: "B1", Title: "  "},
		"empty image data": {ContentID: "B1", Title: "t", FeaturedImage: &platform.Image{Filename: "a.png"}},
		"empty in-article": {ContentID: "B1", Title: "t", InArticleImages: []platform.Image{{Filename: "a.png", Key: "k"}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Create(context.Background(), p)
			if pe := asPlatformError(t, err); pe.Kind != platform.Permanent {
				t.Errorf("got %v", pe)
			}
		})
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests for bad input, want none", n)
	}
}

func TestConcurrentCreates(t *testing.T) {
	s, c := newClient(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			p := post(fmt.Sprintf("P%d", i))
			if _, err := c.Create(context.Background(), p); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	arts := s.Articles()
	if n := len(arts); n != 8 {
		t.Errorf("%d articles, want 8", n)
	}
	for _, a := range arts {
		if a.Image == nil || !bytes.Equal(a.Image.Data, pngBytes) {
			t.Errorf("article %s image %+v", a.Handle, a.Image)
		}
	}
}

func TestReadOnlyToken(t *testing.T) {
	s, c := newClient(t)
	s.SetScopes("read_content")
	if _, _, err := c.Find(context.Background(), "R1"); err != nil {
		t.Fatalf("Find with read_content: %v", err)
	}
	_, err := c.Create(context.Background(), post("R1"))
	if pe := asPlatformError(t, err); pe.Kind != platform.Forbidden || !strings.Contains(pe.Message, "write_content") ||
		!strings.Contains(pe.Detail, "ACCESS_DENIED") {
		t.Errorf("Create = %v (detail %q)", pe, pe.Detail)
	}
	if len(s.Articles()) != 0 {
		t.Error("an article was made")
	}
}
