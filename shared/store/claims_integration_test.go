package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
)

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
