// Package aitest fakes an AI vendor's HTTP API for the adapters' tests: a
// server that records what it received, canned JSON answers, an answer
// that never comes, and the checks every adapter's *ai.Error must pass.
package aitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// Request is one request the fake server received, its JSON body decoded
// (nil when it is not a JSON object).
type Request struct {
	Method, Path string
	Header       http.Header
	Body         map[string]any
}

// Recorder keeps the requests a fake server received.
type Recorder struct {
	mu   sync.Mutex
	reqs []Request
}

// All is every request so far, oldest first.
func (rc *Recorder) All() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Request(nil), rc.reqs...)
}

// Count is how many requests arrived.
func (rc *Recorder) Count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.reqs)
}

// Last is the latest request; the test fails when there is none.
func (rc *Recorder) Last(t *testing.T) Request {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		t.Fatal("the server received no request")
	}
	return rc.reqs[len(rc.reqs)-1]
}

// Server serves respond for every request, after recording it; it closes
// when the test ends.
func Server(t *testing.T, respond http.HandlerFunc) (*httptest.Server, *Recorder) {
	t.Helper()
	rc := &Recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		rc.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, rc
}

// WriteJSON answers status with body as JSON; headers are name, value pairs.
func WriteJSON(w http.ResponseWriter, status int, body string, headers ...string) {
	for i := 0; i+1 < len(headers); i += 2 {
		w.Header().Set(headers[i], headers[i+1])
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// JSON is a handler that always answers WriteJSON(status, body, headers...).
func JSON(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, status, body, headers...) }
}

// Hang answers nothing until the client gives up (or 3 seconds pass), to
// test timeouts.
func Hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(3 * time.Second):
	}
}

// Want is what an adapter's error must be. Zero Status and nil Is are not
// checked; Retry always is. Provider "" only requires one to be set.
type Want struct {
	Kind     ai.Kind
	Provider string
	Status   int
	Retry    time.Duration
	Is       error
	Msg      string   // contained in the message
	Secrets  []string // never in the message (the API key and its prefix)
}

// CheckError fails the test unless err is an *ai.Error as w describes,
// which ai.Classify returns unchanged; it answers that error.
func CheckError(t *testing.T, err error, w Want) *ai.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %v error, got nil", w.Kind)
	}
	var e *ai.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %T, want *ai.Error: %v", err, err)
	}
	if e.Kind != w.Kind {
		t.Fatalf("kind %v, want %v: %v", e.Kind, w.Kind, err)
	}
	if e.Provider == "" || (w.Provider != "" && e.Provider != w.Provider) {
		t.Fatalf("provider %q, want %q: %v", e.Provider, w.Provider, err)
	}
	if w.Status != 0 && e.Status != w.Status {
		t.Errorf("status %d, want %d", e.Status, w.Status)
	}
	if e.RetryAfter != w.Retry {
		t.Errorf("retry after %v, want %v", e.RetryAfter, w.Retry)
	}
	if w.Is != nil && !errors.Is(err, w.Is) {
		t.Errorf("errors.Is(%v) false: %v", w.Is, err)
	}
	if !strings.Contains(err.Error(), w.Msg) {
		t.Errorf("message %q does not contain %q", err.Error(), w.Msg)
	}
	for _, s := range w.Secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("message leaks the key: %q", err.Error())
		}
	}
	if ai.Classify(err) != e {
		t.Errorf("Classify must return the adapter's classification unchanged")
	}
	return e
}

// CheckText fails the test unless the call succeeded with want's Text, token
// counts, Provider and Model.
func CheckText(t *testing.T, got ai.TextResult, err error, want ai.TextResult) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if got.Text != want.Text || got.InputTokens != want.InputTokens || got.OutputTokens != want.OutputTokens {
		t.Fatalf("got %q %d/%d, want %q %d/%d", got.Text, got.InputTokens, got.OutputTokens, want.Text, want.InputTokens, want.OutputTokens)
	}
	if got.Provider != want.Provider || got.Model != want.Model {
		t.Fatalf("provider/model %q/%q, want %q/%q", got.Provider, got.Model, want.Provider, want.Model)
	}
}

// PNG is a small w×h PNG with a gradient, so it is not all one color.
func PNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 9), uint8(y * 9), 200, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
