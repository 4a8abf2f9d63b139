package authorizer

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/igny8/igny8-serverless/shared/domain"
)

const goodKey = "ig8_goodaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

// keys is a lookup table; failWith makes every lookup fail.
type keys struct {
	known    map[string]domain.APIKey
	failWith error
	asked    []string
}

func (k *keys) LookupAPIKey(_ context.Context, plain string) (domain.APIKey, error) {
	k.asked = append(k.asked, plain)
	if k.failWith != nil {
		return domain.APIKey{}, k.failWith
	}
	if key, ok := k.known[plain]; ok {
		return key, nil
	}
	return domain.APIKey{}, domain.ErrUnauthorized
}

func request(headers map[string]string, identity ...string) events.APIGatewayV2CustomAuthorizerV2Request {
	req := events.APIGatewayV2CustomAuthorizerV2Request{Version: "2.0", Type: "REQUEST", RouteKey: "ANY /{proxy+}",
		Headers: headers, IdentitySource: identity}
	req.RequestContext.RequestID = "req-1"
	return req
}

func TestHandle(t *testing.T) {
	known := map[string]domain.APIKey{
		goodKey: {AccountID: "01HZACCOUNT", Role: domain.RoleUser},
		"ig8_adminbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb": {AccountID: "", Role: domain.RoleAdmin},
	}
	tests := []struct {
		name        string
		req         events.APIGatewayV2CustomAuthorizerV2Request
		lookupErr   error
		wantAllowed bool
		wantContext map[string]any
		wantLookup  string // the key looked up; "" for none
		wantErr     bool
	}{
		{name: "known key", req: request(map[string]string{"authorization": "Bearer " + goodKey}),
			wantAllowed: true, wantContext: map[string]any{"account_id": "01HZACCOUNT", "role": "user"}, wantLookup: goodKey},
		{name: "admin key without an account", req: request(map[string]string{"authorization": "Bearer ig8_adminbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}),
			wantAllowed: true, wantContext: map[string]any{"account_id": "", "role": "admin"}, wantLookup: "ig8_adminbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
		{name: "header name in any case", req: request(map[string]string{"Authorization": "Bearer " + goodKey}),
			wantAllowed: true, wantContext: map[string]any{"account_id": "01HZACCOUNT", "role": "user"}, wantLookup: goodKey},
		{name: "spaces around the key", req: request(map[string]string{"authorization": "Bearer   " + goodKey + "  "}),
			wantAllowed: true, wantContext: map[string]any{"account_id": "01HZACCOUNT", "role": "user"}, wantLookup: goodKey},
		{name: "identity source when the header map lacks it", req: request(nil, "Bearer "+goodKey),
			wantAllowed: true, wantContext: map[string]any{"account_id": "01HZACCOUNT", "role": "user"}, wantLookup: goodKey},
		{name: "unknown key", req: request(map[string]string{"authorization": "Bearer ig8_wrongccccccccccccccccccccccccccccccccccccccccccccccc"}), wantLookup: "ig8_wrongccccccccccccccccccccccccccccccccccccccccccccccc"},
		{name: "no header", req: request(map[string]string{"accept": "application/json"})},
		{name: "empty bearer", req: request(map[string]string{"authorization": "Bearer    "})},
		// Not a key we issue: denied without reading the table.
		{name: "malformed key", req: request(map[string]string{"authorization": "Bearer ig8_short"})},
		{name: "random token", req: request(map[string]string{"authorization": "Bearer " + strings.Repeat("Z", 56)})},
		{name: "upper-case key", req: request(map[string]string{"authorization": "Bearer " + strings.ToUpper(goodKey)})},
		{name: "basic auth", req: request(map[string]string{"authorization": "Basic dXNlcjpwdw=="})},
		{name: "bare key without the scheme", req: request(map[string]string{"authorization": goodKey})},
		// RFC 9110: the auth scheme is case-insensitive, in the API too.
		{name: "lower-case scheme", req: request(map[string]string{"authorization": "bearer " + goodKey}),
			wantAllowed: true, wantContext: map[string]any{"account_id": "01HZACCOUNT", "role": "user"}, wantLookup: goodKey},
		{name: "upper-case scheme", req: request(map[string]string{"authorization": "BEARER " + goodKey}),
			wantAllowed: true, wantContext: map[string]any{"account_id": "01HZACCOUNT", "role": "user"}, wantLookup: goodKey},
		{name: "scheme glued to the key", req: request(map[string]string{"authorization": "Bearer" + goodKey})},
		{name: "another scheme that starts like it", req: request(map[string]string{"authorization": "Bearerx " + goodKey})},
		{name: "store failure is an error, not a cached deny", req: request(map[string]string{"authorization": "Bearer " + goodKey}),
			lookupErr: errors.New("ProvisionedThroughputExceededException"), wantLookup: goodKey, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			k := &keys{known: known, failWith: tc.lookupErr}
			a := Authorizer{Keys: k, Log: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			res, err := a.Handle(context.Background(), tc.req)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			switch {
			case tc.wantErr:
				// An error is not an answer: API Gateway sends a 500.
				if res.IsAuthorized || res.Context != nil {
					t.Fatalf("a failed lookup answered %+v", res)
				}
			case !tc.wantAllowed:
				// A denial passes the request on with the denial and no
				// account, for the API to refuse in its own shape.
				if !res.IsAuthorized || len(res.Context) != 1 || res.Context[ContextDenied] != DeniedUnauthorized {
					t.Fatalf("denial answered %+v", res)
				}
				if v, ok := VerdictOf(res.Context); !ok || v.Err() != domain.ErrUnauthorized {
					t.Fatalf("the API reads the denial as %+v %v", v, ok)
				}
			default:
				if !res.IsAuthorized {
					t.Fatalf("allow answered %+v", res)
				}
				if _, denied := res.Context[ContextDenied]; denied {
					t.Fatalf("an allow carries a denial: %v", res.Context)
				}
				if v, ok := VerdictOf(res.Context); !ok || v.Err() != nil {
					t.Fatalf("the API reads the allow as %+v %v", v, ok)
				}
			}
			if tc.wantAllowed {
				if len(res.Context) != len(tc.wantContext) {
					t.Fatalf("context %v, want %v", res.Context, tc.wantContext)
				}
				for k, v := range tc.wantContext {
					if res.Context[k] != v {
						t.Fatalf("context %v, want %v", res.Context, tc.wantContext)
					}
				}
			} else if _, ok := res.Context[ContextAccountID]; ok {
				t.Fatalf("a denial names an account: %v", res.Context)
			}
			switch {
			case tc.wantLookup == "" && len(k.asked) != 0:
				t.Fatalf("looked up %q for a request without a bearer key", k.asked)
			case tc.wantLookup != "" && (len(k.asked) != 1 || k.asked[0] != tc.wantLookup):
				t.Fatalf("looked up %q, want %q", k.asked, tc.wantLookup)
			}
			for _, secret := range []string{goodKey, "ig8_wrongccccccccccccccccccccccccccccccccccccccccccccccc", "ig8_adminbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "dXNlcjpwdw=="} {
				if strings.Contains(logs.String(), secret) {
					t.Fatalf("the log holds a key: %s", logs.String())
				}
			}
			if err != nil && strings.Contains(err.Error(), goodKey) {
				t.Fatalf("the error holds the key: %v", err)
			}
		})
	}
}

// A nil logger is allowed (tests, tools).
func TestHandleWithoutLogger(t *testing.T) {
	a := Authorizer{Keys: &keys{}}
	res, err := a.Handle(context.Background(), request(map[string]string{"authorization": "Bearer x"}))
	if err != nil || res.Context[ContextDenied] != DeniedUnauthorized {
		t.Fatalf("%+v %v", res, err)
	}
}

// The API reads the authorizer's context failing closed: only a context
// with a role and no denial is an allow.
func TestVerdictOf(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		wantOK  bool
		wantErr error
	}{
		{"no authorizer", nil, false, nil},
		{"allow", map[string]any{"account_id": "01HZ", "role": "user"}, true, nil},
		{"admin allow", map[string]any{"account_id": "", "role": "admin"}, true, nil},
		{"denied", map[string]any{"denied": "unauthorized"}, true, domain.ErrUnauthorized},
		{"forbidden", map[string]any{"denied": "forbidden"}, true, domain.ErrForbidden},
		{"unknown denial code", map[string]any{"denied": "banana"}, true, domain.ErrUnauthorized},
		{"empty denial", map[string]any{"denied": ""}, true, domain.ErrUnauthorized},
		{"denial beside an account", map[string]any{"denied": "unauthorized", "account_id": "01HZ", "role": "user"}, true, domain.ErrUnauthorized},
		{"empty context", map[string]any{}, true, domain.ErrUnauthorized},
		{"role not a string", map[string]any{"account_id": "01HZ", "role": 1}, true, domain.ErrUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := VerdictOf(tc.ctx)
			if ok != tc.wantOK || v.Err() != tc.wantErr {
				t.Fatalf("VerdictOf(%v) = %+v %v (err %v), want ok %v err %v", tc.ctx, v, ok, v.Err(), tc.wantOK, tc.wantErr)
			}
			if got, ok2 := FromContext(WithContext(context.Background(), tc.ctx)); got != v || ok2 != ok {
				t.Fatalf("FromContext = %+v %v, VerdictOf = %+v %v", got, ok2, v, ok)
			}
		})
	}
}
