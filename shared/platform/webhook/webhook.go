// Package webhook publishes posts to a custom site: it POSTs a signed JSON
// event to a URL the site owner runs (a platform.Site).
// It is the adapter for sites that are neither WordPress nor Shopify.
//
// # The receiver's contract
//
// A webhook cannot be searched, so Find always answers "not found" and
// de-duplication is the receiver's job. Every content.publish request carries
// the content ID in Idempotency-Key and X-IGNY8-Content-Id, and a receiver
// MUST answer a content ID it has already seen with the same {"id","url"} it
// answered the first time, without making a second post. The publisher
// retries after timeouts and 5xx answers, so the receiver will see repeats.
//
// A receiver also MUST check the signature before acting. Deliveries are
// signed per the Standard Webhooks specification (standardwebhooks.com), so
// any of its libraries verifies them with the secret as shown to the site
// owner: headers webhook-id (one per message, the same on every retry of it:
// "msg_" and the content ID for a publish), webhook-timestamp (Unix seconds)
// and webhook-signature, "v1," + base64(HMAC-SHA256(key, id + "." +
// timestamp + "." + raw body)), where the key is the base64 after "whsec_".
// Verify does this for receivers written in Go; it also rejects stale
// timestamps, which stops a captured request being replayed later. Several
// space-separated signatures are accepted, so a secret can be rotated.
//
// Secrets made before deliveries followed the specification are unpadded
// URL-safe base64: they sign and Verify unchanged (the key is the same
// bytes), and a Standard Webhooks library takes the same key written as
// "whsec_" + standard base64 (StandardSecret converts), or a new secret
// (connecting the site again makes one).
//
// # Other decisions
//
//   - Redirects are not followed: a 301/302 turns a POST into a GET and
//     drops the body, and a receiver that moved is a setting to fix.
//   - Errors name the URL's host only; the path or query may carry a
//     site's own token, and the secret is never echoed (it is scrubbed from
//     any text the receiver sends back).
//   - The URL comes from the site owner. The caller should pass an
//     http.Client whose dialer refuses private and link-local addresses
//     (SSRF); this package does not decide which networks are private.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/platform"
)

// Name is the platform name in errors.
const Name = "custom"

// Events.
const (
	EventPublish = "content.publish"
	EventPing    = "ping"
)

// Request headers.
const (
	HeaderEvent          = "X-IGNY8-Event"
	HeaderContentID      = "X-IGNY8-Content-Id"
	HeaderIdempotencyKey = "Idempotency-Key"
	// The Standard Webhooks headers.
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how old (or how far ahead) a timestamp Verify accepts
// when given a tolerance <= 0.
const DefaultTolerance = 5 * time.Minute

// SecretPrefix starts every secret NewSecret makes.
const SecretPrefix = "whsec_"

const (
	maxBody    = 1 << 20 // the most of an answer we read
	maxDetail  = 200     // the most of a receiver's error text we quote
	defTimeout = 30 * time.Second
)

// Verify's errors.
var (
	ErrNoSecret         = errors.New("webhook: no usable secret to verify with")
	ErrMissingID        = errors.New("webhook: missing " + HeaderID)
	ErrMissingTimestamp = errors.New("webhook: missing or malformed " + HeaderTimestamp)
	ErrMissingSignature = errors.New("webhook: missing " + HeaderSignature)
	ErrTimestamp        = errors.New("webhook: timestamp outside the tolerance")
	ErrSignature        = errors.New("webhook: signature does not match")
)

// Config is one connected custom site.
type Config struct {
	URL    string // where content.publish and ping events are POSTed
	Secret string // the signing secret (NewSecret)
}

// Payload is the body of a content.publish event.
type Payload struct {
	Event         string        `json:"event"`
	ContentID     string        `json:"content_id"`
	Title         string        `json:"title"`
	HTML          string        `json:"html"`
	Excerpt       string        `json:"excerpt"`
	MetaTitle     string        `json:"meta_title"`
	Slug          string        `json:"slug"`
	Categories    []string      `json:"categories"`
	Tags          []string      `json:"tags"`
	PublishAt     string        `json:"publish_at"` // RFC 3339, UTC
	FeaturedImage *PayloadImage `json:"featured_image"`
	// InArticleImages are inline too; html places each as
	// <img src="cid:<filename>">, which the receiver replaces with the URL
	// it serves the image at (as e-mail does with cid: parts).
	InArticleImages []PayloadImage `json:"in_article_images"`
}

// PayloadImage is an image, inline.
type PayloadImage struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Alt         string `json:"alt"`
	DataBase64  string `json:"data_base64"` // standard base64, padded
}

func payloadImage(img platform.Image) PayloadImage {
	ct := img.ContentType
	if ct == "" && len(img.Data) > 0 {
		ct = http.DetectContentType(img.Data)
	}
	return PayloadImage{Filename: img.Filename, ContentType: ct, Alt: img.Alt, DataBase64: base64.StdEncoding.EncodeToString(img.Data)}
}

// Client posts to one webhook. It is safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
	now func() time.Time
}

var _ platform.Site = (*Client)(nil)

// New returns a client for the webhook. hc may be nil (a client with a 30 s
// timeout); it is copied, never changed, to turn off redirects. now may be
// nil (time.Now).
func New(cfg Config, hc *http.Client, now func() time.Time) *Client {
	c := platform.HTTPClient(hc, defTimeout)
	if now == nil {
		now = time.Now
	}
	cfg.URL = strings.TrimSpace(cfg.URL)
	return &Client{cfg: cfg, hc: c, now: now}
}

// Find cannot search a webhook: the receiver de-duplicates (see the package
// comment), so Find reports not found and Create is always safe to call.
func (c *Client) Find(context.Context, string) (platform.Remote, bool, error) {
	return platform.Remote{}, false, nil
}

// Create POSTs a content.publish event and returns the receiver's id and url.
func (c *Client) Create(ctx context.Context, p platform.Post) (platform.Remote, error) {
	if err := c.validate(); err != nil {
		return platform.Remote{}, err
	}
	if strings.TrimSpace(p.ContentID) == "" || strings.ContainsAny(p.ContentID, "\r\n") {
		return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name,
			Message: "the post has no usable content ID"}
	}
	now := c.now()
	pl := Payload{
		Event: EventPublish, ContentID: p.ContentID, Title: p.Title, HTML: p.HTML,
		Excerpt: p.Excerpt, MetaTitle: p.MetaTitle, Slug: p.Slug,
		Categories: nonNil(p.Categories), Tags: nonNil(p.Tags),
	}
	at := p.PublishAt
	if at.IsZero() {
		at = now
	}
	pl.PublishAt = at.UTC().Format(time.RFC3339)
	if img := p.FeaturedImage; img != nil {
		pi := payloadImage(*img)
		pl.FeaturedImage = &pi
	}
	pl.InArticleImages = []PayloadImage{}
	var figs []platform.Figure
	for _, img := range p.InArticleImages {
		pi := payloadImage(img)
		pl.InArticleImages = append(pl.InArticleImages, pi)
		figs = append(figs, platform.Figure{URL: "cid:" + pi.Filename, Alt: pi.Alt})
	}
	pl.HTML = platform.PlaceFigures(p.HTML, figs)
	body, err := marshal(pl)
	if err != nil {
		return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "could not encode the post", Err: err}
	}

	h := http.Header{}
	h.Set(HeaderEvent, EventPublish)
	h.Set(HeaderContentID, p.ContentID)
	h.Set(HeaderIdempotencyKey, p.ContentID)
	h.Set(HeaderID, "msg_"+p.ContentID) // the same message on every retry
	status, data, err := c.post(ctx, h, body, now, false)
	if err != nil {
		return platform.Remote{}, err
	}

	var out struct {
		ID  json.RawMessage `json:"id"`
		URL any             `json:"url"`
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return platform.Remote{}, c.permanent(status, "the webhook answered without an id")
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name, Status: status,
			Message: `the webhook's answer is not JSON: it must answer {"id": …, "url": …}`, Err: err}
	}
	id, ok := idString(out.ID)
	if !ok {
		return platform.Remote{}, c.permanent(status, "the webhook answered with an id that is not a string or a number")
	}
	if id == "" {
		return platform.Remote{}, c.permanent(status, "the webhook answered without an id")
	}
	var u string
	switch v := out.URL.(type) {
	case nil:
	case string:
		u = strings.TrimSpace(v)
	default:
		return platform.Remote{}, c.permanent(status, "the webhook answered with a url that is not a string")
	}
	return platform.Remote{ID: id, URL: u}, nil
}

// Check POSTs a signed ping event; any 2xx answer is a working receiver.
func (c *Client) Check(ctx context.Context) error {
	if err := c.validate(); err != nil {
		return err
	}
	h := http.Header{}
	h.Set(HeaderEvent, EventPing)
	_, _, err := c.post(ctx, h, []byte(`{"event":"ping"}`), c.now(), true)
	return err
}

func (c *Client) validate() error {
	u, err := url.Parse(c.cfg.URL)
	switch {
	case c.cfg.URL == "":
		return misconfigured("the webhook URL is missing")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return misconfigured("the webhook URL must be an absolute http(s) URL")
	case c.cfg.Secret == "":
		return misconfigured("the webhook secret is missing: generate one and give it to the receiver")
	}
	return nil
}

func misconfigured(msg string) *platform.Error {
	return &platform.Error{Kind: platform.Misconfigured, Platform: Name, Message: msg}
}

func (c *Client) permanent(status int, msg string) *platform.Error {
	return &platform.Error{Kind: platform.Permanent, Platform: Name, Status: status, Message: msg}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// marshal encodes v without HTML escaping (the body is signed as sent, and
// receivers read it more easily).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// idString reads the receiver's id: a non-empty string or a JSON number.
func idString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s), true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// post sends one signed request and returns a 2xx answer's status and body,
// or the classified error.
func (c *Client) post(ctx context.Context, h http.Header, body []byte, now time.Time, check bool) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, nil, misconfigured("the webhook URL is invalid")
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "igny8-publisher/1")
	if req.Header.Get(HeaderID) == "" { // a ping: a message of its own
		req.Header.Set(HeaderID, "msg_ping_"+strconv.FormatInt(now.UnixNano(), 36))
	}
	sig, err := Sign(c.cfg.Secret, req.Header.Get(HeaderID), ts, body)
	if err != nil {
		return 0, nil, misconfigured("the webhook's signing secret is unusable: connect the site again for a new one")
	}
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, sig)

	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, c.networkError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, c.networkError(err)
	}
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, data, nil
	}
	return 0, nil, c.classify(resp, data, check)
}

func (c *Client) host() string {
	if u, err := url.Parse(c.cfg.URL); err == nil && u.Host != "" {
		return u.Host
	}
	return "the webhook URL"
}

func (c *Client) networkError(err error) *platform.Error {
	e := platform.NetworkError(Name, c.host(), err)
	e.Message = c.scrub(e.Message)
	return e
}

// classify turns a non-2xx answer into a *platform.Error. check: the answer
// is to a ping, where 404/405/410 mean nothing receives webhooks there.
func (c *Client) classify(resp *http.Response, body []byte, check bool) *platform.Error {
	status := resp.StatusCode
	e := &platform.Error{Platform: Name, Status: status, Detail: c.scrub(errorDetail(resp.Header.Get("Content-Type"), body))}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = platform.RateLimited
		e.RetryAfter = platform.RetryAfter(resp.Header.Get("Retry-After"), c.now())
		e.Message = "the site asked us to slow down: retrying later"
	case status >= 500 || status == http.StatusRequestTimeout:
		e.Kind = platform.Transient
		e.RetryAfter = platform.RetryAfter(resp.Header.Get("Retry-After"), c.now())
		e.Message = fmt.Sprintf("the site's receiver failed (%d %s)", status, http.StatusText(status))
	case status == http.StatusUnauthorized:
		e.Kind = platform.Unauthorized
		e.Message = "the site refused the request as unauthorized: make sure the receiver checks the signature with the current webhook secret"
	case status == http.StatusForbidden:
		e.Kind = platform.Forbidden
		e.Message = "the site refused the request (forbidden): make sure the receiver accepts our requests"
	case status/100 == 3:
		e.Kind = platform.Permanent
		e.Message = "the webhook URL redirects"
		if lu, err := url.Parse(resp.Header.Get("Location")); err == nil && lu.Host != "" {
			e.Message += " to " + lu.Host
		}
		e.Message += ": set the final URL"
	case check && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed || status == http.StatusGone):
		e.Kind = platform.NotPlatform
		e.Message = fmt.Sprintf("nothing at the webhook URL accepts the webhook (%d %s): check the URL", status, http.StatusText(status))
	default:
		e.Kind = platform.Permanent
		e.Message = fmt.Sprintf("the site rejected the request (%d %s)", status, http.StatusText(status))
	}
	return e
}

// scrub removes the secret from text the receiver or the network sent back.
func (c *Client) scrub(s string) string {
	if c.cfg.Secret == "" {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.Secret, "[secret]")
}

// errorDetail is the receiver's explanation: a JSON "error", "message" or
// "errors" field, or the first line of a plain-text body; never HTML.
func errorDetail(contentType string, body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"error", "message", "errors", "detail"} {
			raw, ok := m[k]
			if !ok {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) == nil {
				return excerpt(s)
			}
			var inner map[string]json.RawMessage
			if json.Unmarshal(raw, &inner) == nil {
				if json.Unmarshal(inner["message"], &s) == nil {
					return excerpt(s)
				}
			}
			return excerpt(string(raw))
		}
		return ""
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/plain") {
		line, _, _ := strings.Cut(string(body), "\n")
		return excerpt(line)
	}
	return ""
}

// excerpt is s on one line, cut to at most maxDetail bytes (a receiver's
// text can be anything; the bound is on what we store) with "…" when cut.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxDetail {
		return s
	}
	s = s[:maxDetail]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Sign returns the webhook-signature value of message id with body, sent at
// timestamp (Unix seconds): "v1," + base64(HMAC-SHA256(key, id.timestamp.body)).
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := signingKey(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, timestamp, body)), nil
}

func mac(key []byte, id string, timestamp int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	m.Write(body)
	return m.Sum(nil)
}

// signingKey is the HMAC key a secret names: the base64 after "whsec_"
// (standard, as the specification has it; or unpadded URL-safe, as secrets
// made before were).
func signingKey(secret string) ([]byte, error) {
	enc := strings.TrimPrefix(strings.TrimSpace(secret), SecretPrefix)
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding, base64.RawStdEncoding} {
		if key, err := e.DecodeString(enc); err == nil && len(key) > 0 {
			return key, nil
		}
	}
	return nil, ErrNoSecret
}

// StandardSecret writes secret's key the way Standard Webhooks libraries
// read it ("whsec_" + standard base64): for secrets made before deliveries
// followed the specification.
func StandardSecret(secret string) (string, error) {
	key, err := signingKey(secret)
	if err != nil {
		return "", err
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// Verify checks a request's webhook-id, webhook-timestamp and
// webhook-signature against its raw body, for receivers written in Go. It
// rejects a timestamp more than tolerance (DefaultTolerance when <= 0)
// before or after now, and accepts any one of several space-separated
// signatures. The comparison is constant-time. The errors are ErrNoSecret,
// ErrMissingID, ErrMissingTimestamp, ErrMissingSignature, ErrTimestamp and
// ErrSignature.
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	key, err := signingKey(secret)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id := header.Get(HeaderID)
	if id == "" {
		return ErrMissingID
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(header.Get(HeaderTimestamp)), 10, 64)
	if err != nil {
		return ErrMissingTimestamp
	}
	sigs := strings.TrimSpace(header.Get(HeaderSignature))
	if sigs == "" {
		return ErrMissingSignature
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > tolerance || age < -tolerance {
		return ErrTimestamp
	}
	want := mac(key, id, ts, body)
	ok := false
	for _, s := range strings.Fields(sigs) {
		b64, found := strings.CutPrefix(s, "v1,")
		if !found {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			ok = true // no early return: every candidate costs the same
		}
	}
	if !ok {
		return ErrSignature
	}
	return nil
}

// NewSecret returns a new random signing secret as Standard Webhooks has
// them: "whsec_" and 32 random bytes in standard base64.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24+)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}
