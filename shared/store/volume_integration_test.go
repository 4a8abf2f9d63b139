package store

import (
	"context"
	"slices"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// Keywords list by search volume, highest first, page by page, with the
// status and sector filters applied to that order and totals from counters.
func TestIntegrationKeywordsByVolume(t *testing.T) {
	s, acct, site := newStore(t)
	ctx := context.Background()
	sec, err := s.CreateSector(ctx, acct, site.ID, "Shoes")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.AddKeywords(ctx, acct, site.ID, "", []domain.NewKeyword{
		{Keyword: "ten", Volume: 10}, {Keyword: "five hundred", Volume: 500}, {Keyword: "zero"}, {Keyword: "ninety", Volume: 90},
	})
	if err != nil {
		t.Fatal(err)
	}
	shoes, err := s.AddKeywords(ctx, acct, site.ID, sec.ID, []domain.NewKeyword{{Keyword: "shoes", Volume: 300}, {Keyword: "boots", Volume: 20000}})
	if err != nil {
		t.Fatal(err)
	}
	id := map[string]string{}
	for _, k := range append(rep.Added, shoes.Added...) {
		id[k.Keyword] = k.ID
	}
	if _, err := s.SetKeywordStatus(ctx, acct, site.ID, []string{id["ninety"], id["boots"]}, domain.KeywordMapped); err != nil {
		t.Fatal(err)
	}
	list := func(f KeywordFilter) ([]string, int64) {
		var names []string
		var total int64
		pr := PageRequest{Limit: 2}
		for {
			page, err := s.ListKeywords(ctx, acct, site.ID, f, pr)
			if err != nil {
				t.Fatal(err)
			}
			total = page.Total
			for _, k := range page.Items {
				names = append(names, k.Keyword)
			}
			if page.NextCursor == nil {
				return names, total
			}
			pr.Cursor = *page.NextCursor
		}
	}
	for _, c := range []struct {
		name  string
		f     KeywordFilter
		want  []string
		total int64
	}{
		{"all", KeywordFilter{ByVolume: true}, []string{"boots", "five hundred", "shoes", "ninety", "ten", "zero"}, 6},
		{"new", KeywordFilter{ByVolume: true, Status: domain.KeywordNew}, []string{"five hundred", "shoes", "ten", "zero"}, 4},
		{"a sector", KeywordFilter{ByVolume: true, SectorID: sec.ID}, []string{"boots", "shoes"}, 2},
		{"new in a sector", KeywordFilter{ByVolume: true, SectorID: sec.ID, Status: domain.KeywordNew}, []string{"shoes"}, 1},
	} {
		got, total := list(c.f)
		if !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("%s: %v total %d, want %v total %d", c.name, got, total, c.want, c.total)
		}
	}
	// A cursor of the volume order is sealed to it.
	page, err := s.ListKeywords(ctx, acct, site.ID, KeywordFilter{ByVolume: true}, PageRequest{Limit: 1})
	if err != nil || page.NextCursor == nil {
		t.Fatalf("first page: %+v %v", page, err)
	}
	if _, err := s.ListKeywords(ctx, acct, site.ID, KeywordFilter{}, PageRequest{Limit: 1, Cursor: *page.NextCursor}); err == nil {
		t.Fatal("a volume-order cursor was accepted for the default order")
	}
}
