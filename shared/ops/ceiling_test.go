package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/aitest"
	"github.com/igny8/igny8-serverless/shared/ai/openai"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

// A hold is a ceiling: the estimate prices each request at its counted
// input and its MaxTokens, and the run step asks for no more than the hold
// still pays. These tests check both halves without DynamoDB.

// saveOnly is the one RunStore method text uses (saving an answer).
type saveOnly struct{ RunStore }

func (saveOnly) SaveStepOutput(context.Context, string, string, []byte) error { return nil }

// worstCase is an OpenAI-shaped vendor that bills the most a request
// allows: its input at our conservative count and every output token it was
// allowed (max_completion_tokens). The recorder keeps what was asked.
func worstCase(t *testing.T) (ai.TextProvider, *aitest.Recorder) {
	t.Helper()
	var rc *aitest.Recorder
	srv, rc := aitest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		all := rc.All() // the server records a request before answering it
		body := all[len(all)-1].Body
		var system, prompt string
		for _, m := range body["messages"].([]any) {
			msg := m.(map[string]any)
			if msg["role"] == "system" {
				system = msg["content"].(string)
			} else {
				prompt = msg["content"].(string)
			}
		}
		out, _ := body["max_completion_tokens"].(float64)
		aitest.WriteJSON(w, 200, completion(`{}`, domain.PromptTokens(system, prompt), int64(out)))
	})
	return openai.New("sk-test-key", srv.URL+"/v1", nil, openai.Options{}), rc
}

func completion(content string, in, out int64) string {
	c, _ := json.Marshal(content)
	return fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini",
"choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":null},"logprobs":null,"finish_reason":"stop"}],
"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`, c, in, out, in+out)
}

// Whatever the hold, the worst-case vendor's calls never cost more than it:
// the requests shrink to what the hold still pays, and a call it cannot pay
// is refused before the vendor hears of it (Credits.Insufficient).
func TestTextStaysWithinTheHold(t *testing.T) {
	m := domain.AIModelConfig{ModelID: "gpt-4o-mini", Provider: "openai", TokensPerCredit: 100}
	b := domain.DefaultBilling()
	var reqs []ai.TextRequest
	for i, words := range []int64{1200, 600, 2500} {
		task := domain.Task{Title: fmt.Sprintf("Article %d about trail running shoes", i), Keywords: []string{"trail shoes", "running"}, WordCount: words}
		reqs = append(reqs, contentRequest(m.ModelID, contentInput(task)))
	}
	estimate, err := priceText(m, b, domain.OperationContentGeneration, reqs)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		hold  int64
		calls int  // provider calls made
		full  bool // every call asked for its whole MaxTokens
	}{
		{"the estimate's hold", estimate, 3, true},
		{"a hold short of the last call", estimate - 30, 3, false},
		{"half the estimate", estimate / 2, 2, false},
		{"a hold of one credit", 1, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, rc := worstCase(t)
			w := &work{r: &Runner{Store: saveOnly{}, Providers: Providers{Text: map[string]ai.TextProvider{"openai": p}}},
				job: Job{Type: domain.OperationContentGeneration, Estimate: tc.hold, AccountID: "a", SiteID: "s", Key: "k"}, key: "k#run", model: m}
			var refused error
			for i, req := range reqs {
				before := rc.Count()
				if _, err := w.text(context.Background(), i, req, &struct{}{}, nil); err != nil {
					if !errors.Is(err, domain.ErrInsufficientCredits) || stepfn.ErrorName(err) != stepfn.InsufficientCredits {
						t.Fatalf("call %d: %v (%s), want insufficient credits", i, err, stepfn.ErrorName(err))
					}
					if rc.Count() != before {
						t.Fatalf("call %d was refused after the vendor was called", i)
					}
					refused = err
					break
				}
				asked := int(rc.Last(t).Body["max_completion_tokens"].(float64))
				if asked > req.MaxTokens || (tc.full && asked != req.MaxTokens) {
					t.Fatalf("call %d asked for %d tokens, the operation's bound is %d", i, asked, req.MaxTokens)
				}
			}
			var tokens int64
			for _, c := range w.saved.Calls {
				tokens += c.InputTokens + c.OutputTokens
			}
			if spent := domain.TokenCredits(m, tokens); spent > max(tc.hold, 1) {
				t.Fatalf("the calls cost %d credits, the hold is %d", spent, tc.hold)
			}
			if rc.Count() != tc.calls || (refused == nil) != (tc.calls == len(reqs)) {
				t.Fatalf("%d calls (refused: %v), want %d", rc.Count(), refused, tc.calls)
			}
		})
	}
}

// A free operation is not bounded, and a model that cannot price tokens is
// refused before any call (settle could not charge it).
func TestBoundWithoutAHold(t *testing.T) {
	req := ai.TextRequest{System: "s", Prompt: "p", MaxTokens: 123}
	w := &work{job: Job{Type: domain.OperationCreateTasks}}
	if got, err := w.bound(req); err != nil || got.MaxTokens != 123 {
		t.Fatalf("free: %+v %v", got, err)
	}
	w = &work{job: Job{Type: domain.OperationClustering, Estimate: 10}, model: domain.AIModelConfig{ModelID: "x"}}
	if _, err := w.bound(req); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("a model without tokens_per_credit: %v", err)
	}
}

var scripts = []string{
	"abcdefghijklmnopqrstuvwxyz      ",
	"0123456789-",
	"éèàçüößñ",
	"абвгдежзийклмнопрстуфхцчшщыэюя ",
	"検索語漢字仮名交じり文東京都",
	"😀🚀🌮🎉🧗",
	`"\<>&{}[]`,
}

// randText is 1..n characters, from one script or a mix.
func randText(r *rand.Rand, n int) string {
	pool := []rune(scripts[r.IntN(len(scripts))])
	if r.IntN(4) == 0 {
		pool = []rune(strings.Join(scripts, ""))
	}
	out := make([]rune, 1+r.IntN(n))
	for i := range out {
		out[i] = pool[r.IntN(len(pool))]
	}
	return string(out)
}

func randTexts(r *rand.Rand, count, n int) []string {
	out := make([]string, count)
	for i := range out {
		out[i] = randText(r, n)
	}
	return out
}

func randKeywords(r *rand.Rand, count int) []domain.Keyword {
	kws := make([]domain.Keyword, count)
	for i := range kws {
		kws[i] = domain.Keyword{ID: fmt.Sprint(i), Keyword: randText(r, domain.MaxKeywordLen), Volume: r.Int64N(10_000_000)}
	}
	return kws
}

// randRequests are the requests of a random operation of type op, built as
// the estimate and the run step build them.
func randRequests(r *rand.Rand, op domain.OperationType) []ai.TextRequest {
	var out []ai.TextRequest
	switch op {
	case domain.OperationClustering:
		out = append(out, clusteringRequest("m", clusteringInput(randKeywords(r, 1+r.IntN(MaxClusterKeywords)))))
	case domain.OperationIdeaGeneration:
		for range 1 + r.IntN(10) {
			cl := domain.Cluster{Name: randText(r, 200), Description: randText(r, 1000)}
			out = append(out, ideasRequest("m", ideaInput(cl, randKeywords(r, r.IntN(60)))))
		}
	case domain.OperationContentGeneration:
		for range 1 + r.IntN(10) {
			t := domain.Task{Title: randText(r, 300), Keywords: randTexts(r, r.IntN(10), 200), WordCount: r.Int64N(5001),
				ContentStructure: []string{"", "guide", "how_to", "listicle"}[r.IntN(4)]}
			out = append(out, contentRequest("m", contentInput(t)))
		}
	case domain.OperationImagePrompts:
		var html strings.Builder
		for range r.IntN(12) {
			fmt.Fprintf(&html, "<h2>%s</h2><p>%s</p>", randText(r, 80), randText(r, 400))
		}
		c := domain.Content{Title: randText(r, 300), HTML: html.String()}
		if r.IntN(2) == 0 {
			c.MetaDescription = randText(r, 160)
		}
		out = append(out, imagePromptsRequest("m", imagePromptsInput(c, r.IntN(domain.MaxInArticleImages+1))))
	}
	return out
}

// The estimate is an upper bound of the charge: for random inputs (keyword
// counts and lengths, multibyte text, word counts, image counts) and random
// prices, any provider answer whose input is at most our count and whose
// output is at most the request's MaxTokens is charged (ops.Charge) no more
// than the estimate, and the hold of that estimate never trims or refuses
// one of the calls.
func TestPropertyEstimateCoversTheCharge(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 2026))
	types := []domain.OperationType{domain.OperationClustering, domain.OperationIdeaGeneration, domain.OperationContentGeneration,
		domain.OperationImagePrompts, domain.OperationImageGeneration}
	const runs = 2000
	for n := range runs {
		op := types[r.IntN(len(types))]
		m := domain.AIModelConfig{ModelID: "m", TokensPerCredit: []int64{1, 7, 30, 50, 100, 1000, 5000}[r.IntN(7)], CreditsPerImage: 1 + r.Int64N(4)}
		b := domain.BillingConfiguration{MinimumCredits: map[string]int64{string(op): r.Int64N(6)}}
		var estimate int64
		var res Result
		if op == domain.OperationImageGeneration {
			images := 1 + r.Int64N(20)
			var err error
			if estimate, err = domain.EstimateImages(m, images); err != nil {
				t.Fatal(err)
			}
			res.Images = r.Int64N(images + 1)
		} else {
			reqs := randRequests(r, op)
			var err error
			if estimate, err = priceText(m, b, op, reqs); err != nil {
				t.Fatal(err)
			}
			w := &work{job: Job{Type: op, Estimate: estimate}, model: m}
			for i, req := range reqs {
				bounded, err := w.bound(req)
				if err != nil || bounded.MaxTokens != req.MaxTokens {
					t.Fatalf("run %d (%s): call %d bounded to %d of %d by the estimate's hold of %d: %v", n, op, i, bounded.MaxTokens, req.MaxTokens, estimate, err)
				}
				c := savedCall{InputTokens: r.Int64N(domain.PromptTokens(req.System, req.Prompt) + 1), OutputTokens: r.Int64N(int64(req.MaxTokens) + 1)}
				if r.IntN(8) == 0 { // the worst case: both at their bounds
					c = savedCall{InputTokens: domain.PromptTokens(req.System, req.Prompt), OutputTokens: int64(req.MaxTokens)}
				}
				w.saved.Calls = append(w.saved.Calls, c)
				res.InputTokens += c.InputTokens
				res.OutputTokens += c.OutputTokens
			}
		}
		charge, _, err := Charge(m, b, op, res)
		if err != nil {
			t.Fatal(err)
		}
		if charge > estimate {
			t.Fatalf("run %d (%s, %d tokens/credit): charged %d for %d+%d tokens, estimated %d", n, op, m.TokensPerCredit, charge, res.InputTokens, res.OutputTokens, estimate)
		}
	}
}

// typicalKeywords are n keywords of a usual length (25 to 40 bytes).
func typicalKeywords(n int) []domain.Keyword {
	words := []string{"best", "trail", "running", "shoes", "for", "flat", "feet", "women", "waterproof", "cheap", "sourdough", "starter"}
	kws := make([]domain.Keyword, n)
	for i := range kws {
		var parts []string
		for j := 0; len(strings.Join(parts, " ")) < 25; j++ {
			parts = append(parts, words[(i*7+j*5)%len(words)])
		}
		kws[i] = domain.Keyword{ID: fmt.Sprint(i), Keyword: domain.Clip(strings.Join(parts, " "), 40), Volume: 1_234_567}
	}
	return kws
}

// The run projection (EstimateRun) is never below what the run's batches
// will hold when its items are of a typical size: each batch's estimate is
// priced from the same requests as the run step's.
func TestEstimateRunCoversTypicalBatches(t *testing.T) {
	cfg := domain.DefaultAutomationConfig()
	y := domain.RunYields{KeywordsPerCluster: 8, IdeasPerCluster: IdeasPerCluster, ImagesPerArticle: 1 + domain.DefaultInArticleImages, WordsPerArticle: DefaultWordCount}
	b := domain.DefaultBilling()
	image := domain.AIModelConfig{ModelID: "i", CreditsPerImage: 1}
	html := strings.Repeat("<h2>How to choose trail running shoes for you</h2><p>"+strings.Repeat("Grip, fit and drop matter most. ", 30)+"</p>", 6)
	for _, m := range []domain.AIModelConfig{{ModelID: "basic", TokensPerCredit: 100}, {ModelID: "premium", TokensPerCredit: 30}, {ModelID: "cheap", TokensPerCredit: 10_000}} {
		for _, keywords := range []int{1, 7, 50, 100, 333, 500} {
			stages, err := domain.EstimateRun(cfg, domain.RunBacklog{Keywords: int64(keywords)}, y, m, image, b)
			if err != nil {
				t.Fatal(err)
			}
			// The items the run will make, typical in size, stage by stage.
			kws := typicalKeywords(keywords)
			var clusters, tasks, contents [][]ai.TextRequest
			var batch []ai.TextRequest
			for i := range int(stages[1].Items) {
				cl := domain.Cluster{Name: "Trail running shoes for flat feet", Description: strings.Repeat("Shoes that grip and support. ", 5)}
				batch = append(batch, ideasRequest(m.ModelID, ideaInput(cl, kws[i*8%keywords:min(i*8%keywords+8, keywords)])))
				if int64(len(batch)) == cfg.Stage2BatchSize || i == int(stages[1].Items)-1 {
					clusters, batch = append(clusters, batch), nil
				}
			}
			for i := range int(stages[3].Items) {
				task := domain.Task{Title: "How to choose trail running shoes for flat feet in 2026",
					Keywords: []string{kws[0].Keyword, kws[0].Keyword, kws[0].Keyword, kws[0].Keyword, kws[0].Keyword}, WordCount: y.WordsPerArticle}
				batch = append(batch, contentRequest(m.ModelID, contentInput(task)))
				if int64(len(batch)) == cfg.Stage4BatchSize || i == int(stages[3].Items)-1 {
					tasks, batch = append(tasks, batch), nil
				}
			}
			for range stages[4].Items {
				c := domain.Content{Title: "How to choose trail running shoes for flat feet", HTML: html,
					MetaDescription: domain.Clip(strings.Repeat("Fit, grip and support for flat feet on the trail. ", 4), 160)}
				contents = append(contents, []ai.TextRequest{imagePromptsRequest(m.ModelID, imagePromptsInput(c, domain.DefaultInArticleImages))})
			}
			var kwBatches [][]ai.TextRequest
			for i := 0; i < keywords; i += int(cfg.Stage1BatchSize) {
				kwBatches = append(kwBatches, []ai.TextRequest{clusteringRequest(m.ModelID, clusteringInput(kws[i:min(i+int(cfg.Stage1BatchSize), keywords)]))})
			}
			for _, st := range []struct {
				i       int
				batches [][]ai.TextRequest
			}{{0, kwBatches}, {1, clusters}, {3, tasks}, {4, contents}} {
				var held int64
				for _, reqs := range st.batches {
					c, err := priceText(m, b, domain.Stages[st.i].Operation, reqs)
					if err != nil {
						t.Fatal(err)
					}
					held += c
				}
				if stages[st.i].Credits < held {
					t.Errorf("%s, %d keywords: stage %d projected %d credits, its %d batches hold %d", m.ModelID, keywords, st.i+1, stages[st.i].Credits, len(st.batches), held)
				}
			}
		}
	}
}
