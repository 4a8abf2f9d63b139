package respbuf

import (
	"net/http"
	"testing"
)

func TestWriter(t *testing.T) {
	w := New()
	if w.Status() != http.StatusOK || len(w.Body()) != 0 {
		t.Fatalf("empty writer: %d %q", w.Status(), w.Body())
	}
	w.Header().Set("Allow", "GET")
	w.WriteHeader(http.StatusMethodNotAllowed)
	w.WriteHeader(http.StatusOK) // ignored, as net/http does
	_, _ = w.Write([]byte("a"))
	_, _ = w.Write([]byte("b"))
	if w.Status() != http.StatusMethodNotAllowed || string(w.Body()) != "ab" || w.Header().Get("Allow") != "GET" {
		t.Fatalf("got %d %q %v", w.Status(), w.Body(), w.Header())
	}
	w = New()
	_, _ = w.Write([]byte("x"))
	if w.Status() != http.StatusOK {
		t.Fatalf("a write without WriteHeader is 200, got %d", w.Status())
	}
}
