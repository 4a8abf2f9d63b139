package domain

import "testing"

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"  hello  ", 10, "hello"},
		{"hello world", 5, "hello"},
		{"héllo", 2, "hé"},
		{"日本語テキスト", 3, "日本語"},
		{"", 3, ""},
		{"abc", 0, ""},
	} {
		if got := Clip(tc.in, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
