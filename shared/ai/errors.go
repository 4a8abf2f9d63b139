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
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/igny8/igny8-serverless/shared/netguard"
)

// Kind classifies a provider failure by what the caller should do about it.
//
//   - RateLimited: the vendor asked us to slow down (HTTP 429). Retry after
//     RetryAfter (when the vendor said) with backoff.
//   - Transient: the call did not complete properly (timeouts, connection
//     errors, 408/409/5xx, Anthropic 529 "overloaded", a response body that
//     cannot be decoded). The same request may well succeed: retry with backoff.
//   - Permanent: the request or the account is wrong (400/401/403/404/422,
//     unknown model, quota or balance exhausted, context too long). Retrying
//     the same request cannot help: fail the item and tell a human.
//   - Refused: the vendor's safety system refused the content (OpenAI
//     content_policy_violation / moderation_blocked / content_filter / a
//     refusal message, Anthropic stop_reason "refusal", Runware NSFW). Do not
//     retry the same prompt; surface it to the user.
//   - Malformed: the model answered, but the answer cannot be used as is: it
//     was cut off at the token limit (OpenAI finish_reason "length",
//     Anthropic stop_reason "max_tokens"), it is not the JSON object JSON
//     mode asked for, or it is empty. This is its own kind, not Transient,
//     because the right policy differs: sampling makes a second attempt
//     likely to succeed, so one or two retries are worth it, but the tokens of
//     every attempt are billed by the vendor (Error.Result carries them) and a
//     truncation that repeats means MaxTokens is too small for the job, which
//     no amount of retrying fixes. Step Functions can give
//     "Provider.Malformed" its own small MaxAttempts instead of inheriting the
//     generous backoff of "Provider.Transient". errors.Is(err, ErrTruncated)
//     and errors.Is(err, ErrNotJSON) tell the two causes apart.
//
// An unparseable HTTP envelope (a 200 whose body is not the vendor's JSON) is
// Transient, not Malformed: it is a transport or proxy failure, not model
// output, and no usage is known for it.
type Kind int

// The kinds. The zero Kind is not used; ErrorName reports it as Transient.
const (
	Transient Kind = iota + 1
	RateLimited
	Permanent
	Refused
	Malformed
)

// The error names Step Functions Retry/Catch match on (ErrorEquals). A Lambda
// handler reports them as the errorType of its invoke error.
const (
	NameTransient   = "Provider.Transient"
	NameRateLimited = "Provider.RateLimited"
	NamePermanent   = "Provider.Permanent"
	NameRefused     = "Provider.Refused"
	NameMalformed   = "Provider.Malformed"
)

func (k Kind) String() string {
	switch k {
	case RateLimited:
		return "rate_limited"
	case Permanent:
		return "permanent"
	case Refused:
		return "refused"
	case Malformed:
		return "malformed"
	default:
		return "transient"
	}
}

// Sentinels wrapped (as Err) by Malformed errors.
var (
	// ErrTruncated: the answer stopped at the token limit.
	ErrTruncated = errors.New("output truncated at the token limit")
	// ErrNotJSON: JSON mode was requested but the answer is not one JSON object.
	ErrNotJSON = errors.New("output is not a JSON object")
	// ErrEmpty: the vendor returned no answer at all.
	ErrEmpty = errors.New("empty output")
)

// Error is a classified provider failure. Message is safe to log and to show
// to an administrator: it never contains an API key.
type Error struct {
	Kind       Kind
	Provider   string
	Status     int           // HTTP status, 0 when there was no response
	Code       string        // vendor error code/type, e.g. "rate_limit_error", "content_policy_violation"
	RetryAfter time.Duration // RateLimited: how long the vendor asked us to wait (0 = not said)
	Message    string
	Err        error // the cause, for errors.Is/As; its text is not part of Error()
	// Result is what the vendor returned before the problem was found
	// (Malformed, Refused): the text and the tokens it billed, so the caller
	// can still account for them.
	Result *TextResult
}

// Error renders "Provider.Kind: provider: message (HTTP status, code, retry after)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.ErrorName())
	b.WriteString(": ")
	if e.Provider != "" {
		b.WriteString(e.Provider)
		b.WriteString(": ")
	}
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String() + " error"
	}
	b.WriteString(msg)
	var extra []string
	if e.Status != 0 {
		extra = append(extra, "HTTP "+strconv.Itoa(e.Status))
	}
	if e.Code != "" {
		extra = append(extra, "code "+e.Code)
	}
	if e.RetryAfter > 0 {
		extra = append(extra, "retry after "+e.RetryAfter.String())
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return Redact(b.String())
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrorName is the Step Functions error name: "Provider.RateLimited",
// "Provider.Transient", "Provider.Permanent", "Provider.Refused" or
// "Provider.Malformed".
func (e *Error) ErrorName() string {
	switch e.Kind {
	case RateLimited:
		return NameRateLimited
	case Permanent:
		return NamePermanent
	case Refused:
		return NameRefused
	case Malformed:
		return NameMalformed
	default:
		return NameTransient
	}
}

// Retryable reports whether running the same request again may succeed.
func (e *Error) Retryable() bool {
	return e.Kind != Permanent && e.Kind != Refused
}

// Classify returns err's classification. A *Error anywhere in the chain is
// returned as is. Otherwise: deadlines, timeouts, cancellations, connection
// errors and a body that could not be read or decoded are Transient;
// anything else is Permanent (an unknown error is most likely a bug or a
// configuration mistake, which retrying does not fix). nil → nil.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	msg := Redact(err.Error())
	transient := func(m string) *Error { return &Error{Kind: Transient, Message: m, Err: err} }
	switch {
	case errors.Is(err, netguard.ErrTargetNotAllowed):
		// A base URL or an image URL naming an internal target: retrying
		// cannot help, and nothing was sent.
		return &Error{Kind: Permanent, Message: "the provider address is a private, loopback or internal target, which is not allowed (add its host:port to OUTBOUND_ALLOW_HOSTS to allow it)", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return transient("request timed out: " + msg)
	case errors.Is(err, context.Canceled):
		return transient("request canceled: " + msg)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return transient("request timed out: " + msg)
	}
	var ue *url.Error
	var oe *net.OpError
	var de *net.DNSError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &oe), errors.As(err, &de), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return transient("connection failed: " + msg)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return transient("connection closed early: " + msg)
	case errors.As(err, &se), errors.As(err, &te):
		return transient("unreadable response body: " + msg)
	case errors.As(err, &ue):
		// Any other transport failure of an HTTP request (TLS, proxy, redirect).
		return transient("request failed: " + msg)
	}
	return &Error{Kind: Permanent, Message: msg, Err: err}
}

// IsTransportError reports whether err is a failure of the connection rather
// than of the content: a deadline, a cancellation, a network timeout or a
// dial/read/write error.
func IsTransportError(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

// FromStatus classifies an HTTP error response. message is the vendor's
// human text (redacted here), code its machine code. header supplies
// Retry-After for 429s (and 503s that carry one).
//
//	429                              → RateLimited (RetryAfter from the headers)
//	408, 409, 425, 5xx, 529          → Transient
//	401                              → Permanent, "API key missing or invalid"
//	403                              → Permanent, "API key lacks permission"
//	402                              → Permanent, "account balance insufficient"
//	other 4xx (400, 404, 413, 422 …) → Permanent
func FromStatus(provider string, status int, header http.Header, code, message string) *Error {
	e := &Error{Provider: provider, Status: status, Code: code}
	message = strings.TrimSpace(Redact(message))
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = RateLimited
		e.RetryAfter = ParseRetryAfter(header, time.Now())
		e.Message = withDetail("rate limited by the provider", message)
	case status == http.StatusRequestTimeout || status == http.StatusConflict || status == http.StatusTooEarly:
		e.Kind = Transient
		e.Message = withDetail(fmt.Sprintf("provider answered %d %s", status, http.StatusText(status)), message)
	case status >= 500:
		e.Kind = Transient
		e.RetryAfter = ParseRetryAfter(header, time.Now())
		text := http.StatusText(status)
		if status == 529 {
			text = "Overloaded"
		}
		e.Message = withDetail(strings.TrimSpace(fmt.Sprintf("provider unavailable: %d %s", status, text)), message)
	case status == http.StatusUnauthorized:
		e.Kind = Permanent
		e.Message = withDetail("the API key is missing, wrong or revoked: check the key configured for "+orUnknown(provider), message)
	case status == http.StatusForbidden:
		e.Kind = Permanent
		e.Message = withDetail("the API key is valid but lacks permission for this model or endpoint: check the key's permissions for "+orUnknown(provider), message)
	case status == http.StatusPaymentRequired:
		e.Kind = Permanent
		e.Message = withDetail("the provider account balance is insufficient: top it up at "+orUnknown(provider), message)
	case status == http.StatusNotFound:
		e.Kind = Permanent
		e.Message = withDetail("not found (unknown model or wrong base URL)", message)
	default:
		e.Kind = Permanent
		e.Message = withDetail(fmt.Sprintf("request rejected: %d %s", status, http.StatusText(status)), message)
	}
	return e
}

func orUnknown(s string) string {
	if s == "" {
		return "the provider"
	}
	return s
}

func withDetail(summary, detail string) string {
	if detail == "" {
		return summary
	}
	return summary + ": " + detail
}

// ParseRetryAfter reads how long a rate-limited caller should wait, from, in
// order: retry-after-ms (OpenAI), Retry-After (seconds or an HTTP-date), the
// OpenAI x-ratelimit-reset-requests / -tokens durations ("1s", "6m0s") and the
// Anthropic anthropic-ratelimit-*-reset RFC 3339 times (the latest of each
// group). 0 when none is present or parseable.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil {
			if s > 0 {
				return time.Duration(s * float64(time.Second))
			}
			return 0
		}
		if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(now); d > 0 {
				return d.Round(time.Second)
			}
			return 0
		}
	}
	var best time.Duration
	for _, k := range []string{"X-Ratelimit-Reset-Requests", "X-Ratelimit-Reset-Tokens"} {
		if d, err := time.ParseDuration(strings.TrimSpace(h.Get(k))); err == nil && d > best {
			best = d
		}
	}
	if best > 0 {
		return best
	}
	for _, k := range []string{"Anthropic-Ratelimit-Requests-Reset", "Anthropic-Ratelimit-Tokens-Reset",
		"Anthropic-Ratelimit-Input-Tokens-Reset", "Anthropic-Ratelimit-Output-Tokens-Reset"} {
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(h.Get(k))); err == nil {
			if d := t.Sub(now); d > best {
				best = d.Round(time.Second)
			}
		}
	}
	return best
}

var secretPatterns = []*regexp.Regexp{
	// OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-), including the
	// partially masked form vendors echo back ("sk-abc***********wxyz").
	regexp.MustCompile(`\bsk-[A-Za-z0-9_\-\*\.]{4,}`),
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9_\-\.\*=]{8,}`),
	regexp.MustCompile(`(?i)("?(?:api[_-]?key|x-api-key|apikey)"?\s*[:=]\s*"?)[^"\s,}]+`),
}

// Redact removes credentials from s: each non-empty secret given (an exact
// API key) and anything shaped like an OpenAI/Anthropic key, a bearer token
// or an "apiKey": value.
func Redact(s string, secrets ...string) string {
	for _, k := range secrets {
		if len(k) >= 4 {
			s = strings.ReplaceAll(s, k, "[REDACTED]")
		}
	}
	for i, re := range secretPatterns {
		if i == 2 {
			s = re.ReplaceAllString(s, "${1}[REDACTED]")
			continue
		}
		s = re.ReplaceAllString(s, "[REDACTED]")
	}
	return s
}
