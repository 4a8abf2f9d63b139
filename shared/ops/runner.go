package ops

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/store"
)

// BlobStore keeps generated files and names their URLs.
type BlobStore interface {
	Put(ctx context.Context, key string, data []byte, contentType string) (string, error)
}

// Scheduler puts approved content on the site's publishing schedule when
// the site auto-publishes (publishing.Service).
type Scheduler interface {
	AutoSchedule(ctx context.Context, account, site string, contentIDs []string) (int, error)
}

// RunStore is what the run step reads and writes (*store.Store): the step
// record, the job's items and the writes of its results.
type RunStore interface {
	BeginStep(ctx context.Context, account, stepKey string, lease time.Duration) (store.StepRecord, error)
	SaveStepOutput(ctx context.Context, account, stepKey string, output []byte) error
	ApplyStep(ctx context.Context, account, stepKey string, units []store.Tx) error
	StageStep(ctx context.Context, account, stepKey string, units []store.Tx) error
	CompleteStep(ctx context.Context, account, stepKey string, result []byte) error
	ReleaseStep(ctx context.Context, account, stepKey string) error

	GetModel(ctx context.Context, id string) (domain.AIModelConfig, error)
	GetSite(ctx context.Context, account, site string) (domain.Site, error)
	GetPublishingSettings(ctx context.Context, account, site string) (domain.PublishingSettings, error)
	GetKeywords(ctx context.Context, account, site string, ids []string) ([]domain.Keyword, error)
	KeywordsOfCluster(ctx context.Context, account, site, cluster string) ([]domain.Keyword, error)
	GetCluster(ctx context.Context, account, site, id string) (domain.Cluster, error)
	GetIdea(ctx context.Context, account, site, id string) (domain.ContentIdea, error)
	GetTask(ctx context.Context, account, site, id string) (domain.Task, error)
	GetContent(ctx context.Context, account, site, id string) (domain.Content, error)
	GetImage(ctx context.Context, account, site, id string) (domain.Image, error)
	ImagesOfContent(ctx context.Context, account, site, content string) ([]domain.Image, error)

	PutCluster(w *store.Tx, account string, c domain.Cluster) error
	MapKeyword(w *store.Tx, account string, kw domain.Keyword, cluster string)
	PutIdea(w *store.Tx, account string, i domain.ContentIdea) error
	SetClusterStatus(w *store.Tx, account string, c domain.Cluster, to domain.ClusterStatus)
	PutTask(w *store.Tx, account string, t domain.Task) error
	SetIdeaStatus(w *store.Tx, account string, i domain.ContentIdea, to domain.IdeaStatus)
	PutContent(w *store.Tx, account string, c domain.Content) error
	SetTaskStatus(w *store.Tx, account string, t domain.Task, to domain.TaskStatus)
	MarkImagePrompted(w *store.Tx, account string, c domain.Content)
	PutImage(w *store.Tx, account string, img domain.Image) error
	SetImageGenerated(w *store.Tx, account string, img domain.Image, url, provider, model string, tier domain.QualityTier)
	SetImageFailed(w *store.Tx, account string, img domain.Image, reason string)
	SupersedeImage(w *store.Tx, account string, img domain.Image, by string)
	SetContentStatus(w *store.Tx, account string, c domain.Content, to domain.ContentStatus)
}

// Runner is the run step of every operation: it calls the provider and
// writes the results, exactly once per job key however often it is
// delivered.
type Runner struct {
	Store     RunStore
	Providers Providers
	Blobs     BlobStore
	Lease     time.Duration // how long one attempt may hold the step; the Lambda timeout
	// Publishing schedules what the review stage approves (nil: nothing is
	// scheduled).
	Publishing Scheduler
	Log        *slog.Logger
}

// Handler is the run step for one operation type (each is its own Lambda).
func (r *Runner) Handler(t domain.OperationType) func(context.Context, State) (Result, error) {
	return func(ctx context.Context, st State) (Result, error) {
		if st.Job.Type != t {
			return Result{}, domain.Invalid("type", "this function runs %s, not %s", t, st.Job.Type)
		}
		return r.Run(ctx, st)
	}
}

// Run does the job's work. A completed job answers with its recorded result;
// provider answers are saved before the results are written, so a retry
// after a crash never pays the provider twice; results are written in chunks
// that each apply once.
func (r *Runner) Run(ctx context.Context, st State) (Result, error) {
	job := st.Job
	if job.Key == "" || job.AccountID == "" || job.SiteID == "" {
		return Result{}, domain.Invalid("job", "key, account_id and site_id are required")
	}
	key := runStepKey(job)
	lease := r.Lease
	if lease == 0 {
		lease = 15 * time.Minute
	}
	rec, err := r.Store.BeginStep(ctx, job.AccountID, key, lease)
	if err != nil {
		return Result{}, err
	}
	if rec.Completed {
		var res Result
		err := json.Unmarshal(rec.Result, &res)
		return res, err
	}
	w := &work{r: r, job: job, key: key, saved: saved{At: rec.Started}}
	if err := w.load(ctx, rec.Output); err != nil {
		return Result{}, err
	}
	res, err := w.do(ctx)
	if err != nil {
		// Let the next delivery start at once; the saved answers stay.
		if rerr := r.Store.ReleaseStep(context.WithoutCancel(ctx), job.AccountID, key); rerr != nil && r.Log != nil {
			r.Log.WarnContext(ctx, "release step lease", "key", key, "error", rerr.Error())
		}
		return Result{}, err
	}
	raw, _ := json.Marshal(res)
	if err := r.Store.CompleteStep(ctx, job.AccountID, key, raw); err != nil {
		return Result{}, err
	}
	return res, nil
}

// runStepKey is the key of the job's run step: its step record, and the
// results it staged for settle to commit.
func runStepKey(job Job) string { return job.Key + "#run" }

// saved is what a step keeps between attempts.
type saved struct {
	At    time.Time   // when the step first began: the time its IDs carry
	Calls []savedCall // the provider answers so far, saved as a JSON array
}

// savedCall is one provider answer.
type savedCall struct {
	Text         string `json:"text,omitempty"`
	InputTokens  int64  `json:"input_tokens,omitempty"`
	OutputTokens int64  `json:"output_tokens,omitempty"`
	Provider     string `json:"provider,omitempty"`
	Model        string `json:"model,omitempty"`
	URL          string `json:"url,omitempty"`
	CostMicroUSD int64  `json:"cost_micro_usd,omitempty"`
	Failed       string `json:"failed,omitempty"` // a permanent failure of this item
}

type work struct {
	r     *Runner
	job   Job
	key   string
	saved saved
	model domain.AIModelConfig
}

func (w *work) load(ctx context.Context, output []byte) error {
	if len(output) > 0 {
		if err := json.Unmarshal(output, &w.saved.Calls); err != nil {
			return fmt.Errorf("saved step output: %w", err)
		}
	}
	if w.job.Type.Charged() {
		m, err := w.r.Store.GetModel(ctx, w.job.ModelID)
		if err != nil {
			return err
		}
		w.model = m
	}
	return nil
}

func (w *work) save(ctx context.Context) error {
	raw, _ := json.Marshal(w.saved.Calls)
	return w.r.Store.SaveStepOutput(ctx, w.job.AccountID, w.key, raw)
}

// id is the i-th ID this step makes: a ULID with the step's saved time and
// entropy from the key, so every attempt makes the same IDs.
func (w *work) id(i int) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", w.key, i)))
	return strings.ToLower(ulid.MustNew(ulid.Timestamp(w.saved.At), &fixedEntropy{b: h[:]}).String())
}

type fixedEntropy struct{ b []byte }

func (f *fixedEntropy) Read(p []byte) (int, error) { return copy(p, f.b), nil }

// call returns the i-th provider answer, from the saved ones or by calling
// fn and saving its answer before anything is written from it. accept (may
// be nil) reads an answer; one it refuses (a Malformed answer) is never saved,
// so the retry asks the provider again instead of replaying it, and a refused
// saved answer (kept by an older version) is dropped for the same reason.
func (w *work) call(ctx context.Context, i int, fn func() (savedCall, error), accept func(savedCall) error) (savedCall, error) {
	if accept == nil {
		accept = func(savedCall) error { return nil }
	}
	if i < len(w.saved.Calls) {
		c := w.saved.Calls[i]
		if err := accept(c); err != nil {
			w.saved.Calls = w.saved.Calls[:i]
			if serr := w.save(ctx); serr != nil {
				return c, serr
			}
			return c, err
		}
		return c, nil
	}
	c, err := fn()
	if err != nil {
		return c, err
	}
	if err := accept(c); err != nil {
		return c, err
	}
	w.saved.Calls = append(w.saved.Calls, c)
	return c, w.save(ctx)
}

// text returns the i-th text answer decoded into out (see parseAnswer) and
// checked by check (may be nil), calling the provider (within the hold,
// bounded) when it is not saved yet. An answer that does not decode or pass
// the check is a Malformed error and is not kept: the retry calls again.
func (w *work) text(ctx context.Context, i int, req ai.TextRequest, out any, check func() error) (savedCall, error) {
	accept := func(c savedCall) error {
		if err := parseAnswer(c.Provider, c.Text, out); err != nil {
			return err
		}
		if check != nil {
			return check()
		}
		return nil
	}
	return w.call(ctx, i, func() (savedCall, error) {
		p, ok := w.r.Providers.Text[w.model.Provider]
		if !ok {
			return savedCall{}, &ai.Error{Kind: ai.Permanent, Provider: w.model.Provider, Message: "no key is configured for this provider"}
		}
		req, err := w.bound(req)
		if err != nil {
			return savedCall{}, err
		}
		start := time.Now()
		res, err := p.Complete(ctx, req)
		observeProvider(w.model.Provider, start, err)
		if err != nil {
			return savedCall{}, ai.Classify(err)
		}
		return savedCall{Text: res.Text, InputTokens: res.InputTokens, OutputTokens: res.OutputTokens, Provider: res.Provider, Model: res.Model}, nil
	}, accept)
}

// bound makes req fit the hold: a hold is a ceiling, so the call may ask
// for no more output than the hold still pays for after the step's earlier
// calls and this call's input (counted conservatively, as the estimate
// counts it). When that is less than a useful answer, the call is not made:
// an insufficient-credits error (Credits.Insufficient), the hold is released
// and nothing is charged. The hold is the job's estimate, which Reserve
// holds exactly (max(estimate, 1)); the job reaches every run step, the
// hold itself does not (automation's Run gets only the job).
func (w *work) bound(req ai.TextRequest) (ai.TextRequest, error) {
	if !w.job.Type.Charged() {
		return req, nil
	}
	if w.model.TokensPerCredit <= 0 {
		return req, fmt.Errorf("model %s has no tokens_per_credit: %w", w.model.ModelID, domain.ErrConflict)
	}
	hold := max(w.job.Estimate, 1)
	var used int64
	for _, c := range w.saved.Calls {
		used += c.InputTokens + c.OutputTokens
	}
	in := domain.PromptTokens(req.System, req.Prompt)
	limit := int64(req.MaxTokens)
	if limit <= 0 || limit > domain.MaxOutputTokens {
		limit = domain.MaxOutputTokens
	}
	room := domain.OutputWithin(w.model, hold, used, in)
	if need := domain.MinOutputTokens(limit); room < need {
		required := domain.TokenCredits(w.model, used+in+need)
		return req, fmt.Errorf("the hold of %d credits cannot pay call %d of %s (%d tokens used, %d in, at least %d out): %w",
			hold, len(w.saved.Calls)+1, w.job.Type, used, in, need, &domain.InsufficientCreditsError{Required: required, Available: hold})
	}
	req.MaxTokens = int(min(limit, room))
	return req, nil
}

// result sums the provider answers into the step's result.
func (w *work) result(ids []string, failed []Failed) Result {
	res := Result{Results: ids, Failed: failed, Provider: ai.ProviderOffline, Model: w.model.ModelID, Tier: w.model.QualityTier}
	if ids == nil {
		res.Results = []string{}
	}
	for _, c := range w.saved.Calls {
		res.InputTokens += c.InputTokens
		res.OutputTokens += c.OutputTokens
		res.ProviderCostMicroUSD += c.CostMicroUSD
		if c.Provider != "" {
			res.Provider, res.Model = c.Provider, c.Model
		}
	}
	return res
}

// do runs the work of the job's operation type. A switch, not a table of
// method values: each op-* Lambda runs one type, and the permission scan
// (infra/cdk/callscan) cuts the other branches of this switch; a package-level
// table would be built at start-up in every function and make every
// operation's AWS calls look reachable from all of them.
func (w *work) do(ctx context.Context) (Result, error) {
	switch w.job.Type {
	case domain.OperationClustering:
		return w.cluster(ctx)
	case domain.OperationIdeaGeneration:
		return w.ideas(ctx)
	case domain.OperationCreateTasks:
		return w.createTasks(ctx)
	case domain.OperationContentGeneration:
		return w.content(ctx)
	case domain.OperationImagePrompts:
		return w.imagePrompts(ctx)
	case domain.OperationImageGeneration:
		return w.images(ctx)
	case domain.OperationReview:
		return w.review(ctx)
	}
	return Result{}, domain.Invalid("type", "unknown operation type %q", w.job.Type)
}

// observeProvider records a provider call's latency and, when it failed, its
// error class (metrics; operators only: the vendor's name is a dimension).
func observeProvider(provider string, start time.Time, err error) {
	class := "ok"
	ms := []metrics.Metric{{Name: metrics.ProviderLatency, Value: float64(time.Since(start).Milliseconds()), Unit: metrics.Milliseconds}}
	if err != nil {
		class = ai.Classify(err).ErrorName()
		ms = append(ms, metrics.Metric{Name: metrics.ProviderErrors, Value: 1, Unit: metrics.Count})
	}
	metrics.Emit(map[string]string{"Provider": provider, "Class": class}, ms...)
}
