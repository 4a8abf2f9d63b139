package domain

import (
	"errors"
	"reflect"
	"testing"
)

func TestEstimateTokens(t *testing.T) {
	cases := []struct {
		name string
		got  Tokens
		want Tokens
	}{
		{"clustering one call", ClusteringTokens(1, 10), Tokens{490, 160}},
		{"clustering three calls", ClusteringTokens(3, 10), Tokens{1190, 160}},
		{"ideas", IdeaTokens(2, 10, 6), Tokens{680, 1200}},
		{"content", ContentTokens(2, 1000), Tokens{500, 3000}},
		{"content words rounded down", ContentTokens(1, 1001), Tokens{250, 1501}},
		{"image prompts", ImagePromptTokens(2, 3), Tokens{800, 600}},
		{"plus", ContentTokens(1, 1000).Plus(ContentTokens(1, 500)), Tokens{500, 2300}},
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
		// maximum) → 60 images. Stage 1: 2 calls, 2100+1240 tokens; stage 2:
		// 7 calls, 4700+7800; stage 4: 10 calls, 5000+35600; stage 5: 20
		// calls, 8000+6000.
		{"tokens", RunBacklog{Keywords: 100}, text,
			[]int64{100, 13, 39, 20, 20, 60, 20}, []int64{34, 125, 0, 406, 140, 60, 0}},
		// 1 keyword → 1 cluster → 3 ideas → 3 articles (2 calls) → 9 images:
		// every call pays the operation's minimum.
		{"minimums", RunBacklog{Keywords: 1}, cheap,
			[]int64{1, 1, 3, 3, 3, 9, 3}, []int64{2, 1, 0, 6, 3, 9, 0}},
		{"waiting items", RunBacklog{Clusters: 1, Tasks: 1, Images: 1}, text,
			[]int64{0, 1, 3, 4, 4, 13, 4}, []int64{0, 9, 0, 82, 28, 13, 0}},
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
