package offline

import (
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// rng is splitmix64: a tiny deterministic generator, so the offline output
// depends only on the request (never on math/rand's algorithm or a clock).
type rng struct{ s uint64 }

func newRNG(seed string) *rng { return &rng{s: hash64(seed)} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// pick returns one element of xs.
func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

func hash64(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// estimateTokens is the offline token estimate: ceil(runes/4).
func estimateTokens(s string) int64 {
	return int64((utf8.RuneCountInString(s) + 3) / 4)
}

// stopwords are dropped before clustering: function words, question words
// and the commercial modifiers every topic shares ("best", "cost", "near
// me"), which would otherwise link unrelated topics.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be because been
before being below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself
no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that
the their theirs them themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with without would you your yours yourself yourselves
vs versus via per get gets getting make makes use using used need needs way ways thing things much many
best top good great better cheap cheapest affordable buy buying price prices pricing cost costs worth review reviews
guide guides tip tips idea ideas easy simple beginner beginners near online free new old list lists
example examples step steps kind kinds type types vs. one two three first year years 2020 2021 2022 2023 2024 2025 2026`) {
		m[w] = true
	}
	return m
}()

// smallWords stay lower case inside a title.
var smallWords = map[string]bool{"a": true, "an": true, "and": true, "as": true, "at": true, "but": true, "by": true,
	"for": true, "from": true, "in": true, "into": true, "nor": true, "of": true, "on": true, "or": true, "the": true,
	"to": true, "vs": true, "vs.": true, "with": true, "per": true, "via": true}

// words splits s into lower-case words of letters and digits; an apostrophe
// inside a word is dropped ("women's" → "womens").
func words(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'' || r == '’':
		default:
			flush()
		}
	}
	flush()
	return out
}

// contentWords are the words of s without stop words and bare numbers, each
// with its stem.
func contentWords(s string) (surface, stems []string) {
	for _, w := range words(s) {
		if stopwords[w] || isNumber(w) {
			continue
		}
		surface = append(surface, w)
		stems = append(stems, stem(w))
	}
	return
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func isVowel(b byte) bool { return strings.IndexByte("aeiouy", b) >= 0 }

func hasVowel(s string) bool {
	for i := 0; i < len(s); i++ {
		if isVowel(s[i]) {
			return true
		}
	}
	return false
}

// stem is a light English stemmer: plurals, -ing, -ed, a final -e and
// -ation, enough to put "shoe/shoes", "bake/baking/baked",
// "install/installation/installing" together without Porter's surprises.
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ss"), strings.HasSuffix(w, "us"), strings.HasSuffix(w, "is"):
	case strings.HasSuffix(w, "s"):
		w = w[:len(w)-1]
	}
	switch {
	case strings.HasSuffix(w, "ations") || strings.HasSuffix(w, "ation"):
		if base := w[:strings.LastIndex(w, "ation")]; len(base) >= 4 && hasVowel(base) {
			w = base
		}
	case strings.HasSuffix(w, "ing") && len(w) >= 5:
		if base := w[:len(w)-3]; len(base) >= 3 && hasVowel(base) {
			w = undouble(base)
		}
	case strings.HasSuffix(w, "ed") && len(w) >= 5 && !isVowel(w[len(w)-3]):
		if base := w[:len(w)-2]; len(base) >= 3 && hasVowel(base) {
			w = undouble(base)
		}
	}
	if len(w) >= 4 && strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "ee") {
		w = w[:len(w)-1]
	}
	return w
}

// undouble drops one of a final double consonant ("runn" → "run"), except
// l, s and z ("fill", "pass", "buzz").
func undouble(w string) string {
	n := len(w)
	if n >= 2 && w[n-1] == w[n-2] && !isVowel(w[n-1]) && strings.IndexByte("lsz", w[n-1]) < 0 {
		return w[:n-1]
	}
	return w
}

// titleCase capitalises each word except small words after the first.
func titleCase(s string) string {
	fs := strings.Fields(s)
	for i, f := range fs {
		lower := strings.ToLower(f)
		if i > 0 && smallWords[lower] {
			fs[i] = lower
			continue
		}
		if isAllUpper(f) && len(f) > 1 {
			continue // keep acronyms (SEO, DIY)
		}
		r, size := utf8.DecodeRuneInString(f)
		fs[i] = string(unicode.ToUpper(r)) + f[size:]
	}
	return strings.Join(fs, " ")
}

func isAllUpper(s string) bool {
	letters := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			letters++
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters > 0
}

// capitalize upper-cases the first letter of a sentence.
func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// truncateWords cuts s to at most max runes at a word boundary.
func truncateWords(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	rs := []rune(s)[:max+1]
	cut := strings.LastIndexFunc(string(rs), unicode.IsSpace)
	out := string(rs[:max])
	if cut > 0 {
		out = string(rs)[:cut]
	}
	return strings.TrimRight(strings.TrimSpace(out), ",;:-–—")
}

// topicOf strips the search modifiers that make a keyword read badly inside
// a sentence or title: "best trail running shoes for women" → "trail
// running shoes for women", "how to feed a sourdough starter" → "feed a
// sourdough starter".
func topicOf(kw string) string {
	s := strings.TrimSpace(strings.ToLower(kw))
	for _, p := range []string{"how to ", "how do i ", "how do you ", "what is a ", "what is an ", "what is the ", "what is ", "what are ", "why is ", "why do ",
		"best ", "top ", "cheap ", "cheapest ", "affordable ", "buy ", "the "} {
		if strings.HasPrefix(s, p) && len(s) > len(p)+2 {
			s = s[len(p):]
		}
	}
	for _, suf := range []string{" near me", " for beginners", " reviews", " review", " 2024", " 2025", " 2026"} {
		if strings.HasSuffix(s, suf) && len(s) > len(suf)+2 {
			s = strings.TrimSuffix(s, suf)
		}
	}
	return strings.TrimSpace(s)
}

// commonPhrase returns the phrase (one to three words, not starting or
// ending with a stop word) that the most keywords share, preferring longer
// phrases when they cover at least half as many keywords as the best single
// word: "trail running shoes", "sourdough bread", "solar panels". Words are
// compared by stem; the phrase comes back in its most common spelling. ""
// when no phrase is shared by two keywords.
func commonPhrase(kws []string) string {
	type ngram struct {
		count   int
		surface map[string]int
		first   int
	}
	grams := [4]map[string]*ngram{}
	for n := 1; n <= 3; n++ {
		grams[n] = map[string]*ngram{}
	}
	for ki, k := range kws {
		ws := words(k)
		seen := map[string]bool{}
		for n := 1; n <= 3; n++ {
			for i := 0; i+n <= len(ws); i++ {
				a, z := ws[i], ws[i+n-1]
				if stopwords[a] || stopwords[z] || isNumber(a) || isNumber(z) {
					continue
				}
				st := make([]string, n)
				for j := 0; j < n; j++ {
					st[j] = stem(ws[i+j])
				}
				key := strings.Join(st, " ")
				g := grams[n][key]
				if g == nil {
					g = &ngram{surface: map[string]int{}, first: ki}
					grams[n][key] = g
				}
				g.surface[strings.Join(ws[i:i+n], " ")]++
				if !seen[key] {
					seen[key] = true
					g.count++
				}
			}
		}
	}
	bestOf := func(n int) (*ngram, string) {
		var best *ngram
		var bestKey string
		for key, g := range grams[n] {
			if best == nil || g.count > best.count || (g.count == best.count && key < bestKey) {
				best, bestKey = g, key
			}
		}
		return best, bestKey
	}
	one, _ := bestOf(1)
	if one == nil || one.count < 2 {
		return ""
	}
	for n := 3; n >= 1; n-- {
		if g, _ := bestOf(n); g != nil && g.count >= 2 && 2*g.count >= one.count {
			return surfaceOf(g.surface)
		}
	}
	return ""
}
