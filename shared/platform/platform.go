// Package platform is the port every publishing target implements
// (WordPress, Shopify, a signed webhook): Site, its errors classified by
// Kind, and what the adapters share (HTTPClient, NetworkError, RetryAfter).
// The publisher depends on this package only; the adapters live in its
// subpackages and import no AWS.
package platform

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/shared/netguard"
)

// Image is a file to upload with a post (the bytes, never a remote URL:
// hosts refuse to sideload URLs and vendor URLs expire).
type Image struct {
	Filename    string
	ContentType string
	Data        []byte
	Alt         string
	// Key names an in-article image across attempts (our image ID), so an
	// adapter can find the upload an earlier attempt made; empty for the
	// featured image.
	Key string
}

// Post is one article to publish. ContentID is our content ID: adapters tag
// the remote post with it so that Find can recognise a post they made.
type Post struct {
	ContentID     string
	Title         string
	HTML          string
	Excerpt       string // the meta description
	MetaTitle     string
	Slug          string
	Categories    []string
	Tags          []string
	FeaturedImage *Image // nil: none
	// InArticleImages go into the body in this order (PlaceFigures spreads
	// them between its paragraphs); each has its Key.
	InArticleImages []Image
	PublishAt       time.Time
	SiteName        string
	SourceSystemTag string // e.g. "igny8"; adapters may ignore it
}

// Remote is a post on the platform.
type Remote struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Publisher publishes to one connected site.
type Publisher interface {
	// Find returns the post this integration already made for contentID,
	// if any (so a retry or a double fire never makes a second post).
	Find(ctx context.Context, contentID string) (Remote, bool, error)
	// Create makes the post and returns its remote ID and URL.
	Create(ctx context.Context, p Post) (Remote, error)
}

// Checker checks a connection's credentials and permissions.
type Checker interface {
	Check(ctx context.Context) error
}

// Site is a connected site: it publishes and checks its credentials. Every
// adapter's Client is one.
type Site interface {
	Publisher
	Checker
}

// Kind classifies a platform error so the publisher knows whether to retry.
type Kind string

const (
	Unreachable   Kind = "unreachable"   // DNS, refused connection, timeout: retry
	Transient     Kind = "transient"     // 5xx: retry
	RateLimited   Kind = "rate_limited"  // 429: retry after RetryAfter
	Unauthorized  Kind = "unauthorized"  // 401: fail at once
	Forbidden     Kind = "forbidden"     // 403 or a missing capability: fail at once
	NotPlatform   Kind = "not_platform"  // the URL does not serve the platform's API
	Permanent     Kind = "permanent"     // any other 4xx, a malformed answer: fail at once
	Misconfigured Kind = "misconfigured" // our settings are incomplete
	// The address is refused by the outbound guard (loopback, private,
	// link-local, an internal name): nothing was sent; fail at once.
	TargetNotAllowed Kind = "target_not_allowed"
)

// Error is a classified platform error. Message is written for the site
// owner: it says what is wrong and what to do, in our words only. What the
// remote answered goes in Detail, which is for our logs: a user-supplied
// address can name any service, and quoting its answer back (or storing it)
// would hand out what that service says.
type Error struct {
	Kind       Kind
	Platform   string // "wordpress", "shopify", "custom"
	Status     int    // the HTTP status, 0 when there was no answer
	Message    string
	Detail     string        // the remote's own error text, logs only; never in Error()
	RetryAfter time.Duration // RateLimited: how long the platform asked us to wait
	Err        error         // the underlying error, if any
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s: %d %s: %s", e.Platform, e.Status, e.Kind, e.Message)
	}
	return fmt.Sprintf("%s: %s: %s", e.Platform, e.Kind, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying again later may succeed.
func (e *Error) Retryable() bool {
	return e.Kind == Unreachable || e.Kind == Transient || e.Kind == RateLimited
}

// Classify returns err as an *Error, wrapping an unclassified one as
// Unreachable (a network failure or a timeout), or TargetNotAllowed.
func Classify(platform string, err error) *Error {
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, netguard.ErrTargetNotAllowed) {
		return targetNotAllowed(platform, err)
	}
	return &Error{Kind: Unreachable, Platform: platform, Message: err.Error(), Err: err}
}

// TargetNotAllowedMessage is what a site owner reads when the guard refused
// the address (the same words at save time, test time and publish time).
const TargetNotAllowedMessage = "the address points to a private, loopback or internal network, which we do not connect to: use the site's public address"

func targetNotAllowed(platform string, err error) *Error {
	return &Error{Kind: TargetNotAllowed, Platform: platform, Message: TargetNotAllowedMessage, Err: err}
}

// NetworkError classifies a failed request to host (no answer came): the
// guard's refusal, a timeout, a cancellation, or another network failure.
func NetworkError(platform, host string, err error) *Error {
	if errors.Is(err, netguard.ErrTargetNotAllowed) {
		return targetNotAllowed(platform, err)
	}
	msg := "could not reach " + host
	var ue *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		msg += ": timed out"
	case errors.Is(err, context.Canceled):
		msg += ": canceled"
	case errors.As(err, &ue) && ue.Timeout():
		msg += ": timed out"
	case errors.As(err, &ue):
		msg += ": " + ue.Err.Error()
	default:
		msg += ": " + err.Error()
	}
	return &Error{Kind: Unreachable, Platform: platform, Message: msg, Err: err}
}

// RetryAfter reads a Retry-After value: seconds (whole or fractional, as
// Shopify sends "2.0") or an HTTP date, relative to now. 0 when absent or
// unreadable; at most a day.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > 86400 {
			s = 86400
		}
		d = time.Duration(s * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now).Round(time.Second)
	}
	return min(max(d, 0), 24*time.Hour)
}

// HTTPClient is a copy of hc that does not follow redirects: following one
// would send the credentials wherever it points and turn a POST into a GET.
// Adapters report a redirect instead. A nil hc gets the outbound guard with
// an empty policy (nothing internal reachable) and the given timeout, so a
// forgotten client can never reach inside; tests that talk to a loopback
// server pass their own client.
func HTTPClient(hc *http.Client, timeout time.Duration) *http.Client {
	if hc == nil {
		hc = netguard.NewClient(netguard.Policy{}, netguard.Options{Timeout: timeout})
	}
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}
