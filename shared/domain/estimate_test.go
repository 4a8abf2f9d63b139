package domain

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestEstimateTokens(t *testing.T) {
	cases := []struct {
		name string
		got  Tokens
		want Tokens
	}{
		// Per call 200 in, 96 out (the answer and a cluster); per typical
		// keyword 24 in (its prompt line), 14+4 echoed and half a cluster (32).
		{"clustering one call", ClusteringTokens(1, 10), Tokens{440, 596}},
		{"clustering three calls", ClusteringTokens(3, 10), Tokens{840, 788}},
		// 350 in per cluster and 15 per keyword; each idea 250 and its
		// cluster's 5 keywords echoed (5 × 18).
		{"ideas", IdeaTokens(2, 10, 6), Tokens{850, 2104}},
		{"ideas of no cluster", IdeaTokens(0, 10, 6), Tokens{}},
		// 350 in per article; out 2 a word and 400.
		{"content", ContentTokens(2, 1000), Tokens{700, 4800}},
		{"content odd words", ContentTokens(1, 1001), Tokens{350, 2402}},
		// 500 in per article; out 200 a prompt and 100.
		{"image prompts", ImagePromptTokens(2, 3), Tokens{1000, 1400}},
		{"plus", ContentTokens(1, 1000).Plus(ContentTokens(1, 500)), Tokens{700, 3800}},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, tc.got, tc.want)
		}
	}
}

func TestEstimateText(t *testing.T) {
	b := DefaultBilling()
	m := AIModelConfig{ModelID: "m", TokensPerCredit: 100}
	cases := []struct {
		name  string
		op    OperationType
		t     Tokens
		calls int64
		want  int64
	}{
		{"no call", OperationContentGeneration, Tokens{5000, 5000}, 0, 0},
		{"tokens", OperationContentGeneration, Tokens{1000, 1501}, 1, 26},
		{"one call's minimum", OperationContentGeneration, Tokens{10, 10}, 1, 3},
		{"every call's minimum", OperationContentGeneration, Tokens{1000, 500}, 6, 18},
	}
	for _, tc := range cases {
		got, err := EstimateText(m, b, tc.op, tc.t, tc.calls)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %d %v, want %d", tc.name, got, err, tc.want)
		}
	}
	if _, err := EstimateText(AIModelConfig{ModelID: "img"}, b, OperationClustering, Tokens{1, 1}, 1); !errors.Is(err, ErrConflict) {
		t.Fatalf("a model without tokens_per_credit: got %v", err)
	}
	if c, err := EstimateImages(AIModelConfig{CreditsPerImage: 2}, 3); c != 6 || err != nil {
		t.Fatalf("images: %d %v", c, err)
	}
}

func TestEstimateRun(t *testing.T) {
	cfg := DefaultAutomationConfig()
	y := RunYields{KeywordsPerCluster: 8, IdeasPerCluster: 3, ImagesPerArticle: 3, WordsPerArticle: 1200}
	b := DefaultBilling()
	text := AIModelConfig{ModelID: "t", TokensPerCredit: 100}
	cheap := AIModelConfig{ModelID: "cheap", TokensPerCredit: 10_000}
	image := AIModelConfig{ModelID: "i", CreditsPerImage: 1}
	cases := []struct {
		name    string
		w       RunBacklog
		text    AIModelConfig
		items   []int64
		credits []int64
	}{
		// 100 keywords → 13 clusters → 39 ideas → 20 articles (the run's
		// maximum) → 60 images, priced batch by batch. Stage 1: 2 batches
		// of 50, 1400+2596 tokens each (40 credits); stage 2: 6 batches of
		// 2 clusters, 940+2428 (34), and one of 1, 470+1214 (17); stage 4:
		// 10 batches of 2 articles, 700+5600 (63); stage 5: 20 articles,
		// 500+700 (12).
		{"tokens", RunBacklog{Keywords: 100}, text,
			[]int64{100, 13, 39, 20, 20, 60, 20}, []int64{80, 221, 0, 630, 240, 60, 0}},
		// 1 keyword → 1 cluster → 3 ideas → 3 articles (2 calls) → 9 images:
		// every call pays the operation's minimum.
		{"minimums", RunBacklog{Keywords: 1}, cheap,
			[]int64{1, 1, 3, 3, 3, 9, 3}, []int64{2, 1, 0, 6, 3, 9, 0}},
		// 1 cluster (17), 4 articles in 2 batches (2 × 63), 4 articles'
		// prompts (4 × 12), 4 × 3 + 1 images.
		{"waiting items", RunBacklog{Clusters: 1, Tasks: 1, Images: 1}, text,
			[]int64{0, 1, 3, 4, 4, 13, 4}, []int64{0, 17, 0, 126, 48, 13, 0}},
		{"nothing", RunBacklog{}, text,
			[]int64{0, 0, 0, 0, 0, 0, 0}, []int64{0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tc := range cases {
		got, err := EstimateRun(cfg, tc.w, y, tc.text, image, b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var items, credits []int64
		for i, st := range got {
			if st.Stage != Stages[i].N || st.Name != Stages[i].Name {
				t.Errorf("%s: stage %d is %d %q", tc.name, i, st.Stage, st.Name)
			}
			items, credits = append(items, st.Items), append(credits, st.Credits)
		}
		if !reflect.DeepEqual(items, tc.items) || !reflect.DeepEqual(credits, tc.credits) {
			t.Errorf("%s: items %v credits %v, want %v %v", tc.name, items, credits, tc.items, tc.credits)
		}
	}
	// Nothing to price needs no price; something to price needs one.
	if _, err := EstimateRun(cfg, RunBacklog{}, y, AIModelConfig{}, AIModelConfig{}, b); err != nil {
		t.Fatalf("an empty run: %v", err)
	}
	if _, err := EstimateRun(cfg, RunBacklog{Images: 1}, y, text, AIModelConfig{ModelID: "bad"}, b); !errors.Is(err, ErrConflict) {
		t.Fatalf("an image model without credits_per_image: got %v", err)
	}
}

func TestTokenBounds(t *testing.T) {
	long := strings.Repeat("k", MaxKeywordLen)
	emoji := strings.Repeat("😀", MaxKeywordLen)
	m := AIModelConfig{ModelID: "m", TokensPerCredit: 100}
	cases := []struct {
		name      string
		got, want int64
	}{
		{"no text", TextTokens(""), 0},
		{"three bytes", TextTokens("abc"), 1},
		{"four bytes round up", TextTokens("abcd"), 2},
		{"a two-byte letter", TextTokens("é"), 1},
		{"two CJK characters", TextTokens("漢字"), 2},
		{"an emoji", TextTokens("😀"), 2},
		{"a prompt and its framing", PromptTokens("abc", "abcdef"), 1 + 2 + 3*MessageOverheadTokens},
		{"clustering nothing", ClusteringOutputTokens(nil), 32},
		// Each keyword echoed (its tokens + 4), a cluster (64) per two.
		{"clustering three", ClusteringOutputTokens([]string{"abc", "defgh", "ij"}), 32 + 5 + 6 + 5 + 2*64},
		// The attack: 40 keywords of 200 characters.
		{"clustering 40 long keywords", ClusteringOutputTokens(slices.Repeat([]string{long}, 40)), 32 + 40*71 + 20*64},
		{"clustering is capped", ClusteringOutputTokens(slices.Repeat([]string{emoji}, 500)), MaxOutputTokens},
		{"ideas", IdeaOutputTokens(3, slices.Repeat([]string{"abc"}, 8)), 32 + 3*(250+8*5)},
		{"ideas echo at most 400", IdeaOutputTokens(3, slices.Repeat([]string{long}, 200)), 32 + 3*(250+400)},
		{"content", ContentOutputTokens(1200), 2800},
		{"content of no words", ContentOutputTokens(0), 400},
		{"content is capped", ContentOutputTokens(100_000), MaxOutputTokens},
		{"image prompts", ImagePromptsOutputTokens(3), 700},
		{"a useful answer", MinOutputTokens(2800), 700},
		{"at least 64", MinOutputTokens(100), 64},
		{"at most the limit", MinOutputTokens(40), 40},
		{"room in a hold", OutputWithin(m, 10, 300, 200), 500},
		{"no room", OutputWithin(m, 1, 90, 20), -10},
		{"token credits round up", TokenCredits(m, 101), 2},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
