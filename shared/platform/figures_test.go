package platform

import (
	"strings"
	"testing"
)

func TestPlaceFigures(t *testing.T) {
	a, b, c := Figure{URL: "https://x/a.png", Alt: "A"}, Figure{URL: "https://x/b.png", Alt: "B & co"}, Figure{URL: "https://x/c.png", Alt: "C", Class: "wp-image-7"}
	cases := []struct {
		name string
		body string
		figs []Figure
		want string // the body with each figure shown as [alt]
	}{
		{"no figures", "<p>1</p>", nil, "<p>1</p>"},
		{"no blocks: at the end", "plain text", []Figure{a}, "plain text\n[A]"},
		{"one block, two figures: both after it, in order", "<p>1</p>", []Figure{a, b}, "<p>1</p>\n[A]\n\n[B & co]\n"},
		{"spread over four paragraphs", "<p>1</p><p>2</p><p>3</p><p>4</p>", []Figure{a, b}, "<p>1</p>\n[A]\n<p>2</p><p>3</p>\n[B & co]\n<p>4</p>"},
		{"never after a heading", "<h2>H</h2><p>1</p><h2>I</h2><p>2</p>", []Figure{a}, "<h2>H</h2><p>1</p>\n[A]\n<h2>I</h2><p>2</p>"},
		{"lists and upper case count", "<P>1</P><UL><li>x</li></UL><p>3</p>", []Figure{a, b, c}, "<P>1</P>\n[A]\n<UL><li>x</li></UL>\n[B & co]\n\n[C]\n<p>3</p>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := PlaceFigures(tc.body, tc.figs)
			for _, f := range tc.figs {
				got = strings.Replace(got, figureHTML(f), "["+f.Alt+"]", 1)
			}
			if got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	if h := figureHTML(b, c); !strings.Contains(h, `alt="B &amp; co"`) || !strings.Contains(h, `class="wp-image-7"`) {
		t.Fatalf("figure HTML: %s", h)
	}
}
