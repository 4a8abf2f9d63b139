package domain

import "fmt"

// Estimates price work before it runs, from heuristic token counts (the
// charge afterwards uses the real counts). Manual operations and automation
// runs both use these, so a run's estimate and its batches' holds agree.

// Tokens is a heuristic token count of one or more provider calls.
type Tokens struct{ In, Out int64 }

// Plus is t and u together.
func (t Tokens) Plus(u Tokens) Tokens { return Tokens{t.In + u.In, t.Out + u.Out} }

// ClusteringTokens: keywords clustered over calls calls.
func ClusteringTokens(calls, keywords int64) Tokens {
	return Tokens{350*calls + 14*keywords, 40 + 12*keywords}
}

// IdeaTokens: ideas written for clusters holding keywords in all.
func IdeaTokens(clusters, keywords, ideas int64) Tokens {
	return Tokens{300*clusters + 8*keywords, 200 * ideas}
}

// ContentTokens: articles of words words each.
func ContentTokens(articles, words int64) Tokens {
	return Tokens{250 * articles, (words*14/10 + 100) * articles}
}

// ImagePromptTokens: prompts image prompts for each of articles.
func ImagePromptTokens(articles, prompts int64) Tokens {
	return Tokens{400 * articles, 100 * prompts * articles}
}

// EstimateText is what calls calls of the text operation op with t tokens in
// all cost: each call pays at least the operation's minimum. No call costs
// nothing.
func EstimateText(m AIModelConfig, b BillingConfiguration, op OperationType, t Tokens, calls int64) (int64, error) {
	if calls <= 0 {
		return 0, nil
	}
	c, err := TextCredits(m, b, string(op), t.In, t.Out)
	if err != nil {
		return 0, err
	}
	return max(c, calls*b.MinimumCredits[string(op)]), nil
}

// EstimateImages is what n images cost; none cost nothing.
func EstimateImages(m AIModelConfig, n int64) (int64, error) {
	if n <= 0 {
		return 0, nil
	}
	return ImageCredits(m, n)
}

// RunBacklog is what a site has waiting for a run now.
type RunBacklog struct {
	Keywords, Clusters, Tasks, Images int64
}

// RunYields are what the stages are expected to make of their items.
type RunYields struct {
	KeywordsPerCluster int64
	IdeasPerCluster    int64
	ImagesPerArticle   int64 // also the image prompts written per article
	WordsPerArticle    int64
}

// StageEstimate is one stage's share of a run's estimate.
type StageEstimate struct {
	Stage   int    `json:"stage"`
	Name    string `json:"name"`
	Items   int64  `json:"items"`
	Credits int64  `json:"credits"`
}

// EstimateRun prices a run over the backlog under cfg: each stage's items
// are what waits for it now plus what the stages before it will make (an
// upper bound), within the run's maxima.
func EstimateRun(cfg AutomationConfig, w RunBacklog, y RunYields, text, image AIModelConfig, b BillingConfiguration) ([]StageEstimate, error) {
	keywords := min(w.Keywords, cfg.MaxKeywordsPerRun)
	clusters := ceilDiv(keywords, max(y.KeywordsPerCluster, 1)) + w.Clusters
	ideas := clusters * y.IdeasPerCluster
	content := min(ideas+w.Tasks, cfg.MaxContentPerRun)
	images := min(content*y.ImagesPerArticle+w.Images, cfg.MaxImagesPerRun)
	out := make([]StageEstimate, 0, len(Stages))
	for _, st := range Stages {
		batches := func(n int64) int64 { return ceilDiv(n, max(int64(st.BatchSize(cfg)), 1)) }
		var items, credits int64
		var err error
		switch st.Operation {
		case OperationClustering:
			items = keywords
			credits, err = EstimateText(text, b, st.Operation, ClusteringTokens(batches(keywords), keywords), batches(keywords))
		case OperationIdeaGeneration:
			items = clusters
			credits, err = EstimateText(text, b, st.Operation, IdeaTokens(clusters, keywords, ideas), batches(clusters))
		case OperationCreateTasks:
			items = ideas
		case OperationContentGeneration:
			items = content
			credits, err = EstimateText(text, b, st.Operation, ContentTokens(content, y.WordsPerArticle), batches(content))
		case OperationImagePrompts:
			items = content
			credits, err = EstimateText(text, b, st.Operation, ImagePromptTokens(content, y.ImagesPerArticle), batches(content))
		case OperationImageGeneration:
			items = images
			credits, err = EstimateImages(image, images)
		case OperationReview:
			items = content
		}
		if err != nil {
			return nil, fmt.Errorf("estimate stage %d (%s): %w", st.N, st.Name, err)
		}
		out = append(out, StageEstimate{Stage: st.N, Name: st.Name, Items: items, Credits: credits})
	}
	return out, nil
}

func ceilDiv(a, b int64) int64 {
	if a <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
