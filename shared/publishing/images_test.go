package publishing

import (
	"fmt"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// A post carries the featured image and at most the site's
// max_in_article_images in-article ones, by position, generated and current
// only.
func TestCurrentImages(t *testing.T) {
	img := func(id, typ string, pos int64, st domain.ImageStatus) domain.Image {
		return domain.Image{ID: id, ImageType: typ, Position: pos, Status: st, URL: "file:///" + id}
	}
	all := []domain.Image{
		img("i3", "in_article", 3, domain.ImageGenerated),
		img("f-old", "featured", 0, domain.ImageSuperseded),
		img("i1", "in_article", 1, domain.ImageGenerated),
		img("f", "featured", 0, domain.ImageGenerated),
		img("i2-failed", "in_article", 2, domain.ImageFailed),
		img("i2-pending", "in_article", 2, domain.ImagePending),
		img("i4", "in_article", 4, domain.ImageGenerated),
	}
	cases := []struct {
		max  int
		want string
	}{
		{0, "[f]"},
		{1, "[f i1]"},
		{2, "[f i1 i3]"},
		{5, "[f i1 i3 i4]"},
		{-1, "[f]"},
	}
	for _, tc := range cases {
		var ids []string
		for _, im := range currentImages(all, tc.max) {
			ids = append(ids, im.ID)
		}
		if got := fmt.Sprint(ids); got != tc.want {
			t.Errorf("max %d: %s, want %s", tc.max, got, tc.want)
		}
	}
}
