package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// Publishing items.
//   - PUBLISHING: the site's settings, with slot_version, which every slot
//     allocation bumps so two allocations never give out the same slot.
//   - INTEGRATION: the site's connection, secret sealed.
//   - SLOT#<instant>#<content>: one per scheduled or published item, at its
//     slot (while scheduled) or its publish time (once published). The limits
//     count them and the calendar lists them: a range query, never a scan.
//   - Content items in the due queue carry GSI2PK = keys.PublishQueuePK and
//     GSI2SK = "<due instant>#<account>#<site>#<content>": due is the slot
//     while scheduled, the lease expiry while publishing, so a publisher that
//     died mid-way is picked up again by the next tick.
const (
	// SlotFormat is fixed-width, so instants compare as strings in key
	// conditions and condition expressions.
	SlotFormat = "2006-01-02T15:04:05Z"
)

func slotTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(SlotFormat) }

// publishingRecord is the PUBLISHING item.
type publishingRecord struct {
	domain.PublishingSettings
	ScheduleSaved bool  `json:"schedule_saved"`
	SlotVersion   int64 `json:"slot_version"`
}

// GetPublishingSettings reads a site's publishing settings: the defaults
// until it saves a schedule, in the site's zone unless another is set.
func (s *Store) GetPublishingSettings(ctx context.Context, account, site string) (domain.PublishingSettings, error) {
	p, _, err := s.publishingState(ctx, account, site)
	return p, err
}

// publishingState is the settings with the slot version they were read at.
func (s *Store) publishingState(ctx context.Context, account, siteID string) (domain.PublishingSettings, int64, error) {
	site, err := s.GetSite(ctx, account, siteID)
	if err != nil {
		return domain.PublishingSettings{}, 0, err
	}
	var rec publishingRecord
	err = s.get(ctx, keys.Site(account, siteID), keys.PublishingSK, &rec)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.PublishingSettings{}, 0, err
	}
	p := rec.PublishingSettings
	if !rec.ScheduleSaved {
		d := domain.DefaultPublishingSettings(site.TimeZone)
		d.AutoApprovalEnabled, d.AutoPublishEnabled, d.UpdatedAt = p.AutoApprovalEnabled, p.AutoPublishEnabled, p.UpdatedAt
		p = d
	}
	if p.TimeZone == "" {
		p.TimeZone = site.TimeZone
	}
	return p, rec.SlotVersion, nil
}

// SetPublishingToggles saves the given toggles alone, at once.
func (s *Store) SetPublishingToggles(ctx context.Context, account, site string, autoApproval, autoPublish *bool) (domain.PublishingSettings, error) {
	if autoApproval == nil && autoPublish == nil {
		return domain.PublishingSettings{}, domain.Invalid("", "send auto_approval_enabled and/or auto_publish_enabled")
	}
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return domain.PublishingSettings{}, err
	}
	expr := "SET #t = :t, updated_at = :now"
	vals := map[string]types.AttributeValue{":t": str("publishing_settings"), ":now": str(s.now().Format(timeFormat))}
	if autoApproval != nil {
		expr += ", auto_approval_enabled = :a"
		vals[":a"] = &types.AttributeValueMemberBOOL{Value: *autoApproval}
	}
	if autoPublish != nil {
		expr += ", auto_publish_enabled = :p"
		vals[":p"] = &types.AttributeValueMemberBOOL{Value: *autoPublish}
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.PublishingSK),
		UpdateExpression: aws.String(expr), ExpressionAttributeNames: map[string]string{"#t": "_type"}, ExpressionAttributeValues: vals,
	})
	if err != nil {
		return domain.PublishingSettings{}, err
	}
	return s.GetPublishingSettings(ctx, account, site)
}

// PutPublishingSchedule saves the limits and the schedule together (the
// caller validated them); the toggles are left as they are.
func (s *Store) PutPublishingSchedule(ctx context.Context, account, site string, p domain.PublishingSettings) (domain.PublishingSettings, error) {
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return domain.PublishingSettings{}, err
	}
	days, slots := &types.AttributeValueMemberL{}, &types.AttributeValueMemberL{}
	for _, d := range p.PublishDays {
		days.Value = append(days.Value, str(d))
	}
	for _, t := range p.TimeSlots {
		slots.Value = append(slots.Value, str(t))
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.PublishingSK),
		UpdateExpression: aws.String("SET #t = :t, daily_limit = :d, weekly_limit = :w, monthly_limit = :m, publish_days = :days, " +
			"time_slots = :slots, time_zone = :tz, schedule_saved = :true, updated_at = :now"),
		ExpressionAttributeNames: map[string]string{"#t": "_type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": str("publishing_settings"), ":d": num(int64(p.DailyLimit)), ":w": num(int64(p.WeeklyLimit)), ":m": num(int64(p.MonthlyLimit)),
			":days": days, ":slots": slots, ":tz": str(p.TimeZone), ":true": &types.AttributeValueMemberBOOL{Value: true},
			":now": str(s.now().Format(timeFormat)),
		},
	})
	if err != nil {
		return domain.PublishingSettings{}, err
	}
	return s.GetPublishingSettings(ctx, account, site)
}

// SlotState is a site's publishing settings and the instants already taken
// from `from` on, as one consistent view for an allocation.
type SlotState struct {
	Settings domain.PublishingSettings
	Version  int64
	Taken    []time.Time
}

// SlotState reads what an allocation needs.
func (s *Store) SlotState(ctx context.Context, account, site string, from time.Time) (SlotState, error) {
	p, v, err := s.publishingState(ctx, account, site)
	if err != nil {
		return SlotState{}, err
	}
	st := SlotState{Settings: p, Version: v}
	err = s.slotRange(ctx, account, site, from, time.Time{}, func(it map[string]types.AttributeValue) error {
		t, err := time.Parse(SlotFormat, attrS(it, "at"))
		if err == nil {
			st.Taken = append(st.Taken, t)
		}
		return err
	})
	return st, err
}

// slotRange calls fn for each slot item from `from` to `to` (zero: no end).
func (s *Store) slotRange(ctx context.Context, account, site string, from, to time.Time, fn func(map[string]types.AttributeValue) error) error {
	hi := keys.SlotPrefix + "~"
	if !to.IsZero() {
		hi = keys.SlotPrefix + slotTime(to) + "#~"
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(keys.Site(account, site)), ":lo": str(keys.SlotPrefix + slotTime(from)), ":hi": str(hi)},
		ConsistentRead:            aws.Bool(true),
	}
	return s.forEach(ctx, in, fn)
}

// CalendarEntry is one slot item: a scheduled or a published item.
type CalendarEntry struct {
	At          time.Time         `json:"at"`
	ContentID   string            `json:"content_id"`
	Title       string            `json:"title"`
	SiteStatus  domain.SiteStatus `json:"site_status"`
	ExternalURL string            `json:"external_url,omitempty"`
}

// CalendarEntries lists the slot items between from and to (inclusive).
func (s *Store) CalendarEntries(ctx context.Context, account, site string, from, to time.Time) ([]CalendarEntry, error) {
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return nil, err
	}
	var out []CalendarEntry
	err := s.slotRange(ctx, account, site, from, to, func(it map[string]types.AttributeValue) error {
		var e CalendarEntry
		at, err := time.Parse(SlotFormat, attrS(it, "at"))
		if err != nil {
			return err
		}
		e.At, e.ContentID, e.Title = at, attrS(it, "content_id"), attrS(it, "title")
		e.SiteStatus, e.ExternalURL = domain.SiteStatus(attrS(it, "site_status")), attrS(it, "external_url")
		out = append(out, e)
		return nil
	})
	return out, err
}

func (s *Store) slotPut(account string, c domain.Content, at time.Time, status domain.SiteStatus, url string) types.TransactWriteItem {
	it := map[string]types.AttributeValue{
		"PK": str(keys.Site(account, c.SiteID)), "SK": str(keys.Slot(slotTime(at), c.ID)), "_type": str("slot"),
		"at": str(slotTime(at)), "content_id": str(c.ID), "title": str(domain.Clip(c.Title, 300)), "site_status": str(string(status)),
	}
	if url != "" {
		it["external_url"] = str(url)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: it}}
}

func (s *Store) slotDelete(account string, c domain.Content, at string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table),
		Key: key(keys.Site(account, c.SiteID), keys.Slot(at, c.ID))}}
}

// PublishingContent is a content item with its publishing bookkeeping,
// read in one GetItem: the slot item it holds, the claim it is held under,
// and how many claims it has had since its last outcome (a publisher that
// keeps dying makes this grow; the publish step gives up past a bound).
type PublishingContent struct {
	domain.Content
	SlotAt  string `json:"slot_at"` // "" when it holds no slot item
	ClaimID string `json:"claim_id"`
	Claims  int    `json:"publish_claims"`
}

// GetPublishingContent reads a content item with its publishing bookkeeping.
func (s *Store) GetPublishingContent(ctx context.Context, account, site, id string) (PublishingContent, error) {
	return getEntity[PublishingContent](ctx, s, account, site, keys.Content, id)
}

// Assignment gives one content item a slot.
type Assignment struct {
	Content PublishingContent
	At      time.Time
}

// ErrSlotsChanged means another allocation took slots meanwhile: read the
// state again and retry.
var ErrSlotsChanged = errors.New("the site's slots changed meanwhile")

// MaxAssignments is how many items one Schedule call takes (a transaction
// holds at most 100 items; each assignment needs up to three).
const MaxAssignments = 30

// Schedule gives approved items their slots in one transaction, conditional
// on the slot version the caller read (ErrSlotsChanged otherwise) and on
// each item still being approved and in one of from. An item that already
// held a slot gives it up.
func (s *Store) Schedule(ctx context.Context, account, site string, version int64, from []domain.SiteStatus, as []Assignment) error {
	if len(as) == 0 {
		return nil
	}
	if len(as) > MaxAssignments {
		return fmt.Errorf("schedule: %d assignments, at most %d", len(as), MaxAssignments)
	}
	part := keys.Site(account, site)
	bump := types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(part, keys.PublishingSK),
		UpdateExpression:          aws.String("SET slot_version = :next, #t = :t"),
		ConditionExpression:       aws.String("attribute_not_exists(slot_version) OR slot_version = :v"),
		ExpressionAttributeNames:  map[string]string{"#t": "_type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(version), ":next": num(version + 1), ":t": str("publishing_settings")},
	}}
	var w Tx
	w.Add(bump)
	for _, a := range as {
		c := a.Content.Content
		if !slices.Contains(from, c.SiteStatus) {
			return fmt.Errorf("content is %s and cannot be scheduled: %w", c.SiteStatus, domain.ErrConflict)
		}
		due := slotTime(a.At)
		vals := map[string]types.AttributeValue{
			":sched": str(string(domain.SiteScheduled)), ":at": str(a.At.UTC().Truncate(time.Second).Format(timeFormat)), ":due": str(due),
			":q": str(keys.PublishQueuePK), ":g": str(keys.Queued(due, account, site, c.ID)), ":approved": str(string(domain.ContentApproved)),
			// Exactly the status read, so the counters move by what really changed.
			":acct": str(account), ":cur": str(string(c.SiteStatus)),
		}
		cond := "#st = :approved AND site_status = :cur"
		w.Add(types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(part, keys.Content.SK(c.ID)),
			UpdateExpression: aws.String("SET site_status = :sched, scheduled_publish_at = :at, slot_at = :due, publish_due = :due, " +
				"GSI2PK = :q, GSI2SK = :g, account_id = :acct REMOVE claim_id, lease_until"),
			ConditionExpression:       aws.String(cond),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: vals,
		}})
		s.count(&w, account, site, scheduledDelta(c.SiteStatus, domain.SiteScheduled))
		w.Add(s.slotPut(account, c, a.At, domain.SiteScheduled, ""))
		if a.Content.SlotAt != "" && a.Content.SlotAt != due {
			w.Add(s.slotDelete(account, c, a.Content.SlotAt))
		}
	}
	err := s.transact(ctx, w.Items())
	if codes := txn.Codes(err); len(codes) > 0 {
		if codes[0] == txn.CodeCondition {
			return ErrSlotsChanged
		}
		for _, c := range codes {
			if c == txn.CodeCondition {
				return fmt.Errorf("content changed meanwhile (no longer approved, or already publishing): %w", domain.ErrConflict)
			}
		}
	}
	return err
}

// scheduledDelta is the change of the site-status counters ("scheduled",
// "published", … see siteStatusCounter) when content moves between site
// statuses.
func scheduledDelta(from, to domain.SiteStatus) map[string]int64 {
	d := map[string]int64{siteStatusCounter(from): -1}
	d[siteStatusCounter(to)]++
	return d
}

// Unschedule takes a scheduled item off the schedule (back to not_published)
// and frees its slot.
func (s *Store) Unschedule(ctx context.Context, account, site, id string) (domain.Content, error) {
	cur, err := s.GetPublishingContent(ctx, account, site, id)
	c := cur.Content
	if err != nil {
		return c, err
	}
	if c.SiteStatus != domain.SiteScheduled {
		return c, fmt.Errorf("content is %s, not scheduled: %w", c.SiteStatus, domain.ErrConflict)
	}
	var w Tx
	w.Add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.Content.SK(id)),
		UpdateExpression:          aws.String("SET site_status = :ns REMOVE scheduled_publish_at, slot_at, publish_due, GSI2PK, GSI2SK"),
		ConditionExpression:       aws.String("site_status = :sched"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":ns": str(string(domain.SiteNotPublished)), ":sched": str(string(domain.SiteScheduled))},
	}})
	s.count(&w, account, site, scheduledDelta(domain.SiteScheduled, domain.SiteNotPublished))
	if cur.SlotAt != "" {
		w.Add(s.slotDelete(account, c, cur.SlotAt))
	}
	if err := s.transact(ctx, w.Items()); err != nil {
		if txn.Codes(err) != nil {
			return c, fmt.Errorf("content changed meanwhile; try again: %w", domain.ErrConflict)
		}
		return c, err
	}
	return s.GetContent(ctx, account, site, id)
}

// ApprovedNotPublished lists the IDs of approved content that is not on the
// schedule (auto-publish picks them up), oldest first.
func (s *Store) ApprovedNotPublished(ctx context.Context, account, site string, limit int) ([]string, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(tabledef.ByStatus),
		KeyConditionExpression:    aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :p)"),
		FilterExpression:          aws.String("site_status = :ns"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(keys.Site(account, site)), ":p": str(keys.Content.StatusPrefix(string(domain.ContentApproved))), ":ns": str(string(domain.SiteNotPublished))},
		ProjectionExpression:      aws.String("id"),
	}
	return s.queryIDs(ctx, in, limit)
}

// Due is a content item whose publish time (or lease) has come.
type Due struct {
	AccountID, SiteID, ContentID string
	At                           time.Time
}

// DuePublications lists up to limit items due at now, oldest first. The
// index is eventually consistent: Claim re-checks on the item itself.
func (s *Store) DuePublications(ctx context.Context, now time.Time, limit int32) ([]Due, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(tabledef.BySector),
		KeyConditionExpression:    aws.String("GSI2PK = :pk AND GSI2SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(keys.PublishQueuePK), ":now": str(slotTime(now) + "#~")},
		Limit:                     aws.Int32(limit),
	})
	if err != nil {
		return nil, err
	}
	due := make([]Due, 0, len(out.Items))
	for _, it := range out.Items {
		at, _ := time.Parse(SlotFormat, attrS(it, "publish_due"))
		due = append(due, Due{AccountID: attrS(it, "account_id"), SiteID: attrS(it, "site_id"), ContentID: attrS(it, "id"), At: at})
	}
	return due, nil
}

// ClaimMode says which items a claim may take.
type ClaimMode int

const (
	// ClaimDue takes a scheduled item whose slot has come, or a publishing
	// item whose lease has run out (its publisher died).
	ClaimDue ClaimMode = iota
	// ClaimNow takes an approved item that is not on its way already
	// (publish now, or a retry of a failed one).
	ClaimNow
)

// Claim moves an item to publishing under claimID with a lease, once: the
// conditional update makes two ticks (or a tick and a click) claim it once.
// ok is false when another claim won or the item is not claimable.
func (s *Store) Claim(ctx context.Context, account, site, id, claimID string, now time.Time, lease time.Duration, mode ClaimMode) (bool, error) {
	c, err := s.GetContent(ctx, account, site, id)
	if err != nil {
		return false, err
	}
	until := slotTime(now.Add(lease))
	vals := map[string]types.AttributeValue{
		":pub": str(string(domain.SitePublishing)), ":c": str(claimID), ":until": str(until),
		":q": str(keys.PublishQueuePK), ":g": str(keys.Queued(until, account, site, id)), ":approved": str(string(domain.ContentApproved)),
		":acct": str(account),
	}
	set := "SET site_status = :pub, claim_id = :c, lease_until = :until, publish_due = :until, GSI2PK = :q, GSI2SK = :g, account_id = :acct, " +
		"publish_claims = if_not_exists(publish_claims, :zero) + :one"
	vals[":zero"], vals[":one"] = num(0), num(1)
	var cond string
	from := c.SiteStatus
	switch {
	case mode == ClaimDue && c.SiteStatus == domain.SiteScheduled:
		cond = "site_status = :from AND #st = :approved AND publish_due <= :now"
	case mode == ClaimDue && c.SiteStatus == domain.SitePublishing:
		cond = "site_status = :from AND #st = :approved AND lease_until <= :now"
	case mode == ClaimNow && c.Status == domain.ContentApproved &&
		(c.SiteStatus == domain.SiteNotPublished || c.SiteStatus == domain.SiteScheduled || c.SiteStatus == domain.SiteFailed):
		cond = "site_status = :from AND #st = :approved"
	default:
		return false, nil
	}
	vals[":from"] = str(string(from))
	if mode == ClaimDue {
		vals[":now"] = str(slotTime(now))
	}
	var w Tx
	w.Add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.Content.SK(id)),
		UpdateExpression: aws.String(set), ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#st": "status"}, ExpressionAttributeValues: vals,
	}})
	s.count(&w, account, site, scheduledDelta(from, domain.SitePublishing))
	err = s.transact(ctx, w.Items())
	if txn.Codes(err) != nil {
		return false, nil
	}
	return err == nil, err
}

// PublishOutcome is how one publish ended.
type PublishOutcome struct {
	ClaimID     string
	At          time.Time // when it was published (or failed)
	ExternalID  string
	ExternalURL string
	Error       string // "" on success
	Attempts    int
}

// FinishPublish records a publish's outcome with its notification, if the
// item is still held under the claim (ok is false when it is not: a late
// duplicate changes nothing). Published: the remote ID and URL, the slot
// moves to the publish time, the published counter. Failed: the error; the
// slot is freed. cur is the item as read under the claim (its slot cannot
// change while it is held).
func (s *Store) FinishPublish(ctx context.Context, account string, cur PublishingContent, o PublishOutcome, note domain.Notification) (bool, error) {
	c := cur.Content
	to := domain.SitePublished
	if o.Error != "" {
		to = domain.SiteFailed
	}
	vals := map[string]types.AttributeValue{
		":to": str(string(to)), ":pub": str(string(domain.SitePublishing)), ":c": str(o.ClaimID),
		":n": num(int64(o.Attempts)),
	}
	set := "SET site_status = :to, publish_attempts = :n"
	remove := " REMOVE claim_id, lease_until, publish_due, GSI2PK, GSI2SK, slot_at, publish_claims"
	if o.Error == "" {
		set += ", external_id = :xid, external_url = :xurl, published_at = :at"
		vals[":xid"], vals[":xurl"], vals[":at"] = str(o.ExternalID), str(o.ExternalURL), str(o.At.UTC().Format(timeFormat))
		remove += ", publish_error"
	} else {
		set += ", publish_error = :err, publish_failed_at = :at"
		vals[":err"], vals[":at"] = str(domain.Clip(o.Error, 1000)), str(o.At.UTC().Format(timeFormat))
	}
	var w Tx
	w.Add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(keys.Site(account, c.SiteID), keys.Content.SK(c.ID)),
		UpdateExpression: aws.String(set + remove), ConditionExpression: aws.String("site_status = :pub AND claim_id = :c"),
		ExpressionAttributeValues: vals,
	}})
	s.count(&w, account, c.SiteID, scheduledDelta(domain.SitePublishing, to))
	// Published in the very second of its slot: the put replaces the slot
	// item in place instead of a delete (a transaction may touch an item once).
	inPlace := o.Error == "" && cur.SlotAt == slotTime(o.At)
	if cur.SlotAt != "" && !inPlace {
		w.Add(s.slotDelete(account, c, cur.SlotAt))
	}
	if o.Error == "" {
		w.Add(s.slotPut(account, c, o.At, domain.SitePublished, o.ExternalURL))
	}
	items := w.Items()
	notes, err := s.notificationWrites(account, note)
	if err != nil {
		return false, err
	}
	err = s.transact(ctx, append(items, notes...))
	if txn.ConditionFailed(err, 0) {
		return false, nil
	}
	return err == nil, err
}

// integrationRecord is the INTEGRATION item: the public settings plus the
// sealed secret, which never leaves the store unopened.
type integrationRecord struct {
	domain.SiteIntegration
	SealedSecret string `json:"sealed_secret"`
}

// PutIntegration saves a site's connection (the secret already sealed).
func (s *Store) PutIntegration(ctx context.Context, account, site string, in domain.SiteIntegration, sealedSecret string) error {
	in.UpdatedAt = s.now()
	it, err := item(integrationRecord{SiteIntegration: in, SealedSecret: sealedSecret},
		map[string]string{"PK": keys.Site(account, site), "SK": keys.IntegrationSK, "_type": "integration"})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
	return err
}

// GetIntegration reads a site's connection and its sealed secret.
func (s *Store) GetIntegration(ctx context.Context, account, site string) (domain.SiteIntegration, string, error) {
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return domain.SiteIntegration{}, "", err
	}
	var rec integrationRecord
	err := s.get(ctx, keys.Site(account, site), keys.IntegrationSK, &rec)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.SiteIntegration{}, "", fmt.Errorf("the site is not connected yet (PUT /v1/sites/%s/integration): %w", site, domain.ErrNotFound)
	}
	return rec.SiteIntegration, rec.SealedSecret, err
}

// RecordIntegrationCheck stores the result of the last connection test.
func (s *Store) RecordIntegrationCheck(ctx context.Context, account, site string, r domain.ConnectionCheck) error {
	it, err := item(r, nil)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.IntegrationSK),
		UpdateExpression: aws.String("SET last_check = :r"), ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":r": &types.AttributeValueMemberM{Value: it}},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("integration: %w", domain.ErrNotFound)
	}
	return err
}
