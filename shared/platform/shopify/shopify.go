// Package shopify publishes posts as blog articles through the Shopify Admin
// REST API (a platform.Site).
//
// # Recognising our articles
//
// Find must answer reliably seconds after a Create (a retried or doubly fired
// publish must never make a second article), so it cannot use Shopify's
// search: the GraphQL "query:" filters go through a search index that is
// updated asynchronously. Each article therefore carries our content ID twice:
//
//   - the tag "igny8-<content id>", which Find looks up with the REST
//     articles endpoint's tag parameter (a filter on the blog's article
//     list, not a search query) and then confirms by comparing whole tags,
//     so a loose or case-folding filter cannot hand us another article;
//   - the metafield igny8.content_id, which nothing here reads (REST cannot
//     filter articles by metafield) but which is the durable, invisible record
//     for merchants, apps and a future GraphQL lookup.
//
// The trade-off: Shopify has no hidden tags, so "igny8-<content id>" is a
// normal tag. Themes that list an article's tags show it, and the storefront
// serves a /blogs/<blog>/tagged/igny8-<id> page. A theme can hide it with
// Liquid ({% unless tag contains 'igny8-' %}); removing the tag makes Find
// blind to that article, and a later retry of the same content would publish
// it again.
//
// # Other decisions
//
//   - Shopify articles have no categories: Post.Categories become tags too.
//   - Post.MetaTitle and Post.Excerpt also go to the global.title_tag and
//     global.description_tag metafields, which Shopify uses as the article's
//     SEO title and meta description.
//   - Redirects are not followed: the access token is a custom header that
//     net/http would forward to any host a redirect names, and a redirecting
//     shop domain is a setting to fix, not something to work around.
//   - Check also reads the token's access scopes, so a read-only token fails
//     the check rather than the first publish.
//   - The blog's handle (needed for the article URL) is read once per Client
//     and cached.
package shopify

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/platform"
)

// Name is the platform name in errors.
const Name = "shopify"

// DefaultAPIVersion is the Admin API version used when Config leaves it empty.
const DefaultAPIVersion = "2024-10"

// TagPrefix starts the tag that marks an article as made for a content ID.
const TagPrefix = "igny8-"

// Metafield namespace and key of the content ID.
const (
	MetafieldNamespace = "igny8"
	MetafieldKey       = "content_id"
)

const (
	maxTagLen  = 255     // Shopify's limit on one tag
	maxBody    = 8 << 20 // the most of an answer we read
	defTimeout = 30 * time.Second
)

// Config is one connected Shopify shop.
type Config struct {
	ShopDomain string // e.g. my-shop.myshopify.com
	AdminToken string // a custom app's Admin API access token (shpat_…)
	BlogID     string // the numeric ID of the blog articles go to
	APIVersion string // default DefaultAPIVersion
	BaseURL    string // default "https://"+ShopDomain; tests: an httptest URL
}

// Client talks to one shop. It is safe for concurrent use.
type Client struct {
	cfg    Config
	domain string // the normalised shop domain
	base   string // scheme://host of the Admin API, no trailing slash
	hc     *http.Client

	mu         sync.Mutex
	blogHandle string
}

var _ platform.Site = (*Client)(nil)

// New returns a client for the shop. hc may be nil (a client with a 30 s
// timeout); it is copied, never changed, to turn off redirects.
func New(cfg Config, hc *http.Client) *Client {
	c := platform.HTTPClient(hc, defTimeout)

	cfg.ShopDomain = strings.TrimSpace(cfg.ShopDomain)
	cfg.AdminToken = strings.TrimSpace(cfg.AdminToken)
	cfg.BlogID = strings.TrimSpace(cfg.BlogID)
	cfg.APIVersion = strings.TrimSpace(cfg.APIVersion)
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	domain := normaliseDomain(cfg.ShopDomain)
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if base == "" && domain != "" {
		base = "https://" + domain
	}
	return &Client{cfg: cfg, domain: domain, base: base, hc: c}
}

func normaliseDomain(d string) string {
	d = strings.ToLower(strings.TrimSpace(d))
	d = strings.TrimPrefix(d, "https://")
	d = strings.TrimPrefix(d, "http://")
	d = strings.TrimRight(d, "/")
	return d
}

// validate reports settings that make every call fail.
func (c *Client) validate() error {
	switch {
	case c.domain == "" || strings.ContainsAny(c.domain, "/?#@ "):
		return misconfigured("the shop domain is missing or not a domain: set it to the shop's my-shop.myshopify.com domain")
	case c.cfg.AdminToken == "":
		return misconfigured("the Admin API access token is missing: create a custom app with the write_content scope and paste its token")
	case c.cfg.BlogID == "":
		return misconfigured("the blog ID is missing: choose the blog to publish to")
	case !isDigits(c.cfg.BlogID):
		return misconfigured("the blog ID must be the blog's numeric ID")
	case !isAPIVersion(c.cfg.APIVersion):
		return misconfigured(fmt.Sprintf("the API version %q is not of the form YYYY-MM", c.cfg.APIVersion))
	}
	u, err := url.Parse(c.base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return misconfigured("the Admin API base URL is not an http(s) URL")
	}
	return nil
}

func misconfigured(msg string) *platform.Error {
	return &platform.Error{Kind: platform.Misconfigured, Platform: Name, Message: msg}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isAPIVersion(v string) bool {
	// "2024-10", or "unstable".
	if v == "unstable" {
		return true
	}
	return len(v) == 7 && v[4] == '-' && isDigits(v[:4]) && isDigits(v[5:])
}

// Check verifies the token (shop.json), that it has the write_content scope
// (oauth/access_scopes.json: without it Check would pass and every publish
// fail) and the blog (blogs/{id}.json).
func (c *Client) Check(ctx context.Context) error {
	if err := c.validate(); err != nil {
		return err
	}
	var shop struct {
		Shop *struct {
			ID json.RawMessage `json:"id"`
		} `json:"shop"`
	}
	err := c.do(ctx, http.MethodGet, "shop.json", nil, nil, &shop, func(status int) *platform.Error {
		return &platform.Error{Kind: platform.NotPlatform, Platform: Name, Status: status,
			Message: "the shop domain does not serve Shopify's Admin API: use the shop's my-shop.myshopify.com domain"}
	})
	if err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) && pe.Kind == platform.Permanent && pe.Status/100 == 2 {
			// A 2xx that is not the Admin API's JSON: some other site.
			pe.Kind = platform.NotPlatform
			pe.Message = "the shop domain answered, but not as Shopify's Admin API: use the shop's my-shop.myshopify.com domain"
		}
		return err
	}
	if shop.Shop == nil {
		return &platform.Error{Kind: platform.NotPlatform, Platform: Name, Status: http.StatusOK,
			Message: "the shop domain answered, but not as Shopify's Admin API: use the shop's my-shop.myshopify.com domain"}
	}

	var scopes struct {
		AccessScopes []struct {
			Handle string `json:"handle"`
		} `json:"access_scopes"`
	}
	if err := c.do(ctx, http.MethodGet, "/admin/oauth/access_scopes.json", nil, nil, &scopes, nil); err != nil {
		return err
	}
	canWrite := false
	for _, sc := range scopes.AccessScopes {
		canWrite = canWrite || sc.Handle == "write_content"
	}
	if !canWrite {
		return &platform.Error{Kind: platform.Forbidden, Platform: Name,
			Message: "the app needs the write_content scope: grant it in the custom app's Admin API scopes and reinstall the app"}
	}

	_, err = c.fetchBlogHandle(ctx)
	return err
}

// Find returns the article tagged for contentID, if there is one.
func (c *Client) Find(ctx context.Context, contentID string) (platform.Remote, bool, error) {
	if err := c.validate(); err != nil {
		return platform.Remote{}, false, err
	}
	tag, err := contentTag(contentID)
	if err != nil {
		return platform.Remote{}, false, err
	}
	q := url.Values{}
	q.Set("tag", tag)
	q.Set("fields", "id,handle,tags")
	q.Set("published_status", "any")
	q.Set("limit", "250")
	var out struct {
		Articles []struct {
			ID     json.RawMessage `json:"id"`
			Handle string          `json:"handle"`
			Tags   string          `json:"tags"`
		} `json:"articles"`
	}
	if err := c.do(ctx, http.MethodGet, "blogs/"+c.cfg.BlogID+"/articles.json", q, nil, &out, c.blogNotFound); err != nil {
		return platform.Remote{}, false, err
	}
	for _, a := range out.Articles {
		if !hasTag(a.Tags, tag) {
			continue
		}
		id := idString(a.ID)
		if id == "" {
			continue
		}
		u, err := c.articleURL(ctx, a.Handle)
		if err != nil {
			return platform.Remote{}, false, err
		}
		return platform.Remote{ID: id, URL: u}, true, nil
	}
	return platform.Remote{}, false, nil
}

// Create publishes p as an article of the configured blog.
func (c *Client) Create(ctx context.Context, p platform.Post) (platform.Remote, error) {
	if err := c.validate(); err != nil {
		return platform.Remote{}, err
	}
	tag, err := contentTag(p.ContentID)
	if err != nil {
		return platform.Remote{}, err
	}
	if strings.TrimSpace(p.Title) == "" {
		return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "the post has no title"}
	}
	// The blog handle first: a wrong blog ID fails before anything is made,
	// and the URL of the new article needs no further call.
	blogHandle, err := c.fetchBlogHandle(ctx)
	if err != nil {
		return platform.Remote{}, err
	}

	a := article{
		Title:     p.Title,
		BodyHTML:  p.HTML,
		Handle:    strings.TrimSpace(p.Slug),
		Tags:      joinTags(p.Categories, p.Tags, tag),
		Published: true,
		Metafields: []metafield{{
			Namespace: MetafieldNamespace, Key: MetafieldKey, Type: "single_line_text_field", Value: p.ContentID,
		}},
	}
	if ex := strings.TrimSpace(p.Excerpt); ex != "" {
		a.SummaryHTML = "<p>" + html.EscapeString(ex) + "</p>"
		a.Metafields = append(a.Metafields, metafield{Namespace: "global", Key: "description_tag", Type: "single_line_text_field", Value: oneLine(ex)})
	}
	if mt := strings.TrimSpace(p.MetaTitle); mt != "" {
		a.Metafields = append(a.Metafields, metafield{Namespace: "global", Key: "title_tag", Type: "single_line_text_field", Value: oneLine(mt)})
	}
	if !p.PublishAt.IsZero() {
		a.PublishedAt = p.PublishAt.UTC().Format(time.RFC3339)
	}
	if img := p.FeaturedImage; img != nil {
		if len(img.Data) == 0 {
			return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "the featured image has no data"}
		}
		a.Image = &image{
			Attachment: base64.StdEncoding.EncodeToString(img.Data),
			Filename:   imageFilename(img),
			Alt:        img.Alt,
		}
	}

	var out struct {
		Article *struct {
			ID     json.RawMessage `json:"id"`
			Handle string          `json:"handle"`
		} `json:"article"`
	}
	body := map[string]any{"article": a}
	if err := c.do(ctx, http.MethodPost, "blogs/"+c.cfg.BlogID+"/articles.json", nil, body, &out, c.blogNotFound); err != nil {
		return platform.Remote{}, err
	}
	if out.Article == nil || idString(out.Article.ID) == "" {
		return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name, Status: http.StatusCreated,
			Message: "Shopify answered without an article ID"}
	}
	handle := out.Article.Handle
	if handle == "" {
		handle = a.Handle
	}
	return platform.Remote{ID: idString(out.Article.ID), URL: c.buildURL(blogHandle, handle)}, nil
}

type article struct {
	Title       string      `json:"title"`
	BodyHTML    string      `json:"body_html"`
	SummaryHTML string      `json:"summary_html,omitempty"`
	Handle      string      `json:"handle,omitempty"`
	Tags        string      `json:"tags"`
	Published   bool        `json:"published"`
	PublishedAt string      `json:"published_at,omitempty"`
	Image       *image      `json:"image,omitempty"`
	Metafields  []metafield `json:"metafields"`
}

type image struct {
	Attachment string `json:"attachment"`
	Filename   string `json:"filename"`
	Alt        string `json:"alt,omitempty"`
}

type metafield struct {
	Namespace string `json:"namespace"`
	Key       string `json:"key"`
	Type      string `json:"type"`
	Value     string `json:"value"`
}

// contentTag is the tag that marks the article made for contentID.
func contentTag(contentID string) (string, error) {
	id := strings.TrimSpace(contentID)
	if id == "" || id != contentID || strings.ContainsAny(id, ",") || len(TagPrefix)+len(id) > maxTagLen {
		return "", &platform.Error{Kind: platform.Permanent, Platform: Name,
			Message: "the content ID cannot be used as a Shopify tag (empty, padded, too long or with a comma)"}
	}
	return TagPrefix + id, nil
}

// hasTag reports whether the comma-separated tags hold want as a whole tag.
// Shopify treats tags case-insensitively, so the comparison does too.
func hasTag(tags, want string) bool {
	for _, t := range strings.Split(tags, ",") {
		if strings.EqualFold(strings.TrimSpace(t), want) {
			return true
		}
	}
	return false
}

// joinTags makes Shopify's comma-separated tag string: categories, then
// tags, then the content tag, each cleaned (Shopify splits on commas) and
// de-duplicated case-insensitively.
func joinTags(categories, tags []string, contentTag string) string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		t = strings.Join(strings.Fields(strings.ReplaceAll(t, ",", " ")), " ")
		t = strings.TrimSpace(domain.Clip(t, maxTagLen))
		k := strings.ToLower(t)
		if t == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, t)
	}
	for _, t := range categories {
		add(t)
	}
	for _, t := range tags {
		add(t)
	}
	add(contentTag)
	return strings.Join(out, ", ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// imageFilename is the image's file name, or one made from its content type.
func imageFilename(img *platform.Image) string {
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(img.Filename), "\\", "/"))
	if name != "" && name != "." && name != "/" {
		return name
	}
	ct := img.ContentType
	if ct == "" {
		ct = http.DetectContentType(img.Data)
	}
	ext := ".jpg"
	switch mt, _, _ := mime.ParseMediaType(ct); mt {
	case "image/png":
		ext = ".png"
	case "image/gif":
		ext = ".gif"
	case "image/webp":
		ext = ".webp"
	}
	return "featured" + ext
}

// idString reads a Shopify ID, a JSON number (or, defensively, a string).
func idString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String()
	}
	return ""
}

// fetchBlogHandle reads the blog's handle once and caches it.
func (c *Client) fetchBlogHandle(ctx context.Context) (string, error) {
	c.mu.Lock()
	h := c.blogHandle
	c.mu.Unlock()
	if h != "" {
		return h, nil
	}
	var out struct {
		Blog *struct {
			ID     json.RawMessage `json:"id"`
			Handle string          `json:"handle"`
		} `json:"blog"`
	}
	if err := c.do(ctx, http.MethodGet, "blogs/"+c.cfg.BlogID+".json", nil, nil, &out, c.blogNotFound); err != nil {
		return "", err
	}
	if out.Blog == nil || out.Blog.Handle == "" {
		return "", &platform.Error{Kind: platform.Permanent, Platform: Name, Status: http.StatusOK,
			Message: "Shopify answered the blog request without the blog's handle"}
	}
	c.mu.Lock()
	c.blogHandle = out.Blog.Handle
	c.mu.Unlock()
	return out.Blog.Handle, nil
}

func (c *Client) articleURL(ctx context.Context, articleHandle string) (string, error) {
	bh, err := c.fetchBlogHandle(ctx)
	if err != nil {
		return "", err
	}
	return c.buildURL(bh, articleHandle), nil
}

func (c *Client) buildURL(blogHandle, articleHandle string) string {
	return "https://" + c.domain + "/blogs/" + url.PathEscape(blogHandle) + "/" + url.PathEscape(articleHandle)
}

func (c *Client) blogNotFound(status int) *platform.Error {
	return &platform.Error{Kind: platform.Misconfigured, Platform: Name, Status: status,
		Message: "blog " + c.cfg.BlogID + " not found: choose a blog that exists in the shop"}
}

// do makes one Admin API call. rel is relative to /admin/api/{version}/
// unless it starts with "/"; in
// is marshalled as the JSON body when not nil; out is decoded from a 2xx.
// notFound classifies a 404.
func (c *Client) do(ctx context.Context, method, rel string, q url.Values, in, out any, notFound func(int) *platform.Error) error {
	u := c.base + "/admin/api/" + c.cfg.APIVersion + "/" + rel
	if strings.HasPrefix(rel, "/") { // an unversioned endpoint
		u = c.base + rel
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "could not encode the request", Err: err}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return misconfigured("the Admin API URL is invalid")
	}
	req.Header.Set("X-Shopify-Access-Token", c.cfg.AdminToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "igny8-publisher/1")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return c.networkError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return c.networkError(err)
	}

	if resp.StatusCode/100 == 2 {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return &platform.Error{Kind: platform.Permanent, Platform: Name, Status: resp.StatusCode,
				Message: "Shopify's answer is not the JSON the Admin API sends", Err: err}
		}
		return nil
	}
	return classify(resp, data, notFound)
}

func (c *Client) networkError(err error) *platform.Error {
	host := c.base
	if u, perr := url.Parse(c.base); perr == nil {
		host = u.Host
	}
	return platform.NetworkError(Name, host, err)
}

// classify turns a non-2xx answer into a *platform.Error.
func classify(resp *http.Response, body []byte, notFound func(int) *platform.Error) *platform.Error {
	status := resp.StatusCode
	e := &platform.Error{Platform: Name, Status: status, Detail: shopifyErrors(body)}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = platform.RateLimited
		e.RetryAfter = platform.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		e.Message = "Shopify's API call limit is reached"
		if l := strings.TrimSpace(resp.Header.Get("X-Shopify-Shop-Api-Call-Limit")); l != "" {
			e.Message += " (" + l + ")"
		}
		e.Message += ": retrying later"
	case status >= 500:
		e.Kind = platform.Transient
		e.RetryAfter = platform.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		e.Message = fmt.Sprintf("Shopify is unavailable (%d %s)", status, http.StatusText(status))
	case status == http.StatusUnauthorized:
		e.Kind = platform.Unauthorized
		e.Message = "the admin token is wrong or revoked: paste the custom app's current Admin API access token"
	case status == http.StatusForbidden:
		e.Kind = platform.Forbidden
		e.Message = "the app needs the write_content scope: grant it in the custom app's Admin API scopes and reinstall the app"
	case status == http.StatusNotFound && notFound != nil:
		return notFound(status)
	case status == http.StatusPaymentRequired:
		e.Kind = platform.Permanent
		e.Message = "the shop is frozen (unpaid): the owner must settle the Shopify bill"
	case status == http.StatusLocked:
		e.Kind = platform.Permanent
		e.Message = "the shop is locked by Shopify"
	case status == http.StatusUnprocessableEntity:
		e.Kind = platform.Permanent
		e.Message = "Shopify rejected the article"
	case status/100 == 3:
		e.Kind = platform.Permanent
		e.Message = "the shop domain redirects"
		if loc := resp.Header.Get("Location"); loc != "" {
			if lu, err := url.Parse(loc); err == nil && lu.Host != "" {
				e.Message += " to " + lu.Host
			}
		}
		e.Message += ": set the shop's my-shop.myshopify.com domain"
	default:
		e.Kind = platform.Permanent
		e.Message = fmt.Sprintf("Shopify refused the request (%d %s)", status, http.StatusText(status))
	}
	return e
}

// shopifyErrors reads Shopify's error body: {"errors": "..."},
// {"errors": {"field": ["msg", …]}}, {"errors": ["msg"]} or {"error": "..."}.
func shopifyErrors(body []byte) string {
	var env struct {
		Errors json.RawMessage `json:"errors"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	raw := env.Errors
	if len(raw) == 0 {
		raw = env.Error
	}
	return strings.TrimSpace(domain.Clip(oneLine(flatten(raw)), 500))
}

func flatten(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var parts []string
		for _, r := range list {
			if p := flatten(r); p != "" {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, ", ")
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			v := flatten(m[k])
			if v == "" {
				continue
			}
			if k == "base" {
				parts = append(parts, v)
			} else {
				parts = append(parts, k+": "+v)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}
