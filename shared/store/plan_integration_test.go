package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// A stage's plan keeps its IDs in chunks; a batch reads its slice of them,
// across a chunk boundary too, and a batch past the end is not found.
func TestIntegrationRunPlan(t *testing.T) {
	ctx := context.Background()
	s, acct, site := newStore(t)
	ids := make([]string, 2*planChunk+500)
	for i := range ids {
		ids[i] = fmt.Sprintf("id-%05d", i)
	}
	if err := s.SavePlan(ctx, acct, site.ID, "run1", 4, ids); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		from, to int
		want     []string
	}{
		{"the first batch", 0, 3, ids[0:3]},
		{"across a chunk boundary", planChunk - 2, planChunk + 3, ids[planChunk-2 : planChunk+3]},
		{"a whole chunk and more", planChunk, 2*planChunk + 1, ids[planChunk : 2*planChunk+1]},
		{"the last batch, short", len(ids) - 1, len(ids) + 9, ids[len(ids)-1:]},
	}
	for _, tc := range tests {
		got, err := s.PlanIDs(ctx, acct, site.ID, "run1", 4, tc.from, tc.to)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %d IDs %v, want %d", tc.name, len(got), err, len(tc.want))
		}
	}
	for _, miss := range []struct {
		name, run string
		stage     int
		from      int
	}{{"past the end", "run1", 4, len(ids)}, {"another stage", "run1", 5, 0}, {"another run", "run2", 4, 0}} {
		if got, err := s.PlanIDs(ctx, acct, site.ID, miss.run, miss.stage, miss.from, miss.from+1); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: %v %v, want not found", miss.name, got, err)
		}
	}
	// Another account's site never sees it.
	if _, err := s.PlanIDs(ctx, "other-account", site.ID, "run1", 4, 0, 1); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("another account read the plan: %v", err)
	}
}
