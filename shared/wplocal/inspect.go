package wplocal

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Post is a post as WordPress stores it, for tests to check what an
// adapter made.
type Post struct {
	ID            int
	Title         string // raw
	Status        string // publish, future, draft, pending, private
	DateGMT       string // 2006-01-02T15:04:05
	Slug          string
	Link          string
	FeaturedMedia int
	Categories    []string // names
	Tags          []string // names
	Content       string   // raw
	Excerpt       string   // raw
}

// Term is a category or a tag.
type Term struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Slug  string `json:"slug"`
	Count int    `json:"count"`
}

// Media is an attachment.
type Media struct {
	ID        int
	SourceURL string
	MimeType  string
	AltText   string
	Post      int // the post it is attached to, 0 if none
}

// Posts lists every post in any status but trash, oldest first.
func (s *Server) Posts(ctx context.Context) ([]Post, error) {
	var raw []struct {
		ID      int    `json:"id"`
		Status  string `json:"status"`
		DateGMT string `json:"date_gmt"`
		Slug    string `json:"slug"`
		Link    string `json:"link"`
		Title   struct {
			Raw string `json:"raw"`
		} `json:"title"`
		Content struct {
			Raw string `json:"raw"`
		} `json:"content"`
		Excerpt struct {
			Raw string `json:"raw"`
		} `json:"excerpt"`
		FeaturedMedia int   `json:"featured_media"`
		Categories    []int `json:"categories"`
		Tags          []int `json:"tags"`
	}
	if err := s.GetAll(ctx, "/wp/v2/posts?context=edit&status=any&orderby=id&order=asc", &raw); err != nil {
		return nil, err
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	tags, err := s.Tags(ctx)
	if err != nil {
		return nil, err
	}
	names := func(ts []Term, ids []int) []string {
		byID := map[int]string{}
		for _, t := range ts {
			byID[t.ID] = t.Name
		}
		out := []string{}
		for _, id := range ids {
			out = append(out, byID[id])
		}
		return out
	}
	posts := make([]Post, 0, len(raw))
	for _, r := range raw {
		posts = append(posts, Post{
			ID: r.ID, Title: r.Title.Raw, Status: r.Status, DateGMT: r.DateGMT, Slug: r.Slug, Link: r.Link,
			FeaturedMedia: r.FeaturedMedia, Categories: names(cats, r.Categories), Tags: names(tags, r.Tags),
			Content: r.Content.Raw, Excerpt: r.Excerpt.Raw,
		})
	}
	return posts, nil
}

// Categories lists every category (the default "Uncategorized" included).
func (s *Server) Categories(ctx context.Context) ([]Term, error) {
	var ts []Term
	err := s.GetAll(ctx, "/wp/v2/categories?context=edit&hide_empty=false&orderby=id&order=asc", &ts)
	return ts, err
}

// Tags lists every tag.
func (s *Server) Tags(ctx context.Context) ([]Term, error) {
	var ts []Term
	err := s.GetAll(ctx, "/wp/v2/tags?context=edit&hide_empty=false&orderby=id&order=asc", &ts)
	return ts, err
}

// Media lists every attachment.
func (s *Server) Media(ctx context.Context) ([]Media, error) {
	var raw []struct {
		ID        int    `json:"id"`
		SourceURL string `json:"source_url"`
		MimeType  string `json:"mime_type"`
		AltText   string `json:"alt_text"`
		Post      int    `json:"post"`
	}
	if err := s.GetAll(ctx, "/wp/v2/media?context=edit&orderby=id&order=asc", &raw); err != nil {
		return nil, err
	}
	out := make([]Media, 0, len(raw))
	for _, r := range raw {
		out = append(out, Media{ID: r.ID, SourceURL: r.SourceURL, MimeType: r.MimeType, AltText: r.AltText, Post: r.Post})
	}
	return out, nil
}

// GetAll GETs a REST collection (route relative to /wp-json, e.g.
// "/wp/v2/posts?status=any") as the administrator, following pages of 100,
// and decodes the concatenated items into out (a pointer to a slice).
func (s *Server) GetAll(ctx context.Context, route string, out any) error {
	var all []json.RawMessage
	for page := 1; ; page++ {
		sep := "?"
		if strings.Contains(route, "?") {
			sep = "&"
		}
		var items []json.RawMessage
		hdr, err := s.Do(ctx, http.MethodGet, route+sep+"per_page=100&page="+strconv.Itoa(page), nil, &items)
		if err != nil {
			return err
		}
		all = append(all, items...)
		total, _ := strconv.Atoi(hdr.Get("X-WP-TotalPages"))
		if page >= total {
			break
		}
	}
	b, _ := json.Marshal(all)
	if all == nil {
		b = []byte("[]")
	}
	return json.Unmarshal(b, out)
}

// Do calls the REST API as the administrator (application password) with
// an optional JSON body, decodes a 2xx answer into out (if not nil) and
// returns the answer's headers. Any other status is an error with the body.
func (s *Server) Do(ctx context.Context, method, route string, body io.Reader, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+"/wp-json"+route, body)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(s.Username, s.AppPassword)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return resp.Header, fmt.Errorf("wplocal: %s %s: %d %s", method, route, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.Header, fmt.Errorf("wplocal: %s %s: decode: %w: %.200s", method, route, err, b)
		}
	}
	return resp.Header, nil
}
