package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
)

// GetStats reads a site's workflow counters: one item, O(1), site-wide.
func (s *Store) GetStats(ctx context.Context, account, site string) (domain.SiteStats, error) {
	var st domain.SiteStats
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return st, err
	}
	err := s.get(ctx, keys.Site(account, site), keys.StatsSK, &st)
	return st, err
}

// StatsAudit is the result of recounting a site's items.
type StatsAudit struct {
	Counters    map[string]int64            `json:"counters"`     // recounted from the items
	Drift       map[string]int64            `json:"drift"`        // stored minus recounted, per site counter
	SectorDrift map[string]map[string]int64 `json:"sector_drift"` // the same per sector, only where nonzero
	Repaired    bool                        `json:"repaired"`
}

// siteStatusCounter is the counter of content in one site status; content
// written before site statuses existed ("") is not published.
func siteStatusCounter(st domain.SiteStatus) string {
	switch st {
	case domain.SiteScheduled, domain.SitePublishing, domain.SitePublished:
		return string(st)
	case domain.SiteFailed:
		return "publish_failed"
	}
	return "not_published"
}

// countItem says which counters an item contributes 1 to, the same ones
// its writes move (createdCounters, movedCounters, siteStatusCounter), and
// the sector whose counters it also counts in. Entity types that later
// issues add register their counters here.
func countItem(it map[string]types.AttributeValue) (site []string, sector string) {
	k, ok := keys.KindOf(domain.Entity(attrS(it, "_type")))
	if !ok {
		return nil, ""
	}
	status := attrS(it, "status")
	for c := range createdCounters(k, status) {
		site = append(site, c)
	}
	switch k {
	case keys.Keyword:
		return append(site, "keywords_total"), attrS(it, "sector_id")
	case keys.Cluster:
		return site, attrS(it, "sector_id")
	case keys.Content:
		return append(site, siteStatusCounter(domain.SiteStatus(attrS(it, "site_status")))), ""
	}
	return site, ""
}

func attrS(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func readCounters(it map[string]types.AttributeValue) map[string]int64 {
	out := map[string]int64{}
	for k, v := range it {
		if n, ok := v.(*types.AttributeValueMemberN); ok {
			var x int64
			fmt.Sscan(n.Value, &x)
			out[k] = x
		}
	}
	return out
}

// AuditStats recounts the site's items, reports the drift of every counter
// and repairs it. The repair is conditional on the counters being unchanged
// since they were read: each status change moves its counter in the same
// transaction, so unchanged counters mean no item changed meanwhile.
func (s *Store) AuditStats(ctx context.Context, account, site string) (StatsAudit, error) {
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return StatsAudit{}, err
	}
	part := keys.Site(account, site)
	for attempt := 0; attempt < 5; attempt++ {
		stored := map[string]map[string]int64{} // SK of a counter item → counters
		counted := map[string]map[string]int64{}
		err := s.queryAll(ctx, part, keys.StatsSK, func(it map[string]types.AttributeValue) error {
			sk := attrS(it, "SK")
			stored[sk] = readCounters(it)
			counted[sk] = map[string]int64{}
			for c := range stored[sk] {
				counted[sk][c] = 0
			}
			return nil
		})
		if err != nil {
			return StatsAudit{}, err
		}
		err = s.queryAll(ctx, part, "", func(it map[string]types.AttributeValue) error {
			cs, sector := countItem(it)
			for _, c := range cs {
				counted[keys.StatsSK][c]++
				if sector != "" {
					if counted[keys.SectorStats(sector)] == nil {
						counted[keys.SectorStats(sector)] = map[string]int64{}
					}
					counted[keys.SectorStats(sector)][c]++
				}
			}
			return nil
		})
		if err != nil {
			return StatsAudit{}, err
		}
		audit := StatsAudit{Counters: counted[keys.StatsSK], Drift: map[string]int64{}, SectorDrift: map[string]map[string]int64{}}
		var repairs []types.TransactWriteItem
		for sk, want := range counted {
			have := stored[sk]
			drift := map[string]int64{}
			for c, n := range want {
				drift[c] = have[c] - n
			}
			if sk == keys.StatsSK {
				audit.Drift = drift
			} else if nonzero(drift) {
				audit.SectorDrift[strings.TrimPrefix(sk, keys.SectorStatsPrefix)] = drift
			}
			if nonzero(drift) {
				repairs = append(repairs, s.setCounters(part, sk, have, want))
			}
		}
		if len(repairs) == 0 {
			return audit, nil
		}
		err = s.transact(ctx, repairs)
		if err == nil {
			audit.Repaired = true
			return audit, nil
		}
		if txn.Codes(err) == nil {
			return StatsAudit{}, fmt.Errorf("repair counters: %w", err)
		}
		// Counters moved while we counted: count again.
	}
	return StatsAudit{}, fmt.Errorf("counters kept changing during the audit: %w", domain.ErrConflict)
}

func nonzero(m map[string]int64) bool {
	for _, v := range m {
		if v != 0 {
			return true
		}
	}
	return false
}

// setCounters sets counters to want, on condition they still hold have.
func (s *Store) setCounters(pk, sk string, have, want map[string]int64) types.TransactWriteItem {
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	var set, cond []string
	i := 0
	for c, n := range want {
		nm, nv, ov := fmt.Sprintf("#c%d", i), fmt.Sprintf(":n%d", i), fmt.Sprintf(":o%d", i)
		names[nm] = c
		values[nv] = num(n)
		set = append(set, nm+" = "+nv)
		if h, ok := have[c]; ok {
			values[ov] = num(h)
			cond = append(cond, nm+" = "+ov)
		} else {
			cond = append(cond, "attribute_not_exists("+nm+")")
		}
		i++
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(pk, sk),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression:       aws.String(strings.Join(cond, " AND ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}

// corruptCounter is for tests: it moves a counter without its items.
func (s *Store) corruptCounter(ctx context.Context, account, site, counter string, delta int64) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.StatsSK),
		UpdateExpression:          aws.String("ADD #c :d"),
		ExpressionAttributeNames:  map[string]string{"#c": counter},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": num(delta)},
	})
	return err
}
