package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// slotSettings builds settings from comma-separated days and slots.
func slotSettings(daily, weekly, monthly int, days, slots string) PublishingSettings {
	var d, s []string
	if days != "" {
		d = strings.Split(days, ",")
	}
	if slots != "" {
		s = strings.Split(slots, ",")
	}
	return PublishingSettings{DailyLimit: daily, WeeklyLimit: weekly, MonthlyLimit: monthly, PublishDays: d, TimeSlots: s}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

const allDays = "mon,tue,wed,thu,fri,sat,sun"

func TestNextSlots(t *testing.T) {
	cases := []struct {
		name  string
		p     PublishingSettings
		zone  string
		after string
		taken []string
		n     int
		want  []string // UTC instants, RFC 3339
	}{
		{
			// The issue: 12 items, 09:00 and 14:00 Mon-Fri in New York (EDT,
			// UTC-4), starting Wednesday 2026-06-10 10:00. (Its daily limit
			// of 5 is now refused: two slots publish two a day.)
			name:  "issue case",
			p:     slotSettings(2, 25, 100, "mon,tue,wed,thu,fri", "09:00,14:00"),
			zone:  "America/New_York",
			after: "2026-06-10T10:00:00-04:00",
			n:     12,
			want: []string{
				"2026-06-10T18:00:00Z",                         // Wed 14:00 (09:00 has passed)
				"2026-06-11T13:00:00Z", "2026-06-11T18:00:00Z", // Thu
				"2026-06-12T13:00:00Z", "2026-06-12T18:00:00Z", // Fri; weekend skipped
				"2026-06-15T13:00:00Z", "2026-06-15T18:00:00Z", // Mon
				"2026-06-16T13:00:00Z", "2026-06-16T18:00:00Z", // Tue
				"2026-06-17T13:00:00Z", "2026-06-17T18:00:00Z", // Wed
				"2026-06-18T13:00:00Z", // Thu 09:00
			},
		},
		{
			name:  "daily limit binds",
			p:     slotSettings(2, 14, 60, allDays, "09:00,12:00,15:00"),
			zone:  "UTC",
			after: "2026-06-01T00:00:00Z",
			n:     5,
			want: []string{
				"2026-06-01T09:00:00Z", "2026-06-01T12:00:00Z",
				"2026-06-02T09:00:00Z", "2026-06-02T12:00:00Z",
				"2026-06-03T09:00:00Z",
			},
		},
		{
			name:  "weekly limit binds",
			p:     slotSettings(2, 3, 60, allDays, "09:00,14:00"),
			zone:  "UTC",
			after: "2026-06-01T00:00:00Z", // Monday
			n:     6,
			want: []string{
				"2026-06-01T09:00:00Z", "2026-06-01T14:00:00Z", "2026-06-02T09:00:00Z",
				"2026-06-08T09:00:00Z", "2026-06-08T14:00:00Z", "2026-06-09T09:00:00Z",
			},
		},
		{
			// Weekly 4 and monthly 5: June fills on Mon 29 June, mid-week
			// (the ISO week 29 June - 5 July spans two months), and July
			// resumes on the 1st while that week goes on.
			name:  "monthly limit binds across a month boundary",
			p:     slotSettings(2, 4, 5, allDays, "09:00,14:00"),
			zone:  "UTC",
			after: "2026-06-22T00:00:00Z", // Monday
			n:     11,
			want: []string{
				"2026-06-22T09:00:00Z", "2026-06-22T14:00:00Z", // week 1
				"2026-06-23T09:00:00Z", "2026-06-23T14:00:00Z", // week full
				"2026-06-29T09:00:00Z", // June full (5) although the day allows 2
				"2026-07-01T09:00:00Z", "2026-07-01T14:00:00Z",
				"2026-07-02T09:00:00Z",                         // week full (4)
				"2026-07-06T09:00:00Z", "2026-07-06T14:00:00Z", // July full (5)
				"2026-08-01T09:00:00Z",
			},
		},
		{
			name:  "taken slots are skipped and manual times count",
			p:     slotSettings(2, 100, 1000, allDays, "09:00,14:00"),
			zone:  "UTC",
			after: "2026-06-01T00:00:00Z",
			taken: []string{
				"2026-06-01T09:00:00Z",     // a slot
				"2026-06-02T11:37:00Z",     // a manual time, not a slot: Tue keeps one slot
				"2026-06-04T09:00:00.250Z", // a slot, compared to the second
			},
			n: 5,
			want: []string{
				"2026-06-01T14:00:00Z",
				"2026-06-02T09:00:00Z",
				"2026-06-03T09:00:00Z", "2026-06-03T14:00:00Z",
				"2026-06-04T14:00:00Z",
			},
		},
		{
			name:  "taken manual time counts toward the weekly limit",
			p:     slotSettings(1, 2, 1000, allDays, "09:00"),
			zone:  "UTC",
			after: "2026-06-01T00:00:00Z",
			taken: []string{"2026-06-02T18:00:00Z"},
			n:     3,
			want:  []string{"2026-06-01T09:00:00Z", "2026-06-08T09:00:00Z", "2026-06-09T09:00:00Z"},
		},
		{
			name:  "after equal to a slot is excluded",
			p:     slotSettings(1, 7, 31, allDays, "09:00"),
			zone:  "UTC",
			after: "2026-06-01T09:00:00Z",
			n:     1,
			want:  []string{"2026-06-02T09:00:00Z"},
		},
		{
			name:  "after just before a slot includes it",
			p:     slotSettings(1, 7, 31, allDays, "09:00"),
			zone:  "UTC",
			after: "2026-06-01T08:59:59.999Z",
			n:     1,
			want:  []string{"2026-06-01T09:00:00Z"},
		},
		{
			name:  "after equal to a local slot in New York is excluded",
			p:     slotSettings(2, 14, 60, allDays, "09:00,14:00"),
			zone:  "America/New_York",
			after: "2026-06-10T14:00:00-04:00",
			n:     2,
			want:  []string{"2026-06-11T13:00:00Z", "2026-06-11T18:00:00Z"},
		},
		// --- Daylight saving, New York: 2026-03-08 02:00 EST -> 03:00 EDT.
		{
			// 02:30 does not exist; it moves to 03:30 EDT, the same instant
			// as the 03:30 slot, so that day has two slots, not three.
			name:  "NY spring forward: gap slot moves and merges",
			p:     slotSettings(3, 21, 90, allDays, "01:30,02:30,03:30"),
			zone:  "America/New_York",
			after: "2026-03-08T00:00:00-05:00",
			n:     5,
			want: []string{
				"2026-03-08T06:30:00Z", // 01:30 EST
				"2026-03-08T07:30:00Z", // 02:30 -> 03:30 EDT, merged with 03:30
				"2026-03-09T05:30:00Z", // 01:30 EDT
				"2026-03-09T06:30:00Z", // 02:30 EDT
				"2026-03-09T07:30:00Z", // 03:30 EDT
			},
		},
		{
			// 02:30 -> 03:30 EDT comes after 03:00 EDT: still ascending.
			name:  "NY spring forward: moved slot sorts after a later slot",
			p:     slotSettings(2, 14, 60, allDays, "02:30,03:00"),
			zone:  "America/New_York",
			after: "2026-03-08T00:00:00-05:00",
			n:     4,
			want: []string{
				"2026-03-08T07:00:00Z", // 03:00 EDT
				"2026-03-08T07:30:00Z", // 02:30 -> 03:30 EDT
				"2026-03-09T06:30:00Z", "2026-03-09T07:00:00Z",
			},
		},
		{
			// The moved slot counts on 8 March: with a daily limit of 1 the
			// 23:00 slot that day stays free.
			name:  "NY spring forward: moved slot counts on its local day",
			p:     slotSettings(1, 7, 31, allDays, "02:30,23:00"),
			zone:  "America/New_York",
			after: "2026-03-08T00:00:00-05:00",
			n:     2,
			want:  []string{"2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"},
		},
		// --- New York: 2026-11-01 02:00 EDT -> 01:00 EST; 01:00-01:59 twice.
		{
			name:  "NY fall back: repeated slots used once, first occurrence",
			p:     slotSettings(4, 28, 120, allDays, "00:30,01:00,01:30,02:00"),
			zone:  "America/New_York",
			after: "2026-10-31T12:00:00-04:00",
			n:     5,
			want: []string{
				"2026-11-01T04:30:00Z", // 00:30 EDT
				"2026-11-01T05:00:00Z", // 01:00 EDT (not 06:00Z EST)
				"2026-11-01T05:30:00Z", // 01:30 EDT (not 06:30Z EST)
				"2026-11-01T07:00:00Z", // 02:00 EST
				"2026-11-02T05:30:00Z", // 00:30 EST next day
			},
		},
		{
			// After the first 01:30 (EDT) but before the second (EST): the
			// second occurrence is not offered.
			name:  "NY fall back: second occurrence never used",
			p:     slotSettings(2, 14, 60, allDays, "01:30,02:00"),
			zone:  "America/New_York",
			after: "2026-11-01T05:45:00Z",
			n:     2,
			want:  []string{"2026-11-01T07:00:00Z", "2026-11-02T06:30:00Z"},
		},
		// --- Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST.
		{
			name:  "London spring forward",
			p:     slotSettings(3, 21, 90, allDays, "00:30,01:30,02:30"),
			zone:  "Europe/London",
			after: "2026-03-28T12:00:00Z",
			n:     4,
			want: []string{
				"2026-03-29T00:30:00Z", // 00:30 GMT
				"2026-03-29T01:30:00Z", // 01:30 -> 02:30 BST, merged with 02:30
				"2026-03-29T23:30:00Z", // 00:30 BST on 30 March
				"2026-03-30T00:30:00Z", // 01:30 BST
			},
		},
		{
			// 2026-10-25 02:00 BST -> 01:00 GMT. time.Date would pick GMT
			// here; the first occurrence is BST.
			name:  "London fall back: first occurrence",
			p:     slotSettings(1, 7, 31, allDays, "01:30"),
			zone:  "Europe/London",
			after: "2026-10-24T12:00:00Z",
			n:     2,
			want:  []string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		},
		// --- Zones ahead of UTC.
		{
			// 02:00 IST is 20:30 UTC the day before. Daily limit 1 is per
			// Kolkata day: 14:30Z and 20:30Z on 9 June UTC are 9 and 10 June
			// locally, so both are allowed.
			name:  "Kolkata counts the local day",
			p:     slotSettings(1, 7, 31, allDays, "02:00,20:00"),
			zone:  "Asia/Kolkata",
			after: "2026-06-09T00:00:00Z", // 05:30 IST 9 June
			n:     3,
			want: []string{
				"2026-06-09T14:30:00Z", // 9 June 20:00 IST
				"2026-06-09T20:30:00Z", // 10 June 02:00 IST
				"2026-06-10T20:30:00Z", // 11 June 02:00 IST
			},
		},
		{
			// The taken item at 19:00Z on 10 June is 00:30 IST on 11 June:
			// it fills 11 June, not 10 June.
			name:  "Kolkata counts taken on the local day",
			p:     slotSettings(1, 7, 31, allDays, "02:00,20:00"),
			zone:  "Asia/Kolkata",
			after: "2026-06-09T00:00:00Z",
			taken: []string{"2026-06-10T19:00:00Z"},
			n:     3,
			want: []string{
				"2026-06-09T14:30:00Z", // 9 June
				"2026-06-09T20:30:00Z", // 10 June
				"2026-06-11T20:30:00Z", // 12 June (11 June is full)
			},
		},
		{
			// NZDT is UTC+13: local Monday 08:00 is Sunday 19:00 UTC.
			name:  "Auckland publish day is the local weekday",
			p:     slotSettings(1, 1, 5, "mon", "08:00"),
			zone:  "Pacific/Auckland",
			after: "2026-12-01T00:00:00Z",
			n:     3,
			want:  []string{"2026-12-06T19:00:00Z", "2026-12-13T19:00:00Z", "2026-12-20T19:00:00Z"},
		},
		{
			// Weekly limit 2 per local ISO week (Mon 7 - Sun 13 Dec NZDT);
			// by UTC weeks 6 Dec 19:00Z would fall in the week before.
			name:  "Auckland counts the local ISO week",
			p:     slotSettings(1, 2, 31, allDays, "08:00"),
			zone:  "Pacific/Auckland",
			after: "2026-12-06T00:00:00Z", // Sunday 13:00 NZDT
			n:     3,
			want:  []string{"2026-12-06T19:00:00Z", "2026-12-07T19:00:00Z", "2026-12-13T19:00:00Z"},
		},
		{
			// Monthly limit 2 with one December item taken. 31 Dec 23:30
			// NZDT (10:30Z) fills December; 1 Jan 00:30 NZDT is 11:30Z on
			// 31 Dec UTC but in January locally, so it is allowed (and
			// fills the week of 28 Dec); 4 Jan 00:30 NZDT fills January.
			name:  "Auckland counts the local month",
			p:     slotSettings(1, 2, 2, allDays, "00:30,23:30"),
			zone:  "Pacific/Auckland",
			after: "2026-12-31T00:00:00Z", // 13:00 NZDT 31 Dec
			taken: []string{"2026-12-01T00:00:00Z"},
			n:     3,
			want:  []string{"2026-12-31T10:30:00Z", "2026-12-31T11:30:00Z", "2027-01-03T11:30:00Z"},
		},
		{
			// 2026-04-05 03:00 NZDT -> 02:00 NZST: 02:30 first at NZDT.
			name:  "Auckland fall back (April)",
			p:     slotSettings(1, 7, 31, allDays, "02:30"),
			zone:  "Pacific/Auckland",
			after: "2026-04-04T00:00:00Z",
			n:     2,
			want:  []string{"2026-04-04T13:30:00Z", "2026-04-05T14:30:00Z"},
		},
		{
			// 2026-09-27 02:00 NZST -> 03:00 NZDT: 02:30 -> 03:30 NZDT.
			name:  "Auckland spring forward (September)",
			p:     slotSettings(1, 7, 31, allDays, "02:30"),
			zone:  "Pacific/Auckland",
			after: "2026-09-26T00:00:00Z",
			n:     2,
			want:  []string{"2026-09-26T14:30:00Z", "2026-09-27T13:30:00Z"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.p.Validate(); err != nil {
				t.Fatalf("test settings invalid: %v", err)
			}
			loc := mustZone(t, tc.zone)
			after := mustTime(t, tc.after)
			var taken []time.Time
			for _, s := range tc.taken {
				taken = append(taken, mustTime(t, s))
			}
			got, err := NextSlots(tc.p, loc, after, taken, tc.n)
			if err != nil {
				t.Fatalf("NextSlots: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d instants %v, want %d %v", len(got), got, len(tc.want), tc.want)
			}
			for i, g := range got {
				if w := mustTime(t, tc.want[i]); !g.Equal(w) || g.Location() != time.UTC {
					t.Errorf("[%d] got %s (%s local), want %s", i, g.Format(time.RFC3339), g.In(loc), w.Format(time.RFC3339))
				}
			}
			checkSlotInvariants(t, tc.p, loc, after, taken, got)
		})
	}
}

// checkSlotInvariants re-checks the contract on any result: ascending, after
// `after`, whole seconds, not taken, on a publish day, within the limits.
func checkSlotInvariants(t *testing.T, p PublishingSettings, loc *time.Location, after time.Time, taken, got []time.Time) {
	t.Helper()
	day, week, month := map[string]int{}, map[string]int{}, map[string]int{}
	count := func(x time.Time) {
		l := x.In(loc)
		y, w := l.ISOWeek()
		day[SlotDay(x, loc)]++
		week[fmt.Sprintf("%d-W%02d", y, w)]++
		month[l.Format("2006-01")]++
	}
	for _, x := range taken {
		count(x)
	}
	for i, g := range got {
		if !g.After(after) || g.Nanosecond() != 0 {
			t.Errorf("%s: not strictly after %s or not whole seconds", g, after)
		}
		if i > 0 && !got[i-1].Before(g) {
			t.Errorf("not strictly ascending at %d: %s, %s", i, got[i-1], g)
		}
		for _, x := range taken {
			if x.Truncate(time.Second).Equal(g) {
				t.Errorf("%s reuses a taken instant", g)
			}
		}
		if !slices.Contains(p.Normalized().PublishDays, strings.ToLower(g.In(loc).Weekday().String()[:3])) {
			t.Errorf("%s is on %s locally, not a publish day", g, g.In(loc).Weekday())
		}
		count(g)
	}
	for k, v := range day {
		if v > p.DailyLimit {
			t.Errorf("day %s holds %d > %d", k, v, p.DailyLimit)
		}
	}
	for k, v := range week {
		if v > p.WeeklyLimit {
			t.Errorf("week %s holds %d > %d", k, v, p.WeeklyLimit)
		}
	}
	for k, v := range month {
		if v > p.MonthlyLimit {
			t.Errorf("month %s holds %d > %d", k, v, p.MonthlyLimit)
		}
	}
}

func TestNextSlotsEdges(t *testing.T) {
	p := slotSettings(1, 1, 1, allDays, "09:00")
	after := mustTime(t, "2026-01-01T00:00:00Z")

	for _, n := range []int{0, -3} {
		got, err := NextSlots(p, time.UTC, after, nil, n)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("n=%d: got %v, %v; want empty, nil", n, got, err)
		}
	}

	// Monthly limit 1: about 37 months fit in the ~3-year horizon, not 100.
	got, err := NextSlots(p, time.UTC, after, nil, 100)
	if err == nil {
		t.Fatalf("want an error when fewer than n fit")
	}
	if len(got) != 37 || !got[0].Equal(mustTime(t, "2026-01-01T09:00:00Z")) || !got[36].Equal(mustTime(t, "2029-01-01T09:00:00Z")) {
		t.Fatalf("got %d instants (%v .. %v), want 37 from 2026-01-01 to 2029-01-01", len(got), got[0], got[len(got)-1])
	}
	checkSlotInvariants(t, p, time.UTC, after, nil, got)

	// Invalid settings are refused, not searched.
	var ve *ValidationError
	if _, err := NextSlots(slotSettings(0, 7, 31, allDays, "09:00"), time.UTC, after, nil, 1); !errors.As(err, &ve) || ve.Field != "daily_limit" {
		t.Errorf("invalid settings: got %v, want a daily_limit ValidationError", err)
	}
	if _, err := NextSlots(p, nil, after, nil, 1); err == nil {
		t.Errorf("nil location: want an error")
	}

	// Settings are normalized: messy input works like clean input.
	messy := PublishingSettings{DailyLimit: 2, WeeklyLimit: 10, MonthlyLimit: 40,
		PublishDays: []string{" WED "}, TimeSlots: []string{"14:00", " 09:00"}}
	got, err = NextSlots(messy, time.UTC, mustTime(t, "2026-06-01T00:00:00Z"), nil, 2)
	if err != nil || len(got) != 2 || !got[0].Equal(mustTime(t, "2026-06-03T09:00:00Z")) || !got[1].Equal(mustTime(t, "2026-06-03T14:00:00Z")) {
		t.Errorf("messy settings: got %v, %v", got, err)
	}
}

// TestWallInstant pins the daylight-saving resolution, including a zone with
// a 30-minute change (Lord Howe) and cases where time.Date picks differently.
func TestWallInstant(t *testing.T) {
	cases := []struct {
		zone             string
		y, mo, d, h, min int
		want             string
	}{
		{"America/New_York", 2026, 3, 8, 2, 0, "2026-03-08T07:00:00Z"},  // gap start -> 03:00 EDT (time.Date: 01:00 EST)
		{"America/New_York", 2026, 3, 8, 2, 30, "2026-03-08T07:30:00Z"}, // -> 03:30 EDT (time.Date: 01:30 EST)
		{"America/New_York", 2026, 3, 8, 1, 59, "2026-03-08T06:59:00Z"}, // just before the gap, EST
		{"America/New_York", 2026, 3, 8, 3, 0, "2026-03-08T07:00:00Z"},  // just after the gap, EDT
		{"America/New_York", 2026, 11, 1, 1, 0, "2026-11-01T05:00:00Z"}, // twice: EDT
		{"America/New_York", 2026, 11, 1, 1, 59, "2026-11-01T05:59:00Z"},
		{"America/New_York", 2026, 11, 1, 0, 59, "2026-11-01T04:59:00Z"},
		{"America/New_York", 2026, 11, 1, 2, 0, "2026-11-01T07:00:00Z"},
		{"Europe/London", 2026, 3, 29, 1, 30, "2026-03-29T01:30:00Z"},       // -> 02:30 BST
		{"Europe/London", 2026, 10, 25, 1, 30, "2026-10-25T00:30:00Z"},      // twice: BST (time.Date: GMT)
		{"Pacific/Auckland", 2026, 4, 5, 2, 30, "2026-04-04T13:30:00Z"},     // twice: NZDT (time.Date: NZST)
		{"Pacific/Auckland", 2026, 9, 27, 2, 30, "2026-09-26T14:30:00Z"},    // -> 03:30 NZDT
		{"Australia/Lord_Howe", 2026, 10, 4, 2, 15, "2026-10-03T15:45:00Z"}, // 30-min gap -> 02:45 +11
		{"Australia/Lord_Howe", 2026, 4, 5, 1, 45, "2026-04-04T14:45:00Z"},  // twice: +11 first
		{"Asia/Kolkata", 2026, 6, 10, 2, 0, "2026-06-09T20:30:00Z"},
		{"UTC", 2026, 6, 10, 2, 0, "2026-06-10T02:00:00Z"},
	}
	for _, tc := range cases {
		got := wallInstant(tc.y, time.Month(tc.mo), tc.d, tc.h, tc.min, mustZone(t, tc.zone))
		if w := mustTime(t, tc.want); !got.Equal(w) {
			t.Errorf("%s %d-%02d-%02d %02d:%02d: got %s (%s), want %s", tc.zone, tc.y, tc.mo, tc.d, tc.h, tc.min,
				got.UTC().Format(time.RFC3339), got, tc.want)
		}
	}
}

func TestPublishingSettingsValidate(t *testing.T) {
	ok := func() PublishingSettings {
		return slotSettings(3, 15, 60, "mon,tue,wed,thu,fri", "09:00,14:00,18:00")
	}
	with := func(f func(*PublishingSettings)) PublishingSettings {
		p := ok()
		f(&p)
		return p
	}
	many := func(n int) []string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprintf("%02d:%02d", i%24, i/24))
		}
		return s
	}
	cases := []struct {
		name  string
		p     PublishingSettings
		field string // "" means valid
		msg   string // substring of the message, when set
	}{
		{"ok", ok(), "", ""},
		{"defaults", DefaultPublishingSettings("Europe/Berlin"), "", ""},
		{"defaults without zone", DefaultPublishingSettings(""), "", ""},
		{"bounds ok", with(func(p *PublishingSettings) {
			p.DailyLimit, p.WeeklyLimit, p.MonthlyLimit = 24, 1000, 1000
			p.PublishDays = strings.Split(allDays, ",")
			p.TimeSlots = many(24)
		}), "", ""},
		{"all equal to 1", with(func(p *PublishingSettings) { p.DailyLimit, p.WeeklyLimit, p.MonthlyLimit = 1, 1, 1 }), "", ""},
		{"messy but valid", with(func(p *PublishingSettings) {
			p.PublishDays = []string{" FRI", "mon "}
			p.TimeSlots = []string{" 18:00", "09:00 ", "12:00"}
			p.TimeZone = " Asia/Kolkata "
		}), "", ""},
		{"zone UTC", with(func(p *PublishingSettings) { p.TimeZone = "UTC" }), "", ""},

		{"daily zero", with(func(p *PublishingSettings) { p.DailyLimit = 0 }), "daily_limit", "must be between 1 and 1000"},
		{"daily negative", with(func(p *PublishingSettings) { p.DailyLimit = -1 }), "daily_limit", "must be between 1 and 1000"},
		{"daily too big", with(func(p *PublishingSettings) { p.DailyLimit = 1001 }), "daily_limit", "must be between 1 and 1000"},
		{"weekly zero", with(func(p *PublishingSettings) { p.WeeklyLimit = 0 }), "weekly_limit", "must be between 1 and 1000"},
		{"weekly too big", with(func(p *PublishingSettings) { p.WeeklyLimit = 1001 }), "weekly_limit", "must be between 1 and 1000"},
		{"monthly zero", with(func(p *PublishingSettings) { p.MonthlyLimit = 0 }), "monthly_limit", "must be between 1 and 1000"},
		{"monthly too big", with(func(p *PublishingSettings) { p.MonthlyLimit = 1001 }), "monthly_limit", "must be between 1 and 1000"},
		{"daily over weekly", with(func(p *PublishingSettings) { p.DailyLimit, p.WeeklyLimit = 7, 5 }), "daily_limit", "daily_limit (7) cannot exceed weekly_limit (5)"},
		// Slots do not repeat within a day: a daily limit above their number
		// could never be reached, so it is refused, naming both fields.
		{"daily over slots", with(func(p *PublishingSettings) { p.DailyLimit, p.TimeSlots = 3, []string{"09:00", "14:00"} }), "daily_limit",
			"daily_limit (3) can never be reached with 2 time_slots"},
		{"daily equal to slots", with(func(p *PublishingSettings) { p.DailyLimit, p.TimeSlots = 2, []string{"09:00", "14:00"} }), "", ""},
		{"weekly over monthly", with(func(p *PublishingSettings) { p.WeeklyLimit, p.MonthlyLimit = 20, 10 }), "weekly_limit", "weekly_limit (20) cannot exceed monthly_limit (10)"},

		{"no days", with(func(p *PublishingSettings) { p.PublishDays = nil }), "publish_days", "between 1 and 7"},
		{"too many days", with(func(p *PublishingSettings) { p.PublishDays = strings.Split(allDays+",mon", ",") }), "publish_days", "between 1 and 7"},
		{"bad day", with(func(p *PublishingSettings) { p.PublishDays = []string{"mon", "Funday"} }), "publish_days", `"funday" is not a valid day: use mon, tue, wed, thu, fri, sat, sun`},
		{"full day name", with(func(p *PublishingSettings) { p.PublishDays = []string{"monday"} }), "publish_days", `"monday"`},
		{"duplicate day", with(func(p *PublishingSettings) { p.PublishDays = []string{"Mon", "tue", " mon"} }), "publish_days", `"mon" is listed more than once`},

		{"no slots", with(func(p *PublishingSettings) { p.TimeSlots = []string{} }), "time_slots", "between 1 and 24"},
		{"too many slots", with(func(p *PublishingSettings) { p.TimeSlots = many(25) }), "time_slots", "between 1 and 24"},
		{"slot one-digit hour", with(func(p *PublishingSettings) { p.TimeSlots = []string{"9:00"} }), "time_slots", `"9:00"`},
		{"slot hour 24", with(func(p *PublishingSettings) { p.TimeSlots = []string{"24:00"} }), "time_slots", `"24:00"`},
		{"slot minute 60", with(func(p *PublishingSettings) { p.TimeSlots = []string{"12:60"} }), "time_slots", `"12:60"`},
		{"slot separator", with(func(p *PublishingSettings) { p.TimeSlots = []string{"12-30"} }), "time_slots", `"12-30"`},
		{"slot seconds", with(func(p *PublishingSettings) { p.TimeSlots = []string{"12:30:00"} }), "time_slots", `"12:30:00"`},
		{"slot am/pm", with(func(p *PublishingSettings) { p.TimeSlots = []string{"9am"} }), "time_slots", `"9am"`},
		{"slot non-digit", with(func(p *PublishingSettings) { p.TimeSlots = []string{"1a:00"} }), "time_slots", `"1a:00"`},
		{"duplicate slot", with(func(p *PublishingSettings) { p.TimeSlots = []string{"09:00", "14:00", " 09:00"} }), "time_slots", `"09:00" is listed more than once`},

		{"unknown zone", with(func(p *PublishingSettings) { p.TimeZone = "Mars/Olympus" }), "time_zone", `"Mars/Olympus"`},
		{"local zone", with(func(p *PublishingSettings) { p.TimeZone = "Local" }), "time_zone", "Local"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("want error on %s, got %v", tc.field, err)
			}
			if !strings.Contains(ve.Message, tc.msg) {
				t.Fatalf("message %q does not contain %q", ve.Message, tc.msg)
			}
		})
	}
}

func TestPublishingSettingsNormalized(t *testing.T) {
	in := PublishingSettings{
		DailyLimit: 2, WeeklyLimit: 10, MonthlyLimit: 40,
		PublishDays: []string{" Sun", "WED", "xyz", "mon", "tue "},
		TimeSlots:   []string{"18:00", " 09:00", "14:00"},
		TimeZone:    "  Asia/Kolkata ",
	}
	got := in.Normalized()
	if want := []string{"mon", "tue", "wed", "sun", "xyz"}; !slices.Equal(got.PublishDays, want) {
		t.Errorf("days %q, want %q", got.PublishDays, want)
	}
	if want := []string{"09:00", "14:00", "18:00"}; !slices.Equal(got.TimeSlots, want) {
		t.Errorf("slots %q, want %q", got.TimeSlots, want)
	}
	if got.TimeZone != "Asia/Kolkata" || got.DailyLimit != 2 || got.WeeklyLimit != 10 || got.MonthlyLimit != 40 {
		t.Errorf("got %+v", got)
	}
	// Pure: the input is untouched.
	if in.PublishDays[0] != " Sun" || in.TimeSlots[0] != "18:00" || in.TimeZone != "  Asia/Kolkata " {
		t.Errorf("input modified: %+v", in)
	}
	if n := (PublishingSettings{}).Normalized(); n.PublishDays != nil || n.TimeSlots != nil {
		t.Errorf("nil slices should stay nil: %+v", n)
	}
}

func TestLoadZone(t *testing.T) {
	for _, name := range []string{"America/New_York", " Europe/London ", "UTC", "Pacific/Auckland"} {
		loc, err := LoadZone(name)
		if err != nil || loc.String() != strings.TrimSpace(name) {
			t.Errorf("%q: got %v, %v", name, loc, err)
		}
	}
	for _, name := range []string{"", "  ", "Local", "Mars/Olympus", "../etc/passwd"} {
		var ve *ValidationError
		if _, err := LoadZone(name); !errors.As(err, &ve) || ve.Field != "time_zone" {
			t.Errorf("%q: want a time_zone ValidationError, got %v", name, err)
		}
	}
}

func TestSlotDay(t *testing.T) {
	x := mustTime(t, "2026-06-09T20:30:00Z")
	cases := []struct{ zone, want string }{
		{"UTC", "2026-06-09"},
		{"Asia/Kolkata", "2026-06-10"},
		{"America/New_York", "2026-06-09"},
		{"Pacific/Auckland", "2026-06-10"},
		{"Pacific/Honolulu", "2026-06-09"},
	}
	for _, tc := range cases {
		if got := SlotDay(x, mustZone(t, tc.zone)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.zone, got, tc.want)
		}
	}
}

// BenchmarkNextSlots is the worst case: 24 slots a day, limits that make the
// search run the whole ~3-year horizon, in a zone with daylight saving.
func BenchmarkNextSlots(b *testing.B) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	var slots []string
	for h := range 24 {
		slots = append(slots, fmt.Sprintf("%02d:00", h))
	}
	p := PublishingSettings{DailyLimit: 1000, WeeklyLimit: 1000, MonthlyLimit: 1000, PublishDays: strings.Split(allDays, ","), TimeSlots: slots}
	after := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		// 1099 days from 1 Jan 2026 plus 4 slots on 31 Dec 2025 local, less
		// the three spring-forward 02:00 slots that merge with 03:00.
		if got, _ := NextSlots(p, loc, after, nil, 1<<20); len(got) != 26377 {
			b.Fatalf("got %d", len(got))
		}
	}
}
