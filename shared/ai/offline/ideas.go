package offline

import (
	"fmt"
	"sort"
	"strings"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// maxIdeas caps one idea-generation answer.
const maxIdeas = 50

var baseWords = map[string]int{
	ai.StructureGuide: 2000, ai.StructureHowTo: 1400, ai.StructureListicle: 1600,
	ai.StructureComparison: 1500, ai.StructureArticle: 1200,
}

// titleTemplates per structure. {T} is the topic in title case, {K} the
// keyword itself in title case, {N} a list length.
var titleTemplates = map[string][]string{
	ai.StructureGuide: {
		"The Complete Guide to {T}",
		"{T}: A Practical Guide for Every Level",
		"Everything You Need to Know About {T}",
		"{T} Explained: The Essential Guide",
	},
	ai.StructureHowTo: {
		"How to Get Started With {T}",
		"How to Choose the Right {T}",
		"How to Get Better Results From {T}",
		"How to Avoid Costly Mistakes With {T}",
	},
	ai.StructureListicle: {
		"{N} {T} Tips Worth Knowing",
		"{N} Things to Consider Before Choosing {T}",
		"{N} Common {T} Mistakes and How to Fix Them",
		"{N} Expert-Backed Ideas for {T}",
	},
	ai.StructureComparison: {
		"{T}: Comparing the Most Popular Options",
		"{T} Compared: Which Option Fits Your Needs?",
		"Choosing {T}: Pros, Cons and Trade-Offs",
	},
	ai.StructureArticle: {
		"Why {T} Matters More Than You Think",
		"{T}: What Most People Get Wrong",
		"What to Know About {T} Before You Begin",
		"The Real Story Behind {T}",
	},
}

// ideas returns Count ideas (default 3, at most maxIdeas) for the cluster,
// cycling through the content structures and the cluster's keywords.
func ideas(in ai.IdeaInput) ai.IdeaOutput {
	n := in.Count
	if n <= 0 {
		n = 3
	}
	n = min(n, maxIdeas)
	kws := uniqueNonEmpty(in.Cluster.Keywords)
	if len(kws) == 0 {
		name := strings.TrimSpace(in.Cluster.Name)
		if name == "" {
			name = "your topic"
		}
		kws = []string{strings.ToLower(name)}
	}
	clusterTopic := commonPhrase(kws)
	if clusterTopic == "" {
		clusterTopic = strings.ToLower(strings.TrimSpace(in.Cluster.Name))
	}
	if clusterTopic == "" {
		clusterTopic = topicOf(kws[0])
	}
	seed := in.Cluster.Name + "|" + strings.Join(kws, "|")
	r := newRNG(seed)
	structs := ai.ContentStructures
	offset := r.intn(len(structs))
	usedTitles := map[string]bool{}
	usedPrimary := map[string]int{}
	out := ai.IdeaOutput{Ideas: make([]ai.Idea, 0, n)}
	for i := 0; i < n; i++ {
		st := structs[(offset+i)%len(structs)]
		primary := choosePrimary(kws, st, usedPrimary, i)
		usedPrimary[primary]++
		title := ideaTitle(r, st, primary, clusterTopic, usedTitles, i)
		usedTitles[strings.ToLower(title)] = true
		targets := relatedKeywords(primary, kws, 3)
		words := baseWords[st] + (r.intn(5)-2)*100
		out.Ideas = append(out.Ideas, ai.Idea{
			Title:              title,
			Description:        ideaDescription(r, st, primary, targets),
			ContentType:        "post",
			ContentStructure:   st,
			TargetKeywords:     targets,
			EstimatedWordCount: words,
		})
	}
	return out
}

func uniqueNonEmpty(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		x = strings.TrimSpace(x)
		if x != "" && !seen[strings.ToLower(x)] {
			seen[strings.ToLower(x)] = true
			out = append(out, x)
		}
	}
	return out
}

// choosePrimary prefers keywords whose phrasing suits the structure ("how
// to …" for how_to, "… vs …" for comparison, "best …" for listicles), least
// used first, then rotates.
func choosePrimary(kws []string, st string, used map[string]int, i int) string {
	suits := func(k string) bool {
		l := strings.ToLower(k)
		switch st {
		case ai.StructureHowTo:
			return strings.HasPrefix(l, "how ")
		case ai.StructureComparison:
			return strings.Contains(l, " vs ") || strings.Contains(l, " versus ") || strings.Contains(l, " or ")
		case ai.StructureListicle:
			return strings.HasPrefix(l, "best ") || strings.HasPrefix(l, "top ")
		case ai.StructureGuide:
			return strings.HasPrefix(l, "what ") || strings.Contains(l, "guide")
		}
		return false
	}
	bestK, bestScore := "", 1<<30
	for j := range kws {
		k := kws[(i+j)%len(kws)]
		score := used[k] * 2
		if !suits(k) {
			score++
		}
		if score < bestScore {
			bestK, bestScore = k, score
		}
	}
	return bestK
}

var questionWords = []string{"why ", "what ", "when ", "where ", "which ", "who ", "can ", "does ", "do ", "is ", "are ", "should ", "how "}

func isQuestion(l string) bool {
	for _, q := range questionWords {
		if strings.HasPrefix(l, q) {
			return true
		}
	}
	return false
}

func ideaTitle(r *rng, st, primary, clusterTopic string, used map[string]bool, i int) string {
	topic := titleCase(topicOf(primary))
	l := strings.ToLower(primary)
	var special []string
	if isQuestion(l) {
		// A question reads badly inside a template ("Why My Bread Dense
		// Matters"): ask it, and use the cluster's topic elsewhere.
		topic = titleCase(clusterTopic)
		if !strings.HasPrefix(l, "how to ") {
			q := titleCase(strings.TrimRight(primary, "?")) + "?"
			special = append(special, q+" "+pick(r, []string{"Causes and Fixes", "Here Is What to Know", "A Clear Answer", "What Experts Say"}))
		}
	}
	switch {
	case st == ai.StructureHowTo && strings.HasPrefix(l, "how to "):
		special = []string{titleCase(primary) + ": A Step-by-Step Guide", titleCase(primary) + " the Right Way"}
	case st == ai.StructureComparison && strings.Contains(l, " vs "):
		parts := strings.SplitN(topicOf(primary), " vs ", 2)
		special = []string{titleCase(parts[0]) + " vs " + titleCase(parts[1]) + ": Which Is Right for You?"}
	case st == ai.StructureListicle && (strings.HasPrefix(l, "best ") || strings.HasPrefix(l, "top ")):
		special = []string{"{N} Best " + topic + " Worth Considering", "The {N} Best " + topic + ", Compared"}
	}
	cands := append(special, rotate(titleTemplates[st], r.intn(len(titleTemplates[st])))...)
	for _, other := range ai.ContentStructures { // fall back to any template before numbering
		if other != st {
			cands = append(cands, titleTemplates[other]...)
		}
	}
	ns := []int{5, 7, 9, 10, 12}
	for _, c := range cands {
		t := strings.NewReplacer("{T}", topic, "{K}", titleCase(primary), "{N}", fmt.Sprint(ns[(i+r.intn(len(ns)))%len(ns)])).Replace(c)
		if !used[strings.ToLower(t)] {
			return t
		}
	}
	return fmt.Sprintf("%s (Part %d)", strings.NewReplacer("{T}", topic, "{N}", "7").Replace(cands[0]), i+1)
}

func rotate(xs []string, k int) []string {
	out := make([]string, 0, len(xs))
	for i := range xs {
		out = append(out, xs[(i+k)%len(xs)])
	}
	return out
}

// relatedKeywords returns primary and up to n more keywords of the cluster,
// the ones sharing the most content words with it first.
func relatedKeywords(primary string, kws []string, n int) []string {
	_, ps := contentWords(primary)
	pset := map[string]bool{}
	for _, s := range ps {
		pset[s] = true
	}
	type scored struct {
		k string
		s int
		i int
	}
	var others []scored
	for i, k := range kws {
		if k == primary {
			continue
		}
		_, st := contentWords(k)
		s := 0
		for _, x := range st {
			if pset[x] {
				s++
			}
		}
		others = append(others, scored{k, s, i})
	}
	sort.SliceStable(others, func(a, b int) bool {
		if others[a].s != others[b].s {
			return others[a].s > others[b].s
		}
		return others[a].i < others[b].i
	})
	out := []string{primary}
	for _, o := range others {
		if len(out) > n {
			break
		}
		out = append(out, o.k)
	}
	return out
}

var ideaGoals = []string{
	"make a confident decision", "avoid the most common mistakes", "get consistent results",
	"save time and money", "understand the trade-offs", "go from beginner to confident",
}

func ideaDescription(r *rng, st, primary string, targets []string) string {
	kind := map[string]string{
		ai.StructureGuide: "An in-depth guide", ai.StructureHowTo: "A step-by-step tutorial",
		ai.StructureListicle: "A scannable list", ai.StructureComparison: "A side-by-side comparison",
		ai.StructureArticle: "An explainer",
	}[st]
	d := fmt.Sprintf("%s that helps readers searching for “%s” %s", kind, primary, pick(r, ideaGoals))
	if len(targets) > 1 {
		rest := targets[1:]
		list := "“" + strings.Join(rest, "”, “") + "”"
		d += ", also covering " + list
	}
	return d + "."
}
