package store

import (
	"context"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// SiteList is a list of one entity type of a site, read from the site's
// partition by sort-key prefix, with its total from the site counters.
type SiteList struct {
	Name   string
	Prefix string
	Total  func(domain.SiteStats) int64
}

// The workflow lists that later stages fill.
var (
	Clusters = SiteList{"clusters", keys.Cluster.Prefix, func(s domain.SiteStats) int64 { return s.Clusters }}
	Ideas    = SiteList{"ideas", keys.Idea.Prefix, func(s domain.SiteStats) int64 { return s.Ideas }}
	Tasks    = SiteList{"tasks", keys.Task.Prefix, func(s domain.SiteStats) int64 { return s.Tasks }}
	Contents = SiteList{"content", keys.Content.Prefix, func(s domain.SiteStats) int64 {
		return s.ContentDraft + s.ContentReview + s.ContentApproved
	}}
	// Images lists every version; previous ones have status superseded.
	Images = SiteList{"images", keys.Image.Prefix, func(s domain.SiteStats) int64 { return s.Images + s.ImagesSuperseded }}
)

// List reads one page of a site list.
func List[T any](ctx context.Context, s *Store, l SiteList, account, site string, pr PageRequest) (Page[T], error) {
	st, err := s.GetStats(ctx, account, site)
	if err != nil {
		return Page[T]{}, err
	}
	q := query{account: account, filter: l.Name + "|" + site, pkAttr: "PK", pk: keys.Site(account, site), skAttr: "SK", prefix: l.Prefix}
	out, next, err := runPage[T](ctx, s, q, pr)
	return Page[T]{Items: out, NextCursor: next, Total: l.Total(st)}, err
}

// ListLedgerEntries reads one page of an account's ledger entries, newest
// first; the total is the account's entry counter. T is the ledger's entry
// type (the store does not depend on the ledger package; it decodes both of
// the ledger's entry shapes itself). The entries are listed by time through
// GSI1: their base-table sort keys are idempotency keys.
func ListLedgerEntries[T any](ctx context.Context, s *Store, account string, pr PageRequest) (Page[T], error) {
	rec, err := s.counts(ctx, account)
	if err != nil {
		return Page[T]{}, err
	}
	q := query{account: account, filter: "transactions", index: tabledef.ByStatus,
		pkAttr: tabledef.GSI1PK, pk: keys.LedgerEntries(account), skAttr: tabledef.GSI1SK, prefix: keys.TxPrefix, newest: true}
	out, next, err := runPage[T](ctx, s, q, pr)
	return Page[T]{Items: out, NextCursor: next, Total: rec.TxCount}, err
}
