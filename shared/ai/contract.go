package ai

// The JSON contract of the text operations: TextRequest.Data carries the
// *Input of its Operation, and the answer (TextResult.Text) is the *Output.
// Real prompts ask models for exactly these shapes and the offline provider
// produces them, so one parser reads every provider's answer.

// ClusteringKeyword is one keyword to cluster.
type ClusteringKeyword struct {
	ID      string `json:"id"`
	Keyword string `json:"keyword"`
	Volume  int64  `json:"volume"`
}

// ClusteringInput is the Data of OpClustering. MaxClusters 0 means no limit.
type ClusteringInput struct {
	Keywords    []ClusteringKeyword `json:"keywords"`
	MaxClusters int                 `json:"max_clusters"`
}

// ClusterOut is one cluster of a clustering answer. Keywords are the exact
// keyword texts of the input; every input keyword is in exactly one cluster.
type ClusterOut struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Keywords    []string `json:"keywords"`
}

// ClusteringOutput is the answer of OpClustering.
type ClusteringOutput struct {
	Clusters []ClusterOut `json:"clusters"`
}

// IdeaCluster is the cluster an idea-generation call works from.
type IdeaCluster struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Keywords    []string `json:"keywords"`
}

// IdeaInput is the Data of OpIdeaGeneration.
type IdeaInput struct {
	Cluster IdeaCluster `json:"cluster"`
	Count   int         `json:"count"`
}

// Content structures an idea can have.
const (
	StructureArticle    = "article"
	StructureGuide      = "guide"
	StructureListicle   = "listicle"
	StructureHowTo      = "how_to"
	StructureComparison = "comparison"
)

// ContentStructures lists the valid content structures.
var ContentStructures = []string{StructureArticle, StructureGuide, StructureListicle, StructureHowTo, StructureComparison}

// Idea is one content idea of an idea-generation answer.
type Idea struct {
	Title              string   `json:"title"`
	Description        string   `json:"description"`
	ContentType        string   `json:"content_type"`      // "post"
	ContentStructure   string   `json:"content_structure"` // one of ContentStructures
	TargetKeywords     []string `json:"target_keywords"`
	EstimatedWordCount int      `json:"estimated_word_count"`
}

// IdeaOutput is the answer of OpIdeaGeneration.
type IdeaOutput struct {
	Ideas []Idea `json:"ideas"`
}

// ContentInput is the Data of OpContentGeneration.
type ContentInput struct {
	Title            string   `json:"title"`
	Keywords         []string `json:"keywords"`
	WordCount        int      `json:"word_count"`
	ContentStructure string   `json:"content_structure"`
	Tone             string   `json:"tone"`
}

// ContentOutput is the answer of OpContentGeneration. MetaTitle is at most
// 60 characters, MetaDescription at most 160; HTML is the article body
// (h2/h3/p/ul/li), without the title as h1.
type ContentOutput struct {
	Title           string `json:"title"`
	MetaTitle       string `json:"meta_title"`
	MetaDescription string `json:"meta_description"`
	HTML            string `json:"html"`
}

// ImagePromptsInput is the Data of OpImagePrompts.
type ImagePromptsInput struct {
	Title          string   `json:"title"`
	Summary        string   `json:"summary"`
	Headings       []string `json:"headings"`
	InArticleCount int      `json:"in_article_count"`
}

// ImagePromptsOutput is the answer of OpImagePrompts: one featured-image
// prompt and InArticleCount in-article prompts.
type ImagePromptsOutput struct {
	Featured  string   `json:"featured"`
	InArticle []string `json:"in_article"`
}

// CountWords counts the words of an HTML fragment's text: tags are removed
// (each acts as a space) and what remains is split on white space.
func CountWords(html string) int {
	n, inTag, inWord := 0, false, false
	for _, r := range html {
		switch {
		case r == '<':
			inTag, inWord = true, false
		case r == '>' && inTag:
			inTag = false
		case inTag:
		case r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' || r == '\v' || r == 0xA0:
			inWord = false
		default:
			if !inWord {
				n++
				inWord = true
			}
		}
	}
	return n
}
