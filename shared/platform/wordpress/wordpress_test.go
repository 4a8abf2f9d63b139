package wordpress

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/netguard"
	"github.com/igny8/igny8-serverless/shared/platform"
)

const testPassword = "abcd EFGH ijkl MNOP qrst UVWX"

const indexJSON = `{"name":"Test","namespaces":["oembed/1.0","wp/v2","wp-site-health/v1"]}`

func asPlatformError(t *testing.T, err error) *platform.Error {
	t.Helper()
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *platform.Error", err, err)
	}
	if strings.Contains(pe.Error(), testPassword) || strings.Contains(pe.Error(), strings.ReplaceAll(testPassword, " ", "")) {
		t.Fatalf("the error shows the password: %v", pe)
	}
	return pe
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	switch v := v.(type) {
	case string:
		_, _ = io.WriteString(w, v)
	default:
		_ = json.NewEncoder(w).Encode(v)
	}
}

func wpErr(code, msg string, status int) string {
	return fmt.Sprintf(`{"code":%q,"message":%q,"data":{"status":%d}}`, code, msg, status)
}

func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for x := 0; x < 16; x++ {
		for y := 0; y < 12; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 20), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkAgainst runs Check against a site that h serves and answers its
// classified error.
func checkAgainst(t *testing.T, h http.Handler) *platform.Error {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	return asPlatformError(t, newClient(srv.URL, nil).Check(context.Background()))
}

func newClient(url string, hc *http.Client) *Client {
	if hc == nil {
		hc = allowing(url)
	}
	return New(Config{URL: url, Username: "editor", AppPassword: testPassword}, hc)
}

// allowing is the outbound guard allowing exactly raw's host:port (the test
// server's loopback address): the adapters run behind it in production.
func allowing(raw string) *http.Client {
	u, err := neturl.Parse(raw)
	if err != nil {
		panic(err)
	}
	p, err := netguard.NewPolicy(u.Host)
	if err != nil {
		panic(err)
	}
	return netguard.NewClient(p, netguard.Options{})
}

// TestErrorClassification sends every call to a route that answers with
// the case's response, and checks what Find makes of it.
func TestErrorClassification(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		kind       platform.Kind
		retryAfter time.Duration
		want       []string
	}{
		{"wrong app password", 401, nil, wpErr("incorrect_password", "The provided password is an invalid application password.", 401),
			platform.Unauthorized, 0, []string{"incorrect_password", "The provided password is an invalid application password.", "username or application password is wrong"}},
		{"unknown user", 401, nil, wpErr("invalid_username", "<strong>Error:</strong> Unknown username. Check again or try your email address.", 401),
			platform.Unauthorized, 0, []string{"invalid_username: Error: Unknown username.", "username or application password is wrong"}},
		{"header stripped", 401, nil, wpErr("rest_not_logged_in", "You are not currently logged in.", 401),
			platform.Unauthorized, 0, []string{"rest_not_logged_in", "username or application password is wrong", "strips the Authorization header", "SetEnvIf Authorization"}},
		{"basic auth wall", 401, map[string]string{"Content-Type": "text/html", "WWW-Authenticate": `Basic realm="staging"`}, "<html>401</html>",
			platform.Unauthorized, 0, []string{"asks for a login before WordPress answers"}},
		{"forbidden", 403, nil, wpErr("rest_forbidden_context", "Sorry, you are not allowed to edit posts in this post type.", 403),
			platform.Forbidden, 0, []string{"rest_forbidden_context", "Sorry, you are not allowed", "Editor or Administrator"}},
		{"firewall", 403, map[string]string{"Content-Type": "text/html"}, "<html>Access denied</html>",
			platform.Forbidden, 0, []string{"firewall"}},
		{"rate limited", 429, map[string]string{"Retry-After": "7"}, "",
			platform.RateLimited, 7 * time.Second, []string{"rate limiting"}},
		{"rate limited, date", 429, map[string]string{"Retry-After": time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)}, "",
			platform.RateLimited, 90 * time.Second, nil},
		{"db error", 500, nil, wpErr("db_insert_error", "Could not insert post into the database.", 500),
			platform.Transient, 0, []string{"500 Internal Server Error", "db_insert_error", "Could not insert post"}},
		{"bad gateway", 502, map[string]string{"Content-Type": "text/html"}, "<html>Bad Gateway</html>",
			platform.Transient, 0, []string{"502 Bad Gateway"}},
		{"maintenance", 503, map[string]string{"Retry-After": "30", "Content-Type": "text/html"}, "Briefly unavailable for scheduled maintenance.",
			platform.Transient, 30 * time.Second, []string{"503"}},
		{"invalid param", 400, nil, `{"code":"rest_invalid_param","message":"Invalid parameter(s): status","data":{"status":400,"params":{"status":"status is not one of publish, future."}}}`,
			platform.Permanent, 0, []string{"rest_invalid_param: Invalid parameter(s): status (status: status is not one of publish, future.)"}},
		{"no route", 404, nil, wpErr("rest_no_route", "No route was found matching the URL and request method.", 404),
			platform.Permanent, 0, []string{"rest_no_route"}},
		{"plain 404", 404, map[string]string{"Content-Type": "text/html"}, "<html>nope</html>",
			platform.Permanent, 0, []string{"404 Not Found"}},
		{"too large", 413, map[string]string{"Content-Type": "text/html"}, "<html>413</html>",
			platform.Permanent, 0, []string{"larger than the site accepts"}},
		{"redirect", 301, map[string]string{"Location": "https://www.example.com/wp-json/wp/v2/posts"}, "",
			platform.Misconfigured, 0, []string{"redirects to https://www.example.com", "Site Address"}},
		{"not JSON", 200, map[string]string{"Content-Type": "text/html"}, "<html>a cached page</html>",
			platform.Permanent, 0, []string{"not the JSON"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/wp-json/" {
					writeJSON(w, 200, indexJSON)
					return
				}
				if u, p, ok := r.BasicAuth(); !ok || u != "editor" || p != testPassword {
					t.Errorf("basic auth = %q %q %v", u, p, ok)
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			_, _, err := newClient(srv.URL, nil).Find(context.Background(), "C1")
			pe := asPlatformError(t, err)
			if pe.Kind != tc.kind || pe.Status != tc.status || pe.Platform != Name {
				t.Fatalf("got %s %d %s, want %s %d: %v", pe.Platform, pe.Status, pe.Kind, tc.kind, tc.status, pe)
			}
			if d := pe.RetryAfter - tc.retryAfter; d < -2*time.Second || d > 2*time.Second {
				t.Fatalf("RetryAfter = %s, want %s", pe.RetryAfter, tc.retryAfter)
			}
			// What WordPress said is kept for the logs (Detail), never shown.
			for _, w := range tc.want {
				if !strings.Contains(pe.Message, w) && !strings.Contains(pe.Detail, w) {
					t.Errorf("message %q and detail %q lack %q", pe.Message, pe.Detail, w)
				}
			}
			if pe.Detail != "" && strings.Contains(pe.Error(), pe.Detail) {
				t.Errorf("error %q quotes the site's answer %q", pe.Error(), pe.Detail)
			}
			if want := pe.Kind == platform.Transient || pe.Kind == platform.RateLimited; pe.Retryable() != want {
				t.Errorf("Retryable() = %v", pe.Retryable())
			}
		})
	}
}

func TestNetworkErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		pe := asPlatformError(t, newClient("http://"+addr, nil).Check(context.Background()))
		if pe.Kind != platform.Unreachable || pe.Status != 0 || !pe.Retryable() || !strings.Contains(pe.Message, "could not reach "+addr) {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/wp-json/" {
				writeJSON(w, 200, indexJSON)
				return
			}
			<-release
		}))
		defer srv.Close()
		defer close(release)
		c := newClient(srv.URL, &http.Client{Timeout: 200 * time.Millisecond})
		_, err := c.Create(context.Background(), platform.Post{ContentID: "C1", Title: "T", HTML: "<p>x</p>"})
		pe := asPlatformError(t, err)
		if pe.Kind != platform.Unreachable || !pe.Retryable() || !strings.Contains(pe.Message, "timed out") {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		pe := asPlatformError(t, newClient(srv.URL, nil).Check(ctx))
		if pe.Kind != platform.Unreachable || !strings.Contains(pe.Message, "timed out") {
			t.Fatalf("got %v", pe)
		}
	})
}

func TestMisconfigured(t *testing.T) {
	for _, cfg := range []Config{
		{URL: "", Username: "u", AppPassword: "p"},
		{URL: "example.com", Username: "u", AppPassword: "p"},
		{URL: "ftp://example.com", Username: "u", AppPassword: "p"},
		{URL: "https://u:secret@example.com", Username: "u", AppPassword: "p"},
		{URL: "https://example.com", Username: "", AppPassword: "p"},
		{URL: "https://example.com", Username: "u", AppPassword: "  "},
	} {
		pe := asPlatformError(t, New(cfg, nil).Check(context.Background()))
		if pe.Kind != platform.Misconfigured || strings.Contains(pe.Message, "secret") {
			t.Errorf("%+v: got %v", cfg, pe)
		}
	}
}

func TestNormaliseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com/":          "https://example.com",
		" https://example.com/blog/ ":   "https://example.com/blog",
		"https://example.com/wp-json/":  "https://example.com",
		"https://example.com/wp-admin/": "https://example.com",
		"https://example.com/WP-JSON":   "https://example.com",
	} {
		if got := normaliseURL(in); got != want {
			t.Errorf("normaliseURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkSite is a WordPress index plus users/me; knobs change one thing.
type checkSite struct {
	prettyOff  bool   // /wp-json/ is the theme's 404 page
	namespaces string // the index's namespaces
	me         func(w http.ResponseWriter)
	mu         sync.Mutex
	paths      []string
}

func (s *checkSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.paths = append(s.paths, r.URL.Path+"?"+r.URL.RawQuery)
	s.mu.Unlock()
	route := ""
	switch {
	case strings.HasPrefix(r.URL.Path, "/wp-json/") && !s.prettyOff:
		route = strings.TrimPrefix(r.URL.Path, "/wp-json")
	case r.URL.Path == "/" && r.URL.Query().Get("rest_route") != "":
		route = r.URL.Query().Get("rest_route")
	default:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(404)
		_, _ = io.WriteString(w, "<html><body>Page not found – My Blog</body></html>")
		return
	}
	switch route {
	case "/":
		ns := s.namespaces
		if ns == "" {
			ns = `["oembed/1.0","wp/v2"]`
		}
		writeJSON(w, 200, `{"namespaces":`+ns+`}`)
	case "/wp/v2/users/me":
		if r.URL.Query().Get("context") != "edit" {
			writeJSON(w, 400, wpErr("rest_invalid_param", "context", 400))
			return
		}
		s.me(w)
	default:
		writeJSON(w, 404, wpErr("rest_no_route", "No route was found matching the URL and request method.", 404))
	}
}

func meWith(caps ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		m := map[string]bool{"read": true, "edit_posts": true}
		for _, c := range caps {
			m[c] = true
		}
		writeJSON(w, 200, map[string]any{"id": 3, "roles": []string{"author"}, "capabilities": m})
	}
}

func TestCheck(t *testing.T) {
	allCaps := meWith("publish_posts", "upload_files", "manage_categories")
	t.Run("ok", func(t *testing.T) {
		s := &checkSite{me: allCaps}
		srv := httptest.NewServer(s)
		defer srv.Close()
		if err := newClient(srv.URL+"/", nil).Check(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("plain permalinks fall back to rest_route", func(t *testing.T) {
		s := &checkSite{me: allCaps, prettyOff: true}
		srv := httptest.NewServer(s)
		defer srv.Close()
		c := newClient(srv.URL, nil)
		if err := c.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Find(context.Background(), "C1"); err == nil || !strings.Contains(asPlatformError(t, err).Detail, "rest_no_route") {
			t.Fatalf("Find on the fake: %v", err)
		}
		last := s.paths[len(s.paths)-1]
		if !strings.HasPrefix(last, "/?") || !strings.Contains(last, "rest_route=%2Fwp%2Fv2%2Fposts") {
			t.Fatalf("Find did not use ?rest_route=: %s", last)
		}
	})
	t.Run("not WordPress", func(t *testing.T) {
		pe := checkAgainst(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>Welcome to nginx!</html>")
		}))
		if pe.Kind != platform.NotPlatform || !strings.Contains(pe.Message, "this address does not serve the WordPress REST API") {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("some other JSON API", func(t *testing.T) {
		pe := checkAgainst(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, `{"status":"ok"}`)
		}))
		if pe.Kind != platform.NotPlatform {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("no wp/v2", func(t *testing.T) {
		pe := checkAgainst(t, &checkSite{me: allCaps, namespaces: `["oembed/1.0"]`})
		if pe.Kind != platform.NotPlatform || !strings.Contains(pe.Message, "wp/v2") {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("missing capability", func(t *testing.T) {
		pe := checkAgainst(t, &checkSite{me: meWith("publish_posts", "upload_files")})
		if pe.Kind != platform.Forbidden || !strings.Contains(pe.Message, "manage_categories") || strings.Contains(pe.Message, "upload_files") {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("header stripped", func(t *testing.T) {
		pe := checkAgainst(t, &checkSite{me: func(w http.ResponseWriter) {
			writeJSON(w, 401, wpErr("rest_not_logged_in", "You are not currently logged in.", 401))
		}})
		if pe.Kind != platform.Unauthorized || pe.Status != 401 || !strings.Contains(pe.Message, ".htaccess") {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("wrong password on the index", func(t *testing.T) {
		pe := checkAgainst(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, wpErr("incorrect_password", "The provided password is an invalid application password.", 401))
		}))
		if pe.Kind != platform.Unauthorized || !strings.Contains(pe.Detail, "incorrect_password") || strings.Contains(pe.Message, "incorrect_password") {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("site down for maintenance", func(t *testing.T) {
		pe := checkAgainst(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "600")
			w.WriteHeader(503)
			_, _ = io.WriteString(w, "<html>Briefly unavailable for scheduled maintenance. Check back in a minute.</html>")
		}))
		if pe.Kind != platform.Transient || pe.RetryAfter != 10*time.Minute {
			t.Fatalf("got %v", pe)
		}
	})
	t.Run("redirect", func(t *testing.T) {
		pe := checkAgainst(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://example.com"+r.URL.RequestURI(), http.StatusMovedPermanently)
		}))
		if pe.Kind != platform.Misconfigured || !strings.Contains(pe.Message, "redirects to https://example.com") {
			t.Fatalf("got %v", pe)
		}
	})
}

func TestFindNeedsTheExactMarker(t *testing.T) {
	var gotQuery map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wp-json/" {
			writeJSON(w, 200, indexJSON)
			return
		}
		q := r.URL.Query()
		gotQuery = map[string]string{"search": q.Get("search"), "status": q.Get("status"), "context": q.Get("context")}
		var posts []map[string]any
		add := func(id int, raw string) {
			posts = append(posts, map[string]any{"id": id, "link": fmt.Sprintf("https://example.com/p%d/", id), "content": map[string]any{"raw": raw}})
		}
		switch q.Get("search") {
		case "igny8:content:01A":
			add(5, "<p>a</p>\n<!-- igny8:content:01AB -->")
			add(6, "<p>mentions igny8:content:01A in text</p>")
			add(7, "<p>b</p>\n<!-- igny8:content:01A -->")
		case "igny8:content:01PHP":
			// A site that prints a PHP notice before the JSON.
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "<br />\n<b>Deprecated</b>:  Function x is deprecated in <b>/var/www/wp-content/plugins/p.php</b> on line <b>3</b><br />\n")
			_ = json.NewEncoder(w).Encode([]map[string]any{{"id": 9, "link": "https://example.com/p9/", "content": map[string]any{"raw": "<!-- igny8:content:01PHP -->"}}})
			return
		}
		if posts == nil {
			posts = []map[string]any{}
		}
		writeJSON(w, 200, posts)
	}))
	defer srv.Close()
	c := newClient(srv.URL, nil)
	cases := []struct {
		id    string
		want  platform.Remote
		found bool
	}{
		{"01A", platform.Remote{ID: "7", URL: "https://example.com/p7/"}, true},
		{"01PHP", platform.Remote{ID: "9", URL: "https://example.com/p9/"}, true},
		{"01ZZ", platform.Remote{}, false},
	}
	for _, tc := range cases {
		got, found, err := c.Find(context.Background(), tc.id)
		if err != nil || found != tc.found || got != tc.want {
			t.Errorf("Find(%s) = %+v %v %v, want %+v %v", tc.id, got, found, err, tc.want, tc.found)
		}
	}
	if gotQuery["status"] != "publish,future,draft,pending,private" || gotQuery["context"] != "edit" {
		t.Errorf("query %v", gotQuery)
	}
	for _, bad := range []string{"", " 01A", "a b", "x--y", "<x>"} {
		if _, _, err := c.Find(context.Background(), bad); asPlatformError(t, err).Kind != platform.Permanent {
			t.Errorf("Find(%q): %v", bad, err)
		}
	}
}

// fakeWP keeps terms, media and posts in memory: enough of the REST API to
// check what Create sends.
type fakeWP struct {
	t     *testing.T
	mu    sync.Mutex
	next  int
	terms map[string][]map[string]any // route → terms
	media []map[string]any
	posts []map[string]any
	// raceTerm makes the first POST of this name answer term_exists, as if
	// another publisher made it between our search and our POST.
	raceTerm string
	uploads  []http.Header
}

func newFakeWP(t *testing.T) *fakeWP {
	return &fakeWP{t: t, next: 100, terms: map[string][]map[string]any{
		"categories": {{"id": 1, "name": "Uncategorized"}, {"id": 2, "name": "Q&amp;A"}, {"id": 3, "name": "Travel tips"}},
		"tags":       {},
	}}
}

func (f *fakeWP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	route := strings.TrimPrefix(r.URL.Path, "/wp-json")
	q := r.URL.Query()
	switch {
	case route == "/":
		writeJSON(w, 200, indexJSON)
	case (route == "/wp/v2/categories" || route == "/wp/v2/tags") && r.Method == http.MethodGet:
		tax := strings.TrimPrefix(route, "/wp/v2/")
		out := []map[string]any{}
		for _, term := range f.terms[tax] {
			if strings.Contains(strings.ToLower(term["name"].(string)), strings.ToLower(q.Get("search"))) {
				out = append(out, term)
			}
		}
		writeJSON(w, 200, out)
	case (route == "/wp/v2/categories" || route == "/wp/v2/tags") && r.Method == http.MethodPost:
		tax := strings.TrimPrefix(route, "/wp/v2/")
		var in struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in.Name == f.raceTerm {
			f.raceTerm = ""
			f.next++
			f.terms[tax] = append(f.terms[tax], map[string]any{"id": f.next, "name": in.Name})
			writeJSON(w, 400, fmt.Sprintf(`{"code":"term_exists","message":"A term with the name provided already exists.","data":{"status":400,"term_id":%d}}`, f.next))
			return
		}
		f.next++
		term := map[string]any{"id": f.next, "name": in.Name}
		f.terms[tax] = append(f.terms[tax], term)
		writeJSON(w, 201, term)
	case route == "/wp/v2/media" && r.Method == http.MethodGet:
		out := []map[string]any{}
		for _, m := range f.media {
			if strings.Contains(m["description"].(map[string]any)["raw"].(string), q.Get("search")) {
				out = append(out, m)
			}
		}
		writeJSON(w, 200, out)
	case route == "/wp/v2/media" && r.Method == http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			writeJSON(w, 400, wpErr("rest_upload_unknown_error", "not an image", 400))
			return
		}
		f.uploads = append(f.uploads, r.Header.Clone())
		f.next++
		m := map[string]any{"id": f.next, "alt_text": q.Get("alt_text"), "title": q.Get("title"),
			"description": map[string]any{"raw": q.Get("description")}}
		f.media = append(f.media, m)
		writeJSON(w, 201, m)
	case route == "/wp/v2/posts" && r.Method == http.MethodPost:
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, 400, wpErr("rest_invalid_json", err.Error(), 400))
			return
		}
		f.next++
		in["id"] = f.next
		in["link"] = fmt.Sprintf("https://example.com/%s/", in["slug"])
		f.posts = append(f.posts, in)
		writeJSON(w, 201, in)
	default:
		writeJSON(w, 404, wpErr("rest_no_route", "No route was found matching the URL and request method.", 404))
	}
}

func TestCreateSendsEverything(t *testing.T) {
	f := newFakeWP(t)
	f.raceTerm = "Brand new"
	srv := httptest.NewServer(f)
	defer srv.Close()
	c := newClient(srv.URL, nil)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CET", 3600))
	p := platform.Post{
		ContentID:  "01JCONTENT",
		Title:      "Ten tips",
		HTML:       "<p>Body</p>\n",
		Excerpt:    "  The meta description.  ",
		Slug:       "ten-tips",
		Categories: []string{"q&a", "Travel Tips", "travel tips", " "},
		Tags:       []string{"Brand new", "Second"},
		PublishAt:  at,
		FeaturedImage: &platform.Image{
			Filename: "Hero Image (1).PNG", ContentType: "image/png", Data: testPNG(t), Alt: "A hero",
		},
	}
	got, err := c.Create(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.posts) != 1 || len(f.media) != 1 {
		t.Fatalf("posts %d, media %d", len(f.posts), len(f.media))
	}
	post := f.posts[0]
	if want := (platform.Remote{ID: fmt.Sprint(post["id"]), URL: "https://example.com/ten-tips/"}); got != want {
		t.Fatalf("Create = %+v, want %+v", got, want)
	}
	check := func(field string, want any) {
		t.Helper()
		if g, _ := json.Marshal(post[field]); string(g) != mustJSON(want) {
			t.Errorf("%s = %s, want %s", field, g, mustJSON(want))
		}
	}
	check("title", "Ten tips")
	check("content", "<p>Body</p>\n<!-- igny8:content:01JCONTENT -->")
	check("excerpt", "The meta description.")
	check("slug", "ten-tips")
	check("status", "publish")
	check("date_gmt", "2026-03-04T04:06:07")
	check("featured_media", f.media[0]["id"])
	check("categories", []int{2, 3})
	tags := f.terms["tags"]
	check("tags", []any{tags[0]["id"], tags[1]["id"]})
	if len(tags) != 2 || len(f.terms["categories"]) != 3 {
		t.Errorf("terms made: %v", f.terms)
	}
	up := f.uploads[0]
	if up.Get("Content-Type") != "image/png" || up.Get("Content-Disposition") != `attachment; filename="hero-image-1.png"` {
		t.Errorf("upload headers %v", up)
	}
	if f.media[0]["alt_text"] != "A hero" || f.media[0]["title"] != "Ten tips" {
		t.Errorf("media %v", f.media[0])
	}

	// A retry after the upload succeeded reuses the image.
	if _, err := c.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if len(f.media) != 1 || len(f.uploads) != 1 {
		t.Fatalf("the retry uploaded the image again: %d", len(f.uploads))
	}
}

func TestCreateRefusesBadPosts(t *testing.T) {
	c := newClient("http://127.0.0.1:1", nil)
	for name, p := range map[string]platform.Post{
		"no title":   {ContentID: "C1", HTML: "x"},
		"no id":      {Title: "T"},
		"empty data": {ContentID: "C1", Title: "T", FeaturedImage: &platform.Image{Filename: "a.png"}},
	} {
		_, err := c.Create(context.Background(), p)
		if pe := asPlatformError(t, err); pe.Kind != platform.Permanent {
			t.Errorf("%s: %v", name, pe)
		}
	}
}

func TestImageFilename(t *testing.T) {
	for _, tc := range []struct{ name, ct, want string }{
		{"photo.jpg", "image/jpeg", "photo.jpg"},
		{"../../etc/passwd", "image/png", "passwd.png"},
		{"", "image/webp", "featured.webp"},
		{"Ünïcode name.jpeg", "image/jpeg", "n-code-name.jpg"},
		{"x.png", "image/jpeg", "x.jpg"},
	} {
		if got := imageFilename(&platform.Image{Filename: tc.name}, tc.ct); got != tc.want {
			t.Errorf("imageFilename(%q, %s) = %q, want %q", tc.name, tc.ct, got, tc.want)
		}
	}
	if got := contentType(&platform.Image{Data: testPNG(t)}); got != "image/png" {
		t.Errorf("sniffed %s", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
