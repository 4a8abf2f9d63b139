package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// SiteList is a list of one workflow entity of a site and the filters it
// takes. Every filter reads by key (a status by the status index, a sector
// by the sector index, a content item's images by its image index), and
// every total but one comes from a counter kept per filter value; the
// exception is a content item's images, counted by a query of its own index
// partition (a handful of items: at most one featured and a few in-article
// images and their previous versions).
type SiteList struct {
	Name     string
	Kind     keys.Kind
	Statuses []string // the values of ?status=
	// The further filters the list takes.
	SiteStatus, Sector, ContentID, Superseded bool
}

func names[S ~string](v []S) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

// The workflow lists that later stages fill.
var (
	Clusters = SiteList{Name: "clusters", Kind: keys.Cluster, Statuses: names(domain.ClusterStatuses), Sector: true}
	Ideas    = SiteList{Name: "ideas", Kind: keys.Idea, Statuses: names(domain.IdeaStatuses)}
	Tasks    = SiteList{Name: "tasks", Kind: keys.Task, Statuses: names(domain.TaskStatuses)}
	Contents = SiteList{Name: "content", Kind: keys.Content, Statuses: names(domain.ContentStatuses), SiteStatus: true}
	// Images lists current versions; previous ones (status superseded) only
	// with Superseded set.
	Images = SiteList{Name: "images", Kind: keys.Image, Statuses: names(domain.ImageStatuses), ContentID: true, Superseded: true}
)

// ListFilter narrows and orders a site list. The zero value lists every
// current item, oldest first.
type ListFilter struct {
	Status     string
	SiteStatus string // content: the publishing status
	SectorID   string // clusters
	ContentID  string // images: one content item's
	Superseded bool   // images: previous versions too
	Newest     bool   // newest first
}

// key is the filter's canonical form, which cursors are sealed to.
func (f ListFilter) key(l SiteList, site string) string {
	return fmt.Sprintf("%s|%s|status=%s|site_status=%s|sector=%s|content=%s|superseded=%t|newest=%t",
		l.Name, site, f.Status, f.SiteStatus, f.SectorID, f.ContentID, f.Superseded, f.Newest)
}

// check refuses a filter the list does not take or a value it does not know.
func (l SiteList) check(f ListFilter) error {
	if f.Status != "" && !slices.Contains(l.Statuses, f.Status) {
		return domain.Invalid("status", "must be one of %s", strings.Join(l.Statuses, ", "))
	}
	if f.SiteStatus != "" {
		if !l.SiteStatus {
			return domain.Invalid("site_status", "this list has no site_status filter")
		}
		if _, err := domain.ParseStatus("site_status", f.SiteStatus, domain.SiteStatuses); err != nil {
			return err
		}
		// Counters are kept per status and per site status, not per pair.
		if f.Status != "" {
			return domain.Invalid("site_status", "filter by status or by site_status, not both")
		}
	}
	if f.SectorID != "" && !l.Sector {
		return domain.Invalid("sector_id", "this list has no sector filter")
	}
	if f.ContentID != "" && !l.ContentID {
		return domain.Invalid("content_id", "this list has no content_id filter")
	}
	if f.Superseded && !l.Superseded {
		return domain.Invalid("include", "this list has no include option")
	}
	if l.Kind == keys.Image && f.Status == string(domain.ImageSuperseded) && !f.Superseded {
		return domain.Invalid("status", "superseded versions are listed only with include=superseded")
	}
	return nil
}

// List reads one page of a site list under a filter; the total counts the
// filtered items only.
func List[T any](ctx context.Context, s *Store, l SiteList, account, site string, f ListFilter, pr PageRequest) (Page[T], error) {
	if err := l.check(f); err != nil {
		return Page[T]{}, err
	}
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return Page[T]{}, err
	}
	part := keys.Site(account, site)
	k := l.Kind
	q := query{account: account, filter: f.key(l, site), pkAttr: "PK", pk: part, skAttr: "SK", prefix: k.Prefix, newest: f.Newest}
	statsSK := keys.StatsSK
	var counters []string // the total is their sum
	switch {
	case f.ContentID != "":
		q.index, q.pkAttr, q.pk, q.skAttr = tabledef.BySector, tabledef.GSI2PK, keys.ContentImages(account, site, f.ContentID), tabledef.GSI2SK
		q.where, q.whereNames, q.whereValues = imageWhere(f)
	case f.SectorID != "":
		if err := s.checkSector(ctx, account, site, f.SectorID); err != nil {
			return Page[T]{}, err
		}
		statsSK = keys.SectorStats(f.SectorID)
		q.index, q.pkAttr, q.pk, q.skAttr, q.prefix = tabledef.BySector, tabledef.GSI2PK, keys.SiteSector(account, site, f.SectorID), tabledef.GSI2SK, k.AnyStatusPrefix()
		if f.Status != "" {
			q.prefix = k.StatusPrefix(f.Status)
		}
	case f.Status != "":
		q.index, q.pkAttr, q.skAttr, q.prefix = tabledef.ByStatus, tabledef.GSI1PK, tabledef.GSI1SK, k.StatusPrefix(f.Status)
	case f.SiteStatus != "":
		// Not indexed (GSI2 of content is the publishing queue): a query of
		// the site's content with a filter, which costs reads, not a Scan.
		q.where = "site_status = :ss"
		q.whereValues = map[string]types.AttributeValue{":ss": str(f.SiteStatus)}
		if f.SiteStatus == string(domain.SiteNotPublished) {
			q.where = "(site_status = :ss OR attribute_not_exists(site_status))"
		}
		counters = []string{siteStatusCounter(domain.SiteStatus(f.SiteStatus))}
	case k == keys.Image && !f.Superseded:
		q.where, q.whereNames, q.whereValues = imageWhere(f)
	}
	switch {
	case counters != nil:
	case f.Status != "":
		counters = []string{statusCounter(k, f.Status)}
	case k == keys.Content:
		for _, st := range l.Statuses {
			counters = append(counters, statusCounter(k, st))
		}
	case k == keys.Image && f.Superseded:
		counters = []string{"images", "images_superseded"}
	default:
		counters = []string{counterPrefix[k.Entity]}
	}
	out, next, err := runPage[T](ctx, s, q, pr)
	if err != nil {
		return Page[T]{}, err
	}
	var total int64
	if f.ContentID != "" {
		total, err = s.countQuery(ctx, q)
	} else {
		var have map[string]int64
		have, err = s.counterValues(ctx, part, statsSK)
		for _, c := range counters {
			total += have[c]
		}
	}
	return Page[T]{Items: out, NextCursor: next, Total: total}, err
}

// imageWhere is the filter of an image list on non-key attributes: one
// status, or the current versions unless superseded ones are asked for.
func imageWhere(f ListFilter) (string, map[string]string, map[string]types.AttributeValue) {
	n := map[string]string{"#st": "status"}
	switch {
	case f.Status != "":
		return "#st = :st", n, map[string]types.AttributeValue{":st": str(f.Status)}
	case !f.Superseded:
		return "#st <> :st", n, map[string]types.AttributeValue{":st": str(string(domain.ImageSuperseded))}
	}
	return "", nil, nil
}

func (s *Store) checkSector(ctx context.Context, account, site, sector string) error {
	if _, err := s.GetSector(ctx, account, site, sector); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Invalid("sector_id", "no sector %q on this site", sector)
		}
		return err
	}
	return nil
}

// counterValues reads one counter item (a missing item has no counts).
func (s *Store) counterValues(ctx context.Context, pk, sk string) (map[string]int64, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("read counters: %w", err)
	}
	return readCounters(out.Item), nil
}

// countQuery counts what q matches (for lists bounded by nature).
func (s *Store) countQuery(ctx context.Context, q query) (int64, error) {
	in := s.queryInput(q)
	in.Select = types.SelectCount
	var n int64
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("count %s: %w", q.filter, err)
		}
		n += int64(out.Count)
	}
	return n, nil
}

// ContentImages lists a content item's images from its image index: the
// current versions, featured first and then in-article by position, or
// with all set every version (oldest first). The content must exist.
func (s *Store) ContentImages(ctx context.Context, account, site, content string, all bool) ([]domain.Image, error) {
	if _, err := s.GetContent(ctx, account, site, content); err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(tabledef.BySector),
		KeyConditionExpression:    aws.String("GSI2PK = :pk AND begins_with(GSI2SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(keys.ContentImages(account, site, content)), ":p": str(keys.Image.Prefix)},
	}
	out := []domain.Image{}
	err := s.forEach(ctx, in, func(it map[string]types.AttributeValue) error {
		var img domain.Image
		if err := unmarshal(it, &img); err != nil {
			return err
		}
		if all || img.Status != domain.ImageSuperseded {
			out = append(out, img)
		}
		return nil
	})
	if err != nil || all {
		return out, err
	}
	slices.SortStableFunc(out, func(a, b domain.Image) int {
		af, bf := a.ImageType == "featured", b.ImageType == "featured"
		switch {
		case af != bf:
			if af {
				return -1
			}
			return 1
		case a.Position != b.Position:
			return int(a.Position - b.Position)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
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
