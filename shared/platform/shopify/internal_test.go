package shopify

import (
	"reflect"
	"testing"
	"time"

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
		{`{"errors":{"query":"Required parameter missing or invalid"}}`, "query: Required parameter missing or invalid"},
		{`{"errors":["one","two"]}`, "one, two"},
		{`{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}},{"message":"two"}]}`, "Throttled (THROTTLED), two"},
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

func TestTagList(t *testing.T) {
	got := tagList([]string{"News", " "}, []string{"news", "a,b", "  spaced   out "}, "igny8-X")
	if want := []string{"News", "a b", "spaced out", "igny8-X"}; !reflect.DeepEqual(got, want) {
		t.Errorf("tagList = %q, want %q", got, want)
	}
	if got := tagList(nil, nil, "igny8-Y"); !reflect.DeepEqual(got, []string{"igny8-Y"}) {
		t.Errorf("tagList = %q", got)
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

func TestThrottleWait(t *testing.T) {
	mk := func(requested, available, rate float64) *cost {
		c := &cost{RequestedQueryCost: requested}
		c.ThrottleStatus.CurrentlyAvailable, c.ThrottleStatus.RestoreRate, c.ThrottleStatus.MaximumAvailable = available, rate, 2000
		return c
	}
	for _, tc := range []struct {
		c    *cost
		want time.Duration
	}{
		{nil, time.Second},
		{mk(752, 666, 50), 1720 * time.Millisecond},
		{mk(300, 0, 100), 3 * time.Second},
		{mk(10, 50, 100), time.Second}, // already enough: at least a second
		{mk(10, 0, 0), time.Second},    // no rate
		{mk(1e9, 0, 1), time.Hour},     // capped
	} {
		if got := throttleWait(tc.c); got != tc.want {
			t.Errorf("throttleWait(%+v) = %v, want %v", tc.c, got, tc.want)
		}
	}
}

func TestLegacyID(t *testing.T) {
	for gid, want := range map[string]string{
		"gid://shopify/Article/123":         "123",
		"gid://shopify/Article/123?x=1":     "123",
		"gid://shopify/Blog/123":            "",
		"gid://shopify/Article/":            "",
		"gid://shopify/Article/12a":         "",
		"123":                               "",
		"gid://shopify/MediaImage/77":       "",
		" gid://shopify/Article/9000000001": "9000000001",
	} {
		if got := legacyID(gid, "Article"); got != want {
			t.Errorf("legacyID(%q) = %q, want %q", gid, got, want)
		}
	}
}

func TestSearchQuote(t *testing.T) {
	if got := searchQuote(`igny8-a"b\c`); got != `"igny8-a\"b\\c"` {
		t.Errorf("searchQuote = %s", got)
	}
}
