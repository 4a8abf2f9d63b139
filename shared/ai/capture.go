package ai

import (
	"net/http"
	"sync"
)

// Capture records the last HTTP response an SDK client saw, so a failure can
// be classified by status and headers even when the SDK could not decode
// the body into an API error. Its Middleware fits the OpenAI and Anthropic
// SDKs' option.WithMiddleware (both take a plain func of this shape).
type Capture struct {
	mu     sync.Mutex
	status int
	header http.Header
}

// Middleware records the response and passes it on unchanged.
func (c *Capture) Middleware(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	res, err := next(req)
	if res != nil {
		c.mu.Lock()
		c.status, c.header = res.StatusCode, res.Header.Clone()
		c.mu.Unlock()
	}
	return res, err
}

// Status is the last status seen (0: none).
func (c *Capture) Status() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

// Last is the last status and headers seen.
func (c *Capture) Last() (int, http.Header) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status, c.header
}

// Unrecognized classifies err, which the SDK did not turn into its API
// error type, by the last response seen: an error status whose body was not
// the vendor's error JSON (a proxy's HTML page, an empty 502), a 2xx whose
// body could not be decoded (a broken proxy or a cut connection, not a
// wrong request), or no response at all. apiKey is redacted from the
// message.
func (c *Capture) Unrecognized(provider string, err error, apiKey string) *Error {
	status, header := c.Last()
	if status >= 400 {
		e := FromStatus(provider, status, header, "", "")
		e.Err = err
		return e
	}
	e := Classify(err)
	if status/100 == 2 && !IsTransportError(err) {
		e = &Error{Kind: Transient, Message: "unreadable response body: " + err.Error(), Err: err}
	}
	e.Provider, e.Status = provider, status
	e.Message = Redact(e.Message, apiKey)
	return e
}
