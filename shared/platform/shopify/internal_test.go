package shopify

import (
	"testing"

	"github.com/igny8/igny8-serverless/shared/platform"
)

func imageOf(name, ct string, data []byte) *platform.Image {
	return &platform.Image{Filename: name, ContentType: ct, Data: data}
}

func TestShopifyErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"errors":"Not Found"}`, "Not Found"},
		{`{"errors":{"title":["can't be blank"]}}`, "title: can't be blank"},
		{`{"errors":{"base":["Blog is locked"],"handle":["has already been taken","is too long"]}}`, "Blog is locked; handle: has already been taken, is too long"},
		{`{"errors":{"article":"Required parameter missing or invalid"}}`, "article: Required parameter missing or invalid"},
		{`{"errors":["one","two"]}`, "one, two"},
		{`{"error":"invalid_request"}`, "invalid_request"},
		{`<html>oops</html>`, ""},
		{``, ""},
	}
	for _, tc := range tests {
		if got := shopifyErrors([]byte(tc.body)); got != tc.want {
			t.Errorf("shopifyErrors(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestJoinTags(t *testing.T) {
	got := joinTags([]string{"News", " "}, []string{"news", "a,b", "  spaced   out "}, "igny8-X")
	if want := "News, a b, spaced out, igny8-X"; got != want {
		t.Errorf("joinTags = %q, want %q", got, want)
	}
}

func TestImageFilename(t *testing.T) {
	for _, tc := range []struct {
		name, ct string
		data     []byte
		want     string
	}{
		{"dir/a.png", "", nil, "a.png"},
		{`C:\x\b.jpg`, "", nil, "b.jpg"},
		{"", "image/webp", nil, "featured.webp"},
		{"", "", []byte("\x89PNG\r\n\x1a\n...."), "featured.png"},
		{"", "", []byte("????"), "featured.jpg"},
	} {
		if got := imageFilename(imageOf(tc.name, tc.ct, tc.data)); got != tc.want {
			t.Errorf("imageFilename(%q, %q) = %q, want %q", tc.name, tc.ct, got, tc.want)
		}
	}
}
