package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestNewSiteNormalize(t *testing.T) {
	cases := []struct {
		name  string
		in    NewSite
		field string // "" means valid
	}{
		{"ok defaults", NewSite{Name: " Blog ", URL: "https://x.io"}, ""},
		{"zone", NewSite{Name: "B", URL: "https://x.io", TimeZone: "Asia/Kolkata"}, ""},
		{"missing name", NewSite{URL: "https://x.io"}, "name"},
		{"bad url", NewSite{Name: "B", URL: "x.io"}, "url"},
		{"ftp url", NewSite{Name: "B", URL: "ftp://x.io"}, "url"},
		{"bad platform", NewSite{Name: "B", URL: "https://x.io", Platform: "wix"}, "platform"},
		{"bad zone", NewSite{Name: "B", URL: "https://x.io", TimeZone: "Mars/Olympus"}, "time_zone"},
		{"local zone", NewSite{Name: "B", URL: "https://x.io", TimeZone: "Local"}, "time_zone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Normalize()
			var ve *ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.field != "" && (!errors.As(err, &ve) || ve.Field != tc.field):
				t.Fatalf("want error on %s, got %v", tc.field, err)
			}
		})
	}
	n := NewSite{Name: "B", URL: "https://x.io"}
	_ = n.Normalize()
	if n.Platform != PlatformWordPress || n.TimeZone != "UTC" {
		t.Fatalf("defaults not applied: %+v", n)
	}
}

func TestNewKeywordNormalize(t *testing.T) {
	cases := []struct {
		in    NewKeyword
		field string
		want  string
	}{
		{NewKeyword{Keyword: "  best   running  shoes "}, "", "best running shoes"},
		{NewKeyword{Keyword: "x", Intent: "Commercial"}, "", "x"},
		{NewKeyword{Keyword: "   "}, "keyword", ""},
		{NewKeyword{Keyword: "x", Volume: -1}, "volume", ""},
		{NewKeyword{Keyword: "x", Difficulty: 101}, "difficulty", ""},
		{NewKeyword{Keyword: "x", Intent: "curious"}, "intent", ""},
	}
	for _, tc := range cases {
		err := tc.in.Normalize()
		var ve *ValidationError
		if tc.field == "" {
			if err != nil || tc.in.Keyword != tc.want {
				t.Errorf("%q: got %q, %v", tc.want, tc.in.Keyword, err)
			}
			continue
		}
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("want error on %s, got %v", tc.field, err)
		}
	}
	if KeywordKey(" Best  Shoes") != KeywordKey("best shoes") {
		t.Fatal("keyword key must ignore case and spacing")
	}
}

func TestSitePatch(t *testing.T) {
	s := Site{Name: "A", URL: "https://a.io", Platform: PlatformWordPress, TimeZone: "UTC"}
	tz := "Europe/Berlin"
	if err := (SitePatch{TimeZone: &tz}).Apply(&s); err != nil || s.TimeZone != tz {
		t.Fatalf("patch: %v %+v", err, s)
	}
	bad := "Nowhere/Land"
	before := s
	if err := (SitePatch{TimeZone: &bad}).Apply(&s); err == nil || s != before {
		t.Fatalf("bad patch applied: %v %+v", err, s)
	}
	if err := (SitePatch{}).Apply(&s); err == nil {
		t.Fatal("empty patch accepted")
	}
}

func TestWellFormedAPIKey(t *testing.T) {
	good := APIKeyPrefix + strings.Repeat("a2z7", 13)
	for key, want := range map[string]bool{
		good:                           true,
		good[:len(good)-1]:             false, // short
		good + "a":                     false, // long
		strings.ToUpper(good):          false,
		"ig9_" + good[4:]:              false,
		good[:10] + "1" + good[11:]:    false, // 1 is not base32
		good[:10] + "-" + good[11:]:    false,
		strings.Repeat("x", len(good)): false,
		"":                             false,
		"Bearer " + good[:len(good)-7]: false,
	} {
		if got := WellFormedAPIKey(key); got != want {
			t.Errorf("WellFormedAPIKey(%q) = %v, want %v", key, got, want)
		}
	}
}
