package ops

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// The prompts ask real models for exactly the JSON shapes of ai's contract
// (the offline provider answers the same shapes from Data), so one parser
// reads every provider's answer. Each request's MaxTokens is the domain's
// bound for its operation (shared/domain/tokens.go), and the estimate prices
// these same requests (requestTokens), so a hold covers the calls it pays.

const systemPrompt = "You are an SEO content strategist and writer. Answer with one JSON object only, exactly in the shape asked for, with no commentary."

func clusteringRequest(model string, in ai.ClusteringInput) ai.TextRequest {
	var b strings.Builder
	b.WriteString("Group these search keywords into topical clusters. Each keyword belongs to exactly one cluster; keywords that share a search topic go together. ")
	b.WriteString(`Answer as {"clusters":[{"name":"short topic name","description":"one sentence","keywords":["exact keyword text", ...]}]}. Use the keyword texts exactly as given.` + "\n\nKeywords:\n")
	for _, k := range in.Keywords {
		fmt.Fprintf(&b, "- %s (monthly volume %d)\n", k.Keyword, k.Volume)
	}
	texts := make([]string, len(in.Keywords))
	for i, k := range in.Keywords {
		texts[i] = k.Keyword
	}
	return textRequest(model, ai.OpClustering, b.String(), domain.ClusteringOutputTokens(texts), in)
}

func ideasRequest(model string, in ai.IdeaInput) ai.TextRequest {
	prompt := fmt.Sprintf("Propose %d distinct article ideas for the topic cluster %q (%s), targeting these keywords: %s. "+
		`Answer as {"ideas":[{"title":"...","description":"...","content_type":"post","content_structure":"article|guide|listicle|how_to|comparison","target_keywords":["..."],"estimated_word_count":1200}]}.`,
		in.Count, in.Cluster.Name, in.Cluster.Description, strings.Join(in.Cluster.Keywords, ", "))
	return textRequest(model, ai.OpIdeaGeneration, prompt, domain.IdeaOutputTokens(int64(in.Count), in.Cluster.Keywords), in)
}

func contentRequest(model string, in ai.ContentInput) ai.TextRequest {
	prompt := fmt.Sprintf("Write a %s titled %q of about %d words in a %s tone, using these keywords naturally: %s. "+
		"Use <h2> and <h3> headings, paragraphs and at least one list; no <h1>. "+
		`Answer as {"title":"...","meta_title":"at most 60 characters","meta_description":"at most 160 characters","html":"<h2>...</h2><p>...</p>"}.`,
		strings.ReplaceAll(in.ContentStructure, "_", "-"), in.Title, in.WordCount, in.Tone, strings.Join(in.Keywords, ", "))
	return textRequest(model, ai.OpContentGeneration, prompt, domain.ContentOutputTokens(int64(in.WordCount)), in)
}

func imagePromptsRequest(model string, in ai.ImagePromptsInput) ai.TextRequest {
	prompt := fmt.Sprintf("Write image-generation prompts for the article %q. Summary: %s. Sections: %s. "+
		"Give one featured-image prompt and %d in-article prompts, each a vivid, concrete scene with no text in the image. "+
		`Answer as {"featured":"...","in_article":["...", ...]}.`,
		in.Title, in.Summary, strings.Join(in.Headings, "; "), in.InArticleCount)
	return textRequest(model, ai.OpImagePrompts, prompt, domain.ImagePromptsOutputTokens(int64(in.InArticleCount)+1), in)
}

func textRequest(model, op, prompt string, maxTokens int64, data any) ai.TextRequest {
	raw, _ := json.Marshal(data)
	return ai.TextRequest{Model: model, System: systemPrompt, Prompt: prompt, MaxTokens: int(maxTokens), JSON: true, Operation: op, Data: raw}
}

// The inputs of the requests, from the items as stored. The estimate builds
// its requests with these, and so does the run step (work.go).

func clusteringInput(kws []domain.Keyword) ai.ClusteringInput {
	in := ai.ClusteringInput{}
	for _, k := range kws {
		in.Keywords = append(in.Keywords, ai.ClusteringKeyword{ID: k.ID, Keyword: k.Keyword, Volume: k.Volume})
	}
	return in
}

func ideaInput(cl domain.Cluster, kws []domain.Keyword) ai.IdeaInput {
	in := ai.IdeaInput{Cluster: ai.IdeaCluster{Name: cl.Name, Description: cl.Description}, Count: IdeasPerCluster}
	for _, k := range kws {
		in.Cluster.Keywords = append(in.Cluster.Keywords, k.Keyword)
	}
	return in
}

func contentInput(t domain.Task) ai.ContentInput {
	words := int(t.WordCount)
	if words <= 0 {
		words = DefaultWordCount
	}
	return ai.ContentInput{Title: t.Title, Keywords: t.Keywords, WordCount: words, ContentStructure: orDefault(t.ContentStructure, ai.StructureArticle), Tone: DefaultTone}
}

// inArticle is the site's max_in_article_images.
func imagePromptsInput(c domain.Content, inArticle int) ai.ImagePromptsInput {
	in := ai.ImagePromptsInput{Title: c.Title, Summary: orDefault(c.MetaDescription, summary(c.HTML)), InArticleCount: inArticle}
	for _, m := range headingRE.FindAllStringSubmatch(c.HTML, 8) {
		in.Headings = append(in.Headings, strings.TrimSpace(tagRE.ReplaceAllString(m[1], "")))
	}
	return in
}

// requestTokens is what req may use at most: its input counted
// conservatively and the output it asks for at most.
func requestTokens(req ai.TextRequest) domain.Tokens {
	return domain.Tokens{In: domain.PromptTokens(req.System, req.Prompt), Out: int64(req.MaxTokens)}
}

// parseAnswer decodes a model's JSON answer into out; an answer that does not
// fit is a Malformed provider error (retryable: a model may do better).
func parseAnswer(provider, text string, out any) error {
	obj, ok := ai.ExtractJSONObject(text)
	if !ok {
		return &ai.Error{Kind: ai.Malformed, Provider: provider, Message: "the answer holds no JSON object"}
	}
	if err := json.Unmarshal([]byte(obj), out); err != nil {
		return &ai.Error{Kind: ai.Malformed, Provider: provider, Message: "the answer does not have the requested shape: " + err.Error()}
	}
	return nil
}
