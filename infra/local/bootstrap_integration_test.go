package local

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/igny8/igny8-serverless/shared/bootstrap"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// fakeParameterStore speaks SSM's JSON protocol for GetParameter and
// PutParameter, with its error shapes (ParameterNotFound,
// ParameterAlreadyExists); it keeps SecureStrings only.
type fakeParameterStore struct {
	mu     sync.Mutex
	values map[string]string
}

func newFakeParameterStore(t *testing.T) (*fakeParameterStore, aws.Config) {
	f := &fakeParameterStore{values: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name, Value, Type string
			Overwrite         bool
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		fail := func(typ string) {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": typ})
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
			fail("UnrecognizedClientException")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		switch r.Header.Get("X-Amz-Target") {
		case "AmazonSSM.GetParameter":
			v, ok := f.values[in.Name]
			if !ok {
				fail("ParameterNotFound")
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": "SecureString", "Value": v}})
		case "AmazonSSM.PutParameter":
			if _, ok := f.values[in.Name]; ok && !in.Overwrite {
				fail("ParameterAlreadyExists")
				return
			}
			if in.Type != "SecureString" {
				fail("ValidationException")
				return
			}
			f.values[in.Name] = in.Value
			_ = json.NewEncoder(w).Encode(map[string]any{"Version": 1, "Tier": "Standard"})
		default:
			fail("InvalidAction")
		}
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	return f, aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), HTTPClient: srv.Client()}
}

func (f *fakeParameterStore) snapshot() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.values)
}

// From an empty table to a first AI operation: the bootstrap creates the
// secrets, seeds the models and billing and leaves an admin key in its
// parameter; with that key an admin makes an account whose clustering
// succeeds. Run again, it changes nothing.
func TestIntegrationBootstrapToAFirstOperation(t *testing.T) {
	ctx := context.Background()
	params, cfg := newFakeParameterStore(t)
	db, table := ddblocal.NewTable(t)
	b := bootstrap.Bootstrap{Stage: "dev", Params: config.NewParameterStore(cfg), Store: store.New(db, table, "test-secret-0123456789abcdef"),
		NewKey: func() string { k, _ := store.NewAPIKey(); return k }}

	// Before it: the table has no models, so no AI operation could run.
	if models, err := b.Store.(*store.Store).ListModels(ctx); err != nil || len(models) != 0 {
		t.Fatalf("an empty table has models: %v %v", models, err)
	}
	created, err := b.Secrets(ctx)
	if err != nil || !slices.Equal(created, []string{"/igny8/dev/CURSOR_SECRET", "/igny8/dev/SECRETS_KEY"}) {
		t.Fatalf("secrets: %v %v", created, err)
	}
	parameter, fresh, err := b.Data(ctx)
	if err != nil || !fresh || parameter != catalog.AdminKeyParameter("dev") {
		t.Fatalf("data: %s %v %v", parameter, fresh, err)
	}
	first := params.snapshot()
	key := first[parameter]
	if !strings.HasPrefix(key, "ig8_") || len(first["/igny8/dev/CURSOR_SECRET"]) != 64 {
		t.Fatalf("parameters %v", first)
	}
	if strings.HasPrefix(parameter, catalog.SecretsPath("dev")) {
		t.Fatal("the admin key is under the path every function may read")
	}
	// The table holds the key's hash, never the key.
	if k, err := b.Store.(*store.Store).LookupAPIKey(ctx, key); err != nil || k.Role != domain.RoleAdmin || k.Hash == key {
		t.Fatalf("admin key in the table: %+v %v", k, err)
	}

	// Again: nothing new, the same key.
	if again, err := b.Secrets(ctx); err != nil || len(again) != 0 {
		t.Fatalf("second secrets: %v %v", again, err)
	}
	if _, fresh, err := b.Data(ctx); err != nil || fresh {
		t.Fatalf("second data: %v %v", fresh, err)
	}
	if !maps.Equal(params.snapshot(), first) {
		t.Fatal("a second run changed the parameters")
	}

	// The operator's first article starts here: the stack on that table,
	// the admin key from the parameter.
	s := newTestStackOn(t, table)
	s.admin = key
	_, userKey, site, topicOf := s.topicSite(t, 1000)
	op := s.run(t, userKey, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": slices.Sorted(maps.Keys(topicOf))})
	if op.Status != domain.OperationSucceeded || len(op.Results) == 0 {
		t.Fatalf("the first operation: %+v", op)
	}
}
