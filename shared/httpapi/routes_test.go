package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Unknown paths and wrong methods answer in the same JSON error shape.
func TestUnknownRouteAndMethod(t *testing.T) {
	h := New(nil, nil, nil, nil, nil, "", quietLog())
	cases := []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/v1/nothing-here", 404, "not_found", ""},
		{"DELETE", "/v1/health", 405, "method_not_allowed", "GET, HEAD"},
		{"GET", "/v1/health", 200, "", ""},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status {
			t.Fatalf("%s %s: %d", tc.method, tc.path, rec.Code)
		}
		if rec.Header().Get("X-Request-Id") == "" {
			t.Errorf("%s %s: no request id", tc.method, tc.path)
		}
		if tc.code == "" {
			continue
		}
		var eb ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error.Code != tc.code {
			t.Errorf("%s %s: body %s", tc.method, tc.path, rec.Body)
		}
		if got := rec.Header().Get("Allow"); got != tc.allow {
			t.Errorf("Allow %q, want %q", got, tc.allow)
		}
	}
	if rec := httptest.NewRecorder(); true {
		req := httptest.NewRequest("GET", "/v1/account", nil)
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
			t.Fatalf("no key: %d", rec.Code)
		}
	}
}

// quietLog is the logger of tests that do not read the log.
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
