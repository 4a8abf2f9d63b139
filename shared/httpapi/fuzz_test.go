package httpapi

// Fuzz tests of request decoding and validation: any body answers 400 or
// passes, never panics and never reaches the store as a 500.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// requestTargets returns fresh values of every request type the handlers
// decode.
func requestTargets() []any {
	return []any{
		&createAccountRequest{}, &grantRequest{}, &domain.NewSite{}, &domain.SitePatch{}, &createSectorRequest{},
		&addKeywordsRequest{}, &bulkStatusRequest{}, &bulkDeleteRequest{},
	}
}

// checkValidationError: a decoding or validation error must be a
// *domain.ValidationError, which the API answers with 400.
func checkValidationError(t *testing.T, what string, err error) *domain.ValidationError {
	t.Helper()
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("%s: error %v (%T) is not a *domain.ValidationError: the API would answer 500", what, err, err)
	}
	if code, name := status(err); code != http.StatusBadRequest || name != "invalid_request" {
		t.Fatalf("%s: %v maps to %d %s, want 400 invalid_request", what, err, code, name)
	}
	if ve.Message == "" {
		t.Fatalf("%s: validation error without a message", what)
	}
	return ve
}

// checkKeyword checks the invariants of a normalised keyword.
func checkKeyword(t *testing.T, what string, k domain.NewKeyword) {
	t.Helper()
	s := k.Keyword
	switch {
	case s == "":
		t.Fatalf("%s: empty keyword passed validation", what)
	case utf8.RuneCountInString(s) > domain.MaxKeywordLen:
		t.Fatalf("%s: keyword of %d runes passed validation", what, utf8.RuneCountInString(s))
	case strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.Contains(s, "  "):
		t.Fatalf("%s: keyword %q has leading, trailing or double spaces", what, s)
	case strings.Join(strings.Fields(s), " ") != s:
		t.Fatalf("%s: keyword %q has whitespace other than single spaces", what, s)
	case !utf8.ValidString(s):
		// Invalid UTF-8 (a Latin-1 or Windows-1252 CSV) cannot be stored as
		// sent: the DynamoDB client replaces each bad byte with U+FFFD, so
		// "caf\xe9" is stored as "caf\ufffd" and "caf\xe9" and "caf\xe8"
		// collapse into one keyword. It must be refused with a 400.
		t.Fatalf("%s: keyword %q is not valid UTF-8", what, s)
	case k.Volume < 0:
		t.Fatalf("%s: volume %d passed validation", what, k.Volume)
	case k.Difficulty < 0 || k.Difficulty > domain.MaxDifficulty:
		t.Fatalf("%s: difficulty %d passed validation", what, k.Difficulty)
	case !slices.Contains(domain.Intents, k.Intent):
		t.Fatalf("%s: intent %q passed validation", what, k.Intent)
	}
	again := k
	if err := again.Normalize(); err != nil || again != k {
		t.Fatalf("%s: normalising %+v again gives %+v, %v", what, k, again, err)
	}
}

// checkKeywordRows normalises rows as the store does and checks each outcome.
func checkKeywordRows(t *testing.T, what string, rows []domain.NewKeyword) {
	t.Helper()
	for i, r := range rows {
		k := r
		if err := k.Normalize(); err != nil {
			ve := checkValidationError(t, fmt.Sprintf("%s: row %d", what, i), err)
			if !slices.Contains([]string{"keyword", "volume", "difficulty", "intent"}, ve.Field) {
				t.Fatalf("%s: row %d: error names field %q", what, i, ve.Field)
			}
			continue
		}
		checkKeyword(t, fmt.Sprintf("%s: row %d", what, i), k)
	}
}

// checkSite checks the invariants of a normalised site.
func checkSite(t *testing.T, what string, n domain.NewSite) {
	t.Helper()
	if n.Name == "" || n.Name != strings.TrimSpace(n.Name) || utf8.RuneCountInString(n.Name) > domain.MaxNameLen {
		t.Fatalf("%s: name %q passed validation", what, n.Name)
	}
	u, err := url.Parse(n.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(n.URL) > 2048 || n.URL != strings.TrimSpace(n.URL) {
		t.Fatalf("%s: url %q passed validation", what, n.URL)
	}
	if !slices.Contains(domain.Platforms, n.Platform) {
		t.Fatalf("%s: platform %q passed validation", what, n.Platform)
	}
	if n.TimeZone == "" || n.TimeZone == "Local" {
		t.Fatalf("%s: time zone %q passed validation", what, n.TimeZone)
	}
	if _, err := time.LoadLocation(n.TimeZone); err != nil {
		t.Fatalf("%s: time zone %q passed validation: %v", what, n.TimeZone, err)
	}
	if n.MaxInArticleImages == nil || *n.MaxInArticleImages < 0 || *n.MaxInArticleImages > domain.MaxInArticleImages {
		t.Fatalf("%s: max_in_article_images %v passed validation", what, n.MaxInArticleImages)
	}
	again := n
	if err := again.Normalize(); err != nil || again != n {
		t.Fatalf("%s: normalising %+v again gives %+v, %v", what, n, again, err)
	}
}

// checkDecoded runs the validation the handlers and the store run after
// decoding, and checks its outcome.
func checkDecoded(t *testing.T, what string, v any) {
	t.Helper()
	switch v := v.(type) {
	case *createAccountRequest:
		if err := domain.ValidateName("name", strings.TrimSpace(v.Name)); err != nil {
			checkValidationError(t, what, err)
		}
	case *createSectorRequest:
		if err := domain.ValidateName("name", strings.TrimSpace(v.Name)); err != nil {
			checkValidationError(t, what, err)
		}
	case *grantRequest:
	case *domain.NewSite:
		n := *v
		if err := n.Normalize(); err != nil {
			checkValidationError(t, what, err)
			return
		}
		checkSite(t, what, n)
	case *domain.SitePatch:
		s := domain.Site{ID: "s", Name: "Blog", URL: "https://blog.example", Platform: domain.PlatformWordPress, TimeZone: "UTC"}
		if err := v.Apply(&s); err != nil {
			checkValidationError(t, what, err)
			return
		}
		checkSite(t, what, domain.NewSite{Name: s.Name, URL: s.URL, Platform: s.Platform, TimeZone: s.TimeZone, MaxInArticleImages: &s.MaxInArticleImages})
	case *addKeywordsRequest:
		checkKeywordRows(t, what, v.Keywords)
	case *bulkStatusRequest:
		st, err := domain.ParseKeywordStatus("status", v.Status)
		if err != nil {
			checkValidationError(t, what, err)
		} else if !slices.Contains(domain.KeywordStatuses, st) {
			t.Fatalf("%s: status %q passed validation", what, st)
		}
	case *bulkDeleteRequest:
	default:
		t.Fatalf("checkDecoded: teach it %T", v)
	}
}

// jsonSeeds are realistic and nasty request bodies.
var jsonSeeds = []string{
	`{"name":"Acme Inc"}`,
	`{"name":"Acme Inc","url":"https://acme.example","max_in_article_images":5}`,
	`{"max_in_article_images":6}`, `{"max_in_article_images":-1}`, `{"max_in_article_images":0}`,
	`{"name":"  Acme  ","url":" https://acme.example ","platform":"wordpress","time_zone":" Europe/Berlin "}`,
	`{"name":"Shop","url":"http://shop.example/path?q=1#x","platform":"shopify","time_zone":"America/New_York"}`,
	`{"name":"Site","url":"https://x.example","platform":"","time_zone":""}`,
	`{"name":"x","url":"ftp://x.example"}`,
	`{"name":"x","url":"https://"}`,
	`{"name":"x","url":"javascript:alert(1)"}`,
	`{"name":"x","url":"https://x.example","time_zone":"Local"}`,
	`{"name":"x","url":"https://x.example","time_zone":"../../etc/passwd"}`,
	`{"name":"x","url":"https://x.example","time_zone":"/etc/localtime"}`,
	`{"name":"x","url":"https://x.example","time_zone":"UTC\u0000"}`,
	`{"name":"x","url":"https://x.example","platform":"WordPress"}`,
	`{"name":null,"url":null,"platform":null,"time_zone":null}`,
	`{"name":"Renamed","time_zone":"Asia/Tokyo"}`,
	`{"platform":""}`,
	`{"name":"   "}`,
	`{"url":"https://new.example"}`,
	`{}`,
	`{"sector_id":"","keywords":[{"keyword":"best running shoes","volume":5400,"difficulty":35,"intent":"commercial"}]}`,
	`{"keywords":[{"keyword":"  Best   Running` + "\\t" + `Shoes  ","intent":"Transactional "},{"keyword":""},{"keyword":"a","difficulty":101},{"keyword":"b","volume":-5},{"keyword":"c","intent":"buy"}]}`,
	`{"keywords":[{"keyword":"日本語のキーワード"},{"keyword":"🏃‍♀️ shoes"},{"keyword":"\u00a0nbsp\u00a0"},{"keyword":"line\u2028sep"},{"keyword":"\u200b"}]}`,
	`{"keywords":[{"keyword":"x","volume":9223372036854775807,"difficulty":100}]}`,
	`{"keywords":[{"keyword":"x","volume":9223372036854775808}]}`,
	`{"keywords":[{"keyword":"x","volume":1.5}]}`,
	`{"keywords":[{"keyword":"x","volume":1e3}]}`,
	`{"keywords":[{"keyword":"x","volume":"lots"}]}`,
	`{"keywords":[{"kw":"x"}]}`,
	`{"keywords":null}`,
	`{"keywords":{}}`,
	`{"ids":["01hyk0000000000000000000aa","01hyk0000000000000000000ab"],"status":"mapped"}`,
	`{"ids":[],"status":"done"}`,
	`{"ids":null}`,
	`{"ids":[1,2]}`,
	`{"amount":100,"description":"welcome credits"}`,
	`{"amount":0}`,
	`{"amount":-5}`,
	`{"amount":1e9}`,
	`{"amount":1000000001}`,
	`{"amount":"5"}`,
	`{"name":5}`,
	`{"name":"x","nmae":"y"}`,
	`{"NAME":"case-insensitive match"}`,
	`{"name":"x","name":"y"}`,
	`{"name":"\ud800"}`,
	"{\"name\":\"\xff\xfe\"}",
	`{"name":"x"} {"name":"y"}`,
	`{"name":"x"`,
	`{"name" "x"}`,
	`{"name":"x",}`,
	"\ufeff{\"name\":\"bom\"}",
	`null`, `[]`, `""`, `0`, `true`, `[{"name":"x"}]`,
	"", " ", "\n\t\r ", "\x00",
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"name":"` + strings.Repeat("é", 201) + `"}`,
}

// FuzzDecodeJSON: any body, decoded into any request type, either fails with
// a validation error (400) or decodes into a value whose validation in turn
// fails with a validation error or yields values within the documented rules.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range requestTargets() {
			what := fmt.Sprintf("%T from %q", v, body)
			err := decodeBytes(body, v)
			if err != nil {
				checkValidationError(t, what, err)
				continue
			}
			// Accepted bodies are exactly one JSON value (with whitespace).
			if !json.Valid(body) {
				t.Fatalf("%s: accepted a body that is not one JSON value", what)
			}
			checkDecoded(t, what, v)
		}
	})
}

// csvSeeds are realistic and nasty CSV files.
var csvSeeds = []string{
	"keyword,volume,difficulty,intent\nbest running shoes,5400,35,commercial\ntrail shoes,900,,\n",
	"\ufeffKeyword,Volume\r\nwaterproof shoes,10\r\n",
	"intent, difficulty ,keyword\ncommercial,40,\"shoes, for trails\"\n,,\"multi\nline\"\n",
	"keyword\n\n\nonly\n\n",
	"keyword,volume\n\"unterminated,5\n",
	"keyword,volume\nshoes,many\n",
	"keyword,volume\nshoes,-5\n",
	"keyword,volume\nshoes,99999999999999999999\n",
	"keyword,volume,difficulty\nshoes,+5,101\n",
	"keyword,colour\nshoes,red\n",
	"volume\n5\n",
	"keyword,\nshoes,\n",
	"keyword,keyword\na,b\n",
	"keyword,volume,difficulty,intent\nragged\nmore,1,2,navigational,extra,fields\n",
	"keyword\n",
	"",
	"\ufeff",
	"   \n",
	"keyword\n\"a\"\"quoted\"\"\"\n",
	"keyword\n a \"b\n",
	"keyword\n日本語のキーワード\n🏃‍♀️ shoes\n\u00a0nbsp\u00a0\n\x00nul\n",
	"keyword\n" + strings.Repeat("k", 201) + "\n",
	"keyword\n" + strings.Repeat("row\n", domain.MaxBulkKeywords),
	"keyword\n" + strings.Repeat("row\n", domain.MaxBulkKeywords+1),
}

// FuzzParseKeywordCSV: any CSV either fails with a validation error (400) or
// yields 1-1000 rows, each of which validates or fails with a validation
// error naming a keyword field.
func FuzzParseKeywordCSV(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		what := fmt.Sprintf("CSV %q", text)
		rows, err := parseKeywordCSV(text)
		if err != nil {
			ve := checkValidationError(t, what, err)
			if ve.Field != "csv" && ve.Field != "keywords" {
				t.Fatalf("%s: error names field %q, want csv or keywords", what, ve.Field)
			}
			if rows != nil {
				t.Fatalf("%s: rows returned with an error", what)
			}
			return
		}
		if len(rows) == 0 || len(rows) > domain.MaxBulkKeywords {
			t.Fatalf("%s: %d rows", what, len(rows))
		}
		checkKeywordRows(t, what, rows)
	})
}

// TestDecodeErrors: decoding errors are 400s whose message and field say
// what is wrong.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		into  func() any
		field string
		msg   string // a substring of the message
	}{
		{"wrong type", `{"name": 5}`, func() any { return &createAccountRequest{} }, "name", "must be a string, not number"},
		{"wrong type in a site", `{"name": "a", "url": "https://a.io", "platform": 3}`, func() any { return &domain.NewSite{} }, "platform", "must be a string"},
		{"wrong type in a patch", `{"time_zone": false}`, func() any { return &domain.SitePatch{} }, "time_zone", "not bool"},
		{"fraction for an integer", `{"amount": 1.5}`, func() any { return &grantRequest{} }, "amount", "must be an integer"},
		{"string for an integer", `{"amount": "5"}`, func() any { return &grantRequest{} }, "amount", "must be an integer, not string"},
		{"overflowing integer", `{"amount": 1e30}`, func() any { return &grantRequest{} }, "amount", "must be an integer"},
		{"string for an array", `{"ids": "abc"}`, func() any { return &bulkDeleteRequest{} }, "ids", "must be an array"},
		{"array for a string", `{"ids": ["a"], "status": ["new"]}`, func() any { return &bulkStatusRequest{} }, "status", "must be a string, not array"},
		{"nested wrong type", `{"keywords":[{"keyword":"a","volume":"lots"}]}`, func() any { return &addKeywordsRequest{} }, "keywords.volume", "must be an integer"},
		{"object for an array", `{"keywords":{"keyword":"a"}}`, func() any { return &addKeywordsRequest{} }, "keywords", "must be an array"},
		{"unknown field", `{"name": "a", "owner": "me"}`, func() any { return &createAccountRequest{} }, "owner", "unknown field"},
		{"unknown nested field", `{"keywords":[{"kw":"a"}]}`, func() any { return &addKeywordsRequest{} }, "kw", "unknown field"},
		{"malformed JSON", `{"name" "x"}`, func() any { return &createAccountRequest{} }, "", "malformed JSON at byte"},
		{"truncated JSON", `{"name": "x",`, func() any { return &createAccountRequest{} }, "", "ends too early"},
		{"trailing comma", `{"name": "x",}`, func() any { return &createAccountRequest{} }, "", "malformed JSON"},
		{"trailing value", `{"name": "a"} {"name": "b"}`, func() any { return &createAccountRequest{} }, "", "found more after it"},
		{"trailing garbage", `{"name": "a"} x`, func() any { return &createAccountRequest{} }, "", "found more after it"},
		{"stray closing brace", `{"name": "a"}}`, func() any { return &createAccountRequest{} }, "", "found more after it"},
		{"stray closing bracket", `{"name": "a"}]`, func() any { return &createAccountRequest{} }, "", "found more after it"},
		{"empty body", ``, func() any { return &createAccountRequest{} }, "", "request body is empty"},
		{"blank body", " \r\n\t ", func() any { return &domain.NewSite{} }, "", "request body is empty"},
		{"array body", `[{"name": "a"}]`, func() any { return &createAccountRequest{} }, "", "body must be a JSON object, not array"},
		{"string body", `"name"`, func() any { return &domain.SitePatch{} }, "", "body must be a JSON object, not string"},
		{"byte order mark", "\ufeff{\"name\": \"a\"}", func() any { return &createAccountRequest{} }, "", "malformed JSON"},
	}
	log := quietLog()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.into()
			err := decodeBytes([]byte(tc.body), v)
			if err == nil {
				t.Fatalf("%q into %T decoded: %+v", tc.body, v, v)
			}
			ve := checkValidationError(t, tc.name, err)
			if ve.Field != tc.field {
				t.Errorf("field %q, want %q (error: %v)", ve.Field, tc.field, err)
			}
			if !strings.Contains(ve.Message, tc.msg) {
				t.Errorf("message %q does not say %q", ve.Message, tc.msg)
			}
			if tc.field != "" && !strings.HasPrefix(err.Error(), tc.field+": ") {
				t.Errorf("error %q does not start with the field", err)
			}
			// The answer carries the field, and only when there is one.
			rec := httptest.NewRecorder()
			writeError(rec, httptest.NewRequest("POST", "/v1/x", nil), log, err)
			var raw map[string]map[string]any
			if rec.Code != 400 || json.Unmarshal(rec.Body.Bytes(), &raw) != nil {
				t.Fatalf("answer %d %s", rec.Code, rec.Body)
			}
			f, has := raw["error"]["field"]
			if (tc.field == "") == has || (has && f != tc.field) {
				t.Errorf("answer %s, want field %q", rec.Body, tc.field)
			}
		})
	}
}

// TestDecodeAccepts: well-formed bodies decode into what was sent.
func TestDecodeAccepts(t *testing.T) {
	var s domain.SitePatch
	if err := decodeBytes([]byte(" {\"name\": \"New\", \"url\": null}\n"), &s); err != nil {
		t.Fatal(err)
	}
	if s.Name == nil || *s.Name != "New" || s.URL != nil || s.Platform != nil {
		t.Errorf("patch %+v", s)
	}
	var k addKeywordsRequest
	if err := decodeBytes([]byte(`{"sector_id":"sec","keywords":[{"keyword":" Trail  Shoes ","volume":10,"difficulty":5,"intent":"Commercial"}]}`), &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Keywords) != 1 || k.SectorID != "sec" {
		t.Fatalf("%+v", k)
	}
	if err := k.Keywords[0].Normalize(); err != nil || k.Keywords[0] != (domain.NewKeyword{Keyword: "Trail Shoes", Volume: 10, Difficulty: 5, Intent: "commercial"}) {
		t.Errorf("normalised %+v, %v", k.Keywords[0], err)
	}
	rows, err := parseKeywordCSV("\ufeffIntent, Keyword ,volume\r\nnavigational,\"shoes, trail\",7\r\n")
	if err != nil || len(rows) != 1 || rows[0] != (domain.NewKeyword{Keyword: "shoes, trail", Volume: 7, Intent: "navigational"}) {
		t.Errorf("csv rows %+v, %v", rows, err)
	}
}
