// Package authorizer is the HTTP API's Lambda authorizer (API Gateway HTTP
// API, payload format 2.0, simple responses). It checks the API key in the
// Authorization header before API Gateway invokes the API function, so a
// request without a valid key costs one cached lookup and never reaches the
// API. The API still authenticates every request itself; the authorizer is
// the first gate, not the only one.
package authorizer

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// Keys finds an API key by its plain text (store.Store.LookupAPIKey: the key
// is looked up by its SHA-256 hash). An unknown key is domain.ErrUnauthorized.
type Keys interface {
	LookupAPIKey(ctx context.Context, plain string) (domain.APIKey, error)
}

// The context the authorizer answers, under requestContext.authorizer.lambda
// in the API function's event. An allow carries the key's account and role;
// a denial carries only ContextDenied, never an account.
const (
	ContextAccountID = "account_id"
	ContextRole      = "role"
	ContextDenied    = "denied"
)

// DeniedUnauthorized is the denial of a missing, malformed, unknown or
// revoked key: the API answers it with 401 in its own error shape. (Which of
// these it was is logged here, not told to the caller.)
const DeniedUnauthorized = "unauthorized"

// Authorizer answers API Gateway's authorization requests.
type Authorizer struct {
	Keys Keys
	Log  *slog.Logger
}

// Handle authorizes a request that carries "Authorization: Bearer <key>"
// with a known key, and answers the key's account and role as context.
//
// A bad key (no bearer token, malformed, unknown or revoked) is answered
// isAuthorized=true with a context that names the denial and no account:
// HTTP APIs have no gateway responses, so a real deny would reach the client
// as API Gateway's own {"message":"Forbidden"}; this way the API function
// answers it in the API's error shape, before any handler and without
// reading the table (shared/httpapi). Any other failure (DynamoDB
// unreachable, throttled) is an error, never a denial: API Gateway answers
// it with a 500 and does not cache it against a valid key. Neither the key
// nor its hash is ever logged.
func (a Authorizer) Handle(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	key, ok := bearer(req)
	if !ok {
		return a.deny(ctx, req, "no bearer token"), nil
	}
	// Not a key we issue: refused without reading the table, so random
	// tokens cost no DynamoDB read.
	if !domain.WellFormedAPIKey(key) {
		return a.deny(ctx, req, "not a key we issue"), nil
	}
	k, err := a.Keys.LookupAPIKey(ctx, key)
	if errors.Is(err, domain.ErrUnauthorized) {
		return a.deny(ctx, req, "unknown or revoked key"), nil
	}
	if err != nil {
		a.log().ErrorContext(ctx, "key lookup failed", "error", err.Error(), "request_id", req.RequestContext.RequestID)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, errors.New("authorizer: key lookup failed")
	}
	a.log().DebugContext(ctx, "authorized", "account_id", k.AccountID, "role", string(k.Role), "request_id", req.RequestContext.RequestID)
	return allow(k), nil
}

// allow is the only answer that names an account: the one of a key the
// table holds.
func allow(k domain.APIKey) events.APIGatewayV2CustomAuthorizerSimpleResponse {
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: true,
		Context:      map[string]any{ContextAccountID: k.AccountID, ContextRole: string(k.Role)},
	}
}

// deny lets the request through to the API with a denial and nothing else.
func (a Authorizer) deny(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request, reason string) events.APIGatewayV2CustomAuthorizerSimpleResponse {
	a.log().InfoContext(ctx, "denied", "reason", reason, "route", req.RouteKey, "request_id", req.RequestContext.RequestID)
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: true,
		Context:      map[string]any{ContextDenied: DeniedUnauthorized},
	}
}

// Verdict is the authorizer's answer as the API reads it from its request.
type Verdict struct {
	Denied string // "" for an allow
}

// VerdictOf reads the authorizer's context of a request (the "lambda" map
// of requestContext.authorizer). ok is false when the request did not pass
// the authorizer (the public routes; a local request without the header).
// A context that is neither a well-formed allow nor a denial is read as a
// denial: the API fails closed on anything it does not recognise.
func VerdictOf(lambdaCtx map[string]any) (v Verdict, ok bool) {
	if lambdaCtx == nil {
		return Verdict{}, false
	}
	if d, present := lambdaCtx[ContextDenied]; present {
		if s, _ := d.(string); s != "" {
			return Verdict{Denied: s}, true
		}
		return Verdict{Denied: DeniedUnauthorized}, true
	}
	if _, ok := lambdaCtx[ContextRole].(string); !ok {
		return Verdict{Denied: DeniedUnauthorized}, true
	}
	return Verdict{}, true
}

// Err is the error the API answers a denial with (nil for an allow).
func (v Verdict) Err() error {
	switch v.Denied {
	case "":
		return nil
	case DeniedForbidden:
		return domain.ErrForbidden
	default:
		return domain.ErrUnauthorized
	}
}

// DeniedForbidden is a denial of a valid key that may not call the API at
// all. The authorizer answers none today (roles are per route, decided by
// the API), but the API maps it to 403 so one can be added here alone.
const DeniedForbidden = "forbidden"

type verdictKey struct{}

// WithContext returns ctx carrying the authorizer's context of its request
// (shared/apigw puts the Lambda event's there; the local stack its own
// in-process authorizer's).
func WithContext(ctx context.Context, lambdaCtx map[string]any) context.Context {
	return context.WithValue(ctx, verdictKey{}, lambdaCtx)
}

// FromContext is the verdict carried by ctx (WithContext); ok is false when
// the request did not pass the authorizer.
func FromContext(ctx context.Context) (Verdict, bool) {
	m, _ := ctx.Value(verdictKey{}).(map[string]any)
	return VerdictOf(m)
}

// bearer is the key of the request's Authorization header. Payload 2.0
// lower-cases header names; the identity source (the same header) is the
// fallback.
func bearer(req events.APIGatewayV2CustomAuthorizerV2Request) (string, bool) {
	auth, found := "", false
	for name, v := range req.Headers {
		if strings.EqualFold(name, "authorization") {
			auth, found = v, true
			break
		}
	}
	if !found && len(req.IdentitySource) > 0 {
		auth = req.IdentitySource[0]
	}
	return BearerToken(auth)
}

// BearerToken is the key of an Authorization header value "Bearer <key>",
// read the same way here and in the API (shared/httpapi). The scheme is
// matched in any case, as RFC 9110 says auth schemes are; spaces around the
// key are ignored.
func BearerToken(auth string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(auth), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

func (a Authorizer) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.New(slog.DiscardHandler)
}
