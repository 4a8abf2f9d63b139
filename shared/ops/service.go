package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store"
)

// Starter starts the operation state machine (Step Functions in the cloud,
// the local runtime on a laptop).
type Starter interface {
	Start(ctx context.Context, name string, input []byte) (executionID string, err error)
}

// Service starts operations for the API.
type Service struct {
	Store     ServiceStore
	Providers ProviderNames // which providers are configured: the model an operation uses
	Starter   Starter
}

// Limits on the items of one operation.
var maxItems = map[domain.OperationType]int{
	domain.OperationClustering:        MaxClusterKeywords,
	domain.OperationIdeaGeneration:    10,
	domain.OperationCreateTasks:       100,
	domain.OperationContentGeneration: 10,
	domain.OperationImagePrompts:      1,
	domain.OperationImageGeneration:   20,
}

// Request is what the API asks for.
type Request struct {
	Type    domain.OperationType
	SiteID  string
	ItemIDs []string
	Tier    domain.QualityTier // optional: the model tier (image regeneration)
	Options json.RawMessage
}

// Quote is the price of an operation before it runs.
type Quote struct {
	Credits   int64              `json:"credits"`
	Tier      domain.QualityTier `json:"quality_tier"`
	Model     string             `json:"model"` // the brand tier label for users
	Available int64              `json:"available"`
	Enough    bool               `json:"sufficient"`
	modelID   string
}

// Quote resolves the model and estimates the credits of req.
func (s *Service) Quote(ctx context.Context, account string, req Request) (Quote, error) {
	if err := s.validate(req); err != nil {
		return Quote{}, err
	}
	if _, err := s.Store.GetSite(ctx, account, req.SiteID); err != nil {
		return Quote{}, err
	}
	q := Quote{}
	if req.Type.Charged() {
		mt := domain.ModelText
		if req.Type == domain.OperationImageGeneration {
			mt = domain.ModelImage
		}
		model, err := ResolveModel(ctx, s.Store, s.Providers, mt, req.Tier)
		if err != nil {
			return Quote{}, err
		}
		billing, err := s.Store.Billing(ctx)
		if err != nil {
			return Quote{}, err
		}
		credits, err := s.estimate(ctx, account, req, model, billing)
		if err != nil {
			return Quote{}, err
		}
		q.Credits, q.Tier, q.modelID = credits, model.QualityTier, model.ModelID
	} else if err := s.checkItems(ctx, account, req); err != nil {
		return Quote{}, err
	}
	acct, err := s.Store.GetAccount(ctx, account)
	if err != nil {
		return Quote{}, err
	}
	q.Available, q.Enough = acct.Available, acct.Available >= q.Credits
	return q, nil
}

func (s *Service) validate(req Request) error {
	limit, ok := maxItems[req.Type]
	if !ok {
		return domain.Invalid("type", "unknown operation %q", req.Type)
	}
	if len(req.ItemIDs) == 0 {
		return domain.Invalid("ids", "send at least one id")
	}
	if len(req.ItemIDs) > limit {
		return domain.Invalid("ids", "at most %d per operation, got %d", limit, len(req.ItemIDs))
	}
	seen := map[string]bool{}
	for i, id := range req.ItemIDs {
		if id == "" || len(id) > 64 {
			return domain.Invalid(fmt.Sprintf("ids[%d]", i), "is not a valid id")
		}
		if seen[id] {
			return domain.Invalid(fmt.Sprintf("ids[%d]", i), "%s is listed twice", id)
		}
		seen[id] = true
	}
	if req.Tier != "" && req.Tier != domain.TierBasic && req.Tier != domain.TierQuality && req.Tier != domain.TierPremium {
		return domain.Invalid("quality_tier", "must be basic, quality or premium")
	}
	return nil
}

// Start checks the balance covers the estimate (402 otherwise, with a
// failure notification and nothing else written, before any provider call),
// records the operation and starts its state machine.
func (s *Service) Start(ctx context.Context, account string, req Request) (domain.Operation, error) {
	q, err := s.Quote(ctx, account, req)
	if err != nil {
		return domain.Operation{}, err
	}
	if !q.Enough {
		ierr := &domain.InsufficientCreditsError{Required: q.Credits, Available: q.Available}
		note := domain.Notification{Type: "operation_failed", Severity: domain.SeverityError, SiteID: req.SiteID,
			Title:   describe(req.Type) + " not started",
			Message: fmt.Sprintf("%s needs %d credits and the account has %d available. Add credits and try again.", describe(req.Type), q.Credits, q.Available)}
		if nerr := s.Store.Notify(ctx, account, note); nerr != nil {
			return domain.Operation{}, errors.Join(ierr, nerr)
		}
		return domain.Operation{}, ierr
	}
	now := time.Now().UTC()
	op := domain.Operation{ID: store.NewID(), AccountID: account, SiteID: req.SiteID, Type: req.Type, Status: domain.OperationQueued,
		ItemIDs: req.ItemIDs, Tier: q.Tier, EstimatedCred: q.Credits, Results: []string{}, CreatedAt: now, UpdatedAt: now, Options: req.Options}
	// The claim lasts as long as the hold could: an operation that dies
	// leaves its items free when its hold is swept.
	if err := s.Store.ClaimItems(ctx, account, req.SiteID, req.Type.Input(), req.ItemIDs, op.ID, now.Add(HoldTTL)); err != nil {
		return domain.Operation{}, err
	}
	unclaim := func(err error) (domain.Operation, error) {
		rerr := s.Store.ReleaseItems(context.WithoutCancel(ctx), account, req.SiteID, req.Type.Input(), req.ItemIDs, op.ID)
		return domain.Operation{}, errors.Join(err, rerr)
	}
	// Checked under the claim, so no other operation can add prompts between
	// the check and this one's start.
	if err := s.checkPrompts(ctx, account, req); err != nil {
		return unclaim(err)
	}
	if err := s.Store.CreateOperation(ctx, account, op); err != nil {
		return unclaim(err)
	}
	job := Job{OperationID: op.ID, AccountID: account, SiteID: req.SiteID, Type: req.Type, ItemIDs: req.ItemIDs,
		ModelID: q.modelID, Estimate: q.Credits, Key: "op#" + op.ID, Options: req.Options}
	input, _ := json.Marshal(State{Job: job})
	exec, err := s.Starter.Start(ctx, op.ID, input)
	if err != nil {
		ferr := s.Store.FailOperation(ctx, account, op, domain.OperationError{Name: "Internal", Message: "the operation could not be started"},
			failureNote(job, domain.OperationError{Name: "Internal", Message: "the operation could not be started"}))
		return unclaim(errors.Join(fmt.Errorf("start operation: %w", err), ferr))
	}
	op.ExecutionID = exec
	return op, nil
}

// Estimate is the credits req would cost with model m (automation prices each
// batch with it).
func (s *Service) Estimate(ctx context.Context, account string, req Request, m domain.AIModelConfig) (int64, error) {
	if !req.Type.Charged() {
		return 0, nil
	}
	b, err := s.Store.Billing(ctx)
	if err != nil {
		return 0, err
	}
	return s.estimate(ctx, account, req, m, b)
}

// estimate prices req with the shared heuristics (domain.EstimateText),
// from the items as stored: a missing item is the request's fault.
func (s *Service) estimate(ctx context.Context, account string, req Request, m domain.AIModelConfig, b domain.BillingConfiguration) (int64, error) {
	var t domain.Tokens
	switch req.Type {
	case domain.OperationClustering:
		kws, err := s.Store.GetKeywords(ctx, account, req.SiteID, req.ItemIDs)
		if err != nil {
			return 0, asInvalid(err)
		}
		t = domain.ClusteringTokens(1, int64(len(kws)))
	case domain.OperationIdeaGeneration:
		for _, id := range req.ItemIDs {
			c, err := s.Store.GetCluster(ctx, account, req.SiteID, id)
			if err != nil {
				return 0, asInvalid(err)
			}
			t = t.Plus(domain.IdeaTokens(1, c.KeywordsCount, IdeasPerCluster))
		}
	case domain.OperationContentGeneration:
		for _, id := range req.ItemIDs {
			task, err := s.Store.GetTask(ctx, account, req.SiteID, id)
			if err != nil {
				return 0, asInvalid(err)
			}
			words := task.WordCount
			if words <= 0 {
				words = DefaultWordCount
			}
			t = t.Plus(domain.ContentTokens(1, words))
		}
	case domain.OperationImagePrompts:
		for _, id := range req.ItemIDs {
			if _, err := s.Store.GetContent(ctx, account, req.SiteID, id); err != nil {
				return 0, asInvalid(err)
			}
			t = t.Plus(domain.ImagePromptTokens(1, 1+InArticleImages))
		}
	case domain.OperationImageGeneration:
		for _, id := range req.ItemIDs {
			if _, err := s.Store.GetImage(ctx, account, req.SiteID, id); err != nil {
				return 0, asInvalid(err)
			}
		}
		return domain.ImageCredits(m, int64(len(req.ItemIDs)))
	}
	// One call: its minimum is the operation's minimum, as TextCredits has it.
	return domain.EstimateText(m, b, req.Type, t, 1)
}

// PromptOptions are the options of an image-prompts operation.
type PromptOptions struct {
	// Replace writes new prompts for content that has some: the old
	// prompts' pending images are superseded so no stage renders them.
	Replace bool `json:"replace,omitempty"`
}

// checkPrompts refuses image prompts for content that has them, unless
// the request replaces them: each call would otherwise pay for another set.
func (s *Service) checkPrompts(ctx context.Context, account string, req Request) error {
	if req.Type != domain.OperationImagePrompts {
		return nil
	}
	var opt PromptOptions
	if len(req.Options) > 0 {
		if err := json.Unmarshal(req.Options, &opt); err != nil {
			return domain.Invalid("options", "%v", err)
		}
	}
	if opt.Replace {
		return nil
	}
	for _, id := range req.ItemIDs {
		done, err := s.Store.HasImagePrompts(ctx, account, req.SiteID, id)
		if err != nil {
			return asInvalid(err)
		}
		if done {
			return fmt.Errorf("content %s already has image prompts; send {\"replace\": true} to replace them: %w", id, domain.ErrConflict)
		}
	}
	return nil
}

func (s *Service) checkItems(ctx context.Context, account string, req Request) error {
	for _, id := range req.ItemIDs {
		if _, err := s.Store.GetIdea(ctx, account, req.SiteID, id); err != nil {
			return asInvalid(err)
		}
	}
	return nil
}

// asInvalid turns "no such item" into a 400 naming it: the IDs are part of
// the request body, not the path.
func asInvalid(err error) error {
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Invalid("ids", "%v", err)
	}
	return err
}
