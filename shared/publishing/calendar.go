package publishing

import (
	"context"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// CalendarItem is one scheduled or published item on its day.
type CalendarItem struct {
	ContentID string `json:"content_id"`
	Title     string `json:"title"`
	// At is the slot (scheduled) or the publish time (published); LocalTime
	// is its wall-clock time in the site's zone.
	At          time.Time         `json:"at"`
	LocalTime   string            `json:"local_time"`
	SiteStatus  domain.SiteStatus `json:"site_status"`
	ExternalURL string            `json:"external_url,omitempty"`
}

// CalendarDay is one day in the site's zone.
type CalendarDay struct {
	Date      string         `json:"date"`
	Scheduled []CalendarItem `json:"scheduled"`
	Published []CalendarItem `json:"published"`
}

// Calendar is the content calendar of a date range.
type Calendar struct {
	SiteID    string        `json:"site_id"`
	TimeZone  string        `json:"time_zone"`
	From      string        `json:"from"`
	To        string        `json:"to"`
	Days      []CalendarDay `json:"days"`
	Scheduled int           `json:"scheduled"`
	Published int           `json:"published"`
}

// MaxCalendarDays bounds one calendar request.
const MaxCalendarDays = 93

// Calendar lists every day from `from` to `to` (YYYY-MM-DD, inclusive, in the
// zone publishing uses) with the items scheduled on it (by slot) and
// published on it (by publish time), from the slot items: by site_status
// and the publish time, never by when an item was last updated.
func (s *Service) Calendar(ctx context.Context, account, site, from, to string) (Calendar, error) {
	p, err := s.Store.GetPublishingSettings(ctx, account, site)
	if err != nil {
		return Calendar{}, err
	}
	loc, err := domain.LoadZone(p.TimeZone)
	if err != nil {
		return Calendar{}, err
	}
	start, err := time.ParseInLocation("2006-01-02", from, loc)
	if err != nil {
		return Calendar{}, domain.Invalid("from", "must be a date YYYY-MM-DD")
	}
	last, err := time.ParseInLocation("2006-01-02", to, loc)
	if err != nil {
		return Calendar{}, domain.Invalid("to", "must be a date YYYY-MM-DD")
	}
	if last.Before(start) {
		return Calendar{}, domain.Invalid("to", "must not be before from")
	}
	end := time.Date(last.Year(), last.Month(), last.Day()+1, 0, 0, 0, 0, loc) // midnight after `to`
	if end.Sub(start) > MaxCalendarDays*24*time.Hour+2*time.Hour {
		return Calendar{}, domain.Invalid("to", "a calendar covers at most %d days", MaxCalendarDays)
	}
	entries, err := s.Store.CalendarEntries(ctx, account, site, start, end.Add(-time.Second))
	if err != nil {
		return Calendar{}, err
	}
	cal := Calendar{SiteID: site, TimeZone: loc.String(), From: from, To: to}
	index := map[string]int{}
	for d := start; d.Before(end); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		index[d.Format("2006-01-02")] = len(cal.Days)
		cal.Days = append(cal.Days, CalendarDay{Date: d.Format("2006-01-02"), Scheduled: []CalendarItem{}, Published: []CalendarItem{}})
	}
	for _, e := range entries {
		i, ok := index[domain.SlotDay(e.At, loc)]
		if !ok {
			continue
		}
		it := CalendarItem{ContentID: e.ContentID, Title: e.Title, At: e.At, LocalTime: e.At.In(loc).Format("15:04"),
			SiteStatus: e.SiteStatus, ExternalURL: e.ExternalURL}
		if e.SiteStatus == domain.SitePublished {
			cal.Days[i].Published = append(cal.Days[i].Published, it)
			cal.Published++
		} else {
			cal.Days[i].Scheduled = append(cal.Days[i].Scheduled, it)
			cal.Scheduled++
		}
	}
	return cal, nil
}
