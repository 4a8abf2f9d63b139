package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
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
		credits, err := s.estimate(ctx, account, req, model, billing, true)
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
		note := domain.Notification{Type: domain.NotificationType(req.Type, domain.NoteFailed), Severity: domain.SeverityError, SiteID: req.SiteID,
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

// Preview is what Start would reserve for req, checked as Start checks it
// (the items, the model, prompts already made), with the balance; it
// changes nothing: no hold, no claim, no operation.
func (s *Service) Preview(ctx context.Context, account string, req Request) (Quote, error) {
	q, err := s.Quote(ctx, account, req)
	if err != nil {
		return Quote{}, err
	}
	return q, s.checkPrompts(ctx, account, req)
}

// Estimate is the credits req would cost with model m (automation prices each
// batch with it). Items that no longer exist are left out: the run step
// records them failed without a provider call.
func (s *Service) Estimate(ctx context.Context, account string, req Request, m domain.AIModelConfig) (int64, error) {
	if !req.Type.Charged() {
		return 0, nil
	}
	b, err := s.Store.Billing(ctx)
	if err != nil {
		return 0, err
	}
	return s.estimate(ctx, account, req, m, b, false)
}

// estimate prices req as an upper bound of its charge: it builds the
// requests the run step will send from the items as stored and prices each
// at its conservatively counted input and the most output it may ask for
// (requestTokens). Any answer within those bounds costs at most this. With
// strict, a missing item is the request's fault (a 400).
func (s *Service) estimate(ctx context.Context, account string, req Request, m domain.AIModelConfig, b domain.BillingConfiguration, strict bool) (int64, error) {
	if req.Type == domain.OperationImageGeneration {
		n := int64(0)
		for _, id := range req.ItemIDs {
			_, err := s.Store.GetImage(ctx, account, req.SiteID, id)
			if skip, err := missing(err, strict); err != nil {
				return 0, err
			} else if !skip {
				n++
			}
		}
		return domain.EstimateImages(m, n)
	}
	reqs, err := s.requests(ctx, account, req, m, strict)
	if err != nil {
		return 0, err
	}
	return priceText(m, b, req.Type, reqs)
}

// priceText is the most that reqs, sent by one run step, can be charged:
// every call at its counted input and its MaxTokens. The step is one charge,
// so one minimum (as TextCredits has it), however many calls.
func priceText(m domain.AIModelConfig, b domain.BillingConfiguration, op domain.OperationType, reqs []ai.TextRequest) (int64, error) {
	var t domain.Tokens
	for _, r := range reqs {
		t = t.Plus(requestTokens(r))
	}
	return domain.EstimateText(m, b, op, t, min(int64(len(reqs)), 1))
}

// requests are the provider requests the run step will send for req's items
// (as work.go builds them; every item counts, whatever its status, so the
// estimate never misses a call).
func (s *Service) requests(ctx context.Context, account string, req Request, m domain.AIModelConfig, strict bool) ([]ai.TextRequest, error) {
	var out []ai.TextRequest
	switch req.Type {
	case domain.OperationClustering:
		// The run step fails on a missing keyword before any call, so a
		// missing one is an error either way.
		kws, err := s.Store.GetKeywords(ctx, account, req.SiteID, req.ItemIDs)
		if err != nil {
			return nil, asInvalid(err)
		}
		if len(kws) > 0 {
			out = append(out, clusteringRequest(m.ModelID, clusteringInput(kws)))
		}
	case domain.OperationIdeaGeneration:
		for _, id := range req.ItemIDs {
			c, err := s.Store.GetCluster(ctx, account, req.SiteID, id)
			if skip, err := missing(err, strict); err != nil {
				return nil, err
			} else if skip {
				continue
			}
			kws, err := s.Store.KeywordsOfCluster(ctx, account, req.SiteID, id)
			if err != nil {
				return nil, err
			}
			out = append(out, ideasRequest(m.ModelID, ideaInput(c, kws)))
		}
	case domain.OperationContentGeneration:
		for _, id := range req.ItemIDs {
			t, err := s.Store.GetTask(ctx, account, req.SiteID, id)
			if skip, err := missing(err, strict); err != nil {
				return nil, err
			} else if skip {
				continue
			}
			out = append(out, contentRequest(m.ModelID, contentInput(t)))
		}
	case domain.OperationImagePrompts:
		site, err := s.Store.GetSite(ctx, account, req.SiteID)
		if err != nil {
			return nil, err
		}
		for _, id := range req.ItemIDs {
			c, err := s.Store.GetContent(ctx, account, req.SiteID, id)
			if skip, err := missing(err, strict); err != nil {
				return nil, err
			} else if skip {
				continue
			}
			out = append(out, imagePromptsRequest(m.ModelID, imagePromptsInput(c, site.MaxInArticleImages)))
		}
	}
	return out, nil
}

// missing says whether an item that could not be read is skipped: a
// missing one is a 400 when strict and skipped otherwise; any other error
// is returned.
func missing(err error, strict bool) (bool, error) {
	switch {
	case err == nil:
		return false, nil
	case errors.Is(err, domain.ErrNotFound) && !strict:
		return true, nil
	}
	return false, asInvalid(err)
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
