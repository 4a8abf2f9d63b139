package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	synErr := func() *json.SyntaxError {
		var v any
		err := json.Unmarshal([]byte(`{"a":}`), &v)
		var se *json.SyntaxError
		errors.As(err, &se)
		return se
	}()
	own := &Error{Kind: Refused, Provider: "openai", Message: "no"}
	cases := []struct {
		name string
		err  error
		kind Kind
	}{
		{"deadline", context.DeadlineExceeded, Transient},
		{"wrapped deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), Transient},
		{"canceled", context.Canceled, Transient},
		{"net timeout", &url.Error{Op: "Post", URL: "https://api.example.com/v1", Err: timeoutErr{}}, Transient},
		{"connection refused", &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}, Transient},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), Transient},
		{"unexpected EOF", fmt.Errorf("reading body: %w", io.ErrUnexpectedEOF), Transient},
		{"dns", &net.DNSError{Err: "no such host", Name: "api.example.com"}, Transient},
		{"json syntax", fmt.Errorf("decoding: %w", synErr), Transient},
		{"unknown", errors.New("something odd"), Permanent},
		{"own error passes through", fmt.Errorf("wrapped: %w", own), Refused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := Classify(tc.err)
			if e.Kind != tc.kind {
				t.Fatalf("kind %v, want %v (%v)", e.Kind, tc.kind, e)
			}
			if !errors.Is(e, tc.err) && e != own {
				t.Fatalf("the cause is lost: %v", e)
			}
		})
	}
	if Classify(nil) != nil {
		t.Fatal("Classify(nil) must be nil")
	}
	if Classify(fmt.Errorf("x: %w", own)) != own {
		t.Fatal("a *Error in the chain must be returned as is")
	}
}

func TestFromStatus(t *testing.T) {
	h := http.Header{}
	h.Set("Retry-After", "30")
	cases := []struct {
		status int
		kind   Kind
		retry  time.Duration
		msg    string
	}{
		{429, RateLimited, 30 * time.Second, "rate limited"},
		{408, Transient, 0, "408"},
		{409, Transient, 0, "409"},
		{500, Transient, 30 * time.Second, "500"},
		{502, Transient, 30 * time.Second, "502"},
		{503, Transient, 30 * time.Second, "503"},
		{529, Transient, 30 * time.Second, "Overloaded"},
		{400, Permanent, 0, "400"},
		{401, Permanent, 0, "API key is missing, wrong or revoked"},
		{402, Permanent, 0, "balance is insufficient"},
		{403, Permanent, 0, "lacks permission"},
		{404, Permanent, 0, "not found"},
		{413, Permanent, 0, "413"},
		{422, Permanent, 0, "422"},
	}
	for _, c := range cases {
		e := FromStatus("openai", c.status, h, "code_x", "vendor says: sk-proj-abcdefghijklmnop is wrong")
		if e.Kind != c.kind || e.RetryAfter != c.retry || e.Status != c.status || e.Code != "code_x" || e.Provider != "openai" {
			t.Errorf("%d: %+v", c.status, e)
		}
		if !strings.Contains(e.Error(), c.msg) {
			t.Errorf("%d: %q lacks %q", c.status, e.Error(), c.msg)
		}
		if strings.Contains(e.Error(), "sk-proj") {
			t.Errorf("%d: key in %q", c.status, e.Error())
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	cases := []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"none", hdr(), 0},
		{"nil", nil, 0},
		{"seconds", hdr("Retry-After", "20"), 20 * time.Second},
		{"fractional seconds", hdr("Retry-After", "1.5"), 1500 * time.Millisecond},
		{"http date", hdr("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat)), 90 * time.Second},
		{"date in the past", hdr("Retry-After", now.Add(-time.Minute).Format(http.TimeFormat)), 0},
		{"ms wins", hdr("Retry-After-Ms", "250", "Retry-After", "1"), 250 * time.Millisecond},
		{"openai reset headers", hdr("X-Ratelimit-Reset-Requests", "1s", "X-Ratelimit-Reset-Tokens", "6m0s"), 6 * time.Minute},
		{"anthropic reset", hdr("Anthropic-Ratelimit-Requests-Reset", now.Add(42*time.Second).Format(time.RFC3339)), 42 * time.Second},
		{"garbage", hdr("Retry-After", "soon"), 0},
	}
	for _, c := range cases {
		if got := ParseRetryAfter(c.h, now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestErrorNamesAndText(t *testing.T) {
	names := map[Kind]string{RateLimited: "Provider.RateLimited", Transient: "Provider.Transient", Permanent: "Provider.Permanent",
		Refused: "Provider.Refused", Malformed: "Provider.Malformed", 0: "Provider.Transient"}
	for k, want := range names {
		if got := (&Error{Kind: k}).ErrorName(); got != want {
			t.Errorf("%v: %q, want %q", k, got, want)
		}
	}
	e := &Error{Kind: RateLimited, Provider: "anthropic", Status: 429, Code: "rate_limit_error", RetryAfter: 12 * time.Second, Message: "slow down"}
	if got := e.Error(); got != "Provider.RateLimited: anthropic: slow down (HTTP 429, code rate_limit_error, retry after 12s)" {
		t.Errorf("Error() = %q", got)
	}
	if !e.Retryable() || (&Error{Kind: Permanent}).Retryable() || (&Error{Kind: Refused}).Retryable() || !(&Error{Kind: Malformed}).Retryable() {
		t.Error("Retryable")
	}
	cause := errors.New("cause")
	if !errors.Is(&Error{Err: cause}, cause) {
		t.Error("Unwrap")
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, secret, leak string }{
		{"Incorrect API key provided: sk-proj-AbCdEf0123456789. You can find", "", "sk-proj-AbCd"},
		{"Incorrect API key provided: sk-test-********************CDEF.", "", "CDEF"},
		{"key sk-ant-api03-xyzxyzxyzxyz rejected", "", "sk-ant"},
		{"Authorization: Bearer abcdefghijklmnop", "", "abcdefghijklmnop"},
		{`{"taskType":"authentication","apiKey":"rwKEY0123456789"}`, "", "rwKEY0123456789"},
		{"runware said rwSECRETSECRET is invalid", "rwSECRETSECRET", "rwSECRETSECRET"},
	}
	for _, c := range cases {
		got := Redact(c.in, c.secret)
		if strings.Contains(got, c.leak) {
			t.Errorf("Redact(%q) = %q still contains %q", c.in, got, c.leak)
		}
	}
	if got := Redact("the task failed: disk-123 and ask-me"); got != "the task failed: disk-123 and ask-me" {
		t.Errorf("over-redacted: %q", got)
	}
}

func TestExtractJSONObject(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{`{"a":1}`, `{"a":1}`, true},
		{"  {\"a\":1}\n", `{"a":1}`, true},
		{"```json\n{\"a\": [1, 2]}\n```", `{"a": [1, 2]}`, true},
		{"```\n{\"a\": 1}\n```", `{"a": 1}`, true},
		{"Here is the JSON:\n{\"a\": {\"b\": \"}\"}}\nHope it helps!", `{"a": {"b": "}"}}`, true},
		{`[1, 2]`, "", false},
		{`{"a": 1`, "", false},
		{"no json here", "", false},
		{``, "", false},
	}
	for _, c := range cases {
		got, ok := ExtractJSONObject(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ExtractJSONObject(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestCheckTextAndTruncated(t *testing.T) {
	res := TextResult{Text: "```json\n{\"x\":1}\n```", InputTokens: 5, OutputTokens: 7, Provider: "p"}
	got, err := CheckText(TextRequest{JSON: true}, res)
	if err != nil || got.Text != `{"x":1}` {
		t.Fatalf("%q %v", got.Text, err)
	}
	_, err = CheckText(TextRequest{JSON: true}, TextResult{Text: "nope", OutputTokens: 3, Provider: "p"})
	var e *Error
	if !errors.As(err, &e) || e.Kind != Malformed || !errors.Is(err, ErrNotJSON) || e.Result.OutputTokens != 3 {
		t.Fatalf("%v", err)
	}
	if _, err := CheckText(TextRequest{}, TextResult{Text: " \n"}); !errors.Is(err, ErrEmpty) {
		t.Fatalf("%v", err)
	}
	if got, err := CheckText(TextRequest{}, TextResult{Text: "plain text"}); err != nil || got.Text != "plain text" {
		t.Fatalf("%v", err)
	}
	tr := Truncated(TextResult{Provider: "p", OutputTokens: 100}, 100)
	if tr.Kind != Malformed || !errors.Is(tr, ErrTruncated) || tr.ErrorName() != NameMalformed || tr.Result.OutputTokens != 100 {
		t.Fatalf("%+v", tr)
	}
}

func TestCountWords(t *testing.T) {
	cases := map[string]int{
		"":                                  0,
		"<p>one two</p>":                    2,
		"<h2>Title Here</h2><p>a b c</p>":   5,
		"<ul><li>x</li><li>y z</li></ul>\n": 3,
		"<p>salt &amp; pepper</p>":          3,
		"word<br>word":                      2,
	}
	for in, want := range cases {
		if got := CountWords(in); got != want {
			t.Errorf("CountWords(%q) = %d, want %d", in, got, want)
		}
	}
}
