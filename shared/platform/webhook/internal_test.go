package webhook

import (
	"strings"
	"testing"
)

func TestErrorDetail(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct{ ct, body, want string }{
		{"application/json", `{"error":"nope"}`, "nope"},
		{"application/json", `{"message":"  two\n lines "}`, "two lines"},
		{"application/json", `{"error":{"code":1,"message":"inner"}}`, "inner"},
		{"application/json", `{"errors":["a","b"]}`, `["a","b"]`},
		{"application/json", `{"ok":false}`, ""},
		{"text/plain; charset=utf-8", "first line\nsecond", "first line"},
		{"text/html", "<html>x</html>", ""},
		{"", "", ""},
	}
	for _, tc := range tests {
		if got := errorDetail(tc.ct, []byte(tc.body)); got != tc.want {
			t.Errorf("errorDetail(%q, %q) = %q, want %q", tc.ct, tc.body, got, tc.want)
		}
	}
	if got := errorDetail("text/plain", []byte(long)); len(got) > maxDetail+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("long detail not clipped: %d bytes", len(got))
	}
}
