package offline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image/png"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// call runs one operation through the provider, as the operation layer will.
func call(t *testing.T, p *Provider, op string, data any, out any) ai.TextResult {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Complete(context.Background(), ai.TextRequest{
		System: "You are an SEO assistant.", Prompt: "Do the " + op + " task for the data below.\n" + string(raw),
		JSON: true, Operation: op, Data: raw,
	})
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	if out != nil {
		dec := json.NewDecoder(strings.NewReader(res.Text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(out); err != nil {
			t.Fatalf("%s answer is not the contract JSON: %v\n%s", op, err, res.Text)
		}
	}
	return res
}

// threeTopics returns the 60 keywords, with ids and volumes, in an order
// given by perm (nil: trail, sourdough, solar).
func threeTopics(order func([]ai.ClusteringKeyword)) ([]ai.ClusteringKeyword, map[string]string) {
	topicOf := map[string]string{}
	var kws []ai.ClusteringKeyword
	i := 0
	for _, topic := range []string{"trail", "sourdough", "solar"} {
		for _, k := range topicKeywords[topic] {
			i++
			topicOf[k] = topic
			kws = append(kws, ai.ClusteringKeyword{ID: fmt.Sprintf("kw%02d", i), Keyword: k, Volume: int64(90 + (i*37)%400)})
		}
	}
	if order != nil {
		order(kws)
	}
	return kws, topicOf
}

// shuffle is a deterministic Fisher–Yates shuffle for tests.
func shuffle(seed string) func([]ai.ClusteringKeyword) {
	return func(kws []ai.ClusteringKeyword) {
		r := newRNG(seed)
		for i := len(kws) - 1; i > 0; i-- {
			j := r.intn(i + 1)
			kws[i], kws[j] = kws[j], kws[i]
		}
	}
}

func TestClusteringSeparatesThreeTopics(t *testing.T) {
	p := New()
	orders := map[string]func([]ai.ClusteringKeyword){
		"as listed": nil,
		"reversed": func(k []ai.ClusteringKeyword) {
			for i, j := 0, len(k)-1; i < j; i, j = i+1, j-1 {
				k[i], k[j] = k[j], k[i]
			}
		},
		"interleaved": func(k []ai.ClusteringKeyword) {
			out := make([]ai.ClusteringKeyword, 0, len(k))
			for i := 0; i < 20; i++ {
				out = append(out, k[i], k[20+i], k[40+i])
			}
			copy(k, out)
		},
		"shuffled 1": shuffle("one"),
		"shuffled 2": shuffle("two"),
		"shuffled 3": shuffle("three"),
	}
	names := make([]string, 0, len(orders))
	for n := range orders {
		names = append(names, n)
	}
	sort.Strings(names)
	var first string
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			kws, topicOf := threeTopics(orders[name])
			var out ai.ClusteringOutput
			res := call(t, p, ai.OpClustering, ai.ClusteringInput{Keywords: kws}, &out)
			if first == "" {
				first = res.Text
			} else if res.Text != first {
				t.Fatalf("the answer depends on the input order:\n%s\nvs\n%s", res.Text, first)
			}
			seen := map[string]int{}
			perTopic := map[string]int{}
			for _, c := range out.Clusters {
				if c.Name == "" || c.Description == "" || len(c.Keywords) == 0 {
					t.Errorf("incomplete cluster %+v", c)
				}
				topics := map[string]bool{}
				for _, k := range c.Keywords {
					seen[k]++
					topics[topicOf[k]] = true
				}
				if len(topics) != 1 {
					t.Errorf("cluster %q mixes topics %v: %v", c.Name, topics, c.Keywords)
				}
				for tp := range topics {
					perTopic[tp]++
				}
			}
			for _, k := range kws {
				if seen[k.Keyword] != 1 {
					t.Errorf("keyword %q appears in %d clusters", k.Keyword, seen[k.Keyword])
				}
			}
			if len(seen) != len(kws) {
				t.Errorf("%d distinct keywords out, %d in", len(seen), len(kws))
			}
			if len(out.Clusters) != 3 {
				t.Errorf("%d clusters, want exactly 3 (per topic: %v)", len(out.Clusters), perTopic)
			}
			wantNames := map[string]string{"trail": "Trail Running Shoes", "sourdough": "Sourdough", "solar": "Solar Panel"}
			for _, c := range out.Clusters {
				tp := topicOf[c.Keywords[0]]
				if !strings.HasPrefix(c.Name, wantNames[tp]) {
					t.Errorf("cluster of %s is named %q, want it to start with %q", tp, c.Name, wantNames[tp])
				}
			}
		})
	}
}

func TestClusteringOtherTopicsStayPure(t *testing.T) {
	topics := map[string][]string{
		"dog": {"how to potty train a puppy", "puppy crate training schedule", "dog training treats", "best dog training collar",
			"how to stop dog barking", "leash training a stubborn dog", "puppy biting how to stop", "dog obedience classes near me",
			"clicker training for dogs", "teach dog to sit"},
		"coffee": {"french press coffee ratio", "pour over coffee technique", "best coffee grinder for espresso", "cold brew coffee at home",
			"how to descale an espresso machine", "aeropress coffee recipes", "coffee beans storage", "espresso machine for beginners",
			"moka pot coffee", "burr vs blade coffee grinder"},
		"k8s": {"kubernetes deployment yaml example", "kubectl rollout restart deployment", "kubernetes helm chart tutorial",
			"kubernetes pod crashloopbackoff", "kubernetes ingress nginx setup", "kubernetes horizontal pod autoscaler",
			"deploy app to kubernetes cluster", "kubernetes secrets management", "helm upgrade rollback kubernetes", "kubernetes service types explained"},
	}
	topicOf := map[string]string{}
	var kws []ai.ClusteringKeyword
	for tp, list := range topics {
		for _, k := range list {
			topicOf[k] = tp
			kws = append(kws, ai.ClusteringKeyword{Keyword: k, Volume: 50})
		}
	}
	var out ai.ClusteringOutput
	call(t, New(), ai.OpClustering, ai.ClusteringInput{Keywords: kws}, &out)
	perTopic := map[string]int{}
	n := 0
	for _, c := range out.Clusters {
		tps := map[string]bool{}
		for _, k := range c.Keywords {
			tps[topicOf[k]] = true
			n++
		}
		if len(tps) != 1 {
			t.Errorf("cluster %q mixes topics: %v", c.Name, c.Keywords)
		}
		for tp := range tps {
			perTopic[tp]++
		}
	}
	if n != len(kws) {
		t.Errorf("%d keywords out, %d in", n, len(kws))
	}
	for tp, c := range perTopic {
		if c > 4 {
			t.Errorf("topic %s split into %d clusters", tp, c)
		}
	}
}

func TestClusteringEdgeCases(t *testing.T) {
	kws, _ := threeTopics(nil)
	cases := []struct {
		name      string
		in        ai.ClusteringInput
		maxOut    int
		wantTotal int
	}{
		{"empty", ai.ClusteringInput{}, 0, 0},
		{"one keyword", ai.ClusteringInput{Keywords: kws[:1]}, 1, 1},
		{"max clusters 2", ai.ClusteringInput{Keywords: kws, MaxClusters: 2}, 2, 60},
		{"max clusters 1", ai.ClusteringInput{Keywords: kws, MaxClusters: 1}, 1, 60},
		{"duplicates and stop words only", ai.ClusteringInput{Keywords: []ai.ClusteringKeyword{
			{Keyword: "solar panel cost"}, {Keyword: "solar panel cost"}, {Keyword: "how to"}, {Keyword: "best of the best"},
			{Keyword: "  "}, {Keyword: "solar panels"}}}, 2, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out ai.ClusteringOutput
			res := call(t, New(), ai.OpClustering, tc.in, &out)
			if out.Clusters == nil {
				t.Fatalf("clusters must be an array, got %s", res.Text)
			}
			total := 0
			for _, c := range out.Clusters {
				total += len(c.Keywords)
			}
			if len(out.Clusters) > tc.maxOut || total != tc.wantTotal {
				t.Fatalf("%d clusters with %d keywords, want ≤%d clusters with %d: %s", len(out.Clusters), total, tc.maxOut, tc.wantTotal, res.Text)
			}
		})
	}
}

func TestIdeaGeneration(t *testing.T) {
	cluster := ai.IdeaCluster{Name: "Sourdough Bread", Description: "Searches about sourdough bread", Keywords: topicKeywords["sourdough"]}
	valid := map[string]bool{}
	for _, s := range ai.ContentStructures {
		valid[s] = true
	}
	inCluster := map[string]bool{}
	for _, k := range cluster.Keywords {
		inCluster[k] = true
	}
	for _, n := range []int{1, 3, 5, 12} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var out ai.IdeaOutput
			res := call(t, New(), ai.OpIdeaGeneration, ai.IdeaInput{Cluster: cluster, Count: n}, &out)
			if len(out.Ideas) != n {
				t.Fatalf("%d ideas, want %d", len(out.Ideas), n)
			}
			titles := map[string]bool{}
			structures := map[string]bool{}
			for _, idea := range out.Ideas {
				if titles[strings.ToLower(idea.Title)] {
					t.Errorf("duplicate title %q", idea.Title)
				}
				titles[strings.ToLower(idea.Title)] = true
				structures[idea.ContentStructure] = true
				if idea.Title == "" || idea.Description == "" || idea.ContentType != "post" || !valid[idea.ContentStructure] || idea.EstimatedWordCount < 500 {
					t.Errorf("invalid idea %+v", idea)
				}
				if len(idea.TargetKeywords) == 0 {
					t.Errorf("idea %q has no target keywords", idea.Title)
				}
				for _, k := range idea.TargetKeywords {
					if !inCluster[k] {
						t.Errorf("target keyword %q is not one of the cluster's", k)
					}
				}
			}
			if n >= 5 && len(structures) != 5 {
				t.Errorf("%d ideas use only %d structures", n, len(structures))
			}
			again := call(t, New(), ai.OpIdeaGeneration, ai.IdeaInput{Cluster: cluster, Count: n}, nil)
			if again.Text != res.Text {
				t.Errorf("not deterministic")
			}
		})
	}
	// No keywords and no count: three ideas from the name.
	var out ai.IdeaOutput
	call(t, New(), ai.OpIdeaGeneration, ai.IdeaInput{Cluster: ai.IdeaCluster{Name: "Home Solar"}}, &out)
	if len(out.Ideas) != 3 || len(out.Ideas[0].TargetKeywords) == 0 {
		t.Fatalf("%+v", out)
	}
}

var tagRE = regexp.MustCompile(`</?([a-z0-9]+)>`)

// wellFormed checks that tags nest and close, and that only the article
// tags are used.
func wellFormed(t *testing.T, h string) {
	t.Helper()
	allowed := map[string]bool{"h2": true, "h3": true, "p": true, "ul": true, "li": true}
	var stack []string
	for _, m := range tagRE.FindAllStringSubmatch(h, -1) {
		tag := m[1]
		if !allowed[tag] {
			t.Fatalf("unexpected tag %s", m[0])
		}
		if strings.HasPrefix(m[0], "</") {
			if len(stack) == 0 || stack[len(stack)-1] != tag {
				t.Fatalf("unbalanced %s", m[0])
			}
			stack = stack[:len(stack)-1]
		} else {
			stack = append(stack, tag)
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed tags %v", stack)
	}
}

func TestContentGeneration(t *testing.T) {
	trail := topicKeywords["trail"]
	cases := []struct {
		words     int
		title     string
		keywords  []string
		structure string
		tone      string
	}{
		{300, "How to Choose Trail Running Shoes", trail[:4], "how_to", "friendly"},
		{800, "The Complete Guide to Sourdough Starters", topicKeywords["sourdough"][:6], "guide", "professional"},
		{1500, "9 Things to Know Before Buying Solar Panels", topicKeywords["solar"][:8], "listicle", ""},
		{2500, "Monocrystalline vs Polycrystalline Solar Panels", topicKeywords["solar"][8:16], "comparison", "authoritative"},
		{300, "Trail Shoes: What Most People Get Wrong", trail[:12], "article", "casual"},
		{1200, "Sourdough & Salt: <Why> It Matters", []string{"sourdough salt ratio", "salt & sourdough"}, "unknown_structure", "neutral"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %s", tc.words, tc.structure), func(t *testing.T) {
			in := ai.ContentInput{Title: tc.title, Keywords: tc.keywords, WordCount: tc.words, ContentStructure: tc.structure, Tone: tc.tone}
			var out ai.ContentOutput
			res := call(t, New(), ai.OpContentGeneration, in, &out)
			got := ai.CountWords(out.HTML)
			if lo, hi := tc.words*9/10, tc.words*11/10; got < lo || got > hi {
				t.Errorf("%d words, want %d ±10%% [%d, %d]", got, tc.words, lo, hi)
			}
			wellFormed(t, out.HTML)
			if !strings.HasPrefix(out.HTML, "<p>") {
				t.Errorf("no introduction before the first heading")
			}
			h2, h3 := strings.Count(out.HTML, "<h2>"), strings.Count(out.HTML, "<h3>")
			if h2 < 3 {
				t.Errorf("%d h2 sections, want several", h2)
			}
			if tc.words >= 800 && h3 == 0 {
				t.Errorf("no h3 subsections")
			}
			if strings.Count(out.HTML, "<ul>") != 1 || strings.Count(out.HTML, "<li>") < 4 {
				t.Errorf("want one list of at least 4 items")
			}
			if !regexp.MustCompile(`<h2>(Conclusion|Final Thoughts|The Bottom Line|Wrapping Up)</h2>\n<p>[^<]+</p>$`).MatchString(out.HTML) {
				t.Errorf("the article does not end with a conclusion")
			}
			text := strings.ToLower(html.UnescapeString(tagRE.ReplaceAllString(out.HTML, " ")))
			for _, k := range tc.keywords {
				if !strings.Contains(text, strings.ToLower(k)) {
					t.Errorf("keyword %q is not used", k)
				}
			}
			if strings.Contains(text, "lorem") || strings.Contains(text, "{") {
				t.Errorf("placeholder text in the article")
			}
			if out.Title != tc.title || out.MetaTitle == "" || utf8.RuneCountInString(out.MetaTitle) > 60 ||
				out.MetaDescription == "" || utf8.RuneCountInString(out.MetaDescription) > 160 {
				t.Errorf("title %q meta %q (%d) %q (%d)", out.Title, out.MetaTitle, utf8.RuneCountInString(out.MetaTitle),
					out.MetaDescription, utf8.RuneCountInString(out.MetaDescription))
			}
			// Prose, not a loop: most sentences are distinct.
			sents := regexp.MustCompile(`[^.!?]+[.!?]`).FindAllString(text, -1)
			distinct := map[string]bool{}
			for _, s := range sents {
				distinct[strings.TrimSpace(s)] = true
			}
			if len(distinct)*10 < len(sents)*7 {
				t.Errorf("only %d distinct sentences of %d", len(distinct), len(sents))
			}
			if again := call(t, New(), ai.OpContentGeneration, in, nil); again.Text != res.Text {
				t.Errorf("not deterministic")
			}
		})
	}
	// Another title gives another article.
	a := article(ai.ContentInput{Title: "A", Keywords: trail[:3], WordCount: 600})
	b := article(ai.ContentInput{Title: "B", Keywords: trail[:3], WordCount: 600})
	if a.HTML == b.HTML {
		t.Fatal("the article does not depend on the title")
	}
	// Defaults: no word count → about 1000 words; a long title is cut for meta_title.
	d := article(ai.ContentInput{Title: strings.Repeat("Very Long Title Words ", 6), Keywords: trail[:2]})
	if n := ai.CountWords(d.HTML); n < 900 || n > 1100 || utf8.RuneCountInString(d.MetaTitle) > 60 {
		t.Fatalf("%d words, meta title %q", n, d.MetaTitle)
	}
}

func TestImagePrompts(t *testing.T) {
	for _, n := range []int{0, 1, 3, 7} {
		var out ai.ImagePromptsOutput
		res := call(t, New(), ai.OpImagePrompts, ai.ImagePromptsInput{
			Title: "How to Feed a Sourdough Starter", Summary: "A simple daily feeding routine for a healthy starter.",
			Headings: []string{"What You Need", "Step 1: Discard Half", "Step 2: Feed Flour and Water"}, InArticleCount: n,
		}, &out)
		if out.Featured == "" || len(out.InArticle) != n || !strings.Contains(res.Text, `"in_article":[`) {
			t.Fatalf("n=%d: %s", n, res.Text)
		}
		seen := map[string]bool{out.Featured: true}
		for _, p := range out.InArticle {
			if p == "" || seen[p] {
				t.Fatalf("empty or repeated prompt %q", p)
			}
			seen[p] = true
		}
		if n >= 2 && !strings.Contains(strings.ToLower(out.InArticle[1]), "discard half") {
			t.Fatalf("in-article prompts should follow the headings: %q", out.InArticle[1])
		}
	}
}

func TestGenerateImage(t *testing.T) {
	cases := []struct {
		w, h         int
		wantW, wantH int
	}{
		{0, 0, 1024, 1024},
		{640, 360, 640, 360},
		{1, 1, 1, 1},
		{4000, 100, 2048, 100},
		{768, 0, 768, 1024},
	}
	p := New()
	for _, c := range cases {
		t.Run(fmt.Sprintf("%dx%d", c.w, c.h), func(t *testing.T) {
			req := ai.ImageRequest{Prompt: "a loaf of sourdough bread on a wooden board", Width: c.w, Height: c.h}
			res, err := p.Generate(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.ContentType != "image/png" || res.Provider != "offline" || res.Model != "offline-image-1" {
				t.Fatalf("%q %q %q", res.ContentType, res.Provider, res.Model)
			}
			img, err := png.Decode(bytes.NewReader(res.Data))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != c.wantW || b.Dy() != c.wantH {
				t.Fatalf("%dx%d, want %dx%d", b.Dx(), b.Dy(), c.wantW, c.wantH)
			}
			again, _ := p.Generate(context.Background(), req)
			if !bytes.Equal(again.Data, res.Data) {
				t.Fatal("not deterministic")
			}
		})
	}
	a, _ := p.Generate(context.Background(), ai.ImageRequest{Prompt: "solar panels on a roof", Width: 64, Height: 64})
	b, _ := p.Generate(context.Background(), ai.ImageRequest{Prompt: "trail runner in the mountains", Width: 64, Height: 64})
	if bytes.Equal(a.Data, b.Data) {
		t.Fatal("different prompts gave the same image")
	}
}

func TestTokensAndModel(t *testing.T) {
	raw, _ := json.Marshal(ai.ImagePromptsInput{Title: "Solar", InArticleCount: 1})
	req := ai.TextRequest{System: "Système", Prompt: "Write prompts ☀", Operation: ai.OpImagePrompts, Data: raw, JSON: true}
	res, err := New().Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	ceil4 := func(s string) int64 { return int64((utf8.RuneCountInString(s) + 3) / 4) }
	if res.InputTokens != ceil4(req.System+req.Prompt) || res.OutputTokens != ceil4(res.Text) || res.OutputTokens == 0 {
		t.Fatalf("tokens %d/%d", res.InputTokens, res.OutputTokens)
	}
	if res.Provider != "offline" || res.Model != "offline-text-1" {
		t.Fatalf("%q %q", res.Provider, res.Model)
	}
	req.Model = "offline-text-2"
	if res, _ := New().Complete(context.Background(), req); res.Model != "offline-text-2" {
		t.Fatalf("model %q", res.Model)
	}
	// Free text without an operation.
	res, err = New().Complete(context.Background(), ai.TextRequest{Prompt: "Say hello", JSON: true})
	if err != nil || !json.Valid([]byte(res.Text)) {
		t.Fatalf("%v %q", err, res.Text)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		p    *Provider
		req  ai.TextRequest
		ctx  func() (context.Context, context.CancelFunc)
		kind ai.Kind
	}{
		{"unknown operation", New(), ai.TextRequest{Operation: "summarize", Data: json.RawMessage(`{}`)}, nil, ai.Permanent},
		{"invalid data", New(), ai.TextRequest{Operation: ai.OpClustering, Data: json.RawMessage(`{"keywords": "nope"}`)}, nil, ai.Permanent},
		{"no data", New(), ai.TextRequest{Operation: ai.OpContentGeneration}, nil, ai.Permanent},
		{"injected classified failure", New(WithFailures(func(req any) error {
			return &ai.Error{Kind: ai.RateLimited, Provider: "offline", RetryAfter: time.Second, Message: "simulated"}
		})), ai.TextRequest{Prompt: "x"}, nil, ai.RateLimited},
		{"injected plain failure", New(WithFailures(func(req any) error { return errors.New("boom") })), ai.TextRequest{Prompt: "x"}, nil, ai.Permanent},
		{"injected timeout", New(WithFailures(func(req any) error { return context.DeadlineExceeded })), ai.TextRequest{Prompt: "x"}, nil, ai.Transient},
		{"deadline during latency", New(WithLatency(time.Second)), ai.TextRequest{Prompt: "x"}, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, ai.Transient},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tc.ctx()
				defer cancel()
			}
			_, err := tc.p.Complete(ctx, tc.req)
			var e *ai.Error
			if !errors.As(err, &e) || e.Kind != tc.kind || e.Provider != "offline" {
				t.Fatalf("want %v from offline, got %v", tc.kind, err)
			}
		})
	}
	// Failures see image requests too, and only the ones they choose.
	p := New(WithFailures(func(req any) error {
		if r, ok := req.(ai.ImageRequest); ok && strings.Contains(r.Prompt, "fail") {
			return &ai.Error{Kind: ai.Refused, Message: "simulated refusal"}
		}
		return nil
	}))
	if _, err := p.Generate(context.Background(), ai.ImageRequest{Prompt: "please fail", Width: 8, Height: 8}); ai.Classify(err).Kind != ai.Refused {
		t.Fatalf("got %v", err)
	}
	if _, err := p.Generate(context.Background(), ai.ImageRequest{Prompt: "fine", Width: 8, Height: 8}); err != nil {
		t.Fatal(err)
	}
}

func TestLatency(t *testing.T) {
	p := New(WithLatency(40 * time.Millisecond))
	start := time.Now()
	if _, err := p.Generate(context.Background(), ai.ImageRequest{Prompt: "x", Width: 8, Height: 8}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("returned after %v", d)
	}
}

func TestStem(t *testing.T) {
	groups := [][]string{
		{"shoe", "shoes"},
		{"run", "running", "runs"},
		{"bake", "baking", "baked", "bakes"},
		{"install", "installation", "installing", "installed"},
		{"battery", "batteries"},
		{"panel", "panels"},
	}
	for _, g := range groups {
		for _, w := range g[1:] {
			if stem(w) != stem(g[0]) {
				t.Errorf("stem(%q) = %q, stem(%q) = %q", w, stem(w), g[0], stem(g[0]))
			}
		}
	}
	for _, w := range []string{"bread", "spring", "thing", "glass", "bus", "speed"} {
		if s := stem(w); len(s) < len(w)-1 {
			t.Errorf("stem(%q) = %q is too aggressive", w, s)
		}
	}
}

func BenchmarkClustering60(b *testing.B) {
	kws, _ := threeTopics(nil)
	in := ai.ClusteringInput{Keywords: kws}
	for b.Loop() {
		cluster(in)
	}
}

func BenchmarkArticle1500(b *testing.B) {
	in := ai.ContentInput{Title: "Solar Panels", Keywords: topicKeywords["solar"][:8], WordCount: 1500, ContentStructure: "guide"}
	for b.Loop() {
		article(in)
	}
}

func BenchmarkImage1024(b *testing.B) {
	p := New()
	for b.Loop() {
		if _, err := p.Generate(context.Background(), ai.ImageRequest{Prompt: "bench", Width: 1024, Height: 1024}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestOddInputsDoNotBreak(t *testing.T) {
	p := New()
	inputs := []struct {
		op   string
		data any
	}{
		{ai.OpContentGeneration, ai.ContentInput{}},
		{ai.OpContentGeneration, ai.ContentInput{Title: "Ünïcödé Bröt & <b>Tags</b>", Keywords: []string{"brot backen", "  ", "brot backen", "çörek"}, WordCount: -5}},
		{ai.OpContentGeneration, ai.ContentInput{Title: "Huge", Keywords: []string{"x"}, WordCount: 1_000_000}},
		{ai.OpIdeaGeneration, ai.IdeaInput{Count: -3}},
		{ai.OpIdeaGeneration, ai.IdeaInput{Cluster: ai.IdeaCluster{Keywords: []string{"why?", "how to"}}, Count: 200}},
		{ai.OpImagePrompts, ai.ImagePromptsInput{InArticleCount: 1000}},
		{ai.OpClustering, ai.ClusteringInput{Keywords: []ai.ClusteringKeyword{{Keyword: "日本語 キーワード"}, {Keyword: "日本語 テスト"}, {Keyword: "123 456"}}, MaxClusters: -1}},
	}
	for i, in := range inputs {
		res := call(t, p, in.op, in.data, nil)
		if !json.Valid([]byte(res.Text)) {
			t.Fatalf("%d: invalid JSON %q", i, res.Text)
		}
	}
	var out ai.ContentOutput
	call(t, p, ai.OpContentGeneration, ai.ContentInput{Title: "Tags <b>", Keywords: []string{"a < b & c"}, WordCount: 400}, &out)
	wellFormed(t, out.HTML)
	if n := ai.CountWords(out.HTML); n < 360 || n > 440 {
		t.Fatalf("%d words", n)
	}
	var big ai.ContentOutput
	call(t, p, ai.OpContentGeneration, ai.ContentInput{Title: "Huge", Keywords: []string{"x"}, WordCount: 1_000_000}, &big)
	if n := ai.CountWords(big.HTML); n < 9000 || n > 11000 {
		t.Fatalf("a huge request should be capped at about 10000 words, got %d", n)
	}
}
