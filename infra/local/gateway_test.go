package local

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/authorizer"
	"github.com/igny8/igny8-serverless/shared/domain"
)

type fakeKeys struct {
	known  map[string]domain.APIKey
	fail   error
	lookup int
}

func (f *fakeKeys) LookupAPIKey(_ context.Context, plain string) (domain.APIKey, error) {
	f.lookup++
	if f.fail != nil {
		return domain.APIKey{}, f.fail
	}
	if k, ok := f.known[plain]; ok {
		return k, nil
	}
	return domain.APIKey{}, domain.ErrUnauthorized
}

// The local gateway runs the cloud's authorizer before the API and hands
// its answer on as API Gateway does; the public routes and a request
// without the header go straight through.
func TestGateway(t *testing.T) {
	good := "ig8_" + strings.Repeat("a", 52)
	unknown := "ig8_" + strings.Repeat("b", 52)
	tests := []struct {
		name        string
		method      string
		path        string
		auth        string
		fail        error
		wantStatus  int    // 0: the API was called
		wantVerdict string // the denial the API sees; "-" for no verdict, "" for an allow
		wantLookups int
	}{
		{name: "known key", method: "GET", path: "/v1/account", auth: "Bearer " + good, wantVerdict: "", wantLookups: 1},
		{name: "unknown key", method: "GET", path: "/v1/account", auth: "Bearer " + unknown, wantVerdict: "unauthorized", wantLookups: 1},
		{name: "malformed key: no read", method: "GET", path: "/v1/account", auth: "Bearer ig8_short", wantVerdict: "unauthorized"},
		{name: "another scheme", method: "GET", path: "/v1/account", auth: "Basic dXNlcjpwdw==", wantVerdict: "unauthorized"},
		{name: "no header", method: "GET", path: "/v1/account", wantVerdict: "-"},
		{name: "public route with a bad key", method: "GET", path: "/v1/health", auth: "Bearer nonsense", wantVerdict: "-"},
		{name: "a public path by another method is not public", method: "POST", path: "/v1/health", auth: "Bearer nonsense", wantVerdict: "unauthorized"},
		{name: "store failure: the gateway's 500", method: "GET", path: "/v1/account", auth: "Bearer " + good, fail: errors.New("throttled"), wantStatus: 500, wantLookups: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys := &fakeKeys{known: map[string]domain.APIKey{good: {AccountID: "01acct", Role: domain.RoleUser}}, fail: tc.fail}
			called, verdict := false, "-"
			api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				if v, ok := authorizer.FromContext(r.Context()); ok {
					verdict = v.Denied
				}
			})
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			gateway{auth: authorizer.Authorizer{Keys: keys}, next: api}.ServeHTTP(rec, req)
			if tc.wantStatus != 0 {
				if called || rec.Code != tc.wantStatus {
					t.Fatalf("status %d (API called %v), want %d", rec.Code, called, tc.wantStatus)
				}
			} else if !called || verdict != tc.wantVerdict {
				t.Fatalf("API called %v with verdict %q, want %q", called, verdict, tc.wantVerdict)
			}
			if keys.lookup != tc.wantLookups {
				t.Fatalf("%d lookups, want %d", keys.lookup, tc.wantLookups)
			}
		})
	}
}
