package offline

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// Clustering parameters. Similarities are cosines of TF-IDF vectors, so they
// lie in [0, 1].
const (
	// mergeThreshold stops average-linkage merging: two groups whose keywords
	// are, on average, less similar than this stay apart.
	mergeThreshold = 0.12
	// singletonFloor: a keyword left alone joins the group it is most similar
	// to (on average) when that similarity exceeds this floor.
	singletonFloor = 0.05
)

// kwDoc is one keyword prepared for clustering.
type kwDoc struct {
	text    string
	volume  int64
	surface []string // content words as written (lower case)
	stems   []string // their stems, parallel to surface
	all     []string // stems of every word, stop words included (for name order)
	vec     []term   // L2-normalised TF-IDF vector, sorted by term id
}

type term struct {
	id int
	w  float64
}

// cluster groups keywords by topic: TF-IDF vectors over stemmed content
// words, cosine similarity, average-linkage agglomerative clustering cut at
// mergeThreshold (continued past it while there are more groups than
// maxClusters, when that is set), then lone keywords join their nearest
// group above singletonFloor, then a k-means style refinement moves each
// keyword to the group whose centroid it is most similar to.
//
// The refinement matters: agglomeration decides pair by pair, and two
// keywords from different topics that share rare words ("how long do solar
// panels last", "how long do trail running shoes last") can pair up before
// either meets its topic. Against centroids, the words a whole group shares
// ("solar", "panel") outweigh the ones two keywords happen to share.
//
// Input order does not matter: keywords are sorted first and every tie is
// broken by that order.
func cluster(in ai.ClusteringInput) ai.ClusteringOutput {
	docs := prepare(in.Keywords)
	if len(docs) == 0 {
		return ai.ClusteringOutput{Clusters: []ai.ClusterOut{}}
	}
	idf := vectorize(docs)

	// Keywords with no content words (only stop words or numbers) cannot be
	// compared: they are set aside and grouped at the end.
	var idx, empty []int
	for i, d := range docs {
		if len(d.vec) == 0 {
			empty = append(empty, i)
		} else {
			idx = append(idx, i)
		}
	}
	groups := agglomerate(docs, idx, in.MaxClusters)
	groups = attachSingletons(docs, groups)
	groups = refine(docs, groups)
	if len(empty) > 0 {
		if in.MaxClusters > 0 && len(groups) >= in.MaxClusters && len(groups) > 0 {
			groups[len(groups)-1] = append(groups[len(groups)-1], empty...)
		} else {
			groups = append(groups, empty)
		}
	}
	return describe(docs, groups, idf)
}

// prepare trims, de-duplicates (by exact text, keeping the highest volume)
// and sorts the keywords, and splits them into content words.
func prepare(kws []ai.ClusteringKeyword) []*kwDoc {
	byText := map[string]*kwDoc{}
	for _, k := range kws {
		t := strings.TrimSpace(k.Keyword)
		if t == "" {
			continue
		}
		if d, ok := byText[t]; ok {
			d.volume = max(d.volume, k.Volume)
			continue
		}
		surface, stems := contentWords(t)
		var all []string
		for _, w := range words(t) {
			all = append(all, stem(w))
		}
		byText[t] = &kwDoc{text: t, volume: k.Volume, surface: surface, stems: stems, all: all}
	}
	docs := make([]*kwDoc, 0, len(byText))
	for _, d := range byText {
		docs = append(docs, d)
	}
	sort.Slice(docs, func(i, j int) bool {
		a, b := strings.ToLower(docs[i].text), strings.ToLower(docs[j].text)
		if a != b {
			return a < b
		}
		return docs[i].text < docs[j].text
	})
	return docs
}

// vectorize gives every doc its normalised TF-IDF vector (binary term
// frequency: keywords are a few words long) and returns idf by stem.
func vectorize(docs []*kwDoc) map[string]float64 {
	df := map[string]int{}
	for _, d := range docs {
		seen := map[string]bool{}
		for _, s := range d.stems {
			if !seen[s] {
				seen[s] = true
				df[s]++
			}
		}
	}
	stems := make([]string, 0, len(df))
	for s := range df {
		stems = append(stems, s)
	}
	sort.Strings(stems)
	ids := make(map[string]int, len(stems))
	idf := make(map[string]float64, len(stems))
	n := float64(len(docs))
	for i, s := range stems {
		ids[s] = i
		idf[s] = math.Log((1+n)/(1+float64(df[s]))) + 1
	}
	for _, d := range docs {
		seen := map[string]bool{}
		var norm float64
		for _, s := range d.stems {
			if seen[s] {
				continue
			}
			seen[s] = true
			w := idf[s]
			d.vec = append(d.vec, term{ids[s], w})
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for i := range d.vec {
			d.vec[i].w /= norm
		}
		sort.Slice(d.vec, func(i, j int) bool { return d.vec[i].id < d.vec[j].id })
	}
	return idf
}

func cosine(a, b []term) float64 {
	var s float64
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i].id == b[j].id:
			s += a[i].w * b[j].w
			i++
			j++
		case a[i].id < b[j].id:
			i++
		default:
			j++
		}
	}
	return s
}

// agglomerate runs average-linkage clustering over docs[idx] and returns the
// groups (as doc indexes). Group similarities are kept up to date with the
// Lance–Williams update for average linkage, and each row caches its most
// similar partner, so a run is about O(n²) in practice.
func agglomerate(docs []*kwDoc, idx []int, maxClusters int) [][]int {
	n := len(idx)
	if n == 0 {
		return nil
	}
	sim := make([][]float64, n)
	for i := range sim {
		sim[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			s := cosine(docs[idx[i]].vec, docs[idx[j]].vec)
			sim[i][j], sim[j][i] = s, s
		}
	}
	active := make([]bool, n)
	size := make([]int, n)
	members := make([][]int, n)
	best := make([]int, n)
	for i := range active {
		active[i], size[i], members[i] = true, 1, []int{idx[i]}
	}
	bestOf := func(i int) int {
		b := -1
		for j := 0; j < n; j++ {
			if j != i && active[j] && (b < 0 || sim[i][j] > sim[i][b]) {
				b = j
			}
		}
		return b
	}
	for i := range best {
		best[i] = bestOf(i)
	}
	count := n
	for count > 1 {
		a := -1
		for i := 0; i < n; i++ {
			if active[i] && best[i] >= 0 && (a < 0 || sim[i][best[i]] > sim[a][best[a]]) {
				a = i
			}
		}
		if a < 0 {
			break
		}
		s := sim[a][best[a]]
		if s < mergeThreshold && (maxClusters <= 0 || count <= maxClusters) {
			break
		}
		b := best[a]
		if b < a {
			a, b = b, a
		}
		// Merge b into a.
		na, nb := float64(size[a]), float64(size[b])
		for k := 0; k < n; k++ {
			if active[k] && k != a && k != b {
				v := (na*sim[a][k] + nb*sim[b][k]) / (na + nb)
				sim[a][k], sim[k][a] = v, v
			}
		}
		size[a] += size[b]
		members[a] = append(members[a], members[b]...)
		active[b], members[b] = false, nil
		count--
		for k := 0; k < n; k++ {
			if !active[k] {
				continue
			}
			switch {
			case k == a || best[k] == a || best[k] == b:
				best[k] = bestOf(k)
			case sim[k][a] > sim[k][best[k]] || (sim[k][a] == sim[k][best[k]] && a < best[k]):
				best[k] = a
			}
		}
	}
	var groups [][]int
	for i := 0; i < n; i++ {
		if active[i] {
			sort.Ints(members[i])
			groups = append(groups, members[i])
		}
	}
	return groups
}

// attachSingletons moves each group of one keyword into the larger group it
// is most similar to on average, when that similarity exceeds
// singletonFloor. Targets are the groups as they were before any move, so
// the result does not depend on the order singletons are looked at.
func attachSingletons(docs []*kwDoc, groups [][]int) [][]int {
	var big []int
	for g, m := range groups {
		if len(m) > 1 {
			big = append(big, g)
		}
	}
	if len(big) == 0 {
		return groups
	}
	extra := map[int][]int{}
	moved := map[int]bool{}
	for g, m := range groups {
		if len(m) != 1 {
			continue
		}
		bestG, bestS := -1, singletonFloor
		for _, t := range big {
			var s float64
			for _, j := range groups[t] {
				s += cosine(docs[m[0]].vec, docs[j].vec)
			}
			if s /= float64(len(groups[t])); s > bestS {
				bestG, bestS = t, s
			}
		}
		if bestG >= 0 {
			extra[bestG] = append(extra[bestG], m[0])
			moved[g] = true
		}
	}
	var out [][]int
	for g, m := range groups {
		if moved[g] {
			continue
		}
		m = append(m, extra[g]...)
		sort.Ints(m)
		out = append(out, m)
	}
	return out
}

// refine reassigns keywords to the group with the most similar centroid
// until nothing moves (at most 20 rounds). A keyword moves only when another
// centroid is strictly more similar than its own group's; empty groups are
// dropped.
func refine(docs []*kwDoc, groups [][]int) [][]int {
	if len(groups) < 2 {
		return groups
	}
	assign := map[int]int{}
	for g, m := range groups {
		for _, d := range m {
			assign[d] = g
		}
	}
	order := make([]int, 0, len(assign))
	for d := range assign {
		order = append(order, d)
	}
	sort.Ints(order)
	for round := 0; round < 20; round++ {
		cents := make([]map[int]float64, len(groups))
		norms := make([]float64, len(groups))
		sizes := make([]int, len(groups))
		for _, d := range order {
			g := assign[d]
			if cents[g] == nil {
				cents[g] = map[int]float64{}
			}
			for _, t := range docs[d].vec {
				cents[g][t.id] += t.w
			}
			sizes[g]++
		}
		for g, c := range cents {
			var n float64
			for _, w := range c {
				n += w * w
			}
			norms[g] = math.Sqrt(n)
		}
		simTo := func(d, g int) float64 {
			if norms[g] == 0 {
				return -1
			}
			var s float64
			for _, t := range docs[d].vec {
				s += t.w * cents[g][t.id]
			}
			return s / norms[g]
		}
		moved := false
		next := map[int]int{}
		for _, d := range order {
			cur := assign[d]
			best, bestS := cur, simTo(d, cur)
			if sizes[cur] == 1 {
				next[d] = cur // a lone keyword keeps its group here; attachSingletons decided
				continue
			}
			for g := range groups {
				if g != cur && sizes[g] > 0 {
					if s := simTo(d, g); s > bestS+1e-12 {
						best, bestS = g, s
					}
				}
			}
			next[d] = best
			moved = moved || best != cur
		}
		assign = next
		if !moved {
			break
		}
	}
	out := make([][]int, len(groups))
	for _, d := range order {
		out[assign[d]] = append(out[assign[d]], d)
	}
	var kept [][]int
	for _, m := range out {
		if len(m) > 0 {
			kept = append(kept, m)
		}
	}
	return kept
}

// describe names each group by its most distinctive shared terms and orders
// groups by total volume, keywords by volume.
func describe(docs []*kwDoc, groups [][]int, idf map[string]float64) ai.ClusteringOutput {
	type named struct {
		out    ai.ClusterOut
		volume int64
		terms  []string // candidate name terms, best first
	}
	all := make([]named, 0, len(groups))
	for _, g := range groups {
		members := make([]*kwDoc, len(g))
		var vol int64
		for i, j := range g {
			members[i] = docs[j]
			vol += docs[j].volume
		}
		sort.SliceStable(members, func(i, j int) bool {
			if members[i].volume != members[j].volume {
				return members[i].volume > members[j].volume
			}
			return members[i].text < members[j].text
		})
		kws := make([]string, len(members))
		for i, m := range members {
			kws[i] = m.text
		}
		name, terms := clusterName(members, idf)
		all = append(all, named{out: ai.ClusterOut{Name: name, Keywords: kws}, volume: vol, terms: terms})
	}
	// Names must be unique: a clash takes the next term, then a number.
	seen := map[string]int{}
	for i := range all {
		seen[strings.ToLower(all[i].out.Name)]++
	}
	for i := range all {
		if seen[strings.ToLower(all[i].out.Name)] > 1 && len(all[i].terms) > 0 {
			all[i].out.Name = titleCase(all[i].out.Name + " " + all[i].terms[0])
		}
	}
	used := map[string]int{}
	for i := range all {
		k := strings.ToLower(all[i].out.Name)
		used[k]++
		if used[k] > 1 {
			all[i].out.Name = fmt.Sprintf("%s %d", all[i].out.Name, used[k])
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].volume != all[j].volume {
			return all[i].volume > all[j].volume
		}
		return all[i].out.Name < all[j].out.Name
	})
	out := ai.ClusteringOutput{Clusters: make([]ai.ClusterOut, len(all))}
	for i, c := range all {
		c.out.Description = clusterDescription(c.out.Name, c.out.Keywords, c.volume)
		out.Clusters[i] = c.out
	}
	return out
}

// clusterName picks up to three stems that most of the group shares and
// that are rare elsewhere (coverage × idf), writes them in their most common
// surface form, in the order they usually appear, title-cased.
func clusterName(members []*kwDoc, idf map[string]float64) (string, []string) {
	type stat struct {
		docs    int
		posSum  float64
		surface map[string]int
	}
	stats := map[string]*stat{}
	for _, m := range members {
		seen := map[string]bool{}
		for p, s := range m.stems {
			if seen[s] {
				continue
			}
			seen[s] = true
			st := stats[s]
			if st == nil {
				st = &stat{surface: map[string]int{}}
				stats[s] = st
			}
			st.docs++
			st.posSum += float64(p) / float64(max(1, len(m.stems)))
			st.surface[m.surface[p]]++
		}
	}
	if len(stats) == 0 {
		return titleCase(members[0].text), nil
	}
	type cand struct {
		stem         string
		score, cover float64
		pos          float64
	}
	var cands []cand
	for s, st := range stats {
		cover := float64(st.docs) / float64(len(members))
		cands = append(cands, cand{s, cover * idf[s] * cover, cover, st.posSum / float64(st.docs)})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].stem < cands[j].stem
	})
	chosen := []cand{cands[0]}
	for _, c := range cands[1:] {
		if len(chosen) == 3 {
			break
		}
		if c.cover >= 0.34 || (len(members) <= 2 && c.cover >= 0.5) {
			chosen = append(chosen, c)
		}
	}
	var rest []string
	for _, c := range cands[len(chosen):] {
		if len(rest) < 2 {
			rest = append(rest, surfaceOf(stats[c.stem].surface))
		}
	}
	sort.SliceStable(chosen, func(i, j int) bool { return chosen[i].pos < chosen[j].pos })
	order := make([]string, len(chosen))
	for i, c := range chosen {
		order[i] = c.stem
	}
	order = phraseOrder(order, members)
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = surfaceOf(stats[s].surface)
	}
	return titleCase(strings.Join(parts, " ")), rest
}

// phraseOrder orders the name's stems the way the keywords say them: each
// permutation scores 2 for every keyword where its stems appear next to each
// other in that order ("dog training"), 1 where they appear in that order
// with words between; the best wins, ties keep the given order (by average
// position).
func phraseOrder(stems []string, members []*kwDoc) []string {
	if len(stems) < 2 {
		return stems
	}
	var perms [][]string
	var permute func(prefix, rest []string)
	permute = func(prefix, rest []string) {
		if len(rest) == 0 {
			perms = append(perms, append([]string(nil), prefix...))
			return
		}
		for i := range rest {
			next := append(append([]string(nil), rest[:i]...), rest[i+1:]...)
			permute(append(prefix, rest[i]), next)
		}
	}
	permute(nil, stems)
	best, bestScore := stems, -1
	for _, p := range perms {
		score := 0
		for _, m := range members {
			score += inOrder(m.all, p)
		}
		if score > bestScore {
			best, bestScore = p, score
		}
	}
	return best
}

// inOrder is 2 when seq holds p contiguously, 1 when in order with gaps, else 0.
func inOrder(seq, p []string) int {
	for i := range seq {
		if i+len(p) <= len(seq) {
			ok := true
			for k := range p {
				if seq[i+k] != p[k] {
					ok = false
					break
				}
			}
			if ok {
				return 2
			}
		}
	}
	k := 0
	for _, s := range seq {
		if k < len(p) && s == p[k] {
			k++
		}
	}
	if k == len(p) {
		return 1
	}
	return 0
}

func surfaceOf(m map[string]int) string {
	best, n := "", -1
	for s, c := range m {
		if c > n || (c == n && s < best) {
			best, n = s, c
		}
	}
	return best
}

func clusterDescription(name string, kws []string, volume int64) string {
	topic := strings.ToLower(name)
	ex := kws[:min(3, len(kws))]
	quoted := make([]string, len(ex))
	for i, k := range ex {
		quoted[i] = "“" + k + "”"
	}
	var list string
	switch len(quoted) {
	case 1:
		list = quoted[0]
	case 2:
		list = quoted[0] + " and " + quoted[1]
	default:
		list = quoted[0] + ", " + quoted[1] + " and " + quoted[2]
	}
	noun := "keywords"
	if len(kws) == 1 {
		noun = "keyword"
	}
	d := fmt.Sprintf("Searches about %s: %d %s", topic, len(kws), noun)
	if volume > 0 {
		d += fmt.Sprintf(" with a combined monthly volume of %d", volume)
	}
	return d + ", led by " + list + "."
}
