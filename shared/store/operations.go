package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

const timeFormat = "2006-01-02T15:04:05.999999999Z07:00"

type operationRecord struct {
	domain.Operation
	AccountID string `json:"account_id"`
	Options   string `json:"options,omitempty"`
}

// CreateOperation stores a queued operation and, for charged ones, its
// pending AI task log.
func (s *Store) CreateOperation(ctx context.Context, account string, op domain.Operation) error {
	rec := operationRecord{Operation: op, AccountID: account, Options: string(op.Options)}
	opItem, err := s.put(rec, map[string]string{"PK": keys.Account(account), "SK": keys.OperationPrefix + op.ID, "_type": "operation"}, "attribute_not_exists(PK)")
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{opItem}
	counters := map[string]int64{"operations": 1}
	if op.Type.Charged() {
		tl := domain.AITaskLog{ID: op.ID, OperationID: op.ID, SiteID: op.SiteID, OperationType: op.Type, Status: domain.TaskLogPending, Tier: op.Tier, CreatedAt: op.CreatedAt}
		tlItem, err := s.put(tl, map[string]string{"PK": keys.Account(account), "SK": keys.TaskLogPrefix + op.ID, "_type": "ai_task_log"}, "attribute_not_exists(PK)")
		if err != nil {
			return err
		}
		items = append(items, tlItem)
		counters["ai_tasks"] = 1
	}
	items = append(items, s.upsertCounters(keys.Account(account), keys.CountersSK, counters))
	if err := s.transact(ctx, items); err != nil {
		return fmt.Errorf("create operation: %w", err)
	}
	return nil
}

// upsertCounters ADDs to counters on an item that may not exist yet.
func (s *Store) upsertCounters(pk, sk string, deltas map[string]int64) types.TransactWriteItem {
	it := txn.AddCounters(s.table, pk, sk, deltas)
	it.Update.ConditionExpression = nil
	return it
}

// GetOperation reads an operation of the account.
func (s *Store) GetOperation(ctx context.Context, account, id string) (domain.Operation, error) {
	var rec operationRecord
	if err := s.get(ctx, keys.Account(account), keys.OperationPrefix+id, &rec); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Operation{}, fmt.Errorf("operation %s: %w", id, domain.ErrNotFound)
		}
		return domain.Operation{}, err
	}
	op := rec.Operation
	op.AccountID = account
	op.Options = json.RawMessage(rec.Options)
	return op, nil
}

// SetOperationRunning marks a queued operation running (idempotent).
func (s *Store) SetOperationRunning(ctx context.Context, account, id, execution string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.OperationPrefix+id),
		UpdateExpression:         aws.String("SET #st = :run, execution_id = :e, updated_at = :now"),
		ConditionExpression:      aws.String("#st = :q OR #st = :run"),
		ExpressionAttributeNames: map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":run": str(string(domain.OperationRunning)), ":q": str(string(domain.OperationQueued)),
			":e": str(execution), ":now": str(s.now().Format(timeFormat)),
		},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("operation %s is no longer queued: %w", id, domain.ErrConflict)
	}
	return err
}

// Outcome is what a finished operation records besides the charge.
type Outcome struct {
	Provider, Model string
	Tier            domain.QualityTier
	InputTokens     int64
	OutputTokens    int64
	Images          int64
	Credits         int64
	Results         []string
	// Status is succeeded (the zero value means it), partially_succeeded or
	// failed; Failed are the items that failed and why, Error the summary
	// of a failed one. The AI task log follows (failed, or partially
	// succeeded with the summary).
	Status domain.OperationStatus
	Failed []domain.FailedItem
	Error  *domain.OperationError
}

// SuccessWrites are the records a settle writes in its own transaction: the
// usage log, the AI task log and the operation marked succeeded, and a
// success notification.
func (s *Store) SuccessWrites(w *Tx, account string, op domain.Operation, usage domain.UsageLog, o Outcome, note domain.Notification) error {
	now := s.now().Format(timeFormat)
	if err := s.UsageWrites(w, account, usage); err != nil {
		return err
	}
	results := listAttr(o.Results)
	status := o.Status
	if status == "" {
		status = domain.OperationSucceeded
	}
	tlStatus, tlErr := TaskLogOutcome(status, o.Failed, o.Error)
	w.Add(
		types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(keys.Account(account), keys.TaskLogPrefix+op.ID),
			UpdateExpression:         aws.String("SET #st = :ok, provider = :p, model = :m, quality_tier = :t, input_tokens = :in, output_tokens = :out, images = :img, credits_used = :c, finished_at = :now, #err = :e"),
			ConditionExpression:      aws.String("attribute_exists(PK) AND #st = :pending"),
			ExpressionAttributeNames: map[string]string{"#st": "status", "#err": "error"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":ok": str(string(tlStatus)), ":pending": str(string(domain.TaskLogPending)),
				":p": str(o.Provider), ":m": str(o.Model), ":t": str(string(o.Tier)), ":in": num(o.InputTokens),
				":out": num(o.OutputTokens), ":img": num(o.Images), ":c": num(o.Credits), ":now": str(now), ":e": str(tlErr),
			},
		}},
		s.finishOperation(account, op.ID, status, o.Credits, results, o.Error, o.Failed...),
	)
	n, err := s.notificationWrites(account, note)
	w.Add(n...)
	return err
}

// TaskLogOutcome is the AI task log's status and error text for an
// operation that ended with status: a partial one names how many items failed
// and the first reason.
func TaskLogOutcome(status domain.OperationStatus, failed []domain.FailedItem, opErr *domain.OperationError) (domain.TaskLogStatus, string) {
	switch {
	case status == domain.OperationFailed && opErr != nil:
		return domain.TaskLogFailed, opErr.Name + ": " + opErr.Message
	case status == domain.OperationFailed:
		return domain.TaskLogFailed, failedSummary(failed)
	case len(failed) > 0:
		return domain.TaskLogPartial, failedSummary(failed)
	}
	return domain.TaskLogSucceeded, ""
}

func failedSummary(failed []domain.FailedItem) string {
	if len(failed) == 0 {
		return ""
	}
	return domain.Clip(fmt.Sprintf("%d item(s) failed; %s: %s", len(failed), failed[0].ID, failed[0].Error), 1000)
}

func (s *Store) finishOperation(account, id string, st domain.OperationStatus, credits int64, results types.AttributeValue, opErr *domain.OperationError, failed ...domain.FailedItem) types.TransactWriteItem {
	vals := map[string]types.AttributeValue{
		":st": str(string(st)), ":c": num(credits), ":now": str(s.now().Format(timeFormat)),
		":q": str(string(domain.OperationQueued)), ":r": str(string(domain.OperationRunning)),
	}
	expr := "SET #st = :st, credits_used = :c, updated_at = :now"
	if results != nil {
		expr += ", result_ids = :res"
		vals[":res"] = results
	}
	if opErr != nil {
		expr += ", #err = :err"
		vals[":err"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"name": str(opErr.Name), "message": str(opErr.Message)}}
	}
	if len(failed) > 0 {
		l := &types.AttributeValueMemberL{}
		for _, f := range failed {
			l.Value = append(l.Value, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
				"stage": num(int64(f.Stage)), "id": str(f.ID), "error": str(domain.Clip(f.Error, 500))}})
		}
		expr += ", failed_items = :fi"
		vals[":fi"] = l
	}
	names := map[string]string{"#st": "status"}
	if opErr != nil {
		names["#err"] = "error"
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.OperationPrefix+id),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String("#st = :q OR #st = :r"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
	}}
}

func listAttr(ids []string) types.AttributeValue {
	l := &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
	for _, id := range ids {
		l.Value = append(l.Value, str(id))
	}
	return l
}

// SucceedOperation finishes an operation that charges nothing (create tasks).
// o.Status, o.Failed and o.Error say how it ended (see Outcome).
func (s *Store) SucceedOperation(ctx context.Context, account string, op domain.Operation, o Outcome, note domain.Notification) error {
	res := listAttr(o.Results)
	status := o.Status
	if status == "" {
		status = domain.OperationSucceeded
	}
	items := []types.TransactWriteItem{s.finishOperation(account, op.ID, status, 0, res, o.Error, o.Failed...)}
	n, err := s.notificationWrites(account, note)
	if err != nil {
		return err
	}
	err = s.transact(ctx, append(items, n...))
	if txn.ConditionFailed(err, 0) {
		return nil // already finished: a duplicate delivery
	}
	return err
}

// FailOperation records a failure: the operation and its AI task log are
// marked failed and a failure notification is written, once. A second call
// (a duplicate delivery) changes nothing.
func (s *Store) FailOperation(ctx context.Context, account string, op domain.Operation, opErr domain.OperationError, note domain.Notification) error {
	items := []types.TransactWriteItem{s.finishOperation(account, op.ID, domain.OperationFailed, 0, nil, &opErr)}
	if op.Type.Charged() {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(keys.Account(account), keys.TaskLogPrefix+op.ID),
			UpdateExpression:         aws.String("SET #st = :f, #err = :e, finished_at = :now"),
			ConditionExpression:      aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames: map[string]string{"#st": "status", "#err": "error"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":f": str(string(domain.TaskLogFailed)), ":e": str(opErr.Name + ": " + opErr.Message), ":now": str(s.now().Format(timeFormat)),
			},
		}})
	}
	n, err := s.notificationWrites(account, note)
	if err != nil {
		return err
	}
	err = s.transact(ctx, append(items, n...))
	if txn.ConditionFailed(err, 0) {
		return nil
	}
	return err
}

func (s *Store) notificationWrites(account string, n domain.Notification) ([]types.TransactWriteItem, error) {
	if n.ID == "" {
		n.ID = NewID()
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = s.now()
	}
	part := keys.Account(account)
	it, err := s.put(n, map[string]string{"PK": part, "SK": keys.NotificationPrefix + n.ID, "_type": "notification",
		tabledef.GSI1PK: keys.Notifications(account), tabledef.GSI1SK: keys.NotificationStatus(n.Read, n.ID)}, "attribute_not_exists(PK)")
	if err != nil {
		return nil, err
	}
	return []types.TransactWriteItem{it, s.upsertCounters(part, keys.CountersSK, map[string]int64{"notifications": 1, "notifications_unread": 1})}, nil
}

// Notify writes one notification (outside any other transaction).
func (s *Store) Notify(ctx context.Context, account string, n domain.Notification) error {
	items, err := s.notificationWrites(account, n)
	if err != nil {
		return err
	}
	return s.transact(ctx, items)
}

type activityCounters struct {
	Operations          int64 `json:"operations"`
	AITasks             int64 `json:"ai_tasks"`
	Notifications       int64 `json:"notifications"`
	NotificationsUnread int64 `json:"notifications_unread"`
}

func (s *Store) activity(ctx context.Context, account string) (activityCounters, error) {
	var c activityCounters
	err := s.get(ctx, keys.Account(account), keys.CountersSK, &c)
	if errors.Is(err, domain.ErrNotFound) {
		return c, nil
	}
	return c, err
}

// ListNotifications lists notifications, newest first, all or unread only.
func (s *Store) ListNotifications(ctx context.Context, account string, unreadOnly bool, pr PageRequest) (Page[domain.Notification], error) {
	part := keys.Account(account)
	q := query{account: account, filter: fmt.Sprintf("notifications|unread=%v", unreadOnly), pkAttr: "PK", pk: part, skAttr: "SK", prefix: keys.NotificationPrefix, newest: true}
	if unreadOnly {
		q.index, q.pkAttr, q.pk, q.skAttr, q.prefix = tabledef.ByStatus, tabledef.GSI1PK, keys.Notifications(account), tabledef.GSI1SK, keys.NotificationStatus(false, "")
	}
	ns, next, err := runPage[domain.Notification](ctx, s, q, pr)
	if err != nil {
		return Page[domain.Notification]{}, err
	}
	c, err := s.activity(ctx, account)
	total := c.Notifications
	if unreadOnly {
		total = c.NotificationsUnread
	}
	return Page[domain.Notification]{Items: ns, NextCursor: next, Total: total}, err
}

// MarkNotificationRead marks one notification read (idempotent).
func (s *Store) MarkNotificationRead(ctx context.Context, account, id string) (domain.Notification, error) {
	var n domain.Notification
	if err := s.get(ctx, keys.Account(account), keys.NotificationPrefix+id, &n); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return n, fmt.Errorf("notification %s: %w", id, domain.ErrNotFound)
		}
		return n, err
	}
	if n.Read {
		return n, nil
	}
	err := s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(keys.Account(account), keys.NotificationPrefix+id),
			UpdateExpression: aws.String("SET #r = :t, GSI1SK = :g"), ConditionExpression: aws.String("#r = :f"),
			ExpressionAttributeNames:  map[string]string{"#r": "read"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}, ":f": &types.AttributeValueMemberBOOL{Value: false}, ":g": str(keys.NotificationStatus(true, id))},
		}},
		s.upsertCounters(keys.Account(account), keys.CountersSK, map[string]int64{"notifications_unread": -1}),
	})
	if txn.ConditionFailed(err, 0) {
		err = nil // read meanwhile by another request
	}
	n.Read = true
	return n, err
}

// ListAITasks lists AI task logs, newest first.
func (s *Store) ListAITasks(ctx context.Context, account string, pr PageRequest) (Page[domain.AITaskLog], error) {
	q := query{account: account, filter: "ai-tasks", pkAttr: "PK", pk: keys.Account(account), skAttr: "SK", prefix: keys.TaskLogPrefix, newest: true}
	logs, next, err := runPage[domain.AITaskLog](ctx, s, q, pr)
	if err != nil {
		return Page[domain.AITaskLog]{}, err
	}
	c, err := s.activity(ctx, account)
	return Page[domain.AITaskLog]{Items: logs, NextCursor: next, Total: c.AITasks}, err
}

// UsageFilter narrows usage logs: a time range [From, To) and optional
// operation type and site.
type UsageFilter struct {
	From, To      time.Time
	OperationType string
	SiteID        string
}

// UsageSummary sums the whole filtered range, never one page.
type UsageSummary struct {
	CreditsUsed          int64                     `json:"credits_used"`
	CostMicroUSD         int64                     `json:"cost_micro_usd"`
	CostUSD              string                    `json:"cost_usd"`
	ProviderCostMicroUSD int64                     `json:"-"`
	Count                int64                     `json:"count"`
	ByOperation          map[string]OperationUsage `json:"by_operation"`
	Formula              string                    `json:"formula"`
}

// OperationUsage is one operation type's share of a summary.
type OperationUsage struct {
	CreditsUsed  int64 `json:"credits_used"`
	CostMicroUSD int64 `json:"cost_micro_usd"`
	Count        int64 `json:"count"`
}

// usageBound is the lowest (or highest) usage sort key at time t: usage-log
// IDs are ULIDs, which sort by their timestamp first.
func usageBound(t time.Time, high bool) string {
	var entropy [10]byte
	if high {
		for i := range entropy {
			entropy[i] = 0xff
		}
	}
	id, _ := ulid.New(ulid.Timestamp(t), bytes.NewReader(entropy[:]))
	return keys.UsagePrefix + strings.ToLower(id.String())
}

func (f UsageFilter) query(account string) query {
	q := query{account: account, pkAttr: "PK", pk: keys.Account(account), skAttr: "SK", newest: true,
		filter:  fmt.Sprintf("usage|%d|%d|%s|%s", f.From.UnixMilli(), f.To.UnixMilli(), f.OperationType, f.SiteID),
		between: &[2]string{usageBound(f.From, false), usageBound(f.To.Add(-time.Millisecond), true)}}
	var conds []string
	vals := map[string]types.AttributeValue{}
	if f.OperationType != "" {
		conds = append(conds, "operation_type = :ot")
		vals[":ot"] = str(f.OperationType)
	}
	if f.SiteID != "" {
		conds = append(conds, "site_id = :site")
		vals[":site"] = str(f.SiteID)
	}
	if len(conds) > 0 {
		q.where, q.whereValues = strings.Join(conds, " AND "), vals
	}
	return q
}

// ListUsage lists usage logs newest first, with the summary of the whole
// filtered range (read with Query over the account's usage range).
func (s *Store) ListUsage(ctx context.Context, account string, f UsageFilter, pr PageRequest) (Page[domain.UsageLog], UsageSummary, error) {
	q := f.query(account)
	logs, next, err := runPage[domain.UsageLog](ctx, s, q, pr)
	if err != nil {
		return Page[domain.UsageLog]{}, UsageSummary{}, err
	}
	sum := UsageSummary{ByOperation: map[string]OperationUsage{}}
	in := s.queryInput(q)
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return Page[domain.UsageLog]{}, UsageSummary{}, err
		}
		all, err := decodePage[domain.UsageLog](page.Items)
		if err != nil {
			return Page[domain.UsageLog]{}, UsageSummary{}, err
		}
		for _, u := range all {
			sum.CreditsUsed += u.CreditsUsed
			sum.CostMicroUSD += u.CostMicroUSD
			sum.ProviderCostMicroUSD += u.ProviderCostMicroUSD
			sum.Count++
			ou := sum.ByOperation[string(u.OperationType)]
			ou.CreditsUsed += u.CreditsUsed
			ou.CostMicroUSD += u.CostMicroUSD
			ou.Count++
			sum.ByOperation[string(u.OperationType)] = ou
		}
	}
	sum.CostUSD = domain.FormatMicroUSD(sum.CostMicroUSD)
	return Page[domain.UsageLog]{Items: logs, NextCursor: next, Total: sum.Count}, sum, nil
}

// UsageWrites is the usage log alone, for charges outside an operation
// record (automation batches).
func (s *Store) UsageWrites(w *Tx, account string, usage domain.UsageLog) error {
	it, err := s.put(usage, map[string]string{"PK": keys.Account(account), "SK": keys.UsagePrefix + usage.ID, "_type": "usage_log"}, "attribute_not_exists(PK)")
	if err == nil {
		w.Add(it)
	}
	return err
}
