// Package apigw serves a plain net/http handler from a Lambda function behind
// an API Gateway HTTP API (payload format 2.0), so the same handler runs in
// AWS and in the local server without a framework in between.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/igny8/igny8-serverless/shared/authorizer"
	"github.com/igny8/igny8-serverless/shared/respbuf"
)

type requestIDKey struct{}

// WithRequestID returns a context carrying the request ID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the ID stored by WithRequestID, or "" if there is none.
// Behind API Gateway it is requestContext.requestId, the ID AWS logs use.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Handler adapts an http.Handler to a Lambda handler for API Gateway HTTP API
// payload format 2.0. The Lambda context becomes the request's context.
func Handler(h http.Handler) func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		r, err := newRequest(ctx, ev)
		if err != nil {
			// A client error, not a Lambda failure: answer it like the API would.
			return events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusBadRequest,
				Headers:    map[string]string{"Content-Type": "application/json"},
				Body:       `{"error":{"code":"bad_request","message":` + strconv.Quote(err.Error()) + `}}`,
			}, nil
		}
		w := respbuf.New()
		h.ServeHTTP(w, r)
		return response(w), nil
	}
}

var errBadBase64 = errors.New("request body is not valid base64")

func newRequest(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, errBadBase64
		}
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	target := path
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	id := ev.RequestContext.RequestID
	ctx = WithRequestID(ctx, id)
	// The Lambda authorizer's answer (an allow or a denial) travels with the
	// request, so the API can refuse a denied key before any handler runs.
	if a := ev.RequestContext.Authorizer; a != nil && a.Lambda != nil {
		ctx = authorizer.WithContext(ctx, a.Lambda)
	}
	r, err := http.NewRequestWithContext(ctx, ev.RequestContext.HTTP.Method, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.RequestURI = target
	// v2 joins repeated headers with commas; that is also valid HTTP, so keep it.
	for k, v := range ev.Headers {
		r.Header.Set(k, v)
	}
	// v2 moves the Cookie header into its own array.
	if len(ev.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	// net/http servers keep Host in r.Host, not in the header map.
	r.Host = r.Header.Get("Host")
	r.Header.Del("Host")
	if r.Host == "" {
		r.Host = ev.RequestContext.DomainName
	}
	// A port keeps the "host:port" shape net/http gives, so SplitHostPort works.
	r.RemoteAddr = net.JoinHostPort(ev.RequestContext.HTTP.SourceIP, "0")
	if r.Header.Get("X-Request-Id") == "" && id != "" {
		r.Header.Set("X-Request-Id", id)
	}
	return r, nil
}

// response turns the buffered answer into API Gateway's: a Lambda response
// is one value.
func response(w *respbuf.Writer) events.APIGatewayV2HTTPResponse {
	body := w.Body()
	// Sniff like net/http does, so both servers send the same Content-Type.
	if w.Header().Get("Content-Type") == "" && len(body) > 0 {
		w.Header().Set("Content-Type", http.DetectContentType(body))
	}
	resp := events.APIGatewayV2HTTPResponse{StatusCode: w.Status(), Headers: map[string]string{}}
	for k, vs := range w.Header() {
		if k == "Set-Cookie" {
			// Cookies cannot be comma-joined (their dates contain commas).
			resp.Cookies = append(resp.Cookies, vs...)
			continue
		}
		resp.Headers[k] = strings.Join(vs, ",")
	}
	// Text travels as is; anything else (or text that is not UTF-8, which the
	// JSON envelope would corrupt) is base64 and API Gateway decodes it.
	if isText(w.Header().Get("Content-Type")) && utf8.Valid(body) {
		resp.Body = string(body)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = len(body) > 0
	}
	return resp
}

func isText(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return strings.HasPrefix(mt, "text/") ||
		mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/xml" || strings.HasSuffix(mt, "+xml") ||
		strings.Contains(mt, "javascript") ||
		mt == "application/x-www-form-urlencoded"
}
