// Package apitest is the client integration tests use for every API call. It
// checks each request and each response against the OpenAPI document, so the
// handlers and the published contract cannot drift apart unnoticed.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Client sends requests and validates them and their responses.
type Client struct {
	tb      testing.TB
	baseURL string
	router  routers.Router
	opts    *openapi3filter.Options
}

// Response is an answer, read in full.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// New loads the spec (an OpenAPI 3.1 JSON document) and returns a client for
// h, served by an httptest.Server that is closed when the test ends.
func New(tb testing.TB, spec []byte, h http.Handler) *Client {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return NewRemote(tb, spec, srv.URL)
}

// NewRemote is New for an API that already runs at baseURL (the local server,
// `sam local start-api`, a deployed stage). Paths given to Do are appended to
// baseURL, so a stage prefix belongs in baseURL.
func NewRemote(tb testing.TB, spec []byte, baseURL string) *Client {
	tb.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		tb.Fatalf("apitest: loading the OpenAPI document: %v", err)
		return nil
	}
	if err := doc.Validate(loader.Context); err != nil {
		tb.Fatalf("apitest: the OpenAPI document is invalid: %v", err)
		return nil
	}
	// Routes are matched on the path alone: tests talk to httptest servers,
	// not to the hosts the document's servers name.
	for _, s := range doc.Servers {
		s.URL = serverPath(s.URL)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		tb.Fatalf("apitest: building the router: %v", err)
		return nil
	}
	return &Client{
		tb:      tb,
		baseURL: strings.TrimSuffix(baseURL, "/"),
		router:  router,
		opts: &openapi3filter.Options{
			// Authentication is the API's job; the contract check only needs
			// the security schemes not to stop it.
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			IncludeResponseStatus:             true, // an undocumented status is a failure
			RejectWhenRequestBodyNotSpecified: true,
			SkipSettingDefaults:               true,
			MultiError:                        true,
			// kin-openapi checks only byte, date, date-time, ipv4 and ipv6 by
			// itself; these two are cheap to add and common in our schemas.
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
					"uuid":  openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562),
					"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
				}),
			},
		},
	}
}

// serverPath keeps only the path of a server URL ("https://h/v1" -> "/v1").
func serverPath(u string) string {
	if _, rest, ok := strings.Cut(u, "://"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return rest[i:]
		}
		return "/"
	}
	return u
}

// For returns a copy of c that reports to tb, for use inside subtests.
func (c *Client) For(tb testing.TB) *Client {
	cp := *c
	cp.tb = tb
	return &cp
}

// Do sends a request and fails the test if the request or the response does
// not match the document: undocumented path, method or status, wrong content
// type, or a body (or parameter) not matching its schema. body is nil, raw
// bytes ([]byte, string, json.RawMessage) or a value marshalled to JSON; a body
// gets Content-Type application/json unless headers (key, value pairs) set one.
func (c *Client) Do(method, path string, body any, headers ...string) *Response {
	c.tb.Helper()
	return c.do(true, method, path, body, headers)
}

// DoRaw is Do without the request check, to send deliberately invalid
// requests. The response is still checked, so error answers must match the
// documented error schema; path and method must still be documented.
func (c *Client) DoRaw(method, path string, body any, headers ...string) *Response {
	c.tb.Helper()
	return c.do(false, method, path, body, headers)
}

func (c *Client) do(checkRequest bool, method, path string, body any, headers []string) *Response {
	c.tb.Helper()
	raw, err := encode(body)
	if err != nil {
		c.tb.Fatalf("apitest: %s %s: encoding the body: %v", method, path, err)
		return nil
	}
	if len(headers)%2 != 0 {
		c.tb.Fatalf("apitest: %s %s: headers must be key, value pairs: %q", method, path, headers)
		return nil
	}
	header := http.Header{}
	for i := 0; i < len(headers); i += 2 {
		header.Add(headers[i], headers[i+1])
	}
	if body != nil && header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json")
	}

	// The document knows API paths, not baseURL, so validate a twin request.
	input, err := c.route(method, path, raw, header)
	if err != nil {
		c.tb.Errorf("apitest: %s %s: not in the OpenAPI document: %v", method, path, err)
	} else if checkRequest {
		if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
			c.tb.Errorf("apitest: %s %s: request does not match the OpenAPI document: %v", method, path, err)
		}
	}

	req, err := http.NewRequest(method, c.baseURL+path, bytes.NewReader(raw))
	if err != nil {
		c.tb.Fatalf("apitest: %s %s: %v", method, path, err)
		return nil
	}
	req.Header = header
	httpResp, err := noRedirects.Do(req)
	if err != nil {
		c.tb.Fatalf("apitest: %s %s: %v", method, path, err)
		return nil
	}
	defer httpResp.Body.Close()
	respBody, err := io.ReadAll(httpResp.Body)
	if err != nil {
		c.tb.Fatalf("apitest: %s %s: reading the response: %v", method, path, err)
		return nil
	}
	resp := &Response{Status: httpResp.StatusCode, Header: httpResp.Header, Body: respBody}
	if input != nil {
		if err := c.checkResponse(input, resp); err != nil {
			c.tb.Errorf("apitest: %s %s: response %d does not match the OpenAPI document: %v\nbody: %s",
				method, path, resp.Status, err, clip(resp.Body))
		}
	}
	return resp
}

// route finds the operation for a request to the API path.
func (c *Client) route(method, path string, body []byte, header http.Header) (*openapi3filter.RequestValidationInput, error) {
	u, err := url.Parse(path)
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequest(method, u.RequestURI(), bytes.NewReader(body))
	req.Header = header.Clone()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return nil, err
	}
	return &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: c.opts}, nil
}

func (c *Client) checkResponse(input *openapi3filter.RequestValidationInput, resp *Response) error {
	// kin-openapi accepts any body when the response documents no content;
	// an undocumented body is drift all the same.
	responses := input.Route.Operation.Responses
	ref := responses.Status(resp.Status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref != nil && ref.Value != nil && len(ref.Value.Content) == 0 && len(resp.Body) > 0 {
		return fmt.Errorf("the document gives this response no body, but it has %d bytes", len(resp.Body))
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input,
		Status:                 resp.Status,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options:                c.opts,
	})
}

// noRedirects returns 3xx answers as they are: they are the API's answers.
var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func encode(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	case string:
		return []byte(b), nil
	default:
		return json.Marshal(b)
	}
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("apitest: decoding the %d response: %v\nbody: %s", r.Status, err, clip(r.Body))
	}
}
