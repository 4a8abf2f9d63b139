package domain

import (
	"errors"
	"testing"
	"time"
)

func TestAutomationConfigValidate(t *testing.T) {
	ok := DefaultAutomationConfig()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		edit  func(*AutomationConfig)
		field string
	}{
		{"batch 0", func(c *AutomationConfig) { c.Stage1BatchSize = 0 }, "stage_1_batch_size"},
		{"content batch 11", func(c *AutomationConfig) { c.Stage4BatchSize = 11 }, "stage_4_batch_size"},
		{"negative credits", func(c *AutomationConfig) { c.MaxCreditsPerRun = -1 }, "max_credits_per_run"},
		{"enabled without schedule", func(c *AutomationConfig) { c.Enabled = true }, "schedule.frequency"},
		{"bad time", func(c *AutomationConfig) { c.Schedule = Schedule{Frequency: "daily", Time: "25:00"} }, "schedule.time"},
		{"weekly without day", func(c *AutomationConfig) { c.Schedule = Schedule{Frequency: "weekly", Time: "09:00"} }, "schedule.weekday"},
		{"hourly", func(c *AutomationConfig) { c.Schedule = Schedule{Frequency: "hourly", Time: "09:00"} }, "schedule.frequency"},
	}
	for _, tc := range cases {
		c := DefaultAutomationConfig()
		tc.edit(&c)
		var ve *ValidationError
		if err := c.Validate(); !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: got %v, want an error on %s", tc.name, err, tc.field)
		}
	}
}

func TestScheduleNextRun(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	cases := []struct {
		name string
		s    Schedule
		from string
		loc  *time.Location
		want string
	}{
		{"later today", Schedule{"daily", "09:30", ""}, "2026-03-10T07:00:00Z", berlin, "2026-03-10T08:30:00Z"},
		{"tomorrow", Schedule{"daily", "09:30", ""}, "2026-03-10T09:00:00Z", berlin, "2026-03-11T08:30:00Z"},
		// Berlin moves to summer time on 2026-03-29: 09:30 local is 07:30Z after it.
		{"across DST", Schedule{"daily", "09:30", ""}, "2026-03-28T09:00:00Z", berlin, "2026-03-29T07:30:00Z"},
		{"ahead of UTC", Schedule{"daily", "02:00", ""}, "2026-03-10T19:00:00Z", kolkata, "2026-03-10T20:30:00Z"},
		{"weekly", Schedule{"weekly", "08:00", "monday"}, "2026-03-10T07:00:00Z", berlin, "2026-03-16T07:00:00Z"},
	}
	for _, tc := range cases {
		from, _ := time.Parse(time.RFC3339, tc.from)
		got := tc.s.NextRun(from, tc.loc)
		if got == nil || got.Format(time.RFC3339) != tc.want {
			t.Errorf("%s: got %v, want %s", tc.name, got, tc.want)
		}
	}
	if (Schedule{}).NextRun(time.Now(), time.UTC) != nil {
		t.Fatal("no schedule, no next run")
	}
}
