package authorizer

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

// sample is events/api-authorizer.json (the SAM local sample) with its
// placeholder key replaced by key.
func sample(t *testing.T, key string) events.APIGatewayV2CustomAuthorizerV2Request {
	t.Helper()
	b, err := os.ReadFile("../../events/api-authorizer.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "ig8_samplekeyineventsreplaceitwithyourownkeyaaaaaaaaaaaa") {
		t.Fatal("events/api-authorizer.json no longer carries ig8_samplekeyineventsreplaceitwithyourownkeyaaaaaaaaaaaa")
	}
	var req events.APIGatewayV2CustomAuthorizerV2Request
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(b), "ig8_samplekeyineventsreplaceitwithyourownkeyaaaaaaaaaaaa", key)), &req); err != nil {
		t.Fatal(err)
	}
	if req.Version != "2.0" || req.Type != "REQUEST" || len(req.IdentitySource) != 1 {
		t.Fatalf("not a payload 2.0 authorizer request: %+v", req)
	}
	return req
}

// A real key created by the store is authorized with its account and role;
// a wrong key, a key of the right shape that was never issued and the
// sample's placeholder are not.
func TestIntegrationAuthorizerAcceptsIssuedKeysOnly(t *testing.T) {
	db, table := ddblocal.NewTable(t)
	s := store.New(db, table, "secret-for-tests-0123456789")
	ctx := context.Background()
	acct, key, err := s.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := store.NewAPIKey()
	if err := s.PutAPIKey(ctx, admin, domain.RoleAdmin, ""); err != nil {
		t.Fatal(err)
	}
	a := Authorizer{Keys: s}

	res, err := a.Handle(ctx, sample(t, key))
	if err != nil || !res.IsAuthorized {
		t.Fatalf("issued key: %+v %v", res, err)
	}
	if res.Context[ContextAccountID] != acct.ID || res.Context[ContextRole] != "user" {
		t.Fatalf("context %v, want account %s role user", res.Context, acct.ID)
	}
	// What API Gateway sends back to the client's API call: the context as JSON.
	b, _ := json.Marshal(res)
	if want := `{"isAuthorized":true,"context":{"account_id":"` + acct.ID + `","role":"user"}}`; string(b) != want {
		t.Fatalf("response %s, want %s", b, want)
	}

	res, err = a.Handle(ctx, sample(t, admin))
	if err != nil || !res.IsAuthorized || res.Context[ContextRole] != "admin" {
		t.Fatalf("admin key: %+v %v", res, err)
	}

	never, _ := store.NewAPIKey()
	for name, k := range map[string]string{"wrong": key + "x", "never issued": never, "placeholder": "ig8_samplekeyineventsreplaceitwithyourownkeyaaaaaaaaaaaa"} {
		res, err := a.Handle(ctx, sample(t, k))
		if err != nil {
			t.Fatalf("%s key: %+v %v", name, res, err)
		}
		b, _ := json.Marshal(res)
		if string(b) != `{"isAuthorized":true,"context":{"denied":"unauthorized"}}` {
			t.Fatalf("%s key: response %s", name, b)
		}
	}
}

// A revoked key is denied on the next authorization (the authorizer itself
// caches nothing; API Gateway's cache is the only delay, 60 s in the stack).
func TestIntegrationAuthorizerDeniesARevokedKeyAtOnce(t *testing.T) {
	db, table := ddblocal.NewTable(t)
	s := store.New(db, table, "secret-for-tests-0123456789")
	ctx := context.Background()
	acct, key, err := s.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	a := Authorizer{Keys: s}
	if res, err := a.Handle(ctx, sample(t, key)); err != nil || res.Context[ContextAccountID] != acct.ID {
		t.Fatalf("before: %+v %v", res, err)
	}
	if _, err := s.RevokeAPIKey(ctx, acct.ID, store.KeyID(store.HashAPIKey(key))); err != nil {
		t.Fatal(err)
	}
	res, err := a.Handle(ctx, sample(t, key))
	if err != nil || !res.IsAuthorized || res.Context[ContextDenied] != DeniedUnauthorized {
		t.Fatalf("after: %+v %v", res, err)
	}
	if _, ok := res.Context[ContextAccountID]; ok {
		t.Fatalf("a denial names an account: %v", res.Context)
	}
}
