package secretbox

import (
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	b, err := New("a-long-enough-secret")
	if err != nil {
		t.Fatal(err)
	}
	s := b.Seal("acct#site", []byte("abcd efgh ijkl"))
	if strings.Contains(s, "abcd") {
		t.Fatalf("sealed value shows the plain text: %s", s)
	}
	got, err := b.Open("acct#site", s)
	if err != nil || string(got) != "abcd efgh ijkl" {
		t.Fatalf("open: %q %v", got, err)
	}
	if s2 := b.Seal("acct#site", []byte("abcd efgh ijkl")); s2 == s {
		t.Fatal("two seals of the same value are equal: the nonce is not random")
	}
	other, _ := New("another-long-secret")
	// A character in the middle carries six real bits (the last ones of
	// unpadded base64 may carry padding only).
	mid := len(s) / 2
	swap := byte('A')
	if s[mid] == 'A' {
		swap = 'B'
	}
	tampered := s[:mid] + string(swap) + s[mid+1:]
	for name, tc := range map[string]struct {
		box           *Box
		owner, sealed string
	}{
		"other owner": {b, "acct#other", s},
		"other key":   {other, "acct#site", s},
		"tampered":    {b, "acct#site", tampered},
		"garbage":     {b, "acct#site", "v1.!!"},
		"no version":  {b, "acct#site", "abc"},
	} {
		if _, err := tc.box.Open(tc.owner, tc.sealed); err != ErrOpen {
			t.Errorf("%s: got %v, want ErrOpen", name, err)
		}
	}
	if _, err := New("short"); err == nil {
		t.Error("a short key was accepted")
	}
}
