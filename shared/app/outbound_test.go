package app

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/igny8/igny8-serverless/shared/netguard"
)

// A bad OUTBOUND_ALLOW_HOSTS stops start-up and says which setting.
func TestBadAllowListFailsStartUp(t *testing.T) {
	t.Setenv(netguard.EnvAllowHosts, "localhost")
	err := (&App{}).allowOutbound(nil)
	if err == nil || !strings.Contains(err.Error(), netguard.EnvAllowHosts) {
		t.Fatalf("got %v, want an error naming %s", err, netguard.EnvAllowHosts)
	}
}

// The guarded client allows exactly the listed host:port (the environment's
// and the stack's own), nothing else internal.
func TestGuardedClientAllowsExactlyTheList(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(100) }))
	defer other.Close()
	t.Setenv(netguard.EnvAllowHosts, "")
	a := &App{}
	if err := a.allowOutbound([]string{strings.TrimPrefix(srv.URL, "http://")}); err != nil {
		t.Fatal(err)
	}
	if resp, err := a.Guarded.Get(srv.URL); err != nil {
		t.Fatalf("allow-listed: %v", err)
	} else {
		resp.Body.Close()
	}
	if _, err := a.Guarded.Get(other.URL); !errors.Is(err, netguard.ErrTargetNotAllowed) {
		t.Fatalf("not listed: got %v", err)
	}
	if n := hits.Load(); n != 1 || a.Connect == nil {
		t.Errorf("hits %d, want 1 (connector set: %v)", n, a.Connect != nil)
	}
}
