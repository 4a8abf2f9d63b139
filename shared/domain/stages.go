package domain

// Stage is one of the seven stages of an automation run: the one table that
// the run record, the state machine's steps, the estimate and the generated
// automation ASL all read, so they cannot disagree on what a stage is.
type Stage struct {
	N         int           // 1..7, the run's order
	Name      string        // shown on the run's stage cards
	Operation OperationType // what each batch runs
	// Source and SourceStatus are the items waiting for the stage.
	Source       Entity
	SourceStatus string
	Query        StageQuery
	batch        func(AutomationConfig) int64
	max          func(AutomationConfig) int64 // nil: no per-run maximum
}

// StageQuery says how a stage finds its waiting items.
type StageQuery int

const (
	// QueryByStatus lists the Source items in SourceStatus.
	QueryByStatus StageQuery = iota
	// QueryWithoutImagePrompts lists the draft content that has no image
	// prompts yet: drafts keep their status through stage 5, so the status
	// alone cannot tell its work.
	QueryWithoutImagePrompts
)

// fixed is the batch size of a stage the configuration does not size.
func fixed(n int64) func(AutomationConfig) int64 { return func(AutomationConfig) int64 { return n } }

// Stages of an automation run, in order.
var Stages = []Stage{
	{N: 1, Name: "Cluster keywords", Operation: OperationClustering, Source: EntityKeyword, SourceStatus: string(KeywordNew),
		batch: func(c AutomationConfig) int64 { return c.Stage1BatchSize },
		max:   func(c AutomationConfig) int64 { return c.MaxKeywordsPerRun }},
	{N: 2, Name: "Generate ideas", Operation: OperationIdeaGeneration, Source: EntityCluster, SourceStatus: string(ClusterNew),
		batch: func(c AutomationConfig) int64 { return c.Stage2BatchSize }},
	// No AI: one transaction-sized batch.
	{N: 3, Name: "Create tasks", Operation: OperationCreateTasks, Source: EntityIdea, SourceStatus: string(IdeaNew),
		batch: fixed(100)},
	{N: 4, Name: "Write content", Operation: OperationContentGeneration, Source: EntityTask, SourceStatus: string(TaskQueued),
		batch: func(c AutomationConfig) int64 { return c.Stage4BatchSize },
		max:   func(c AutomationConfig) int64 { return c.MaxContentPerRun }},
	// One article's prompts per call.
	{N: 5, Name: "Image prompts", Operation: OperationImagePrompts, Source: EntityContent, SourceStatus: string(ContentDraft),
		Query: QueryWithoutImagePrompts, batch: fixed(1)},
	{N: 6, Name: "Generate images", Operation: OperationImageGeneration, Source: EntityImage, SourceStatus: string(ImagePending),
		batch: func(c AutomationConfig) int64 { return c.Stage6BatchSize },
		max:   func(c AutomationConfig) int64 { return c.MaxImagesPerRun }},
	// No AI: one transaction-sized batch.
	{N: 7, Name: "Review", Operation: OperationReview, Source: EntityContent, SourceStatus: string(ContentDraft),
		batch: fixed(100)},
}

// StageByN returns stage n; ok is false outside 1..len(Stages).
func StageByN(n int) (s Stage, ok bool) {
	if n < 1 || n > len(Stages) {
		return Stage{}, false
	}
	return Stages[n-1], true
}

// Charged reports whether the stage's batches cost credits.
func (s Stage) Charged() bool { return s.Operation.Charged() }

// BatchSize is how many items one batch of the stage takes under c.
func (s Stage) BatchSize(c AutomationConfig) int { return int(s.batch(c)) }

// MaxStageItems is the most items any stage takes in one run; the rest wait
// for the next run. It keeps a stage's batch numbers (up to 10,000 of them,
// about 50 KB) well inside a state machine's 256 KiB state, whatever the
// batch size; the configurable maxima go no higher.
const MaxStageItems = 10_000

// MaxPerRun is how many items one run takes at most under c: the stage's
// configured maximum, or MaxStageItems for a stage without one.
func (s Stage) MaxPerRun(c AutomationConfig) int {
	if s.max == nil {
		return MaxStageItems
	}
	return int(min(s.max(c), MaxStageItems))
}

// NewStageStates are a new run's stage cards: every stage pending.
func NewStageStates() []StageState {
	out := make([]StageState, 0, len(Stages))
	for _, s := range Stages {
		out = append(out, StageState{Stage: s.N, Name: s.Name, Status: StagePending})
	}
	return out
}
