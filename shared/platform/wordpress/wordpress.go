// Package wordpress publishes posts through the WordPress REST API v2 (a
// platform.Site), authenticated with an application password, so that it
// works with a stock WordPress (5.6 or later) and no plugin of ours.
//
// # Recognising our posts
//
// Without a plugin there is nowhere private to keep our content ID: post
// meta is only writable through the REST API when a plugin registers it. So
// each post's content ends with an invisible HTML comment,
// <!-- igny8:content:<content id> -->, which readers never see, which kses
// keeps for users without unfiltered_html, and which WordPress's search (a
// LIKE over title, excerpt and content, run on the database, so it sees a
// post the moment it is made) finds. Find searches for it in every status
// but trash and then confirms that the raw content holds the exact comment,
// since the search also matches a content ID that merely starts with ours.
// An editor who deletes the comment makes Find blind to that post. The
// featured image carries the same comment in its description, so a Create
// retried after its upload succeeded reuses the image instead of uploading
// it again.
//
// # Other decisions
//
//   - The API root is found once per Client: /wp-json/ and, for sites
//     without pretty permalinks, ?rest_route=/.
//   - Categories and tags are given by name: an existing term whose name
//     matches case-insensitively is reused, else it is created (a 400
//     term_exists answer, from a race or a slug clash, names the term to use).
//   - Post.MetaTitle has no home in core WordPress (it belongs to SEO
//     plugins) and is not sent; Post.Excerpt becomes the excerpt.
//   - Redirects are not followed: a redirect would turn a POST into a GET,
//     and a site that redirects (http to https, a www host) is a setting to
//     correct, which the error names.
package wordpress

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/platform"
)

// Name is the platform name in errors.
const Name = "wordpress"

// MarkerPrefix starts the text of the HTML comment that tags a post (and
// its featured image) with our content ID.
const MarkerPrefix = "igny8:content:"

const (
	defTimeout = 30 * time.Second
	maxBody    = 16 << 20 // the most of an answer we read
	userAgent  = "igny8-publisher/1"
)

// Capabilities the connected user needs.
var requiredCaps = []string{"publish_posts", "upload_files", "manage_categories"}

// Config is one connected WordPress site.
type Config struct {
	URL         string // the site address, e.g. https://example.com or https://example.com/blog
	Username    string // the WordPress user the application password belongs to
	AppPassword string // an application password ("abcd efgh ijkl mnop qrst uvwx")
}

// Client talks to one site. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base string // the site URL, no trailing slash
	hc   *http.Client

	mu   sync.Mutex
	root apiRoot // found on first use
}

// apiRoot says how to address REST routes on the site.
type apiRoot int

const (
	rootUnknown apiRoot = iota
	rootPretty          // {base}/wp-json/wp/v2/...
	rootQuery           // {base}/?rest_route=/wp/v2/...
)

var _ platform.Site = (*Client)(nil)

// New returns a client for the site. hc may be nil (a client with a 30 s
// timeout); it is copied, never changed, to turn off redirects.
func New(cfg Config, hc *http.Client) *Client {
	c := platform.HTTPClient(hc, defTimeout)
	cfg.URL = strings.TrimSpace(cfg.URL)
	cfg.Username = strings.TrimSpace(cfg.Username)
	cfg.AppPassword = strings.TrimSpace(cfg.AppPassword)
	return &Client{cfg: cfg, base: normaliseURL(cfg.URL), hc: c}
}

// normaliseURL drops a trailing slash and a pasted /wp-json or /wp-admin.
func normaliseURL(u string) string {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	for _, suffix := range []string{"/wp-json", "/wp-admin", "/wp-login.php"} {
		if strings.HasSuffix(strings.ToLower(u), suffix) {
			u = strings.TrimRight(u[:len(u)-len(suffix)], "/")
		}
	}
	return u
}

func misconfigured(msg string) *platform.Error {
	return &platform.Error{Kind: platform.Misconfigured, Platform: Name, Message: msg}
}

func permanent(msg string) *platform.Error {
	return &platform.Error{Kind: platform.Permanent, Platform: Name, Message: msg}
}

// validate reports settings that make every call fail.
func (c *Client) validate() error {
	u, err := url.Parse(c.base)
	switch {
	case c.base == "":
		return misconfigured("the site address is missing: set it to the WordPress site's address, e.g. https://example.com")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		return misconfigured("the site address is not an http(s) address: set it to the WordPress site's address, e.g. https://example.com")
	case u.User != nil:
		return misconfigured("the site address must not contain a user name or password: put them in the username and application password settings")
	case c.cfg.Username == "":
		return misconfigured("the WordPress username is missing")
	case c.cfg.AppPassword == "":
		return misconfigured("the application password is missing: create one under Users → Profile → Application Passwords")
	}
	return nil
}

// Check verifies that the site serves the WordPress REST API, that the
// credentials work and that the user may publish, upload and make categories.
func (c *Client) Check(ctx context.Context) error {
	if err := c.validate(); err != nil {
		return err
	}
	if _, err := c.apiRoot(ctx); err != nil {
		return err
	}
	var me struct {
		ID           json.Number     `json:"id"`
		Roles        []string        `json:"roles"`
		Capabilities map[string]bool `json:"capabilities"`
	}
	q := url.Values{"context": {"edit"}, "_fields": {"id,roles,capabilities"}}
	if err := c.do(ctx, http.MethodGet, "/wp/v2/users/me", q, nil, &me); err != nil {
		return err
	}
	if me.ID == "" {
		return &platform.Error{Kind: platform.Permanent, Platform: Name, Status: http.StatusOK,
			Message: "WordPress answered /wp/v2/users/me without the user: a plugin may be changing the REST API"}
	}
	var missing []string
	for _, cp := range requiredCaps {
		if !me.Capabilities[cp] {
			missing = append(missing, cp)
		}
	}
	if len(missing) > 0 {
		role := strings.Join(me.Roles, ", ")
		if role == "" {
			role = "no role"
		}
		noun := "capability"
		if len(missing) > 1 {
			noun = "capabilities"
		}
		return &platform.Error{Kind: platform.Forbidden, Platform: Name, Status: http.StatusOK,
			Message: fmt.Sprintf("the WordPress user %q (%s) lacks the %s %s: give it the Editor or Administrator role",
				c.cfg.Username, role, noun, strings.Join(missing, ", "))}
	}
	return nil
}

// Marker is the HTML comment that tags content made for contentID.
func Marker(contentID string) string { return "<!-- " + MarkerPrefix + contentID + " -->" }

func checkContentID(id string) error {
	if id == "" || strings.TrimSpace(id) != id || len(id) > 200 || strings.Contains(id, "--") ||
		strings.ContainsAny(id, " \t\r\n<>&\"'") || !utf8.ValidString(id) {
		return permanent("the content ID cannot be put in an HTML comment (empty, padded, too long, or with spaces, quotes, <, >, & or --)")
	}
	return nil
}

// Find returns the post tagged with contentID's marker, if any, in any
// status but trash.
func (c *Client) Find(ctx context.Context, contentID string) (platform.Remote, bool, error) {
	if err := c.validate(); err != nil {
		return platform.Remote{}, false, err
	}
	if err := checkContentID(contentID); err != nil {
		return platform.Remote{}, false, err
	}
	if _, err := c.apiRoot(ctx); err != nil {
		return platform.Remote{}, false, err
	}
	q := url.Values{
		"search":   {MarkerPrefix + contentID},
		"status":   {"publish,future,draft,pending,private"},
		"context":  {"edit"},
		"per_page": {"100"},
		"orderby":  {"id"},
		"order":    {"asc"},
		"_fields":  {"id,link,content"},
	}
	var posts []struct {
		ID      json.Number `json:"id"`
		Link    string      `json:"link"`
		Content struct {
			Raw *string `json:"raw"`
		} `json:"content"`
	}
	if err := c.do(ctx, http.MethodGet, "/wp/v2/posts", q, nil, &posts); err != nil {
		// WordPress treats a request whose credentials it did not accept as
		// anonymous, and an anonymous user may not list drafts: it answers
		// 400 rest_invalid_param instead of 401. Ask who we are to tell.
		var pe *platform.Error
		var d *wpDetail
		if errors.As(err, &pe) && pe.Status == http.StatusBadRequest && errors.As(err, &d) && d.code == "rest_invalid_param" {
			var me struct {
				ID json.Number `json:"id"`
			}
			if merr := c.do(ctx, http.MethodGet, "/wp/v2/users/me", url.Values{"context": {"edit"}}, nil, &me); merr != nil {
				return platform.Remote{}, false, merr
			}
		}
		return platform.Remote{}, false, err
	}
	marker := Marker(contentID)
	for _, p := range posts {
		if p.Content.Raw == nil {
			return platform.Remote{}, false, &platform.Error{Kind: platform.Forbidden, Platform: Name, Status: http.StatusOK,
				Message: "WordPress did not show the posts' raw content (context=edit): the user needs the Editor or Administrator role"}
		}
		if strings.Contains(*p.Content.Raw, marker) && p.ID != "" {
			return platform.Remote{ID: p.ID.String(), URL: p.Link}, true, nil
		}
	}
	return platform.Remote{}, false, nil
}

// Create publishes p: the categories and tags, then the featured image,
// then the post.
func (c *Client) Create(ctx context.Context, p platform.Post) (platform.Remote, error) {
	if err := c.validate(); err != nil {
		return platform.Remote{}, err
	}
	if err := checkContentID(p.ContentID); err != nil {
		return platform.Remote{}, err
	}
	if strings.TrimSpace(p.Title) == "" {
		return platform.Remote{}, permanent("the post has no title")
	}
	if img := p.FeaturedImage; img != nil && len(img.Data) == 0 {
		return platform.Remote{}, permanent("the featured image has no data")
	}
	for _, img := range p.InArticleImages {
		if len(img.Data) == 0 || img.Key == "" || strings.Contains(img.Key, "--") || strings.ContainsAny(img.Key, " <>") {
			return platform.Remote{}, permanent("an in-article image has no data or no usable key")
		}
	}
	if _, err := c.apiRoot(ctx); err != nil {
		return platform.Remote{}, err
	}

	body := map[string]any{
		"title":   p.Title,
		"content": strings.TrimRight(p.HTML, "\n") + "\n" + Marker(p.ContentID),
		"status":  "publish",
	}
	if ex := strings.TrimSpace(p.Excerpt); ex != "" {
		body["excerpt"] = ex
	}
	if slug := strings.TrimSpace(p.Slug); slug != "" {
		body["slug"] = slug
	}
	if !p.PublishAt.IsZero() {
		body["date_gmt"] = p.PublishAt.UTC().Format("2006-01-02T15:04:05")
	}
	if len(p.Categories) > 0 {
		ids, err := c.termIDs(ctx, "categories", p.Categories)
		if err != nil {
			return platform.Remote{}, err
		}
		body["categories"] = ids
	}
	if len(p.Tags) > 0 {
		ids, err := c.termIDs(ctx, "tags", p.Tags)
		if err != nil {
			return platform.Remote{}, err
		}
		body["tags"] = ids
	}
	// The images last: a refused term (say, a user who may not make
	// categories) then costs no upload.
	featured, html, err := c.images(ctx, p)
	if err != nil {
		return platform.Remote{}, err
	}
	body["content"] = strings.TrimRight(html, "\n") + "\n" + Marker(p.ContentID)
	if featured != 0 {
		body["featured_media"] = featured
	}

	var out struct {
		ID   json.Number `json:"id"`
		Link string      `json:"link"`
	}
	if err := c.do(ctx, http.MethodPost, "/wp/v2/posts", nil, body, &out); err != nil {
		return platform.Remote{}, err
	}
	if out.ID == "" || out.ID == "0" {
		return platform.Remote{}, &platform.Error{Kind: platform.Permanent, Platform: Name, Status: http.StatusCreated,
			Message: "WordPress answered without a post ID"}
	}
	return platform.Remote{ID: out.ID.String(), URL: out.Link}, nil
}

// media is an uploaded media item.
type media struct {
	ID  int64
	URL string
}

// imageMarker tags an in-article image's media item (beside the content's
// Marker) with our image ID; the featured image carries the Marker alone.
func imageMarker(key string) string { return "<!-- igny8:image:" + key + " -->" }

// uploaded returns the media items earlier attempts uploaded for the
// content, by image key ("" for the featured image), so that a retry after
// a crash re-uses them and never uploads twice.
func (c *Client) uploaded(ctx context.Context, contentID string) (map[string]media, error) {
	marker := Marker(contentID)
	var found []struct {
		ID          int64  `json:"id"`
		SourceURL   string `json:"source_url"`
		Description struct {
			Raw *string `json:"raw"`
		} `json:"description"`
	}
	q := url.Values{"search": {MarkerPrefix + contentID}, "context": {"edit"}, "per_page": {"100"}, "_fields": {"id,source_url,description"}}
	if err := c.do(ctx, http.MethodGet, "/wp/v2/media", q, nil, &found); err != nil {
		return nil, err
	}
	out := map[string]media{}
	for _, m := range found {
		if m.ID <= 0 || m.Description.Raw == nil || !strings.Contains(*m.Description.Raw, marker) {
			continue
		}
		key := ""
		if _, rest, ok := strings.Cut(*m.Description.Raw, "<!-- igny8:image:"); ok {
			key, _, _ = strings.Cut(rest, " -->")
		}
		if _, seen := out[key]; !seen {
			out[key] = media{ID: m.ID, URL: m.SourceURL}
		}
	}
	return out, nil
}

// upload sends one image to the media library, tagged with description.
func (c *Client) upload(ctx context.Context, img *platform.Image, title, description, what string) (media, error) {
	ct := contentType(img)
	name := imageFilename(img, ct)
	q := url.Values{"description": {description}, "title": {strings.TrimSpace(title)}}
	if alt := strings.TrimSpace(img.Alt); alt != "" {
		q.Set("alt_text", alt)
	}
	hdr := http.Header{
		"Content-Type":        {ct},
		"Content-Disposition": {`attachment; filename="` + name + `"`},
	}
	var out struct {
		ID        int64  `json:"id"`
		SourceURL string `json:"source_url"`
	}
	if err := c.send(ctx, http.MethodPost, "/wp/v2/media", q, hdr, bytes.NewReader(img.Data), &out); err != nil {
		var pe *platform.Error
		if errors.As(err, &pe) && pe.Status == http.StatusRequestEntityTooLarge {
			pe.Message = fmt.Sprintf("the %s (%d KB) is larger than the site accepts: raise the web server's and PHP's upload limits (upload_max_filesize, post_max_size)", what, len(img.Data)/1024)
		}
		return media{}, err
	}
	if out.ID <= 0 {
		return media{}, &platform.Error{Kind: platform.Permanent, Platform: Name, Status: http.StatusCreated,
			Message: "WordPress answered the image upload without a media ID"}
	}
	return media{ID: out.ID, URL: out.SourceURL}, nil
}

// images uploads the post's featured and in-article images (re-using what
// an earlier attempt uploaded) and returns the featured media ID (0: none)
// and the body with the in-article images placed in it.
func (c *Client) images(ctx context.Context, p platform.Post) (int64, string, error) {
	body := p.HTML
	if p.FeaturedImage == nil && len(p.InArticleImages) == 0 {
		return 0, body, nil
	}
	have, err := c.uploaded(ctx, p.ContentID)
	if err != nil {
		return 0, "", err
	}
	marker := Marker(p.ContentID)
	var featured int64
	if p.FeaturedImage != nil {
		m, ok := have[""]
		if !ok {
			if m, err = c.upload(ctx, p.FeaturedImage, p.Title, marker, "featured image"); err != nil {
				return 0, "", err
			}
		}
		featured = m.ID
	}
	var figs []platform.Figure
	for i := range p.InArticleImages {
		img := &p.InArticleImages[i]
		m, ok := have[img.Key]
		if !ok {
			if m, err = c.upload(ctx, img, fmt.Sprintf("%s (%d)", strings.TrimSpace(p.Title), i+1), marker+"\n"+imageMarker(img.Key), "image"); err != nil {
				return 0, "", err
			}
		}
		if m.URL == "" {
			return 0, "", &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "WordPress did not say where an uploaded image is served"}
		}
		figs = append(figs, platform.Figure{URL: m.URL, Alt: img.Alt, Class: fmt.Sprintf("wp-image-%d", m.ID)})
	}
	return featured, platform.PlaceFigures(body, figs), nil
}

func contentType(img *platform.Image) string {
	if mt, _, err := mime.ParseMediaType(img.ContentType); err == nil && strings.HasPrefix(mt, "image/") {
		return mt
	}
	if mt, _, _ := mime.ParseMediaType(http.DetectContentType(img.Data)); strings.HasPrefix(mt, "image/") {
		return mt
	}
	return "image/jpeg"
}

var unsafeName = regexp.MustCompile(`[^a-z0-9._-]+`)

// imageFilename is a safe ASCII file name for the upload whose extension
// matches the content type (WordPress checks both).
func imageFilename(img *platform.Image, ct string) string {
	ext := map[string]string{
		"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
		"image/avif": ".avif", "image/bmp": ".bmp", "image/tiff": ".tif", "image/x-icon": ".ico",
	}[ct]
	if ext == "" {
		ext = ".jpg"
	}
	name := path.Base(strings.ReplaceAll(strings.TrimSpace(img.Filename), "\\", "/"))
	name = strings.ToLower(name)
	name = strings.TrimSuffix(name, path.Ext(name))
	name = strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-.")
	if len(name) > 100 {
		name = name[:100]
	}
	if name == "" {
		name = "featured"
	}
	return name + ext
}

// termIDs returns the IDs of the named terms in the taxonomy route
// ("categories" or "tags"), making the ones that do not exist.
func (c *Client) termIDs(ctx context.Context, route string, names []string) ([]int64, error) {
	seen := map[string]bool{}
	var ids []int64
	for _, n := range names {
		n = strings.Join(strings.Fields(n), " ")
		k := strings.ToLower(n)
		if n == "" || seen[k] {
			continue
		}
		seen[k] = true
		id, err := c.termID(ctx, route, n)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (c *Client) termID(ctx context.Context, route, name string) (int64, error) {
	var terms []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	q := url.Values{"search": {name}, "per_page": {"100"}, "hide_empty": {"false"}, "_fields": {"id,name"}}
	if err := c.do(ctx, http.MethodGet, "/wp/v2/"+route, q, nil, &terms); err != nil {
		return 0, err
	}
	for _, t := range terms {
		// WordPress sends term names HTML-escaped ("Q&amp;A").
		if t.ID > 0 && strings.EqualFold(strings.TrimSpace(html.UnescapeString(t.Name)), name) {
			return t.ID, nil
		}
	}
	var made struct {
		ID int64 `json:"id"`
	}
	err := c.do(ctx, http.MethodPost, "/wp/v2/"+route, nil, map[string]string{"name": name}, &made)
	var pe *platform.Error
	if errors.As(err, &pe) && pe.Status == http.StatusBadRequest {
		if d := detailOf(pe); d != nil && d.code == "term_exists" && d.termID > 0 {
			return d.termID, nil
		}
	}
	if err != nil {
		return 0, err
	}
	if made.ID <= 0 {
		return 0, &platform.Error{Kind: platform.Permanent, Platform: Name, Status: http.StatusCreated,
			Message: "WordPress answered without the new term's ID"}
	}
	return made.ID, nil
}

// apiRoot finds, once, how the site addresses REST routes.
func (c *Client) apiRoot(ctx context.Context) (apiRoot, error) {
	c.mu.Lock()
	r := c.root
	c.mu.Unlock()
	if r != rootUnknown {
		return r, nil
	}
	r, err := c.discover(ctx)
	if err != nil {
		return rootUnknown, err
	}
	c.mu.Lock()
	c.root = r
	c.mu.Unlock()
	return r, nil
}

const notWordPress = "this address does not serve the WordPress REST API: check the site address (WordPress 5.6 or later, REST API not disabled by a plugin)"

func (c *Client) discover(ctx context.Context) (apiRoot, error) {
	var firstErr *platform.Error
	for _, r := range []apiRoot{rootPretty, rootQuery} {
		status, data, hdr, err := c.raw(ctx, r, http.MethodGet, "/", url.Values{"_fields": {"namespaces"}}, nil, nil)
		if err != nil {
			return rootUnknown, err // no answer at all: the same for the other form
		}
		var index struct {
			Namespaces []string `json:"namespaces"`
		}
		isIndex := status/100 == 2 && decodeJSON(data, &index) == nil && index.Namespaces != nil
		if isIndex {
			for _, ns := range index.Namespaces {
				if ns == "wp/v2" {
					return r, nil
				}
			}
			return rootUnknown, &platform.Error{Kind: platform.NotPlatform, Platform: Name, Status: status,
				Message: "the site serves the WordPress REST API without its wp/v2 routes: a plugin or the host disables them; allow the REST API for authenticated users"}
		}
		var e *platform.Error
		if status/100 == 2 {
			e = &platform.Error{Kind: platform.NotPlatform, Platform: Name, Status: status, Message: notWordPress}
		} else {
			e = classify(status, hdr, data)
		}
		// A WordPress error (it has a code), an auth wall, rate limiting or
		// an outage is the answer; a 404, a redirect or a page that is
		// not the API may mean pretty permalinks are off: try the other form.
		if _, ok := parseWPError(data); ok || status == 401 || status == 403 || status == 429 || status >= 500 {
			return rootUnknown, e
		}
		if firstErr == nil {
			firstErr = e
		}
	}
	if firstErr.Status/100 == 3 {
		return rootUnknown, firstErr
	}
	return rootUnknown, &platform.Error{Kind: platform.NotPlatform, Platform: Name, Status: firstErr.Status, Message: notWordPress}
}

// do makes one REST call with an optional JSON body and decodes a 2xx
// answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, route string, q url.Values, in, out any) error {
	var body io.Reader
	var hdr http.Header
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &platform.Error{Kind: platform.Permanent, Platform: Name, Message: "could not encode the request", Err: err}
		}
		body = bytes.NewReader(b)
		hdr = http.Header{"Content-Type": {"application/json"}}
	}
	return c.send(ctx, method, route, q, hdr, body, out)
}

func (c *Client) send(ctx context.Context, method, route string, q url.Values, hdr http.Header, body io.Reader, out any) error {
	r, err := c.apiRoot(ctx)
	if err != nil {
		return err
	}
	status, data, rh, err := c.raw(ctx, r, method, route, q, hdr, body)
	if err != nil {
		return err
	}
	if status/100 != 2 {
		return classify(status, rh, data)
	}
	if out == nil {
		return nil
	}
	if err := decodeJSON(data, out); err != nil {
		return &platform.Error{Kind: platform.Permanent, Platform: Name, Status: status,
			Message: "WordPress's answer is not the JSON the REST API sends: a plugin or the host may be changing it", Err: err}
	}
	return nil
}

// raw sends one request and reads the answer. The error is always a
// network failure (Unreachable).
func (c *Client) raw(ctx context.Context, r apiRoot, method, route string, q url.Values, hdr http.Header, body io.Reader) (int, []byte, http.Header, error) {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	var u string
	if r == rootQuery {
		v.Set("rest_route", route)
		u = c.base + "/?" + v.Encode()
	} else {
		u = c.base + "/wp-json" + route
		if len(v) > 0 {
			u += "?" + v.Encode()
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, nil, nil, misconfigured("the site address is not a valid URL")
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.SetBasicAuth(c.cfg.Username, c.cfg.AppPassword)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, c.networkError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, c.networkError(err)
	}
	return resp.StatusCode, data, resp.Header, nil
}

func (c *Client) networkError(err error) *platform.Error {
	host := c.base
	if u, perr := url.Parse(c.base); perr == nil {
		host = u.Host
	}
	return platform.NetworkError(Name, host, err)
}

// wpError is WordPress's REST error body.
type wpError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    struct {
		Status int               `json:"status"`
		TermID int64             `json:"term_id"`
		Params map[string]string `json:"params"`
	} `json:"data"`
}

func parseWPError(body []byte) (wpError, bool) {
	var e wpError
	if decodeJSON(body, &e) != nil || e.Code == "" {
		return wpError{}, false
	}
	return e, true
}

// wpDetail keeps what classify read from WordPress's error body, for the
// callers that act on it (term_exists).
type wpDetail struct {
	code   string
	termID int64
}

func (d *wpDetail) Error() string { return "wordpress error code " + d.code }

func detailOf(e *platform.Error) *wpDetail {
	var d *wpDetail
	if errors.As(e.Err, &d) {
		return d
	}
	return nil
}

func (e wpError) text() string {
	msg := stripTags(e.Message)
	if len(e.Data.Params) > 0 {
		keys := make([]string, 0, len(e.Data.Params))
		for k := range e.Data.Params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+": "+stripTags(e.Data.Params[k]))
		}
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	if msg == "" {
		return e.Code
	}
	return e.Code + ": " + msg
}

var tags = regexp.MustCompile(`<[^>]*>`)

func stripTags(s string) string {
	s = html.UnescapeString(tags.ReplaceAllString(s, ""))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 500 {
		s = s[:500]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}

// classify turns a non-2xx answer into a *platform.Error.
func classify(status int, hdr http.Header, body []byte) *platform.Error {
	we, isWP := parseWPError(body)
	detail := ""
	if isWP {
		detail = we.text()
	}
	e := &platform.Error{Platform: Name, Status: status, Detail: detail}
	if isWP {
		e.Err = &wpDetail{code: we.Code, termID: we.Data.TermID}
	}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = platform.RateLimited
		e.RetryAfter = platform.RetryAfter(hdr.Get("Retry-After"), time.Now())
		e.Message = "the site is rate limiting requests: retrying later"
	case status >= 500:
		e.Kind = platform.Transient
		e.RetryAfter = platform.RetryAfter(hdr.Get("Retry-After"), time.Now())
		e.Message = fmt.Sprintf("the site is unavailable (%d %s)", status, http.StatusText(status))
	case status == http.StatusUnauthorized:
		e.Kind = platform.Unauthorized
		switch {
		case !isWP:
			e.Message = "the site asks for a login before WordPress answers (HTTP authentication or a firewall): allow the REST API through it, or use the site's public address"
		case we.Code == "rest_not_logged_in":
			e.Message = "WordPress did not log in the user" +
				": the username or application password is wrong, or the host strips the Authorization header before WordPress sees it" +
				" (a common hosting problem; on Apache add `SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1` to .htaccess," +
				" on nginx with PHP-FPM pass `fastcgi_param HTTP_AUTHORIZATION $http_authorization;`)"
		default:
			e.Message = "WordPress refused the credentials" +
				": the username or application password is wrong; create a new application password under Users → Profile → Application Passwords"
		}
	case status == http.StatusForbidden:
		e.Kind = platform.Forbidden
		if isWP {
			e.Message = "the WordPress user may not do this" + ": give it the Editor or Administrator role"
		} else {
			e.Message = "the site or its firewall refused the request (403 without a WordPress answer): allow the REST API (/wp-json/) for this client"
		}
	case status/100 == 3:
		e.Kind = platform.Misconfigured
		e.Message = "the site address redirects"
		if loc := hdr.Get("Location"); loc != "" {
			if lu, err := url.Parse(loc); err == nil && lu.Host != "" {
				e.Message += " to " + lu.Scheme + "://" + lu.Host
			}
		}
		e.Message += ": set the site address to the one WordPress uses (Settings → General → Site Address)"
	case status == http.StatusRequestEntityTooLarge:
		e.Kind = platform.Permanent
		e.Message = "the request is larger than the site accepts (413)"
	default:
		e.Kind = platform.Permanent
		e.Message = fmt.Sprintf("WordPress refused the request (%d %s)", status, http.StatusText(status))
	}
	return e
}

// decodeJSON decodes WordPress's answer, skipping PHP notices that a
// misconfigured site prints before the JSON.
func decodeJSON(data []byte, out any) error {
	err := json.Unmarshal(data, out)
	if err == nil {
		return nil
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return err
	}
	rest, off := data, 0
	for tries := 0; tries < 8; tries++ {
		i := bytes.IndexAny(rest, "{[")
		if i < 0 {
			break
		}
		if json.Unmarshal(data[off+i:], out) == nil {
			return nil
		}
		off += i + 1
		rest = data[off:]
	}
	return err
}
