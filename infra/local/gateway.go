package local

import (
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/igny8/igny8-serverless/shared/authorizer"
	"github.com/igny8/igny8-serverless/shared/catalog"
)

// gateway plays API Gateway's part in front of the API: every path but the
// public ones passes the same Lambda authorizer the cloud runs
// (shared/authorizer), in process and uncached, and its answer travels to
// the API as it does in a Lambda event. A revoked key is therefore refused
// at once here; in the cloud, within the authorizer's cache TTL.
//
// One difference is kept on purpose: a request with no Authorization header
// at all never reaches the API in the cloud (API Gateway answers its own
// 401, {"message":"Unauthorized"}); here the API answers it, in its error
// shape (docs/cloud.md).
type gateway struct {
	auth authorizer.Authorizer
	next http.Handler
}

func (g gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	header := r.Header.Get("Authorization")
	if header == "" || (r.Method == http.MethodGet && slices.Contains(catalog.PublicRoutes, r.URL.Path)) {
		g.next.ServeHTTP(w, r)
		return
	}
	req := events.APIGatewayV2CustomAuthorizerV2Request{Version: "2.0", Type: "REQUEST", RouteKey: "ANY /{proxy+}",
		RawPath: r.URL.Path, IdentitySource: []string{header}, Headers: map[string]string{}}
	for name := range r.Header {
		// Payload 2.0 lower-cases header names and comma-joins repeats.
		req.Headers[strings.ToLower(name)] = strings.Join(r.Header.Values(name), ",")
	}
	req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path = r.Method, r.URL.Path
	res, err := g.auth.Handle(r.Context(), req)
	switch {
	case err != nil:
		// API Gateway's answer to a failed authorizer (which logged why).
		gatewayAnswer(w, http.StatusInternalServerError, "Internal Server Error")
	case !res.IsAuthorized:
		gatewayAnswer(w, http.StatusForbidden, "Forbidden")
	default:
		g.next.ServeHTTP(w, r.WithContext(authorizer.WithContext(r.Context(), res.Context)))
	}
}

// gatewayAnswer is a response API Gateway writes itself, in its own shape.
func gatewayAnswer(w http.ResponseWriter, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(`{"message":"` + message + `"}`))
}
