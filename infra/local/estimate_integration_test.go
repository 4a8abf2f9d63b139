package local

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// Every operation's estimate endpoint answers what its start then reserves,
// computed by the same code, and changes nothing (no hold, no operation, no
// notification; the start that follows finds its items unclaimed); what the
// start refuses it refuses, and another account's site is a 404.
func TestIntegrationEstimatesAreWhatStartsReserve(t *testing.T) {
	s := newTestStack(t)
	ctx := context.Background()
	acctID, key, site, topicOf := s.topicSite(t, 5000)
	base := "/v1/sites/" + site
	estimateThenRun := func(path string, body any) domain.Operation {
		t.Helper()
		before, _ := s.Deps.Store.GetAccount(ctx, acctID)
		notes := listAll[domain.Notification](t, s, key, "/v1/notifications")
		var q struct {
			Credits    int64 `json:"credits"`
			Available  int64 `json:"available"`
			Sufficient bool  `json:"sufficient"`
		}
		s.call(t, key, http.StatusOK, "POST", path+"/estimate", body, &q)
		after, _ := s.Deps.Store.GetAccount(ctx, acctID)
		if after != before || len(listAll[domain.Notification](t, s, key, "/v1/notifications")) != len(notes) {
			t.Fatalf("%s/estimate changed something: %+v → %+v", path, before, after)
		}
		if q.Available != before.Available || !q.Sufficient {
			t.Fatalf("%s/estimate: %+v (available %d)", path, q, before.Available)
		}
		op := s.run(t, key, path, body)
		if op.EstimatedCred != q.Credits || op.Status != domain.OperationSucceeded {
			t.Fatalf("%s: estimated %d, the start reserved %d (%s)", path, q.Credits, op.EstimatedCred, op.Status)
		}
		return op
	}
	op := estimateThenRun(base+"/keywords/cluster", map[string]any{"keyword_ids": slices.Sorted(maps.Keys(topicOf))})
	op = estimateThenRun(base+"/clusters/generate-ideas", map[string]any{"cluster_ids": op.Results[:1]})
	op = estimateThenRun(base+"/ideas/create-tasks", map[string]any{"idea_ids": op.Results})
	if op.EstimatedCred != 0 {
		t.Fatalf("creating tasks is free, estimated %d", op.EstimatedCred)
	}
	op = estimateThenRun(base+"/tasks/generate-content", map[string]any{"task_ids": op.Results[:1]})
	content := op.Results[0]
	op = estimateThenRun(base+"/content/"+content+"/generate-image-prompts", nil)
	estimateThenRun(base+"/images/generate", map[string]any{"image_ids": op.Results})

	// What the start refuses, the estimate refuses the same way.
	s.call(t, key, http.StatusConflict, "POST", base+"/content/"+content+"/generate-image-prompts/estimate", nil, nil)
	_, other := s.account(t, 100)
	otherSite := s.site(t, other)
	s.call(t, key, http.StatusNotFound, "POST", "/v1/sites/"+otherSite+"/keywords/cluster/estimate", map[string]any{"keyword_ids": []string{op.Results[0]}}, nil)
}
