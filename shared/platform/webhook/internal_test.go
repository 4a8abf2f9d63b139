package webhook

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"7", 7 * time.Second},
		{"2.5", 2500 * time.Millisecond},
		{"0", 0},
		{"-1", 0},
		{"", 0},
		{"later", 0},
		{now.Add(2 * time.Minute).Format(http.TimeFormat), 2 * time.Minute},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{now.Add(72 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
		{"999999999", 24 * time.Hour},
	}
	for _, tc := range tests {
		if got := retryAfter(tc.in, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

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
