package offline

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// Article bounds: a request outside them is brought inside.
const (
	defaultWords = 1000
	minWords     = 150
	maxWords     = 10000
)

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Sentence material. {kw} is a keyword verbatim, {topic} the article's main
// topic, the rest are filled from the lists below.
var (
	kwSentences = []string{
		"When it comes to {kw}, the details matter more than most people expect.",
		"Many readers start looking into {kw} because they want to {benefit}.",
		"People who search for “{kw}” usually want a clear answer, not a sales pitch.",
		"A {quality} approach to {kw} begins with knowing what you actually need.",
		"If you are new to {kw}, it helps to {action} before committing to anything.",
		"Experience shows that {kw} rewards patience far more than speed.",
		"The most common question about {kw} is where to begin, and the answer is simpler than it seems.",
		"For {audience}, {kw} is often the part that deserves the most attention.",
		"Treat {kw} as a series of small decisions rather than one big one.",
		"Good information about {kw} helps you {benefit} without guesswork.",
		"It is worth remembering that {kw} looks different for every situation.",
		"Most people notice the difference that {kw} makes {time}.",
		"Before you spend money on {kw}, {action}.",
		"Reliable sources on “{kw}” tend to agree on a few core principles.",
		"Anyone weighing up {kw} should think about the long term as well as the first result.",
		"The easiest way to judge {kw} is to compare it against what you already have.",
		"Questions about {kw} come up again and again, which says a lot about how much it matters.",
		"A good rule is to decide what success with {kw} looks like before you start.",
		"The best results with {kw} usually come from a few {quality} habits rather than one clever trick.",
		"Ignoring {kw} for too long tends to make every later step harder.",
		"Even a quick look at {kw} can save you from an expensive detour.",
		"It is easy to overthink {kw}, so focus on the two or three factors that matter most.",
		"Plenty of guides cover “{kw}”, yet few explain the reasoning behind their advice.",
		"Getting {kw} right early on makes it much easier to {benefit} later.",
		"What works for one person with {kw} may not work for another, so adapt freely.",
		"Once you understand {kw}, the rest of the picture falls into place.",
		"Talking to people who already know {kw} is one of the fastest ways to learn.",
		"There is a learning curve with {kw}, but it is shorter than most people fear.",
	}
	plainSentences = []string{
		"A little planning goes a long way here.",
		"The goal is steady progress, not perfection.",
		"Small, consistent improvements add up {time}.",
		"This is where a {quality} checklist becomes genuinely useful.",
		"It also pays to {action}.",
		"That way you can {benefit} and keep your options open.",
		"Keep notes as you go, because patterns are easier to spot on paper.",
		"None of this requires special skills, only a willingness to learn.",
		"Once the basics are in place, everything else becomes easier to judge.",
		"Anyone experienced with {topic} will tell you to start with the fundamentals.",
		"Think about how {topic} fits into your routine, your budget and your goals.",
		"The right choice depends on your priorities, so be clear about them early.",
		"There is no single right answer, but there are plenty of avoidable mistakes.",
		"Take the time to understand why each step matters, not just what to do.",
		"A second opinion from someone who has been there before is rarely wasted.",
		"If something feels unclear, slow down and revisit the previous step.",
		"Write down the one thing you want to improve first, and start there.",
		"Quality matters, but so does knowing when something is good enough.",
		"Resist the urge to change everything at once.",
		"A short review every few weeks keeps you honest about what is working.",
		"Most setbacks are temporary, and each one teaches something useful.",
		"It helps to picture where you want to be {time}.",
		"Simple tools, used consistently, beat complicated ones used rarely.",
		"Budget a little extra time for the unexpected, because it always turns up.",
		"Clear goals make every later decision faster and easier.",
		"When in doubt, choose the option that is easiest to reverse.",
		"Learning from other people's mistakes is far cheaper than making your own.",
		"The first attempt rarely looks like the tenth, and that is perfectly normal.",
	}
	connectors = []string{"In practice, ", "That said, ", "On top of that, ", "Over time, ", "As a rule, ", "Just as importantly, ",
		"In many cases, ", "For most readers, ", "Put simply, ", "Here is the thing: "}
	benefits = []string{"save time", "avoid expensive mistakes", "get more consistent results", "make better decisions",
		"enjoy the process more", "see progress sooner", "spend less and get more", "feel confident about the next step"}
	audiences = []string{"beginners", "busy readers", "first-time buyers", "experienced enthusiasts", "small teams",
		"anyone on a budget", "families", "people short on time"}
	qualities = []string{"practical", "reliable", "straightforward", "flexible", "well-tested", "sensible", "measured", "patient"}
	actions   = []string{"compare a few options side by side", "write down what matters most to you", "start small and adjust as you go",
		"set a realistic budget", "ask people who have done it before", "test one change at a time", "read the fine print",
		"sleep on the decision for a day"}
	times = []string{"within the first few weeks", "over a full season", "within a month", "after a few attempts", "over time",
		"by the end of the year", "sooner than you might think"}

	listItems = []string{
		"Start with a clear goal for {kw}",
		"Compare at least three options before deciding",
		"Read feedback from people in a similar situation",
		"Set a budget and stick to it",
		"Keep track of what works and what does not",
		"Avoid rushing the first steps",
		"Revisit your choices after a month",
		"Look for quality over quick wins with {kw}",
	}
	h3Pool = []string{"What to Look For", "Common Pitfalls", "A Quick Example", "When It Makes Sense", "Time and Budget",
		"Getting It Right", "A Simple Rule of Thumb", "What the Numbers Say"}
	conclusionHeadings = []string{"Conclusion", "Final Thoughts", "The Bottom Line", "Wrapping Up"}
	headingPools       = map[string][]string{
		ai.StructureGuide: {"What Is {K}?", "Why {T} Matters", "How {K} Works in Practice", "Choosing the Right {K}",
			"Common Mistakes to Avoid", "Tips From Experienced Users", "How to Get Started With {K}", "Costs, Time and Effort",
			"Frequently Asked Questions About {K}", "Advanced Ideas for {T}", "Measuring Your Progress", "Keeping {K} Simple"},
		ai.StructureHowTo: {"What You Need Before You Start", "Step {n}: Plan Your Approach to {K}", "Step {n}: Prepare Everything in Advance",
			"Step {n}: Take the First Steps With {K}", "Step {n}: Check Your Progress", "Step {n}: Fix Common Problems",
			"Step {n}: Refine Your Routine", "Step {n}: Make {K} a Habit", "Step {n}: Share What You Learned",
			"Step {n}: Review and Improve", "Step {n}: Plan the Next Stage"},
		ai.StructureListicle: {"{n}. Know What You Want From {K}", "{n}. Start With the Basics", "{n}. Compare Your Options",
			"{n}. Learn From Others", "{n}. Set a Realistic Budget", "{n}. Pay Attention to Quality", "{n}. Avoid the Usual Shortcuts",
			"{n}. Track Your Results With {K}", "{n}. Think Long Term", "{n}. Keep It Enjoyable"},
		ai.StructureComparison: {"What Are the Main Options?", "Key Differences at a Glance", "Cost and Value Compared",
			"Quality and Durability", "Ease of Use", "Which Option Suits Beginners?", "Which Option Suits Experienced Users?",
			"Pros and Cons of {K}", "How {K} Compares Over Time", "Our Verdict on {T}"},
		ai.StructureArticle: {"Why {T} Deserves Attention", "What Most People Get Wrong About {K}", "The Basics of {K}",
			"A Closer Look at {K}", "What the Experts Recommend", "Practical Tips for {T}", "How to Decide What Is Right for You",
			"Real-World Examples", "Questions Worth Asking About {K}", "Looking Ahead"},
	}
)

// block is one piece of the article: a heading, a paragraph or a list.
type block struct {
	tag    string // h2, h3, p, ul
	text   string // headings
	items  []string
	weight float64 // p: share of the word budget
	sents  []string
}

// writer fills the article's sentences and tracks which keywords are used.
type writer struct {
	r      *rng
	topic  string
	kws    []string
	unused []string // keywords not yet in the text, in order
	kwBag  bag
	plBag  bag
}

// bag deals the templates of a list in a shuffled order and reshuffles when
// all have been dealt, so no sentence pattern repeats before the others
// have been used.
type bag struct {
	order []int
	pos   int
}

func (b *bag) next(r *rng, n int) int {
	if b.pos >= len(b.order) {
		b.order = make([]int, n)
		for i := range b.order {
			b.order[i] = i
		}
		for i := n - 1; i > 0; i-- {
			j := r.intn(i + 1)
			b.order[i], b.order[j] = b.order[j], b.order[i]
		}
		b.pos = 0
	}
	b.pos++
	return b.order[b.pos-1]
}

func (w *writer) fill(s string) string {
	return strings.NewReplacer(
		"{topic}", w.topic, "{benefit}", pick(w.r, benefits), "{audience}", pick(w.r, audiences),
		"{quality}", pick(w.r, qualities), "{action}", pick(w.r, actions), "{time}", pick(w.r, times),
	).Replace(s)
}

// keyword returns the next keyword not yet used, or a random one.
func (w *writer) keyword() string {
	if len(w.unused) > 0 {
		return w.unused[0]
	}
	if len(w.kws) == 0 {
		return w.topic
	}
	return pick(w.r, w.kws)
}

// mark removes from unused every keyword text now contains.
func (w *writer) mark(text string) {
	l := strings.ToLower(text)
	kept := w.unused[:0]
	for _, k := range w.unused {
		if !strings.Contains(l, strings.ToLower(k)) {
			kept = append(kept, k)
		}
	}
	w.unused = kept
}

// sentence writes one sentence: it carries a keyword while some are unused
// (and half the time after that), otherwise it is general prose. The caller
// marks the keyword used (mark) when it keeps the sentence.
func (w *writer) sentence() string {
	var s string
	if len(w.kws) > 0 && (len(w.unused) > 0 || w.r.intn(2) == 0) {
		s = strings.Replace(kwSentences[w.kwBag.next(w.r, len(kwSentences))], "{kw}", w.keyword(), 1)
	} else {
		s = plainSentences[w.plBag.next(w.r, len(plainSentences))]
	}
	s = w.fill(s)
	if w.r.intn(4) == 0 {
		s = pick(w.r, connectors) + lowerFirst(s)
	}
	return capitalize(s)
}

// lowerFirst lower-cases the first letter unless the first word is "I" or
// an acronym.
func lowerFirst(s string) string {
	first, _, _ := strings.Cut(s, " ")
	if first == "I" || isAllUpper(first) && len(first) > 1 {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}

// article writes an HTML article of about in.WordCount words (±10%): an
// introduction, several h2 sections (some with h3 subsections, one with a
// list) and a conclusion, using every keyword, in sentences chosen and filled
// by a generator seeded with the title.
func article(in ai.ContentInput) ai.ContentOutput {
	kws := uniqueNonEmpty(in.Keywords)
	title := strings.TrimSpace(in.Title)
	if title == "" {
		if len(kws) > 0 {
			title = titleCase(topicOf(kws[0]))
		} else {
			title = "Untitled Article"
		}
	}
	target := in.WordCount
	if target <= 0 {
		target = defaultWords
	}
	target = min(max(target, minWords), maxWords)
	topic := commonPhrase(kws)
	switch {
	case topic != "":
	case len(kws) > 0:
		topic = topicOf(kws[0])
	default:
		topic = topicOf(title)
	}
	w := &writer{r: newRNG(title), topic: topic, kws: kws, unused: append([]string(nil), kws...)}
	blocks := plan(w, in, title, target)

	// Share the words left after headings and lists among the paragraphs.
	fixed, weights := 0, 0.0
	for _, b := range blocks {
		switch b.tag {
		case "h2", "h3":
			fixed += len(strings.Fields(b.text))
		case "ul":
			for _, it := range b.items {
				fixed += len(strings.Fields(it))
			}
		case "p":
			weights += b.weight
		}
	}
	remaining := float64(max(target-fixed, 0))
	written, goal := 0, float64(fixed)
	lastP := -1
	for i, b := range blocks {
		if b.tag == "p" {
			lastP = i
		}
	}
	for i := range blocks {
		b := &blocks[i]
		if b.tag != "p" {
			continue
		}
		goal += remaining * b.weight / weights
		if i == lastP && len(w.unused) > 0 {
			// Keywords no sentence has used yet go into the conclusion.
			s := "Related questions readers often ask include " + quoteList(w.unused) + "."
			w.mark(s)
			b.sents = append(b.sents, s)
		}
		// The intro opens and the conclusion closes with a fixed sentence.
		if opener := b.text; opener != "" {
			b.sents = append([]string{opener}, b.sents...)
			b.text = ""
		}
		var closing string
		if i == lastP {
			closing = closingSentence(in.Tone, topic)
		}
		cur := float64(fixed + written + wordsIn(b.sents) + len(strings.Fields(closing)))
		for {
			s := w.sentence()
			n := float64(len(strings.Fields(s)))
			if len(b.sents) > 0 && cur+n/2 > goal {
				break
			}
			w.mark(s)
			b.sents = append(b.sents, s)
			cur += n
		}
		if closing != "" {
			b.sents = append(b.sents, closing)
		}
		written += wordsIn(b.sents)
	}

	var html strings.Builder
	for _, b := range blocks {
		switch b.tag {
		case "h2", "h3":
			fmt.Fprintf(&html, "<%s>%s</%s>", b.tag, htmlEscaper.Replace(b.text), b.tag)
		case "p":
			html.WriteString("<p>" + htmlEscaper.Replace(strings.Join(b.sents, " ")) + "</p>")
		case "ul":
			html.WriteString("<ul>")
			for _, it := range b.items {
				html.WriteString("<li>" + htmlEscaper.Replace(it) + "</li>")
			}
			html.WriteString("</ul>")
		}
		html.WriteString("\n")
	}
	return ai.ContentOutput{
		Title:           title,
		MetaTitle:       truncateWords(title, 60),
		MetaDescription: metaDescription(title, topic, kws),
		HTML:            strings.TrimSpace(html.String()),
	}
}

func wordsIn(sents []string) int {
	n := 0
	for _, s := range sents {
		n += len(strings.Fields(s))
	}
	return n
}

// plan lays out the article's blocks: headings and lists are written here,
// paragraphs get a weight (and the intro its opening sentence).
func plan(w *writer, in ai.ContentInput, title string, target int) []block {
	r := w.r
	structure := in.ContentStructure
	pool, ok := headingPools[structure]
	if !ok {
		structure = ai.StructureArticle
		pool = headingPools[structure]
	}
	nBody := min(max(target/250, 2), 10)
	var blocks []block
	// Introduction.
	blocks = append(blocks, block{tag: "p", weight: 1, text: openingSentence(in.Tone, w.topic, r)})
	if target >= 600 {
		blocks = append(blocks, block{tag: "p", weight: 0.8})
	}
	ordered := pool
	if structure != ai.StructureHowTo && structure != ai.StructureListicle {
		ordered = rotate(pool, r.intn(len(pool)))
	}
	step := 0
	kwTitle := func(i int) string {
		if len(w.kws) == 0 {
			return titleCase(w.topic)
		}
		return titleCase(topicOf(w.kws[i%len(w.kws)]))
	}
	h3s := rotate(h3Pool, r.intn(len(h3Pool)))
	h3i := 0
	for i := 0; i < nBody; i++ {
		tpl := ordered[i%len(ordered)]
		if strings.Contains(tpl, "{n}") {
			step++
		}
		h := strings.NewReplacer("{T}", titleCase(w.topic), "{K}", kwTitle(i+1), "{n}", fmt.Sprint(step)).Replace(tpl)
		blocks = append(blocks, block{tag: "h2", text: h})
		switch {
		case i == 0:
			blocks = append(blocks, block{tag: "p", weight: 0.7})
			items := make([]string, 0, 5)
			for _, it := range rotate(listItems, r.intn(len(listItems)))[:min(5, 4+target/1200)] {
				it = strings.Replace(it, "{kw}", w.keyword(), 1)
				w.mark(it)
				items = append(items, it)
			}
			blocks = append(blocks, block{tag: "ul", items: items})
		case i%2 == 1 && target >= 600:
			blocks = append(blocks, block{tag: "p", weight: 0.5})
			for k := 0; k < 2; k++ {
				blocks = append(blocks, block{tag: "h3", text: h3s[h3i%len(h3s)]}, block{tag: "p", weight: 0.8})
				h3i++
			}
		case target >= 1000:
			blocks = append(blocks, block{tag: "p", weight: 1}, block{tag: "p", weight: 0.8})
		default:
			blocks = append(blocks, block{tag: "p", weight: 1})
		}
		w.mark(h)
	}
	blocks = append(blocks, block{tag: "h2", text: pick(r, conclusionHeadings)}, block{tag: "p", weight: 0.9})
	return blocks
}

func toneOf(tone string) string {
	t := strings.ToLower(tone)
	switch {
	case strings.Contains(t, "friend") || strings.Contains(t, "casual") || strings.Contains(t, "conversation") || strings.Contains(t, "warm"):
		return "friendly"
	case strings.Contains(t, "profession") || strings.Contains(t, "formal") || strings.Contains(t, "authorit") || strings.Contains(t, "expert"):
		return "professional"
	}
	return "neutral"
}

func openingSentence(tone, topic string, r *rng) string {
	switch toneOf(tone) {
	case "friendly":
		return pick(r, []string{
			"If you have ever wondered about " + topic + ", you are in good company.",
			"Let's be honest: " + topic + " can feel confusing at first, but it does not have to be.",
		})
	case "professional":
		return pick(r, []string{
			capitalize(topic) + " is a subject where clear, accurate information makes a measurable difference.",
			"Decisions about " + topic + " are easier to make with a structured overview of the options.",
		})
	}
	return pick(r, []string{
		"This article covers " + topic + " from the ground up, with practical advice you can use right away.",
		"Understanding " + topic + " starts with a few simple ideas, and this article walks through each of them.",
	})
}

func closingSentence(tone, topic string) string {
	switch toneOf(tone) {
	case "friendly":
		return "Take it one step at a time, and you will be surprised how quickly " + topic + " starts to feel familiar."
	case "professional":
		return "Applied consistently, these principles make " + topic + " a predictable and rewarding investment."
	}
	return "With these points in mind, you are well prepared to make " + topic + " work for you."
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "“" + x + "”"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func metaDescription(title, topic string, kws []string) string {
	d := "Learn about " + topic
	var more []string
	for _, k := range kws[min(1, len(kws)):] {
		if len(more) == 2 {
			break
		}
		more = append(more, k)
	}
	if len(more) > 0 {
		d += ", including " + strings.Join(more, " and ")
	}
	d += ": practical advice, common mistakes and clear next steps."
	if utf8.RuneCountInString(d) > 160 {
		d = truncateWords(d, 159) + "."
	}
	return d
}
