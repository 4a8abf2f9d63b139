package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/igny8/igny8-serverless/shared/authorizer"
)

// A request the authorizer denied is refused in the API's error shape
// before any route runs. The API here has no store at all, so a handler or
// a key lookup would panic: the refusal touches no data.
func TestAuthorizerDenialIsRefusedBeforeAnyHandler(t *testing.T) {
	h := New(nil, nil, nil, nil, nil, "", quietLog())
	key := "ig8_" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	tests := []struct {
		name       string
		method     string
		path       string
		auth       string         // the Authorization header; "" for none
		lambda     map[string]any // the authorizer's context; nil: no authorizer ran
		wantStatus int
		wantCode   string
	}{
		{"denied key on a user route", "GET", "/v1/account", "Bearer " + key, map[string]any{"denied": "unauthorized"}, 401, "unauthorized"},
		{"denied key on an admin route", "POST", "/v1/admin/accounts", "Bearer " + key, map[string]any{"denied": "unauthorized"}, 401, "unauthorized"},
		{"denied key on a revocation", "DELETE", "/v1/account/api-keys/abc", "Bearer " + key, map[string]any{"denied": "unauthorized"}, 401, "unauthorized"},
		{"denied key on an unknown path", "GET", "/v1/nothing-here", "Bearer " + key, map[string]any{"denied": "unauthorized"}, 401, "unauthorized"},
		{"denied key with a wrong method", "PUT", "/v1/account", "Bearer " + key, map[string]any{"denied": "unauthorized"}, 401, "unauthorized"},
		{"forbidden", "GET", "/v1/account", "Bearer " + key, map[string]any{"denied": "forbidden"}, 403, "forbidden"},
		{"a context the API does not recognise", "GET", "/v1/account", "Bearer " + key, map[string]any{"account_id": "01HZ"}, 401, "unauthorized"},
		{"malformed key, no authorizer (local, direct)", "GET", "/v1/account", "Bearer ig8_short", nil, 401, "unauthorized"},
		{"no key, no authorizer", "GET", "/v1/account", "", nil, 401, "unauthorized"},
		{"public route without an authorizer", "GET", "/v1/health", "", nil, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			if tc.lambda != nil {
				req = req.WithContext(authorizer.WithContext(req.Context(), tc.lambda))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantCode == "" {
				return
			}
			var eb ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error.Code != tc.wantCode || eb.Error.Message == "" {
				t.Fatalf("body %s, want error code %s", rec.Body, tc.wantCode)
			}
			if tc.wantStatus == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("a 401 without WWW-Authenticate")
			}
			if rec.Header().Get("X-Request-Id") == "" {
				t.Error("no request id")
			}
		})
	}
}
