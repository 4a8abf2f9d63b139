package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// Tx collects the writes of one transaction with the counter deltas they
// imply, so items and counters move together (see package txn).
type Tx = txn.Tx

// count adds deltas to the site's counters.
func (s *Store) count(w *Tx, account, site string, deltas map[string]int64) {
	w.Count(s.table, keys.Site(account, site), keys.StatsSK, deltas)
}

// countSector adds deltas to a sector's keyword counters.
func (s *Store) countSector(w *Tx, account, site, sector string, deltas map[string]int64) {
	w.Count(s.table, keys.Site(account, site), keys.SectorStats(sector), deltas)
}

// counterPrefix names each kind's counters: "<prefix>_<status>" counts one
// status ("ideas_queued"), and for clusters, ideas, tasks and images
// "<prefix>" alone counts the current items (images: not superseded).
var counterPrefix = map[domain.Entity]string{
	domain.EntityKeyword: "keywords", domain.EntityCluster: "clusters", domain.EntityIdea: "ideas",
	domain.EntityTask: "tasks", domain.EntityContent: "content", domain.EntityImage: "images",
}

// statusCounter is the counter of one status of a kind.
func statusCounter(k keys.Kind, status string) string { return counterPrefix[k.Entity] + "_" + status }

// createdCounters are the counters a new item of kind k in status adds 1 to.
func createdCounters(k keys.Kind, status string) map[string]int64 {
	d := map[string]int64{statusCounter(k, status): 1}
	switch {
	case k == keys.Image && status == string(domain.ImageSuperseded):
	case k == keys.Cluster, k == keys.Idea, k == keys.Task, k == keys.Image:
		d[counterPrefix[k.Entity]] = 1
	}
	return d
}

// movedCounters is the change of counters when an item of kind k moves
// between statuses.
func movedCounters(k keys.Kind, from, to string) map[string]int64 {
	d := map[string]int64{statusCounter(k, from): -1}
	d[statusCounter(k, to)]++
	if k == keys.Image && to == string(domain.ImageSuperseded) && from != to {
		d["images"]-- // no longer a current version
	}
	return d
}

// entityPut adds a new workflow entity and counts it; extra are further
// key attributes (index keys).
func (s *Store) entityPut(w *Tx, account, site string, k keys.Kind, id, status string, v any, extra map[string]string, counters map[string]int64) error {
	part := keys.Site(account, site)
	attrs := map[string]string{
		"PK": part, "SK": k.SK(id), "_type": string(k.Entity),
		tabledef.GSI1PK: part, tabledef.GSI1SK: k.Status(status, id),
	}
	for a, v := range extra {
		attrs[a] = v
	}
	it, err := s.put(v, attrs, "attribute_not_exists(PK)")
	if err == nil {
		w.Add(it)
		s.count(w, account, site, counters)
	}
	return err
}

// PutCluster adds a new cluster. A cluster with a sector is also in the
// sector's index and counters, so the sector filter lists and totals it.
func (s *Store) PutCluster(w *Tx, account string, c domain.Cluster) error {
	var extra map[string]string
	if c.SectorID != "" {
		extra = map[string]string{tabledef.GSI2PK: keys.SiteSector(account, c.SiteID, c.SectorID), tabledef.GSI2SK: keys.Cluster.Status(string(c.Status), c.ID)}
	}
	counters := createdCounters(keys.Cluster, string(c.Status))
	if err := s.entityPut(w, account, c.SiteID, keys.Cluster, c.ID, string(c.Status), c, extra, counters); err != nil {
		return err
	}
	if c.SectorID != "" {
		s.countSector(w, account, c.SiteID, c.SectorID, counters)
	}
	return nil
}

// PutIdea adds a new content idea.
func (s *Store) PutIdea(w *Tx, account string, i domain.ContentIdea) error {
	return s.entityPut(w, account, i.SiteID, keys.Idea, i.ID, string(i.Status), i, nil, createdCounters(keys.Idea, string(i.Status)))
}

// PutTask adds a new writer task.
func (s *Store) PutTask(w *Tx, account string, t domain.Task) error {
	return s.entityPut(w, account, t.SiteID, keys.Task, t.ID, string(t.Status), t, nil, createdCounters(keys.Task, string(t.Status)))
}

// PutContent adds a new content item, counted by status and site status.
func (s *Store) PutContent(w *Tx, account string, c domain.Content) error {
	counters := createdCounters(keys.Content, string(c.Status))
	counters[siteStatusCounter(c.SiteStatus)]++
	return s.entityPut(w, account, c.SiteID, keys.Content, c.ID, string(c.Status), c, nil, counters)
}

// PutImage adds a new image record, also in its content's image index.
func (s *Store) PutImage(w *Tx, account string, img domain.Image) error {
	extra := map[string]string{tabledef.GSI2PK: keys.ContentImages(account, img.SiteID, img.ContentID), tabledef.GSI2SK: keys.Image.SK(img.ID)}
	return s.entityPut(w, account, img.SiteID, keys.Image, img.ID, string(img.Status), img, extra, createdCounters(keys.Image, string(img.Status)))
}

// setStatus moves an entity from one status to another (condition: it still
// has the old one), setting extra attributes too (a nil value removes the
// attribute). The status counters move with it (movedCounters); counters
// are further deltas.
func (s *Store) setStatus(w *Tx, account, site string, k keys.Kind, id, from, to string, set map[string]types.AttributeValue, counters map[string]int64) {
	names := map[string]string{"#st": "status"}
	vals := map[string]types.AttributeValue{":from": str(from), ":to": str(to), ":g": str(k.Status(to, id)),
		":now": str(s.now().Format("2006-01-02T15:04:05.999999999Z07:00"))}
	expr := "SET #st = :to, GSI1SK = :g, updated_at = :now"
	var remove []string
	i := 0
	for name, v := range set {
		n, p := fmt.Sprintf("#x%d", i), fmt.Sprintf(":x%d", i)
		names[n] = name
		i++
		if v == nil {
			remove = append(remove, n)
			continue
		}
		vals[p] = v
		expr += ", " + n + " = " + p
	}
	if len(remove) > 0 {
		expr += " REMOVE " + strings.Join(remove, ", ")
	}
	w.Add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), k.SK(id)),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String("#st = :from"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
	}})
	d := movedCounters(k, from, to)
	for c, n := range counters {
		d[c] += n
	}
	s.count(w, account, site, d)
}

// MapKeyword marks a new keyword mapped to a cluster.
func (s *Store) MapKeyword(w *Tx, account string, kw domain.Keyword, cluster string) {
	s.setStatus(w, account, kw.SiteID, keys.Keyword, kw.ID, string(domain.KeywordNew), string(domain.KeywordMapped),
		map[string]types.AttributeValue{"cluster_id": str(cluster), tabledef.GSI2SK: str(keys.Keyword.Status(string(domain.KeywordMapped), kw.ID))}, nil)
	s.countSector(w, account, kw.SiteID, kw.SectorID, map[string]int64{"keywords_new": -1, "keywords_mapped": 1})
}

// SetClusterStatus moves a cluster (new → mapped once it has ideas), in its
// sector's index and counters too.
func (s *Store) SetClusterStatus(w *Tx, account string, c domain.Cluster, to domain.ClusterStatus) {
	var set map[string]types.AttributeValue
	if c.SectorID != "" {
		set = map[string]types.AttributeValue{tabledef.GSI2SK: str(keys.Cluster.Status(string(to), c.ID))}
	}
	s.setStatus(w, account, c.SiteID, keys.Cluster, c.ID, string(c.Status), string(to), set, nil)
	if c.SectorID != "" && c.Status != to {
		s.countSector(w, account, c.SiteID, c.SectorID, movedCounters(keys.Cluster, string(c.Status), string(to)))
	}
}

// SetIdeaStatus moves an idea (new → queued → completed).
func (s *Store) SetIdeaStatus(w *Tx, account string, i domain.ContentIdea, to domain.IdeaStatus) {
	s.setStatus(w, account, i.SiteID, keys.Idea, i.ID, string(i.Status), string(to), nil, nil)
}

// SetTaskStatus moves a task (queued → completed).
func (s *Store) SetTaskStatus(w *Tx, account string, t domain.Task, to domain.TaskStatus) {
	s.setStatus(w, account, t.SiteID, keys.Task, t.ID, string(t.Status), string(to), nil, nil)
}

// SetContentStatus moves content between editorial statuses.
func (s *Store) SetContentStatus(w *Tx, account string, c domain.Content, to domain.ContentStatus) {
	s.setStatus(w, account, c.SiteID, keys.Content, c.ID, string(c.Status), string(to), nil, nil)
}

// SetImageGenerated stores a generated image's URL and provenance.
func (s *Store) SetImageGenerated(w *Tx, account string, img domain.Image, url, provider, model string, tier domain.QualityTier) {
	s.setStatus(w, account, img.SiteID, keys.Image, img.ID, string(img.Status), string(domain.ImageGenerated),
		map[string]types.AttributeValue{"url": str(url), "provider": str(provider), "model": str(model), "quality_tier": str(string(tier)), "error": str("")}, nil)
}

// SetImageFailed records why an image could not be generated (a refusal, a
// permanent provider error): reason is user-facing text.
func (s *Store) SetImageFailed(w *Tx, account string, img domain.Image, reason string) {
	s.setStatus(w, account, img.SiteID, keys.Image, img.ID, string(img.Status), string(domain.ImageFailed),
		map[string]types.AttributeValue{"error": str(domain.Clip(reason, 500))}, nil)
}

// SupersedeImage keeps an image as a previous version of its replacement.
func (s *Store) SupersedeImage(w *Tx, account string, img domain.Image, by string) {
	s.setStatus(w, account, img.SiteID, keys.Image, img.ID, string(img.Status), string(domain.ImageSuperseded),
		map[string]types.AttributeValue{"superseded_by": str(by)}, nil)
}

func getEntity[T any](ctx context.Context, s *Store, account, site string, k keys.Kind, id string) (T, error) {
	var v T
	err := s.get(ctx, keys.Site(account, site), k.SK(id), &v)
	if errors.Is(err, domain.ErrNotFound) {
		return v, fmt.Errorf("%s %s: %w", k.Entity, id, domain.ErrNotFound)
	}
	return v, err
}

// GetCluster, GetIdea, GetTask, GetContent and GetImage read one entity.
func (s *Store) GetCluster(ctx context.Context, account, site, id string) (domain.Cluster, error) {
	return getEntity[domain.Cluster](ctx, s, account, site, keys.Cluster, id)
}

func (s *Store) GetIdea(ctx context.Context, account, site, id string) (domain.ContentIdea, error) {
	return getEntity[domain.ContentIdea](ctx, s, account, site, keys.Idea, id)
}

func (s *Store) GetTask(ctx context.Context, account, site, id string) (domain.Task, error) {
	return getEntity[domain.Task](ctx, s, account, site, keys.Task, id)
}

func (s *Store) GetContent(ctx context.Context, account, site, id string) (domain.Content, error) {
	return getEntity[domain.Content](ctx, s, account, site, keys.Content, id)
}

func (s *Store) GetImage(ctx context.Context, account, site, id string) (domain.Image, error) {
	return getEntity[domain.Image](ctx, s, account, site, keys.Image, id)
}

// GetKeywords reads keywords by ID; missing ones are ErrNotFound naming them.
func (s *Store) GetKeywords(ctx context.Context, account, site string, ids []string) ([]domain.Keyword, error) {
	got, err := s.readKeywords(ctx, account, site, ids)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Keyword, 0, len(ids))
	for _, id := range ids {
		kw, ok := got[id]
		if !ok {
			return nil, fmt.Errorf("keyword %s: %w", id, domain.ErrNotFound)
		}
		out = append(out, kw)
	}
	return out, nil
}

// KeywordsOfCluster lists the keywords mapped to a cluster (by the site's
// mapped-status index, filtered to the cluster).
func (s *Store) KeywordsOfCluster(ctx context.Context, account, site, cluster string) ([]domain.Keyword, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(tabledef.ByStatus),
		KeyConditionExpression:    aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :p)"),
		FilterExpression:          aws.String("cluster_id = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(keys.Site(account, site)), ":p": str(keys.Keyword.StatusPrefix(string(domain.KeywordMapped))), ":c": str(cluster)},
	}
	var out []domain.Keyword
	err := s.forEach(ctx, in, func(it map[string]types.AttributeValue) error {
		var kw domain.Keyword
		err := unmarshal(it, &kw)
		out = append(out, kw)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ImagesOfContent lists a content item's images (all versions).
func (s *Store) ImagesOfContent(ctx context.Context, account, site, content string) ([]domain.Image, error) {
	var out []domain.Image
	err := s.queryAll(ctx, keys.Site(account, site), keys.Image.Prefix, func(it map[string]types.AttributeValue) error {
		if attrS(it, "content_id") != content {
			return nil
		}
		var img domain.Image
		if err := unmarshal(it, &img); err != nil {
			return err
		}
		out = append(out, img)
		return nil
	})
	return out, err
}

// IDsByStatus lists the IDs of a site's entities in one status, oldest first,
// up to limit (automation uses it to find the work waiting for a stage).
func (s *Store) IDsByStatus(ctx context.Context, account, site string, entity domain.Entity, status string, limit int) ([]string, error) {
	k, ok := keys.KindOf(entity)
	if !ok {
		return nil, fmt.Errorf("store: no kind for entity %q", entity)
	}
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(tabledef.ByStatus),
		KeyConditionExpression:    aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(keys.Site(account, site)), ":p": str(k.StatusPrefix(status))},
		ProjectionExpression:      aws.String("id"),
	}
	return s.queryIDs(ctx, in, limit)
}

// queryIDs runs a query projecting "id" and returns up to limit IDs (0: all).
func (s *Store) queryIDs(ctx context.Context, in *dynamodb.QueryInput, limit int) ([]string, error) {
	var ids []string
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() && (limit <= 0 || len(ids) < limit) {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if limit > 0 && len(ids) == limit {
				break
			}
			ids = append(ids, attrS(it, "id"))
		}
	}
	return ids, nil
}

// ReviewContent moves content from one of from to to by hand (approve,
// reject), with its counters; any other status is a conflict. Rejecting
// records reason; approving removes the reason of an earlier rejection.
func (s *Store) ReviewContent(ctx context.Context, account, site, id string, from []domain.ContentStatus, to domain.ContentStatus, reason string) (domain.Content, error) {
	c, err := s.GetContent(ctx, account, site, id)
	if err != nil {
		return c, err
	}
	if c.Status == to && (to != domain.ContentRejected || c.RejectReason == reason) {
		return c, nil
	}
	if c.Status != to && !slices.Contains(from, c.Status) {
		return c, fmt.Errorf("content is %s and cannot become %s: %w", c.Status, to, domain.ErrConflict)
	}
	set := map[string]types.AttributeValue{"reject_reason": nil}
	if to == domain.ContentRejected && reason != "" {
		set["reject_reason"] = str(reason)
	}
	// A rejection again with another reason moves from rejected to rejected:
	// the counters' deltas cancel out.
	var w Tx
	s.setStatus(&w, account, site, keys.Content, c.ID, string(c.Status), string(to), set, nil)
	if err := s.transact(ctx, w.Items()); err != nil {
		if txn.Codes(err) != nil {
			return c, fmt.Errorf("content changed meanwhile; try again: %w", domain.ErrConflict)
		}
		return c, err
	}
	return s.GetContent(ctx, account, site, id)
}

// Commit writes w (items and counters) in one transaction: for seeding and
// tools; steps write through their exactly-once chunks instead.
func (s *Store) Commit(ctx context.Context, w *Tx) error {
	return s.transact(ctx, w.Items())
}

// ClaimItems marks the items as worked on by operation op until until, so a
// second operation on them is refused before it is charged. An item claimed
// by another operation whose claim has not expired fails the claim: what
// this call claimed is released and the answer is a *domain.ClaimedError
// naming the claimed items. Claiming again for the same op is harmless.
func (s *Store) ClaimItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string, until time.Time) error {
	k, ok := keys.KindOf(e)
	if !ok {
		return fmt.Errorf("store: no kind for entity %q", e)
	}
	now := strconv.FormatInt(s.now().Unix(), 10)
	for start := 0; start < len(ids); start += txn.MaxItems {
		chunk := ids[start:min(start+txn.MaxItems, len(ids))]
		var w Tx
		for _, id := range chunk {
			w.Add(types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(s.table), Key: key(keys.Site(account, site), k.SK(id)),
				UpdateExpression:                    aws.String("SET claim_op = :op, claim_until = :until"),
				ConditionExpression:                 aws.String("attribute_exists(PK) AND (attribute_not_exists(claim_op) OR claim_until < :now OR claim_op = :op)"),
				ExpressionAttributeValues:           map[string]types.AttributeValue{":op": str(op), ":until": num(until.Unix()), ":now": &types.AttributeValueMemberN{Value: now}},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}})
		}
		err := s.transact(ctx, w.Items())
		if err == nil {
			continue
		}
		// Undo what this call claimed before answering; a claim left behind
		// would only expire with its hold.
		rerr := s.ReleaseItems(context.WithoutCancel(ctx), account, site, e, ids[:start], op)
		reasons := txn.Reasons(err)
		if reasons == nil {
			return errors.Join(fmt.Errorf("claim %s items: %w", e, err), rerr)
		}
		ce := &domain.ClaimedError{Entity: e}
		for i, r := range reasons {
			if aws.ToString(r.Code) != txn.CodeCondition {
				continue
			}
			if r.Item != nil && r.Item["PK"] == nil {
				return errors.Join(fmt.Errorf("%s %s: %w", e, chunk[i], domain.ErrNotFound), rerr)
			}
			ce.Items = append(ce.Items, chunk[i])
		}
		if len(ce.Items) == 0 {
			return errors.Join(fmt.Errorf("claim %s items: %w", e, err), rerr)
		}
		return errors.Join(ce, rerr)
	}
	return nil
}

// ReleaseItems ends op's claim on the items. Items claimed by someone else
// meanwhile (op's claim expired) or deleted are left as they are.
func (s *Store) ReleaseItems(ctx context.Context, account, site string, e domain.Entity, ids []string, op string) error {
	k, ok := keys.KindOf(e)
	if !ok {
		return fmt.Errorf("store: no kind for entity %q", e)
	}
	var errs []error
	for _, id := range ids {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.table), Key: key(keys.Site(account, site), k.SK(id)),
			UpdateExpression:          aws.String("REMOVE claim_op, claim_until"),
			ConditionExpression:       aws.String("claim_op = :op"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":op": str(op)},
		})
		if err != nil && !isConditionFailed(err) {
			errs = append(errs, fmt.Errorf("release %s %s: %w", e, id, err))
		}
	}
	return errors.Join(errs...)
}
