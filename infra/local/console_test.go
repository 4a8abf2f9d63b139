package local

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The console handler sends /v1 to the API, serves built files as they
// are, and answers every other console path with index.html.
func TestConsoleHandler(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "assets"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html>app"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "assets", "index-abc.js"), []byte("console.log(1)"), 0o644))
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("api " + r.URL.Path))
	})
	h := consoleHandler(dir, api)
	tests := []struct {
		method, path string
		status       int
		body, cache  string
	}{
		{"GET", "/v1/health", http.StatusTeapot, "api /v1/health", ""},
		{"POST", "/v1/sites", http.StatusTeapot, "api /v1/sites", ""},
		{"GET", "/v1", http.StatusTeapot, "api /v1", ""},
		{"GET", "/", 200, "app", "no-cache"},
		{"GET", "/index.html", 200, "app", "no-cache"},
		{"GET", "/sites/s1/keywords", 200, "app", "no-cache"},
		{"GET", "/sites/new", 200, "app", "no-cache"},
		{"GET", "/v1x/not-the-api", 200, "app", "no-cache"},
		{"GET", "/assets/index-abc.js", 200, "console.log(1)", "immutable"},
		{"GET", "/assets/missing.js", 200, "app", "no-cache"},
		{"GET", "/../../etc/passwd", 200, "app", "no-cache"},
		{"POST", "/sites/new", http.StatusMethodNotAllowed, "method not allowed", ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("got %d %q, want %d containing %q", rec.Code, rec.Body.String(), tc.status, tc.body)
			}
			if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, tc.cache) || (tc.cache == "" && cc != "") {
				t.Fatalf("Cache-Control %q, want %q", cc, tc.cache)
			}
		})
	}
	// Without a built console every path is the API's, as before.
	for _, d := range []string{"", t.TempDir()} {
		rec := httptest.NewRecorder()
		consoleHandler(d, api).ServeHTTP(rec, httptest.NewRequest("GET", "/sites/new", nil))
		if rec.Code != http.StatusTeapot {
			t.Fatalf("dir %q: got %d, want the API", d, rec.Code)
		}
	}
}
