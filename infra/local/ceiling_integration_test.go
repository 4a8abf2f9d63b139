package local

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/httpapi"
	"github.com/igny8/igny8-serverless/shared/store"
)

// The attack that made the hold a ceiling, at the API: an account with 15
// credits adds 40 keywords of 200 characters and asks to cluster them. The
// estimate said 15 and the work cost several times that; now the estimate
// prices the real prompt and the answer, so it is a 402 before any provider
// call. With credits to pay, the same request is charged within its
// estimate.
func TestIntegrationLongKeywordsClusteringIs402(t *testing.T) {
	calls := 0
	s := newTestStack(t, offline.WithFailures(func(any) error { calls++; return nil }))
	var rows []map[string]any
	for i := range 40 {
		kw := domain.Clip(fmt.Sprintf("keyword %02d ", i)+strings.Repeat("waterproof trail running shoes for wide feet ", 5), domain.MaxKeywordLen)
		rows = append(rows, map[string]any{"keyword": kw, "volume": 1000})
	}
	addKeywords := func(key, site string) []string {
		var rep store.KeywordReport
		s.c.Do("POST", "/v1/sites/"+site+"/keywords", map[string]any{"keywords": rows}, auth(key)...).JSON(t, &rep)
		var ids []string
		for _, k := range rep.Added {
			ids = append(ids, k.ID)
		}
		if len(ids) != 40 {
			t.Fatalf("added %d keywords", len(ids))
		}
		return ids
	}

	acctID, key := s.account(t, 15)
	site := s.site(t, key)
	ids := addKeywords(key, site)
	r := s.c.Do("POST", "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": ids}, auth(key)...)
	var eb httpapi.ErrorBody
	r.JSON(t, &eb)
	if r.Status != http.StatusPaymentRequired || eb.Error.Code != "insufficient_credits" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	acct, _ := s.Deps.Store.GetAccount(context.Background(), acctID)
	stats, _ := s.Deps.Store.GetStats(context.Background(), acctID, site)
	if calls != 0 || acct.Available != 15 || acct.Reserved != 0 || acct.Settled != 0 || stats.Clusters != 0 {
		t.Fatalf("after the 402: %d provider calls, account %+v, stats %+v", calls, acct, stats)
	}

	_, rich := s.account(t, 1000)
	richSite := s.site(t, rich)
	op := s.run(t, rich, "/v1/sites/"+richSite+"/keywords/cluster", map[string]any{"keyword_ids": addKeywords(rich, richSite)})
	if op.Status != domain.OperationSucceeded || op.CreditsUsed > op.EstimatedCred || op.EstimatedCred <= 15 {
		t.Fatalf("operation %+v", op)
	}
	t.Logf("estimated %d credits, charged %d", op.EstimatedCred, op.CreditsUsed)
}
