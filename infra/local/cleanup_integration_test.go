package local

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// An execution stopped outside every Catch (as StopExecution, a payload or
// history limit or the execution timeout would end it) still ends its run:
// the local runtime hands the ended execution to the same cleanup the
// cloud's execution-status rule runs. The run is failed with the reason, no
// credit stays reserved, the ledger audits clean and the site's lock is
// free for the next run.
func TestIntegrationStoppedRunExecutionIsCleanedUp(t *testing.T) {
	s := newTestStack(t, offline.WithLatency(30*time.Millisecond))
	ctx := context.Background()
	acctID, key, site, _ := s.topicSite(t, 20000)
	s.configure(t, key, site, func(c *domain.AutomationConfig) { c.Stage1BatchSize = 5 })
	run := s.startRun(t, key, site)
	s.waitRun(t, key, site, run.ID, func(r domain.AutomationRun) bool { return r.Stages[0].Processed >= 5 })
	arn := "arn:aws:states:local:000000000000:execution:automation:" + run.ID
	if err := s.Runtime.Stop(arn, "States.DataLimitExceeded", "the state's output is larger than 256 KiB"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Runtime.Wait(ctx, arn); err != nil {
		t.Fatal(err)
	}
	dead := s.waitRun(t, key, site, run.ID, ended)
	if dead.Status != domain.RunFailed || !strings.Contains(dead.Error, "ABORTED") {
		t.Fatalf("run after its execution was stopped: %s %q", dead.Status, dead.Error)
	}
	acct, _ := s.Deps.Store.GetAccount(ctx, acctID)
	if acct.Reserved != 0 {
		t.Fatalf("reserved %d after the cleanup", acct.Reserved)
	}
	if audit, err := s.Deps.Ledger.Audit(ctx, acctID); err != nil || !audit.OK() || audit.PendingHolds != 0 {
		t.Fatalf("audit %+v %v", audit, err)
	}
	if next := s.waitRun(t, key, site, s.startRun(t, key, site).ID, ended); next.Status != domain.RunCompleted {
		t.Fatalf("the next run: %+v", next)
	}
}
