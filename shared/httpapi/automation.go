package httpapi

import (
	"net/http"

	"github.com/igny8/igny8-serverless/shared/domain"
)

func (a *API) getAutomationConfig(w http.ResponseWriter, r *http.Request) error {
	c, err := a.store.GetAutomationConfig(r.Context(), who(r).account, r.PathValue("site"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (a *API) putAutomationConfig(w http.ResponseWriter, r *http.Request) error {
	var c domain.AutomationConfig
	if err := decodeJSON(r, MaxBody, &c); err != nil {
		return err
	}
	if c.NextRunAt != nil {
		return domain.Invalid("next_run_at", "is computed from the schedule; leave it out")
	}
	saved, err := a.store.PutAutomationConfig(r.Context(), who(r).account, r.PathValue("site"), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, saved)
	return nil
}

func (a *API) automationEstimate(w http.ResponseWriter, r *http.Request) error {
	est, err := a.auto.Estimate(r.Context(), who(r).account, r.PathValue("site"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, est)
	return nil
}

func (a *API) startRun(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > 0 {
		var empty struct{}
		if err := decodeJSON(r, MaxBody, &empty); err != nil {
			return err
		}
	}
	run, err := a.auto.Start(r.Context(), who(r).account, r.PathValue("site"), "manual")
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/sites/"+run.SiteID+"/automation/runs/"+run.ID)
	writeJSON(w, http.StatusCreated, run)
	return nil
}

func (a *API) listRuns(w http.ResponseWriter, r *http.Request) error {
	pr, err := pageRequest(r)
	if err != nil {
		return err
	}
	page, err := a.store.ListRuns(r.Context(), who(r).account, r.PathValue("site"), pr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (a *API) getRun(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.store.GetSite(r.Context(), who(r).account, r.PathValue("site")); err != nil {
		return err
	}
	run, err := a.store.GetRun(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("run"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

// runAction serves pause, resume and cancel.
func (a *API) runAction(act func(*API, *http.Request, string, string, string) (domain.AutomationRun, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := a.store.GetSite(r.Context(), who(r).account, r.PathValue("site")); err != nil {
			return err
		}
		run, err := act(a, r, who(r).account, r.PathValue("site"), r.PathValue("run"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, run)
		return nil
	}
}

func pauseRun(a *API, r *http.Request, acct, site, run string) (domain.AutomationRun, error) {
	return a.auto.Pause(r.Context(), acct, site, run)
}

func resumeRun(a *API, r *http.Request, acct, site, run string) (domain.AutomationRun, error) {
	return a.auto.Resume(r.Context(), acct, site, run)
}

func cancelRun(a *API, r *http.Request, acct, site, run string) (domain.AutomationRun, error) {
	return a.auto.Cancel(r.Context(), acct, site, run)
}

// reviewContent approves or rejects content by hand.
func (a *API) reviewContent(to domain.ContentStatus, from ...domain.ContentStatus) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := a.store.ReviewContent(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("content"), from, to)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}

type togglesRequest struct {
	AutoApprovalEnabled *bool `json:"auto_approval_enabled"`
	AutoPublishEnabled  *bool `json:"auto_publish_enabled"`
}

func (a *API) getPublishingSettings(w http.ResponseWriter, r *http.Request) error {
	p, err := a.store.GetPublishingSettings(r.Context(), who(r).account, r.PathValue("site"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// patchPublishingSettings saves the toggles alone, at once; limits and the
// schedule are not accepted here (they save together, validated, with PUT).
func (a *API) patchPublishingSettings(w http.ResponseWriter, r *http.Request) error {
	var req togglesRequest
	if err := decodeJSON(r, MaxBody, &req); err != nil {
		return err
	}
	p, err := a.store.SetPublishingToggles(r.Context(), who(r).account, r.PathValue("site"), req.AutoApprovalEnabled, req.AutoPublishEnabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}
