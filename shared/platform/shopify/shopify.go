// Package shopify publishes posts as blog articles through the Shopify
// GraphQL Admin API (a platform.Site): every call is a POST of
// {"query", "variables"} to /admin/api/{version}/graphql.json with the
// X-Shopify-Access-Token header.
//
// # Recognising our articles
//
// Find must answer reliably seconds after a Create (a retried or doubly fired
// publish must never make a second article). Each article therefore carries
// our content ID twice:
//
//   - the tag "igny8-<content id>", which Find looks for in two places in
//     one request: the configured blog's newest articles (a plain list, so an
//     article made a moment ago is there), and the articles query filtered by
//     the tag (query: `tag:"igny8-<id>"`, which goes through Shopify's search
//     index; it is updated asynchronously, hence the first place). Either way
//     Find confirms by comparing whole tags, so a loose or case-folding filter
//     cannot hand us another article;
//   - the metafield igny8.content_id, which nothing here reads but which is
//     the durable, invisible record for merchants and other apps.
//
// The trade-off: Shopify has no hidden tags, so "igny8-<content id>" is a
// normal tag. Themes that list an article's tags show it, and the storefront
// serves a /blogs/<blog>/tagged/igny8-<id> page. A theme can hide it with
// Liquid ({% unless tag contains 'igny8-' %}); removing the tag makes Find
// blind to that article, and a later retry of the same content would publish
// it again.
//
// # Images
//
// The GraphQL Admin API takes an article image as a URL, never as bytes, so
// Create uploads each image (the featured one and the in-article ones) to the
// shop's Files first: stagedUploadsCreate hands out signed upload targets,
// the bytes go there (a multipart POST to Shopify's upload storage, without
// the access token), fileCreate turns each into a MediaImage, and Create waits
// until Shopify has processed them (nodes(ids:) until fileStatus READY) to
// learn their CDN URLs. The featured image becomes the article's image (URL
// and alt text); the in-article ones go into the body with
// platform.PlaceFigures. A publish that fails after the upload and is retried
// uploads again: the earlier copies stay in Files, unused (never twice in an
// article). This needs the write_files scope besides write_content.
//
// # Errors
//
// What Shopify says (error messages, userErrors) goes in platform.Error's
// Detail for our logs, never in the message a site owner reads, and the
// access token is scrubbed from it. GraphQL reports most failures in an HTTP
// 200: THROTTLED (rate limited; the wait comes from extensions.cost's
// throttleStatus), ACCESS_DENIED (a missing scope: Forbidden),
// INTERNAL_SERVER_ERROR (transient), a mutation's userErrors (the input was
// refused: Permanent, like the REST API's 422). Those errors carry Status 0:
// the HTTP status did not decide them. HTTP 401, 402, 403, 404 (no Admin API
// there), 423, 429 (with Retry-After), 5xx and redirects are classified by
// status as before.
//
// # Other decisions
//
//   - Shopify articles have no categories: Post.Categories become tags too.
//   - Post.MetaTitle and Post.Excerpt also go to the global.title_tag and
//     global.description_tag metafields, which Shopify uses as the article's
//     SEO title and meta description.
//   - The article's author is Post.SiteName, or the shop's name.
//   - Redirects are not followed: the access token is a custom header that
//     net/http would forward to any host a redirect names, and a redirecting
//     shop domain is a setting to fix, not something to work around.
//   - Check also reads the app's access scopes, so a read-only token fails
//     the check rather than the first publish.
//   - The blog's handle (needed for the article URL) and the shop's name are
//     read once per Client and cached.
package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/platform"
)

// Name is the platform name in errors.
const Name = "shopify"

// DefaultAPIVersion is the Admin API version used when Config leaves it
// empty: a stable version inside Shopify's support window (each is supported
// for at least twelve months after its release).
const DefaultAPIVersion = "2025-10"

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

	maxImagePolls   = 15 // polls for processed images before giving up (for now)
	defImagePoll    = 500 * time.Millisecond
	maxImagePollGap = 8 // the poll interval grows to at most this many times the first
)

// scopeHelp is what a site owner reads when the app lacks a scope.
const scopeHelp = "the app needs the write_content and write_files scopes: grant them in the custom app's Admin API scopes and reinstall the app"

// Config is one connected Shopify shop.
type Config struct {
	ShopDomain string // e.g. my-shop.myshopify.com
	AdminToken string // a custom app's Admin API access token (shpat_…)
	BlogID     string // the numeric ID of the blog articles go to
	APIVersion string // default DefaultAPIVersion
	BaseURL    string // default "https://"+ShopDomain; tests: an httptest URL
	// ImagePollInterval is the first wait between polls for processed
	// images (it doubles, up to 8 times this); default 500 ms.
	ImagePollInterval time.Duration
}

// Client talks to one shop. It is safe for concurrent use.
type Client struct {
	cfg    Config
	domain string // the normalised shop domain
	base   string // scheme://host of the Admin API, no trailing slash
	hc     *http.Client

	mu         sync.Mutex
	blogHandle string
	shopName   string
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
	if cfg.ImagePollInterval <= 0 {
		cfg.ImagePollInterval = defImagePoll
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
		return misconfigured("the Admin API access token is missing: create a custom app with the write_content and write_files scopes and paste its token")
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
	// "2025-10", or "unstable".
	if v == "unstable" {
		return true
	}
	return len(v) == 7 && v[4] == '-' && isDigits(v[:4]) && isDigits(v[5:])
}

// blogGID is the configured blog's global ID.
func (c *Client) blogGID() string { return "gid://shopify/Blog/" + c.cfg.BlogID }

const checkQuery = `query Igny8Check($blog: ID!) {
  shop { id name myshopifyDomain }
  currentAppInstallation { accessScopes { handle } }
  blog(id: $blog) { id handle }
}`

// Check verifies, in one request, the token (shop), that the app has the
// write_content and write_files scopes (without them Check would pass and
// every publish fail) and the blog.
func (c *Client) Check(ctx context.Context) error {
	if err := c.validate(); err != nil {
		return err
	}
	var out struct {
		Shop *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"shop"`
		CurrentAppInstallation *struct {
			AccessScopes []struct {
				Handle string `json:"handle"`
			} `json:"accessScopes"`
		} `json:"currentAppInstallation"`
		Blog *blogNode `json:"blog"`
	}
	err := c.graphql(ctx, checkQuery, map[string]any{"blog": c.blogGID()}, &out)
	if err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) && pe.Kind == platform.Permanent && pe.Status/100 == 2 && pe.Err != nil {
			// A 2xx that is not the Admin API's JSON: some other site.
			pe.Kind = platform.NotPlatform
			pe.Message = notAdminAPI
		}
		return err
	}
	if out.Shop == nil || out.Shop.ID == "" {
		return &platform.Error{Kind: platform.NotPlatform, Platform: Name, Status: http.StatusOK, Message: notAdminAPI}
	}
	have := map[string]bool{}
	if out.CurrentAppInstallation != nil {
		for _, sc := range out.CurrentAppInstallation.AccessScopes {
			have[sc.Handle] = true
		}
	}
	if !have["write_content"] || !have["write_files"] {
		return &platform.Error{Kind: platform.Forbidden, Platform: Name, Message: scopeHelp}
	}
	if out.Blog == nil || out.Blog.Handle == "" {
		return c.blogNotFound()
	}
	c.remember(out.Blog.Handle, out.Shop.Name)
	return nil
}

const notAdminAPI = "the shop domain answered, but not as Shopify's Admin API: use the shop's my-shop.myshopify.com domain"

type blogNode struct {
	ID     string `json:"id"`
	Handle string `json:"handle"`
}

type articleNode struct {
	ID     string   `json:"id"`
	Handle string   `json:"handle"`
	Tags   []string `json:"tags"`
	Blog   *struct {
		ID string `json:"id"`
	} `json:"blog"`
}

const findQuery = `query Igny8Find($blog: ID!, $query: String!) {
  blog(id: $blog) {
    id
    handle
    articles(last: 10) { nodes { id handle tags } }
  }
  articles(first: 25, query: $query) { nodes { id handle tags blog { id } } }
}`

// Find returns the article tagged for contentID, if there is one.
func (c *Client) Find(ctx context.Context, contentID string) (platform.Remote, bool, error) {
	if err := c.validate(); err != nil {
		return platform.Remote{}, false, err
	}
	tag, err := contentTag(contentID)
	if err != nil {
		return platform.Remote{}, false, err
	}
	var out struct {
		Blog *struct {
			blogNode
			Articles struct {
				Nodes []articleNode `json:"nodes"`
			} `json:"articles"`
		} `json:"blog"`
		Articles struct {
			Nodes []articleNode `json:"nodes"`
		} `json:"articles"`
	}
	vars := map[string]any{"blog": c.blogGID(), "query": "tag:" + searchQuote(tag)}
	if err := c.graphql(ctx, findQuery, vars, &out); err != nil {
		return platform.Remote{}, false, err
	}
	if out.Blog == nil || out.Blog.Handle == "" {
		return platform.Remote{}, false, c.blogNotFound()
	}
	c.remember(out.Blog.Handle, "")
	candidates := out.Blog.Articles.Nodes
	for _, a := range out.Articles.Nodes {
		if a.Blog != nil && a.Blog.ID == out.Blog.ID {
			candidates = append(candidates, a)
		}
	}
	for _, a := range candidates {
		if !hasTag(a.Tags, tag) {
			continue
		}
		id := legacyID(a.ID, "Article")
		if id == "" {
			continue
		}
		return platform.Remote{ID: id, URL: c.buildURL(out.Blog.Handle, a.Handle)}, true, nil
	}
	return platform.Remote{}, false, nil
}

// searchQuote quotes a value for Shopify's search syntax.
func searchQuote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

const createMutation = `mutation Igny8ArticleCreate($article: ArticleCreateInput!) {
  articleCreate(article: $article) {
    article { id handle }
    userErrors { field message code }
  }
}`

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
	var imgs []*platform.Image
	if img := p.FeaturedImage; img != nil {
		if len(img.Data) == 0 {
			return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "the featured image has no data"}
		}
		imgs = append(imgs, img)
	}
	for i := range p.InArticleImages {
		img := &p.InArticleImages[i]
		if len(img.Data) == 0 {
			return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name,
				Message: fmt.Sprintf("in-article image %d has no data", i+1)}
		}
		imgs = append(imgs, img)
	}
	// The blog first: a wrong blog ID fails before anything is made, and the
	// URL of the new article needs no further call.
	blogHandle, shopName, err := c.fetchBlog(ctx)
	if err != nil {
		return platform.Remote{}, err
	}
	urls, err := c.uploadImages(ctx, imgs)
	if err != nil {
		return platform.Remote{}, err
	}

	body := p.HTML
	var image map[string]any
	if p.FeaturedImage != nil {
		image = map[string]any{"url": urls[0], "altText": p.FeaturedImage.Alt}
		urls = urls[1:]
	}
	if len(urls) > 0 {
		figs := make([]platform.Figure, len(urls))
		for i, u := range urls {
			figs[i] = platform.Figure{URL: u, Alt: p.InArticleImages[i].Alt}
		}
		body = platform.PlaceFigures(body, figs)
	}

	author := strings.TrimSpace(p.SiteName)
	if author == "" {
		author = shopName
	}
	if author == "" {
		author = c.domain
	}
	a := map[string]any{
		"blogId":      c.blogGID(),
		"title":       p.Title,
		"author":      map[string]any{"name": author},
		"body":        body,
		"tags":        tagList(p.Categories, p.Tags, tag),
		"isPublished": true,
	}
	metafields := []map[string]any{metafield(MetafieldNamespace, MetafieldKey, p.ContentID)}
	if h := strings.TrimSpace(p.Slug); h != "" {
		a["handle"] = h
	}
	if ex := strings.TrimSpace(p.Excerpt); ex != "" {
		a["summary"] = "<p>" + html.EscapeString(ex) + "</p>"
		metafields = append(metafields, metafield("global", "description_tag", oneLine(ex)))
	}
	if mt := strings.TrimSpace(p.MetaTitle); mt != "" {
		metafields = append(metafields, metafield("global", "title_tag", oneLine(mt)))
	}
	a["metafields"] = metafields
	if !p.PublishAt.IsZero() {
		a["publishDate"] = p.PublishAt.UTC().Format(time.RFC3339)
	}
	if image != nil {
		a["image"] = image
	}

	var out struct {
		ArticleCreate *struct {
			Article *struct {
				ID     string `json:"id"`
				Handle string `json:"handle"`
			} `json:"article"`
			UserErrors []userError `json:"userErrors"`
		} `json:"articleCreate"`
	}
	if err := c.graphql(ctx, createMutation, map[string]any{"article": a}, &out); err != nil {
		return platform.Remote{}, err
	}
	if out.ArticleCreate == nil {
		return platform.Remote{}, c.malformed("Shopify answered the article create without its result")
	}
	if len(out.ArticleCreate.UserErrors) > 0 {
		return platform.Remote{}, c.rejected("Shopify rejected the article", out.ArticleCreate.UserErrors)
	}
	art := out.ArticleCreate.Article
	if art == nil || legacyID(art.ID, "Article") == "" {
		return platform.Remote{}, c.malformed("Shopify answered without an article ID")
	}
	handle := art.Handle
	if handle == "" {
		handle, _ = a["handle"].(string)
	}
	return platform.Remote{ID: legacyID(art.ID, "Article"), URL: c.buildURL(blogHandle, handle)}, nil
}

func metafield(namespace, key, value string) map[string]any {
	return map[string]any{"namespace": namespace, "key": key, "type": "single_line_text_field", "value": value}
}

// userError is one entry of a mutation's userErrors.
type userError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// rejected is a mutation's userErrors: the input was refused (what the REST
// API answered with a 422). Shopify's words go to Detail only.
func (c *Client) rejected(msg string, errs []userError) *platform.Error {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		s := strings.TrimSpace(e.Message)
		if f := strings.Join(e.Field, "."); f != "" {
			s = f + ": " + s
		}
		if e.Code != "" {
			s += " (" + e.Code + ")"
		}
		parts = append(parts, s)
	}
	return &platform.Error{Kind: platform.Permanent, Platform: Name, Message: msg,
		Detail: c.scrub(clipDetail(strings.Join(parts, "; ")))}
}

func (c *Client) malformed(msg string) *platform.Error {
	return &platform.Error{Kind: platform.Permanent, Platform: Name, Status: http.StatusOK, Message: msg}
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

// hasTag reports whether tags hold want as a whole tag. Shopify treats tags
// case-insensitively, so the comparison does too.
func hasTag(tags []string, want string) bool {
	for _, t := range tags {
		if strings.EqualFold(strings.TrimSpace(t), want) {
			return true
		}
	}
	return false
}

// tagList is the article's tags: categories, then tags, then the content
// tag, each cleaned (Shopify splits tags on commas) and de-duplicated
// case-insensitively.
func tagList(categories, tags []string, contentTag string) []string {
	seen := map[string]bool{}
	out := []string{}
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
	return out
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// imageFilename is the image's file name, or one made from its content type.
func imageFilename(img *platform.Image) string {
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(img.Filename), "\\", "/"))
	if name != "" && name != "." && name != "/" {
		return name
	}
	ext := ".jpg"
	switch imageType(img) {
	case "image/png":
		ext = ".png"
	case "image/gif":
		ext = ".gif"
	case "image/webp":
		ext = ".webp"
	}
	return "featured" + ext
}

// imageType is the image's media type: its ContentType, or sniffed.
func imageType(img *platform.Image) string {
	ct := img.ContentType
	if ct == "" {
		ct = http.DetectContentType(img.Data)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "application/octet-stream"
	}
	return mt
}

// legacyID is the numeric ID in a global ID (gid://shopify/<kind>/<n>), ""
// when gid is not one of that kind.
func legacyID(gid, kind string) string {
	rest, ok := strings.CutPrefix(strings.TrimSpace(gid), "gid://shopify/"+kind+"/")
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	if !isDigits(rest) {
		return ""
	}
	return rest
}

const blogQuery = `query Igny8Blog($blog: ID!) {
  shop { name }
  blog(id: $blog) { id handle }
}`

// fetchBlog reads the blog's handle and the shop's name once and caches them.
func (c *Client) fetchBlog(ctx context.Context) (handle, shopName string, err error) {
	c.mu.Lock()
	h, n := c.blogHandle, c.shopName
	c.mu.Unlock()
	if h != "" && n != "" {
		return h, n, nil
	}
	var out struct {
		Shop *struct {
			Name string `json:"name"`
		} `json:"shop"`
		Blog *blogNode `json:"blog"`
	}
	if err := c.graphql(ctx, blogQuery, map[string]any{"blog": c.blogGID()}, &out); err != nil {
		return "", "", err
	}
	if out.Blog == nil || out.Blog.Handle == "" {
		return "", "", c.blogNotFound()
	}
	if out.Shop != nil {
		n = out.Shop.Name
	}
	c.remember(out.Blog.Handle, n)
	return out.Blog.Handle, n, nil
}

func (c *Client) remember(blogHandle, shopName string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if blogHandle != "" {
		c.blogHandle = blogHandle
	}
	if shopName != "" {
		c.shopName = shopName
	}
}

func (c *Client) buildURL(blogHandle, articleHandle string) string {
	return "https://" + c.domain + "/blogs/" + url.PathEscape(blogHandle) + "/" + url.PathEscape(articleHandle)
}

func (c *Client) blogNotFound() *platform.Error {
	return &platform.Error{Kind: platform.Misconfigured, Platform: Name,
		Message: "blog " + c.cfg.BlogID + " not found: choose a blog that exists in the shop"}
}

// --- images ----------------------------------------------------------------

const stageMutation = `mutation Igny8StageUploads($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}`

const fileCreateMutation = `mutation Igny8FileCreate($files: [FileCreateInput!]!) {
  fileCreate(files: $files) {
    files { id fileStatus }
    userErrors { field message code }
  }
}`

const filesQuery = `query Igny8Files($ids: [ID!]!) {
  nodes(ids: $ids) {
    id
    ... on MediaImage { fileStatus image { url } fileErrors { code message } }
  }
}`

type stagedTarget struct {
	URL         string `json:"url"`
	ResourceURL string `json:"resourceUrl"`
	Parameters  []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"parameters"`
}

// uploadImages puts the images into the shop's Files and returns their CDN
// URLs, in order.
func (c *Client) uploadImages(ctx context.Context, imgs []*platform.Image) ([]string, error) {
	if len(imgs) == 0 {
		return nil, nil
	}
	input := make([]map[string]any, len(imgs))
	for i, img := range imgs {
		input[i] = map[string]any{
			"filename": imageFilename(img), "mimeType": imageType(img), "resource": "IMAGE",
			"httpMethod": "POST", "fileSize": fmt.Sprint(len(img.Data)),
		}
	}
	var staged struct {
		StagedUploadsCreate *struct {
			StagedTargets []stagedTarget `json:"stagedTargets"`
			UserErrors    []userError    `json:"userErrors"`
		} `json:"stagedUploadsCreate"`
	}
	if err := c.graphql(ctx, stageMutation, map[string]any{"input": input}, &staged); err != nil {
		return nil, err
	}
	if staged.StagedUploadsCreate == nil {
		return nil, c.malformed("Shopify answered the image upload request without its result")
	}
	if len(staged.StagedUploadsCreate.UserErrors) > 0 {
		return nil, c.rejected("Shopify refused to take the images", staged.StagedUploadsCreate.UserErrors)
	}
	targets := staged.StagedUploadsCreate.StagedTargets
	if len(targets) != len(imgs) {
		return nil, c.malformed("Shopify answered the image upload request with the wrong number of targets")
	}
	files := make([]map[string]any, len(imgs))
	for i, img := range imgs {
		if err := c.putStaged(ctx, targets[i], img); err != nil {
			return nil, err
		}
		files[i] = map[string]any{"originalSource": targets[i].ResourceURL, "contentType": "IMAGE",
			"alt": img.Alt, "filename": imageFilename(img)}
	}

	var created struct {
		FileCreate *struct {
			Files []struct {
				ID string `json:"id"`
			} `json:"files"`
			UserErrors []userError `json:"userErrors"`
		} `json:"fileCreate"`
	}
	if err := c.graphql(ctx, fileCreateMutation, map[string]any{"files": files}, &created); err != nil {
		return nil, err
	}
	if created.FileCreate == nil {
		return nil, c.malformed("Shopify answered the file create without its result")
	}
	if len(created.FileCreate.UserErrors) > 0 {
		return nil, c.rejected("Shopify rejected the images", created.FileCreate.UserErrors)
	}
	ids := make([]string, len(created.FileCreate.Files))
	for i, f := range created.FileCreate.Files {
		ids[i] = f.ID
	}
	if len(ids) != len(imgs) || slices.Contains(ids, "") {
		return nil, c.malformed("Shopify answered the file create without the files' IDs")
	}
	return c.awaitFiles(ctx, ids, imgs)
}

// awaitFiles polls the files until Shopify has processed each (READY, with
// its image URL) and returns the URLs in order.
func (c *Client) awaitFiles(ctx context.Context, ids []string, imgs []*platform.Image) ([]string, error) {
	wait := c.cfg.ImagePollInterval
	for poll := 0; poll < maxImagePolls; poll++ {
		if poll > 0 {
			if err := sleep(ctx, wait); err != nil {
				return nil, c.networkError(c.base, err)
			}
			wait = min(wait*2, c.cfg.ImagePollInterval*maxImagePollGap)
		}
		var out struct {
			Nodes []*struct {
				ID         string `json:"id"`
				FileStatus string `json:"fileStatus"`
				Image      *struct {
					URL string `json:"url"`
				} `json:"image"`
				FileErrors []struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"fileErrors"`
			} `json:"nodes"`
		}
		if err := c.graphql(ctx, filesQuery, map[string]any{"ids": ids}, &out); err != nil {
			return nil, err
		}
		if len(out.Nodes) != len(ids) {
			return nil, c.malformed("Shopify answered the files query with the wrong number of files")
		}
		urls := make([]string, len(ids))
		ready := true
		for i, n := range out.Nodes {
			if n == nil {
				return nil, c.malformed("Shopify did not find an image it had just taken")
			}
			switch {
			case n.FileStatus == "FAILED":
				var parts []string
				for _, fe := range n.FileErrors {
					parts = append(parts, strings.TrimSpace(fe.Message+" ("+fe.Code+")"))
				}
				return nil, &platform.Error{Kind: platform.Permanent, Platform: Name,
					Message: fmt.Sprintf("Shopify could not process the image %s: check that it is a valid image", imageFilename(imgs[i])),
					Detail:  c.scrub(clipDetail(strings.Join(parts, "; ")))}
			case n.FileStatus == "READY" && n.Image != nil && n.Image.URL != "":
				urls[i] = n.Image.URL
			default:
				ready = false
			}
		}
		if ready {
			return urls, nil
		}
	}
	return nil, &platform.Error{Kind: platform.Transient, Platform: Name,
		Message: "Shopify is still processing the images: retrying later"}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// putStaged sends the image's bytes to its staged upload target: a multipart
// POST of the target's parameters and then the file. The target is Shopify's
// upload storage, not the shop, so the access token is not sent.
func (c *Client) putStaged(ctx context.Context, t stagedTarget, img *platform.Image) error {
	u, err := url.Parse(t.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || t.ResourceURL == "" {
		return c.malformed("Shopify answered the image upload request with an unusable upload target")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range t.Parameters {
		if err := mw.WriteField(p.Name, p.Value); err != nil {
			return &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "could not encode the image upload", Err: err}
		}
	}
	fw, err := mw.CreateFormFile("file", imageFilename(img))
	if err == nil {
		_, err = fw.Write(img.Data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "could not encode the image upload", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, &buf)
	if err != nil {
		return c.malformed("Shopify answered the image upload request with an unusable upload target")
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("User-Agent", "igny8-publisher/1")
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.networkError(t.URL, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := &platform.Error{Platform: Name, Status: resp.StatusCode, Detail: c.scrub(clipDetail(oneLine(string(data))))}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = platform.RateLimited
		e.RetryAfter = platform.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		e.Message = "Shopify's upload storage is busy: retrying later"
	case resp.StatusCode >= 500:
		e.Kind = platform.Transient
		e.Message = fmt.Sprintf("Shopify's upload storage is unavailable (%d %s)", resp.StatusCode, http.StatusText(resp.StatusCode))
	default:
		e.Kind = platform.Permanent
		e.Message = fmt.Sprintf("Shopify's upload storage refused the image %s (%d %s)", imageFilename(img), resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return e
}

// --- the GraphQL call ------------------------------------------------------

// gqlError is one entry of a GraphQL answer's errors.
type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code           string `json:"code"`
		RequiredAccess string `json:"requiredAccess"`
	} `json:"extensions"`
}

// cost is extensions.cost of an answer.
type cost struct {
	RequestedQueryCost float64  `json:"requestedQueryCost"`
	ActualQueryCost    *float64 `json:"actualQueryCost"`
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

type envelope struct {
	Data       json.RawMessage `json:"data"`
	Errors     json.RawMessage `json:"errors"`
	Extensions struct {
		Cost *cost `json:"cost"`
	} `json:"extensions"`
}

// graphql makes one GraphQL Admin API call: query with vars, its data
// decoded into out. Every failure is a *platform.Error.
func (c *Client) graphql(ctx context.Context, query string, vars map[string]any, out any) error {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "could not encode the request", Err: err}
	}
	u := c.base + "/admin/api/" + c.cfg.APIVersion + "/graphql.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return misconfigured("the Admin API URL is invalid")
	}
	req.Header.Set("X-Shopify-Access-Token", c.cfg.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "igny8-publisher/1")

	resp, err := c.hc.Do(req)
	if err != nil {
		return c.networkError(c.base, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return c.networkError(c.base, err)
	}
	if resp.StatusCode/100 != 2 {
		return c.classify(resp, data)
	}

	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return &platform.Error{Kind: platform.Permanent, Platform: Name, Status: resp.StatusCode,
			Message: "Shopify's answer is not the JSON the Admin API sends", Err: err}
	}
	if errs, ok := parseErrors(env.Errors); !ok || len(errs) > 0 {
		return c.graphqlErrors(errs, env.Extensions.Cost, env.Errors)
	}
	if len(bytes.TrimSpace(env.Data)) == 0 || string(bytes.TrimSpace(env.Data)) == "null" {
		return &platform.Error{Kind: platform.Permanent, Platform: Name, Status: resp.StatusCode,
			Message: "Shopify's answer is not the JSON the Admin API sends", Err: errors.New("no data")}
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return &platform.Error{Kind: platform.Permanent, Platform: Name, Status: resp.StatusCode,
			Message: "Shopify's answer is not the JSON the Admin API sends", Err: err}
	}
	return nil
}

// parseErrors reads a GraphQL errors array; ok is false for errors that are
// present but not an array of objects.
func parseErrors(raw json.RawMessage) ([]gqlError, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	var errs []gqlError
	if json.Unmarshal(raw, &errs) != nil {
		return nil, false
	}
	return errs, true
}

// graphqlErrors classifies the errors of an HTTP 2xx answer. raw is the
// errors as sent, for the log when they are not the usual array.
func (c *Client) graphqlErrors(errs []gqlError, cst *cost, raw json.RawMessage) *platform.Error {
	e := &platform.Error{Platform: Name, Kind: platform.Permanent,
		Message: "Shopify refused the request"}
	var parts []string
	codes := map[string]bool{}
	for _, ge := range errs {
		code := strings.ToUpper(ge.Extensions.Code)
		if code == "" && strings.EqualFold(strings.TrimSpace(ge.Message), "throttled") {
			code = "THROTTLED"
		}
		codes[code] = true
		s := strings.TrimSpace(ge.Message)
		if code != "" {
			s += " (" + code + ")"
		}
		if ge.Extensions.RequiredAccess != "" {
			s += " required: " + ge.Extensions.RequiredAccess
		}
		parts = append(parts, s)
	}
	if len(errs) == 0 {
		parts = append(parts, flatten(raw))
	}
	e.Detail = c.scrub(clipDetail(oneLine(strings.Join(parts, "; "))))
	switch {
	case codes["THROTTLED"]:
		e.Kind = platform.RateLimited
		e.RetryAfter = throttleWait(cst)
		e.Message = "Shopify's API call limit is reached" + costNote(cst) + ": retrying later"
	case codes["ACCESS_DENIED"]:
		e.Kind = platform.Forbidden
		e.Message = scopeHelp
	case codes["INTERNAL_SERVER_ERROR"]:
		e.Kind = platform.Transient
		e.Message = "Shopify had an internal error"
	case codes["SHOP_INACTIVE"]:
		e.Message = "the shop is not active: the owner must reactivate it in Shopify"
	case codes["MAX_COST_EXCEEDED"]:
		e.Message = "Shopify refused the request as too costly"
	}
	return e
}

// throttleWait is how long until the bucket holds the requested cost again:
// (requested - available) / restore rate, at least a second.
func throttleWait(cst *cost) time.Duration {
	if cst == nil || cst.ThrottleStatus.RestoreRate <= 0 {
		return time.Second
	}
	need := cst.RequestedQueryCost - cst.ThrottleStatus.CurrentlyAvailable
	secs := need / cst.ThrottleStatus.RestoreRate
	if math.IsNaN(secs) || secs < 1 {
		secs = 1
	}
	if secs > 3600 {
		secs = 3600
	}
	return time.Duration(secs * float64(time.Second)).Round(time.Millisecond)
}

func costNote(cst *cost) string {
	if cst == nil || cst.ThrottleStatus.MaximumAvailable <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%.0f of %.0f points available)", cst.ThrottleStatus.CurrentlyAvailable, cst.ThrottleStatus.MaximumAvailable)
}

// networkError is a failed request to the Admin API or to rawURL's host.
func (c *Client) networkError(rawURL string, err error) *platform.Error {
	host := rawURL
	if u, perr := url.Parse(rawURL); perr == nil && u.Host != "" {
		host = u.Host
	}
	pe := platform.NetworkError(Name, host, err)
	pe.Message = c.scrub(pe.Message)
	return pe
}

// scrub removes the access token from s (a remote may echo it).
func (c *Client) scrub(s string) string {
	if t := c.cfg.AdminToken; len(t) >= 4 {
		s = strings.ReplaceAll(s, t, "[token]")
	}
	return s
}

func clipDetail(s string) string { return strings.TrimSpace(domain.Clip(s, 500)) }

// classify turns a non-2xx answer into a *platform.Error.
func (c *Client) classify(resp *http.Response, body []byte) *platform.Error {
	status := resp.StatusCode
	e := &platform.Error{Platform: Name, Status: status, Detail: c.scrub(shopifyErrors(body))}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = platform.RateLimited
		e.RetryAfter = platform.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		var env envelope
		_ = json.Unmarshal(body, &env)
		if e.RetryAfter == 0 && env.Extensions.Cost != nil {
			e.RetryAfter = throttleWait(env.Extensions.Cost)
		}
		e.Message = "Shopify's API call limit is reached" + costNote(env.Extensions.Cost) + ": retrying later"
	case status >= 500:
		e.Kind = platform.Transient
		e.RetryAfter = platform.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		e.Message = fmt.Sprintf("Shopify is unavailable (%d %s)", status, http.StatusText(status))
	case status == http.StatusUnauthorized:
		e.Kind = platform.Unauthorized
		e.Message = "the admin token is wrong or revoked: paste the custom app's current Admin API access token"
	case status == http.StatusForbidden:
		e.Kind = platform.Forbidden
		e.Message = scopeHelp
	case status == http.StatusNotFound:
		e.Kind = platform.NotPlatform
		e.Message = "the shop domain does not serve Shopify's Admin API: use the shop's my-shop.myshopify.com domain"
	case status == http.StatusPaymentRequired:
		e.Kind = platform.Permanent
		e.Message = "the shop is frozen (unpaid): the owner must settle the Shopify bill"
	case status == http.StatusLocked:
		e.Kind = platform.Permanent
		e.Message = "the shop is locked by Shopify"
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
// {"errors": {"field": ["msg", …]}}, {"errors": ["msg"]}, GraphQL's
// {"errors": [{"message": …, "extensions": {"code": …}}]} or {"error": "..."}.
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
	return clipDetail(oneLine(flatten(raw)))
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
		if msg, ok := m["message"]; ok { // a GraphQL error
			var ge gqlError
			if json.Unmarshal(raw, &ge) == nil {
				s := flatten(msg)
				if ge.Extensions.Code != "" {
					s += " (" + ge.Extensions.Code + ")"
				}
				return s
			}
		}
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
