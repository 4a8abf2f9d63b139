package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
)

// Item types, stored in the _type attribute so audits can recount a partition.
const (
	typeSite   = "site"
	typeSector = "sector"
	typeStats  = "stats"
	typeGuard  = "guard"
)

type siteRecord struct {
	domain.Site
	SectorCount int64 `json:"sector_count"`
	// InArticleSet says max_in_article_images was saved: sites made before
	// the setting existed read as the default, and 0 stays 0.
	InArticleSet bool `json:"max_in_article_images_set,omitempty"`
}

func (s *Store) put(v any, attrs map[string]string, cond string) (types.TransactWriteItem, error) {
	it, err := item(v, attrs)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	p := &types.Put{TableName: aws.String(s.table), Item: it}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Put: p}, nil
}

// sectorItems are the writes that create a sector: the sector, its name
// guard (names are unique per site) and its keyword counters.
func (s *Store) sectorItems(account string, sec domain.Sector) ([]types.TransactWriteItem, error) {
	part := keys.Site(account, sec.SiteID)
	secItem, err := s.put(sec, map[string]string{"PK": part, "SK": keys.SectorPre + sec.ID, "_type": typeSector}, "attribute_not_exists(PK)")
	if err != nil {
		return nil, err
	}
	guard, err := s.put(map[string]string{"sector_id": sec.ID}, map[string]string{"PK": part, "SK": keys.SectorNamePrefix + domain.KeywordKey(sec.Name), "_type": typeGuard}, "attribute_not_exists(PK)")
	if err != nil {
		return nil, err
	}
	stats, err := s.put(sectorStats{}, map[string]string{"PK": part, "SK": keys.SectorStatsPrefix + sec.ID, "_type": typeStats}, "attribute_not_exists(PK)")
	if err != nil {
		return nil, err
	}
	return []types.TransactWriteItem{secItem, guard, stats}, nil
}

// CreateSite creates a site with its counters and a "General" sector, and
// counts it on the account, in one transaction.
func (s *Store) CreateSite(ctx context.Context, account string, in domain.NewSite) (domain.Site, error) {
	if err := in.Normalize(); err != nil {
		return domain.Site{}, err
	}
	now := s.now()
	site := domain.Site{ID: NewID(), AccountID: account, Name: in.Name, URL: in.URL, Platform: in.Platform,
		TimeZone: in.TimeZone, DefaultSectorID: NewID(), MaxInArticleImages: *in.MaxInArticleImages, CreatedAt: now, UpdatedAt: now}
	siteItem, err := s.put(siteRecord{Site: site, SectorCount: 1, InArticleSet: true}, map[string]string{"PK": keys.Account(account), "SK": keys.SitePrefix + site.ID, "_type": typeSite}, "attribute_not_exists(PK)")
	if err != nil {
		return site, err
	}
	stats, err := s.put(domain.SiteStats{}, map[string]string{"PK": keys.Site(account, site.ID), "SK": keys.StatsSK, "_type": typeStats}, "attribute_not_exists(PK)")
	if err != nil {
		return site, err
	}
	secItems, err := s.sectorItems(account, domain.Sector{ID: site.DefaultSectorID, SiteID: site.ID, Name: "General", CreatedAt: now})
	if err != nil {
		return site, err
	}
	items := append([]types.TransactWriteItem{siteItem, stats, txn.AddCounters(s.table, keys.Account(account), keys.AccountSK, map[string]int64{"site_count": 1})}, secItems...)
	if err := s.transact(ctx, items); err != nil {
		if txn.ConditionFailed(err, 2) {
			return site, fmt.Errorf("account %s: %w", account, domain.ErrNotFound)
		}
		return site, fmt.Errorf("create site: %w", err)
	}
	return site, nil
}

// GetSite reads a site of the account; another account's site is ErrNotFound.
func (s *Store) GetSite(ctx context.Context, account, site string) (domain.Site, error) {
	rec, err := s.siteRecord(ctx, account, site)
	return rec.Site, err
}

func (s *Store) siteRecord(ctx context.Context, account, site string) (siteRecord, error) {
	var rec siteRecord
	if err := s.get(ctx, keys.Account(account), keys.SitePrefix+site, &rec); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return rec, fmt.Errorf("site %s: %w", site, domain.ErrNotFound)
		}
		return rec, err
	}
	if !rec.InArticleSet {
		rec.MaxInArticleImages = domain.DefaultInArticleImages
	}
	return rec, nil
}

// ListSites lists the account's sites, oldest first.
func (s *Store) ListSites(ctx context.Context, account string, pr PageRequest) (Page[domain.Site], error) {
	q := query{account: account, filter: "sites", pkAttr: "PK", pk: keys.Account(account), skAttr: "SK", prefix: keys.SitePrefix}
	recs, next, err := runPage[siteRecord](ctx, s, q, pr)
	if err != nil {
		return Page[domain.Site]{}, err
	}
	sites := make([]domain.Site, len(recs))
	for i, r := range recs {
		if !r.InArticleSet {
			r.MaxInArticleImages = domain.DefaultInArticleImages
		}
		sites[i] = r.Site
	}
	rec, err := s.counts(ctx, account)
	return Page[domain.Site]{Items: sites, NextCursor: next, Total: rec.SiteCount}, err
}

// UpdateSite applies a validated patch.
func (s *Store) UpdateSite(ctx context.Context, account, site string, patch domain.SitePatch) (domain.Site, error) {
	cur, err := s.GetSite(ctx, account, site)
	if err != nil {
		return cur, err
	}
	if err := patch.Apply(&cur); err != nil {
		return cur, err
	}
	cur.UpdatedAt = s.now()
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.SitePrefix+site),
		UpdateExpression:         aws.String("SET #n = :n, #u = :u, platform = :p, time_zone = :tz, max_in_article_images = :img, max_in_article_images_set = :true, updated_at = :at"),
		ConditionExpression:      aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: map[string]string{"#n": "name", "#u": "url"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": str(cur.Name), ":u": str(cur.URL), ":p": str(string(cur.Platform)), ":tz": str(cur.TimeZone),
			":img": num(int64(cur.MaxInArticleImages)), ":true": &types.AttributeValueMemberBOOL{Value: true},
			":at": str(cur.UpdatedAt.Format("2006-01-02T15:04:05.999999999Z07:00")),
		},
	})
	if isConditionFailed(err) {
		return cur, fmt.Errorf("site %s: %w", site, domain.ErrNotFound)
	}
	return cur, err
}

// DeleteSite removes the site and then every item of its partition.
func (s *Store) DeleteSite(ctx context.Context, account, site string) error {
	err := s.transact(ctx, []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(keys.Account(account), keys.SitePrefix+site),
			ConditionExpression: aws.String("attribute_exists(PK)")}},
		txn.AddCounters(s.table, keys.Account(account), keys.AccountSK, map[string]int64{"site_count": -1}),
	})
	if txn.ConditionFailed(err, 0) {
		return fmt.Errorf("site %s: %w", site, domain.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete site: %w", err)
	}
	// The site item is gone, so nothing can reach the partition any more;
	// purging it is cleanup, done here with Query + BatchWrite (no Scan).
	return s.purge(ctx, keys.Site(account, site))
}

func (s *Store) purge(ctx context.Context, pk string) error {
	var batch []types.WriteRequest
	flush := func() error {
		for len(batch) > 0 {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: batch}})
			if err != nil {
				return err
			}
			batch = out.UnprocessedItems[s.table]
		}
		return nil
	}
	err := s.queryAll(ctx, pk, "", func(it map[string]types.AttributeValue) error {
		batch = append(batch, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"PK": it["PK"], "SK": it["SK"]}}})
		if len(batch) == 25 {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// CreateSector adds a sector to a site; names are unique per site.
func (s *Store) CreateSector(ctx context.Context, account, site, name string) (domain.Sector, error) {
	if err := domain.ValidateName("name", trim(name)); err != nil {
		return domain.Sector{}, err
	}
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return domain.Sector{}, err
	}
	sec := domain.Sector{ID: NewID(), SiteID: site, Name: trim(name), CreatedAt: s.now()}
	items, err := s.sectorItems(account, sec)
	if err != nil {
		return sec, err
	}
	items = append(items, txn.AddCounters(s.table, keys.Account(account), keys.SitePrefix+site, map[string]int64{"sector_count": 1}))
	err = s.transact(ctx, items)
	codes := txn.Codes(err)
	switch {
	case len(codes) > 1 && codes[1] == txn.CodeCondition:
		return sec, fmt.Errorf("a sector named %q already exists on this site: %w", sec.Name, domain.ErrConflict)
	case len(codes) > 3 && codes[3] == txn.CodeCondition:
		return sec, fmt.Errorf("site %s: %w", site, domain.ErrNotFound)
	case err != nil:
		return sec, fmt.Errorf("create sector: %w", err)
	}
	return sec, nil
}

// GetSector reads one sector of a site.
func (s *Store) GetSector(ctx context.Context, account, site, sector string) (domain.Sector, error) {
	var sec domain.Sector
	err := s.get(ctx, keys.Site(account, site), keys.SectorPre+sector, &sec)
	if errors.Is(err, domain.ErrNotFound) {
		return sec, fmt.Errorf("sector %s: %w", sector, domain.ErrNotFound)
	}
	return sec, err
}

// ListSectors lists a site's sectors.
func (s *Store) ListSectors(ctx context.Context, account, site string, pr PageRequest) (Page[domain.Sector], error) {
	rec, err := s.siteRecord(ctx, account, site)
	if err != nil {
		return Page[domain.Sector]{}, err
	}
	q := query{account: account, filter: "sectors|" + site, pkAttr: "PK", pk: keys.Site(account, site), skAttr: "SK", prefix: keys.SectorPre}
	secs, next, err := runPage[domain.Sector](ctx, s, q, pr)
	return Page[domain.Sector]{Items: secs, NextCursor: next, Total: rec.SectorCount}, err
}
