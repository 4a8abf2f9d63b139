package httpapi

// Tests of the OpenAPI document: it loads, it validates, it documents every
// route of api.go and every field of the Go types it describes.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/igny8/igny8-serverless/shared/apitest"
	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/store"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		t.Fatalf("loading openapi.json: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi.json is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	return doc
}

// routeRE matches the route registrations of api.go, with the wrapper that
// says who may call the route.
var routeRE = regexp.MustCompile(`m\.Handle\("([A-Z]+) (/[^"]*)",\s*a\.(public|user|admin)\(`)

type route struct{ method, path, access string }

// apiRoutes reads the routes from api.go itself, so a route added there
// without documenting it fails TestOpenAPIDocumentsEveryRoute.
func apiRoutes(t *testing.T) []route {
	t.Helper()
	src, err := os.ReadFile("api.go")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Count(string(src), "m.Handle(")
	var out []route
	for _, m := range routeRE.FindAllStringSubmatch(string(src), -1) {
		out = append(out, route{m[1], m[2], m[3]})
	}
	if len(out) == 0 || len(out) != all {
		t.Fatalf("api.go has %d m.Handle calls, the test understood %d: update routeRE", all, len(out))
	}
	return out
}

func hasScheme(req openapi3.SecurityRequirement, scheme string) bool {
	_, ok := req[scheme]
	return ok
}

var pathParamRE = regexp.MustCompile(`\{([^}]*)\}`)

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := loadSpec(t)
	if doc.Info.Title != "IGNY8 Serverless API" || doc.Info.Version != "0.1.0" {
		t.Errorf("info: %q %q", doc.Info.Title, doc.Info.Version)
	}
	if len(doc.Security) != 1 || !hasScheme(doc.Security[0], "bearerAuth") {
		t.Errorf("global security = %v, want bearerAuth", doc.Security)
	}
	routes := apiRoutes(t)
	registered := map[string]bool{}
	opIDs := map[string]string{}
	for _, r := range routes {
		key := r.method + " " + r.path
		registered[key] = true
		item := doc.Paths.Value(r.path)
		if item == nil {
			t.Errorf("%s: the path is not in openapi.json", key)
			continue
		}
		op := item.GetOperation(r.method)
		if op == nil {
			t.Errorf("%s: the method is not in openapi.json", key)
			continue
		}
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", key)
		} else if prev, dup := opIDs[op.OperationID]; dup {
			t.Errorf("%s: operationId %q is also used by %s", key, op.OperationID, prev)
		}
		opIDs[op.OperationID] = key

		// Path parameters: exactly those of the pattern, required.
		var want []string
		for _, m := range pathParamRE.FindAllStringSubmatch(r.path, -1) {
			if strings.ContainsAny(m[1], ".$") {
				t.Errorf("%s: wildcard {%s} has no OpenAPI equivalent; document it by hand and teach this test", key, m[1])
			}
			want = append(want, m[1])
		}
		var got []string
		for _, ps := range append(slices.Clone(item.Parameters), op.Parameters...) {
			if p := ps.Value; p != nil && p.In == "path" {
				got = append(got, p.Name)
				if !p.Required {
					t.Errorf("%s: path parameter %q is not required", key, p.Name)
				}
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s: path parameters %v documented, the route has %v", key, got, want)
		}

		// Responses: a success, a default error, and the auth failures.
		if op.Responses.Default() == nil {
			t.Errorf("%s: no default response", key)
		}
		success := false
		for code := range op.Responses.Map() {
			if len(code) == 3 && code[0] == '2' {
				success = true
			}
		}
		if !success {
			t.Errorf("%s: no 2xx response", key)
		}
		switch r.access {
		case "public":
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s is public: want security: []", key)
			}
		case "user", "admin":
			scheme := "bearerAuth"
			if r.access == "admin" {
				scheme = "adminAuth"
				if op.Security == nil || len(*op.Security) != 1 || !hasScheme((*op.Security)[0], scheme) {
					t.Errorf("%s needs the admin key: want security adminAuth", key)
				}
			} else if op.Security != nil {
				t.Errorf("%s needs a user key: want the global bearerAuth security, got %v", key, *op.Security)
			}
			for _, code := range []int{401, 403} {
				if op.Responses.Status(code) == nil {
					t.Errorf("%s: %d is not documented", key, code)
				}
			}
		}
		// Handlers that decode JSON can answer 400, 413 and 415.
		if op.RequestBody != nil {
			for _, code := range []int{400, 413, 415} {
				if op.Responses.Status(code) == nil {
					t.Errorf("%s takes a body: %d is not documented", key, code)
				}
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !registered[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which api.go does not register", method, path)
			}
		}
	}
	t.Logf("%d routes documented", len(routes))
}

// TestServeOpenAPI serves the document and checks the two public endpoints
// and the 401 of every other route against it (no store is needed for any of
// these: authentication fails before the store is asked).
func TestServeOpenAPI(t *testing.T) {
	h := New(nil, nil, nil, nil, nil, "", quietLog())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if rec.Header().Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id")
	}
	loader := openapi3.NewLoader()
	served, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	if err := served.Validate(loader.Context); err != nil {
		t.Fatalf("the served document is invalid: %v", err)
	}
	if served.Paths.Len() == 0 {
		t.Fatal("the served document has no paths")
	}

	c := apitest.New(t, OpenAPI, h)
	if r := c.Do("GET", "/v1/openapi.json", nil); r.Status != 200 {
		t.Errorf("openapi.json through apitest: %d", r.Status)
	}
	if r := c.Do("GET", "/v1/health", nil, "X-Request-Id", "req-123"); r.Status != 200 || r.Header.Get("X-Request-Id") != "req-123" {
		t.Errorf("health: %d, request id %q", r.Status, r.Header.Get("X-Request-Id"))
	}
	for _, r := range apiRoutes(t) {
		if r.access == "public" {
			continue
		}
		path := pathParamRE.ReplaceAllString(r.path, "x")
		for _, auth := range [][]string{nil, {"Authorization", "Basic dXNlcjpwdw=="}, {"Authorization", "Bearer   "}} {
			resp := c.DoRaw(r.method, path, nil, auth...)
			var eb ErrorBody
			if resp.Status != 401 || json.Unmarshal(resp.Body, &eb) != nil || eb.Error.Code != "unauthorized" {
				t.Errorf("%s %s with %q: %d %s", r.method, path, auth, resp.Status, resp.Body)
			}
			if resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 without WWW-Authenticate", r.method, path)
			}
		}
	}
}

// visit validates a JSON value against a schema the way apitest does for
// OpenAPI 3.1 documents.
func visit(s *openapi3.Schema, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return s.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(), openapi3.MultiErrors())
}

func componentSchema(t *testing.T, doc *openapi3.T, name string) *openapi3.Schema {
	t.Helper()
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("components.schemas.%s is missing", name)
	}
	return ref.Value
}

// TestOpenAPIErrorBodies: every error the API can map is written in the
// documented shape, with a code the document lists for that status.
func TestOpenAPIErrorBodies(t *testing.T) {
	doc := loadSpec(t)
	log := quietLog()
	responseFor := map[int]string{400: "BadRequest", 401: "Unauthorized", 402: "PaymentRequired", 403: "Forbidden", 404: "NotFound",
		409: "Conflict", 413: "PayloadTooLarge", 415: "UnsupportedMediaType", 500: "InternalError"}
	for _, err := range []error{
		domain.Invalid("name", "is required"), domain.Invalid("", "malformed JSON"),
		fmt.Errorf("x: %w", errTooLarge), fmt.Errorf("x: %w", errUnsupportedMedia), errRouteNotFound, errMethodNotAllowed,
		fmt.Errorf("site s: %w", domain.ErrNotFound), &domain.InsufficientCreditsError{Required: 5, Available: 1},
		domain.ErrIdempotencyMismatch, domain.ErrHoldResolved, domain.ErrConflict, domain.ErrUnauthorized, domain.ErrForbidden,
		errors.New("dynamodb is down"),
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/v1/x", nil).WithContext(withRequestID(context.Background(), "rid"))
		writeError(rec, req, log, err)
		if e := visit(componentSchema(t, doc, "Error"), rec.Body.Bytes()); e != nil {
			t.Errorf("%v → %d %s does not match the Error schema: %v", err, rec.Code, rec.Body, e)
		}
		name, ok := responseFor[rec.Code]
		if !ok {
			continue // documented by the default response only
		}
		resp := doc.Components.Responses[name]
		if resp == nil || resp.Value == nil {
			t.Fatalf("components.responses.%s is missing", name)
		}
		mt := resp.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			t.Fatalf("components.responses.%s has no JSON schema", name)
		}
		if e := visit(mt.Schema.Value, rec.Body.Bytes()); e != nil {
			t.Errorf("%v → %d %s does not match responses.%s: %v", err, rec.Code, rec.Body, name, e)
		}
	}
}

// TestOpenAPISamples validates realistic values of the response types, to
// pin down the 3.1 constructs (null cursor, optional fields, maps).
func TestOpenAPISamples(t *testing.T) {
	doc := loadSpec(t)
	now := time.Date(2024, 5, 24, 14, 3, 46, 123456789, time.UTC)
	cursor := "c2VhbGVk"
	kw := domain.Keyword{ID: "01hyk0000000000000000000aa", SiteID: "s", SectorID: "sec", Keyword: "trail shoes", Volume: 10,
		Difficulty: 100, Intent: "commercial", Status: domain.KeywordMapped, ClusterID: "cl", CreatedAt: now, UpdatedAt: now}
	published := now.Add(time.Hour)
	acct := domain.Account{ID: "a", Name: "Acme", Available: 5, Granted: 5, CreatedAt: now}
	entry := ledger.Entry{ID: "e", Type: ledger.TypeGrant, Amount: 5, DeltaAvailable: 5, DeltaGranted: 5, Description: "credit grant", CreatedAt: now}
	rep := store.KeywordReport{Added: []domain.Keyword{kw}, Duplicates: []store.KeywordRow{{Row: 1, Keyword: "trail shoes", Message: "repeated in this request"}},
		Invalid: []store.KeywordRow{{Row: 2, Keyword: "", Field: "keyword", Message: "is required"}}}
	rep.Summary.Added, rep.Summary.Duplicates, rep.Summary.Invalid = 1, 1, 1
	for _, tc := range []struct {
		schema string
		v      any
	}{
		{"KeywordPage", store.Page[domain.Keyword]{Items: []domain.Keyword{kw}, NextCursor: &cursor, Total: 7}},
		{"KeywordPage", store.Page[domain.Keyword]{Items: []domain.Keyword{}, Total: 0}},
		{"ContentPage", store.Page[domain.Content]{Items: []domain.Content{{ID: "c", SiteID: "s", TaskID: "t", Title: "T",
			Status: domain.ContentApproved, SiteStatus: domain.SitePublished, PublishedAt: &published, CreatedAt: now}}}},
		{"LedgerEntryPage", store.Page[ledger.Entry]{Items: []ledger.Entry{entry, {ID: "e2", Type: ledger.TypeReserve, Amount: 3,
			DeltaAvailable: -3, DeltaReserved: 3, HoldID: "h", Metadata: map[string]string{"op": "clustering"}, CreatedAt: now}}, Total: 2}},
		{"KeywordReport", rep},
		{"BulkResult", store.BulkResult{Changed: 1, NotFound: []string{}}},
		{"StatsAudit", store.StatsAudit{Counters: map[string]int64{"keywords_total": 3}, Drift: map[string]int64{"keywords_total": -1},
			SectorDrift: map[string]map[string]int64{"sec": {"keywords_new": 2}}, Repaired: true}},
		{"SiteStats", domain.SiteStats{KeywordsTotal: 3, KeywordsNew: 3}},
		{"CreateAccountResponse", createAccountResponse{Account: acct, APIKey: func() string { k, _ := store.NewAPIKey(); return k }()}},
		{"GrantResponse", grantResponse{Entry: entry, Account: acct}},
		{"Site", domain.Site{ID: "s", AccountID: "a", Name: "Blog", URL: "https://a.example", Platform: domain.PlatformShopify,
			TimeZone: "Europe/Berlin", DefaultSectorID: "sec", CreatedAt: now, UpdatedAt: now}},
		{"ContentIdeaPage", store.Page[domain.ContentIdea]{Items: []domain.ContentIdea{
			{ID: "i", SiteID: "s", ClusterID: "cl", Title: "T", ContentType: "post", ContentStructure: "guide", EstimatedWordCount: 1200,
				Keywords: []string{"trail shoes"}, Status: domain.IdeaNew, CreatedAt: now},
			{ID: "i2", SiteID: "s", ClusterID: "cl", Title: "T", ContentType: "post", ContentStructure: "article", Status: domain.IdeaQueued, CreatedAt: now}}}},
		{"TaskPage", store.Page[domain.Task]{Items: []domain.Task{{ID: "t", SiteID: "s", IdeaID: "i", ClusterID: "cl", Title: "T",
			ContentStructure: "how_to", Status: domain.TaskQueued, CreatedAt: now}}}},
		{"Content", domain.Content{ID: "c", SiteID: "s", TaskID: "t", ClusterID: "cl", Title: "T", HTML: "<p>x</p>", Keywords: []string{"trail shoes"},
			WordCount: 1, Status: domain.ContentDraft, SiteStatus: domain.SiteNotPublished, CreatedAt: now}},
		{"OperationStarted", startedResponse{OperationID: "o", Status: domain.OperationQueued, EstimatedCredits: 0}},
		{"Operation", domain.Operation{ID: "o", AccountID: "a", SiteID: "s", Type: domain.OperationCreateTasks, Status: domain.OperationQueued,
			ItemIDs: []string{"i"}, Results: []string{}, CreatedAt: now, UpdatedAt: now, Options: json.RawMessage(`{"x":1}`)}},
		{"Operation", domain.Operation{ID: "o", SiteID: "s", Type: domain.OperationImageGeneration, Status: domain.OperationFailed,
			ItemIDs: []string{"im"}, Tier: domain.TierPremium, EstimatedCred: 4, Results: []string{},
			Error: &domain.OperationError{Name: "Internal", Message: "the operation failed"}, ExecutionID: "x", CreatedAt: now, UpdatedAt: now}},
		{"RegenerateQuote", quoteResponse{Credits: 4, QualityTier: domain.TierPremium, Model: "IGNY8 AI Premium", Available: 1}},
		{"OperationEstimate", estimateResponse{Credits: 0, Available: 3, Sufficient: true}},
		{"UsageLogPage", usageResponse{Page: store.Page[domain.UsageLog]{Items: []domain.UsageLog{{ID: "u", OperationID: "o", SiteID: "s",
			OperationType: domain.OperationClustering, CreditsUsed: 2, CostMicroUSD: 20000, ProviderCostMicroUSD: 90, Model: "IGNY8 AI Basic",
			Tier: domain.TierBasic, InputTokens: 100, OutputTokens: 50, HoldID: "h", CreatedAt: now}}, NextCursor: &cursor, Total: 3},
			Summary: store.UsageSummary{CreditsUsed: 2, CostMicroUSD: 20000, CostUSD: domain.FormatMicroUSD(20000), ProviderCostMicroUSD: 90, Count: 1,
				ByOperation: map[string]store.OperationUsage{"clustering": {CreditsUsed: 2, CostMicroUSD: 20000, Count: 1}},
				Formula:     domain.CostFormula(domain.DefaultBilling())}}},
		{"AITaskLogPage", store.Page[domain.AITaskLog]{Items: []domain.AITaskLog{
			{ID: "o", OperationID: "o", SiteID: "s", OperationType: domain.OperationContentGeneration, Status: domain.TaskLogPending, Model: "IGNY8 AI Basic", CreatedAt: now},
			{ID: "o2", OperationID: "o2", SiteID: "s", OperationType: domain.OperationImagePrompts, Status: domain.TaskLogFailed, Model: "IGNY8 AI Basic",
				Tier: domain.TierBasic, Error: "Internal: x", CreatedAt: now, FinishedAt: &published}}, Total: 2}},
		{"NotificationPage", store.Page[domain.Notification]{Items: []domain.Notification{{ID: "n", Type: "ai_cluster_success", Title: "T",
			Message: "M", Severity: domain.SeveritySuccess, SiteID: "s", OperationID: "o", CreatedAt: now}}, Total: 1}},
		{"ModelList", map[string]any{"items": []modelView{{Name: "IGNY8 AI Basic", QualityTier: domain.TierBasic, Type: domain.ModelText, TokensPerCredit: 100, IsDefault: true},
			{Name: "IGNY8 AI Premium", QualityTier: domain.TierPremium, Type: domain.ModelImage, CreditsPerImage: 4}}}},
		{"AIModelConfigList", map[string]any{"items": domain.DefaultModels()}},
		{"BillingConfiguration", domain.DefaultBilling()},
		{"BillingConfiguration", domain.BillingConfiguration{CreditPriceMicroUSD: 1}},
	} {
		b, err := json.Marshal(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := visit(componentSchema(t, doc, tc.schema), b); err != nil {
			t.Errorf("%s %s: %v", tc.schema, b, err)
		}
	}
	// And the schemas do reject drift.
	for _, tc := range []struct{ schema, body string }{
		{"SiteStats", `{"keywords_total":1}`},
		{"Sector", `{"id":"x","site_id":"s","name":"n","created_at":"2024-05-24T14:03:46Z","extra":1}`},
		{"SectorPage", `{"items":[],"total":0}`},
		{"SectorPage", `{"items":[],"next_cursor":5,"total":0}`},
		{"Keyword", `{"id":"k","site_id":"s","sector_id":"c","keyword":"a","volume":0,"difficulty":0,"intent":"other","status":"new","created_at":"2024-05-24T14:03:46Z","updated_at":"2024-05-24T14:03:46Z"}`},
		{"Error", `{"error":{"code":"teapot","message":"x"}}`},
		{"OperationStarted", `{"operation_id":"o","status":"running","estimated_credits":1}`},
		{"UsageSummary", `{"credits_used":0,"cost_micro_usd":0,"cost_usd":"0.00","count":0,"by_operation":{},"formula":"f"}`},
		{"UsageLogPage", `{"items":[],"next_cursor":null,"total":0}`},
		{"ClusterKeywordsRequest", `{"keyword_ids":[]}`},
		{"ClusterKeywordsRequest", `{"keyword_ids":["a","a"]}`},
		{"ModelView", `{"name":"gpt-4o-mini","quality_tier":"gpt","type":"text","is_default":true}`},
	} {
		if err := visit(componentSchema(t, doc, tc.schema), []byte(tc.body)); err == nil {
			t.Errorf("%s accepts %s", tc.schema, tc.body)
		}
	}
}

// jsonField is one field of a Go type as encoding/json sees it.
type jsonField struct {
	typ       reflect.Type
	omitempty bool
}

func jsonFields(t reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for n, jf := range jsonFields(ft) {
					out[n] = jf
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = jsonField{typ: f.Type, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty")}
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// matchSchema checks that schema s describes Go type typ exactly: the same
// properties as the json tags, required unless omitempty (for responses), no
// additional properties, and compatible types, recursively.
func matchSchema(t *testing.T, where string, typ reflect.Type, s *openapi3.Schema, response bool) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem() // a pointer field's null is checked by the caller
	}
	want := ""
	switch {
	case typ == timeType:
		want = "string"
		if s.Format != "date-time" {
			t.Errorf("%s: time.Time needs format date-time, has %q", where, s.Format)
		}
	case typ.Kind() == reflect.String:
		want = "string"
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
		want = "integer"
	case typ.Kind() == reflect.Bool:
		want = "boolean"
	case typ.Kind() == reflect.Slice:
		want = "array"
	case typ.Kind() == reflect.Map, typ.Kind() == reflect.Struct:
		want = "object"
	default:
		t.Errorf("%s: Go type %s: teach matchSchema", where, typ)
		return
	}
	if s.Type == nil || !s.Type.Includes(want) {
		t.Errorf("%s: Go %s is JSON %s, the schema says %v", where, typ, want, s.Type)
		return
	}
	switch {
	case typ == timeType:
	case typ.Kind() == reflect.Slice:
		if s.Items == nil || s.Items.Value == nil {
			t.Errorf("%s: array without items", where)
			return
		}
		matchSchema(t, where+"[]", typ.Elem(), s.Items.Value, response)
	case typ.Kind() == reflect.Map:
		ap := s.AdditionalProperties.Schema
		if ap == nil || ap.Value == nil {
			t.Errorf("%s: Go map needs additionalProperties with the value schema", where)
			return
		}
		matchSchema(t, where+"{}", typ.Elem(), ap.Value, response)
	case typ.Kind() == reflect.Struct:
		if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
			t.Errorf("%s: want additionalProperties: false", where)
		}
		fields := jsonFields(typ)
		for name, f := range fields {
			ps := s.Properties[name]
			if ps == nil || ps.Value == nil {
				t.Errorf("%s: Go field %q (%s) is not in the schema", where, name, f.typ)
				continue
			}
			required := slices.Contains(s.Required, name)
			if response && required == f.omitempty {
				if f.omitempty {
					t.Errorf("%s: %q is omitempty in Go, so it must not be required", where, name)
				} else {
					t.Errorf("%s: %q is always sent, so it must be required", where, name)
				}
			}
			ptr := f.typ.Kind() == reflect.Pointer
			if ptr && !f.omitempty && !ps.Value.Type.Includes("null") {
				t.Errorf("%s: %q is a pointer without omitempty (null when nil): its type needs \"null\"", where, name)
			}
			matchSchema(t, where+"."+name, f.typ, ps.Value, response)
		}
		for name := range s.Properties {
			if _, ok := fields[name]; !ok {
				t.Errorf("%s: schema property %q has no Go field in %s", where, name, typ)
			}
		}
		for _, name := range s.Required {
			if _, ok := fields[name]; !ok {
				t.Errorf("%s: required %q has no Go field in %s", where, name, typ)
			}
		}
	}
}

// TestOpenAPISchemasMatchGoTypes ties every component schema to the Go type
// it documents, so a field added, renamed or made optional in Go fails here
// (the integration tests catch the same drift, but only on DynamoDB Local).
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := loadSpec(t)
	types := []struct {
		schema   string
		v        any
		response bool
	}{
		{"Account", domain.Account{}, true},
		{"APIKey", apiKeyView{}, true},
		{"APIKeyList", apiKeyList{}, true},
		{"IssuedAPIKey", issuedAPIKey{}, true},
		{"Site", domain.Site{}, true},
		{"Sector", domain.Sector{}, true},
		{"Keyword", domain.Keyword{}, true},
		{"Cluster", domain.Cluster{}, true},
		{"ContentIdea", domain.ContentIdea{}, true},
		{"Task", domain.Task{}, true},
		{"Content", domain.Content{}, true},
		{"ContentView", contentView{}, true},
		{"RejectRequest", rejectRequest{}, false},
		{"Image", domain.Image{}, true},
		{"SiteStats", domain.SiteStats{}, true},
		{"StatsAudit", store.StatsAudit{}, true},
		{"LedgerEntry", ledger.Entry{}, true},
		{"KeywordRow", store.KeywordRow{}, true},
		{"KeywordReport", store.KeywordReport{}, true},
		{"BulkResult", store.BulkResult{}, true},
		{"CreateAccountResponse", createAccountResponse{}, true},
		{"GrantResponse", grantResponse{}, true},
		{"Error", ErrorBody{}, true},
		{"SitePage", store.Page[domain.Site]{}, true},
		{"SectorPage", store.Page[domain.Sector]{}, true},
		{"KeywordPage", store.Page[domain.Keyword]{}, true},
		{"ClusterPage", store.Page[domain.Cluster]{}, true},
		{"ContentIdeaPage", store.Page[domain.ContentIdea]{}, true},
		{"TaskPage", store.Page[domain.Task]{}, true},
		{"ContentPage", store.Page[domain.Content]{}, true},
		{"ImagePage", store.Page[domain.Image]{}, true},
		{"LedgerEntryPage", store.Page[ledger.Entry]{}, true},
		{"CreateAccountRequest", createAccountRequest{}, false},
		{"GrantRequest", grantRequest{}, false},
		{"NewSite", domain.NewSite{}, false},
		{"SitePatch", domain.SitePatch{}, false},
		{"CreateSectorRequest", createSectorRequest{}, false},
		{"NewKeyword", domain.NewKeyword{}, false},
		{"AddKeywordsRequest", addKeywordsRequest{}, false},
		{"BulkStatusRequest", bulkStatusRequest{}, false},
		{"BulkDeleteRequest", bulkDeleteRequest{}, false},
		// AI operations. startOperation decodes a map[string][]string that
		// must hold exactly one key; these structs name that key.
		{"ClusterKeywordsRequest", struct {
			IDs []string `json:"keyword_ids"`
		}{}, false},
		{"GenerateIdeasRequest", struct {
			IDs []string `json:"cluster_ids"`
		}{}, false},
		{"CreateTasksRequest", struct {
			IDs []string `json:"idea_ids"`
		}{}, false},
		{"GenerateContentRequest", struct {
			IDs []string `json:"task_ids"`
		}{}, false},
		{"GenerateImagesRequest", struct {
			IDs []string `json:"image_ids"`
		}{}, false},
		{"RegenerateImageRequest", regenerateRequest{}, false},
		{"OperationStarted", startedResponse{}, true},
		{"RegenerateQuote", quoteResponse{}, true},
		{"OperationEstimate", estimateResponse{}, true},
		{"Operation", domain.Operation{}, true},
		{"UsageLog", domain.UsageLog{}, true},
		{"UsageSummary", store.UsageSummary{}, true},
		{"OperationUsage", store.OperationUsage{}, true},
		{"UsageLogPage", usageResponse{}, true},
		{"AITaskLog", domain.AITaskLog{}, true},
		{"AITaskLogPage", store.Page[domain.AITaskLog]{}, true},
		{"Notification", domain.Notification{}, true},
		{"NotificationPage", store.Page[domain.Notification]{}, true},
		{"ModelView", modelView{}, true},
		{"ModelList", struct { // a map[string]any in listModels
			Items []modelView `json:"items"`
		}{}, true},
		{"AIModelConfig", domain.AIModelConfig{}, true},
		{"AIModelConfigList", struct { // a map[string]any in adminListModels
			Items []domain.AIModelConfig `json:"items"`
		}{}, true},
		{"PutModelRequest", domain.AIModelConfig{}, false},
		{"BillingConfiguration", domain.BillingConfiguration{}, true},
		{"PutBillingRequest", domain.BillingConfiguration{}, false},
		{"AutomationSchedule", domain.Schedule{}, true},
		{"AutomationConfig", domain.AutomationConfig{}, true},
		{"PutAutomationConfigRequest", domain.AutomationConfig{}, false},
		{"AutomationStageEstimate", automation.StageEstimate{}, true},
		{"AutomationEstimate", automation.Estimate{}, true},
		{"AutomationStage", domain.StageState{}, true},
		{"AutomationFailedItem", domain.FailedItem{}, true},
		{"AutomationRun", domain.AutomationRun{}, true},
		{"InfraCost", domain.InfraCost{}, true},
		{"AutomationRunPage", store.Page[domain.AutomationRun]{}, true},
		{"StartAutomationRunRequest", struct{}{}, false}, // startRun decodes a struct{}
		{"ImagePromptsRequest", ops.PromptOptions{}, false},
		{"PublishingSettings", domain.PublishingSettings{}, true},
		{"PublishingSettingsPatch", togglesRequest{}, false},
		{"PublishingSchedule", scheduleRequest{}, false},
		{"SiteConnection", publishing.Connection{}, false},
		{"SiteIntegration", domain.SiteIntegration{}, true},
		{"SiteConnected", publishing.Connected{}, true},
		{"ConnectionCheck", domain.ConnectionCheck{}, true},
		{"ScheduleContentRequest", scheduleContentRequest{}, false},
		{"CalendarItem", publishing.CalendarItem{}, true},
		{"CalendarDay", publishing.CalendarDay{}, true},
		{"Calendar", publishing.Calendar{}, true},
	}
	// Health is a map[string]string in the handler; ID is a string whose
	// shape is domain.ValidID's (TestOpenAPIIDPatternIsValidID).
	tied := map[string]bool{"Health": true, "ID": true}
	for _, tc := range types {
		tied[tc.schema] = true
		matchSchema(t, tc.schema, reflect.TypeOf(tc.v), componentSchema(t, doc, tc.schema), tc.response)
	}
	for name, s := range doc.Components.Schemas {
		if strings.HasSuffix(name, "Error") && s.Value != nil && len(s.Value.AllOf) > 0 {
			continue // the per-status variants of Error
		}
		if !tied[name] {
			t.Errorf("components.schemas.%s is not tied to a Go type in TestOpenAPISchemasMatchGoTypes", name)
		}
	}
}
