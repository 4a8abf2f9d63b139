package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestValidID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"01jsamp1e000000000000a0001", true},
		{"gpt-4.1", true},
		{"claude-sonnet-4-5", true},
		{"a", true},
		{strings.Repeat("a", MaxIDLen), true},
		{strings.Repeat("a", MaxIDLen+1), false},
		{strings.Repeat("a", 1019), false},
		{"", false},
		{"-leading", false},
		{".hidden", false},
		{"has space", false},
		{"slash/inside", false},
		{"hash#inside", false},
		{"nul\x00", false},
		{"ünïcode", false},
	} {
		if got := ValidID(tc.id); got != tc.want {
			t.Errorf("ValidID(%q) = %v, want %v", tc.id, got, tc.want)
		}
	}
}

func TestValidateID(t *testing.T) {
	var ve *ValidationError
	if err := ValidateID("sector_id", strings.Repeat("x", 2000)); !errors.As(err, &ve) || ve.Field != "sector_id" {
		t.Fatalf("long ID: %v", err)
	}
	if err := ValidateID("sector_id", ""); !errors.As(err, &ve) {
		t.Fatalf("empty ID: %v", err)
	}
	if err := ValidateID("sector_id", "01jsamp1e000000000000e0001"); err != nil {
		t.Fatalf("good ID: %v", err)
	}
}

func TestValidateText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		v         string
		multiline bool
		ok        bool
	}{
		{"plain", "My site", false, true},
		{"unicode", "Café — 日本語 😀", false, true},
		{"rtl letters", "שלום עולם", false, true},
		{"nul", "a\x00b", false, false},
		{"bell", "a\x07b", false, false},
		{"del", "a\x7fb", false, false},
		{"c1", "a\u0085b", false, false},
		{"newline in a name", "a\nb", false, false},
		{"newline in a text", "a\nb\tc", true, true},
		{"nul in a text", "a\x00b", true, false},
		{"rlo", "abc\u202egnp.exe", false, false},
		{"lri", "a\u2066b", true, false},
		{"pdi", "a\u2069b", false, false},
		{"invalid utf-8", "a\xffb", false, false},
	} {
		err := ValidateText("name", tc.v, tc.multiline)
		if (err == nil) != tc.ok {
			t.Errorf("%s: ValidateText(%q) = %v, want ok=%v", tc.name, tc.v, err, tc.ok)
		}
		var ve *ValidationError
		if err != nil && (!errors.As(err, &ve) || ve.Field != "name") {
			t.Errorf("%s: error %v does not name the field", tc.name, err)
		}
	}
}
