package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/igny8/igny8-serverless/shared/authorizer"
)

// seen is what the wrapped handler observed.
type seen struct {
	called bool
	req    *http.Request
	body   string
	ctxID  string
}

// event returns a minimal valid v2 event for method and rawPath.
func event(method, rawPath string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: rawPath}
	ev.Headers = map[string]string{"host": "api.example.com"}
	ev.RequestContext.RequestID = "gw-req-1"
	ev.RequestContext.DomainName = "abc123.execute-api.us-east-1.amazonaws.com"
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.HTTP.Path = rawPath
	ev.RequestContext.HTTP.SourceIP = "203.0.113.7"
	return ev
}

func TestHandler(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe}
	tests := []struct {
		name    string
		event   func() events.APIGatewayV2HTTPRequest
		respond func(w http.ResponseWriter) // nil: write nothing
		noCall  bool                        // the handler must not run
		check   func(t *testing.T, s *seen, resp events.APIGatewayV2HTTPResponse)
	}{
		{
			name: "method, path and query string",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("POST", "/v1/items/a%2Fb")
				ev.RawQueryString = "limit=10&cursor=a%2Bb&tag=x&tag=y"
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				r := s.req
				if r.Method != "POST" || r.URL.Path != "/v1/items/a/b" || r.URL.EscapedPath() != "/v1/items/a%2Fb" {
					t.Errorf("method/path = %s %s (escaped %s)", r.Method, r.URL.Path, r.URL.EscapedPath())
				}
				q := r.URL.Query()
				if q.Get("limit") != "10" || q.Get("cursor") != "a+b" || len(q["tag"]) != 2 {
					t.Errorf("query = %v", q)
				}
				if r.RequestURI != "/v1/items/a%2Fb?limit=10&cursor=a%2Bb&tag=x&tag=y" {
					t.Errorf("RequestURI = %q", r.RequestURI)
				}
			},
		},
		{
			name: "path falls back to requestContext.http.path",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("GET", "/v1/health")
				ev.RawPath = ""
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if s.req.URL.Path != "/v1/health" {
					t.Errorf("path = %q", s.req.URL.Path)
				}
			},
		},
		{
			name: "host, domain name fallback and remote address",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("GET", "/")
				delete(ev.Headers, "host")
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if s.req.Host != "abc123.execute-api.us-east-1.amazonaws.com" {
					t.Errorf("Host = %q", s.req.Host)
				}
				if s.req.RemoteAddr != "203.0.113.7:0" {
					t.Errorf("RemoteAddr = %q", s.req.RemoteAddr)
				}
			},
		},
		{
			name:  "host header wins",
			event: func() events.APIGatewayV2HTTPRequest { return event("GET", "/") },
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if s.req.Host != "api.example.com" || s.req.Header.Get("Host") != "" {
					t.Errorf("Host = %q, header %q", s.req.Host, s.req.Header.Get("Host"))
				}
			},
		},
		{
			name: "multi-value request header stays comma-joined",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("GET", "/")
				ev.Headers["accept"] = "text/html,application/json"
				ev.Headers["x-custom"] = "a,b"
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if got := s.req.Header.Get("Accept"); got != "text/html,application/json" {
					t.Errorf("Accept = %q", got)
				}
				if got := s.req.Header.Get("X-Custom"); got != "a,b" {
					t.Errorf("X-Custom = %q", got)
				}
			},
		},
		{
			name: "cookies array becomes the Cookie header",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("GET", "/")
				ev.Cookies = []string{"session=abc", "theme=dark"}
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				c, err := s.req.Cookie("theme")
				if err != nil || c.Value != "dark" || len(s.req.Cookies()) != 2 {
					t.Errorf("cookies = %v (%v)", s.req.Cookies(), err)
				}
			},
		},
		{
			name: "plain request body",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("POST", "/")
				ev.Body = `{"name":"x"}`
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if s.body != `{"name":"x"}` || s.req.ContentLength != 12 {
					t.Errorf("body = %q, length %d", s.body, s.req.ContentLength)
				}
			},
		},
		{
			name: "base64 request body is decoded",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("PUT", "/")
				ev.Body = base64.StdEncoding.EncodeToString(png)
				ev.IsBase64Encoded = true
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if s.body != string(png) {
					t.Errorf("body = %q", s.body)
				}
			},
		},
		{
			name: "bad base64 is a 400 and the handler is not called",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("POST", "/")
				ev.Body = "not*base64"
				ev.IsBase64Encoded = true
				return ev
			},
			noCall: true,
			check: func(t *testing.T, _ *seen, resp events.APIGatewayV2HTTPResponse) {
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal([]byte(resp.Body), &e); err != nil {
					t.Fatalf("body %q: %v", resp.Body, err)
				}
				if resp.StatusCode != 400 || e.Error.Code != "bad_request" || e.Error.Message == "" ||
					resp.Headers["Content-Type"] != "application/json" {
					t.Errorf("response = %+v", resp)
				}
			},
		},
		{
			name:  "request ID from the gateway",
			event: func() events.APIGatewayV2HTTPRequest { return event("GET", "/") },
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if got := s.req.Header.Get("X-Request-Id"); got != "gw-req-1" {
					t.Errorf("X-Request-Id = %q", got)
				}
				if s.ctxID != "gw-req-1" {
					t.Errorf("RequestID(ctx) = %q", s.ctxID)
				}
			},
		},
		{
			name: "client request ID header is kept, context has the gateway's",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("GET", "/")
				ev.Headers["x-request-id"] = "client-42"
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if got := s.req.Header.Get("X-Request-Id"); got != "client-42" {
					t.Errorf("X-Request-Id = %q", got)
				}
				if s.ctxID != "gw-req-1" {
					t.Errorf("RequestID(ctx) = %q", s.ctxID)
				}
			},
		},
		{
			name: "the authorizer's context travels with the request",
			event: func() events.APIGatewayV2HTTPRequest {
				ev := event("GET", "/v1/account")
				ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
					Lambda: map[string]any{"denied": "unauthorized"}}
				return ev
			},
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				v, ok := authorizer.FromContext(s.req.Context())
				if !ok || v.Denied != "unauthorized" {
					t.Errorf("verdict = %+v, %v", v, ok)
				}
			},
		},
		{
			name:  "no authorizer (a public route): no verdict",
			event: func() events.APIGatewayV2HTTPRequest { return event("GET", "/v1/health") },
			check: func(t *testing.T, s *seen, _ events.APIGatewayV2HTTPResponse) {
				if v, ok := authorizer.FromContext(s.req.Context()); ok {
					t.Errorf("verdict %+v without an authorizer", v)
				}
			},
		},
		{
			name:  "default status is 200 when nothing is written",
			event: func() events.APIGatewayV2HTTPRequest { return event("GET", "/") },
			check: func(t *testing.T, _ *seen, resp events.APIGatewayV2HTTPResponse) {
				if resp.StatusCode != 200 || resp.Body != "" || resp.IsBase64Encoded {
					t.Errorf("response = %+v", resp)
				}
			},
		},
		{
			name:  "default status is 200 when only the body is written; type is sniffed",
			event: func() events.APIGatewayV2HTTPRequest { return event("GET", "/") },
			respond: func(w http.ResponseWriter) {
				io.WriteString(w, "hello")
			},
			check: func(t *testing.T, _ *seen, resp events.APIGatewayV2HTTPResponse) {
				if resp.StatusCode != 200 || resp.Body != "hello" || resp.IsBase64Encoded ||
					resp.Headers["Content-Type"] != "text/plain; charset=utf-8" {
					t.Errorf("response = %+v", resp)
				}
			},
		},
		{
			name:  "explicit status, JSON body as text, multi-value response headers",
			event: func() events.APIGatewayV2HTTPRequest { return event("POST", "/") },
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.Header().Add("Vary", "Origin")
				w.Header().Add("Vary", "Accept")
				w.WriteHeader(http.StatusCreated)
				w.WriteHeader(http.StatusTeapot) // ignored, as in net/http
				io.WriteString(w, `{"id":"é"}`)
			},
			check: func(t *testing.T, _ *seen, resp events.APIGatewayV2HTTPResponse) {
				if resp.StatusCode != 201 || resp.Body != `{"id":"é"}` || resp.IsBase64Encoded {
					t.Errorf("response = %+v", resp)
				}
				if resp.Headers["Vary"] != "Origin,Accept" {
					t.Errorf("Vary = %q", resp.Headers["Vary"])
				}
			},
		},
		{
			name:  "+json and other text types are not base64",
			event: func() events.APIGatewayV2HTTPRequest { return event("GET", "/") },
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/problem+json")
				io.WriteString(w, `{}`)
			},
			check: func(t *testing.T, _ *seen, resp events.APIGatewayV2HTTPResponse) {
				if resp.Body != `{}` || resp.IsBase64Encoded {
					t.Errorf("response = %+v", resp)
				}
			},
		},
		{
			name:  "binary response is base64",
			event: func() events.APIGatewayV2HTTPRequest { return event("GET", "/logo.png") },
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "image/png")
				w.Write(png)
			},
			check: func(t *testing.T, _ *seen, resp events.APIGatewayV2HTTPResponse) {
				got, err := base64.StdEncoding.DecodeString(resp.Body)
				if !resp.IsBase64Encoded || err != nil || string(got) != string(png) {
					t.Errorf("response = %+v", resp)
				}
			},
		},
		{
			name:  "text type with invalid UTF-8 is base64",
			event: func() events.APIGatewayV2HTTPRequest { return event("GET", "/") },
			respond: func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte{'a', 0xff})
			},
			check: func(t *testing.T, _ *seen, resp events.APIGatewayV2HTTPResponse) {
				if !resp.IsBase64Encoded || resp.Body != base64.StdEncoding.EncodeToString([]byte{'a', 0xff}) {
					t.Errorf("response = %+v", resp)
				}
			},
		},
		{
			name:  "Set-Cookie goes to the cookies array",
			event: func() events.APIGatewayV2HTTPRequest { return event("POST", "/login") },
			respond: func(w http.ResponseWriter) {
				http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/", HttpOnly: true})
				http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark"})
				w.WriteHeader(http.StatusNoContent)
			},
			check: func(t *testing.T, _ *seen, resp events.APIGatewayV2HTTPResponse) {
				if len(resp.Cookies) != 2 || resp.Cookies[0] != "session=abc; Path=/; HttpOnly" || resp.Cookies[1] != "theme=dark" {
					t.Errorf("cookies = %q", resp.Cookies)
				}
				if _, ok := resp.Headers["Set-Cookie"]; ok {
					t.Errorf("Set-Cookie left in headers: %v", resp.Headers)
				}
				if resp.StatusCode != 204 {
					t.Errorf("status = %d", resp.StatusCode)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &seen{}
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				*s = seen{called: true, req: r, body: string(b), ctxID: RequestID(r.Context())}
				if tt.respond != nil {
					tt.respond(w)
				}
			})
			resp, err := Handler(h)(context.Background(), tt.event())
			if err != nil {
				t.Fatalf("Handler: %v", err)
			}
			if s.called == tt.noCall {
				t.Fatalf("handler called: %v", s.called)
			}
			tt.check(t, s, resp)
		})
	}
}

// The Lambda context (deadline, cancellation, values) must reach the handler.
func TestHandlerUsesLambdaContext(t *testing.T) {
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "lambda"))
	cancel()
	var val any
	var ctxErr error
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		val, ctxErr = r.Context().Value(key{}), r.Context().Err()
	})
	if _, err := Handler(h)(ctx, event("GET", "/")); err != nil {
		t.Fatal(err)
	}
	if val != "lambda" || ctxErr != context.Canceled {
		t.Errorf("value %v, err %v", val, ctxErr)
	}
}

func TestRequestIDRoundTrip(t *testing.T) {
	if got := RequestID(context.Background()); got != "" {
		t.Errorf("empty context: %q", got)
	}
	if got := RequestID(WithRequestID(context.Background(), "r1")); got != "r1" {
		t.Errorf("got %q", got)
	}
}

// The sample event used with `sam local invoke -e` must decode and route.
func TestSampleEvent(t *testing.T) {
	raw, err := os.ReadFile("../../events/api-health.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	var ctxID string
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctxID = RequestID(r.Context())
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, r.Method+" "+r.URL.Path)
	})
	resp, err := Handler(echo)(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Body != "GET /v1/health" || resp.IsBase64Encoded {
		t.Errorf("response = %+v", resp)
	}
	if ctxID != ev.RequestContext.RequestID || ctxID == "" {
		t.Errorf("RequestID(ctx) = %q, event has %q", ctxID, ev.RequestContext.RequestID)
	}
}
