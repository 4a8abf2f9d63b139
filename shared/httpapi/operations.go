package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/ops"
	"github.com/igny8/igny8-serverless/shared/store"
)

// startedResponse answers an accepted operation.
type startedResponse struct {
	OperationID      string                 `json:"operation_id"`
	Status           domain.OperationStatus `json:"status"`
	EstimatedCredits int64                  `json:"estimated_credits"`
}

// startOperation reads the IDs from field of the body and starts typ.
func (a *API) startOperation(typ domain.OperationType, field string) handler {
	return a.operation(typ, field, a.start)
}

// estimateOperation answers what startOperation would reserve for the same
// body, and changes nothing.
func (a *API) estimateOperation(typ domain.OperationType, field string) handler {
	return a.operation(typ, field, a.estimate)
}

// operation reads an operation's {field: [ids]} body and hands the request
// on (to start it, or to estimate it).
func (a *API) operation(typ domain.OperationType, field string, then func(http.ResponseWriter, *http.Request, ops.Request) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		var body map[string][]string
		if err := decodeJSON(r, MaxBody, &body); err != nil {
			return err
		}
		for k := range body {
			if k != field {
				return domain.Invalid(k, "unknown field: send {%q: [...]}", field)
			}
		}
		if err := checkIDs(field, body[field]...); err != nil {
			return err
		}
		return then(w, r, ops.Request{Type: typ, SiteID: r.PathValue("site"), ItemIDs: body[field]})
	}
}

// estimate answers the credits starting req would reserve, computed as
// Start computes them (ops.Service.Preview), with the balance: no hold, no
// claim, no operation.
func (a *API) estimate(w http.ResponseWriter, r *http.Request, req ops.Request) error {
	q, err := a.ops.Preview(r.Context(), who(r).account, req)
	if err != nil {
		return err
	}
	out := estimateResponse{Credits: q.Credits, Available: q.Available, Sufficient: q.Enough}
	if req.Type.Charged() { // a free operation uses no model
		out.QualityTier, out.Model = q.Tier, domain.TierLabel(a.brand, q.Tier)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// estimateResponse is an operation's estimate (OperationEstimate).
type estimateResponse struct {
	Credits     int64              `json:"credits"`
	QualityTier domain.QualityTier `json:"quality_tier,omitempty"`
	Model       string             `json:"model,omitempty"`
	Available   int64              `json:"available"`
	Sufficient  bool               `json:"sufficient"`
}

func (a *API) start(w http.ResponseWriter, r *http.Request, req ops.Request) error {
	op, err := a.ops.Start(r.Context(), who(r).account, req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/operations/"+op.ID)
	writeJSON(w, http.StatusAccepted, startedResponse{OperationID: op.ID, Status: op.Status, EstimatedCredits: op.EstimatedCred})
	return nil
}

// generateImagePrompts takes an optional {"replace": bool}: no body and {}
// mean false, and content that has prompts is then a 409.
func (a *API) generateImagePrompts(w http.ResponseWriter, r *http.Request) error {
	req, err := a.imagePromptsRequest(r)
	if err != nil {
		return err
	}
	return a.start(w, r, req)
}

// estimateImagePrompts answers what generateImagePrompts would reserve.
func (a *API) estimateImagePrompts(w http.ResponseWriter, r *http.Request) error {
	req, err := a.imagePromptsRequest(r)
	if err != nil {
		return err
	}
	return a.estimate(w, r, req)
}

func (a *API) imagePromptsRequest(r *http.Request) (ops.Request, error) {
	var fields map[string]json.RawMessage
	if err := decodeOptionalJSON(r, MaxBody, &fields); err != nil {
		return ops.Request{}, err
	}
	var opt ops.PromptOptions
	if len(fields) > 0 {
		if v, ok := fields["replace"]; ok && string(bytes.TrimSpace(v)) == "null" {
			return ops.Request{}, domain.Invalid("replace", "must be true or false, not null")
		}
		raw, _ := json.Marshal(fields)
		if err := decodeBytes(raw, &opt); err != nil { // unknown fields and wrong types
			return ops.Request{}, err
		}
	}
	if _, err := a.store.GetContent(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("content")); err != nil {
		return ops.Request{}, err
	}
	var opts json.RawMessage
	if opt.Replace {
		opts, _ = json.Marshal(opt)
	}
	return ops.Request{Type: domain.OperationImagePrompts, SiteID: r.PathValue("site"), ItemIDs: []string{r.PathValue("content")}, Options: opts}, nil
}

type regenerateRequest struct {
	CustomPrompt      string             `json:"custom_prompt"`
	UseOriginalPrompt *bool              `json:"use_original_prompt"`
	QualityTier       domain.QualityTier `json:"quality_tier"`
}

func (r regenerateRequest) options() (json.RawMessage, error) {
	useOriginal := r.UseOriginalPrompt == nil || *r.UseOriginalPrompt
	prompt := strings.TrimSpace(r.CustomPrompt)
	switch {
	case prompt != "" && r.UseOriginalPrompt != nil && *r.UseOriginalPrompt:
		return nil, domain.Invalid("custom_prompt", "send either custom_prompt or use_original_prompt: true, not both")
	case prompt == "" && !useOriginal:
		return nil, domain.Invalid("custom_prompt", "is required when use_original_prompt is false")
	case len(prompt) > 2000:
		return nil, domain.Invalid("custom_prompt", "must be at most 2000 characters")
	}
	if err := checkTexts(true, "custom_prompt", prompt); err != nil {
		return nil, err
	}
	return json.Marshal(ops.ImageOptions{Regenerate: true, CustomPrompt: prompt})
}

// quoteResponse is the price of a regeneration, shown before it is charged.
type quoteResponse struct {
	Credits     int64              `json:"credits"`
	QualityTier domain.QualityTier `json:"quality_tier"`
	Model       string             `json:"model"`
	Available   int64              `json:"available"`
	Sufficient  bool               `json:"sufficient"`
}

func (a *API) regenerateQuote(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.store.GetImage(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("image")); err != nil {
		return err
	}
	tier := domain.QualityTier(r.URL.Query().Get("quality_tier"))
	q, err := a.ops.Quote(r.Context(), who(r).account, ops.Request{Type: domain.OperationImageGeneration, SiteID: r.PathValue("site"),
		ItemIDs: []string{r.PathValue("image")}, Tier: tier})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, quoteResponse{Credits: q.Credits, QualityTier: q.Tier, Model: domain.TierLabel(a.brand, q.Tier), Available: q.Available, Sufficient: q.Enough})
	return nil
}

func (a *API) regenerateImage(w http.ResponseWriter, r *http.Request) error {
	var req regenerateRequest
	if err := decodeJSON(r, MaxBody, &req); err != nil {
		return err
	}
	opts, err := req.options()
	if err != nil {
		return err
	}
	if _, err := a.store.GetImage(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("image")); err != nil {
		return err
	}
	return a.start(w, r, ops.Request{Type: domain.OperationImageGeneration, SiteID: r.PathValue("site"),
		ItemIDs: []string{r.PathValue("image")}, Tier: req.QualityTier, Options: opts})
}

func (a *API) getOperation(w http.ResponseWriter, r *http.Request) error {
	op, err := a.store.GetOperation(r.Context(), who(r).account, r.PathValue("operation"))
	return reply(w, http.StatusOK, op, err)
}

// usageResponse is a page of usage logs with the summary of the whole range.
type usageResponse struct {
	store.Page[domain.UsageLog]
	Summary store.UsageSummary `json:"summary"`
}

func (a *API) listUsage(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageRequest(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	// The default range is whole UTC days (the last 30 and today), so it is
	// the same on every page of a walk and the cursor stays valid.
	today := time.Now().UTC().Truncate(24 * time.Hour)
	f := store.UsageFilter{From: today.AddDate(0, 0, -30), To: today.AddDate(0, 0, 1), OperationType: q.Get("operation_type"), SiteID: q.Get("site_id")}
	if v := q.Get("from"); v != "" {
		if f.From, err = parseDay("from", v, false); err != nil {
			return err
		}
	}
	if v := q.Get("to"); v != "" {
		if f.To, err = parseDay("to", v, true); err != nil {
			return err
		}
	}
	if err := checkOptionalID("site_id", f.SiteID); err != nil {
		return err
	}
	if !f.To.After(f.From) {
		return domain.Invalid("to", "must be after from")
	}
	if f.OperationType != "" && !knownOp(f.OperationType) {
		return domain.Invalid("operation_type", "must be one of clustering, idea_generation, content_generation, image_prompts, image_generation")
	}
	page, sum, err := a.store.ListUsage(r.Context(), who(r).account, f, pr)
	if err != nil {
		return err
	}
	billing, err := a.store.Billing(r.Context())
	if err != nil {
		return err
	}
	sum.Formula = domain.CostFormula(billing)
	for i := range page.Items {
		page.Items[i].Model = domain.TierLabel(a.brand, page.Items[i].Tier)
		page.Items[i].Provider = ""
		page.Items[i].ProviderCostMicroUSD = 0
	}
	writeJSON(w, http.StatusOK, usageResponse{Page: page, Summary: sum})
	return nil
}

func knownOp(s string) bool {
	switch domain.OperationType(s) {
	case domain.OperationClustering, domain.OperationIdeaGeneration, domain.OperationContentGeneration,
		domain.OperationImagePrompts, domain.OperationImageGeneration:
		return true
	}
	return false
}

// parseDay reads YYYY-MM-DD (UTC days; "to" is inclusive, so it ends at the
// next midnight) or an RFC 3339 time.
func parseDay(field, v string, end bool) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, domain.Invalid(field, "must be a date YYYY-MM-DD or an RFC 3339 time")
}

func (a *API) listAITasks(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageRequest(r)
	if err != nil {
		return err
	}
	page, err := a.store.ListAITasks(r.Context(), who(r).account, pr)
	if err != nil {
		return err
	}
	for i := range page.Items {
		page.Items[i].Model = domain.TierLabel(a.brand, page.Items[i].Tier)
		page.Items[i].Provider = ""
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (a *API) listNotifications(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageRequest(r)
	if err != nil {
		return err
	}
	unread := false
	switch v := r.URL.Query().Get("unread"); v {
	case "", "false":
	case "true":
		unread = true
	default:
		return domain.Invalid("unread", "must be true or false")
	}
	page, err := a.store.ListNotifications(r.Context(), who(r).account, unread, pr)
	return reply(w, http.StatusOK, page, err)
}

func (a *API) readNotification(w http.ResponseWriter, r *http.Request) error {
	n, err := a.store.MarkNotificationRead(r.Context(), who(r).account, r.PathValue("notification"))
	return reply(w, http.StatusOK, n, err)
}

// brandImage names the image's model by its tier, as users see models.
// With a Linker, its URL is one a browser can load; an image that cannot
// be linked shows no URL (logged), never the private s3:// name.
func (a *API) brandImage(img *domain.Image) {
	if img.Model != "" {
		img.Model = domain.TierLabel(a.brand, img.Tier)
	}
	img.Provider = ""
	if a.links != nil && img.URL != "" {
		// Presigning is a local signature, no request: no deadline needed.
		u, err := a.links.Link(context.Background(), img.URL)
		if err != nil {
			if a.log != nil {
				a.log.Error("image link", "image", img.ID, "error", err.Error())
			}
			u = ""
		}
		img.URL = u
	}
}

// modelView is a model as users see it: its tier and price, never the vendor.
type modelView struct {
	Name            string             `json:"name"`
	QualityTier     domain.QualityTier `json:"quality_tier"`
	Type            domain.ModelType   `json:"type"`
	TokensPerCredit int64              `json:"tokens_per_credit,omitempty"`
	CreditsPerImage int64              `json:"credits_per_image,omitempty"`
	IsDefault       bool               `json:"is_default"`
}

func (a *API) listModels(w http.ResponseWriter, r *http.Request) error {
	// One entry per type and tier: the model an operation of that tier would use.
	out := []modelView{}
	for _, t := range []domain.ModelType{domain.ModelText, domain.ModelImage} {
		def, _ := ops.ResolveModel(r.Context(), a.store, a.ops.Providers, t, "")
		for _, tier := range domain.QualityTiers {
			m, err := ops.ResolveModel(r.Context(), a.store, a.ops.Providers, t, tier)
			if err != nil || m.QualityTier != tier {
				continue
			}
			out = append(out, modelView{Name: domain.TierLabel(a.brand, tier), QualityTier: tier, Type: t,
				TokensPerCredit: m.TokensPerCredit, CreditsPerImage: m.CreditsPerImage, IsDefault: m.ModelID == def.ModelID})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (a *API) adminListModels(w http.ResponseWriter, r *http.Request) error {
	models, err := a.store.ListModels(r.Context())
	if err != nil {
		return err
	}
	if models == nil {
		models = []domain.AIModelConfig{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": models})
	return nil
}

func (a *API) adminPutModel(w http.ResponseWriter, r *http.Request) error {
	var m domain.AIModelConfig
	if err := decodeJSON(r, MaxBody, &m); err != nil {
		return err
	}
	if m.ModelID == "" {
		m.ModelID = r.PathValue("model")
	}
	if m.ModelID != r.PathValue("model") {
		if err := domain.ValidateID("model_id", m.ModelID); err != nil {
			return err
		}
		return domain.Invalid("model_id", "must match the model in the path")
	}
	if err := a.store.PutModel(r.Context(), m); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (a *API) adminGetBilling(w http.ResponseWriter, r *http.Request) error {
	b, err := a.store.Billing(r.Context())
	return reply(w, http.StatusOK, b, err)
}

func (a *API) adminPutBilling(w http.ResponseWriter, r *http.Request) error {
	var b domain.BillingConfiguration
	if err := decodeJSON(r, MaxBody, &b); err != nil {
		return err
	}
	for op := range b.MinimumCredits {
		if !knownOp(op) {
			// A minimum no operation looks up would be stored for nothing.
			return domain.Invalid("minimum_credits", "keys must be operation types: clustering, idea_generation, content_generation, image_prompts, image_generation")
		}
	}
	if err := a.store.PutBilling(r.Context(), b); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, b)
	return nil
}
