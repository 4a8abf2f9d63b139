package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// MaxBulkIDs is the most IDs one bulk status change or delete accepts.
const MaxBulkIDs = 1000

// keywordsPerTx keeps a keyword transaction (2 items per keyword plus the
// two counter items) under DynamoDB's 100-item limit.
const keywordsPerTx = 45

// KeywordRow reports one input row that was not added.
type KeywordRow struct {
	Row     int    `json:"row"`
	Keyword string `json:"keyword"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// KeywordReport says what a bulk add did with each row.
type KeywordReport struct {
	Added      []domain.Keyword `json:"added"`
	Duplicates []KeywordRow     `json:"duplicates"`
	Invalid    []KeywordRow     `json:"invalid"`
	Summary    struct {
		Added      int `json:"added"`
		Duplicates int `json:"duplicates"`
		Invalid    int `json:"invalid"`
	} `json:"summary"`
}

type sectorStats struct {
	KeywordsTotal  int64 `json:"keywords_total"`
	KeywordsNew    int64 `json:"keywords_new"`
	KeywordsMapped int64 `json:"keywords_mapped"`
}

func keywordCounter(st domain.KeywordStatus) string { return "keywords_" + string(st) }

func guardSK(sector, keyword string) string {
	h := sha256.Sum256([]byte(domain.KeywordKey(keyword)))
	return keys.KeywordGuard(sector, hex.EncodeToString(h[:16]))
}

func (s *Store) keywordAttrs(account string, k domain.Keyword) map[string]string {
	return map[string]string{
		"PK": keys.Site(account, k.SiteID), "SK": keys.Keyword.SK(k.ID), "_type": string(keys.Keyword.Entity),
		tabledef.GSI1PK: keys.Site(account, k.SiteID), tabledef.GSI1SK: keys.Keyword.Status(string(k.Status), k.ID),
		tabledef.GSI2PK: keys.SiteSector(account, k.SiteID, k.SectorID), tabledef.GSI2SK: keys.Keyword.Status(string(k.Status), k.ID),
		tabledef.GSI3PK: keys.KeywordsByVolume(account, k.SiteID), tabledef.GSI3SK: keys.VolumeRank(k.Volume, k.ID),
	}
}

// resolveSector returns the sector keywords go to: the given one, or the
// site's default sector.
func (s *Store) resolveSector(ctx context.Context, account string, site domain.Site, sector string) (string, error) {
	if sector == "" {
		return site.DefaultSectorID, nil
	}
	if _, err := s.GetSector(ctx, account, site.ID, sector); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return "", domain.Invalid("sector_id", "no sector %q on this site", sector)
		}
		return "", err
	}
	return sector, nil
}

// AddKeywords adds up to MaxBulkKeywords keywords to a sector (the site's
// default sector when sector is ""). Invalid rows and keywords already on the
// sector are reported, not added; the rest are added with their counters in
// the same transactions.
func (s *Store) AddKeywords(ctx context.Context, account, siteID, sector string, rows []domain.NewKeyword) (KeywordReport, error) {
	rep := KeywordReport{Added: []domain.Keyword{}, Duplicates: []KeywordRow{}, Invalid: []KeywordRow{}}
	if len(rows) == 0 {
		return rep, domain.Invalid("keywords", "send at least one keyword")
	}
	if len(rows) > domain.MaxBulkKeywords {
		return rep, domain.Invalid("keywords", "at most %d keywords per request, got %d", domain.MaxBulkKeywords, len(rows))
	}
	site, err := s.GetSite(ctx, account, siteID)
	if err != nil {
		return rep, err
	}
	if sector, err = s.resolveSector(ctx, account, site, sector); err != nil {
		return rep, err
	}
	seen := map[string]bool{}
	var pending []domain.Keyword
	rowOf := map[string]int{}
	now := s.now()
	for i, r := range rows {
		raw := r.Keyword
		if err := r.Normalize(); err != nil {
			var ve *domain.ValidationError
			errors.As(err, &ve)
			rep.Invalid = append(rep.Invalid, KeywordRow{Row: i, Keyword: raw, Field: ve.Field, Message: ve.Message})
			continue
		}
		k := domain.KeywordKey(r.Keyword)
		if seen[k] {
			rep.Duplicates = append(rep.Duplicates, KeywordRow{Row: i, Keyword: r.Keyword, Message: "repeated in this request"})
			continue
		}
		seen[k] = true
		kw := domain.Keyword{ID: NewID(), SiteID: siteID, SectorID: sector, Keyword: r.Keyword, Volume: r.Volume,
			Difficulty: r.Difficulty, Intent: r.Intent, Status: domain.KeywordNew, CreatedAt: now, UpdatedAt: now}
		rowOf[kw.ID] = i
		pending = append(pending, kw)
	}
	for start := 0; start < len(pending); start += keywordsPerTx {
		chunk := pending[start:min(start+keywordsPerTx, len(pending))]
		added, dups, err := s.addKeywordChunk(ctx, account, siteID, sector, chunk)
		if err != nil {
			return rep, err
		}
		rep.Added = append(rep.Added, added...)
		for _, d := range dups {
			rep.Duplicates = append(rep.Duplicates, KeywordRow{Row: rowOf[d.ID], Keyword: d.Keyword, Message: "already on this sector"})
		}
	}
	slices.SortFunc(rep.Duplicates, func(a, b KeywordRow) int { return a.Row - b.Row })
	rep.Summary.Added, rep.Summary.Duplicates, rep.Summary.Invalid = len(rep.Added), len(rep.Duplicates), len(rep.Invalid)
	return rep, nil
}

// addKeywordChunk writes one transaction of keywords. When some are already
// on the sector, the cancellation reasons name them; they are dropped and the
// rest written again.
func (s *Store) addKeywordChunk(ctx context.Context, account, site, sector string, chunk []domain.Keyword) (added, dups []domain.Keyword, err error) {
	for len(chunk) > 0 {
		items := make([]types.TransactWriteItem, 0, 2*len(chunk)+2)
		for _, kw := range chunk {
			attrs := s.keywordAttrs(account, kw)
			kwItem, err := s.put(kw, attrs, "attribute_not_exists(PK)")
			if err != nil {
				return nil, nil, err
			}
			kwItem.Put.Item["keyword_key"] = str(domain.KeywordKey(kw.Keyword))
			guard, err := s.put(map[string]string{"keyword_id": kw.ID}, map[string]string{"PK": attrs["PK"], "SK": guardSK(sector, kw.Keyword), "_type": typeGuard}, "attribute_not_exists(PK)")
			if err != nil {
				return nil, nil, err
			}
			items = append(items, kwItem, guard)
		}
		n := int64(len(chunk))
		items = append(items,
			txn.AddCounters(s.table, keys.Site(account, site), keys.StatsSK, map[string]int64{"keywords_total": n, "keywords_new": n}),
			txn.AddCounters(s.table, keys.Site(account, site), keys.SectorStats(sector), map[string]int64{"keywords_total": n, "keywords_new": n}))
		err := s.transact(ctx, items)
		if err == nil {
			return append(added, chunk...), dups, nil
		}
		codes := txn.Codes(err)
		if codes == nil {
			return nil, nil, fmt.Errorf("add keywords: %w", err)
		}
		if codes[len(codes)-2] == txn.CodeCondition || codes[len(codes)-1] == txn.CodeCondition {
			return nil, nil, fmt.Errorf("site %s: %w", site, domain.ErrNotFound)
		}
		var rest []domain.Keyword
		for i, kw := range chunk {
			if codes[2*i+1] == txn.CodeCondition {
				dups = append(dups, kw)
			} else {
				rest = append(rest, kw)
			}
		}
		if len(rest) == len(chunk) {
			return nil, nil, fmt.Errorf("add keywords: %w", err)
		}
		chunk = rest
	}
	return added, dups, nil
}

// KeywordFilter narrows a keyword list.
type KeywordFilter struct {
	Status   domain.KeywordStatus
	SectorID string
	Newest   bool // newest first
	ByVolume bool // highest search volume first (the status and sector then filter the index)
}

// ListKeywords lists a site's keywords, oldest (or newest) first, by status
// and sector.
// Total is read from the counters.
func (s *Store) ListKeywords(ctx context.Context, account, siteID string, f KeywordFilter, pr PageRequest) (Page[domain.Keyword], error) {
	if _, err := s.GetSite(ctx, account, siteID); err != nil {
		return Page[domain.Keyword]{}, err
	}
	part := keys.Site(account, siteID)
	q := query{account: account, filter: fmt.Sprintf("keywords|%s|status=%s|sector=%s|newest=%t|volume=%t", siteID, f.Status, f.SectorID, f.Newest, f.ByVolume),
		pkAttr: "PK", pk: part, skAttr: "SK", prefix: keys.Keyword.Prefix, newest: f.Newest}
	statsSK := keys.StatsSK
	if f.SectorID != "" {
		if _, err := s.GetSector(ctx, account, siteID, f.SectorID); err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return Page[domain.Keyword]{}, domain.Invalid("sector_id", "no sector %q on this site", f.SectorID)
			}
			return Page[domain.Keyword]{}, err
		}
		statsSK = keys.SectorStats(f.SectorID)
		q.index, q.pkAttr, q.pk, q.skAttr, q.prefix = tabledef.BySector, tabledef.GSI2PK, keys.SiteSector(account, siteID, f.SectorID), tabledef.GSI2SK, keys.Keyword.AnyStatusPrefix()
		if f.Status != "" {
			q.prefix = keys.Keyword.StatusPrefix(string(f.Status))
		}
	} else if f.Status != "" {
		q.index, q.pkAttr, q.skAttr, q.prefix = tabledef.ByStatus, tabledef.GSI1PK, tabledef.GSI1SK, keys.Keyword.StatusPrefix(string(f.Status))
	}
	if f.ByVolume {
		// One volume order over the site; status and sector filter it (a
		// Query that reads past the others, never a Scan).
		q.index, q.pkAttr, q.pk, q.skAttr, q.prefix = tabledef.ByVolume, tabledef.GSI3PK, keys.KeywordsByVolume(account, siteID), tabledef.GSI3SK, ""
		q.where, q.whereNames, q.whereValues = "", map[string]string{}, map[string]types.AttributeValue{}
		var conds []string
		if f.Status != "" {
			conds = append(conds, "#kwst = :kwst")
			q.whereNames["#kwst"], q.whereValues[":kwst"] = "status", str(string(f.Status))
		}
		if f.SectorID != "" {
			conds = append(conds, "sector_id = :kwsec")
			q.whereValues[":kwsec"] = str(f.SectorID)
		}
		q.where = strings.Join(conds, " AND ")
	}
	kws, next, err := runPage[domain.Keyword](ctx, s, q, pr)
	if err != nil {
		return Page[domain.Keyword]{}, err
	}
	var st sectorStats
	if err := s.get(ctx, part, statsSK, &st); err != nil {
		return Page[domain.Keyword]{}, err
	}
	total := st.KeywordsTotal
	switch f.Status {
	case domain.KeywordNew:
		total = st.KeywordsNew
	case domain.KeywordMapped:
		total = st.KeywordsMapped
	}
	return Page[domain.Keyword]{Items: kws, NextCursor: next, Total: total}, nil
}

// BulkResult reports a bulk change.
type BulkResult struct {
	Changed   int      `json:"changed"`
	Unchanged int      `json:"unchanged"`
	NotFound  []string `json:"not_found"`
}

// keywordsPerBulkTx bounds a bulk transaction: one update per keyword, plus
// the site counters and at most one counter item per sector.
const keywordsPerBulkTx = 45

func validateIDs(ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, domain.Invalid("ids", "send at least one id")
	}
	if len(ids) > MaxBulkIDs {
		return nil, domain.Invalid("ids", "at most %d ids per request, got %d", MaxBulkIDs, len(ids))
	}
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for i, id := range ids {
		if id == "" || len(id) > 64 {
			return nil, domain.Invalid(fmt.Sprintf("ids[%d]", i), "is not a valid id")
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// readKeywords reads keywords by ID (strongly consistent); missing IDs are
// left out of the map.
func (s *Store) readKeywords(ctx context.Context, account, site string, ids []string) (map[string]domain.Keyword, error) {
	got := map[string]domain.Keyword{}
	for start := 0; start < len(ids); start += 100 {
		var ks []map[string]types.AttributeValue
		for _, id := range ids[start:min(start+100, len(ids))] {
			ks = append(ks, key(keys.Site(account, site), keys.KeywordPre+id))
		}
		req := map[string]types.KeysAndAttributes{s.table: {Keys: ks, ConsistentRead: aws.Bool(true)}}
		for len(req) > 0 {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("read keywords: %w", err)
			}
			for _, it := range out.Responses[s.table] {
				var kw domain.Keyword
				if err := unmarshal(it, &kw); err != nil {
					return nil, err
				}
				got[kw.ID] = kw
			}
			req = out.UnprocessedKeys
		}
	}
	return got, nil
}

// SetKeywordStatus changes the status of keywords and the counters in the
// same transactions. A keyword changed concurrently is read again.
func (s *Store) SetKeywordStatus(ctx context.Context, account, site string, ids []string, status domain.KeywordStatus) (BulkResult, error) {
	return s.bulkKeywords(ctx, account, site, ids, func(kw domain.Keyword) ([]types.TransactWriteItem, map[string]int64) {
		if kw.Status == status {
			return nil, nil
		}
		upd := types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.KeywordPre+kw.ID),
			UpdateExpression:         aws.String("SET #st = :new, GSI1SK = :sk, GSI2SK = :sk, updated_at = :now"),
			ConditionExpression:      aws.String("#st = :old"),
			ExpressionAttributeNames: map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":new": str(string(status)), ":old": str(string(kw.Status)),
				":sk": str(keys.Status("KW", string(status), kw.ID)), ":now": str(s.now().Format("2006-01-02T15:04:05.999999999Z07:00")),
			},
		}}
		return []types.TransactWriteItem{upd}, map[string]int64{keywordCounter(kw.Status): -1, keywordCounter(status): 1}
	})
}

// DeleteKeywords deletes keywords, their uniqueness guards and their counts.
func (s *Store) DeleteKeywords(ctx context.Context, account, site string, ids []string) (BulkResult, error) {
	return s.bulkKeywords(ctx, account, site, ids, func(kw domain.Keyword) ([]types.TransactWriteItem, map[string]int64) {
		guard := types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(keys.Site(account, site), guardSK(kw.SectorID, kw.Keyword))}}
		del := types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.KeywordPre+kw.ID),
			ConditionExpression:       aws.String("#st = :old"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":old": str(string(kw.Status))},
		}}
		return []types.TransactWriteItem{del, guard}, map[string]int64{keywordCounter(kw.Status): -1, "keywords_total": -1}
	})
}

// bulkKeywords applies change to each keyword in transactions of
// keywordsPerBulkTx, with the site and sector counter deltas in the same
// transaction. change returns no writes for a keyword it leaves as it is.
func (s *Store) bulkKeywords(ctx context.Context, account, site string, ids []string,
	change func(domain.Keyword) ([]types.TransactWriteItem, map[string]int64)) (BulkResult, error) {
	res := BulkResult{NotFound: []string{}}
	ids, err := validateIDs(ids)
	if err != nil {
		return res, err
	}
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return res, err
	}
	for start := 0; start < len(ids); start += keywordsPerBulkTx {
		chunk := ids[start:min(start+keywordsPerBulkTx, len(ids))]
		for attempt := 0; ; attempt++ {
			got, err := s.readKeywords(ctx, account, site, chunk)
			if err != nil {
				return res, err
			}
			var items []types.TransactWriteItem
			changedN := 0
			siteDelta := map[string]int64{}
			sectorDelta := map[string]map[string]int64{}
			notFound, unchanged := []string{}, 0
			for _, id := range chunk {
				kw, ok := got[id]
				if !ok {
					notFound = append(notFound, id)
					continue
				}
				writes, deltas := change(kw)
				if len(writes) == 0 {
					unchanged++
					continue
				}
				changedN++
				items = append(items, writes...)
				if sectorDelta[kw.SectorID] == nil {
					sectorDelta[kw.SectorID] = map[string]int64{}
				}
				for c, d := range deltas {
					siteDelta[c] += d
					sectorDelta[kw.SectorID][c] += d
				}
			}
			if changedN > 0 {
				items = append(items, txn.AddCounters(s.table, keys.Site(account, site), keys.StatsSK, siteDelta))
				for sec, d := range sectorDelta {
					items = append(items, txn.AddCounters(s.table, keys.Site(account, site), keys.SectorStats(sec), d))
				}
				err = s.transact(ctx, items)
			}
			if err == nil {
				res.Changed += changedN
				res.Unchanged += unchanged
				res.NotFound = append(res.NotFound, notFound...)
				break
			}
			// A keyword changed or vanished between our read and the write:
			// read the chunk again (bounded, so a hot item cannot spin us).
			if txn.Codes(err) == nil || attempt >= 4 {
				return res, fmt.Errorf("bulk keyword change: %w", err)
			}
		}
	}
	return res, nil
}
