package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/apitest"
	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/store"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

// env is one API on a fresh table, with an admin key and a client that checks
// every request and response against the OpenAPI document.
type env struct {
	c     *apitest.Client
	h     http.Handler // the API itself, for requests the client cannot make
	st    *store.Store
	admin string
}

func newEnv(t *testing.T, opts ...httpapi.Option) *env {
	t.Helper()
	db, table := ddblocal.NewTable(t)
	st := store.New(db, table, "test-cursor-secret-0123456789")
	led := ledger.New(db, table)
	admin, _ := store.NewAPIKey()
	if err := st.PutAPIKey(context.Background(), admin, domain.RoleAdmin, ""); err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(st, led, &ops.Service{Store: st}, nil, nil, "", slog.New(slog.NewJSONHandler(io.Discard, nil)), opts...)
	return &env{c: apitest.New(t, httpapi.OpenAPI, h), h: h, st: st, admin: admin}
}

func bearer(key string) []string { return []string{"Authorization", "Bearer " + key} }

// account creates an account through the admin API and returns its key.
func (e *env) account(t *testing.T, credits int64) (id, key string) {
	t.Helper()
	r := e.c.For(t).Do("POST", "/v1/admin/accounts", map[string]any{"name": "Acme"}, bearer(e.admin)...)
	if r.Status != http.StatusCreated {
		t.Fatalf("create account: %d %s", r.Status, r.Body)
	}
	var out struct {
		Account domain.Account `json:"account"`
		APIKey  string         `json:"api_key"`
	}
	r.JSON(t, &out)
	if credits > 0 {
		g := e.c.For(t).Do("POST", "/v1/admin/accounts/"+out.Account.ID+"/credits", map[string]any{"amount": credits},
			append(bearer(e.admin), "Idempotency-Key", "initial-"+out.Account.ID)...)
		if g.Status != http.StatusCreated {
			t.Fatalf("grant: %d %s", g.Status, g.Body)
		}
	}
	return out.Account.ID, out.APIKey
}

func (e *env) site(t *testing.T, key string) domain.Site {
	t.Helper()
	r := e.c.For(t).Do("POST", "/v1/sites", map[string]any{"name": "Trail Blog", "url": "https://trail.example", "time_zone": "America/New_York"}, bearer(key)...)
	if r.Status != http.StatusCreated {
		t.Fatalf("create site: %d %s", r.Status, r.Body)
	}
	var s domain.Site
	r.JSON(t, &s)
	return s
}

type keywordPage struct {
	Items      []domain.Keyword `json:"items"`
	NextCursor *string          `json:"next_cursor"`
	Total      int64            `json:"total"`
}

func keywords(n int, prefix string) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"keyword": fmt.Sprintf("%s keyword %d", prefix, i), "volume": i * 10, "difficulty": i % 100}
	}
	return out
}

func (e *env) stats(t *testing.T, key, site string) domain.SiteStats {
	t.Helper()
	var st domain.SiteStats
	r := e.c.For(t).Do("GET", "/v1/sites/"+site+"/stats", nil, bearer(key)...)
	if r.Status != 200 {
		t.Fatalf("stats: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &st)
	return st
}

func TestIntegrationKeywordsPaginationAndIsolation(t *testing.T) {
	e := newEnv(t)
	_, key := e.account(t, 100)
	site := e.site(t, key)

	r := e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords", map[string]any{"keywords": keywords(500, "trail")}, bearer(key)...)
	if r.Status != http.StatusCreated {
		t.Fatalf("add: %d %s", r.Status, r.Body)
	}
	var rep store.KeywordReport
	r.JSON(t, &rep)
	if rep.Summary.Added != 500 || rep.Summary.Duplicates != 0 || rep.Summary.Invalid != 0 {
		t.Fatalf("report: %+v", rep.Summary)
	}

	seen := map[string]bool{}
	pages, cursor := 0, ""
	var firstCursor string
	for {
		path := "/v1/sites/" + site.ID + "/keywords?limit=50"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var p keywordPage
		resp := e.c.Do("GET", path, nil, bearer(key)...)
		if resp.Status != 200 {
			t.Fatalf("page %d: %d %s", pages, resp.Status, resp.Body)
		}
		resp.JSON(t, &p)
		pages++
		if p.Total != 500 {
			t.Fatalf("total %d", p.Total)
		}
		for _, k := range p.Items {
			seen[k.ID] = true
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
		if firstCursor == "" {
			firstCursor = cursor
		}
		if pages > 20 {
			t.Fatal("pagination does not end")
		}
	}
	if pages != 10 || len(seen) != 500 {
		t.Fatalf("walked %d pages, %d distinct keywords; want 10 and 500", pages, len(seen))
	}

	// A cursor is sealed to its filter and its account.
	bad := e.c.Do("GET", "/v1/sites/"+site.ID+"/keywords?status=mapped&cursor="+firstCursor, nil, bearer(key)...)
	if bad.Status != 400 || !strings.Contains(string(bad.Body), "cursor") {
		t.Fatalf("cursor with another filter: %d %s", bad.Status, bad.Body)
	}
	_, other := e.account(t, 0)
	otherSite := e.site(t, other)
	bad = e.c.Do("GET", "/v1/sites/"+otherSite.ID+"/keywords?cursor="+firstCursor, nil, bearer(other)...)
	if bad.Status != 400 {
		t.Fatalf("cursor from another account: %d %s", bad.Status, bad.Body)
	}

	// Another account's key sees nothing of the first account's site.
	for _, req := range []struct{ method, path string }{
		{"GET", "/v1/sites/" + site.ID},
		{"GET", "/v1/sites/" + site.ID + "/keywords"},
		{"GET", "/v1/sites/" + site.ID + "/stats"},
		{"GET", "/v1/sites/" + site.ID + "/clusters"},
		{"DELETE", "/v1/sites/" + site.ID},
	} {
		if r := e.c.Do(req.method, req.path, nil, bearer(other)...); r.Status != 404 {
			t.Errorf("%s %s with another account's key: %d, want 404", req.method, req.path, r.Status)
		}
	}
	if r := e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords", map[string]any{"keywords": keywords(1, "x")}, bearer(other)...); r.Status != 404 {
		t.Errorf("add keywords to another account's site: %d", r.Status)
	}
	if st := e.stats(t, key, site.ID); st.KeywordsTotal != 500 {
		t.Fatalf("the other account changed the site: %+v", st)
	}
}

func TestIntegrationBulkStatusStatsAndAudit(t *testing.T) {
	e := newEnv(t)
	_, key := e.account(t, 0)
	site := e.site(t, key)
	sec := e.c.Do("POST", "/v1/sites/"+site.ID+"/sectors", map[string]any{"name": "Shoes"}, bearer(key)...)
	if sec.Status != 201 {
		t.Fatalf("sector: %d %s", sec.Status, sec.Body)
	}
	var sector domain.Sector
	sec.JSON(t, &sector)
	if r := e.c.Do("POST", "/v1/sites/"+site.ID+"/sectors", map[string]any{"name": " shoes "}, bearer(key)...); r.Status != 409 {
		t.Fatalf("duplicate sector name: %d", r.Status)
	}

	var rep store.KeywordReport
	e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords", map[string]any{"keywords": keywords(150, "road")}, bearer(key)...).JSON(t, &rep)
	var rep2 store.KeywordReport
	e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords", map[string]any{"sector_id": sector.ID, "keywords": keywords(50, "trail")}, bearer(key)...).JSON(t, &rep2)
	// The same keywords again (in another case and spacing) are duplicates.
	again := []map[string]any{{"keyword": "ROAD  keyword 1"}, {"keyword": "brand new one"}, {"keyword": ""}}
	var rep3 store.KeywordReport
	e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords", map[string]any{"keywords": again}, bearer(key)...).JSON(t, &rep3)
	if rep3.Summary.Added != 1 || rep3.Summary.Duplicates != 1 || rep3.Summary.Invalid != 1 || rep3.Invalid[0].Field != "keyword" {
		t.Fatalf("report: %+v", rep3)
	}

	ids := func(ks []domain.Keyword, n int) []string {
		var out []string
		for _, k := range ks[:n] {
			out = append(out, k.ID)
		}
		return out
	}
	mapIDs := append(ids(rep.Added, 60), ids(rep2.Added, 20)...)
	var res store.BulkResult
	e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords/bulk-status", map[string]any{"ids": append(mapIDs, "01nosuchkeyword"), "status": "mapped"}, bearer(key)...).JSON(t, &res)
	if res.Changed != 80 || len(res.NotFound) != 1 {
		t.Fatalf("bulk status: %+v", res)
	}
	// Repeating it changes nothing.
	e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords/bulk-status", map[string]any{"ids": mapIDs, "status": "mapped"}, bearer(key)...).JSON(t, &res)
	if res.Changed != 0 || res.Unchanged != 80 {
		t.Fatalf("repeated bulk status: %+v", res)
	}
	e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords/bulk-delete", map[string]any{"ids": append(ids(rep.Added[100:], 10), rep2.Added[0].ID)}, bearer(key)...).JSON(t, &res)
	if res.Changed != 11 {
		t.Fatalf("bulk delete: %+v", res)
	}

	st := e.stats(t, key, site.ID)
	want := domain.SiteStats{KeywordsTotal: 190, KeywordsMapped: 79, KeywordsNew: 111}
	if st != want {
		t.Fatalf("stats %+v, want %+v", st, want)
	}
	// The counters agree with the lists, filtered by status and sector.
	count := func(query string) (int, int64) {
		n, cursor := 0, ""
		var total int64
		for {
			var p keywordPage
			path := "/v1/sites/" + site.ID + "/keywords?limit=200" + query
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			e.c.Do("GET", path, nil, bearer(key)...).JSON(t, &p)
			n += len(p.Items)
			total = p.Total
			if p.NextCursor == nil {
				return n, total
			}
			cursor = *p.NextCursor
		}
	}
	for q, want := range map[string]int{"": 190, "&status=new": 111, "&status=mapped": 79,
		"&sector_id=" + sector.ID: 49, "&sector_id=" + sector.ID + "&status=mapped": 19} {
		if n, total := count(q); n != want || total != int64(want) {
			t.Errorf("list %q: %d items, total %d; want %d", q, n, total, want)
		}
	}

	var audit store.StatsAudit
	e.c.Do("POST", "/v1/sites/"+site.ID+"/stats/audit", nil, bearer(key)...).JSON(t, &audit)
	for c, d := range audit.Drift {
		if d != 0 {
			t.Errorf("drift on %s: %d", c, d)
		}
	}
	if audit.Repaired || len(audit.SectorDrift) != 0 || audit.Counters["keywords_total"] != 190 {
		t.Fatalf("audit: %+v", audit)
	}
}

func TestIntegrationBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	_, key := e.account(t, 0)
	site := e.site(t, key)
	kw := "/v1/sites/" + site.ID + "/keywords"
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
		field              string
	}{
		{"malformed json", "POST", "/v1/sites", `{"name": "x",`, nil, 400, ""},
		{"wrong type", "POST", "/v1/sites", `{"name": 5, "url": "https://a.io"}`, nil, 400, "name"},
		{"unknown field", "POST", "/v1/sites", `{"name": "a", "url": "https://a.io", "owner": "me"}`, nil, 400, "owner"},
		{"trailing data", "POST", "/v1/sites", `{"name": "a", "url": "https://a.io"} {}`, nil, 400, ""},
		{"empty body", "POST", "/v1/sites", ``, nil, 400, ""},
		{"bad time zone", "POST", "/v1/sites", `{"name": "a", "url": "https://a.io", "time_zone": "Mars/Base"}`, nil, 400, "time_zone"},
		{"bad platform", "POST", "/v1/sites", `{"name": "a", "url": "https://a.io", "platform": "wix"}`, nil, 400, "platform"},
		{"bad url", "POST", "/v1/sites", `{"name": "a", "url": "not a url"}`, nil, 400, "url"},
		{"bad patch zone", "PATCH", "/v1/sites/" + site.ID, `{"time_zone": "Nowhere/Land"}`, nil, 400, "time_zone"},
		{"not json", "POST", "/v1/sites", `name=a`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, ""},
		{"oversized", "POST", kw, `{"keywords":[` + strings.Repeat(`{"keyword":"abc"},`, 80000) + `{"keyword":"x"}]}`, nil, 413, ""},
		{"1001 keywords", "POST", kw, map[string]any{"keywords": keywords(1001, "big")}, nil, 400, "keywords"},
		{"keyword wrong type", "POST", kw, `{"keywords":[{"keyword":"a","volume":"lots"}]}`, nil, 400, "keywords.volume"},
		{"unknown sector", "POST", kw, `{"sector_id":"nope","keywords":[{"keyword":"a"}]}`, nil, 400, "sector_id"},
		{"bad status filter", "GET", kw + "?status=archived", nil, nil, 400, "status"},
		{"bad limit", "GET", kw + "?limit=0", nil, nil, 400, "limit"},
		{"limit too big", "GET", kw + "?limit=201", nil, nil, 400, "limit"},
		{"bad cursor", "GET", kw + "?cursor=garbage", nil, nil, 400, "cursor"},
		{"bad bulk status", "POST", kw + "/bulk-status", `{"ids":["a"],"status":"archived"}`, nil, 400, "status"},
		{"no ids", "POST", kw + "/bulk-delete", `{"ids":[]}`, nil, 400, "ids"},
		{"csv bad number", "POST", kw + "/import", "keyword,volume\nshoes,many\n", []string{"Content-Type", "text/csv"}, 400, "csv"},
		{"csv not utf-8", "POST", kw + "/import", "keyword\ncaf\xe9\n", []string{"Content-Type", "text/csv"}, 400, "csv"},
		{"csv unknown column", "POST", kw + "/import", "keyword,colour\nshoes,red\n", []string{"Content-Type", "text/csv"}, 400, "csv"},
		{"no auth", "GET", "/v1/account", nil, []string{"Authorization", ""}, 401, ""},
		{"bad key", "GET", "/v1/account", nil, []string{"Authorization", "Bearer ig8_wrong"}, 401, ""},
		{"user on admin", "POST", "/v1/admin/accounts", `{"name":"x"}`, nil, 403, ""},
		{"grant without idempotency key", "POST", "/v1/admin/accounts/x/credits", `{"amount":5}`, bearer(e.admin), 400, "Idempotency-Key"},
		{"grant negative", "POST", "/v1/admin/accounts/x/credits", `{"amount":-5}`, append(bearer(e.admin), "Idempotency-Key", "k"), 400, "amount"},
		{"unknown site", "GET", "/v1/sites/nosuchsite", nil, nil, 404, ""},
	}
	before := e.stats(t, key, site.ID)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.headers
			if len(h) < 2 || h[0] != "Authorization" {
				h = append(bearer(key), h...)
			}
			r := e.c.For(t).DoRaw(tc.method, tc.path, tc.body, h...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			var eb httpapi.ErrorBody
			r.JSON(t, &eb)
			if eb.Error.Code == "" || eb.Error.Message == "" || eb.Error.Field != tc.field {
				t.Fatalf("error body %+v, want field %q", eb, tc.field)
			}
		})
	}
	if after := e.stats(t, key, site.ID); after != before {
		t.Fatalf("bad input changed the counters: %+v → %+v", before, after)
	}
	var sites struct {
		Total int64 `json:"total"`
	}
	e.c.Do("GET", "/v1/sites", nil, bearer(key)...).JSON(t, &sites)
	if sites.Total != 1 {
		t.Fatalf("bad input created sites: total %d", sites.Total)
	}
	var got domain.Site
	e.c.Do("GET", "/v1/sites/"+site.ID, nil, bearer(key)...).JSON(t, &got)
	if got.TimeZone != "America/New_York" {
		t.Fatalf("a bad patch changed the site: %+v", got)
	}
}

func TestIntegrationAccountSitesAndGrants(t *testing.T) {
	e := newEnv(t)
	id, key := e.account(t, 0)
	grant := func(k string, amount int64) *apitest.Response {
		return e.c.Do("POST", "/v1/admin/accounts/"+id+"/credits", map[string]any{"amount": amount, "description": "top-up"},
			append(bearer(e.admin), "Idempotency-Key", k)...)
	}
	for range 3 {
		if r := grant("topup-1", 250); r.Status != 201 {
			t.Fatalf("grant: %d %s", r.Status, r.Body)
		}
	}
	if r := grant("topup-1", 300); r.Status != 409 {
		t.Fatalf("same key, other amount: %d %s", r.Status, r.Body)
	}
	if r := e.c.Do("POST", "/v1/admin/accounts/nosuchaccount/credits", map[string]any{"amount": 5}, append(bearer(e.admin), "Idempotency-Key", "x")...); r.Status != 404 {
		t.Fatalf("grant to unknown account: %d", r.Status)
	}
	var acct domain.Account
	e.c.Do("GET", "/v1/account", nil, bearer(key)...).JSON(t, &acct)
	if acct.Available != 250 || acct.Reserved != 0 || acct.Granted != 250 {
		t.Fatalf("balance after a replayed grant: %+v", acct)
	}
	var tx struct {
		Items []ledger.Entry `json:"items"`
		Total int64          `json:"total"`
	}
	e.c.Do("GET", "/v1/account/transactions", nil, bearer(key)...).JSON(t, &tx)
	if tx.Total != 1 || len(tx.Items) != 1 || tx.Items[0].Amount != 250 {
		t.Fatalf("transactions: %+v", tx)
	}

	site := e.site(t, key)
	var patched domain.Site
	r := e.c.Do("PATCH", "/v1/sites/"+site.ID, map[string]any{"name": "Renamed", "time_zone": "Asia/Tokyo"}, bearer(key)...)
	r.JSON(t, &patched)
	if r.Status != 200 || patched.Name != "Renamed" || patched.TimeZone != "Asia/Tokyo" || patched.URL != site.URL {
		t.Fatalf("patch: %d %+v", r.Status, patched)
	}
	var sectors struct {
		Items []domain.Sector `json:"items"`
		Total int64           `json:"total"`
	}
	e.c.Do("GET", "/v1/sites/"+site.ID+"/sectors", nil, bearer(key)...).JSON(t, &sectors)
	if sectors.Total != 1 || sectors.Items[0].ID != site.DefaultSectorID || sectors.Items[0].Name != "General" {
		t.Fatalf("default sector: %+v", sectors)
	}
	csv := "keyword,volume,difficulty,intent\nwaterproof trail shoes,900,40,commercial\n\"shoes, for trails\",10,5,\nwaterproof  TRAIL shoes,1,1,\n"
	var rep store.KeywordReport
	resp := e.c.Do("POST", "/v1/sites/"+site.ID+"/keywords/import", csv, append(bearer(key), "Content-Type", "text/csv")...)
	resp.JSON(t, &rep)
	if resp.Status != 201 || rep.Summary.Added != 2 || rep.Summary.Duplicates != 1 || rep.Added[0].Intent != "commercial" || rep.Added[1].Intent != "informational" {
		t.Fatalf("csv import: %d %+v", resp.Status, rep)
	}
	for _, l := range []string{"clusters", "ideas", "tasks", "content", "images"} {
		var p struct {
			Items      []any   `json:"items"`
			NextCursor *string `json:"next_cursor"`
			Total      int64   `json:"total"`
		}
		e.c.Do("GET", "/v1/sites/"+site.ID+"/"+l, nil, bearer(key)...).JSON(t, &p)
		if len(p.Items) != 0 || p.Total != 0 || p.NextCursor != nil {
			t.Errorf("%s: %+v", l, p)
		}
	}
	if r := e.c.Do("DELETE", "/v1/sites/"+site.ID, nil, bearer(key)...); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := e.c.Do("GET", "/v1/sites/"+site.ID, nil, bearer(key)...); r.Status != 404 {
		t.Fatalf("deleted site: %d", r.Status)
	}
	if r := e.c.Do("GET", "/v1/health", nil); r.Status != 200 {
		t.Fatalf("health: %d", r.Status)
	}
}
