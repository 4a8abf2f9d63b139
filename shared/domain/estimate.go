package domain

import "fmt"

// Estimates price work before it runs. A manual operation and an automation
// batch are priced from their real input (ops builds the requests the run
// step will send and prices them at the bounds of tokens.go), so a hold is
// a ceiling of its charge. A whole run is projected before its items exist,
// with the heuristics below: the bounds of tokens.go applied to items of a
// typical size, batch by batch as the run will hold them.

// Tokens is a count of input and output tokens of one or more calls.
type Tokens struct{ In, Out int64 }

// Plus is t and u together.
func (t Tokens) Plus(u Tokens) Tokens { return Tokens{t.In + u.In, t.Out + u.Out} }

// Typical sizes of the items a run projection assumes (UTF-8 bytes), on the
// long side of what sites hold: a run's batches are priced from the real
// items when they run, so a longer item only makes that batch's hold larger.
const (
	typicalKeywordTokens = (40 + BytesPerToken - 1) / BytesPerToken // "best trail running shoes for flat feet"
	// Each call's fixed input: the system message, the instructions and
	// the framing (ops/prompts.go), with room.
	clusteringCallTokens  = 200
	ideaCallTokens        = 350 // with the cluster's name and description
	contentCallTokens     = 350 // with the title and the target keywords
	imagePromptCallTokens = 500 // with the title, summary and headings
)

// ClusteringTokens: keywords clustered over calls calls. Each keyword's
// prompt line ("- text (monthly volume n)") takes 24 tokens in; out, it is
// echoed and may bring half a cluster (ClusteringOutputTokens).
func ClusteringTokens(calls, keywords int64) Tokens {
	return Tokens{clusteringCallTokens*calls + 24*keywords,
		(answerTokens+clusterTokens)*calls + (typicalKeywordTokens+echoTokens+clusterTokens/2)*keywords}
}

// IdeaTokens: ideas written for clusters holding keywords in all
// (IdeaOutputTokens: each idea may repeat its cluster's keywords).
func IdeaTokens(clusters, keywords, ideas int64) Tokens {
	if clusters <= 0 {
		return Tokens{}
	}
	echo := ceilDiv(keywords, clusters) * (typicalKeywordTokens + echoTokens)
	return Tokens{ideaCallTokens*clusters + (typicalKeywordTokens+1)*keywords,
		answerTokens*clusters + ideas*(ideaTokens+min(echo, ideaKeywordTokens))}
}

// ContentTokens: articles of words words each.
func ContentTokens(articles, words int64) Tokens {
	return Tokens{contentCallTokens * articles, ContentOutputTokens(words) * articles}
}

// ImagePromptTokens: prompts image prompts for each of articles.
func ImagePromptTokens(articles, prompts int64) Tokens {
	return Tokens{imagePromptCallTokens * articles, ImagePromptsOutputTokens(prompts) * articles}
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
		size := max(int64(st.BatchSize(cfg)), 1)
		// Each batch is held (and charged) on its own, with its own minimum
		// and rounding: price them one by one, as the run will.
		batched := func(n int64, tokens func(items int64) Tokens) (int64, error) {
			if n <= 0 {
				return 0, nil
			}
			whole, err := EstimateText(text, b, st.Operation, tokens(size), 1)
			if err != nil || n%size == 0 {
				return n / size * whole, err
			}
			rest, err := EstimateText(text, b, st.Operation, tokens(n%size), 1)
			return n/size*whole + rest, err
		}
		var items, credits int64
		var err error
		switch st.Operation {
		case OperationClustering:
			items = keywords
			credits, err = batched(keywords, func(n int64) Tokens { return ClusteringTokens(1, n) })
		case OperationIdeaGeneration:
			items = clusters
			credits, err = batched(clusters, func(n int64) Tokens {
				return IdeaTokens(n, n*y.KeywordsPerCluster, n*y.IdeasPerCluster)
			})
		case OperationCreateTasks:
			items = ideas
		case OperationContentGeneration:
			items = content
			credits, err = batched(content, func(n int64) Tokens { return ContentTokens(n, y.WordsPerArticle) })
		case OperationImagePrompts:
			items = content
			credits, err = batched(content, func(n int64) Tokens { return ImagePromptTokens(n, y.ImagesPerArticle) })
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
