package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer starts an httptest server on loopback that counts the
// requests it sees and answers with h.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func hostPort(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func mustPolicy(t testing.TB, hostports ...string) Policy {
	t.Helper()
	p, err := NewPolicy(hostports...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, c *http.Client, rawURL string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func ok(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }

func TestClientRefusesAndAllows(t *testing.T) {
	srv, hits := countingServer(t, ok)
	other, otherHits := countingServer(t, ok)
	_, port, _ := net.SplitHostPort(hostPort(t, srv))
	allowSrv := mustPolicy(t, hostPort(t, srv))

	tests := []struct {
		name    string
		policy  Policy
		url     string
		hits    *atomic.Int32
		allowed bool
		class   Class
	}{
		{"loopback refused", Policy{}, srv.URL, hits, false, ClassLoopback},
		{"allow-listed exact host:port", allowSrv, srv.URL, hits, true, ""},
		{"other port on the same IP", allowSrv, other.URL, otherHits, false, ClassLoopback},
		{"localhost resolves to loopback", Policy{}, "http://localhost:" + port, hits, false, ClassLoopback},
		{"allow list is by name, not resolved IP", allowSrv, "http://localhost:" + port, hits, false, ClassLoopback},
		{"127.0.0.2 is loopback too", allowSrv, "http://127.0.0.2:" + port, hits, false, ClassLoopback},
		{"mapped loopback literal", Policy{}, "http://[::ffff:127.0.0.1]:" + port, hits, false, ClassLoopback},
		{"unspecified", Policy{}, "http://0.0.0.0:" + port, hits, false, ClassUnspecified},
		{"metadata address", Policy{}, "http://169.254.169.254/latest/meta-data/", nil, false, ClassLinkLocal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before int32
			if tt.hits != nil {
				before = tt.hits.Load()
			}
			resp, err := get(t, NewClient(tt.policy, Options{Timeout: 5 * time.Second}), tt.url)
			if tt.allowed {
				if err != nil {
					t.Fatalf("GET %s: %v", tt.url, err)
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d", resp.StatusCode)
				}
				if tt.hits.Load() != before+1 {
					t.Fatalf("server saw %d requests, want 1", tt.hits.Load()-before)
				}
				return
			}
			if !errors.Is(err, ErrTargetNotAllowed) {
				t.Fatalf("GET %s: err = %v, want ErrTargetNotAllowed", tt.url, err)
			}
			if _, isURLErr := errors.AsType[*url.Error](err); !isURLErr {
				t.Errorf("err %T is not a *url.Error", err)
			}
			te, isTarget := errors.AsType[*TargetError](err)
			if !isTarget || te.Class != tt.class {
				t.Errorf("err = %v, want a *TargetError of class %s", err, tt.class)
			}
			if tt.hits != nil && tt.hits.Load() != before {
				t.Errorf("server saw %d requests, want none", tt.hits.Load()-before)
			}
		})
	}
}

func TestClientRefusesIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	var hits atomic.Int32
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
	})}}
	srv.Start()
	t.Cleanup(srv.Close)

	if _, err := get(t, NewClient(Policy{}, Options{}), srv.URL); !errors.Is(err, ErrTargetNotAllowed) {
		t.Fatalf("GET %s: err = %v, want ErrTargetNotAllowed", srv.URL, err)
	}
	if hits.Load() != 0 {
		t.Fatalf("server saw %d requests", hits.Load())
	}
	resp, err := get(t, NewClient(mustPolicy(t, ln.Addr().String()), Options{}), srv.URL)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("allow-listed GET %s: %v", srv.URL, err)
	}
}

func TestClientReturnsRedirects(t *testing.T) {
	target, targetHits := countingServer(t, ok)
	for _, code := range []int{http.StatusFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		src, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/internal", code)
		})
		resp, err := get(t, NewClient(mustPolicy(t, hostPort(t, src)), Options{}), src.URL)
		if err != nil {
			t.Fatalf("%d: GET: %v", code, err)
		}
		if resp.StatusCode != code || resp.Header.Get("Location") != target.URL+"/internal" {
			t.Fatalf("%d: got status %d Location %q, want the redirect itself", code, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if targetHits.Load() != 0 {
		t.Fatalf("redirect target saw %d requests, want none", targetHits.Load())
	}
}

func TestClientBodyCap(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name    string
		size    int
		tooBig  bool
		chunked bool
	}{
		{"under", limit - 1, false, false},
		{"exactly the cap", limit, false, false},
		{"one past", limit + 1, true, false},
		{"far past", 50 * limit, true, false},
		{"one past, chunked", limit + 1, true, true},
		{"exactly, chunked", limit, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {
				body := strings.Repeat("x", tt.size)
				if tt.chunked {
					for i := 0; i < len(body); i += 100 {
						io.WriteString(w, body[i:min(i+100, len(body))])
						w.(http.Flusher).Flush()
					}
					return
				}
				io.WriteString(w, body)
			})
			resp, err := get(t, NewClient(mustPolicy(t, hostPort(t, srv)), Options{MaxResponseBytes: limit}), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			if tt.tooBig {
				if !errors.Is(err, ErrResponseTooLarge) {
					t.Fatalf("ReadAll err = %v, want ErrResponseTooLarge", err)
				}
				if len(b) > limit {
					t.Fatalf("read %d bytes past a %d cap", len(b), limit)
				}
				// The error sticks: a second read must not pretend the body ended.
				if _, err := resp.Body.Read(make([]byte, 10)); !errors.Is(err, ErrResponseTooLarge) {
					t.Fatalf("second Read err = %v, want ErrResponseTooLarge", err)
				}
				return
			}
			if err != nil || len(b) != tt.size {
				t.Fatalf("ReadAll = %d bytes, %v; want %d bytes", len(b), err, tt.size)
			}
		})
	}
}

func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	_, err := get(t, NewClient(mustPolicy(t, hostPort(t, srv)), Options{Timeout: 100 * time.Millisecond}), srv.URL)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Setenv("HTTP_PROXY", "http://proxy.example.test:3128")
	t.Setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
	c := NewClient(Policy{}, Options{})
	if c.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %v, want %v", c.Timeout, DefaultTimeout)
	}
	ct, isCap := c.Transport.(*capTransport)
	if !isCap || ct.limit != DefaultMaxResponseBytes {
		t.Fatalf("Transport = %#v, want a capTransport with the default cap", c.Transport)
	}
	tr := ct.next.(*http.Transport)
	if tr.Proxy != nil {
		t.Error("Proxy is set: a proxy would connect past the dial check")
	}
	if tr.DialContext == nil {
		t.Error("no guarded DialContext")
	}
	if c.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Error("redirects are followed")
	}
}

func TestDialerRefusesOtherNetworks(t *testing.T) {
	_, err := NewDialer(Policy{}).DialContext(context.Background(), "udp", "93.184.216.34:53")
	if !errors.Is(err, ErrTargetNotAllowed) {
		t.Fatalf("udp dial err = %v, want ErrTargetNotAllowed", err)
	}
}
