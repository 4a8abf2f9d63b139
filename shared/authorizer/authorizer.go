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

// The context an authorized request carries to the API function, under
// requestContext.authorizer.lambda in its event.
const (
	ContextAccountID = "account_id"
	ContextRole      = "role"
)

// Authorizer answers API Gateway's authorization requests.
type Authorizer struct {
	Keys Keys
	Log  *slog.Logger
}

// Handle authorizes a request that carries "Authorization: Bearer <key>"
// with a known key, and answers the key's account and role as context. A
// missing, malformed or unknown key is a deny. Any other failure (DynamoDB
// unreachable, throttled) is an error, never a deny: API Gateway answers it
// with a 500 and, unlike a deny, does not cache it against a valid key.
// Neither the key nor its hash is ever logged.
func (a Authorizer) Handle(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	deny := events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}
	key, ok := bearer(req)
	if !ok {
		a.log().InfoContext(ctx, "denied", "reason", "no bearer token", "route", req.RouteKey, "request_id", req.RequestContext.RequestID)
		return deny, nil
	}
	if !domain.WellFormedAPIKey(key) {
		a.log().InfoContext(ctx, "denied", "reason", "not a key we issue", "route", req.RouteKey, "request_id", req.RequestContext.RequestID)
		return deny, nil
	}
	k, err := a.Keys.LookupAPIKey(ctx, key)
	if errors.Is(err, domain.ErrUnauthorized) {
		a.log().InfoContext(ctx, "denied", "reason", "unknown key", "route", req.RouteKey, "request_id", req.RequestContext.RequestID)
		return deny, nil
	}
	if err != nil {
		a.log().ErrorContext(ctx, "key lookup failed", "error", err.Error(), "request_id", req.RequestContext.RequestID)
		return deny, errors.New("authorizer: key lookup failed")
	}
	a.log().DebugContext(ctx, "authorized", "account_id", k.AccountID, "role", string(k.Role), "request_id", req.RequestContext.RequestID)
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: true,
		Context:      map[string]any{ContextAccountID: k.AccountID, ContextRole: string(k.Role)},
	}, nil
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
