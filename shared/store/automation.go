package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// GetAutomationConfig reads a site's automation settings (the defaults until
// saved).
func (s *Store) GetAutomationConfig(ctx context.Context, account, site string) (domain.AutomationConfig, error) {
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return domain.AutomationConfig{}, err
	}
	c := domain.DefaultAutomationConfig()
	err := s.get(ctx, keys.Site(account, site), keys.AutomationSK, &c)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.DefaultAutomationConfig(), nil
	}
	return c, err
}

// PutAutomationConfig validates and saves the settings as a whole, computing
// the next scheduled run in the site's zone; an enabled schedule puts the
// site on the scheduler's queue.
func (s *Store) PutAutomationConfig(ctx context.Context, account, siteID string, c domain.AutomationConfig) (domain.AutomationConfig, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	site, err := s.GetSite(ctx, account, siteID)
	if err != nil {
		return c, err
	}
	loc, err := time.LoadLocation(site.TimeZone)
	if err != nil {
		return c, err
	}
	c.NextRunAt = nil
	if c.Enabled {
		c.NextRunAt = c.Schedule.NextRun(s.now(), loc)
	}
	attrs := map[string]string{"PK": keys.Site(account, siteID), "SK": keys.AutomationSK, "_type": "automation_config",
		"account_id": account, "site_id": siteID}
	if c.NextRunAt != nil {
		attrs[tabledef.GSI1PK] = keys.ScheduledPK
		attrs[tabledef.GSI1SK] = keys.Queued(c.NextRunAt.Format(time.RFC3339), account, siteID)
	}
	it, err := item(c, attrs)
	if err != nil {
		return c, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: it})
	return c, err
}

// DueSchedule is a site whose scheduled run is due.
type DueSchedule struct {
	AccountID, SiteID string
	At                time.Time
}

// DueSchedules lists the sites whose next scheduled run is at or before now.
func (s *Store) DueSchedules(ctx context.Context, now time.Time, limit int32) ([]DueSchedule, error) {
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(tabledef.ByStatus),
		KeyConditionExpression:    aws.String("GSI1PK = :pk AND GSI1SK <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(keys.ScheduledPK), ":now": str(now.UTC().Format(time.RFC3339) + "#~")},
		Limit:                     aws.Int32(limit),
	})
	if err != nil {
		return nil, err
	}
	var due []DueSchedule
	for _, it := range out.Items {
		at, _ := time.Parse(time.RFC3339, attrS(it, "next_run_at"))
		due = append(due, DueSchedule{AccountID: attrS(it, "account_id"), SiteID: attrS(it, "site_id"), At: at})
	}
	return due, nil
}

// AdvanceSchedule moves a site's next run past at, once: the condition on the
// old time makes two scheduler ticks that saw the same due run start it once.
func (s *Store) AdvanceSchedule(ctx context.Context, account, siteID string, at time.Time) (bool, error) {
	c, err := s.GetAutomationConfig(ctx, account, siteID)
	if err != nil {
		return false, err
	}
	site, err := s.GetSite(ctx, account, siteID)
	if err != nil {
		return false, err
	}
	loc, _ := time.LoadLocation(site.TimeZone)
	next := c.Schedule.NextRun(maxTime(at, s.now()), loc)
	upd := "SET next_run_at = :n, GSI1SK = :g"
	vals := map[string]types.AttributeValue{":old": str(at.UTC().Format(time.RFC3339Nano))}
	if next == nil {
		upd = "REMOVE next_run_at, GSI1PK, GSI1SK"
	} else {
		vals[":n"] = str(next.Format(time.RFC3339Nano))
		vals[":g"] = str(keys.Queued(next.Format(time.RFC3339), account, siteID))
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, siteID), keys.AutomationSK),
		UpdateExpression: aws.String(upd), ConditionExpression: aws.String("next_run_at = :old"),
		ExpressionAttributeValues: vals,
	})
	if isConditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// runRecord is the run item: stages as a map so a stage's counters can be
// ADDed in place.
type runRecord struct {
	domain.AutomationRun
	StageMap map[string]domain.StageState `json:"stage_map"`
	Tokens   []string                     `json:"tokens,omitempty"`
	ModelIDs map[string]string            `json:"model_ids"`
	// Config is the site's automation settings as the run started: a run is
	// not changed by edits made while it runs.
	Config domain.AutomationConfig `json:"config"`
}

func (r runRecord) run() domain.AutomationRun {
	run := r.AutomationRun
	run.Stages = make([]domain.StageState, 0, 7)
	for i := 1; i <= 7; i++ {
		run.Stages = append(run.Stages, r.StageMap[strconv.Itoa(i)])
	}
	if run.FailedItems == nil {
		run.FailedItems = []domain.FailedItem{}
	}
	return run
}

// ErrRunActive is the conflict of starting a run while one is active.
type ErrRunActive struct{ RunID string }

func (e *ErrRunActive) Error() string {
	return fmt.Sprintf("a run is already active on this site (%s): wait for it, or cancel it", e.RunID)
}

// Unwrap makes errors.Is(err, domain.ErrConflict) hold.
func (e *ErrRunActive) Unwrap() error { return domain.ErrConflict }

// CreateRun records a new run and takes the site's run lock in the same
// transaction, so two starts can never both succeed.
func (s *Store) CreateRun(ctx context.Context, account string, run domain.AutomationRun, cfg domain.AutomationConfig, models map[string]string) error {
	part := keys.Site(account, run.SiteID)
	rec := runRecord{AutomationRun: run, StageMap: map[string]domain.StageState{}, ModelIDs: models, Config: cfg}
	rec.Stages = nil
	rec.FailedItems = []domain.FailedItem{} // a list (not NULL) that list_append can extend
	for _, st := range domain.NewStageStates() {
		rec.StageMap[strconv.Itoa(st.Stage)] = st
	}
	runItem, err := s.put(rec, map[string]string{"PK": part, "SK": keys.RunPrefix + run.ID, "_type": "automation_run"}, "attribute_not_exists(PK)")
	if err != nil {
		return err
	}
	lock, err := s.put(map[string]string{"run_id": run.ID}, map[string]string{"PK": part, "SK": keys.RunLockSK, "_type": "lock"}, "attribute_not_exists(PK)")
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{lock, runItem, s.upsertCounters(part, keys.RunStatsSK, map[string]int64{"runs": 1})})
	if txn.ConditionFailed(err, 0) {
		var l struct {
			RunID string `json:"run_id"`
		}
		_ = s.get(ctx, part, keys.RunLockSK, &l)
		return &ErrRunActive{RunID: l.RunID}
	}
	return err
}

func (s *Store) runRecord(ctx context.Context, account, site, id string) (runRecord, error) {
	var rec runRecord
	err := s.get(ctx, keys.Site(account, site), keys.RunPrefix+id, &rec)
	if errors.Is(err, domain.ErrNotFound) {
		return rec, fmt.Errorf("run %s: %w", id, domain.ErrNotFound)
	}
	return rec, err
}

// GetRun reads a run: the live progress record.
func (s *Store) GetRun(ctx context.Context, account, site, id string) (domain.AutomationRun, error) {
	rec, err := s.runRecord(ctx, account, site, id)
	return rec.run(), err
}

// RunState is a run with the settings and models it started with, in one read.
func (s *Store) RunState(ctx context.Context, account, site, id string) (domain.AutomationRun, domain.AutomationConfig, map[string]string, error) {
	rec, err := s.runRecord(ctx, account, site, id)
	return rec.run(), rec.Config, rec.ModelIDs, err
}

// ListRuns lists a site's runs, newest first.
func (s *Store) ListRuns(ctx context.Context, account, site string, pr PageRequest) (Page[domain.AutomationRun], error) {
	if _, err := s.GetSite(ctx, account, site); err != nil {
		return Page[domain.AutomationRun]{}, err
	}
	q := query{account: account, filter: "runs|" + site, pkAttr: "PK", pk: keys.Site(account, site), skAttr: "SK", prefix: keys.RunPrefix, newest: true}
	recs, next, err := runPage[runRecord](ctx, s, q, pr)
	if err != nil {
		return Page[domain.AutomationRun]{}, err
	}
	runs := make([]domain.AutomationRun, 0, len(recs))
	for _, r := range recs {
		runs = append(runs, r.run())
	}
	var c struct {
		Runs int64 `json:"runs"`
	}
	if err := s.get(ctx, keys.Site(account, site), keys.RunStatsSK, &c); err != nil && !errors.Is(err, domain.ErrNotFound) {
		return Page[domain.AutomationRun]{}, err
	}
	return Page[domain.AutomationRun]{Items: runs, NextCursor: next, Total: c.Runs}, nil
}

// SetRunStatus moves a run from one of from to to, stamping at in the named
// time attribute. It answers ErrConflict when the run is in none of from.
func (s *Store) SetRunStatus(ctx context.Context, account, site, id string, from []domain.RunStatus, to domain.RunStatus, stamp string) (domain.AutomationRun, error) {
	names := map[string]string{"#st": "status"}
	vals := map[string]types.AttributeValue{":to": str(string(to))}
	cond := "("
	for i, f := range from {
		if i > 0 {
			cond += " OR "
		}
		p := fmt.Sprintf(":f%d", i)
		vals[p] = str(string(f))
		cond += "#st = " + p
	}
	cond += ")"
	expr := "SET #st = :to"
	if stamp != "" {
		names["#ts"] = stamp
		vals[":now"] = str(s.now().Format(timeFormat))
		expr += ", #ts = :now"
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.RunPrefix+id),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String("attribute_exists(PK) AND " + cond),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
	})
	if isConditionFailed(err) {
		cur, gerr := s.GetRun(ctx, account, site, id)
		if gerr != nil {
			return cur, gerr
		}
		return cur, fmt.Errorf("the run is %s: %w", cur.Status, domain.ErrConflict)
	}
	if err != nil {
		return domain.AutomationRun{}, err
	}
	return s.GetRun(ctx, account, site, id)
}

// SetStage records a stage's status and, when total >= 0, its total.
func (s *Store) SetStage(ctx context.Context, account, site, id string, stage int, status domain.StageStatus, total int64) error {
	expr := "SET stage_map.#s.#st = :st, current_stage = :n"
	vals := map[string]types.AttributeValue{":st": str(string(status)), ":n": num(int64(stage))}
	names := map[string]string{"#s": strconv.Itoa(stage), "#st": "status"}
	if total >= 0 {
		names["#tot"] = "total"
		expr += ", stage_map.#s.#tot = :t"
		vals[":t"] = num(total)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.RunPrefix+id),
		UpdateExpression: aws.String(expr), ConditionExpression: aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
	})
	return err
}

// BatchCount is what one batch did, for the run's counters.
type BatchCount struct {
	RunID, SiteID string
	Stage         int
	Batch         string // a key unique to the batch: makes the count apply once
	Processed     int64
	Failed        []domain.FailedItem
	Credits       int64
}

// BatchWrites are the run-counter writes of one batch; callers put them in
// the transaction of the batch's charge (or release), so the run's counters
// move with the ledger. The marker makes a duplicate delivery count nothing.
func (s *Store) BatchWrites(w *Tx, account string, b BatchCount) {
	part := keys.Site(account, b.SiteID)
	st := strconv.Itoa(b.Stage)
	failed := &types.AttributeValueMemberL{}
	for _, f := range b.Failed {
		failed.Value = append(failed.Value, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"stage": num(int64(f.Stage)), "id": str(f.ID), "error": str(domain.Clip(f.Error, 500)),
		}})
	}
	update := types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(part, keys.RunPrefix+b.RunID),
		UpdateExpression: aws.String("ADD stage_map.#s.#p :p, stage_map.#s.#f :f, stage_map.#s.#c :c, total_credits_used :c " +
			"SET failed_items = list_append(if_not_exists(failed_items, :empty), :items)"),
		ConditionExpression:      aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames: map[string]string{"#s": st, "#p": "processed", "#f": "failed", "#c": "credits_used"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": num(b.Processed), ":f": num(int64(len(b.Failed))), ":c": num(b.Credits),
			":empty": &types.AttributeValueMemberL{Value: []types.AttributeValue{}}, ":items": failed,
		},
	}}
	marker := types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table),
		// Its own prefix: the run list reads every RUN# item.
		Item: map[string]types.AttributeValue{"PK": str(part), "SK": str(keys.RunBatch(b.RunID, b.Batch)),
			tabledef.TTL: num(s.now().Add(stepRetention).Unix())},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}
	w.Add(update, marker)
}

// CountBatch applies a batch's counters on their own (batches that charge
// nothing). A duplicate delivery finds the marker and changes nothing.
func (s *Store) CountBatch(ctx context.Context, account string, b BatchCount) error {
	var w Tx
	s.BatchWrites(&w, account, b)
	err := s.transact(ctx, w.Items())
	if codes := txn.Codes(err); len(codes) == 2 && codes[1] == txn.CodeCondition {
		return nil
	}
	return err
}

// FailBatch records a failed batch: its items failed on the run and its AI
// task log (failed, with the reason), once: a duplicate finds the batch's
// marker and changes nothing.
func (s *Store) FailBatch(ctx context.Context, account string, b BatchCount, tl domain.AITaskLog) error {
	var w Tx
	s.BatchWrites(&w, account, b)
	if err := s.TaskLogWrites(&w, account, tl); err != nil {
		return err
	}
	err := s.transact(ctx, w.Items())
	if txn.ConditionFailed(err, 1) {
		return nil
	}
	return err
}

// FinishRun ends a run (completed, cancelled or failed) and frees the site's
// run lock in the same transaction. changed is false when the run had already
// ended (a duplicate delivery), so callers act on the ending once.
func (s *Store) FinishRun(ctx context.Context, account, site, id string, status domain.RunStatus, errMsg string) (run domain.AutomationRun, changed bool, err error) {
	part := keys.Site(account, site)
	stamp := "completed_at"
	if status == domain.RunCancelled {
		stamp = "cancelled_at"
	}
	vals := map[string]types.AttributeValue{":st": str(string(status)), ":now": str(s.now().Format(timeFormat)), ":e": str(errMsg),
		":run": str(string(domain.RunRunning)), ":paused": str(string(domain.RunPaused)), ":cancelling": str(string(domain.RunCancelling))}
	err = s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(part, keys.RunPrefix+id),
			UpdateExpression:          aws.String("SET #st = :st, #ts = :now, #err = :e REMOVE tokens"),
			ConditionExpression:       aws.String("#st = :run OR #st = :paused OR #st = :cancelling"),
			ExpressionAttributeNames:  map[string]string{"#st": "status", "#ts": stamp, "#err": "error"},
			ExpressionAttributeValues: vals,
		}},
		{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(part, keys.RunLockSK),
			ConditionExpression:       aws.String("run_id = :id"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(id)},
		}},
	})
	changed = err == nil
	if txn.ConditionFailed(err, 0) {
		err = nil // already finished: a duplicate delivery
	}
	if err != nil {
		return domain.AutomationRun{}, false, err
	}
	run, err = s.GetRun(ctx, account, site, id)
	return run, changed, err
}

// AddRunToken parks a paused batch's task token on the run. It fails with
// ErrConflict when the run is no longer paused (resumed or cancelled
// meanwhile): the caller then lets the batch go on at once.
func (s *Store) AddRunToken(ctx context.Context, account, site, id, token string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.RunPrefix+id),
		UpdateExpression:          aws.String("SET tokens = list_append(if_not_exists(tokens, :empty), :t)"),
		ConditionExpression:       aws.String("#st = :paused"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":empty": &types.AttributeValueMemberL{}, ":t": &types.AttributeValueMemberL{Value: []types.AttributeValue{str(token)}}, ":paused": str(string(domain.RunPaused))},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("run %s is not paused: %w", id, domain.ErrConflict)
	}
	return err
}

// ParkedTokens counts the task tokens parked on a run (batches waiting at
// the gate while it is paused).
func (s *Store) ParkedTokens(ctx context.Context, account, site, id string) (int, error) {
	rec, err := s.runRecord(ctx, account, site, id)
	return len(rec.Tokens), err
}

// TakeRunTokens removes and returns the parked task tokens.
func (s *Store) TakeRunTokens(ctx context.Context, account, site, id string) ([]string, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.RunPrefix+id),
		UpdateExpression: aws.String("REMOVE tokens"), ConditionExpression: aws.String("attribute_exists(PK)"),
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return nil, err
	}
	var tokens []string
	if l, ok := out.Attributes["tokens"].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			if sv, ok := v.(*types.AttributeValueMemberS); ok {
				tokens = append(tokens, sv.Value)
			}
		}
	}
	sort.Strings(tokens)
	return tokens, nil
}

// ContentWithoutImagePrompts lists draft content that has no image prompts
// yet, oldest first (stage 5's work).
func (s *Store) ContentWithoutImagePrompts(ctx context.Context, account, site string, limit int) ([]string, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(tabledef.ByStatus),
		KeyConditionExpression:    aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :p)"),
		FilterExpression:          aws.String("attribute_not_exists(image_prompts_at)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(keys.Site(account, site)), ":p": str(keys.Content.StatusPrefix(string(domain.ContentDraft)))},
		ProjectionExpression:      aws.String("id"),
	}
	return s.queryIDs(ctx, in, limit)
}

// MarkImagePrompted records that a content item has its image prompts.
func (s *Store) MarkImagePrompted(w *Tx, account string, c domain.Content) {
	w.Add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(keys.Site(account, c.SiteID), keys.Content.SK(c.ID)),
		UpdateExpression:          aws.String("SET image_prompts_at = :now"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": str(s.now().Format(timeFormat))},
	}})
}

// HasImagePrompts reports whether a content item has had its image prompts
// written (MarkImagePrompted).
func (s *Store) HasImagePrompts(ctx context.Context, account, site, id string) (bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.Content.SK(id)),
		ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("PK, image_prompts_at"),
	})
	if err != nil {
		return false, fmt.Errorf("read content %s: %w", id, err)
	}
	if out.Item == nil {
		return false, fmt.Errorf("content %s: %w", id, domain.ErrNotFound)
	}
	_, ok := out.Item["image_prompts_at"]
	return ok, nil
}

// TaskLogWrites is an AI task log recorded whole at settle time (automation
// batches have no operation record to update).
func (s *Store) TaskLogWrites(w *Tx, account string, tl domain.AITaskLog) error {
	it, err := s.put(tl, map[string]string{"PK": keys.Account(account), "SK": keys.TaskLogPrefix + tl.ID, "_type": "ai_task_log"}, "attribute_not_exists(PK)")
	if err == nil {
		w.Add(it, s.upsertCounters(keys.Account(account), keys.CountersSK, map[string]int64{"ai_tasks": 1}))
	}
	return err
}

// planChunk is how many IDs one plan item holds: a stage of 10,000 items is
// 10 items of well under DynamoDB's 400 KB each.
const planChunk = 1000

// planRetention outlives the longest run (a run times out after 30 days).
const planRetention = 31 * 24 * time.Hour

// SavePlan records the items a run's stage works on, in batch order, so the
// state machine carries batch numbers only: its state is limited to 256 KiB,
// and 10,000 IDs are more. A retried Prepare saves it again; chunks past a
// shorter new plan's end stay until their TTL, but no batch number reaches
// them.
func (s *Store) SavePlan(ctx context.Context, account, site, run string, stage int, ids []string) error {
	ttl := num(s.now().Add(planRetention).Unix())
	for c := 0; c*planChunk < len(ids); c++ {
		part := ids[c*planChunk : min((c+1)*planChunk, len(ids))]
		list := make([]types.AttributeValue, len(part))
		for i, id := range part {
			list[i] = str(id)
		}
		item := key(keys.Site(account, site), keys.RunPlan(run, stage, c))
		item["ids"], item[tabledef.TTL] = &types.AttributeValueMemberL{Value: list}, ttl
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
			return fmt.Errorf("save the plan of run %s stage %d: %w", run, stage, err)
		}
	}
	return nil
}

// PlanIDs returns the IDs from..to-1 (to is capped at the plan's end) of a
// run's stage plan. A plan that was never saved is ErrNotFound.
func (s *Store) PlanIDs(ctx context.Context, account, site, run string, stage, from, to int) ([]string, error) {
	var out []string
	for c := from / planChunk; c*planChunk < to; c++ {
		res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table),
			Key: key(keys.Site(account, site), keys.RunPlan(run, stage, c)), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, err
		}
		if res.Item == nil {
			if c == from/planChunk {
				return nil, fmt.Errorf("the plan of run %s stage %d has no batch at item %d: %w", run, stage, from, domain.ErrNotFound)
			}
			break // the plan ended in the previous chunk
		}
		list, _ := res.Item["ids"].(*types.AttributeValueMemberL)
		if list == nil {
			return nil, fmt.Errorf("the plan of run %s stage %d: chunk %d has no ids", run, stage, c)
		}
		for i, v := range list.Value {
			if n := c*planChunk + i; n >= from && n < to {
				sv, _ := v.(*types.AttributeValueMemberS)
				if sv == nil {
					return nil, fmt.Errorf("the plan of run %s stage %d: item %d is not a string", run, stage, n)
				}
				out = append(out, sv.Value)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the plan of run %s stage %d has no batch at item %d: %w", run, stage, from, domain.ErrNotFound)
	}
	return out, nil
}

// SetRunInfraCost records what the run cost in AWS resources (the local
// stack measures it when the run's execution ends).
func (s *Store) SetRunInfraCost(ctx context.Context, account, site, id string, c domain.InfraCost) error {
	av, err := attributevalue.MarshalWithOptions(c, avOpts)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Site(account, site), keys.RunPrefix+id),
		UpdateExpression:          aws.String("SET infra_cost_micro_usd = :t, infra_cost = :c"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": num(c.TotalMicroUSD), ":c": av},
	})
	return err
}
