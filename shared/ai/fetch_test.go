package ai

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8-serverless/shared/netguard"
)

// An image URL from a provider's answer that names a loopback server is
// refused before any request, and never retried.
func TestFetchImageRefusesInternalTargets(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, _, err := FetchImage(context.Background(), nil, "openai", srv.URL+"/img.png")
	var e *Error
	if !errors.As(err, &e) || e.Kind != Permanent || !errors.Is(err, netguard.ErrTargetNotAllowed) {
		t.Fatalf("got %v, want a permanent ErrTargetNotAllowed", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server saw %d requests", n)
	}
}

// A failed download does not quote what the image host answered.
func TestFetchImageDoesNotQuoteTheBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal-secret-banner", http.StatusInternalServerError)
	}))
	defer srv.Close()
	_, _, err := FetchImage(context.Background(), srv.Client(), "openai", srv.URL)
	if err == nil || strings.Contains(err.Error(), "internal-secret-banner") {
		t.Fatalf("got %v", err)
	}
}
