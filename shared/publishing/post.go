package publishing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/platform"
)

// post builds the remote post from the content, its featured image and its
// cluster (the category) and keywords (the tags).
func (s *Service) post(ctx context.Context, job Job, c domain.Content) (platform.Post, error) {
	p := platform.Post{ContentID: c.ID, Title: c.Title, HTML: c.HTML, Excerpt: c.MetaDescription, MetaTitle: c.MetaTitle,
		Slug: Slug(c.Title), Tags: tags(c.Keywords), PublishAt: s.now(), SourceSystemTag: "igny8"}
	if c.ClusterID != "" {
		cl, err := s.Store.GetCluster(ctx, job.AccountID, job.SiteID, c.ClusterID)
		if err == nil && strings.TrimSpace(cl.Name) != "" {
			p.Categories = []string{cl.Name}
		} else if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return p, err
		}
	}
	imgs, err := s.Store.ImagesOfContent(ctx, job.AccountID, job.SiteID, c.ID)
	if err != nil {
		return p, err
	}
	for _, img := range imgs {
		if img.ImageType != "featured" || img.Status != domain.ImageGenerated || img.URL == "" {
			continue
		}
		data, ct, err := s.Blobs.Get(ctx, img.URL)
		if err != nil {
			return p, &failure{fmt.Sprintf("the featured image %s could not be read (%v): regenerate it, then publish again", img.ID, err)}
		}
		p.FeaturedImage = &platform.Image{Filename: p.Slug + extension(ct), ContentType: ct, Data: data, Alt: domain.Clip(c.Title, 120)}
		break
	}
	return p, nil
}

func extension(ct string) string {
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/webp":
		return ".webp"
	default:
		return ".png"
	}
}

func tags(keywords []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range keywords {
		k = strings.TrimSpace(k)
		if k == "" || seen[strings.ToLower(k)] || len(out) == 10 {
			continue
		}
		seen[strings.ToLower(k)] = true
		out = append(out, k)
	}
	return out
}

// Slug is a URL slug from a title: lower-case ASCII words joined by hyphens.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 80 {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "post"
	}
	return out
}
