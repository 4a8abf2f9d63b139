package platform

import (
	"html"
	"strings"
)

// Figure is one in-article image as it goes into a post's HTML: where the
// platform serves it and its alt text.
type Figure struct {
	URL string
	Alt string
	// Class is an extra class on the img (WordPress: "wp-image-<id>", which
	// ties the image to its media item); may be empty.
	Class string
}

// PlaceFigures puts the figures into body between its blocks (a closing
// </p>, </ul>, </ol>, </blockquote>, </table> or </pre> ends one; never
// right after a heading, which belongs with what follows it), spread
// evenly and in order: figure k of n goes after block round(k·b/(n+1)) of b,
// never before the first block. A body with no block boundary gets them at
// its end. Every adapter places images the same way, so one article looks
// the same wherever it is published.
func PlaceFigures(body string, figs []Figure) string {
	if len(figs) == 0 {
		return body
	}
	ends := blockEnds(body)
	if len(ends) == 0 {
		return strings.TrimRight(body, "\n") + "\n" + figureHTML(figs...)
	}
	var b strings.Builder
	last := 0
	for k, f := range figs {
		i := ((k+1)*len(ends) + (len(figs)+1)/2) / (len(figs) + 1) // rounded
		if i < 1 {
			i = 1
		}
		at := ends[i-1]
		if at < last {
			at = last
		}
		b.WriteString(body[last:at])
		b.WriteString("\n" + figureHTML(f) + "\n")
		last = at
	}
	b.WriteString(body[last:])
	return b.String()
}

// blockEnds are the offsets just after each closing tag of a block.
func blockEnds(body string) []int {
	lower := strings.ToLower(body)
	var ends []int
	for i := 0; i < len(lower); {
		j := strings.Index(lower[i:], "</")
		if j < 0 {
			break
		}
		j += i
		k := strings.IndexByte(lower[j:], '>')
		if k < 0 {
			break
		}
		switch strings.TrimSpace(lower[j+2 : j+k]) {
		case "p", "ul", "ol", "blockquote", "table", "pre":
			ends = append(ends, j+k+1)
		}
		i = j + k + 1
	}
	return ends
}

func figureHTML(figs ...Figure) string {
	var b strings.Builder
	for _, f := range figs {
		class := ""
		if f.Class != "" {
			class = ` class="` + html.EscapeString(f.Class) + `"`
		}
		b.WriteString(`<figure class="igny8-image"><img src="` + html.EscapeString(f.URL) + `" alt="` + html.EscapeString(f.Alt) + `"` + class + ` /></figure>`)
	}
	return b.String()
}
