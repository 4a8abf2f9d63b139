package shopify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	checks := []struct{ name, got, want string }{
		{"title", a.Title, "Ten Ways to Brew Better Coffee"},
		{"body_html", a.BodyHTML, "<p>Start with fresh beans.</p>"},
		{"summary_html", a.SummaryHTML, "<p>Fresh beans, the right grind &amp; clean water.</p>"},
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
	if !bytes.Equal(a.Image.Data, pngBytes) {
		t.Errorf("image bytes = %q, want %q", a.Image.Data, pngBytes)
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
}

func TestCreateMinimal(t *testing.T) {
	s, c := newClient(t)
	r, err := c.Create(context.Background(), platform.Post{ContentID: "C1", Title: "Hello, World", HTML: "<p>x</p>"})
	if err != nil {
		t.Fatal(err)
	}
	a := s.Articles()[0]
	if a.Image != nil || a.SummaryHTML != "" || a.Tags != "igny8-C1" {
		t.Errorf("article = %+v", a)
	}
	if !strings.HasSuffix(r.URL, "/blogs/news/hello-world") {
		t.Errorf("URL = %q: want the handle Shopify made", r.URL)
	}
	if len(a.Metafields) != 1 {
		t.Errorf("metafields = %+v, want only the content ID", a.Metafields)
	}
}

func TestFind(t *testing.T) {
	s, c := newClient(t)
	ctx := context.Background()
	// Look-alikes that must not match: a longer ID, a tag that merely
	// contains ours, an article with only the metafield.
	s.AddArticle(shopifytest.Article{Title: "x", Handle: "x", Tags: "igny8-01AAX", Published: true})
	s.AddArticle(shopifytest.Article{Title: "y", Handle: "y", Tags: "not-igny8-01AA", Published: true})
	s.AddArticle(shopifytest.Article{Title: "z", Handle: "z", Published: true,
		Metafields: []shopifytest.Metafield{{Namespace: "igny8", Key: "content_id", Type: "single_line_text_field", Value: "01AA"}}})

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
	if last.Query.Get("tag") != "igny8-01A" || last.Query.Get("fields") != "id,handle,tags" {
		t.Errorf("Find query = %v", last.Query)
	}
}

// TestFindConfirmsTag: a tag filter that answers loosely does not make Find
// claim someone else's article.
func TestFindConfirmsTag(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/blogs/1.json"):
			fmt.Fprint(w, `{"blog":{"id":1,"handle":"journal"}}`)
		case strings.HasSuffix(r.URL.Path, "/blogs/1/articles.json"):
			fmt.Fprint(w, `{"articles":[{"id":5,"handle":"a","tags":"igny8-C12, x"},{"id":6,"handle":"b","tags":"x, IGNY8-c1 "}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
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
		msg        string
	}{
		{"429 Retry-After 2.0", func(s *shopifytest.Server) { s.RateLimitNext(1, "2.0") },
			platform.RateLimited, 429, 2 * time.Second, "(40/40)"},
		{"429 Retry-After 0.5", func(s *shopifytest.Server) { s.RateLimitNext(1, "0.5") },
			platform.RateLimited, 429, 500 * time.Millisecond, "call limit"},
		{"500", func(s *shopifytest.Server) { s.ServerErrorNext(1) },
			platform.Transient, 500, 0, "Internal Server Error"},
		{"503", func(s *shopifytest.Server) { s.FailNext(1, shopifytest.Fault{Status: 503, Body: "<html>down</html>"}) },
			platform.Transient, 503, 0, "unavailable"},
		{"401", func(s *shopifytest.Server) { s.UnauthorizedNext(1) },
			platform.Unauthorized, 401, 0, "the admin token is wrong or revoked"},
		{"403", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 403, Body: `{"errors":"[API] This action requires merchant approval for write_content scope."}`})
		},
			platform.Forbidden, 403, 0, "the app needs the write_content scope"},
		{"422 field errors", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 422, Body: `{"errors":{"title":["can't be blank"],"body_html":["is too long","is invalid"]}}`})
		}, platform.Permanent, 422, 0, "body_html: is too long, is invalid; title: can't be blank"},
		{"402 frozen", func(s *shopifytest.Server) {
			s.FailNext(1, shopifytest.Fault{Status: 402, Body: `{"errors":"Unavailable Shop"}`})
		},
			platform.Permanent, 402, 0, "frozen"},
		{"missing blog", func(s *shopifytest.Server) { s.BlogID = "1234" },
			platform.Misconfigured, 404, 0, "blog 84512123 not found"},
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
				if strings.Contains(pe.Error(), shopifytest.Token) {
					t.Errorf("error shows the token: %v", pe)
				}
				if len(s.Articles()) != 0 {
					t.Errorf("an article was made: %+v", s.Articles())
				}
			})
		}
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
	if pe.Kind != platform.Permanent || pe.Status != 422 || !strings.Contains(pe.Detail, "handle: has already been taken") {
		t.Errorf("got %v", pe)
	}
}

func TestCheck(t *testing.T) {
	notShopify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>my blog</html>")
	}))
	defer notShopify.Close()
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
		{"write_content alone", func(s *shopifytest.Server, _ *shopify.Config) { s.SetScopes("write_content") }, "", 0, ""},
		{"read-only token", func(s *shopifytest.Server, _ *shopify.Config) { s.SetScopes("read_content", "read_products") },
			platform.Forbidden, 0, "needs the write_content scope"},
		{"wrong token", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.AdminToken = "shpat_wrong" },
			platform.Unauthorized, 401, "wrong or revoked"},
		{"no scopes", func(s *shopifytest.Server, _ *shopify.Config) { s.SetScopes() },
			platform.Forbidden, 0, "write_content"},
		{"missing blog", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.BlogID = "777" },
			platform.Misconfigured, 404, "blog 777 not found"},
		{"not a shop (HTML)", func(_ *shopifytest.Server, cfg *shopify.Config) { cfg.BaseURL = notShopify.URL },
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

func TestDefaultsAndCaching(t *testing.T) {
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
	blogReads := 0
	for _, r := range s.Requests() {
		if r.APIVersion != shopify.DefaultAPIVersion && r.Path != "/admin/oauth/access_scopes.json" {
			t.Errorf("%s %s: API version %q", r.Method, r.Path, r.APIVersion)
		}
		if !r.Authorized {
			t.Errorf("%s %s without the token", r.Method, r.Path)
		}
		if r.Method == http.MethodGet && r.Path == "/admin/api/2024-10/blogs/"+shopifytest.BlogID+".json" {
			blogReads++
		}
	}
	if blogReads != 1 {
		t.Errorf("blog read %d times, want once", blogReads)
	}

	cfg := s.Config()
	cfg.APIVersion = "2025-01"
	if err := shopify.New(cfg, s.Client()).Check(ctx); err != nil {
		t.Fatal(err)
	}
	if v := s.Requests()[len(s.Requests())-1].APIVersion; v != "2025-01" {
		t.Errorf("API version %q, want 2025-01", v)
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
	_, c := newClient(t)
	for name, p := range map[string]platform.Post{
		"no content ID":    {Title: "t"},
		"comma in ID":      {ContentID: "a,b", Title: "t"},
		"no title":         {ContentID: "B1", Title: "  "},
		"empty image data": {ContentID: "B1", Title: "t", FeaturedImage: &platform.Image{Filename: "a.png"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Create(context.Background(), p)
			if pe := asPlatformError(t, err); pe.Kind != platform.Permanent {
				t.Errorf("got %v", pe)
			}
		})
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
	if n := len(s.Articles()); n != 8 {
		t.Errorf("%d articles, want 8", n)
	}
}

func TestReadOnlyToken(t *testing.T) {
	s, c := newClient(t)
	s.SetScopes("read_content")
	if _, _, err := c.Find(context.Background(), "R1"); err != nil {
		t.Fatalf("Find with read_content: %v", err)
	}
	_, err := c.Create(context.Background(), post("R1"))
	if pe := asPlatformError(t, err); pe.Kind != platform.Forbidden || pe.Status != 403 || !strings.Contains(pe.Message, "write_content") {
		t.Errorf("Create = %v", pe)
	}
}
