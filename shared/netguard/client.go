package netguard

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// Defaults for Options left zero.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 10 << 20
)

// Options tunes NewClient; zero fields take the defaults.
type Options struct {
	Timeout          time.Duration // whole request, body read included
	MaxResponseBytes int64         // a body read past this fails with ErrResponseTooLarge
}

// NewClient returns an http.Client that dials through a Dialer enforcing p,
// ignores proxy environment variables (a proxy would connect on our behalf,
// past the dial check), returns redirects to the caller instead of following
// them (the next hop is another user-controlled target the caller must vet),
// and caps the whole request time and the response size.
func NewClient(p Policy, opts Options) *http.Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	t := &http.Transport{
		Proxy:                 nil,
		DialContext:           NewDialer(p).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: &capTransport{next: t, limit: opts.MaxResponseBytes},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
		Timeout: opts.Timeout,
	}
}

// capTransport wraps every response body in a cappedBody.
type capTransport struct {
	next  http.RoundTripper
	limit int64
}

func (c *capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, limit: c.limit}
	return resp, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (c *capTransport) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// cappedBody hands out at most limit bytes and then fails, where
// io.LimitReader would end quietly and a caller would take a cut body for a
// whole one.
type cappedBody struct {
	rc    io.ReadCloser
	limit int64
	read  int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.read > b.limit {
		return 0, b.tooLarge()
	}
	// Ask for at most one byte past the cap: enough to know it was passed.
	if room := b.limit - b.read + 1; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return n - int(b.read-b.limit), b.tooLarge()
	}
	return n, err
}

func (b *cappedBody) tooLarge() error {
	return fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, b.limit)
}

func (b *cappedBody) Close() error { return b.rc.Close() }
