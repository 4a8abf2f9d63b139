package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// Staged results. A charged step does not write its results: it stages them
// beside its step record (STEP#<key>#UNIT#<i>, which no list or index
// reads), and the settle step commits them with the charge that pays for
// them: in the charge's own transaction, and the rest (when they do not fit)
// in chunks after it, each checking the mark the charge left on the step. So
// no result exists without its charge, and a released or expired hold
// leaves no results behind; its staged units go with the step's TTL.

// StageStep keeps units as the step's staged results. A retried step stages
// again, over the same keys; the count on the step record says how many of
// them are the step's.
func (s *Store) StageStep(ctx context.Context, account, stepKey string, units []Tx) error {
	ttl := num(s.now().Add(stepRetention).Unix())
	var batch []types.WriteRequest
	flush := func() error {
		for len(batch) > 0 {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: batch}})
			if err != nil {
				return fmt.Errorf("stage step %s: %w", stepKey, err)
			}
			batch = out.UnprocessedItems[s.table]
		}
		return nil
	}
	for i, u := range units {
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"PK": str(keys.Account(account)), "SK": str(keys.StepUnit(stepKey, i)), "unit": u.Encode(), tabledef.TTL: ttl,
		}}})
		if len(batch) == 25 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.StepPrefix+stepKey),
		UpdateExpression:          aws.String("SET staged = :n"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(int64(len(units)))},
	})
	if err != nil {
		return fmt.Errorf("stage step %s: %w", stepKey, err)
	}
	return nil
}

// StagedUnits are the units the step staged, in order (none if it staged
// none).
func (s *Store) StagedUnits(ctx context.Context, account, stepKey string) ([]Tx, error) {
	rec, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.StepPrefix+stepKey), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("staged units of %s: %w", stepKey, err)
	}
	n := 0
	if v, ok := rec.Item["staged"].(*types.AttributeValueMemberN); ok {
		n, _ = strconv.Atoi(v.Value)
	}
	if n == 0 {
		return nil, nil
	}
	units := make([]Tx, n)
	found := make([]bool, n)
	prefix := keys.StepUnitPrefix(stepKey)
	err = s.queryAll(ctx, keys.Account(account), prefix, func(it map[string]types.AttributeValue) error {
		i, err := strconv.Atoi(strings.TrimPrefix(attrS(it, "SK"), prefix))
		if err != nil || i >= n {
			return nil // a unit an earlier attempt staged beyond this one's count
		}
		u, err := txn.Decode(it["unit"])
		if err != nil {
			return fmt.Errorf("staged unit %d of %s: %w", i, stepKey, err)
		}
		units[i], found[i] = u, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, ok := range found {
		if !ok {
			return nil, fmt.Errorf("staged unit %d of %s is missing", i, stepKey)
		}
	}
	return units, nil
}

// MarkCharged adds to w (the settle transaction) the mark that the step's
// results are paid for by hold; CommitStaged's chunks check it.
func (s *Store) MarkCharged(w *Tx, account, stepKey, hold string) {
	w.Add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.StepPrefix+stepKey),
		UpdateExpression:          aws.String("SET charged_by = :h"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": str(hold)},
	}})
}

// CommitStaged writes the step's staged units from first on, after the
// charge that marked the step (MarkCharged) — the units before first went
// in the charge's own transaction. Each chunk checks the mark and applies
// once. A unit whose condition fails (its item changed since the step ran,
// e.g. its owner deleted it) cannot be written any more; it is skipped, and
// the skipped units' indexes are returned.
func (s *Store) CommitStaged(ctx context.Context, account, stepKey, hold string, units []Tx, first int) (skipped []int, err error) {
	guard := types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.StepPrefix+stepKey),
		ConditionExpression:       aws.String("charged_by = :h"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": str(hold)},
	}}
	apply := func(from, to int) error {
		var w Tx
		for _, u := range units[from:to] {
			w.Merge(u)
		}
		w.Add(guard)
		return s.applyMarked(ctx, account, stepKey, keys.StepCommitted(stepKey, from, to-1), w)
	}
	for _, c := range chunks(units, first, 2) { // the guard and the marker
		err := apply(c[0], c[1])
		var cc *ChunkConflict
		switch {
		case err == nil:
			continue
		case !errors.As(err, &cc):
			return skipped, err
		}
		if guarded(cc, units[c[0]:c[1]]) {
			return skipped, fmt.Errorf("commit step %s: the step is not marked charged by hold %s", stepKey, hold)
		}
		// Unit by unit: the ones that still fit their conditions go in.
		for i := c[0]; i < c[1]; i++ {
			err := apply(i, i+1)
			switch {
			case errors.As(err, &cc) && !guarded(cc, units[i:i+1]):
				skipped = append(skipped, i)
			case err != nil:
				return skipped, err
			}
		}
	}
	return skipped, nil
}

// guarded reports whether a conflict was the guard's (the last write of the
// chunk, after the units' writes).
func guarded(cc *ChunkConflict, units []Tx) bool {
	n := 0
	for _, u := range units {
		n += u.Writes()
	}
	for _, i := range cc.Items {
		if i == n {
			return true
		}
	}
	return false
}

// chunks packs units[first:] into runs [from, to) that each fit one
// transaction with reserve more items, never splitting a unit.
func chunks(units []Tx, first, reserve int) [][2]int {
	var out [][2]int
	var cur Tx
	from := first
	for i := first; i < len(units); i++ {
		next := Tx{}
		next.Merge(cur)
		next.Merge(units[i])
		if !next.Fits(reserve) && i > from {
			out = append(out, [2]int{from, i})
			from, next = i, Tx{}
			next.Merge(units[i])
		}
		cur = next
	}
	if from < len(units) {
		out = append(out, [2]int{from, len(units)})
	}
	return out
}
