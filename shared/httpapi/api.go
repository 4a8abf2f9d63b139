// Package httpapi is the HTTP API: a plain net/http handler that the API
// Lambda serves through shared/apigw and the local server serves directly.
// Each handler validates the request, calls the store or a service and
// ends with reply; errors become HTTP in one place (errors.go).
package httpapi

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/igny8/igny8-serverless/shared/authorizer"
	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ledger"
	"github.com/igny8/igny8-serverless/shared/logctx"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/respbuf"
	"github.com/igny8/igny8-serverless/shared/store"
)

// OpenAPI is the API's contract, served at /v1/openapi.json and checked by
// the integration tests against every response.
//
//go:embed openapi.json
var OpenAPI []byte

// Granter adds credits to an account (the ledger).
type Granter interface {
	Grant(ctx context.Context, account string, amount int64, idemKey, description string) (ledger.Entry, error)
}

// API holds the dependencies of the handlers.
type API struct {
	store  *store.Store
	ledger Granter
	ops    *ops.Service
	auto   *automation.Service
	pub    Publishing
	brand  string // the name users see models under, e.g. "IGNY8 AI"
	links  Linker // nil: image URLs are served as stored (the local stack's own)
	log    *slog.Logger
	mux    *http.ServeMux
}

// Linker turns a stored image URL into one a browser can load (in the cloud,
// a presigned GET of the private bucket's object).
type Linker interface {
	Link(ctx context.Context, url string) (string, error)
}

// Option changes the API New builds.
type Option func(*API)

// WithImageLinks makes every image the API answers carry l's link to it.
func WithImageLinks(l Linker) Option { return func(a *API) { a.links = l } }

// DefaultBrand names the model tiers users see ("IGNY8 AI Basic").
const DefaultBrand = "IGNY8 AI"

// New returns the API handler.
func New(st *store.Store, led Granter, svc *ops.Service, auto *automation.Service, pub *publishing.Service, brand string, log *slog.Logger, opts ...Option) http.Handler {
	if brand == "" {
		brand = DefaultBrand
	}
	a := &API{store: st, ledger: led, ops: svc, auto: auto, pub: publishingOff{}, brand: brand, log: log, mux: http.NewServeMux()}
	if pub != nil {
		a.pub = pub
	}
	for _, o := range opts {
		o(a)
	}
	a.routes()
	return a
}

type handler func(w http.ResponseWriter, r *http.Request) error

func (a *API) routes() {
	m := a.mux
	m.Handle("GET /v1/health", a.public(a.health))
	m.Handle("GET /v1/openapi.json", a.public(a.openapi))

	m.Handle("GET /v1/account", a.user(a.getAccount))
	m.Handle("GET /v1/account/transactions", a.user(a.listTransactions))
	m.Handle("GET /v1/account/api-keys", a.user(a.listAPIKeys))
	m.Handle("POST /v1/account/api-keys", a.user(a.issueAPIKey))
	m.Handle("DELETE /v1/account/api-keys/{key}", a.user(a.revokeAPIKey))

	m.Handle("POST /v1/admin/accounts", a.admin(a.createAccount))
	m.Handle("POST /v1/admin/accounts/{account}/credits", a.admin(a.grantCredits))

	m.Handle("POST /v1/sites", a.user(withBody(MaxBody, http.StatusCreated, a.createSite)))
	m.Handle("GET /v1/sites", a.user(a.listSites))
	m.Handle("GET /v1/sites/{site}", a.user(ofSite(a.store.GetSite)))
	m.Handle("PATCH /v1/sites/{site}", a.user(withBody(MaxBody, http.StatusOK, a.patchSite)))
	m.Handle("DELETE /v1/sites/{site}", a.user(a.deleteSite))
	m.Handle("POST /v1/sites/{site}/sectors", a.user(withBody(MaxBody, http.StatusCreated, a.createSector)))
	m.Handle("GET /v1/sites/{site}/sectors", a.user(sitePage(a.store.ListSectors)))

	m.Handle("POST /v1/sites/{site}/keywords", a.user(a.addKeywords))
	m.Handle("POST /v1/sites/{site}/keywords/import", a.user(a.importKeywords))
	m.Handle("GET /v1/sites/{site}/keywords", a.user(a.listKeywords))
	m.Handle("POST /v1/sites/{site}/keywords/bulk-status", a.user(a.bulkKeywordStatus))
	m.Handle("POST /v1/sites/{site}/keywords/bulk-delete", a.user(withBody(MaxBulkBody, http.StatusOK, a.bulkDeleteKeywords)))

	m.Handle("GET /v1/sites/{site}/clusters", a.user(siteList[domain.Cluster](a, store.Clusters)))
	m.Handle("GET /v1/sites/{site}/ideas", a.user(siteList[domain.ContentIdea](a, store.Ideas)))
	m.Handle("GET /v1/sites/{site}/tasks", a.user(siteList[domain.Task](a, store.Tasks)))
	m.Handle("GET /v1/sites/{site}/content", a.user(siteList[domain.Content](a, store.Contents)))
	m.Handle("GET /v1/sites/{site}/images", a.user(siteList(a, store.Images, a.brandImage)))

	m.Handle("GET /v1/sites/{site}/stats", a.user(ofSite(a.store.GetStats)))
	m.Handle("POST /v1/sites/{site}/stats/audit", a.user(ofSite(a.store.AuditStats)))

	m.Handle("POST /v1/sites/{site}/keywords/cluster", a.user(a.startOperation(domain.OperationClustering, "keyword_ids")))
	m.Handle("POST /v1/sites/{site}/clusters/generate-ideas", a.user(a.startOperation(domain.OperationIdeaGeneration, "cluster_ids")))
	m.Handle("POST /v1/sites/{site}/ideas/create-tasks", a.user(a.startOperation(domain.OperationCreateTasks, "idea_ids")))
	m.Handle("POST /v1/sites/{site}/tasks/generate-content", a.user(a.startOperation(domain.OperationContentGeneration, "task_ids")))
	m.Handle("GET /v1/sites/{site}/content/{content}", a.user(a.getContent))
	m.Handle("GET /v1/sites/{site}/content/{content}/images", a.user(a.contentImages))
	m.Handle("POST /v1/sites/{site}/content/{content}/generate-image-prompts", a.user(a.generateImagePrompts))
	m.Handle("POST /v1/sites/{site}/images/generate", a.user(a.startOperation(domain.OperationImageGeneration, "image_ids")))
	// What each would reserve, before confirming (the console's bulk actions).
	m.Handle("POST /v1/sites/{site}/keywords/cluster/estimate", a.user(a.estimateOperation(domain.OperationClustering, "keyword_ids")))
	m.Handle("POST /v1/sites/{site}/clusters/generate-ideas/estimate", a.user(a.estimateOperation(domain.OperationIdeaGeneration, "cluster_ids")))
	m.Handle("POST /v1/sites/{site}/ideas/create-tasks/estimate", a.user(a.estimateOperation(domain.OperationCreateTasks, "idea_ids")))
	m.Handle("POST /v1/sites/{site}/tasks/generate-content/estimate", a.user(a.estimateOperation(domain.OperationContentGeneration, "task_ids")))
	m.Handle("POST /v1/sites/{site}/content/{content}/generate-image-prompts/estimate", a.user(a.estimateImagePrompts))
	m.Handle("POST /v1/sites/{site}/images/generate/estimate", a.user(a.estimateOperation(domain.OperationImageGeneration, "image_ids")))
	m.Handle("GET /v1/sites/{site}/images/{image}/regenerate/quote", a.user(a.regenerateQuote))
	m.Handle("POST /v1/sites/{site}/images/{image}/regenerate", a.user(a.regenerateImage))
	m.Handle("GET /v1/operations/{operation}", a.user(a.getOperation))

	m.Handle("GET /v1/account/usage/logs", a.user(a.listUsage))
	m.Handle("GET /v1/account/ai-tasks", a.user(a.listAITasks))
	m.Handle("GET /v1/notifications", a.user(a.listNotifications))
	m.Handle("POST /v1/notifications/{notification}/read", a.user(a.readNotification))
	m.Handle("GET /v1/models", a.user(a.listModels))
	m.Handle("GET /v1/admin/models", a.admin(a.adminListModels))
	m.Handle("PUT /v1/admin/models/{model}", a.admin(a.adminPutModel))
	m.Handle("GET /v1/admin/billing", a.admin(a.adminGetBilling))
	m.Handle("PUT /v1/admin/billing", a.admin(a.adminPutBilling))

	m.Handle("GET /v1/sites/{site}/automation/config", a.user(ofSite(a.store.GetAutomationConfig)))
	m.Handle("PUT /v1/sites/{site}/automation/config", a.user(a.putAutomationConfig))
	m.Handle("GET /v1/sites/{site}/automation/estimate", a.user(ofSite(a.auto.Estimate)))
	m.Handle("POST /v1/sites/{site}/automation/runs", a.user(a.startRun))
	m.Handle("GET /v1/sites/{site}/automation/runs", a.user(sitePage(a.store.ListRuns)))
	m.Handle("GET /v1/sites/{site}/automation/runs/{run}", a.user(a.getRun))
	m.Handle("POST /v1/sites/{site}/automation/runs/{run}/pause", a.user(a.runAction(pauseRun)))
	m.Handle("POST /v1/sites/{site}/automation/runs/{run}/resume", a.user(a.runAction(resumeRun)))
	m.Handle("POST /v1/sites/{site}/automation/runs/{run}/cancel", a.user(a.runAction(cancelRun)))
	m.Handle("POST /v1/sites/{site}/content/{content}/approve", a.user(a.reviewContent(domain.ContentApproved, domain.ContentDraft, domain.ContentReview, domain.ContentRejected)))
	m.Handle("POST /v1/sites/{site}/content/{content}/reject", a.user(a.reviewContent(domain.ContentRejected, domain.ContentDraft, domain.ContentReview, domain.ContentApproved)))
	m.Handle("GET /v1/sites/{site}/publishing-settings", a.user(ofSite(a.store.GetPublishingSettings)))
	m.Handle("PATCH /v1/sites/{site}/publishing-settings", a.user(a.patchPublishingSettings))
	m.Handle("PUT /v1/sites/{site}/publishing-settings", a.user(a.putPublishingSettings))
	m.Handle("PUT /v1/sites/{site}/integration", a.user(a.putIntegration))
	m.Handle("GET /v1/sites/{site}/integration", a.user(ofSite(a.pub.Integration)))
	// 200 either way: a connection that does not work is an answer about the
	// site, not an error of the request.
	m.Handle("POST /v1/sites/{site}/integration/test", a.user(ofSite(a.pub.TestConnection)))
	m.Handle("POST /v1/sites/{site}/content/{content}/publish", a.user(ofContent(http.StatusAccepted, a.pub.PublishNow)))
	m.Handle("POST /v1/sites/{site}/content/{content}/schedule", a.user(a.scheduleContent))
	m.Handle("DELETE /v1/sites/{site}/content/{content}/schedule", a.user(ofContent(http.StatusOK, a.pub.Unschedule)))
	m.Handle("GET /v1/sites/{site}/calendar", a.user(a.calendar))
}

// ServeHTTP adds the request ID and the access log, and answers unknown
// routes and methods in JSON like every other error.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !printableID(id) {
		id = store.NewID()
	}
	box := &principalBox{}
	ctx := context.WithValue(withRequestID(logctx.With(r.Context(), slog.String("request_id", id)), id), principalKey, box)
	r = r.WithContext(ctx)
	w.Header().Set("X-Request-Id", id)
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}

	h, pattern := a.mux.Handler(r)
	if v, ok := authorizer.FromContext(ctx); ok && v.Denied != "" {
		// The authorizer let a bad key through only so that it is refused
		// here, in our error shape, before any handler and without a read.
		writeError(sw, r, a.log, v.Err())
	} else if pattern == "" {
		// Let the mux tell a wrong method (405, with Allow) from an unknown path.
		probe := respbuf.New()
		h.ServeHTTP(probe, r)
		if probe.Status() == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.Header().Get("Allow"))
			writeError(sw, r, a.log, errMethodNotAllowed)
		} else {
			writeError(sw, r, a.log, errRouteNotFound)
		}
	} else {
		a.mux.ServeHTTP(sw, r)
	}
	a.log.InfoContext(ctx, "request", "request_id", id, "method", r.Method, "path", r.URL.Path,
		"route", pattern, "status", sw.code, "account_id", accountOf(ctx), "duration_ms", time.Since(start).Milliseconds())
}

// printableID reports whether a client's request ID may be echoed and
// logged: 1 to 128 printable ASCII characters without spaces (API Gateway's
// IDs end in "=", so domain.ValidID would be too strict).
func printableID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	principalKey
)

func withRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

func requestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// principal is who is calling.
type principal struct {
	account string
	role    domain.Role
	keyID   string // the key the request is signed with
}

// principalBox is filled in by authentication, so the access log written
// after the handler can name the account.
type principalBox struct{ p principal }

func accountOf(ctx context.Context) string {
	if b, ok := ctx.Value(principalKey).(*principalBox); ok {
		return b.p.account
	}
	return ""
}

// public serves h to anyone; every route goes through it, so the IDs of the
// path are checked here once.
func (a *API) public(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := checkPathIDs(r)
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			writeError(w, r, a.log, err)
		}
	})
}

func (a *API) authed(role domain.Role, h handler) http.Handler {
	return a.public(func(w http.ResponseWriter, r *http.Request) error {
		// The principal comes only from the table's answer for the key
		// itself, never from the authorizer's context: a request the
		// authorizer denied never gets here (ServeHTTP), and one that
		// bypassed it (the local server, a direct invoke) is checked the same.
		token, ok := authorizer.BearerToken(r.Header.Get("Authorization"))
		if !ok || !domain.WellFormedAPIKey(token) {
			return domain.ErrUnauthorized
		}
		k, err := a.store.LookupAPIKey(r.Context(), token)
		if err != nil {
			return err
		}
		if k.Role != role {
			return domain.ErrForbidden
		}
		r.Context().Value(principalKey).(*principalBox).p = principal{account: k.AccountID, role: k.Role, keyID: k.ID}
		return h(w, r.WithContext(logctx.With(r.Context(), logctx.IDs("account_id", k.AccountID)...)))
	})
}

func (a *API) user(h handler) http.Handler  { return a.authed(domain.RoleUser, h) }
func (a *API) admin(h handler) http.Handler { return a.authed(domain.RoleAdmin, h) }

func who(r *http.Request) principal {
	return r.Context().Value(principalKey).(*principalBox).p
}
