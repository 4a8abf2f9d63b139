package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

func newStore(t *testing.T) (*Store, string, domain.Site) {
	t.Helper()
	db, table := ddblocal.NewTable(t)
	s := New(db, table, "secret-for-tests-0123456789")
	ctx := context.Background()
	acct, _, err := s.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	site, err := s.CreateSite(ctx, acct.ID, domain.NewSite{Name: "Blog", URL: "https://blog.example"})
	if err != nil {
		t.Fatal(err)
	}
	return s, acct.ID, site
}

func addN(t *testing.T, s *Store, account, site string, n int, prefix string) []domain.Keyword {
	t.Helper()
	rows := make([]domain.NewKeyword, n)
	for i := range rows {
		rows[i] = domain.NewKeyword{Keyword: fmt.Sprintf("%s %d", prefix, i)}
	}
	rep, err := s.AddKeywords(context.Background(), account, site, "", rows)
	if err != nil || rep.Summary.Added != n {
		t.Fatalf("add: %v %+v", err, rep.Summary)
	}
	return rep.Added
}

func TestIntegrationAuditFindsAndRepairsDrift(t *testing.T) {
	s, acct, site := newStore(t)
	ctx := context.Background()
	addN(t, s, acct, site.ID, 30, "kw")
	if err := s.corruptCounter(ctx, acct, site.ID, "keywords_new", 7); err != nil {
		t.Fatal(err)
	}
	a, err := s.AuditStats(ctx, acct, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Drift["keywords_new"] != 7 || a.Drift["keywords_total"] != 0 || !a.Repaired {
		t.Fatalf("audit: %+v", a)
	}
	st, _ := s.GetStats(ctx, acct, site.ID)
	if st.KeywordsNew != 30 {
		t.Fatalf("not repaired: %+v", st)
	}
	a, _ = s.AuditStats(ctx, acct, site.ID)
	if a.Repaired || a.Drift["keywords_new"] != 0 {
		t.Fatalf("second audit: %+v", a)
	}
}

// Concurrent bulk changes of overlapping keywords keep the counters exact:
// each keyword moves once, and a keyword changed under a request is re-read.
func TestIntegrationConcurrentBulkStatusKeepsCountersExact(t *testing.T) {
	s, acct, site := newStore(t)
	ctx := context.Background()
	kws := addN(t, s, acct, site.ID, 120, "kw")
	ids := make([]string, len(kws))
	for i, k := range kws {
		ids[i] = k.ID
	}
	var wg sync.WaitGroup
	changed := make([]int, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.SetKeywordStatus(ctx, acct, site.ID, ids[w*10:w*10+40], domain.KeywordMapped)
			if err != nil {
				t.Error(err)
			}
			changed[w] = res.Changed
		}()
	}
	wg.Wait()
	total := 0
	for _, c := range changed {
		total += c
	}
	st, _ := s.GetStats(ctx, acct, site.ID)
	if total != 110 || st.KeywordsMapped != 110 || st.KeywordsNew != 10 || st.KeywordsTotal != 120 {
		t.Fatalf("changed %d; stats %+v", total, st)
	}
	a, err := s.AuditStats(ctx, acct, site.ID)
	if err != nil || a.Repaired {
		t.Fatalf("drift after concurrent changes: %+v %v", a, err)
	}
}

func TestIntegrationDuplicateKeywordsAcrossRequests(t *testing.T) {
	s, acct, site := newStore(t)
	ctx := context.Background()
	addN(t, s, acct, site.ID, 50, "dup")
	// 100 rows, half already present: the duplicates are reported by row and
	// the rest added, across transaction chunks.
	rows := make([]domain.NewKeyword, 100)
	for i := range rows {
		rows[i] = domain.NewKeyword{Keyword: fmt.Sprintf("DUP  %d", i)}
	}
	rep, err := s.AddKeywords(ctx, acct, site.ID, "", rows)
	if err != nil || rep.Summary.Added != 50 || rep.Summary.Duplicates != 50 || rep.Duplicates[0].Row != 0 {
		t.Fatalf("%v %+v", err, rep.Summary)
	}
	st, _ := s.GetStats(ctx, acct, site.ID)
	if st.KeywordsTotal != 100 {
		t.Fatalf("stats %+v", st)
	}
	// Deleting a keyword frees its name.
	if _, err := s.DeleteKeywords(ctx, acct, site.ID, []string{rep.Added[0].ID}); err != nil {
		t.Fatal(err)
	}
	again, err := s.AddKeywords(ctx, acct, site.ID, "", []domain.NewKeyword{{Keyword: rep.Added[0].Keyword}})
	if err != nil || again.Summary.Added != 1 {
		t.Fatalf("re-add after delete: %v %+v", err, again.Summary)
	}
}

// Claims over more than one transaction: a conflict in a later chunk undoes
// the earlier ones; an expired claim can be taken; release frees only the
// owner's items.
func TestIntegrationClaims(t *testing.T) {
	ctx := context.Background()
	s, acct, site := newStore(t)
	var ids []string
	for _, k := range addN(t, s, acct, site.ID, 150, "kw") {
		ids = append(ids, k.ID)
	}
	hour := time.Now().Add(time.Hour)
	if err := s.ClaimItems(ctx, acct, site.ID, domain.EntityKeyword, ids[140:141], "a", hour); err != nil {
		t.Fatal(err)
	}
	var ce *domain.ClaimedError
	if err := s.ClaimItems(ctx, acct, site.ID, domain.EntityKeyword, ids, "b", hour); !errors.As(err, &ce) || !slices.Equal(ce.Items, ids[140:141]) {
		t.Fatalf("claim over a claimed item: %v", err)
	}
	// b's first chunk was undone: c can claim it.
	if err := s.ClaimItems(ctx, acct, site.ID, domain.EntityKeyword, ids[:100], "c", time.Now().Add(-time.Second)); err != nil {
		t.Fatalf("b's claims were left behind: %v", err)
	}
	// c's claims have expired, and claiming again for the same op is fine.
	if err := s.ClaimItems(ctx, acct, site.ID, domain.EntityKeyword, ids[:100], "d", hour); err != nil {
		t.Fatalf("an expired claim held: %v", err)
	}
	if err := s.ClaimItems(ctx, acct, site.ID, domain.EntityKeyword, ids[:100], "d", hour); err != nil {
		t.Fatalf("claiming again: %v", err)
	}
	// Releasing for someone else changes nothing; the owner's release frees.
	if err := s.ReleaseItems(ctx, acct, site.ID, domain.EntityKeyword, ids[:100], "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimItems(ctx, acct, site.ID, domain.EntityKeyword, ids[:1], "e", hour); !errors.As(err, &ce) {
		t.Fatalf("a release by another op freed the item: %v", err)
	}
	if err := s.ReleaseItems(ctx, acct, site.ID, domain.EntityKeyword, ids[:100], "d"); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimItems(ctx, acct, site.ID, domain.EntityKeyword, ids[:100], "e", hour); err != nil {
		t.Fatalf("after the owner's release: %v", err)
	}
}
