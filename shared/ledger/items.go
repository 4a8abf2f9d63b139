package ledger

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// Items are built by hand rather than with attributevalue: the ledger wants
// every number written as an exact int64 and every time in one format.

// accountUpdate applies e's deltas to the account item and counts the entry.
// The item must exist (ADD would otherwise create it) and, when need > 0,
// have at least need credits available. ALL_OLD hands back the balance the
// condition saw, so an insufficient-credits error costs no extra read.
func (l *Ledger) accountUpdate(e Entry, need int64) types.TransactWriteItem {
	cond := "attribute_exists(PK)"
	vals := map[string]types.AttributeValue{
		":a": num(e.DeltaAvailable), ":r": num(e.DeltaReserved), ":s": num(e.DeltaSettled),
		":g": num(e.DeltaGranted), ":one": num(1),
	}
	if need > 0 {
		cond += " AND #a >= :need"
		vals[":need"] = num(need)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:           aws.String(l.table),
		Key:                 key(keys.Account(e.AccountID), keys.AccountSK),
		UpdateExpression:    aws.String("ADD #a :a, #r :r, #s :s, #g :g, #n :one"),
		ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: map[string]string{
			"#a": "available", "#r": "reserved", "#s": "settled", "#g": "granted", "#n": "tx_count",
		},
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// entryPut writes a grant, deduction or reservation entry at TX#<idempotency
// key>, so its own condition is the duplicate guard: a replay (of any
// operation with that key) fails it and gets the original entry back
// (ALL_OLD) to compare with. GSI1 lists the entries by time (ULID IDs).
func (l *Ledger) entryPut(e Entry) types.TransactWriteItem {
	it := map[string]types.AttributeValue{
		tabledef.PK: str(keys.Account(e.AccountID)), tabledef.SK: str(keys.TxPrefix + e.IdempotencyKey),
		tabledef.GSI1PK: str(keys.LedgerEntries(e.AccountID)), tabledef.GSI1SK: str(keys.TxPrefix + e.ID),
		"id": str(e.ID), "account_id": str(e.AccountID), "type": str(string(e.Type)),
		"amount": num(e.Amount), "delta_available": num(e.DeltaAvailable), "delta_reserved": num(e.DeltaReserved),
		"delta_settled": num(e.DeltaSettled), "delta_granted": num(e.DeltaGranted),
		"idempotency_key": str(e.IdempotencyKey), "created_at": str(e.CreatedAt.Format(time.RFC3339Nano)),
	}
	optional(it, "hold_id", e.HoldID)
	optional(it, "description", e.Description)
	if len(e.Metadata) > 0 {
		it["metadata"] = strMap(e.Metadata)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(l.table), Item: it,
		ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// holdPut creates a pending hold with its entry in the pending-holds queue
// (GSI1, ordered by expiry for the sweeper).
func (l *Ledger) holdPut(h Hold) types.TransactWriteItem {
	exp := h.ExpiresAt.UTC().Format(time.RFC3339)
	it := map[string]types.AttributeValue{
		tabledef.PK: str(keys.Account(h.AccountID)), tabledef.SK: str(keys.HoldPrefix + h.ID),
		"id": str(h.ID), "account_id": str(h.AccountID), "amount": num(h.Amount),
		"status": str(string(h.Status)), "idempotency_key": str(h.IdempotencyKey),
		"created_at": str(h.CreatedAt.Format(time.RFC3339Nano)), "expires_at": str(exp),
		tabledef.GSI1PK: str(keys.PendingHoldsPK), tabledef.GSI1SK: str(keys.Queued(exp, h.AccountID, h.ID)),
	}
	optional(it, "description", h.Description)
	if len(h.Metadata) > 0 {
		it["metadata"] = strMap(h.Metadata)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(l.table), Item: it,
		ConditionExpression:                 aws.String("attribute_not_exists(PK)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// holdResolve moves a hold out of pending and makes the hold item its
// resolution's ledger entry: it gains e's type, deltas and ID, and leaves the
// sweeper's queue for the ledger's listing (GSI1 is free once the hold is
// resolved). The condition makes resolution happen at most once, so the
// entry is written once and never changes; amount is checked too because e's
// deltas were computed from it. No separate entry item is needed.
func (l *Ledger) holdResolve(h Hold, to HoldStatus, e Entry) types.TransactWriteItem {
	set := "SET #st = :to, #at = :at, #tx = :tx, #type = :type, #da = :da, #dr = :dr, #ds = :ds, #dg = :dg, #g1pk = :g1pk, #g1sk = :g1sk"
	vals := map[string]types.AttributeValue{
		":to": str(string(to)), ":at": str(e.CreatedAt.Format(time.RFC3339Nano)), ":tx": str(e.ID),
		":type": str(string(e.Type)), ":da": num(e.DeltaAvailable), ":dr": num(e.DeltaReserved),
		":ds": num(e.DeltaSettled), ":dg": num(e.DeltaGranted),
		":g1pk": str(keys.LedgerEntries(h.AccountID)), ":g1sk": str(keys.TxPrefix + e.ID),
		":pending": str(string(HoldPending)), ":amount": num(h.Amount),
	}
	names := map[string]string{
		"#st": "status", "#at": "resolved_at", "#tx": "resolve_tx_id", "#amount": "amount", "#type": "type",
		"#da": "delta_available", "#dr": "delta_reserved", "#ds": "delta_settled", "#dg": "delta_granted",
		"#g1pk": tabledef.GSI1PK, "#g1sk": tabledef.GSI1SK,
	}
	if to == HoldSettled {
		set += ", #actual = :actual"
		vals[":actual"] = num(e.Amount)
		names["#actual"] = "actual"
	}
	if e.Description != h.Description { // a release's reason
		set += ", #reason = :reason"
		vals[":reason"] = str(e.Description)
		names["#reason"] = "reason"
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                           aws.String(l.table),
		Key:                                 key(keys.Account(h.AccountID), keys.HoldPrefix+h.ID),
		UpdateExpression:                    aws.String(set),
		ConditionExpression:                 aws.String("#st = :pending AND #amount = :amount"),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// entryFrom decodes old (the entry a failed put returned) or reads the entry
// of idempotency key idemKey.
func (l *Ledger) entryFrom(ctx context.Context, account, idemKey string, old map[string]types.AttributeValue) (Entry, error) {
	it, err := l.itemOr(ctx, old, keys.Account(account), keys.TxPrefix+idemKey, fmt.Sprintf("entry %q of %s", idemKey, account))
	if err != nil {
		return Entry{}, err
	}
	return decodeEntry(it)
}

// holdFrom decodes old (a hold a failed condition returned) or reads it.
func (l *Ledger) holdFrom(ctx context.Context, account, id string, old map[string]types.AttributeValue) (Hold, error) {
	it, err := l.itemOr(ctx, old, keys.Account(account), keys.HoldPrefix+id, fmt.Sprintf("hold %s of %s", id, account))
	if err != nil {
		return Hold{}, err
	}
	return decodeHold(it)
}

// account reads the account item with its tx_count.
func (l *Ledger) account(ctx context.Context, account string) (domain.Account, int64, error) {
	it, err := l.itemOr(ctx, nil, keys.Account(account), keys.AccountSK, "account "+account)
	if err != nil {
		return domain.Account{}, 0, err
	}
	d := dec{m: it}
	a := domain.Account{
		ID: d.str("id"), Name: d.str("name"), Available: d.num("available"), Reserved: d.num("reserved"),
		Settled: d.num("settled"), Granted: d.num("granted"), CreatedAt: d.time("created_at"),
	}
	if a.ID == "" {
		a.ID = account
	}
	return a, d.num("tx_count"), d.err
}

// itemOr returns old when the failed transaction handed the item back, else
// reads it (strongly consistent). A missing item is domain.ErrNotFound
// naming what.
func (l *Ledger) itemOr(ctx context.Context, old map[string]types.AttributeValue, pk, sk, what string) (map[string]types.AttributeValue, error) {
	if len(old) > 0 {
		return old, nil
	}
	out, err := l.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(l.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: get %s %s: %w", pk, sk, err)
	}
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("ledger: %s: %w", what, domain.ErrNotFound)
	}
	return out.Item, nil
}

// decodeEntry decodes a ledger entry: a TX# item, or a resolved hold (the
// entry of its settlement, release or expiry).
func decodeEntry(it map[string]types.AttributeValue) (Entry, error) {
	d := dec{m: it}
	if strings.HasPrefix(d.str(tabledef.SK), keys.HoldPrefix) {
		return decodeResolution(it)
	}
	e := Entry{
		ID: d.str("id"), AccountID: d.str("account_id"), Type: EntryType(d.str("type")), Amount: d.num("amount"),
		DeltaAvailable: d.num("delta_available"), DeltaReserved: d.num("delta_reserved"),
		DeltaSettled: d.num("delta_settled"), DeltaGranted: d.num("delta_granted"),
		HoldID: d.str("hold_id"), IdempotencyKey: d.str("idempotency_key"), Description: d.str("description"),
		Metadata: d.strMap("metadata"), CreatedAt: d.time("created_at"),
	}
	return e, d.err
}

// decodeResolution decodes the entry a resolved hold item carries. A settle
// entry's amount is the actual charge, a void's the hold's amount; a
// release's reason, when it differs from the hold's description, is kept
// apart from it.
func decodeResolution(it map[string]types.AttributeValue) (Entry, error) {
	d := dec{m: it}
	e := Entry{
		ID: d.str("resolve_tx_id"), AccountID: d.str("account_id"), Type: EntryType(d.str("type")), Amount: d.num("amount"),
		DeltaAvailable: d.num("delta_available"), DeltaReserved: d.num("delta_reserved"),
		DeltaSettled: d.num("delta_settled"), DeltaGranted: d.num("delta_granted"),
		HoldID: d.str("id"), Description: d.str("description"), Metadata: d.strMap("metadata"),
		CreatedAt: d.time("resolved_at"),
	}
	if e.Type == TypeSettle {
		e.Amount = d.num("actual")
	}
	if _, ok := it["reason"]; ok {
		e.Description = d.str("reason")
	}
	if d.err == nil && (e.ID == "" || e.Type == "") {
		d.err = fmt.Errorf("ledger: hold %s has no resolution entry: %w", e.HoldID, domain.ErrNotFound)
	}
	return e, d.err
}

// UnmarshalDynamoDBAttributeValue decodes an entry item of either shape, so
// a list read with attributevalue (the store's pages) gets the same entries
// as Entries.
func (e *Entry) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return fmt.Errorf("ledger: an entry item must be a map, got %T", av)
	}
	v, err := decodeEntry(m.Value)
	if err != nil {
		return err
	}
	*e = v
	return nil
}

func decodeHold(it map[string]types.AttributeValue) (Hold, error) {
	d := dec{m: it}
	h := Hold{
		ID: d.str("id"), AccountID: d.str("account_id"), Amount: d.num("amount"), Status: HoldStatus(d.str("status")),
		IdempotencyKey: d.str("idempotency_key"), Description: d.str("description"), Metadata: d.strMap("metadata"),
		CreatedAt: d.time("created_at"), ExpiresAt: d.time("expires_at"), ResolveTxID: d.str("resolve_tx_id"),
	}
	if t := d.time("resolved_at"); !t.IsZero() {
		h.ResolvedAt = &t
	}
	if _, ok := it["actual"]; ok {
		a := d.num("actual")
		h.Actual = &a
	}
	if d.err != nil {
		return Hold{}, d.err
	}
	// A resolved hold carries its entry; one without (edited behind the
	// ledger's back) decodes, and Audit reports it.
	if _, ok := it["resolve_tx_id"]; ok && h.Status != HoldPending {
		e, err := decodeResolution(it)
		if err != nil {
			return Hold{}, err
		}
		h.resolution = &e
	}
	return h, nil
}

// prefixQuery lists the items of an account partition whose sort key starts
// with prefix.
func prefixQuery(table, account, prefix string, limit int32, start map[string]types.AttributeValue, forward bool) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              aws.String(table),
		KeyConditionExpression: aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(keys.Account(account)), ":p": str(prefix),
		},
		ConsistentRead:    aws.Bool(true),
		ScanIndexForward:  aws.Bool(forward),
		Limit:             aws.Int32(limit),
		ExclusiveStartKey: start,
	}
}

// entriesQuery lists an account's ledger entries by time through GSI1
// (eventually consistent on AWS; Audit reads the base table instead).
func entriesQuery(table, account string, limit int32, start map[string]types.AttributeValue) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              aws.String(table),
		IndexName:              aws.String(tabledef.ByStatus),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :p)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": tabledef.GSI1PK, "#sk": tabledef.GSI1SK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(keys.LedgerEntries(account)), ":p": str(keys.TxPrefix),
		},
		ScanIndexForward:  aws.Bool(false),
		Limit:             aws.Int32(limit),
		ExclusiveStartKey: start,
	}
}

// pendingHoldsQuery lists pending holds that expire before now, oldest first.
// GSI1SK starts with the whole-second expiry, so the bound is now rounded up
// to a second; the caller compares the exact times.
func pendingHoldsQuery(table string, now time.Time, limit int32, start map[string]types.AttributeValue) *dynamodb.QueryInput {
	bound := now.UTC()
	if t := bound.Truncate(time.Second); !t.Equal(bound) {
		bound = t.Add(time.Second)
	}
	return &dynamodb.QueryInput{
		TableName:              aws.String(table),
		IndexName:              aws.String(tabledef.ByStatus),
		KeyConditionExpression: aws.String("#pk = :pk AND #sk < :bound"),
		ExpressionAttributeNames: map[string]string{
			"#pk": tabledef.GSI1PK, "#sk": tabledef.GSI1SK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(keys.PendingHoldsPK), ":bound": str(bound.Format(time.RFC3339)),
		},
		Limit:             aws.Int32(limit),
		ExclusiveStartKey: start,
	}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{tabledef.PK: str(pk), tabledef.SK: str(sk)}
}

func optional(it map[string]types.AttributeValue, name, v string) {
	if v != "" {
		it[name] = str(v)
	}
}

func strMap(m map[string]string) types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = str(v)
	}
	return &types.AttributeValueMemberM{Value: out}
}

// dec reads attributes of one item and keeps the first decoding error, so a
// decoder is a list of field reads followed by one error check. A missing
// attribute reads as the zero value.
type dec struct {
	m   map[string]types.AttributeValue
	err error
}

func (d *dec) fail(name string, err error) {
	if d.err == nil {
		d.err = fmt.Errorf("ledger: attribute %s: %w", name, err)
	}
}

func (d *dec) str(name string) string {
	switch v := d.m[name].(type) {
	case nil:
		return ""
	case *types.AttributeValueMemberS:
		return v.Value
	default:
		d.fail(name, fmt.Errorf("want a string, got %T", v))
		return ""
	}
}

func (d *dec) num(name string) int64 {
	switch v := d.m[name].(type) {
	case nil:
		return 0
	case *types.AttributeValueMemberN:
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			d.fail(name, err)
		}
		return n
	default:
		d.fail(name, fmt.Errorf("want a number, got %T", v))
		return 0
	}
}

func (d *dec) time(name string) time.Time {
	s := d.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.fail(name, err)
	}
	return t.UTC()
}

func (d *dec) strMap(name string) map[string]string {
	switch v := d.m[name].(type) {
	case nil:
		return nil
	case *types.AttributeValueMemberM:
		out := make(map[string]string, len(v.Value))
		for k, av := range v.Value {
			s, ok := av.(*types.AttributeValueMemberS)
			if !ok {
				d.fail(name+"."+k, fmt.Errorf("want a string, got %T", av))
				continue
			}
			out[k] = s.Value
		}
		return out
	default:
		d.fail(name, fmt.Errorf("want a map, got %T", v))
		return nil
	}
}
