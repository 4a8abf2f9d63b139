package local

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// call sends a request as key that must answer status, and decodes the
// answer into out unless it is nil.
func (s *testStack) call(t testing.TB, key string, status int, method, path string, body, out any) {
	t.Helper()
	r := s.c.Do(method, path, body, auth(key)...)
	if r.Status != status {
		t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
	}
	if out != nil {
		r.JSON(t, out)
	}
}

func (s *testStack) startRun(t testing.TB, key, site string) domain.AutomationRun {
	t.Helper()
	var run domain.AutomationRun
	s.call(t, key, http.StatusCreated, "POST", "/v1/sites/"+site+"/automation/runs", nil, &run)
	return run
}

// configure changes the site's automation config and saves it, answering
// what was saved.
func (s *testStack) configure(t testing.TB, key, site string, change func(*domain.AutomationConfig)) domain.AutomationConfig {
	t.Helper()
	var cfg, saved domain.AutomationConfig
	s.call(t, key, http.StatusOK, "GET", "/v1/sites/"+site+"/automation/config", nil, &cfg)
	cfg.NextRunAt = nil // computed from the schedule; a PUT must leave it out
	change(&cfg)
	s.call(t, key, http.StatusOK, "PUT", "/v1/sites/"+site+"/automation/config", cfg, &saved)
	return saved
}

func (s *testStack) waitRun(t testing.TB, key, site, id string, until func(domain.AutomationRun) bool) domain.AutomationRun {
	t.Helper()
	return s.waitRunWithin(t, key, site, id, until, 90*time.Second)
}

func (s *testStack) waitRunWithin(t testing.TB, key, site, id string, until func(domain.AutomationRun) bool, limit time.Duration) domain.AutomationRun {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var run domain.AutomationRun
		s.c.Do("GET", "/v1/sites/"+site+"/automation/runs/"+id, nil, auth(key)...).JSON(t, &run)
		if until(run) {
			return run
		}
		if !run.Active() && !until(run) {
			t.Fatalf("run %s ended %s before the condition held: %+v", id, run.Status, run)
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s: still %s at stage %d after %s", id, run.Status, run.CurrentStage, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ended(r domain.AutomationRun) bool { return !r.Active() }

func TestIntegrationAutomationRunEndToEnd(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	acctID, key, site, _ := s.topicSite(t, 20000)
	// Clustering in batches of 50 makes 5 to 7 clusters, depending on which
	// keywords share a batch (IDs made in the same millisecond sort in any
	// order), so the ideas may outnumber the default 20 articles per run:
	// let this run write them all, so that the second one finds nothing.
	s.configure(t, key, site, func(c *domain.AutomationConfig) { c.MaxContentPerRun, c.MaxImagesPerRun = 100, 500 })
	if r := s.c.Do("PATCH", "/v1/sites/"+site+"/publishing-settings", map[string]any{"auto_approval_enabled": true, "auto_publish_enabled": true}, auth(key)...); r.Status != 200 {
		t.Fatalf("settings: %d %s", r.Status, r.Body)
	}
	var est struct {
		Total      int64 `json:"total_credits"`
		Required   int64 `json:"required_credits"`
		Sufficient bool  `json:"sufficient"`
	}
	s.c.Do("GET", "/v1/sites/"+site+"/automation/estimate", nil, auth(key)...).JSON(t, &est)
	if est.Total <= 0 || est.Required < est.Total || !est.Sufficient {
		t.Fatalf("estimate %+v", est)
	}
	before, _ := s.Deps.Store.GetAccount(ctx, acctID)
	run := s.startRun(t, key, site)
	if r := s.c.Do("POST", "/v1/sites/"+site+"/automation/runs", nil, auth(key)...); r.Status != http.StatusConflict {
		t.Fatalf("second start while one runs: %d %s", r.Status, r.Body)
	}
	run = s.waitRun(t, key, site, run.ID, ended)
	if run.Status != domain.RunCompleted {
		t.Fatalf("run ended %s: %+v", run.Status, run)
	}
	var stageSum int64
	for _, st := range run.Stages {
		stageSum += st.CreditsUsed
		t.Logf("stage %d %-16s %-9s total %3d processed %3d failed %d credits %d", st.Stage, st.Name, st.Status, st.Total, st.Processed, st.Failed, st.CreditsUsed)
	}
	usage := listAll[domain.UsageLog](t, s, key, "/v1/account/usage/logs")
	var usageSum int64
	for _, u := range usage {
		if u.OperationID == run.ID {
			usageSum += u.CreditsUsed
		}
	}
	after, _ := s.Deps.Store.GetAccount(ctx, acctID)
	if stageSum != run.TotalCreditsUsed || usageSum != run.TotalCreditsUsed || after.Settled-before.Settled != run.TotalCreditsUsed || run.TotalCreditsUsed == 0 {
		t.Fatalf("stages %d, run %d, usage %d, ledger %d", stageSum, run.TotalCreditsUsed, usageSum, after.Settled-before.Settled)
	}
	if after.Reserved != 0 {
		t.Fatalf("holds left open: %d reserved", after.Reserved)
	}
	checkInfraCost(t, s, key, site, run)
	content := listAll[domain.Content](t, s, key, "/v1/sites/"+site+"/content")
	images := listAll[domain.Image](t, s, key, "/v1/sites/"+site+"/images")
	perContent := map[string]int{}
	for _, img := range images {
		if img.Status == domain.ImageGenerated {
			perContent[img.ContentID]++
		}
	}
	if len(content) == 0 {
		t.Fatal("no content")
	}
	// Stage 7 approved everything and, with auto-publish on, gave each
	// article its own future slot (seed issue 17).
	slots := map[time.Time]bool{}
	for _, c := range content {
		if c.Status != domain.ContentApproved || perContent[c.ID] == 0 {
			t.Fatalf("content %s: status %s, %d images", c.ID, c.Status, perContent[c.ID])
		}
		if c.SiteStatus != domain.SiteScheduled || c.ScheduledPublishAt == nil || !c.ScheduledPublishAt.After(before.CreatedAt) || slots[*c.ScheduledPublishAt] {
			t.Fatalf("content %s after stage 7: %s at %v", c.ID, c.SiteStatus, c.ScheduledPublishAt)
		}
		slots[*c.ScheduledPublishAt] = true
	}
	var stats domain.SiteStats
	s.c.Do("GET", "/v1/sites/"+site+"/stats", nil, auth(key)...).JSON(t, &stats)
	if stats.Scheduled != int64(len(content)) {
		t.Fatalf("stats: %d scheduled, %d articles", stats.Scheduled, len(content))
	}
	t.Logf("%d articles, %d images, %d credits", len(content), len(images), run.TotalCreditsUsed)
	// The lock is free: a new run can start (and, with nothing waiting, skips every stage).
	next := s.waitRun(t, key, site, s.startRun(t, key, site).ID, ended)
	if next.Status != domain.RunCompleted || next.TotalCreditsUsed != 0 {
		t.Fatalf("second run %+v", next)
	}
	runs := listAll[domain.AutomationRun](t, s, key, "/v1/sites/"+site+"/automation/runs")
	if len(runs) != 2 || runs[0].ID != next.ID || runs[1].ID != run.ID {
		t.Fatalf("run history: %d runs %+v", len(runs), runs)
	}
}

// Pause takes effect at a batch boundary; resume finishes the run with
// nothing done twice. Cancel ends the run, leaves no hold and frees the lock.
func TestIntegrationAutomationPauseResumeCancel(t *testing.T) {
	s := newTestStack(t, offline.WithLatency(30*time.Millisecond))
	ctx := context.Background()
	acctID, key, site, _ := s.topicSite(t, 20000)
	s.configure(t, key, site, func(c *domain.AutomationConfig) { c.Stage1BatchSize = 10 }) // six clustering batches
	run := s.startRun(t, key, site)
	s.waitRun(t, key, site, run.ID, func(r domain.AutomationRun) bool { return r.Stages[0].Processed >= 10 })
	if r := s.c.Do("POST", "/v1/sites/"+site+"/automation/runs/"+run.ID+"/pause", nil, auth(key)...); r.Status != 200 {
		t.Fatalf("pause: %d %s", r.Status, r.Body)
	}
	// The batch in flight finishes and the next one parks at the gate; with
	// a concurrency of 1 nothing else can be running then.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n, err := s.Deps.Store.ParkedTokens(ctx, acctID, site, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no batch parked within 30 s of the pause")
		}
	}
	var paused, later domain.AutomationRun
	s.c.Do("GET", "/v1/sites/"+site+"/automation/runs/"+run.ID, nil, auth(key)...).JSON(t, &paused)
	time.Sleep(300 * time.Millisecond)
	s.c.Do("GET", "/v1/sites/"+site+"/automation/runs/"+run.ID, nil, auth(key)...).JSON(t, &later)
	if paused.Status != domain.RunPaused || later.Stages[0].Processed != paused.Stages[0].Processed || later.TotalCreditsUsed != paused.TotalCreditsUsed {
		t.Fatalf("work went on while paused: %+v → %+v", paused.Stages[0], later.Stages[0])
	}
	if r := s.c.Do("POST", "/v1/sites/"+site+"/automation/runs/"+run.ID+"/resume", nil, auth(key)...); r.Status != 200 {
		t.Fatalf("resume: %d %s", r.Status, r.Body)
	}
	done := s.waitRun(t, key, site, run.ID, ended)
	if done.Status != domain.RunCompleted || done.Stages[0].Processed != 60 || done.Stages[0].Failed != 0 || done.ResumedAt == nil {
		t.Fatalf("after resume: %+v", done)
	}
	stats, _ := s.Deps.Store.GetStats(ctx, acctID, site)
	if stats.KeywordsMapped != 60 {
		t.Fatalf("keywords mapped %d", stats.KeywordsMapped)
	}

	// Cancel a second run mid-way.
	addMore := []map[string]any{}
	for _, kw := range []string{"trail running gaiters", "trail running vest", "trail running poles", "trail running socks",
		"trail running headlamp", "trail running watch", "trail running shorts", "trail running jacket", "trail running hydration", "trail running nutrition",
		"trail running gloves", "trail running cap"} {
		addMore = append(addMore, map[string]any{"keyword": kw})
	}
	s.c.Do("POST", "/v1/sites/"+site+"/keywords", map[string]any{"keywords": addMore}, auth(key)...)
	s.configure(t, key, site, func(c *domain.AutomationConfig) { c.Stage1BatchSize = 2 })
	run2 := s.startRun(t, key, site)
	s.waitRun(t, key, site, run2.ID, func(r domain.AutomationRun) bool { return r.Stages[0].Processed >= 2 })
	if r := s.c.Do("POST", "/v1/sites/"+site+"/automation/runs/"+run2.ID+"/cancel", nil, auth(key)...); r.Status != 200 {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	cancelled := s.waitRun(t, key, site, run2.ID, ended)
	acct, _ := s.Deps.Store.GetAccount(ctx, acctID)
	if cancelled.Status != domain.RunCancelled || cancelled.Stages[0].Processed >= 12 || acct.Reserved != 0 || cancelled.CancelledAt == nil {
		t.Fatalf("cancelled run %+v, reserved %d", cancelled.Stages[0], acct.Reserved)
	}
	if audit, err := s.Deps.Ledger.Audit(ctx, acctID); err != nil || !audit.OK() || audit.PendingHolds != 0 {
		t.Fatalf("audit %+v %v", audit, err)
	}
	third := s.waitRun(t, key, site, s.startRun(t, key, site).ID, ended) // the lock is free
	if third.Status != domain.RunCompleted {
		t.Fatalf("run after cancel: %+v", third)
	}
}

func TestIntegrationAutomationNeedsCredits(t *testing.T) {
	s := newTestStack(t)
	_, key, site, _ := s.topicSite(t, 5)
	r := s.c.Do("POST", "/v1/sites/"+site+"/automation/runs", nil, auth(key)...)
	if r.Status != http.StatusPaymentRequired {
		t.Fatalf("start with 5 credits: %d %s", r.Status, r.Body)
	}
	var runs struct {
		Total int64 `json:"total"`
	}
	s.c.Do("GET", "/v1/sites/"+site+"/automation/runs", nil, auth(key)...).JSON(t, &runs)
	if runs.Total != 0 {
		t.Fatalf("a refused start left %d runs", runs.Total)
	}
}

// Transient failures on some calls and a permanent one on one item: the run
// completes, that item is recorded failed with its error and nothing is
// charged for it; the credits still add up. Meanwhile the run record shows
// the credits growing batch by batch.
func TestIntegrationAutomationFailuresAndLiveProgress(t *testing.T) {
	var mu sync.Mutex
	calls, poisoned := 0, ""
	s := newTestStack(t, offline.WithFailures(func(req any) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if r, ok := req.(ai.TextRequest); ok && r.Operation == ai.OpContentGeneration {
			var in ai.ContentInput
			_ = json.Unmarshal(r.Data, &in)
			if poisoned == "" {
				poisoned = in.Title
			}
			if in.Title == poisoned {
				return &ai.Error{Kind: ai.Refused, Provider: "offline", Message: "the model refused this topic"}
			}
		}
		if calls%4 == 0 {
			return &ai.Error{Kind: ai.Transient, Provider: "offline", Status: 503, Message: "overloaded"}
		}
		return nil
	}))
	ctx := context.Background()
	acctID, key, site, _ := s.topicSite(t, 50000)
	s.configure(t, key, site, func(c *domain.AutomationConfig) { c.Stage4BatchSize, c.MaxContentPerRun = 1, 6 })
	before, _ := s.Deps.Store.GetAccount(ctx, acctID)
	run := s.startRun(t, key, site)

	// Watch the live record: totals never go down and grow in steps.
	var totals []int64
	var stageCredits []int64
	for {
		var r domain.AutomationRun
		s.c.Do("GET", "/v1/sites/"+site+"/automation/runs/"+run.ID, nil, auth(key)...).JSON(t, &r)
		if n := len(totals); n == 0 || totals[n-1] != r.TotalCreditsUsed {
			totals = append(totals, r.TotalCreditsUsed)
			if r.CurrentStage >= 1 {
				stageCredits = append(stageCredits, r.Stages[r.CurrentStage-1].CreditsUsed)
			}
		}
		if !r.Active() {
			run = r
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !slices.IsSorted(totals) || len(totals) < 5 {
		t.Fatalf("the run total did not grow batch by batch: %v", totals)
	}
	if run.Status != domain.RunCompleted {
		t.Fatalf("run ended %s: %s", run.Status, run.Error)
	}
	s4 := run.Stages[3]
	if s4.Failed != 1 || s4.Processed != s4.Total-1 || len(run.FailedItems) != 1 ||
		run.FailedItems[0].Stage != 4 || !strings.Contains(run.FailedItems[0].Error, "Provider.Refused") {
		t.Fatalf("stage 4 %+v, failed items %+v", s4, run.FailedItems)
	}
	var stageSum int64
	for _, st := range run.Stages {
		stageSum += st.CreditsUsed
	}
	var usageSum, stage4Logs int64
	for _, u := range listAll[domain.UsageLog](t, s, key, "/v1/account/usage/logs") {
		usageSum += u.CreditsUsed
		if u.OperationType == domain.OperationContentGeneration {
			stage4Logs++
		}
	}
	after, _ := s.Deps.Store.GetAccount(ctx, acctID)
	if stageSum != run.TotalCreditsUsed || usageSum != run.TotalCreditsUsed || after.Settled-before.Settled != usageSum || after.Reserved != 0 {
		t.Fatalf("stages %d, run %d, usage %d, ledger %d, reserved %d", stageSum, run.TotalCreditsUsed, usageSum, after.Settled-before.Settled, after.Reserved)
	}
	if stage4Logs != s4.Processed { // no charge for the refused article
		t.Fatalf("%d content charges for %d articles written", stage4Logs, s4.Processed)
	}
	// The failed batch has its AI task log too: failed, with the reason.
	failedLogs := 0
	for _, tl := range listAll[domain.AITaskLog](t, s, key, "/v1/account/ai-tasks") {
		if tl.Status == domain.TaskLogFailed {
			failedLogs++
			if tl.OperationType != domain.OperationContentGeneration || tl.OperationID != run.ID || !strings.Contains(tl.Error, "Provider.Refused") {
				t.Errorf("failed batch's AI task log: %+v", tl)
			}
		}
	}
	if failedLogs != 1 {
		t.Fatalf("%d failed AI task logs, want 1 (the refused article's batch)", failedLogs)
	}
	t.Logf("run total over time: %v; %d provider calls", totals, calls)
}

// Two scheduler ticks that see the same due run start it once.
func TestIntegrationScheduledRunStartsOnce(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	_, key, site, _ := s.topicSite(t, 50000)
	saved := s.configure(t, key, site, func(c *domain.AutomationConfig) {
		c.Enabled, c.Schedule = true, domain.Schedule{Frequency: "daily", Time: "06:00"}
	})
	if saved.NextRunAt == nil {
		t.Fatal("no next run computed")
	}
	due := saved.NextRunAt.Add(time.Minute)
	var wg sync.WaitGroup
	results := make([][]string, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Automation.StartDue(ctx, due)
			if err != nil {
				t.Error(err)
			}
			results[i] = res.Started
		}()
	}
	wg.Wait()
	if len(results[0])+len(results[1]) != 1 {
		t.Fatalf("started %v and %v", results[0], results[1])
	}
	started := append(results[0], results[1]...)[0]
	run := s.waitRun(t, key, site, started, ended)
	if run.Status != domain.RunCompleted || run.Trigger != "scheduled" {
		t.Fatalf("scheduled run %+v", run)
	}
	var after domain.AutomationConfig
	s.c.Do("GET", "/v1/sites/"+site+"/automation/config", nil, auth(key)...).JSON(t, &after)
	if after.NextRunAt == nil || !after.NextRunAt.After(due) {
		t.Fatalf("next run not advanced: %v", after.NextRunAt)
	}
	if again, _ := s.Automation.StartDue(ctx, due); len(again.Started) != 0 {
		t.Fatalf("the same slot started again: %v", again.Started)
	}
}

// checkInfraCost: once its execution has ended, the run carries what it cost
// in AWS resources, every part measured (the DynamoDB part through the
// client's capacity meter), and the parts add up to the total.
func checkInfraCost(t *testing.T, s *testStack, key, site string, run domain.AutomationRun) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for run.InfraCost == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		s.c.Do("GET", "/v1/sites/"+site+"/automation/runs/"+run.ID, nil, auth(key)...).JSON(t, &run)
	}
	c := run.InfraCost
	if c == nil {
		t.Fatal("the run has no infra cost 10 s after it ended")
	}
	sum := c.StepFunctionsMicroUSD + c.LambdaMicroUSD + c.DynamoDBMicroUSD
	if c.StepFunctionsMicroUSD <= 0 || c.LambdaMicroUSD <= 0 || c.DynamoDBMicroUSD <= 0 || run.InfraCostMicroUSD != c.TotalMicroUSD ||
		c.TotalMicroUSD < sum-2 || c.TotalMicroUSD > sum+2 || c.StateTransitions < 20 || c.LambdaInvocations < c.StateTransitions/4 {
		t.Fatalf("infra cost %+v (total %d)", *c, run.InfraCostMicroUSD)
	}
	t.Logf("infra cost: %+v", *c)
}
