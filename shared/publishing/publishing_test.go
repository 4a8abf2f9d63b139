package publishing

import (
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/platform"
)

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"The Complete Guide to Trail Shoes!": "the-complete-guide-to-trail-shoes",
		"  10 Tips: Sourdough & Rye  ":       "10-tips-sourdough-rye",
		"Ünïcode — only":                     "n-code-only",
		"!!!":                                "post",
		strings.Repeat("long ", 40):          strings.TrimSuffix(strings.Repeat("long-", 16), "-"),
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTags(t *testing.T) {
	got := tags([]string{"trail shoes", " Trail Shoes ", "", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"})
	if len(got) != 10 || got[0] != "trail shoes" || got[1] != "a" {
		t.Fatalf("tags %v: want 10, de-duplicated case-insensitively, in order", got)
	}
}

// What a site owner reads says what happened and what to do.
func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		err  *platform.Error
		want []string
	}{
		{&platform.Error{Kind: platform.Unauthorized, Status: 401, Message: "the application password is wrong"}, []string{"401 Unauthorized", "password"}},
		{&platform.Error{Kind: platform.Forbidden, Message: "needs upload_files"}, []string{"403 Forbidden", "upload_files"}},
		{&platform.Error{Kind: platform.Unreachable, Platform: "wordpress", Message: "connection refused"}, []string{"after 4 attempts", "connection refused"}},
		{&platform.Error{Kind: platform.Permanent, Status: 422, Message: "title: can't be blank"}, []string{"refused the post (422)", "blank"}},
	} {
		got := describe(tc.err, 4).Error()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("describe(%v) = %q, missing %q", tc.err, got, w)
			}
		}
	}
}
