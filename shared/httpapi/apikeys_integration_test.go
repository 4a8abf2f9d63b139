package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/igny8/igny8-serverless/shared/authorizer"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

type apiKey struct {
	ID        string  `json:"id"`
	AccountID string  `json:"account_id"`
	RevokedAt *string `json:"revoked_at"`
	Current   bool    `json:"current"`
}

// An account lists its keys and revokes its own: a revoked key is refused
// at once, revoking twice answers the same, another account's key is a 404
// and the key in use takes revoke_current=true.
func TestIntegrationAPIKeysListAndRevoke(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acct, first := e.account(t, 0)
	_, otherKey := e.account(t, 0)
	second, _ := store.NewAPIKey()
	if err := e.st.PutAPIKey(ctx, second, domain.RoleUser, acct); err != nil {
		t.Fatal(err)
	}
	id := func(plain string) string { return store.KeyID(store.HashAPIKey(plain)) }

	var list struct{ Items []apiKey }
	e.c.For(t).Do("GET", "/v1/account/api-keys", nil, bearer(first)...).JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != id(first) || !list.Items[0].Current || list.Items[1].Current ||
		list.Items[1].ID != id(second) || list.Items[0].RevokedAt != nil || list.Items[0].AccountID != acct {
		t.Fatalf("keys %+v", list.Items)
	}

	tests := []struct {
		name       string
		key        string // the caller's
		path       string
		wantStatus int
		wantCode   string
	}{
		{"another account's key", first, "/v1/account/api-keys/" + id(otherKey), 404, "not_found"},
		{"a key that never was", first, "/v1/account/api-keys/0123456789abcdef01234567", 404, "not_found"},
		{"an ID of another shape", first, "/v1/account/api-keys/-x", 404, "not_found"},
		{"the key in use, not said so", first, "/v1/account/api-keys/" + id(first), 409, "conflict"},
		{"the key in use, revoke_current=false", first, "/v1/account/api-keys/" + id(first) + "?revoke_current=false", 409, "conflict"},
		{"revoke_current not a boolean", first, "/v1/account/api-keys/" + id(second) + "?revoke_current=yes", 400, "invalid_request"},
		{"the admin key", e.admin, "/v1/account/api-keys/" + id(second), 403, "forbidden"},
		{"no key", "", "/v1/account/api-keys/" + id(second), 401, "unauthorized"},
		{"another of the account's keys", first, "/v1/account/api-keys/" + id(second), 200, ""},
		{"the same again (idempotent)", first, "/v1/account/api-keys/" + id(second), 200, ""},
		{"with the revoked key", second, "/v1/account/api-keys/" + id(first), 401, "unauthorized"},
	}
	var revokedAt string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var h []string
			if tc.key != "" {
				h = bearer(tc.key)
			}
			r := e.c.For(t).DoRaw("DELETE", tc.path, nil, h...)
			if r.Status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.wantStatus, r.Body)
			}
			if tc.wantCode != "" {
				var eb struct{ Error struct{ Code string } }
				r.JSON(t, &eb)
				if eb.Error.Code != tc.wantCode {
					t.Fatalf("code %q, want %q: %s", eb.Error.Code, tc.wantCode, r.Body)
				}
				return
			}
			var k apiKey
			r.JSON(t, &k)
			if k.ID != id(second) || k.RevokedAt == nil || k.Current {
				t.Fatalf("revoked %+v", k)
			}
			if revokedAt != "" && *k.RevokedAt != revokedAt {
				t.Fatalf("revoked at %s, then %s", revokedAt, *k.RevokedAt)
			}
			revokedAt = *k.RevokedAt
		})
	}
	if r := e.c.For(t).Do("GET", "/v1/account", nil, bearer(second)...); r.Status != 401 {
		t.Fatalf("revoked key: %d %s", r.Status, r.Body)
	}
	if r := e.c.For(t).Do("GET", "/v1/account", nil, bearer(otherKey)...); r.Status != 200 {
		t.Fatalf("the other account's key: %d %s", r.Status, r.Body)
	}
	// The account of a request comes from the table's answer for its key,
	// never from the authorizer's context: a cached allow for the revoked
	// key (API Gateway keeps one up to 60 s) does not let it in.
	req := httptest.NewRequest("GET", "/v1/account", nil)
	req.Header.Set("Authorization", "Bearer "+second)
	req = req.WithContext(authorizer.WithContext(req.Context(), map[string]any{"account_id": acct, "role": "user"}))
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("a stale allow let a revoked key in: %d %s", rec.Code, rec.Body)
	}

	// The key in use, said so: revoked, and the caller is out.
	r := e.c.For(t).Do("DELETE", "/v1/account/api-keys/"+id(first)+"?revoke_current=true", nil, bearer(first)...)
	var k apiKey
	r.JSON(t, &k)
	if r.Status != 200 || k.ID != id(first) || k.RevokedAt == nil || !k.Current {
		t.Fatalf("revoke the current key: %d %s", r.Status, r.Body)
	}
	if r := e.c.For(t).Do("GET", "/v1/account/api-keys", nil, bearer(first)...); r.Status != 401 {
		t.Fatalf("after revoking itself: %d %s", r.Status, r.Body)
	}
	ks, err := e.st.APIKeys(ctx, acct)
	if err != nil || len(ks) != 2 || ks[0].RevokedAt == nil || ks[1].RevokedAt == nil {
		t.Fatalf("keys %+v %v", ks, err)
	}
}

// An account issues its own keys, shown once: a new key works at once and
// is listed; at store.MaxActiveAPIKeys unrevoked keys the next is refused
// until one is revoked, so rotating never needs an administrator.
func TestIntegrationAPIKeysIssue(t *testing.T) {
	e := newEnv(t)
	acct, first := e.account(t, 0)
	var issued struct {
		Key    apiKey `json:"key"`
		APIKey string `json:"api_key"`
	}
	r := e.c.For(t).DoRaw("POST", "/v1/account/api-keys", nil, bearer(first)...)
	if r.Status != http.StatusCreated {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &issued)
	if !domain.WellFormedAPIKey(issued.APIKey) || issued.Key.ID != store.KeyID(store.HashAPIKey(issued.APIKey)) || issued.Key.AccountID != acct {
		t.Fatalf("issued %+v", issued)
	}
	var me struct{ ID string }
	e.c.For(t).Do("GET", "/v1/account", nil, bearer(issued.APIKey)...).JSON(t, &me)
	if me.ID != acct {
		t.Fatalf("the new key signs in as %q, want %q", me.ID, acct)
	}
	for i := 2; i < store.MaxActiveAPIKeys; i++ {
		if r := e.c.For(t).DoRaw("POST", "/v1/account/api-keys", nil, bearer(first)...); r.Status != http.StatusCreated {
			t.Fatalf("key %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	var list struct{ Items []apiKey }
	e.c.For(t).Do("GET", "/v1/account/api-keys", nil, bearer(issued.APIKey)...).JSON(t, &list)
	if len(list.Items) != store.MaxActiveAPIKeys {
		t.Fatalf("%d keys listed, want %d", len(list.Items), store.MaxActiveAPIKeys)
	}
	over := e.c.For(t).DoRaw("POST", "/v1/account/api-keys", nil, bearer(first)...)
	var eb struct{ Error struct{ Code string } }
	over.JSON(t, &eb)
	if over.Status != http.StatusConflict || eb.Error.Code != "conflict" {
		t.Fatalf("past the bound: %d %s", over.Status, over.Body)
	}
	if r := e.c.For(t).DoRaw("DELETE", "/v1/account/api-keys/"+issued.Key.ID, nil, bearer(first)...); r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := e.c.For(t).DoRaw("POST", "/v1/account/api-keys", nil, bearer(first)...); r.Status != http.StatusCreated {
		t.Fatalf("after a revocation: %d %s", r.Status, r.Body)
	}
	if r := e.c.For(t).DoRaw("POST", "/v1/account/api-keys", nil, bearer(e.admin)...); r.Status != http.StatusForbidden {
		t.Fatalf("the admin key: %d", r.Status)
	}
}
