// Package shopifytest is an in-memory fake of the slice of Shopify's Admin
// REST API the shopify adapter uses (shop, access scopes, one blog, its
// articles), for
// tests that need a shop without the network. It speaks Shopify's wire
// format: the X-Shopify-Access-Token header, {"errors": …} bodies, 429 with
// a fractional Retry-After, the tag filter on the articles list, base64 image
// attachments. Knobs make the next requests fail, so retry and error paths
// can be driven from outside.
//
// Where real Shopify's behaviour is not pinned down, the fake picks the
// strict reading: an explicit handle that is taken is a 422 (not a silent
// suffix), and a POST must be JSON.
package shopifytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
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
	BlogID     = "84512123"
	BlogHandle = "news"
)

// The bodies Shopify answers with.
const (
	BodyUnauthorized = `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`
	BodyRateLimited  = `{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`
	BodyServerError  = `{"errors":"Internal Server Error"}`
	BodyNotFound     = `{"errors":"Not Found"}`
)

// Article is an article the fake holds.
type Article struct {
	ID          int64
	BlogID      int64
	Title       string
	BodyHTML    string
	SummaryHTML string
	Handle      string
	Tags        string // Shopify's form: "a, b, c"
	Published   bool
	PublishedAt time.Time // zero: unpublished
	Image       *Image
	Metafields  []Metafield
	CreatedAt   time.Time
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

// Image is an article's image, decoded from its base64 attachment.
type Image struct {
	Filename string
	Alt      string
	Data     []byte
	Src      string
}

// Metafield is one metafield sent with an article.
type Metafield struct {
	Namespace, Key, Type, Value string
}

// Fault is a canned answer for one request.
type Fault struct {
	Status int
	Header http.Header
	Body   string
}

// Request is a request the fake received.
type Request struct {
	Method     string
	Path       string
	Query      url.Values
	APIVersion string
	Authorized bool // it carried the right access token
}

// Server is a fake shop with one blog. Its exported fields may be changed
// before the first request; use the methods afterwards.
type Server struct {
	URL        string
	Token      string
	ShopDomain string
	BlogID     string
	BlogHandle string

	srv *httptest.Server

	mu       sync.Mutex
	scopes   map[string]bool
	articles []Article
	nextID   int64
	faults   []Fault
	requests []Request
}

// New starts a fake shop; Close it when done.
func New() *Server {
	s := &Server{
		Token: Token, ShopDomain: ShopDomain, BlogID: BlogID, BlogHandle: BlogHandle,
		scopes: map[string]bool{"read_content": true, "write_content": true},
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

// Config is an adapter configuration for this shop.
func (s *Server) Config() shopify.Config {
	return shopify.Config{ShopDomain: s.ShopDomain, AdminToken: s.Token, BlogID: s.BlogID, BaseURL: s.URL}
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

// SetScopes replaces the access scopes the token has (default read_content
// and write_content), as oauth/access_scopes.json lists them. Reading blogs
// and articles needs read_content or write_content; creating an article
// needs write_content.
func (s *Server) SetScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scopes = map[string]bool{}
	for _, sc := range scopes {
		s.scopes[sc] = true
	}
}

// FailNext makes the next n requests answer f.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// RateLimitNext makes the next n requests answer 429 with Retry-After:
// retryAfter (Shopify sends seconds as a float: "2.0").
func (s *Server) RateLimitNext(n int, retryAfter string) {
	h := http.Header{}
	h.Set("Retry-After", retryAfter)
	h.Set("X-Shopify-Shop-Api-Call-Limit", "40/40")
	s.FailNext(n, Fault{Status: http.StatusTooManyRequests, Header: h, Body: BodyRateLimited})
}

// ServerErrorNext makes the next n requests answer 500.
func (s *Server) ServerErrorNext(n int) {
	s.FailNext(n, Fault{Status: http.StatusInternalServerError, Body: BodyServerError})
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
	rePrefix  = regexp.MustCompile(`^/admin/api/([0-9]{4}-[0-9]{2}|unstable)/(.+)$`)
	reBlog    = regexp.MustCompile(`^blogs/([0-9]+)\.json$`)
	reList    = regexp.MustCompile(`^blogs/([0-9]+)/articles\.json$`)
	reArticle = regexp.MustCompile(`^blogs/([0-9]+)/articles/([0-9]+)\.json$`)
)

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

func fieldErrors(field string, msgs ...string) map[string]any {
	return map[string]any{"errors": map[string][]string{field: msgs}}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := rePrefix.FindStringSubmatch(r.URL.Path)
	authorized := r.Header.Get("X-Shopify-Access-Token") == s.Token && s.Token != ""

	s.mu.Lock()
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Authorized: authorized}
	if m != nil {
		req.APIVersion = m[1]
	}
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
	w.Header().Set("X-Shopify-Shop-Api-Call-Limit", "1/40")
	if m == nil && r.URL.Path != "/admin/oauth/access_scopes.json" {
		writeRaw(w, http.StatusNotFound, BodyNotFound)
		return
	}
	if !authorized {
		writeRaw(w, http.StatusUnauthorized, BodyUnauthorized)
		return
	}
	if r.URL.Path == "/admin/oauth/access_scopes.json" && r.Method == http.MethodGet {
		s.getScopes(w)
		return
	}
	rel := m[2]
	switch {
	case rel == "shop.json" && r.Method == http.MethodGet:
		s.getShop(w)
	case reBlog.MatchString(rel) && r.Method == http.MethodGet:
		if s.need(w, "read_content", "write_content") {
			s.getBlog(w, reBlog.FindStringSubmatch(rel)[1])
		}
	case reList.MatchString(rel) && r.Method == http.MethodGet:
		if s.need(w, "read_content", "write_content") {
			s.listArticles(w, r, reList.FindStringSubmatch(rel)[1])
		}
	case reList.MatchString(rel) && r.Method == http.MethodPost:
		if s.need(w, "write_content") {
			s.createArticle(w, r, reList.FindStringSubmatch(rel)[1])
		}
	case reArticle.MatchString(rel) && r.Method == http.MethodGet:
		if s.need(w, "read_content", "write_content") {
			sm := reArticle.FindStringSubmatch(rel)
			s.getArticle(w, sm[1], sm[2])
		}
	default:
		writeRaw(w, http.StatusNotFound, BodyNotFound)
	}
}

// need answers 403 unless the token has one of the scopes.
func (s *Server) need(w http.ResponseWriter, anyOf ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range anyOf {
		if s.scopes[sc] {
			return true
		}
	}
	writeJSON(w, http.StatusForbidden, map[string]string{
		"errors": "[API] This action requires merchant approval for " + anyOf[len(anyOf)-1] + " scope.",
	})
	return false
}

func (s *Server) getScopes(w http.ResponseWriter) {
	s.mu.Lock()
	names := make([]string, 0, len(s.scopes))
	for sc := range s.scopes {
		names = append(names, sc)
	}
	s.mu.Unlock()
	sort.Strings(names)
	list := []map[string]string{}
	for _, n := range names {
		list = append(list, map[string]string{"handle": n})
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_scopes": list})
}

func (s *Server) getShop(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{"shop": map[string]any{
		"id": 548380009, "name": "Test Shop", "domain": s.ShopDomain, "myshopify_domain": s.ShopDomain,
	}})
}

func (s *Server) getBlog(w http.ResponseWriter, id string) {
	if id != s.BlogID {
		writeRaw(w, http.StatusNotFound, BodyNotFound)
		return
	}
	bid, _ := strconv.ParseInt(id, 10, 64)
	writeJSON(w, http.StatusOK, map[string]any{"blog": map[string]any{
		"id": bid, "handle": s.BlogHandle, "title": "News", "commentable": "no",
	}})
}

func (s *Server) listArticles(w http.ResponseWriter, r *http.Request, blogID string) {
	if blogID != s.BlogID {
		writeRaw(w, http.StatusNotFound, BodyNotFound)
		return
	}
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"limit": "must be between 1 and 250"}})
			return
		}
		limit = n
	}
	tag := strings.TrimSpace(q.Get("tag"))
	var fields []string
	if v := q.Get("fields"); v != "" {
		fields = strings.Split(v, ",")
	}
	s.mu.Lock()
	out := []map[string]any{}
	for _, a := range s.articles {
		if strconv.FormatInt(a.BlogID, 10) != blogID {
			continue
		}
		if tag != "" && !hasTag(a, tag) {
			continue
		}
		out = append(out, pick(s.wire(a), fields))
		if len(out) == limit {
			break
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"articles": out})
}

func hasTag(a Article, tag string) bool {
	for _, t := range a.TagList() {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

func pick(m map[string]any, fields []string) map[string]any {
	if len(fields) == 0 {
		return m
	}
	out := map[string]any{}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if v, ok := m[f]; ok {
			out[f] = v
		}
	}
	return out
}

func (s *Server) getArticle(w http.ResponseWriter, blogID, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.articles {
		if strconv.FormatInt(a.BlogID, 10) == blogID && strconv.FormatInt(a.ID, 10) == id {
			writeJSON(w, http.StatusOK, map[string]any{"article": s.wire(a)})
			return
		}
	}
	writeRaw(w, http.StatusNotFound, BodyNotFound)
}

type wireArticle struct {
	Title       *string `json:"title"`
	BodyHTML    string  `json:"body_html"`
	SummaryHTML string  `json:"summary_html"`
	Handle      string  `json:"handle"`
	Tags        string  `json:"tags"`
	Published   *bool   `json:"published"`
	PublishedAt string  `json:"published_at"`
	Image       *struct {
		Attachment string `json:"attachment"`
		Filename   string `json:"filename"`
		Alt        string `json:"alt"`
		Src        string `json:"src"`
	} `json:"image"`
	Metafields []struct {
		Namespace string `json:"namespace"`
		Key       string `json:"key"`
		Type      string `json:"type"`
		Value     any    `json:"value"`
	} `json:"metafields"`
}

func (s *Server) createArticle(w http.ResponseWriter, r *http.Request, blogID string) {
	if blogID != s.BlogID {
		writeRaw(w, http.StatusNotFound, BodyNotFound)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeRaw(w, http.StatusUnsupportedMediaType, `{"errors":"Unsupported Media Type"}`)
		return
	}
	var body struct {
		Article *wireArticle `json:"article"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&body); err != nil || body.Article == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"article": "Required parameter missing or invalid"}})
		return
	}
	in := body.Article
	if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
		writeJSON(w, http.StatusUnprocessableEntity, fieldErrors("title", "can't be blank"))
		return
	}
	bid, _ := strconv.ParseInt(blogID, 10, 64)
	a := Article{
		BlogID: bid, Title: *in.Title, BodyHTML: in.BodyHTML, SummaryHTML: in.SummaryHTML,
		Tags: normaliseTags(in.Tags), CreatedAt: time.Now().UTC(),
	}
	a.Published = in.Published == nil || *in.Published
	if a.Published {
		a.PublishedAt = a.CreatedAt
		if in.PublishedAt != "" {
			t, err := time.Parse(time.RFC3339, in.PublishedAt)
			if err != nil {
				writeJSON(w, http.StatusUnprocessableEntity, fieldErrors("published_at", "is invalid"))
				return
			}
			a.PublishedAt = t.UTC()
		}
	}
	if in.Image != nil {
		data, err := base64.StdEncoding.DecodeString(in.Image.Attachment)
		if in.Image.Attachment == "" && in.Image.Src == "" {
			writeJSON(w, http.StatusUnprocessableEntity, fieldErrors("image", "must have an attachment or a src"))
			return
		}
		if in.Image.Attachment != "" && (err != nil || len(data) == 0) {
			writeJSON(w, http.StatusUnprocessableEntity, fieldErrors("image", "is invalid"))
			return
		}
		name := in.Image.Filename
		if name == "" {
			name = "image.jpg"
		}
		a.Image = &Image{Filename: name, Alt: in.Image.Alt, Data: data,
			Src: s.URL + "/cdn/shop/articles/" + url.PathEscape(name)}
	}
	for _, m := range in.Metafields {
		if m.Namespace == "" || m.Key == "" || m.Type == "" || m.Value == nil {
			writeJSON(w, http.StatusUnprocessableEntity, fieldErrors("metafields", "namespace, key, type and value are required"))
			return
		}
		a.Metafields = append(a.Metafields, Metafield{Namespace: m.Namespace, Key: m.Key, Type: m.Type, Value: fmt.Sprint(m.Value)})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	handle := strings.TrimSpace(in.Handle)
	if handle != "" {
		for _, o := range s.articles {
			if o.BlogID == bid && o.Handle == handle {
				writeJSON(w, http.StatusUnprocessableEntity, fieldErrors("handle", "has already been taken"))
				return
			}
		}
	} else {
		base := slugify(a.Title)
		handle = base
		for n := 1; s.handleTaken(bid, handle); n++ {
			handle = base + "-" + strconv.Itoa(n)
		}
	}
	a.Handle = handle
	a.ID = s.nextID
	s.nextID++
	s.articles = append(s.articles, clone(a))
	writeJSON(w, http.StatusCreated, map[string]any{"article": s.wire(a)})
}

func (s *Server) handleTaken(blogID int64, handle string) bool {
	for _, o := range s.articles {
		if o.BlogID == blogID && o.Handle == handle {
			return true
		}
	}
	return false
}

// wire is an article as Shopify answers it.
func (s *Server) wire(a Article) map[string]any {
	m := map[string]any{
		"id": a.ID, "blog_id": a.BlogID, "title": a.Title, "handle": a.Handle,
		"body_html": a.BodyHTML, "summary_html": a.SummaryHTML, "tags": a.Tags,
		"author": "Test Shop", "created_at": a.CreatedAt.Format(time.RFC3339),
		"updated_at": a.CreatedAt.Format(time.RFC3339), "published_at": nil,
		"admin_graphql_api_id": "gid://shopify/Article/" + strconv.FormatInt(a.ID, 10),
	}
	if a.Published {
		m["published_at"] = a.PublishedAt.Format(time.RFC3339)
	}
	if a.Image != nil {
		m["image"] = map[string]any{"src": a.Image.Src, "alt": a.Image.Alt, "created_at": a.CreatedAt.Format(time.RFC3339)}
	}
	return m
}

// normaliseTags is Shopify's treatment of a tag string: split on commas,
// trimmed, de-duplicated case-insensitively, joined with ", ".
func normaliseTags(s string) string {
	seen := map[string]bool{}
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
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
