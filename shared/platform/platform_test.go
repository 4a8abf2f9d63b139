package platform

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/netguard"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"2.0", 2 * time.Second},
		{"2", 2 * time.Second},
		{" 1.5 ", 1500 * time.Millisecond},
		{"0", 0},
		{"-3", 0},
		{"", 0},
		{"soon", 0},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-30 * time.Second).Format(http.TimeFormat), 0},
		{"1e9", 24 * time.Hour},
		{"7", 7 * time.Second},
		{now.Add(72 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
	}
	for _, tc := range tests {
		if got := RetryAfter(tc.in, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// A nil client is the guarded one: a loopback target is refused before any
// request is sent, and the refusal is classified as ours.
func TestHTTPClientDefaultRefusesLoopback(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, err := HTTPClient(nil, time.Second).Get(srv.URL)
	if !errors.Is(err, netguard.ErrTargetNotAllowed) {
		t.Fatalf("got %v, want ErrTargetNotAllowed", err)
	}
	if pe := NetworkError("custom", "host", err); pe.Kind != TargetNotAllowed || pe.Retryable() || pe.Message != TargetNotAllowedMessage {
		t.Errorf("classified as %v", pe)
	}
	if pe := Classify("custom", err); pe.Kind != TargetNotAllowed {
		t.Errorf("Classify: %v", pe)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server saw %d requests", n)
	}
}
