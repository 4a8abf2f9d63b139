package offline

import (
	"strings"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// maxInArticle caps the in-article prompts of one answer.
const maxInArticle = 20

var (
	styles = []string{"editorial photograph", "clean flat illustration", "soft watercolor illustration",
		"high-resolution lifestyle photograph", "minimal isometric illustration", "documentary-style photograph"}
	compositions = []string{"rule-of-thirds composition", "centered composition with generous negative space",
		"close-up with shallow depth of field", "wide establishing shot", "overhead flat-lay view"}
	lightings = []string{"soft natural morning light", "warm golden-hour light", "bright even daylight",
		"diffused studio lighting", "gentle window light"}
	palettes = []string{"warm earthy palette", "calm blue and green palette", "fresh pastel palette",
		"muted neutral palette", "vibrant but balanced colors"}
)

// imagePrompts writes a featured-image prompt from the title and summary,
// and one in-article prompt per heading (cycling through the headings when
// more prompts than headings are asked for).
func imagePrompts(in ai.ImagePromptsInput) ai.ImagePromptsOutput {
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = "an informative blog article"
	}
	r := newRNG(title + "|" + in.Summary)
	subject := strings.ToLower(title)
	if s := strings.TrimSpace(in.Summary); s != "" {
		subject += ", showing " + strings.TrimRight(strings.ToLower(truncateWords(firstSentence(s), 140)), ".")
	}
	out := ai.ImagePromptsOutput{
		Featured: capitalize(pick(r, styles)) + " for an article titled “" + title + "”: " + subject + ", " +
			pick(r, compositions) + ", " + pick(r, lightings) + ", " + pick(r, palettes) + ", high detail, no text, no logos, no watermarks",
		InArticle: []string{},
	}
	n := min(max(in.InArticleCount, 0), maxInArticle)
	var headings []string
	for _, h := range in.Headings {
		if h = strings.TrimSpace(h); h != "" {
			headings = append(headings, h)
		}
	}
	for i := 0; i < n; i++ {
		focus := title
		if len(headings) > 0 {
			focus = headings[i%len(headings)]
		}
		focus = strings.TrimRight(strings.ToLower(focus), "?!.:")
		p := capitalize(pick(r, styles)) + " illustrating " + focus + ", in the context of " + strings.ToLower(title) + ", " +
			pick(r, compositions) + ", " + pick(r, lightings) + ", " + pick(r, palettes) + ", no text"
		if i >= len(headings) && len(headings) > 0 {
			p += ", alternate angle " + string(rune('A'+i/len(headings)))
		}
		out.InArticle = append(out.InArticle, p)
	}
	return out
}

func firstSentence(s string) string {
	for i, r := range s {
		if (r == '.' || r == '!' || r == '?') && i > 20 {
			return s[:i]
		}
	}
	return s
}
