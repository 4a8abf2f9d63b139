package domain

// Token bounds: the one definition of how many tokens a text call may use.
// The estimate prices a call at these bounds and the run step asks the
// provider for no more than they allow, so a hold covers what it pays for.

// BytesPerToken is the conservative divisor of a text's UTF-8 length. The
// vendors' BPE tokenizers (OpenAI's o200k/cl100k, Anthropic's) average about
// 4 bytes of English per token; counting 3 leaves a third of headroom, and a
// character of 2 or 3 bytes (Latin accents, Cyrillic, CJK) counts as at
// least two thirds of a token. Text a tokenizer splits finer than that
// (rare scripts, long digit runs) can exceed the count; settle then charges
// the hold and records the rest as overrun (ops.Credits.Settle).
const BytesPerToken = 3

// MessageOverheadTokens is what each chat message costs beyond its text:
// OpenAI's counting guide adds 3 tokens per message and 3 to prime the
// reply; 8 leaves room for the other vendors' framing and JSON mode.
const MessageOverheadTokens = 8

// MaxOutputTokens caps any one call's output: gpt-4o-mini's limit, the
// smallest among the registry's text models, so no request asks a model for
// more than it can write.
const MaxOutputTokens = 16_384

// Output allowances of the answers' JSON shapes (see ops/prompts.go).
const (
	answerTokens      = 32  // the answer object's braces and keys
	echoTokens        = 4   // quotes, comma and space around an echoed text
	clusterTokens     = 64  // a cluster's name, one-sentence description and keys
	ideaTokens        = 250 // an idea's title, description, type, structure, word count and keys
	ideaKeywordTokens = 400 // at most this much of an idea's target keywords
	promptTokens      = 200 // one image prompt: a vivid, concrete scene
)

// TextTokens is a conservative token count of s: ceil(UTF-8 bytes / 3).
func TextTokens(s string) int64 { return ceilDiv(int64(len(s)), BytesPerToken) }

// PromptTokens is a conservative count of a call's input: its system and
// user messages and the framing of both and of the reply.
func PromptTokens(system, prompt string) int64 {
	return TextTokens(system) + TextTokens(prompt) + 3*MessageOverheadTokens
}

// ClusteringOutputTokens bounds a clustering answer: it echoes every keyword
// exactly, and each cluster adds a name and a description. The prompt asks
// for topical groups, so a cluster is allowed for every two keywords; an
// answer of singletons beyond that is cut off (a Malformed failure, nothing
// charged).
func ClusteringOutputTokens(keywords []string) int64 {
	t := int64(answerTokens)
	for _, k := range keywords {
		t += TextTokens(k) + echoTokens
	}
	return capOutput(t + ceilDiv(int64(len(keywords)), 2)*clusterTokens)
}

// IdeaOutputTokens bounds an answer of count ideas for a cluster with these
// keywords: each idea's fields, and its target keywords (which may repeat
// the cluster's, up to ideaKeywordTokens).
func IdeaOutputTokens(count int64, keywords []string) int64 {
	var echo int64
	for _, k := range keywords {
		echo += TextTokens(k) + echoTokens
	}
	return capOutput(answerTokens + max(count, 0)*(ideaTokens+min(echo, ideaKeywordTokens)))
}

// ContentOutputTokens bounds an article of about words words: English runs
// about 1.3 tokens a word and HTML tags add some, so 2 a word lets a model
// overshoot the length by half; 400 more for the title, meta texts and JSON.
func ContentOutputTokens(words int64) int64 { return capOutput(2*max(words, 0) + 400) }

// ImagePromptsOutputTokens bounds an answer of prompts image prompts.
func ImagePromptsOutputTokens(prompts int64) int64 {
	return capOutput(promptTokens*max(prompts, 0) + 100)
}

// MinOutputTokens is the least output worth paying for when a call may ask
// for at most limit: a quarter of it (at least 64 tokens, at most limit). A
// call the hold cannot give that much is not made: its answer would most
// likely be cut off, paying the provider for nothing.
func MinOutputTokens(limit int64) int64 { return min(limit, max(limit/4, 64)) }

// OutputWithin is the most output tokens a call with input tokens in may ask
// for when the hold's credits must pay it and used tokens already spent by
// the step's earlier calls: TextCredits charges ceil(tokens / tokens per
// credit), so the hold pays hold × tokens per credit tokens in all. (The
// operation's minimum charge is a floor, not a token count: the estimate,
// and so the hold, is never below it.) Negative when even the input does
// not fit.
func OutputWithin(m AIModelConfig, hold, used, in int64) int64 {
	return hold*m.TokensPerCredit - used - in
}

func capOutput(n int64) int64 { return min(n, MaxOutputTokens) }

// TokenCredits is what tokens cost under m before any minimum: TextCredits'
// ceil(tokens / tokens per credit).
func TokenCredits(m AIModelConfig, tokens int64) int64 {
	return ceilDiv(tokens, max(m.TokensPerCredit, 1))
}
