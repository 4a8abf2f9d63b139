package local

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// countingServer counts every request it gets and answers 500 with a body
// naming an internal service's code and message.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"code":"zz_internal_code_42","message":"zz internal banner 42","data":{"status":500}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// publishOne publishes one approved item by hand and returns it once the
// publisher is done.
func (s *testStack) publishOne(t *testing.T, key, site string) domain.Content {
	t.Helper()
	ids := s.seedApproved(t, key, site, 1)
	if r := s.c.Do("POST", "/v1/sites/"+site+"/content/"+ids[0]+"/publish", nil, auth(key)...); r.Status != 202 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	s.WaitPublishing()
	return s.content(t, key, site, ids[0])
}

// A site address naming a loopback, private, link-local or internal target,
// or carrying credentials, is refused when it is saved, and nothing is
// stored.
func TestIntegrationIntegrationRefusesInternalTargets(t *testing.T) {
	srv, hits := countingServer(t)
	s := newTestStack(t)
	_, key := s.account(t, 0)
	var site domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Blog", "url": "https://blog.example", "platform": "wordpress"}, auth(key)...).JSON(t, &site)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	for _, u := range []string{srv.URL, "http://localhost:" + port, "http://0.0.0.0", "http://10.0.0.1", "http://169.254.169.254",
		"http://[::1]:" + port, "https://user:pass@example.com"} {
		r := s.c.DoRaw("PUT", "/v1/sites/"+site.ID+"/integration", map[string]any{"url": u, "username": "admin", "application_password": "abcd efgh ijkl mnop qrst uvwx"}, auth(key)...)
		want := "target_not_allowed"
		if strings.Contains(u, "@") {
			want = "invalid_request"
		}
		if r.Status != 400 || errorOf(t, r.Body).Code != want || !strings.Contains(string(r.Body), `"url`) {
			t.Errorf("PUT integration %s: %d %s, want 400 %s naming url", u, r.Status, r.Body, want)
		}
		if g := s.c.Do("GET", "/v1/sites/"+site.ID+"/integration", nil, auth(key)...); g.Status != 404 {
			t.Fatalf("after %s: an integration was stored: %d %s", u, g.Status, g.Body)
		}
	}
	if r := s.c.DoRaw("POST", "/v1/sites", map[string]any{"name": "Creds", "url": "https://user:pass@example.com", "platform": "wordpress"}, auth(key)...); r.Status != 400 || field(t, r.Body) != "url" {
		t.Errorf("a site URL with credentials: %d %s", r.Status, r.Body)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server saw %d requests", n)
	}
}

// A saved address that names a loopback server (a row from before the
// guard, or a name that resolves inside) is refused at connect time: the
// connection test answers 400 target_not_allowed, a publish fails with that
// code, and the server sees nothing.
func TestIntegrationSavedInternalTargetIsNeverContacted(t *testing.T) {
	srv, hits := countingServer(t)
	s := newTestStack(t)
	s.Publishing.Sleep = func(context.Context, time.Duration) error { return nil }
	account, key := s.account(t, 0)
	var site domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Old", "url": "https://old.example", "platform": "wordpress"}, auth(key)...).JSON(t, &site)
	in := domain.SiteIntegration{Platform: domain.PlatformWordPress, URL: srv.URL, Username: "admin", SecretHint: "…uvwx"}
	sealed := s.Deps.Box.Seal(account+"#"+site.ID, []byte("abcd efgh ijkl mnop qrst uvwx"))
	if err := s.Deps.Store.PutIntegration(context.Background(), account, site.ID, in, sealed); err != nil {
		t.Fatal(err)
	}
	r := s.c.Do("POST", "/v1/sites/"+site.ID+"/integration/test", nil, auth(key)...)
	if r.Status != 400 || errorOf(t, r.Body).Code != "target_not_allowed" {
		t.Fatalf("connection test: %d %s, want 400 target_not_allowed", r.Status, r.Body)
	}
	if c := s.publishOne(t, key, site.ID); c.SiteStatus != domain.SiteFailed || !strings.Contains(c.PublishError, "target_not_allowed") {
		t.Fatalf("publish: %s %q, want failed with target_not_allowed", c.SiteStatus, c.PublishError)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server saw %d requests", n)
	}
}

// What a remote answers is never echoed: its error code and message appear
// in none of the connection test's answer, last_check, the content's publish
// error or the notification.
func TestIntegrationRemoteErrorTextIsNeverEchoed(t *testing.T) {
	srv, hits := countingServer(t)
	s := newTestStack(t)
	s.allow(t, srv.URL)
	s.Publishing.Sleep = func(context.Context, time.Duration) error { return nil }
	_, key := s.account(t, 0)
	var site domain.Site
	s.c.Do("POST", "/v1/sites", map[string]any{"name": "Echo", "url": srv.URL, "platform": "wordpress"}, auth(key)...).JSON(t, &site)
	if r := s.c.Do("PUT", "/v1/sites/"+site.ID+"/integration", map[string]any{"url": srv.URL, "username": "admin", "application_password": "abcd efgh ijkl mnop qrst uvwx"}, auth(key)...); r.Status != 200 {
		t.Fatalf("connect: %d %s", r.Status, r.Body)
	}
	check := s.c.Do("POST", "/v1/sites/"+site.ID+"/integration/test", nil, auth(key)...)
	var res domain.ConnectionCheck
	check.JSON(t, &res)
	if res.OK || res.Code != "transient" || res.HTTPStatus != 500 {
		t.Errorf("check: %+v, want transient 500", res)
	}
	c := s.publishOne(t, key, site.ID)
	if c.SiteStatus != domain.SiteFailed || c.PublishError == "" {
		t.Fatalf("publish: %s %q, want failed", c.SiteStatus, c.PublishError)
	}
	answers := map[string]string{
		"connection test": string(check.Body),
		"last_check":      string(s.c.Do("GET", "/v1/sites/"+site.ID+"/integration", nil, auth(key)...).Body),
		"publish error":   c.PublishError,
		"notifications":   string(s.c.Do("GET", "/v1/notifications?limit=50", nil, auth(key)...).Body),
	}
	for where, text := range answers {
		for _, remote := range []string{"zz_internal_code_42", "zz internal banner 42"} {
			if strings.Contains(text, remote) {
				t.Errorf("%s quotes the remote's %q: %s", where, remote, text)
			}
		}
	}
	if !strings.Contains(answers["notifications"], "publish_failed") {
		t.Errorf("no publish_failed notification: %s", answers["notifications"])
	}
	if hits.Load() == 0 {
		t.Error("the allow-listed server was never reached")
	}
}
