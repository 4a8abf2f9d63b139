package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/publishing"
)

// Publishing is the publishing service as the API uses it
// (*publishing.Service).
type Publishing interface {
	ConnectSite(ctx context.Context, account, site string, c publishing.Connection) (publishing.Connected, error)
	Integration(ctx context.Context, account, site string) (domain.SiteIntegration, error)
	TestConnection(ctx context.Context, account, site string) (domain.ConnectionCheck, error)
	SetToggles(ctx context.Context, account, site string, autoApproval, autoPublish *bool) (domain.PublishingSettings, error)
	PutSchedule(ctx context.Context, account, site string, p domain.PublishingSettings) (domain.PublishingSettings, error)
	AutoSchedule(ctx context.Context, account, site string, ids []string) (int, error)
	PublishNow(ctx context.Context, account, site, id string) (domain.Content, error)
	ScheduleAt(ctx context.Context, account, site, id string, at time.Time) (domain.Content, error)
	Unschedule(ctx context.Context, account, site, id string) (domain.Content, error)
	Calendar(ctx context.Context, account, site, from, to string) (publishing.Calendar, error)
}

// errPublishingOff: the API was built without a publishing service.
var errPublishingOff = errors.New("publishing is not configured on this server")

// publishingOff stands in when the API is built without publishing: every
// publishing route fails with errPublishingOff once its request is valid,
// and approving content schedules nothing.
type publishingOff struct{}

func (publishingOff) ConnectSite(context.Context, string, string, publishing.Connection) (publishing.Connected, error) {
	return publishing.Connected{}, errPublishingOff
}

func (publishingOff) Integration(context.Context, string, string) (domain.SiteIntegration, error) {
	return domain.SiteIntegration{}, errPublishingOff
}

func (publishingOff) TestConnection(context.Context, string, string) (domain.ConnectionCheck, error) {
	return domain.ConnectionCheck{}, errPublishingOff
}

func (publishingOff) SetToggles(context.Context, string, string, *bool, *bool) (domain.PublishingSettings, error) {
	return domain.PublishingSettings{}, errPublishingOff
}

func (publishingOff) PutSchedule(context.Context, string, string, domain.PublishingSettings) (domain.PublishingSettings, error) {
	return domain.PublishingSettings{}, errPublishingOff
}

func (publishingOff) AutoSchedule(context.Context, string, string, []string) (int, error) {
	return 0, nil
}

func (publishingOff) PublishNow(context.Context, string, string, string) (domain.Content, error) {
	return domain.Content{}, errPublishingOff
}

func (publishingOff) ScheduleAt(context.Context, string, string, string, time.Time) (domain.Content, error) {
	return domain.Content{}, errPublishingOff
}

func (publishingOff) Unschedule(context.Context, string, string, string) (domain.Content, error) {
	return domain.Content{}, errPublishingOff
}

func (publishingOff) Calendar(context.Context, string, string, string, string) (publishing.Calendar, error) {
	return publishing.Calendar{}, errPublishingOff
}

func (a *API) putIntegration(w http.ResponseWriter, r *http.Request) error {
	var req publishing.Connection
	if err := decodeJSON(r, MaxBody, &req); err != nil {
		return err
	}
	if err := checkTexts(false, "url", req.URL, "username", req.Username, "application_password", req.ApplicationPassword,
		"shop_domain", req.ShopDomain, "admin_token", req.AdminToken, "blog_id", req.BlogID, "webhook_url", req.WebhookURL); err != nil {
		return err
	}
	c, err := a.pub.ConnectSite(r.Context(), who(r).account, r.PathValue("site"), req)
	return reply(w, http.StatusOK, c, err)
}

type togglesRequest struct {
	AutoApprovalEnabled *bool `json:"auto_approval_enabled"`
	AutoPublishEnabled  *bool `json:"auto_publish_enabled"`
}

// scheduleFields are saved with PUT, never with PATCH.
var scheduleFields = map[string]bool{"daily_limit": true, "weekly_limit": true, "monthly_limit": true,
	"publish_days": true, "time_slots": true, "time_zone": true}

// patchPublishingSettings saves the toggles alone, at once; limits and the
// schedule are not accepted here (they save together, validated, with PUT).
func (a *API) patchPublishingSettings(w http.ResponseWriter, r *http.Request) error {
	var req togglesRequest
	if err := decodeJSON(r, MaxBody, &req); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) && scheduleFields[ve.Field] {
			return domain.Invalid(ve.Field, "limits and the schedule are saved together with PUT /v1/sites/{site}/publishing-settings; PATCH takes only auto_approval_enabled and auto_publish_enabled")
		}
		return err
	}
	p, err := a.pub.SetToggles(r.Context(), who(r).account, r.PathValue("site"), req.AutoApprovalEnabled, req.AutoPublishEnabled)
	return reply(w, http.StatusOK, p, err)
}

// scheduleRequest is the PUT body: limits and schedule, all required.
type scheduleRequest struct {
	DailyLimit   *int     `json:"daily_limit"`
	WeeklyLimit  *int     `json:"weekly_limit"`
	MonthlyLimit *int     `json:"monthly_limit"`
	PublishDays  []string `json:"publish_days"`
	TimeSlots    []string `json:"time_slots"`
	TimeZone     *string  `json:"time_zone"`
}

func (a *API) putPublishingSettings(w http.ResponseWriter, r *http.Request) error {
	var req scheduleRequest
	if err := decodeJSON(r, MaxBody, &req); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) && (ve.Field == "auto_approval_enabled" || ve.Field == "auto_publish_enabled") {
			return domain.Invalid(ve.Field, "the toggles save on their own with PATCH /v1/sites/{site}/publishing-settings; PUT takes the limits and the schedule")
		}
		return err
	}
	for _, f := range []struct {
		name    string
		missing bool
	}{{"daily_limit", req.DailyLimit == nil}, {"weekly_limit", req.WeeklyLimit == nil}, {"monthly_limit", req.MonthlyLimit == nil},
		{"publish_days", req.PublishDays == nil}, {"time_slots", req.TimeSlots == nil}} {
		if f.missing {
			return domain.Invalid(f.name, "is required: PUT saves the limits and the schedule as a whole")
		}
	}
	p := domain.PublishingSettings{DailyLimit: *req.DailyLimit, WeeklyLimit: *req.WeeklyLimit, MonthlyLimit: *req.MonthlyLimit,
		PublishDays: req.PublishDays, TimeSlots: req.TimeSlots}
	if req.TimeZone != nil {
		p.TimeZone = *req.TimeZone
	}
	saved, err := a.pub.PutSchedule(r.Context(), who(r).account, r.PathValue("site"), p)
	return reply(w, http.StatusOK, saved, err)
}

type scheduleContentRequest struct {
	At *time.Time `json:"at"`
}

func (a *API) scheduleContent(w http.ResponseWriter, r *http.Request) error {
	var req scheduleContentRequest
	if err := decodeJSON(r, MaxBody, &req); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) && ve.Field == "" && strings.Contains(ve.Message, "parsing time") {
			return domain.Invalid("at", "must be an RFC 3339 time such as 2026-12-24T09:00:00Z")
		}
		return err
	}
	if req.At == nil {
		return domain.Invalid("at", "is required: an RFC 3339 time such as 2026-12-24T09:00:00Z")
	}
	c, err := a.pub.ScheduleAt(r.Context(), who(r).account, r.PathValue("site"), r.PathValue("content"), *req.At)
	return reply(w, http.StatusOK, c, err)
}

func (a *API) calendar(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" {
		return domain.Invalid("from", "is required: a date YYYY-MM-DD")
	}
	if to == "" {
		return domain.Invalid("to", "is required: a date YYYY-MM-DD")
	}
	cal, err := a.pub.Calendar(r.Context(), who(r).account, r.PathValue("site"), from, to)
	return reply(w, http.StatusOK, cal, err)
}
