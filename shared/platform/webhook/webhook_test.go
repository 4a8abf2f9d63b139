package webhook_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/igny8/igny8-serverless/shared/platform"
	"github.com/igny8/igny8-serverless/shared/platform/webhook"
)

// secret is the Standard Webhooks specification's example secret.
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var clock = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return clock }

// loopback reaches the test receivers on 127.0.0.1, which the adapter's
// default (guarded) client refuses; the guard has its own tests.
var loopback = &http.Client{Timeout: 10 * time.Second}

// receiver is an idempotent receiver: it verifies each request with
// webhook.Verify and answers a content ID it has seen with the same post.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	posts    map[string]platform.Remote // by Idempotency-Key
	payloads []webhook.Payload
	headers  []http.Header
	bodies   [][]byte
	pings    int
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, posts: map[string]platform.Remote{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(secret, r.Header, body, clock, time.Minute); err != nil {
		http.Error(w, `{"error":"bad signature"}`, http.StatusUnauthorized)
		return
	}
	// The specification's own library accepts it too (it checks the
	// timestamp against the real clock, so not that).
	if err := reference(rc.t).VerifyIgnoringTimestamp(body, r.Header); err != nil {
		rc.t.Errorf("the Standard Webhooks library refuses the delivery: %v", err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.bodies = append(rc.bodies, body)
	if r.Header.Get(webhook.HeaderEvent) == webhook.EventPing {
		rc.pings++
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		rc.t.Errorf("payload: %v", err)
	}
	key := r.Header.Get(webhook.HeaderIdempotencyKey)
	res, seen := rc.posts[key]
	if !seen {
		rc.payloads = append(rc.payloads, p)
		n := len(rc.posts) + 1
		res = platform.Remote{ID: fmt.Sprintf("post-%d", n), URL: fmt.Sprintf("https://site.example/p/%d", n)}
		rc.posts[key] = res
	}
	w.Header().Set("Content-Type", "application/json")
	if !seen {
		w.WriteHeader(http.StatusCreated)
	}
	_ = json.NewEncoder(w).Encode(res)
}

func testPost(id string) platform.Post {
	return platform.Post{
		ContentID: id, Title: "Cold Brew <Guide>", HTML: "<h2>Steep</h2><p>12 hours & patience.</p>",
		Excerpt: "How to cold brew.", MetaTitle: "Cold Brew Guide", Slug: "cold-brew",
		Categories: []string{"Guides"}, Tags: []string{"coffee", "cold"},
		FeaturedImage:   &platform.Image{Filename: "jar.png", Data: []byte("\x89PNG\r\n\x1a\nabc"), Alt: "A jar"},
		InArticleImages: []platform.Image{{Filename: "steep.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\ndef"), Alt: "Steeping", Key: "img1"}},
		PublishAt:       time.Date(2025, 6, 2, 9, 0, 0, 0, time.FixedZone("IST", 5*3600+1800)),
	}
}

func TestCreate(t *testing.T) {
	rc := newReceiver(t)
	c := webhook.New(webhook.Config{URL: rc.srv.URL + "/hooks/igny8?site=1", Secret: secret}, rc.srv.Client(), fixedNow)

	r, err := c.Create(context.Background(), testPost("01JCONTENT"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (platform.Remote{ID: "post-1", URL: "https://site.example/p/1"}); r != want {
		t.Errorf("Create = %+v, want %+v", r, want)
	}
	h := rc.headers[0]
	for k, want := range map[string]string{
		"Content-Type":               "application/json",
		webhook.HeaderEvent:          "content.publish",
		webhook.HeaderContentID:      "01JCONTENT",
		webhook.HeaderIdempotencyKey: "01JCONTENT",
		webhook.HeaderID:             "msg_01JCONTENT",
		webhook.HeaderTimestamp:      strconv.FormatInt(clock.Unix(), 10),
		webhook.HeaderSignature:      mustSign(t, secret, "msg_01JCONTENT", clock.Unix(), rc.bodies[0]),
		"Authorization":              "",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	var raw map[string]any
	if err := json.Unmarshal(rc.bodies[0], &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"event": "content.publish", "content_id": "01JCONTENT", "title": "Cold Brew <Guide>",
		"html":       "<h2>Steep</h2><p>12 hours & patience.</p>\n<figure class=\"igny8-image\"><img src=\"cid:steep.png\" alt=\"Steeping\" /></figure>\n",
		"excerpt":    "How to cold brew.",
		"meta_title": "Cold Brew Guide", "slug": "cold-brew",
		"categories": []any{"Guides"}, "tags": []any{"coffee", "cold"},
		"publish_at": "2025-06-02T03:30:00Z",
		"featured_image": map[string]any{
			"filename": "jar.png", "content_type": "image/png", "alt": "A jar",
			"data_base64": base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\nabc")),
		},
		"in_article_images": []any{map[string]any{
			"filename": "steep.png", "content_type": "image/png", "alt": "Steeping",
			"data_base64": base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\ndef")),
		}},
	}
	if g, w := fmt.Sprint(raw), fmt.Sprint(want); g != w {
		t.Errorf("body\n got %s\nwant %s", g, w)
	}
	if !bytes.Contains(rc.bodies[0], []byte("<h2>")) {
		t.Errorf("HTML is escaped in the body: %s", rc.bodies[0])
	}
}

func TestCreateEmptyLists(t *testing.T) {
	rc := newReceiver(t)
	c := webhook.New(webhook.Config{URL: rc.srv.URL, Secret: secret}, loopback, fixedNow)
	if _, err := c.Create(context.Background(), platform.Post{ContentID: "C2", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	body := string(rc.bodies[0])
	for _, s := range []string{`"categories":[]`, `"tags":[]`, `"featured_image":null`, `"publish_at":"2025-06-01T08:00:00Z"`} {
		if !strings.Contains(body, s) {
			t.Errorf("body %s lacks %s", body, s)
		}
	}
}

// TestIdempotentReceiver: a retried publish reaches the receiver twice and
// gets the same post back; the receiver makes one.
func TestIdempotentReceiver(t *testing.T) {
	rc := newReceiver(t)
	c := webhook.New(webhook.Config{URL: rc.srv.URL, Secret: secret}, loopback, fixedNow)
	ctx := context.Background()
	first, err := c.Create(ctx, testPost("DUP"))
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := c.Find(ctx, "DUP"); found || err != nil {
		t.Errorf("Find = %v, %v; want not found, nil", found, err)
	}
	second, err := c.Create(ctx, testPost("DUP"))
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("second Create = %+v, want %+v", second, first)
	}
	other, err := c.Create(ctx, testPost("OTHER"))
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == first.ID {
		t.Errorf("another content ID got the same post %q", other.ID)
	}
	if len(rc.payloads) != 2 {
		t.Errorf("receiver made %d posts, want 2", len(rc.payloads))
	}
}

func TestCheck(t *testing.T) {
	rc := newReceiver(t)
	if err := webhook.New(webhook.Config{URL: rc.srv.URL, Secret: secret}, loopback, fixedNow).Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rc.pings != 1 || string(rc.bodies[0]) != `{"event":"ping"}` || rc.headers[0].Get(webhook.HeaderIdempotencyKey) != "" {
		t.Errorf("ping: %d, %s, %v", rc.pings, rc.bodies[0], rc.headers[0])
	}
	// The wrong secret: the receiver answers 401.
	err := webhook.New(webhook.Config{URL: rc.srv.URL, Secret: webhook.NewSecret()}, loopback, fixedNow).Check(context.Background())
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Kind != platform.Unauthorized || !strings.Contains(pe.Detail, "bad signature") || strings.Contains(pe.Message, "bad signature") {
		t.Errorf("wrong secret: %v", err)
	}
}

func mustSign(t *testing.T, secret, id string, ts int64, body []byte) string {
	t.Helper()
	sig, err := webhook.Sign(secret, id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// reference is the Standard Webhooks specification's own Go library.
func reference(t *testing.T) *standardwebhooks.Webhook {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}

func TestSignVerify(t *testing.T) {
	body := []byte(`{"event":"ping"}`)
	ts := clock.Unix()
	headers := func(id, sig, ts string) http.Header {
		h := http.Header{}
		for k, v := range map[string]string{webhook.HeaderID: id, webhook.HeaderSignature: sig, webhook.HeaderTimestamp: ts} {
			if v != "" {
				h.Set(k, v)
			}
		}
		return h
	}
	good := mustSign(t, secret, "msg_1", ts, body)
	old := mustSign(t, "whsec_"+base64.StdEncoding.EncodeToString([]byte("the old key")), "msg_1", ts, body)
	tsS := strconv.FormatInt(ts, 10)
	tests := []struct {
		name      string
		secret    string
		header    http.Header
		body      []byte
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"valid", secret, headers("msg_1", good, tsS), body, clock, time.Minute, nil},
		{"valid at the edge", secret, headers("msg_1", good, tsS), body, clock.Add(time.Minute), time.Minute, nil},
		{"rotation: second signature", secret, headers("msg_1", old+" "+good, tsS), body, clock, time.Minute, nil},
		{"tampered body", secret, headers("msg_1", good, tsS), []byte(`{"event":"pong"}`), clock, time.Minute, webhook.ErrSignature},
		{"tampered timestamp", secret, headers("msg_1", good, strconv.FormatInt(ts+1, 10)), body, clock, time.Minute, webhook.ErrSignature},
		{"another message ID", secret, headers("msg_2", good, tsS), body, clock, time.Minute, webhook.ErrSignature},
		{"old timestamp", secret, headers("msg_1", good, tsS), body, clock.Add(61 * time.Second), time.Minute, webhook.ErrTimestamp},
		{"future timestamp", secret, headers("msg_1", good, tsS), body, clock.Add(-10 * time.Minute), time.Minute, webhook.ErrTimestamp},
		{"default tolerance", secret, headers("msg_1", good, tsS), body, clock.Add(4 * time.Minute), 0, nil},
		{"beyond default tolerance", secret, headers("msg_1", good, tsS), body, clock.Add(6 * time.Minute), 0, webhook.ErrTimestamp},
		{"wrong secret", webhook.NewSecret(), headers("msg_1", good, tsS), body, clock, time.Minute, webhook.ErrSignature},
		{"no secret", "", headers("msg_1", good, tsS), body, clock, time.Minute, webhook.ErrNoSecret},
		{"no message ID", secret, headers("", good, tsS), body, clock, time.Minute, webhook.ErrMissingID},
		{"no signature", secret, headers("msg_1", "", tsS), body, clock, time.Minute, webhook.ErrMissingSignature},
		{"no timestamp", secret, headers("msg_1", good, ""), body, clock, time.Minute, webhook.ErrMissingTimestamp},
		{"bad timestamp", secret, headers("msg_1", good, "yesterday"), body, clock, time.Minute, webhook.ErrMissingTimestamp},
		{"other version", secret, headers("msg_1", "v2,"+strings.TrimPrefix(good, "v1,"), tsS), body, clock, time.Minute, webhook.ErrSignature},
		{"not base64", secret, headers("msg_1", "v1,zz!", tsS), body, clock, time.Minute, webhook.ErrSignature},
		{"truncated", secret, headers("msg_1", good[:20], tsS), body, clock, time.Minute, webhook.ErrSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := webhook.Verify(tc.secret, tc.header, tc.body, tc.now, tc.tolerance); !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// The specification's test vector (from its reference libraries), and the
// reference library's own Sign, agree with ours.
func TestStandardWebhooksVector(t *testing.T) {
	payload := []byte(`{"test": 2432232314}`)
	got := mustSign(t, secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, payload)
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s, want the specification's %s", got, want)
	}
	ref, err := reference(t).Sign("msg_other", clock, []byte("any body"))
	if err != nil || ref != mustSign(t, secret, "msg_other", clock.Unix(), []byte("any body")) {
		t.Fatalf("the reference library signs %s (%v)", ref, err)
	}
}

// A secret made before (unpadded URL-safe base64) signs as the same key
// written the standard way, which the reference library reads.
func TestLegacySecret(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef\xfb\xff")
	legacy := "whsec_" + base64.RawURLEncoding.EncodeToString(key)
	std, err := webhook.StandardSecret(legacy)
	if err != nil || std != "whsec_"+base64.StdEncoding.EncodeToString(key) {
		t.Fatalf("StandardSecret = %s, %v", std, err)
	}
	body := []byte(`{"event":"ping"}`)
	sig := mustSign(t, legacy, "msg_1", clock.Unix(), body)
	h := http.Header{}
	h.Set(webhook.HeaderID, "msg_1")
	h.Set(webhook.HeaderTimestamp, strconv.FormatInt(clock.Unix(), 10))
	h.Set(webhook.HeaderSignature, sig)
	wh, err := standardwebhooks.NewWebhook(std)
	if err != nil || wh.VerifyIgnoringTimestamp(body, h) != nil || webhook.Verify(legacy, h, body, clock, time.Minute) != nil {
		t.Fatalf("a legacy secret's delivery does not verify: %v", err)
	}
	if _, err := webhook.StandardSecret("whsec_!!"); !errors.Is(err, webhook.ErrNoSecret) {
		t.Fatalf("an unusable secret: %v", err)
	}
}

func TestNewSecret(t *testing.T) {
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b {
		t.Error("two secrets are equal")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	if !strings.HasPrefix(a, "whsec_") || err != nil || len(raw) != 32 {
		t.Errorf("NewSecret = %q (%d bytes, %v)", a, len(raw), err)
	}
	if _, err := standardwebhooks.NewWebhook(a); err != nil {
		t.Errorf("the reference library refuses the secret: %v", err)
	}
}

func TestErrors(t *testing.T) {
	type answer struct {
		status int
		header map[string]string
		body   string
	}
	tests := []struct {
		name       string
		ans        answer
		kind       platform.Kind
		retryAfter time.Duration
		msg        string
		checkKind  platform.Kind // when Check classifies differently
	}{
		{"429 seconds", answer{429, map[string]string{"Retry-After": "7"}, ""}, platform.RateLimited, 7 * time.Second, "slow down", ""},
		{"429 HTTP date", answer{429, map[string]string{"Retry-After": clock.Add(90 * time.Second).Format(http.TimeFormat)}, ""}, platform.RateLimited, 90 * time.Second, "slow down", ""},
		{"429 no header", answer{429, nil, ""}, platform.RateLimited, 0, "slow down", ""},
		{"500", answer{500, nil, `{"error":"database is down"}`}, platform.Transient, 0, "database is down", ""},
		{"503 Retry-After", answer{503, map[string]string{"Retry-After": "30"}, "<html>maintenance</html>"}, platform.Transient, 30 * time.Second, "503 Service Unavailable", ""},
		{"408", answer{408, nil, ""}, platform.Transient, 0, "408", ""},
		{"401", answer{401, nil, `{"message":"invalid signature"}`}, platform.Unauthorized, 0, "invalid signature", ""},
		{"403", answer{403, map[string]string{"Content-Type": "text/plain"}, "blocked by WAF\nref 123"}, platform.Forbidden, 0, "blocked by WAF", ""},
		{"404", answer{404, nil, ""}, platform.Permanent, 0, "404 Not Found", platform.NotPlatform},
		{"405", answer{405, nil, ""}, platform.Permanent, 0, "405", platform.NotPlatform},
		{"422", answer{422, nil, `{"error":{"message":"slug taken"}}`}, platform.Permanent, 0, "slug taken", ""},
		{"400 HTML not quoted", answer{400, map[string]string{"Content-Type": "text/html"}, "<html>bad</html>"}, platform.Permanent, 0, "400 Bad Request", ""},
		{"redirect", answer{302, map[string]string{"Location": "https://elsewhere.example/hook"}, ""}, platform.Permanent, 0, "redirects to elsewhere.example", ""},
		{"secret echoed back", answer{400, nil, `{"error":"got secret ` + secret + `"}`}, platform.Permanent, 0, "got secret [secret]", ""},
	}
	for _, tc := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for k, v := range tc.ans.header {
				w.Header().Set(k, v)
			}
			w.WriteHeader(tc.ans.status)
			io.WriteString(w, tc.ans.body)
		}))
		c := webhook.New(webhook.Config{URL: srv.URL + "/hook?token=site-own-token", Secret: secret}, loopback, fixedNow)
		ops := map[string]func() error{
			"create": func() error { _, err := c.Create(context.Background(), testPost("E")); return err },
			"check":  func() error { return c.Check(context.Background()) },
		}
		for opName, op := range ops {
			t.Run(tc.name+"/"+opName, func(t *testing.T) {
				var pe *platform.Error
				err := op()
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is not a *platform.Error", err)
				}
				want := tc.kind
				if opName == "check" && tc.checkKind != "" {
					want = tc.checkKind
				}
				if pe.Kind != want || pe.Status != tc.ans.status || pe.RetryAfter != tc.retryAfter || pe.Platform != "custom" {
					t.Errorf("got %s %d retry %v (%v), want %s %d retry %v", pe.Kind, pe.Status, pe.RetryAfter, pe, want, tc.ans.status, tc.retryAfter)
				}
				// What the receiver said is kept for the logs (Detail), never shown.
				if !strings.Contains(pe.Message, tc.msg) && !strings.Contains(pe.Detail, tc.msg) {
					t.Errorf("message %q and detail %q lack %q", pe.Message, pe.Detail, tc.msg)
				}
				if pe.Detail != "" && strings.Contains(pe.Error(), pe.Detail) {
					t.Errorf("error %q quotes the receiver's answer %q", pe.Error(), pe.Detail)
				}
				for _, s := range []string{secret, "site-own-token", "<html>"} {
					if strings.Contains(pe.Error(), s) {
						t.Errorf("error shows %q: %v", s, pe)
					}
				}
			})
		}
		srv.Close()
	}
}

func TestBadAnswers(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   platform.Remote
		msg    string // "" for success
	}{
		{"numeric id", 200, `{"id": 12345678901234567890, "url": "https://s.example/a"}`, platform.Remote{ID: "12345678901234567890", URL: "https://s.example/a"}, ""},
		{"string id, no url", 202, `{"id":"abc"}`, platform.Remote{ID: "abc"}, ""},
		{"no id", 200, `{"url":"https://s.example/a"}`, platform.Remote{}, "the webhook answered without an id"},
		{"empty id", 200, `{"id":"  "}`, platform.Remote{}, "the webhook answered without an id"},
		{"null id", 200, `{"id":null}`, platform.Remote{}, "the webhook answered without an id"},
		{"no body", 204, ``, platform.Remote{}, "the webhook answered without an id"},
		{"object id", 200, `{"id":{"n":1}}`, platform.Remote{}, "not a string or a number"},
		{"url not a string", 200, `{"id":"a","url":7}`, platform.Remote{}, "url that is not a string"},
		{"not JSON", 200, `OK`, platform.Remote{}, "not JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			got, err := webhook.New(webhook.Config{URL: srv.URL, Secret: secret}, loopback, fixedNow).Create(context.Background(), testPost("B"))
			if tc.msg == "" {
				if err != nil || got != tc.want {
					t.Errorf("Create = %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			var pe *platform.Error
			if !errors.As(err, &pe) || pe.Kind != platform.Permanent || !strings.Contains(pe.Message, tc.msg) || pe.Status != tc.status {
				t.Errorf("Create error = %v, want permanent %d %q", err, tc.status, tc.msg)
			}
		})
	}
}

func TestMisconfiguredAndUnreachable(t *testing.T) {
	ctx := context.Background()
	for name, cfg := range map[string]webhook.Config{
		"no URL":       {Secret: secret},
		"relative URL": {URL: "/hook", Secret: secret},
		"ftp URL":      {URL: "ftp://site.example/hook", Secret: secret},
		"no secret":    {URL: "https://site.example/hook"},
	} {
		t.Run(name, func(t *testing.T) {
			c := webhook.New(cfg, nil, nil)
			for _, err := range []error{c.Check(ctx), func() error { _, err := c.Create(ctx, testPost("M")); return err }()} {
				var pe *platform.Error
				if !errors.As(err, &pe) || pe.Kind != platform.Misconfigured {
					t.Errorf("got %v, want misconfigured", err)
				}
			}
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		u := srv.URL + "/hook?token=site-own-token"
		srv.Close()
		_, err := webhook.New(webhook.Config{URL: u, Secret: secret}, loopback, nil).Create(ctx, testPost("N"))
		var pe *platform.Error
		if !errors.As(err, &pe) || pe.Kind != platform.Unreachable || !pe.Retryable() || pe.Err == nil {
			t.Fatalf("got %v", err)
		}
		if strings.Contains(pe.Error(), "site-own-token") {
			t.Errorf("error shows the URL's query: %v", pe)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		hc := &http.Client{Timeout: 50 * time.Millisecond}
		err := webhook.New(webhook.Config{URL: srv.URL, Secret: secret}, hc, nil).Check(ctx)
		var pe *platform.Error
		if !errors.As(err, &pe) || pe.Kind != platform.Unreachable {
			t.Fatalf("got %v", err)
		}
	})
}

// TestNoRedirects: the request is not replayed at the redirect target, and
// the caller's client is left alone.
func TestNoRedirects(t *testing.T) {
	var hit atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Store(true) }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	hc := &http.Client{}
	err := webhook.New(webhook.Config{URL: srv.URL, Secret: secret}, hc, fixedNow).Check(context.Background())
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Kind != platform.Permanent || pe.Status != 307 {
		t.Errorf("got %v", err)
	}
	if hit.Load() {
		t.Error("the redirect was followed")
	}
	if hc.CheckRedirect != nil {
		t.Error("New changed the caller's http.Client")
	}
}
