package httpapi

import (
	"fmt"
	"net/http"

	"github.com/igny8/igny8-serverless/shared/domain"
)

func (a *API) putAutomationConfig(w http.ResponseWriter, r *http.Request) error {
	var c domain.AutomationConfig
	if err := decodeJSON(r, MaxBody, &c); err != nil {
		return err
	}
	if c.NextRunAt != nil {
		return domain.Invalid("next_run_at", "is computed from the schedule; leave it out")
	}
	saved, err := a.store.PutAutomationConfig(r.Context(), who(r).account, r.PathValue("site"), c)
	return reply(w, http.StatusOK, saved, err)
}

func (a *API) startRun(w http.ResponseWriter, r *http.Request) error {
	var none struct{}
	if err := decodeOptionalJSON(r, MaxBody, &none); err != nil {
		return err
	}
	run, err := a.auto.Start(r.Context(), who(r).account, r.PathValue("site"), "manual")
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/sites/"+run.SiteID+"/automation/runs/"+run.ID)
	writeJSON(w, http.StatusCreated, run)
	return nil
}

func (a *API) getRun(w http.ResponseWriter, r *http.Request) error {
	if _, err := a.store.GetSite(r.Context(), who(r).account, r.PathValue("site")); err != nil {
		return err
	}
	run, err := a.store.GetRun(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("run"))
	return reply(w, http.StatusOK, run, err)
}

// runAction serves pause, resume and cancel.
func (a *API) runAction(act func(*API, *http.Request, string, string, string) (domain.AutomationRun, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := a.store.GetSite(r.Context(), who(r).account, r.PathValue("site")); err != nil {
			return err
		}
		run, err := act(a, r, who(r).account, r.PathValue("site"), r.PathValue("run"))
		return reply(w, http.StatusOK, run, err)
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

// reviewContent approves or rejects content by hand. Rejected content stays
// rejected (no automation stage reads it, auto-publish schedules only
// approved content) until a person approves it.
func (a *API) reviewContent(to domain.ContentStatus, from ...domain.ContentStatus) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		acct, site, id := who(r).account, r.PathValue("site"), r.PathValue("content")
		var reason string
		if to == domain.ContentRejected {
			var err error
			if reason, err = rejectReason(r); err != nil {
				return err
			}
		}
		if to != domain.ContentApproved {
			cur, err := a.store.GetContent(r.Context(), acct, site, id)
			if err != nil {
				return err
			}
			if cur.SiteStatus != domain.SiteNotPublished && cur.SiteStatus != domain.SiteFailed {
				if cur.SiteStatus == domain.SiteScheduled {
					return fmt.Errorf("content is scheduled: take it off the schedule first (DELETE .../schedule): %w", domain.ErrConflict)
				}
				return fmt.Errorf("content is %s on the site and can no longer be rejected: %w", cur.SiteStatus, domain.ErrConflict)
			}
		}
		c, err := a.store.ReviewContent(r.Context(), acct, site, id, from, to, reason)
		if err != nil {
			return err
		}
		if to == domain.ContentApproved {
			// Auto-publish gives what is approved by hand its slot too.
			n, err := a.pub.AutoSchedule(r.Context(), acct, site, []string{id})
			if err != nil {
				return err
			}
			if n > 0 {
				if c, err = a.store.GetContent(r.Context(), acct, site, id); err != nil {
					return err
				}
			}
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
}
