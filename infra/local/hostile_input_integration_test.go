package local

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// hostile is one request an attacker sends and the answer it must get.
type hostile struct {
	method, path string
	body         any
	headers      []string
	status       int
	field        string // the field the 400 names, if it names one
}

// expect sends each request (unchecked: they break the document on
// purpose; the answers are still checked against it) and wants its status,
// error code and field.
func (s *testStack) expect(t *testing.T, cases []hostile) {
	t.Helper()
	codes := map[int]string{400: "invalid_request", 401: "unauthorized", 404: "not_found", 415: "unsupported_media_type"}
	for _, tc := range cases {
		r := s.c.For(t).DoRaw(tc.method, tc.path, tc.body, tc.headers...)
		var e struct {
			Error struct{ Code, Field string } `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &e)
		if r.Status != tc.status || e.Error.Code != codes[tc.status] || e.Error.Field != tc.field {
			t.Errorf("%s %.80s: %d %s %q, want %d %s %q (%.200s)", tc.method, tc.path, r.Status, e.Error.Code, e.Error.Field,
				tc.status, codes[tc.status], tc.field, r.Body)
		}
	}
}

// hostileStack is a stack with an account (with credits), its key, a site
// and a snapshot of them to compare with after the attack.
func hostileStack(t *testing.T, credits int64) (s *testStack, acct, key, site, before string) {
	t.Helper()
	s = newTestStack(t)
	acct, key = s.account(t, credits)
	site = s.site(t, key)
	return s, acct, key, site, s.snapshot(t, key, site)
}

// snapshot is what the hostile requests must leave as it was.
func (s *testStack) snapshot(t *testing.T, key, site string) string {
	t.Helper()
	var acct domain.Account
	s.c.Do("GET", "/v1/account", nil, auth(key)...).JSON(t, &acct)
	acct.CreatedAt = acct.CreatedAt.UTC()
	var parts []any
	parts = append(parts, acct)
	for _, p := range []string{"/v1/sites", "/v1/sites/" + site + "/sectors", "/v1/sites/" + site + "/keywords",
		"/v1/sites/" + site + "/automation/runs", "/v1/account/ai-tasks", "/v1/account/transactions", "/v1/sites/" + site + "/publishing-settings"} {
		var v any
		s.c.Do("GET", p, nil, auth(key)...).JSON(t, &v)
		parts = append(parts, v)
	}
	b, _ := json.Marshal(parts)
	return string(b)
}

// An ID of 2,000 characters in a path is a 404 and in a body or query field
// a 400 naming the field; DynamoDB refuses keys over 1 KiB, which used to
// surface as a 500.
func TestIntegrationLongIDsAre4xx(t *testing.T) {
	s, acct, key, site, before := hostileStack(t, 1000)
	long := strings.Repeat("a", 2000)
	sp := "/v1/sites/" + site
	u, a := auth(key), auth(s.admin)
	grant := append(auth(s.admin), "Idempotency-Key", "long-id")
	s.expect(t, []hostile{
		{"GET", "/v1/sites/" + long, nil, u, 404, ""},
		{"PATCH", "/v1/sites/" + long, map[string]any{"name": "x"}, u, 404, ""},
		{"DELETE", "/v1/sites/" + long, nil, u, 404, ""},
		{"GET", "/v1/sites/" + long + "/keywords", nil, u, 404, ""},
		{"GET", sp + "/content/" + long, nil, u, 404, ""},
		{"POST", sp + "/content/" + long + "/approve", nil, u, 404, ""},
		{"POST", sp + "/content/" + long + "/publish", nil, u, 404, ""},
		{"POST", sp + "/images/" + long + "/regenerate", map[string]any{}, u, 404, ""},
		{"GET", sp + "/automation/runs/" + long, nil, u, 404, ""},
		{"POST", sp + "/automation/runs/" + long + "/cancel", nil, u, 404, ""},
		{"GET", "/v1/operations/" + long, nil, u, 404, ""},
		{"POST", "/v1/notifications/" + long + "/read", nil, u, 404, ""},
		{"POST", "/v1/admin/accounts/" + long + "/credits", map[string]any{"amount": 5}, grant, 404, ""},
		{"PUT", "/v1/admin/models/" + long, map[string]any{"provider": "offline", "type": "text", "tokens_per_credit": 1, "quality_tier": "basic"}, a, 404, ""},

		{"POST", sp + "/keywords", map[string]any{"sector_id": long, "keywords": []any{map[string]any{"keyword": "trail shoes"}}}, u, 400, "sector_id"},
		{"POST", sp + "/keywords/import?sector_id=" + long, "keyword\ntrail shoes\n", append(auth(key), "Content-Type", "text/csv"), 400, "sector_id"},
		{"GET", sp + "/keywords?sector_id=" + long, nil, u, 400, "sector_id"},
		{"POST", sp + "/keywords/bulk-status", map[string]any{"ids": []string{"01ok", long}, "status": "mapped"}, u, 400, "ids"},
		{"POST", sp + "/keywords/bulk-delete", map[string]any{"ids": []string{long}}, u, 400, "ids"},
		{"POST", sp + "/keywords/cluster", map[string]any{"keyword_ids": []string{long}}, u, 400, "keyword_ids"},
		{"POST", sp + "/clusters/generate-ideas", map[string]any{"cluster_ids": []string{long}}, u, 400, "cluster_ids"},
		{"POST", sp + "/ideas/create-tasks", map[string]any{"idea_ids": []string{long}}, u, 400, "idea_ids"},
		{"POST", sp + "/tasks/generate-content", map[string]any{"task_ids": []string{long}}, u, 400, "task_ids"},
		{"POST", sp + "/images/generate", map[string]any{"image_ids": []string{long}}, u, 400, "image_ids"},
		{"GET", "/v1/account/usage/logs?site_id=" + long, nil, u, 400, "site_id"},
		{"GET", "/v1/sites?cursor=" + long, nil, u, 400, "cursor"},
		{"GET", sp + "/keywords?cursor=" + long, nil, u, 400, "cursor"},
		{"GET", sp + "/images/01NOSUCHIMAGE/regenerate/quote?quality_tier=" + long, nil, u, 404, ""},
		{"GET", sp + "/calendar?from=" + long + "&to=" + long, nil, u, 400, "from"},
		{"POST", "/v1/admin/accounts/" + acct + "/credits", map[string]any{"amount": 5}, append(auth(s.admin), "Idempotency-Key", long), 400, "Idempotency-Key"},
		{"PUT", "/v1/admin/models/gpt-4o-mini", map[string]any{"model_id": long}, a, 400, "model_id"},
	})
	if after := s.snapshot(t, key, site); after != before {
		t.Errorf("hostile requests changed the account %s:\nbefore %s\nafter  %s", acct, before, after)
	}
}

// A body of null (or any JSON that is not an object) is a 400 wherever a
// handler decodes an object; an automation run used to start from `null`.
func TestIntegrationNullBodyIs400(t *testing.T) {
	s, _, key, site, before := hostileStack(t, 100000)
	sp := "/v1/sites/" + site
	u, a := auth(key), auth(s.admin)
	routes := []struct {
		method, path string
		headers      []string
	}{
		{"POST", "/v1/sites", u}, {"PATCH", sp, u}, {"POST", sp + "/sectors", u}, {"POST", sp + "/keywords", u},
		{"POST", sp + "/keywords/bulk-status", u}, {"POST", sp + "/keywords/bulk-delete", u},
		{"POST", sp + "/keywords/cluster", u}, {"POST", sp + "/clusters/generate-ideas", u}, {"POST", sp + "/ideas/create-tasks", u},
		{"POST", sp + "/tasks/generate-content", u}, {"POST", sp + "/images/generate", u},
		{"POST", sp + "/images/01NOSUCHIMAGE/regenerate", u}, {"POST", sp + "/content/01NOSUCHCONTENT/generate-image-prompts", u},
		{"POST", sp + "/automation/runs", u}, {"PUT", sp + "/automation/config", u},
		{"PATCH", sp + "/publishing-settings", u}, {"PUT", sp + "/publishing-settings", u}, {"PUT", sp + "/integration", u},
		{"POST", sp + "/content/01NOSUCHCONTENT/schedule", u},
		{"POST", "/v1/admin/accounts", a}, {"POST", "/v1/admin/accounts/01NOSUCHACCOUNT/credits", append(auth(s.admin), "Idempotency-Key", "null")},
		{"PUT", "/v1/admin/models/gpt-4o-mini", a}, {"PUT", "/v1/admin/billing", a},
	}
	var cases []hostile
	for _, r := range routes {
		cases = append(cases, hostile{r.method, r.path, "null", r.headers, 400, ""})
	}
	for _, body := range []string{" null ", "[]", `"run"`, "5", "true"} {
		cases = append(cases, hostile{"POST", sp + "/automation/runs", body, u, 400, ""})
	}
	s.expect(t, cases)
	if after := s.snapshot(t, key, site); after != before {
		t.Errorf("null bodies changed the account:\nbefore %s\nafter  %s", before, after)
	}
	// Left out, the body of a run is still optional.
	if r := s.c.Do("POST", sp+"/automation/runs", nil, u...); r.Status != 201 && r.Status != 402 {
		t.Errorf("a run without a body: %d %s", r.Status, r.Body)
	}
}

// We read every body as UTF-8: a body declared in another charset is a 415,
// one that is not UTF-8 a 400.
func TestIntegrationCharsetAndUTF8(t *testing.T) {
	s, _, key, site, before := hostileStack(t, 0)
	utf16 := []byte{0xff, 0xfe}
	for _, c := range `{"name":"Sixteen","url":"https://s.example"}` {
		utf16 = append(utf16, byte(c), 0)
	}
	ct := func(v string) []string { return append(auth(key), "Content-Type", v) }
	sp := "/v1/sites/" + site
	s.expect(t, []hostile{
		{"POST", "/v1/sites", `{"name":"Sixteen","url":"https://s.example"}`, ct("application/json; charset=utf-16"), 415, ""},
		{"POST", "/v1/sites", `{"name":"Sixteen","url":"https://s.example"}`, ct("application/json; charset=UTF-16LE"), 415, ""},
		{"POST", "/v1/sites", utf16, ct("application/json; charset=utf-16"), 415, ""},
		{"POST", "/v1/sites", `{"name":"Latin","url":"https://s.example"}`, ct("application/json; charset=iso-8859-1"), 415, ""},
		{"PATCH", sp, `{"name":"Sixteen"}`, ct("application/json;charset=\"utf-16\""), 415, ""},
		{"POST", sp + "/keywords/import", "keyword\ntrail\n", ct("text/csv; charset=utf-16"), 415, ""},
		{"POST", "/v1/sites", utf16, auth(key), 400, ""},
		{"POST", "/v1/sites", []byte("{\"name\":\"Bad \xff\xfe\",\"url\":\"https://s.example\"}"), auth(key), 400, ""},
		{"POST", sp + "/sectors", []byte("{\"name\":\"Caf\xe9\"}"), ct("application/json; charset=utf-8"), 400, ""},
	})
	if after := s.snapshot(t, key, site); after != before {
		t.Errorf("refused bodies changed the account:\nbefore %s\nafter  %s", before, after)
	}
	for i, v := range []string{"application/json; charset=utf-8", "application/json; charset=UTF-8", "application/json"} {
		body := map[string]any{"name": "Sector " + string(rune('A'+i))}
		if r := s.c.Do("POST", sp+"/sectors", body, ct(v)...); r.Status != 201 {
			t.Errorf("%s: %d %s", v, r.Status, r.Body)
		}
	}
}

// NUL, BEL and the right-to-left override are refused in every free-text
// field a client sets, with a 400 naming the field, and nothing is stored.
func TestIntegrationControlCharactersAre400(t *testing.T) {
	s, acct, key, site, before := hostileStack(t, 1000)
	sp := "/v1/sites/" + site
	u := auth(key)
	for _, bad := range []string{"\x00", "\a", "\u202e"} {
		text := "Trail" + bad + "Blog"
		s.expect(t, []hostile{
			{"POST", "/v1/sites", map[string]any{"name": text, "url": "https://t.example"}, u, 400, "name"},
			{"POST", "/v1/sites", map[string]any{"name": "Trail", "url": "https://t.example/" + text}, u, 400, "url"},
			{"PATCH", sp, map[string]any{"url": "https://t.example/" + text}, u, 400, "url"},
			{"PUT", "/v1/admin/billing", map[string]any{"credit_price_micro_usd": 10000, "minimum_credits": map[string]any{"clustering" + bad: 1}}, auth(s.admin), 400, "minimum_credits"},
			{"PATCH", sp, map[string]any{"name": text}, u, 400, "name"},
			{"POST", sp + "/sectors", map[string]any{"name": text}, u, 400, "name"},
			{"POST", "/v1/admin/accounts", map[string]any{"name": text}, auth(s.admin), 400, "name"},
			{"POST", "/v1/admin/accounts/" + acct + "/credits", map[string]any{"amount": 5, "description": text},
				append(auth(s.admin), "Idempotency-Key", "ctl-"+url.QueryEscape(bad)), 400, "description"},
			{"POST", sp + "/images/01NOSUCHIMAGE/regenerate", map[string]any{"custom_prompt": "a photo of\n" + text, "use_original_prompt": false}, u, 400, "custom_prompt"},
			{"PUT", sp + "/integration", map[string]any{"url": "https://t.example", "username": text, "application_password": "abcd efgh"}, u, 400, "username"},
		})
		// A bulk add reports each refused row (the rest of the batch is kept).
		var rep store.KeywordReport
		s.c.Do("POST", sp+"/keywords", map[string]any{"keywords": []any{map[string]any{"keyword": "trail" + bad + "shoes"}}}, u...).JSON(t, &rep)
		if rep.Summary.Added != 0 || len(rep.Invalid) != 1 || rep.Invalid[0].Field != "keyword" {
			t.Errorf("keyword with %q: %+v", bad, rep)
		}
	}
	// A prompt is multi-line text: new lines and tabs stay allowed.
	r := s.c.Do("POST", sp+"/images/01NOSUCHIMAGE/regenerate", map[string]any{"custom_prompt": "a photo of\n\ttrail shoes", "use_original_prompt": false}, u...)
	if r.Status != 404 {
		t.Errorf("a multi-line prompt: %d %s", r.Status, r.Body)
	}
	if after := s.snapshot(t, key, site); after != before {
		t.Errorf("refused text changed the account:\nbefore %s\nafter  %s", before, after)
	}
}

// RFC 9110: the auth scheme is case-insensitive.
func TestIntegrationBearerSchemeInAnyCase(t *testing.T) {
	s := newTestStack(t)
	_, key := s.account(t, 0)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		if r := s.c.Do("GET", "/v1/account", nil, "Authorization", scheme+" "+key); r.Status != 200 {
			t.Errorf("%s: %d %s", scheme, r.Status, r.Body)
		}
	}
	s.expect(t, []hostile{
		{"GET", "/v1/account", nil, []string{"Authorization", "Bearer" + key}, 401, ""},
		{"GET", "/v1/account", nil, []string{"Authorization", "Basic " + key}, 401, ""},
		{"GET", "/v1/account", nil, []string{"Authorization", "bearer "}, 401, ""},
	})
}
