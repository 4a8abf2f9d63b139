// Package shopifytest is an in-memory fake of the slice of Shopify's GraphQL
// Admin API the shopify adapter uses (shop, the app's access scopes, one
// blog, its articles, staged uploads and files), for tests that need a shop
// without the network. It speaks Shopify's wire format: POST
// /admin/api/{version}/graphql.json with the X-Shopify-Access-Token header
// and a {"query", "variables"} JSON body; answers {"data", "errors",
// "extensions": {"cost"}}; a mutation's userErrors inside its payload;
// ACCESS_DENIED errors for a missing scope; a 401 with Shopify's own body for
// a wrong token; THROTTLED errors (HTTP 200, the wait readable from
// extensions.cost.throttleStatus) and 429s with Retry-After. Staged uploads
// go to the fake's own "upload storage" (a multipart POST, as to Shopify's
// Google Cloud Storage targets), files are processed on the next poll, and
// article images are URLs. Knobs make the next requests fail, so retry and
// error paths can be driven from outside.
//
// The query is parsed (graphql.go) and the answer built from the selection
// sets, so only requested fields come back and an unknown field is an
// error. Root fields served: shop, currentAppInstallation, blog (with its
// articles connection), articles (with a search query: tag:, blog_id:,
// handle: terms), nodes; mutations articleCreate, stagedUploadsCreate,
// fileCreate. A mutation's fields are checked as its answer is built, after
// it ran (Shopify checks before).
//
// Where real Shopify's behaviour is not pinned down, the fake picks the
// strict reading: an explicit handle that is taken is a userError (not a
// silent suffix), the body must be application/json, the author is
// required, and a file whose source the fake cannot fetch (anything but its
// own staged uploads) fails processing.
package shopifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/igny8/igny8-serverless/shared/platform/shopify"
)

// Defaults of a new Server.
const (
	Token      = "shpat_test_0123456789abcdef"
	ShopDomain = "test-shop.myshopify.com"
	ShopName   = "Test Shop"
	BlogID     = "84512123"
	BlogHandle = "news"
)

// The bodies Shopify answers with.
const (
	BodyUnauthorized = `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`
	BodyRateLimited  = `{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}]}`
	BodyServerError  = `{"errors":"Internal Server Error"}`
	BodyNotFound     = `{"errors":"Not Found"}`
	BodyInternal     = `{"errors":[{"message":"Internal error. Looks like something went wrong on our end.\nRequest ID: 0f5a8c3e-test (include this in support requests).","extensions":{"code":"INTERNAL_SERVER_ERROR","requestId":"0f5a8c3e-test"}}]}`
)

// The throttle bucket the fake reports.
const (
	BucketSize  = 2000.0
	RestoreRate = 100.0
)

// Article is an article the fake holds.
type Article struct {
	ID          int64
	BlogID      int64
	Title       string
	Author      string
	BodyHTML    string
	SummaryHTML string
	Handle      string
	Tags        string // joined as Shopify shows them: "a, b, c"
	Published   bool
	PublishedAt time.Time // zero: unpublished
	Image       *Image
	Metafields  []Metafield
	CreatedAt   time.Time
	// Unindexed: the search (the articles query) does not see it yet.
	Unindexed bool
}

// TagList splits Tags.
func (a Article) TagList() []string {
	var out []string
	for _, t := range strings.Split(a.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Metafield returns the value of the metafield namespace.key.
func (a Article) Metafield(namespace, key string) (string, bool) {
	for _, m := range a.Metafields {
		if m.Namespace == namespace && m.Key == key {
			return m.Value, true
		}
	}
	return "", false
}

// Image is an article's image: its URL and alt text, and when the URL is one
// of the fake's files, that file's name and bytes.
type Image struct {
	URL      string
	Alt      string
	Filename string
	Data     []byte
}

// Metafield is one metafield sent with an article.
type Metafield struct {
	Namespace, Key, Type, Value string
}

// File is a file in the shop's Files (a MediaImage).
type File struct {
	ID       int64
	Filename string
	Alt      string
	Source   string // the originalSource it was made from
	Status   string // UPLOADED, PROCESSING, READY or FAILED
	URL      string // its CDN URL once READY
	Data     []byte
	polls    int // polls left answering PROCESSING
}

// Fault is a canned answer for one request.
type Fault struct {
	Status int
	Header http.Header
	Body   string
}

// Request is a request the fake received.
type Request struct {
	Method      string
	Path        string
	APIVersion  string
	ContentType string
	Authorized  bool // it carried the right access token
	TokenSent   bool // it carried an X-Shopify-Access-Token at all
	Upload      bool // a request to the staged upload storage, not the Admin API
	// GraphQL requests: the operation's type and name, its root fields and
	// the variables sent.
	OpType    string
	OpName    string
	Fields    []string
	Variables map[string]any
}

// Server is a fake shop with one blog. Its exported fields may be changed
// before the first request; use the methods afterwards.
type Server struct {
	URL        string
	Token      string
	ShopDomain string
	ShopName   string
	BlogID     string
	BlogHandle string

	srv *httptest.Server

	mu            sync.Mutex
	scopes        map[string]bool
	articles      []Article
	files         []File
	staged        map[string]*stagedUpload // by key
	nextID        int64
	faults        []Fault
	uploadFaults  []Fault
	requests      []Request
	processPolls  int
	searchStale   bool
	failProcesses bool
}

type stagedUpload struct {
	key, signature, mimeType, filename string
	data                               []byte
	uploaded                           bool
}

// New starts a fake shop; Close it when done.
func New() *Server {
	s := &Server{
		Token: Token, ShopDomain: ShopDomain, ShopName: ShopName, BlogID: BlogID, BlogHandle: BlogHandle,
		scopes: map[string]bool{"read_content": true, "write_content": true, "read_files": true, "write_files": true},
		staged: map[string]*stagedUpload{},
		nextID: 9000000001,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Config is an adapter configuration for this shop (images are polled every
// millisecond).
func (s *Server) Config() shopify.Config {
	return shopify.Config{ShopDomain: s.ShopDomain, AdminToken: s.Token, BlogID: s.BlogID, BaseURL: s.URL,
		ImagePollInterval: time.Millisecond}
}

// Articles returns copies of the articles, oldest first.
func (s *Server) Articles() []Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Article, len(s.articles))
	for i, a := range s.articles {
		out[i] = clone(a)
	}
	return out
}

// Files returns copies of the files, oldest first.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, len(s.files))
	for i, f := range s.files {
		f.Data = append([]byte(nil), f.Data...)
		out[i] = f
	}
	return out
}

// AddArticle stores a as if it had been made elsewhere (its ID and
// CreatedAt are set when zero) and returns it.
func (s *Server) AddArticle(a Article) Article {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == 0 {
		a.ID = s.nextID
		s.nextID++
	}
	if a.BlogID == 0 {
		a.BlogID, _ = strconv.ParseInt(s.BlogID, 10, 64)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now().UTC()
	}
	s.articles = append(s.articles, clone(a))
	return a
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// SetScopes replaces the access scopes the app has (default read_content,
// write_content, read_files, write_files), as currentAppInstallation lists
// them. Reading blogs and articles needs read_content or write_content;
// articleCreate needs write_content; stagedUploadsCreate and fileCreate need
// write_files, reading files read_files or write_files.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = map[string]bool{}
	for _, sc := range scopes {
		s.scopes[sc] = true
	}
}

// SetSearchStale makes the search index lag: while stale, articles created
// are not found by the articles query (they are by the blog's list); turning
// it off indexes them all.
func (s *Server) SetSearchStale(stale bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.searchStale = stale
	if !stale {
		for i := range s.articles {
			s.articles[i].Unindexed = false
		}
	}
}

// ProcessFilesAfter makes new files answer PROCESSING to the first n polls
// (default 0: READY at the first poll; fileCreate always answers UPLOADED).
func (s *Server) ProcessFilesAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.processPolls = n
}

// FailFileProcessing makes new files fail processing (fileStatus FAILED).
func (s *Server) FailFileProcessing(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failProcesses = fail
}

// FailNext makes the next n Admin API requests answer f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// FailUploadNext makes the next n requests to the upload storage answer f.
func (s *Server) FailUploadNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.uploadFaults = append(s.uploadFaults, f)
	}
}

// RateLimitNext makes the next n requests answer HTTP 429 with Retry-After:
// retryAfter (seconds as a float: "2.0") and a THROTTLED error.
func (s *Server) RateLimitNext(n int, retryAfter string) {
	h := http.Header{}
	h.Set("Retry-After", retryAfter)
	s.FailNext(n, Fault{Status: http.StatusTooManyRequests, Header: h, Body: BodyRateLimited})
}

// ThrottleNext makes the next n requests answer as Shopify's GraphQL does
// when the cost bucket is empty: HTTP 200, a THROTTLED error and
// extensions.cost saying the request's cost is restored in wait.
func (s *Server) ThrottleNext(n int, wait time.Duration) {
	requested := wait.Seconds() * RestoreRate
	body, _ := json.Marshal(map[string]any{
		"errors": []any{map[string]any{"message": "Throttled",
			"extensions": map[string]any{"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}},
		"extensions": map[string]any{"cost": map[string]any{
			"requestedQueryCost": requested, "actualQueryCost": nil,
			"throttleStatus": map[string]any{"maximumAvailable": BucketSize, "currentlyAvailable": 0, "restoreRate": RestoreRate},
		}},
	})
	s.FailNext(n, Fault{Status: http.StatusOK, Body: string(body)})
}

// ServerErrorNext makes the next n requests answer HTTP 500.
func (s *Server) ServerErrorNext(n int) {
	s.FailNext(n, Fault{Status: http.StatusInternalServerError, Body: BodyServerError})
}

// InternalErrorNext makes the next n requests answer HTTP 200 with an
// INTERNAL_SERVER_ERROR error, as GraphQL reports a failure on Shopify's side.
func (s *Server) InternalErrorNext(n int) {
	s.FailNext(n, Fault{Status: http.StatusOK, Body: BodyInternal})
}

// UnauthorizedNext makes the next n requests answer 401, as for a revoked
// token.
func (s *Server) UnauthorizedNext(n int) {
	s.FailNext(n, Fault{Status: http.StatusUnauthorized, Body: BodyUnauthorized})
}

func clone(a Article) Article {
	a.Metafields = append([]Metafield(nil), a.Metafields...)
	if a.Image != nil {
		img := *a.Image
		img.Data = append([]byte(nil), img.Data...)
		a.Image = &img
	}
	return a
}

var (
	reGraphQL = regexp.MustCompile(`^/admin/api/([0-9]{4}-[0-9]{2}|unstable)/graphql\.json$`)
	reAdmin   = regexp.MustCompile(`^/admin/api/([0-9]{4}-[0-9]{2}|unstable)/`)
)

const uploadPrefix = "/staged-uploads/"

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, uploadPrefix):
		s.serveUpload(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/cdn/shop/files/") && r.Method == http.MethodGet:
		s.serveCDN(w, r)
		return
	}
	authorized := r.Header.Get("X-Shopify-Access-Token") == s.Token && s.Token != ""
	req := Request{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
		Authorized: authorized, TokenSent: r.Header.Get("X-Shopify-Access-Token") != ""}
	if m := reAdmin.FindStringSubmatch(r.URL.Path); m != nil {
		req.APIVersion = m[1]
	}
	var body []byte
	var envelope struct {
		Query         *string         `json:"query"`
		Variables     json.RawMessage `json:"variables"`
		OperationName string          `json:"operationName"`
	}
	var op *operation
	var parseErr error
	if r.Method == http.MethodPost && reGraphQL.MatchString(r.URL.Path) {
		body, _ = io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
		if json.Unmarshal(body, &envelope) == nil && envelope.Query != nil {
			op, parseErr = parse(*envelope.Query)
			if op != nil {
				req.OpType, req.OpName = op.Type, op.Name
				for _, f := range op.Selection {
					req.Fields = append(req.Fields, f.Name)
				}
			}
			req.Variables, _ = decodeVariables(envelope.Variables)
		}
	}

	s.mu.Lock()
	s.requests = append(s.requests, req)
	var fault *Fault
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		fault = &f
	}
	s.mu.Unlock()

	if fault != nil {
		for k, vs := range fault.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		writeRaw(w, fault.Status, fault.Body)
		return
	}
	if !reGraphQL.MatchString(r.URL.Path) {
		// The REST Admin API and everything else: not served.
		writeRaw(w, http.StatusNotFound, BodyNotFound)
		return
	}
	if !authorized {
		writeRaw(w, http.StatusUnauthorized, BodyUnauthorized)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeRaw(w, http.StatusMethodNotAllowed, `{"errors":"Method Not Allowed"}`)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeRaw(w, http.StatusUnsupportedMediaType, `{"errors":"Unsupported Media Type"}`)
		return
	}
	if envelope.Query == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"query": "Required parameter missing or invalid"}})
		return
	}
	if parseErr != nil {
		s.answer(w, nil, []gqlError{{Message: parseErr.Error(), Extensions: map[string]any{"code": "parseError"}}})
		return
	}
	vars, err := decodeVariables(envelope.Variables)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"variables": "must be an object"}})
		return
	}
	s.execute(w, op, vars)
}

// answer writes a GraphQL answer with its cost.
func (s *Server) answer(w http.ResponseWriter, data *ordered, errs []gqlError) {
	out := map[string]any{}
	if data != nil {
		out["data"] = data
	}
	if len(errs) > 0 {
		out["errors"] = errs
	}
	cost := 10.0
	out["extensions"] = map[string]any{"cost": map[string]any{
		"requestedQueryCost": cost, "actualQueryCost": cost,
		"throttleStatus": map[string]any{"maximumAvailable": BucketSize, "currentlyAvailable": BucketSize - cost, "restoreRate": RestoreRate},
	}}
	writeJSON(w, http.StatusOK, out)
}

// rootField is a field of QueryRoot or Mutation: the scopes it needs (any
// one of them) and its resolver.
type rootField struct {
	scopes  []string
	resolve func(args map[string]any) (any, *gqlError)
}

func (s *Server) roots(opType string) map[string]rootField {
	read := []string{"read_content", "write_content", "read_online_store_pages", "write_online_store_pages"}
	if opType == "mutation" {
		return map[string]rootField{
			"articleCreate":       {[]string{"write_content", "write_online_store_pages"}, s.articleCreate},
			"stagedUploadsCreate": {[]string{"write_files"}, s.stagedUploadsCreate},
			"fileCreate":          {[]string{"write_files"}, s.fileCreate},
		}
	}
	return map[string]rootField{
		"shop":                   {nil, func(map[string]any) (any, *gqlError) { return s.shopObject(), nil }},
		"currentAppInstallation": {nil, func(map[string]any) (any, *gqlError) { return s.appInstallation(), nil }},
		"blog":                   {read, s.blogQuery},
		"articles":               {read, s.articlesQuery},
		"nodes":                  {[]string{"read_files", "write_files"}, s.nodesQuery},
	}
}

func (s *Server) execute(w http.ResponseWriter, op *operation, sent map[string]any) {
	vars, errs := op.bindVars(sent)
	roots := s.roots(op.Type)
	rootType := map[string]string{"query": "QueryRoot", "mutation": "Mutation"}[op.Type]
	for _, f := range op.Selection {
		if f.On != "" {
			continue
		}
		if _, ok := roots[f.Name]; !ok && f.Name != "__typename" {
			errs = append(errs, gqlError{Message: fmt.Sprintf("Field '%s' doesn't exist on type '%s'", f.Name, rootType),
				Locations: []location{{f.Line, f.Col}}, Path: []any{op.Type, f.Name},
				Extensions: map[string]any{"code": "undefinedField", "typeName": rootType, "fieldName": f.Name}})
		}
	}
	if len(errs) > 0 { // invalid documents run nothing
		s.answer(w, nil, errs)
		return
	}
	data := &ordered{}
	for _, f := range op.Selection {
		if f.On != "" || f.Name == "__typename" {
			if f.Name == "__typename" {
				data.set(f.key(), rootType)
			}
			continue
		}
		rf := roots[f.Name]
		if !s.hasAny(rf.scopes) {
			data.set(f.key(), nil)
			errs = append(errs, gqlError{
				Message:   fmt.Sprintf("Access denied for %s field. Required access: `%s` access scope.", f.Name, rf.scopes[0]),
				Locations: []location{{f.Line, f.Col}}, Path: []any{f.key()},
				Extensions: map[string]any{"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes",
					"requiredAccess": fmt.Sprintf("`%s` access scope.", rf.scopes[0])},
			})
			continue
		}
		v, es := project(resolver(rf.resolve), f, vars, []any{f.key()})
		data.set(f.key(), v)
		errs = append(errs, es...)
	}
	s.answer(w, data, errs)
}

func (s *Server) hasAny(scopes []string) bool {
	if len(scopes) == 0 {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range scopes {
		if s.scopes[sc] {
			return true
		}
	}
	return false
}

func gid(kind string, id int64) string {
	return "gid://shopify/" + kind + "/" + strconv.FormatInt(id, 10)
}

// parseGID reads gid://shopify/<kind>/<n>.
func parseGID(v any, kind string) (int64, *gqlError) {
	s, _ := v.(string)
	rest, ok := strings.CutPrefix(s, "gid://shopify/"+kind+"/")
	n, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || n <= 0 {
		return 0, &gqlError{Message: fmt.Sprintf("Invalid global id '%v'", v),
			Extensions: map[string]any{"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"}}
	}
	return n, nil
}

func (s *Server) shopObject() object {
	s.mu.Lock()
	defer s.mu.Unlock()
	return object{"__typename": "Shop", "__implements": []string{"Node"}, "id": "gid://shopify/Shop/548380009",
		"name": s.ShopName, "myshopifyDomain": s.ShopDomain, "url": "https://" + s.ShopDomain}
}

func (s *Server) appInstallation() object {
	s.mu.Lock()
	names := make([]string, 0, len(s.scopes))
	for sc := range s.scopes {
		names = append(names, sc)
	}
	s.mu.Unlock()
	sort.Strings(names)
	list := make([]object, len(names))
	for i, n := range names {
		list[i] = object{"__typename": "AccessScope", "handle": n, "description": n}
	}
	return object{"__typename": "AppInstallation", "id": "gid://shopify/AppInstallation/1", "accessScopes": list}
}

func (s *Server) blogQuery(args map[string]any) (any, *gqlError) {
	id, gerr := parseGID(args["id"], "Blog")
	if gerr != nil {
		return nil, gerr
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if strconv.FormatInt(id, 10) != s.BlogID {
		return nil, nil
	}
	return s.blogObject(id), nil
}

// blogObject is the blog; its articles connection reads the articles when
// it is resolved. Call with s.mu held.
func (s *Server) blogObject(id int64) object {
	return object{"__typename": "Blog", "__implements": []string{"Node"}, "id": gid("Blog", id),
		"handle": s.BlogHandle, "title": "News", "commentPolicy": "CLOSED",
		"articles": resolver(func(args map[string]any) (any, *gqlError) {
			s.mu.Lock()
			defer s.mu.Unlock()
			var list []Article
			for _, a := range s.articles {
				if a.BlogID == id {
					list = append(list, a)
				}
			}
			return s.connection(list, args)
		}),
	}
}

// connection pages list (by ID, as Shopify's default sort) per first/last/
// reverse. Call with s.mu held.
func (s *Server) connection(list []Article, args map[string]any) (any, *gqlError) {
	first, hasFirst := intArg(args["first"])
	last, hasLast := intArg(args["last"])
	if !hasFirst && !hasLast {
		return nil, &gqlError{Message: "you must provide one of first or last", Extensions: map[string]any{"code": "BAD_REQUEST"}}
	}
	if first > 250 || last > 250 || first < 0 || last < 0 {
		return nil, &gqlError{Message: "The first and last arguments must be between 0 and 250", Extensions: map[string]any{"code": "BAD_REQUEST"}}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	if rev, _ := args["reverse"].(bool); rev {
		for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
			list[i], list[j] = list[j], list[i]
		}
	}
	if hasFirst && len(list) > first {
		list = list[:first]
	}
	if hasLast && len(list) > last {
		list = list[len(list)-last:]
	}
	nodes := make([]object, len(list))
	edges := make([]object, len(list))
	for i, a := range list {
		nodes[i] = s.articleObject(a)
		edges[i] = object{"__typename": "ArticleEdge", "node": nodes[i], "cursor": "c" + strconv.FormatInt(a.ID, 10)}
	}
	return object{"__typename": "ArticleConnection", "nodes": nodes, "edges": edges,
		"pageInfo": object{"__typename": "PageInfo", "hasNextPage": false, "hasPreviousPage": false}}, nil
}

func intArg(v any) (int, bool) {
	f, ok := v.(float64)
	return int(f), ok
}

// articleObject is a as the API answers it. Call with s.mu held.
func (s *Server) articleObject(a Article) object {
	var img any
	if a.Image != nil {
		img = object{"__typename": "Image", "url": a.Image.URL, "altText": a.Image.Alt}
	}
	var published any
	if a.Published {
		published = a.PublishedAt.Format(time.RFC3339)
	}
	tags := a.TagList()
	if tags == nil {
		tags = []string{}
	}
	return object{"__typename": "Article", "__implements": []string{"Node", "HasMetafields"},
		"id": gid("Article", a.ID), "title": a.Title, "handle": a.Handle, "body": a.BodyHTML, "summary": a.SummaryHTML,
		"tags": tags, "isPublished": a.Published, "publishedAt": published, "image": img,
		"author":    object{"__typename": "ArticleAuthor", "name": a.Author},
		"createdAt": a.CreatedAt.Format(time.RFC3339), "updatedAt": a.CreatedAt.Format(time.RFC3339),
		"blog": s.blogObject(a.BlogID),
	}
}

var reTerm = regexp.MustCompile(`(\w+):(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))`)

// articlesQuery is the articles query: its query filter is parsed for
// tag:, blog_id: and handle: terms (joined by spaces or AND); other terms
// are warned about and ignored, as Shopify does with unknown fields.
func (s *Server) articlesQuery(args map[string]any) (any, *gqlError) {
	q, _ := args["query"].(string)
	filters := map[string]string{}
	for _, m := range reTerm.FindAllStringSubmatch(q, -1) {
		v := m[2] + m[3] + m[4]
		v = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(v)
		filters[strings.ToLower(m[1])] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []Article
	for _, a := range s.articles {
		if a.Unindexed {
			continue
		}
		if t, ok := filters["tag"]; ok && !hasTag(a, t) {
			continue
		}
		if b, ok := filters["blog_id"]; ok && strconv.FormatInt(a.BlogID, 10) != b {
			continue
		}
		if h, ok := filters["handle"]; ok && a.Handle != h {
			continue
		}
		list = append(list, a)
	}
	return s.connection(list, args)
}

func hasTag(a Article, tag string) bool {
	for _, t := range a.TagList() {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

func (s *Server) nodesQuery(args map[string]any) (any, *gqlError) {
	ids, ok := args["ids"].([]any)
	if !ok {
		return nil, &gqlError{Message: "Argument 'ids' on Field 'nodes' has an invalid value", Extensions: map[string]any{"code": "argumentLiteralsIncompatible"}}
	}
	if len(ids) > 250 {
		return nil, &gqlError{Message: "The ids argument must have at most 250 items", Extensions: map[string]any{"code": "BAD_REQUEST"}}
	}
	out := make([]any, len(ids))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, v := range ids {
		id, gerr := parseGID(v, "MediaImage")
		if gerr != nil {
			return nil, gerr
		}
		for j := range s.files {
			f := &s.files[j]
			if f.ID != id {
				continue
			}
			s.process(f)
			out[i] = fileObject(*f)
		}
	}
	return out, nil
}

// process moves f on at a poll: UPLOADED → (PROCESSING)* → READY or FAILED.
// Call with s.mu held.
func (s *Server) process(f *File) {
	switch f.Status {
	case "UPLOADED", "PROCESSING":
		if f.polls > 0 {
			f.polls--
			f.Status = "PROCESSING"
			return
		}
		if f.Data == nil || s.failProcesses {
			f.Status = "FAILED"
			return
		}
		f.Status = "READY"
		f.URL = s.URL + "/cdn/shop/files/" + url.PathEscape(f.Filename) + "?v=" + strconv.FormatInt(f.ID, 10)
	}
}

func fileObject(f File) object {
	var img any
	if f.Status == "READY" {
		img = object{"__typename": "Image", "url": f.URL, "altText": f.Alt, "width": 1024, "height": 768}
	}
	fileErrors := []object{}
	if f.Status == "FAILED" {
		fileErrors = append(fileErrors, object{"__typename": "FileError", "code": "MEDIA_PROCESSING_FAILURE",
			"message": "File could not be processed", "details": nil})
	}
	return object{"__typename": "MediaImage", "__implements": []string{"File", "Media", "Node"},
		"id": gid("MediaImage", f.ID), "alt": f.Alt, "fileStatus": f.Status, "status": f.Status, "image": img,
		"fileErrors": fileErrors, "mimeType": "image/png", "createdAt": time.Now().UTC().Format(time.RFC3339)}
}

func userErr(field []string, msg, code string) object {
	e := object{"__typename": "UserError", "field": field, "message": msg}
	if code != "" {
		e["code"] = code
	}
	return e
}

func str(m map[string]any, k string) (string, bool) {
	v, ok := m[k].(string)
	return v, ok
}

func (s *Server) articleCreate(args map[string]any) (any, *gqlError) {
	in, ok := args["article"].(map[string]any)
	if !ok {
		return nil, &gqlError{Message: "Argument 'article' on Field 'articleCreate' has an invalid value", Extensions: map[string]any{"code": "argumentLiteralsIncompatible"}}
	}
	payload := func(a any, errs ...object) object {
		if errs == nil {
			errs = []object{}
		}
		return object{"__typename": "ArticleCreatePayload", "article": a, "userErrors": errs}
	}
	f := func(name ...string) []string { return append([]string{"article"}, name...) }
	title, _ := str(in, "title")
	if strings.TrimSpace(title) == "" {
		return payload(nil, userErr(f("title"), "Title can't be blank", "BLANK")), nil
	}
	author, _ := in["author"].(map[string]any)
	authorName, _ := str(author, "name")
	if strings.TrimSpace(authorName) == "" {
		return payload(nil, userErr(f("author"), "Author can't be blank", "AUTHOR_FIELD_REQUIRED")), nil
	}
	blogID, gerr := parseGID(in["blogId"], "Blog")
	if gerr != nil {
		return nil, gerr
	}
	if strconv.FormatInt(blogID, 10) != s.BlogID {
		return payload(nil, userErr(f("blogId"), "Blog not found", "NOT_FOUND")), nil
	}
	a := Article{BlogID: blogID, Title: title, Author: authorName, CreatedAt: time.Now().UTC(), Published: true}
	a.BodyHTML, _ = str(in, "body")
	a.SummaryHTML, _ = str(in, "summary")
	if v, ok := in["tags"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			return nil, &gqlError{Message: "Variable $article of type ArticleCreateInput! was provided invalid value for tags", Extensions: map[string]any{"code": "INVALID_VARIABLE"}}
		}
		var tags []string
		for _, t := range list {
			ts, ok := t.(string)
			if !ok {
				return nil, &gqlError{Message: "Variable $article of type ArticleCreateInput! was provided invalid value for tags", Extensions: map[string]any{"code": "INVALID_VARIABLE"}}
			}
			tags = append(tags, ts)
		}
		a.Tags = normaliseTags(tags)
	}
	if v, ok := in["isPublished"].(bool); ok {
		a.Published = v
	}
	if a.Published {
		a.PublishedAt = a.CreatedAt
		if pd, ok := str(in, "publishDate"); ok && pd != "" {
			t, err := time.Parse(time.RFC3339, pd)
			if err != nil {
				return payload(nil, userErr(f("publishDate"), "Publish date is invalid", "INVALID")), nil
			}
			a.PublishedAt = t.UTC()
		}
	}
	if v, ok := in["image"].(map[string]any); ok {
		u, _ := str(v, "url")
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			return payload(nil, userErr(f("image", "url"), "Image URL is invalid", "INVALID")), nil
		}
		alt, _ := str(v, "altText")
		a.Image = &Image{URL: u, Alt: alt}
	}
	if v, ok := in["metafields"].([]any); ok {
		for i, m := range v {
			mm, _ := m.(map[string]any)
			ns, _ := str(mm, "namespace")
			key, _ := str(mm, "key")
			typ, _ := str(mm, "type")
			val, okv := str(mm, "value")
			if ns == "" || key == "" || typ == "" || !okv {
				return payload(nil, userErr(f("metafields", strconv.Itoa(i)), "Namespace, key, type and value are required", "INVALID")), nil
			}
			a.Metafields = append(a.Metafields, Metafield{Namespace: ns, Key: key, Type: typ, Value: val})
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Image != nil {
		for _, fl := range s.files {
			if fl.Status == "READY" && fl.URL == a.Image.URL {
				a.Image.Filename = fl.Filename
				a.Image.Data = append([]byte(nil), fl.Data...)
			}
		}
	}
	handle, _ := str(in, "handle")
	handle = strings.TrimSpace(handle)
	if handle != "" {
		if s.handleTaken(blogID, handle) {
			return payload(nil, userErr(f("handle"), "Handle has already been taken", "TAKEN")), nil
		}
	} else {
		base := slugify(a.Title)
		handle = base
		for n := 1; s.handleTaken(blogID, handle); n++ {
			handle = base + "-" + strconv.Itoa(n)
		}
	}
	a.Handle = handle
	a.ID = s.nextID
	s.nextID++
	a.Unindexed = s.searchStale
	s.articles = append(s.articles, clone(a))
	return payload(s.articleObject(a)), nil
}

func (s *Server) handleTaken(blogID int64, handle string) bool {
	for _, o := range s.articles {
		if o.BlogID == blogID && o.Handle == handle {
			return true
		}
	}
	return false
}

var stagedResources = map[string]bool{"IMAGE": true, "FILE": true, "VIDEO": true, "MODEL_3D": true,
	"PRODUCT_IMAGE": true, "COLLECTION_IMAGE": true, "SHOP_IMAGE": true}

func (s *Server) stagedUploadsCreate(args map[string]any) (any, *gqlError) {
	list, ok := args["input"].([]any)
	if !ok {
		return nil, &gqlError{Message: "Argument 'input' on Field 'stagedUploadsCreate' has an invalid value", Extensions: map[string]any{"code": "argumentLiteralsIncompatible"}}
	}
	payload := func(targets []object, errs ...object) object {
		if errs == nil {
			errs = []object{}
		}
		return object{"__typename": "StagedUploadsCreatePayload", "stagedTargets": targets, "userErrors": errs}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	targets := []object{}
	for i, v := range list {
		in, _ := v.(map[string]any)
		name, _ := str(in, "filename")
		mt, _ := str(in, "mimeType")
		res, _ := str(in, "resource")
		method, _ := str(in, "httpMethod")
		if method == "" {
			method = "PUT"
		}
		field := []string{"input", strconv.Itoa(i)}
		switch {
		case name == "":
			return payload(nil, userErr(append(field, "filename"), "Filename can't be blank", "")), nil
		case mt == "":
			return payload(nil, userErr(append(field, "mimeType"), "Mime type can't be blank", "")), nil
		case !stagedResources[res]:
			return nil, &gqlError{Message: fmt.Sprintf("Variable $input of type [StagedUploadInput!]! was provided invalid value for %d.resource (Expected \"%s\" to be one of: IMAGE, FILE, VIDEO, ...)", i, res),
				Extensions: map[string]any{"code": "INVALID_VARIABLE"}}
		case method != "POST" && method != "PUT":
			return nil, &gqlError{Message: fmt.Sprintf("Variable $input was provided invalid value for %d.httpMethod", i), Extensions: map[string]any{"code": "INVALID_VARIABLE"}}
		}
		s.nextID++
		key := fmt.Sprintf("tmp/%s/files/%d/%s", strings.SplitN(s.ShopDomain, ".", 2)[0], s.nextID, name)
		sig := fmt.Sprintf("sig%d", s.nextID)
		s.staged[key] = &stagedUpload{key: key, signature: sig, mimeType: mt, filename: name}
		resourceURL := s.URL + uploadPrefix + key
		if method == "PUT" {
			targets = append(targets, object{"__typename": "StagedMediaUploadTarget",
				"url": resourceURL + "?X-Goog-Signature=" + sig, "resourceUrl": resourceURL,
				"parameters": []object{{"__typename": "StagedUploadParameter", "name": "content_type", "value": mt},
					{"__typename": "StagedUploadParameter", "name": "acl", "value": "private"}}})
			continue
		}
		params := [][2]string{{"Content-Type", mt}, {"success_action_status", "201"}, {"acl", "private"},
			{"key", key}, {"x-goog-date", "20250101T000000Z"}, {"x-goog-credential", "fake/20250101/auto/storage/goog4_request"},
			{"x-goog-algorithm", "GOOG4-RSA-SHA256"}, {"x-goog-signature", sig}, {"policy", "ZmFrZSBwb2xpY3k="}}
		ps := make([]object, len(params))
		for j, p := range params {
			ps[j] = object{"__typename": "StagedUploadParameter", "name": p[0], "value": p[1]}
		}
		targets = append(targets, object{"__typename": "StagedMediaUploadTarget", "url": s.URL + uploadPrefix,
			"resourceUrl": resourceURL, "parameters": ps})
	}
	return payload(targets), nil
}

func (s *Server) fileCreate(args map[string]any) (any, *gqlError) {
	list, ok := args["files"].([]any)
	if !ok {
		return nil, &gqlError{Message: "Argument 'files' on Field 'fileCreate' has an invalid value", Extensions: map[string]any{"code": "argumentLiteralsIncompatible"}}
	}
	payload := func(files []object, errs ...object) object {
		if errs == nil {
			errs = []object{}
		}
		return object{"__typename": "FileCreatePayload", "files": files, "userErrors": errs}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var made []File
	for i, v := range list {
		in, _ := v.(map[string]any)
		src, _ := str(in, "originalSource")
		ct, _ := str(in, "contentType")
		field := []string{"files", strconv.Itoa(i)}
		if src == "" {
			return payload(nil, userErr(append(field, "originalSource"), "Original source can't be blank", "REQUIRED")), nil
		}
		if ct != "" && ct != "IMAGE" {
			return payload(nil, userErr(append(field, "contentType"), "The fake serves images only", "INVALID")), nil
		}
		f := File{Source: src, Status: "UPLOADED", polls: s.processPolls}
		f.Alt, _ = str(in, "alt")
		f.Filename, _ = str(in, "filename")
		if st, ok := s.staged[strings.TrimPrefix(src, s.URL+uploadPrefix)]; ok && strings.HasPrefix(src, s.URL+uploadPrefix) {
			if f.Filename == "" {
				f.Filename = st.filename
			}
			if st.uploaded {
				f.Data = append([]byte{}, st.data...)
			}
		}
		if f.Filename == "" {
			f.Filename = pathBase(src)
		}
		f.Filename = s.uniqueFilename(f.Filename, made)
		made = append(made, f)
	}
	out := make([]object, len(made))
	for i := range made {
		s.nextID++
		made[i].ID = s.nextID
		s.files = append(s.files, made[i])
		out[i] = fileObject(made[i])
	}
	return payload(out), nil
}

func pathBase(u string) string {
	if pu, err := url.Parse(u); err == nil {
		u = pu.Path
	}
	if i := strings.LastIndexByte(u, '/'); i >= 0 {
		u = u[i+1:]
	}
	if u == "" {
		u = "file"
	}
	return u
}

// uniqueFilename is Shopify's APPEND_UUID: a taken name gets a suffix. Call
// with s.mu held.
func (s *Server) uniqueFilename(name string, pending []File) string {
	taken := func(n string) bool {
		for _, f := range s.files {
			if f.Filename == n {
				return true
			}
		}
		for _, f := range pending {
			if f.Filename == n {
				return true
			}
		}
		return false
	}
	if !taken(name) {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name, ext = name[:i], name[i:]
	}
	for n := 1; ; n++ {
		c := fmt.Sprintf("%s_%08x-0000-4000-8000-%012d%s", name, n, n, ext)
		if !taken(c) {
			return c
		}
	}
}

// serveUpload is the staged upload storage: a multipart POST to the target
// URL with the target's parameters and the file, or a PUT of the bytes to
// the resource URL with its signature.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	req := Request{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Upload: true,
		TokenSent: r.Header.Get("X-Shopify-Access-Token") != ""}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var fault *Fault
	if len(s.uploadFaults) > 0 {
		f := s.uploadFaults[0]
		s.uploadFaults = s.uploadFaults[1:]
		fault = &f
	}
	s.mu.Unlock()
	xmlErr := func(status int, code, msg string) {
		w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><Error><Code>%s</Code><Message>%s</Message></Error>", code, msg)
	}
	if fault != nil {
		for k, vs := range fault.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(fault.Status)
		_, _ = io.WriteString(w, fault.Body)
		return
	}
	var key, sig string
	var data []byte
	switch {
	case r.Method == http.MethodPost && r.URL.Path == uploadPrefix:
		// As Google Cloud Storage's POST: form fields first, the file last
		// (fields after it are refused here).
		mr, err := r.MultipartReader()
		if err != nil {
			xmlErr(http.StatusBadRequest, "InvalidArgument", "Invalid argument: the body is not multipart/form-data.")
			return
		}
		fields := map[string]string{}
		gotFile := false
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				xmlErr(http.StatusBadRequest, "InvalidArgument", "Invalid argument: a malformed multipart body.")
				return
			}
			b, _ := io.ReadAll(io.LimitReader(part, 32<<20))
			if gotFile {
				xmlErr(http.StatusBadRequest, "InvalidArgument", "Invalid argument: the file must be the last field.")
				return
			}
			if part.FormName() == "file" {
				gotFile, data = true, b
				continue
			}
			fields[part.FormName()] = string(b)
		}
		if !gotFile {
			xmlErr(http.StatusBadRequest, "InvalidArgument", "Invalid argument: no file field.")
			return
		}
		for _, k := range []string{"key", "policy", "x-goog-signature", "x-goog-credential", "Content-Type"} {
			if fields[k] == "" {
				xmlErr(http.StatusForbidden, "AccessDenied", "Access denied: the form lacks "+k+".")
				return
			}
		}
		key, sig = fields["key"], fields["x-goog-signature"]
	case r.Method == http.MethodPut:
		key, sig = strings.TrimPrefix(r.URL.Path, uploadPrefix), r.URL.Query().Get("X-Goog-Signature")
		data, _ = io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<20))
	default:
		xmlErr(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	s.mu.Lock()
	st, ok := s.staged[key]
	if !ok || st.signature != sig || st.uploaded {
		s.mu.Unlock()
		xmlErr(http.StatusForbidden, "AccessDenied", "Access denied: the signature does not match or the target was used.")
		return
	}
	st.data, st.uploaded = data, true
	s.mu.Unlock()
	if len(data) == 0 {
		xmlErr(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum object size specified in your Policy Document.")
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=UTF-8")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?><PostResponse><Location>%s</Location><Bucket>shopify-staged-uploads</Bucket><Key>%s</Key><ETag>\"fake\"</ETag></PostResponse>",
		s.URL+uploadPrefix+key, key)
}

func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	name, _ := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/cdn/shop/files/"))
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.files {
		if f.Status == "READY" && f.Filename == name {
			w.Header().Set("Content-Type", http.DetectContentType(f.Data))
			_, _ = io.Copy(w, bytes.NewReader(f.Data))
			return
		}
	}
	http.NotFound(w, r)
}

// normaliseTags is Shopify's treatment of a tag list: each trimmed, empty
// ones dropped, de-duplicated case-insensitively, shown joined with ", ".
func normaliseTags(tags []string) string {
	seen := map[string]bool{}
	var out []string
	for _, t := range tags {
		for _, p := range strings.Split(t, ",") {
			p = strings.TrimSpace(p)
			if p == "" || seen[strings.ToLower(p)] {
				continue
			}
			seen[strings.ToLower(p)] = true
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slugify(s string) string {
	h := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if h == "" {
		h = "article"
	}
	return h
}
