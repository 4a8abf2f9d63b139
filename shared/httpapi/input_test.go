package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// An ID we could never have issued is a 404 on every route, before any
// handler runs: the API here has no store, so a handler that ran would panic,
// and authentication (which asks the store) has not run either. A 2,000
// character ID used to reach DynamoDB, which refuses keys over 1 KiB: a 500.
func TestPathIDsAreCheckedBeforeAnyHandler(t *testing.T) {
	h := New(nil, nil, nil, nil, nil, "", quietLog())
	bad := []string{strings.Repeat("a", 2000), strings.Repeat("7", domain.MaxIDLen+1), "a%00b", "a%20b", "-lead", "%E2%80%AEab"}
	n := 0
	for _, rt := range apiRoutes(t) {
		if !strings.Contains(rt.path, "{") {
			continue
		}
		for _, id := range bad {
			path := pathParamRE.ReplaceAllString(rt.path, id)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(rt.method, path, strings.NewReader(`{}`)))
			var eb ErrorBody
			if rec.Code != http.StatusNotFound || json.Unmarshal(rec.Body.Bytes(), &eb) != nil || eb.Error.Code != "not_found" {
				t.Fatalf("%s %s…: %d %s", rt.method, path[:min(len(path), 60)], rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), id) {
				t.Errorf("%s %s: the answer echoes the ID", rt.method, rt.path)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no route with a path parameter")
	}
}

func TestWildcards(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{"GET /v1/health", nil},
		{"POST /v1/sites/{site}/content/{content}/publish", []string{"site", "content"}},
		{"GET /files/{path...}", []string{"path"}},
		{"GET /{$}", nil},
	}
	for _, tc := range tests {
		if got := wildcards(tc.pattern); !slices.Equal(got, tc.want) {
			t.Errorf("wildcards(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
}

// The ID pattern of openapi.json is domain.ValidID's.
func TestOpenAPIIDPatternIsValidID(t *testing.T) {
	doc := loadSpec(t)
	s := componentSchema(t, doc, "ID")
	re := regexp.MustCompile(s.Pattern)
	if s.MaxLength == nil || *s.MaxLength != domain.MaxIDLen {
		t.Fatalf("maxLength %v, want %d", s.MaxLength, domain.MaxIDLen)
	}
	for _, id := range []string{"01HZX3K9Q2ABCDEFGHJKMNPQRS", "gpt-4o-mini", "a", "x.y_z:1-2", "-a", ".a", "a b", "a/b", "", "é", "a\x00"} {
		if re.MatchString(id) != domain.ValidID(id) {
			t.Errorf("%q: pattern says %v, ValidID %v", id, re.MatchString(id), domain.ValidID(id))
		}
	}
}

// A body that is null, or not UTF-8, is a 400: json.Unmarshal takes null as
// "no change", which once started an automation run from the body `null`.
func TestDecodeRefusesNullAndInvalidUTF8(t *testing.T) {
	tests := []struct {
		name, body string
		into       any
		msg        string
	}{
		{"null into a struct", `null`, &createAccountRequest{}, "body must be a JSON object, not null"},
		{"null with spaces", " \n null \t", &domain.NewSite{}, "body must be a JSON object, not null"},
		{"null into a map", `null`, &map[string][]string{}, "body must be a JSON object, not null"},
		{"null into the empty struct", `null`, &struct{}{}, "body must be a JSON object, not null"},
		{"number into the empty struct", `5`, &struct{}{}, "body must be a JSON object, not number"},
		{"invalid UTF-8", "{\"name\": \"a\xff\xfeb\"}", &createAccountRequest{}, "not valid UTF-8"},
		{"UTF-16", "\xff\xfe{\x00}\x00", &createAccountRequest{}, "not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeBytes([]byte(tc.body), tc.into)
			ve := checkValidationError(t, tc.name, err)
			if !strings.Contains(ve.Message, tc.msg) {
				t.Errorf("message %q does not say %q", ve.Message, tc.msg)
			}
		})
	}
}

// A body that may be left out is still checked when it is sent, however it
// is sent: a chunked body has no Content-Length.
func TestDecodeOptionalJSON(t *testing.T) {
	req := func(body, ct string, chunked bool) *http.Request {
		r := httptest.NewRequest("POST", "/v1/x", strings.NewReader(body))
		if chunked {
			r.ContentLength = -1
		}
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		return r
	}
	var none struct{}
	for _, ok := range []*http.Request{req("", "", false), req("", "text/plain", false), req(" \n", "", true), req("{}", "", true), req(" {} ", "application/json", false)} {
		if err := decodeOptionalJSON(ok, MaxBody, &none); err != nil {
			t.Errorf("refused: %v", err)
		}
	}
	for _, bad := range []*http.Request{req("null", "", true), req("null", "application/json", false), req(`{"a":1}`, "", true), req("[]", "", false)} {
		var ve *domain.ValidationError
		if err := decodeOptionalJSON(bad, MaxBody, &none); !errors.As(err, &ve) {
			t.Errorf("accepted or not a 400: %v", err)
		}
	}
	if err := decodeOptionalJSON(req("{}", "text/plain", false), MaxBody, &none); !errors.Is(err, errUnsupportedMedia) {
		t.Errorf("a text/plain body: %v", err)
	}
}

// We read every body as UTF-8, so a body declared in another charset is a
// 415 rather than misread.
func TestMediaTypeCharset(t *testing.T) {
	for ct, want := range map[string]bool{
		"":                                                true,
		"application/json":                                true,
		"application/json; charset=utf-8":                 true,
		"application/json; charset=UTF-8":                 true,
		"Application/JSON;charset=\"utf-8\"":              true,
		"application/json; charset=utf-16":                false,
		"application/json; charset=UTF-16LE":              false,
		"application/json; charset=iso-8859-1":            false,
		"application/json; charset=":                      false,
		"application/json; charset=utf-16;;":              false,
		"application/json; charset=utf-8; charset=utf-16": false,
		"text/plain; charset=utf-8":                       false,
	} {
		r := httptest.NewRequest("POST", "/v1/x", nil)
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		err := mediaType(r, "application/json")
		if (err == nil) != want || (err != nil && !errors.Is(err, errUnsupportedMedia)) {
			t.Errorf("%q: %v", ct, err)
		}
	}
	r := httptest.NewRequest("POST", "/v1/x", nil)
	r.Header.Set("Content-Type", "text/csv; charset=utf-16")
	if err := mediaType(r, "text/csv"); !errors.Is(err, errUnsupportedMedia) {
		t.Errorf("CSV in UTF-16: %v", err)
	}
}

// A client's request ID is echoed and logged: one that is not printable
// ASCII is replaced by one of ours.
func TestRequestIDShape(t *testing.T) {
	h := New(nil, nil, nil, nil, nil, "", quietLog())
	for id, kept := range map[string]bool{"req-123": true, "0f8fad5b-d9cb-469f-a165-70867728950e": true, "JnP8whYxIAMEMZQ=": true,
		"evil\u202eid": false, "a b": false, strings.Repeat("r", 129): false, "": false} {
		req := httptest.NewRequest("GET", "/v1/health", nil)
		req.Header.Set("X-Request-Id", id)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get("X-Request-Id")
		if (got == id) != kept || !printableID(got) {
			t.Errorf("X-Request-Id %q answered %q", id, got)
		}
	}
}
