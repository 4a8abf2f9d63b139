package domain

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	// Lambda's provided.al2023 image may have no /usr/share/zoneinfo; embed
	// the IANA database so LoadLocation works for every zone wherever this
	// runs.
	_ "time/tzdata"
)

// Limits on publishing settings.
const (
	slotMaxLimit = 1000 // upper bound of each of the daily, weekly and monthly limits
	slotMaxSlots = 24   // most time slots a day may have
)

// slotHorizonDays bounds how far ahead NextSlots searches (about 3 years).
const slotHorizonDays = 3*366 + 1

// slotDayNames are the valid publish days, Monday first (ISO order).
var slotDayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// slotDayWeekday maps a publish day name to its time.Weekday.
var slotDayWeekday = map[string]time.Weekday{
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

// Normalized returns a copy of p with publish days lower-cased, trimmed and
// ordered Monday to Sunday (unknown names last, in their original order, so
// Validate can name them), time slots trimmed and sorted ascending, and the
// time zone trimmed. It does not validate and never modifies p.
func (p PublishingSettings) Normalized() PublishingSettings {
	q := p
	if p.PublishDays != nil {
		q.PublishDays = make([]string, len(p.PublishDays))
		for i, d := range p.PublishDays {
			q.PublishDays[i] = strings.ToLower(strings.TrimSpace(d))
		}
		slices.SortStableFunc(q.PublishDays, func(a, b string) int {
			return slotDayRank(a) - slotDayRank(b)
		})
	}
	if p.TimeSlots != nil {
		q.TimeSlots = make([]string, len(p.TimeSlots))
		for i, s := range p.TimeSlots {
			q.TimeSlots[i] = strings.TrimSpace(s)
		}
		slices.Sort(q.TimeSlots)
	}
	q.TimeZone = strings.TrimSpace(p.TimeZone)
	return q
}

// slotDayRank is a day's position Monday (0) to Sunday (6); unknown names 7.
func slotDayRank(d string) int {
	if i := slices.Index(slotDayNames, d); i >= 0 {
		return i
	}
	return len(slotDayNames)
}

// Validate checks the normalized settings and returns the first problem as a
// *ValidationError whose Field is one of daily_limit, weekly_limit,
// monthly_limit, publish_days, time_slots, time_zone. An empty time zone is
// valid: it means the site's zone, which the caller fills in.
func (p PublishingSettings) Validate() error {
	q := p.Normalized()
	limits := []struct {
		field string
		v     int
	}{
		{"daily_limit", q.DailyLimit},
		{"weekly_limit", q.WeeklyLimit},
		{"monthly_limit", q.MonthlyLimit},
	}
	for _, l := range limits {
		if l.v < 1 || l.v > slotMaxLimit {
			return Invalid(l.field, "must be between 1 and %d", slotMaxLimit)
		}
	}
	if q.DailyLimit > q.WeeklyLimit {
		return Invalid("daily_limit", "daily_limit (%d) cannot exceed weekly_limit (%d)", q.DailyLimit, q.WeeklyLimit)
	}
	if q.WeeklyLimit > q.MonthlyLimit {
		return Invalid("weekly_limit", "weekly_limit (%d) cannot exceed monthly_limit (%d)", q.WeeklyLimit, q.MonthlyLimit)
	}

	if len(q.PublishDays) < 1 || len(q.PublishDays) > len(slotDayNames) {
		return Invalid("publish_days", "must list between 1 and %d days, got %d", len(slotDayNames), len(q.PublishDays))
	}
	for _, d := range q.PublishDays {
		if _, ok := slotDayWeekday[d]; !ok {
			return Invalid("publish_days", "%q is not a valid day: use %s", d, strings.Join(slotDayNames, ", "))
		}
	}
	for i := 1; i < len(q.PublishDays); i++ { // sorted, so duplicates are adjacent
		if q.PublishDays[i] == q.PublishDays[i-1] {
			return Invalid("publish_days", "%q is listed more than once", q.PublishDays[i])
		}
	}

	if len(q.TimeSlots) < 1 || len(q.TimeSlots) > slotMaxSlots {
		return Invalid("time_slots", "must list between 1 and %d times, got %d", slotMaxSlots, len(q.TimeSlots))
	}
	for _, s := range q.TimeSlots {
		if _, _, ok := parseSlot(s); !ok {
			return Invalid("time_slots", "%q is not a time: use 24-hour HH:MM such as 09:00 or 18:30", s)
		}
	}
	for i := 1; i < len(q.TimeSlots); i++ { // sorted, so duplicates are adjacent
		if q.TimeSlots[i] == q.TimeSlots[i-1] {
			return Invalid("time_slots", "%q is listed more than once", q.TimeSlots[i])
		}
	}
	// Each slot takes one item and slots do not repeat within a day, so a
	// daily limit above the number of slots could never be reached.
	if q.DailyLimit > len(q.TimeSlots) {
		return Invalid("daily_limit", "daily_limit (%d) can never be reached with %d time_slots (each slot publishes one item a day): lower daily_limit or add time_slots",
			q.DailyLimit, len(q.TimeSlots))
	}

	if q.TimeZone != "" {
		if _, err := LoadZone(q.TimeZone); err != nil {
			return err
		}
	}
	return nil
}

// LoadZone loads an IANA time zone by name (trimmed) under the rules Validate
// applies to time_zone; errors are *ValidationError on field time_zone.
// "Local" (the server's zone) is refused. The empty name is refused too:
// in settings it means the site's zone, so the caller substitutes the site's
// zone before loading (time.LoadLocation would silently give UTC).
func LoadZone(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	switch name {
	case "":
		return nil, Invalid("time_zone", "no time zone given: use an IANA name such as America/New_York (an empty setting means the site's zone)")
	case "Local":
		return nil, Invalid("time_zone", "\"Local\" is not allowed: use an IANA name such as America/New_York")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Invalid("time_zone", "unknown time zone %q: use an IANA name such as America/New_York", name)
	}
	return loc, nil
}

// parseSlot parses exactly "HH:MM", 24-hour (00-23, 00-59).
func parseSlot(s string) (h, m int, ok bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, 0, false
		}
	}
	h = int(s[0]-'0')*10 + int(s[1]-'0')
	m = int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 23 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// SlotDay is the local calendar day "YYYY-MM-DD" of t in loc. loc must not
// be nil (as for time.Time.In).
func SlotDay(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(time.DateOnly)
}

// NextSlots returns the next n publish instants strictly after `after`,
// ascending, in UTC and truncated to the second. Each instant is one of p's
// time slots on one of p's publish days, on the wall clock of loc (which is
// the zone p.TimeZone, or the site's zone when that is empty).
//
// Each slot holds one item: an instant in taken (compared to the second) is
// not reused. Counting taken plus the instants already chosen, no local day
// holds more than p.DailyLimit items, no ISO week (Monday to Sunday in loc)
// more than p.WeeklyLimit and no calendar month in loc more than
// p.MonthlyLimit. Every taken instant counts in the local day, week and
// month it falls in, whatever its time of day (manual times need not be
// slots).
//
// Daylight-saving changes are resolved on the wall clock of loc, explicitly
// rather than with time.Date (whose choice in gaps and overlaps differs from
// zone to zone — in Go 1.26 it gives 01:30 EST for 02:30 in New York on
// 2026-03-08 but 02:30 BST for 01:30 in London on 2026-03-29, and the second
// occurrence for 01:30 in London on 2026-10-25 but the first in New York on
// 2026-11-01):
//   - a slot inside a spring-forward gap moves forward by the length of the
//     gap (02:30 in New York on 2026-03-08 is 03:30 EDT, 07:30 UTC). It still
//     counts on that local day; if it lands on another slot's instant (03:30
//     that day), the two are one slot;
//   - a slot that happens twice on a fall-back day is used once, at its first
//     occurrence (01:30 in New York on 2026-11-01 is 01:30 EDT, 05:30 UTC).
//
// Callers validate p first (PublishingSettings.Validate); NextSlots re-checks
// it and returns the validation error rather than guessing. The search looks
// about 3 years ahead; when fewer than n instants fit (n beyond what the
// limits allow in that time, or taken filling the calendar) it returns those
// found and an error. n <= 0 returns an empty slice and nil. Cost is
// O(len(taken) + days searched × slots).
func NextSlots(p PublishingSettings, loc *time.Location, after time.Time, taken []time.Time, n int) ([]time.Time, error) {
	if n <= 0 {
		return []time.Time{}, nil
	}
	if loc == nil {
		return nil, errors.New("next slots: nil location")
	}
	q := p.Normalized()
	q.TimeZone = "" // loc is given; the name is not needed here
	if err := q.Validate(); err != nil {
		return nil, err
	}
	type hm struct{ h, m int }
	slots := make([]hm, len(q.TimeSlots))
	for i, s := range q.TimeSlots {
		h, m, _ := parseSlot(s) // valid: checked above
		slots[i] = hm{h, m}
	}
	var onDay [7]bool
	for _, d := range q.PublishDays {
		onDay[slotDayWeekday[d]] = true
	}

	perDay := make(map[int]int)
	perWeek := make(map[int]int)
	perMonth := make(map[int]int)
	// Size hints capped: n comes from callers and need not be small.
	used := make(map[int64]struct{}, len(taken)+min(n, 1024))
	for _, t := range taken {
		dk, wk, mk := slotKeys(t.In(loc))
		perDay[dk]++
		perWeek[wk]++
		perMonth[mk]++
		used[t.Unix()] = struct{}{}
	}

	out := make([]time.Time, 0, min(n, 1024))
	y, mo, d := after.In(loc).Date()
	// Civil-date arithmetic at noon UTC: no daylight saving to trip over.
	base := time.Date(y, mo, d, 12, 0, 0, 0, time.UTC)
	var cands []int64
	// Start a day early: harmless (candidates must be after `after`) and
	// robust to a gap that pushes a late slot past midnight.
	for i := -1; i <= slotHorizonDays && len(out) < n; i++ {
		day := base.AddDate(0, 0, i)
		if !onDay[day.Weekday()] {
			continue
		}
		dk, wk, mk := slotKeys(day)
		if perDay[dk] >= q.DailyLimit || perWeek[wk] >= q.WeeklyLimit || perMonth[mk] >= q.MonthlyLimit {
			continue
		}
		dy, dm, dd := day.Date()
		cands = cands[:0]
		for _, s := range slots {
			t := wallInstant(dy, dm, dd, s.h, s.m, loc)
			if !t.After(after) {
				continue
			}
			if _, ok := used[t.Unix()]; ok {
				continue
			}
			cands = append(cands, t.Unix())
		}
		// A slot moved out of a gap may come after a later slot, or on it.
		slices.Sort(cands)
		cands = slices.Compact(cands)
		for _, u := range cands {
			if len(out) == n || perDay[dk] >= q.DailyLimit || perWeek[wk] >= q.WeeklyLimit || perMonth[mk] >= q.MonthlyLimit {
				break
			}
			out = append(out, time.Unix(u, 0).UTC())
			used[u] = struct{}{}
			perDay[dk]++
			perWeek[wk]++
			perMonth[mk]++
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	if len(out) < n {
		return out, fmt.Errorf("next slots: only %d of %d publish slots fit in the next %d days", len(out), n, slotHorizonDays)
	}
	return out, nil
}

// slotKeys are the day (yyyymmdd), ISO week (yyyyww) and month (yyyymm) keys
// of t's wall-clock date in t's own location.
func slotKeys(t time.Time) (day, week, month int) {
	y, m, d := t.Date()
	wy, w := t.ISOWeek()
	return y*10000 + int(m)*100 + d, wy*100 + w, y*100 + int(m)
}

// wallInstant is the instant at which the wall clock in loc reads
// y-m-d h:mi:00. In a spring-forward gap it is the wall time moved forward by
// the gap (the zone's offset before the gap applied); when the wall time
// happens twice it is the first occurrence. See NextSlots.
func wallInstant(y int, mo time.Month, d, h, mi int, loc *time.Location) time.Time {
	g := time.Date(y, mo, d, h, mi, 0, 0, loc)
	// Fast path: the wall clock reads as asked and no transition is near
	// enough for another reading (offsets differ by at most ~26h).
	const margin = 26 * time.Hour
	if g.Hour() == h && g.Minute() == mi {
		start, end := g.ZoneBounds()
		if (start.IsZero() || g.Sub(start) > margin) && (end.IsZero() || end.Sub(g) > margin) {
			return g
		}
	}

	// Slow path: list the zone periods covering every instant that could
	// read as this wall time, and solve instant + offset = wall in each.
	wall := time.Date(y, mo, d, h, mi, 0, 0, time.UTC).Unix()
	const window = 27 * 3600
	type period struct {
		start, end int64 // [start, end), unbounded as MinInt64/MaxInt64
		off        int64
	}
	var ps []period
	t := time.Unix(wall-window, 0).In(loc)
	for {
		_, off := t.Zone()
		s, e := t.ZoneBounds()
		p := period{start: math.MinInt64, end: math.MaxInt64, off: int64(off)}
		if !s.IsZero() {
			p.start = s.Unix()
		}
		if !e.IsZero() {
			p.end = e.Unix()
		}
		ps = append(ps, p)
		if e.IsZero() || p.end > wall+window || p.end <= t.Unix() {
			break
		}
		t = e.In(loc)
	}
	best := int64(math.MaxInt64)
	for _, p := range ps {
		if c := wall - p.off; c >= p.start && c < p.end && c < best {
			best = c
		}
	}
	if best != math.MaxInt64 {
		return time.Unix(best, 0).In(loc)
	}
	// No instant reads this way: a gap at the start of some period.
	for i := 1; i < len(ps); i++ {
		tr, before, after := ps[i].start, ps[i-1].off, ps[i].off
		if tr+before <= wall && wall < tr+after {
			return time.Unix(wall-before, 0).In(loc)
		}
	}
	return g // unreachable with consistent zone data
}
