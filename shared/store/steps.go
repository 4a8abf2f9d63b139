package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

// Step records make a Lambda step exactly-once under retries and duplicate
// deliveries (in the manner of Powertools idempotency records): a lease while
// in progress, the provider's raw output once it has one (so a retry after a
// crash never pays the provider twice), a marker per applied write chunk, and
// the final result.
type StepRecord struct {
	Key       string
	Started   time.Time // when the step first began: the time its IDs carry
	Completed bool
	Output    []byte // the provider output saved mid-step, if any
	Result    []byte // the step's result once completed
}

const stepRetention = 7 * 24 * time.Hour

// BeginStep takes the step's lease. A completed step returns its record (the
// caller answers with Result); a step leased by a live invocation returns
// domain.ErrInProgress; an expired lease is taken over, keeping saved output.
func (s *Store) BeginStep(ctx context.Context, account, stepKey string, lease time.Duration) (StepRecord, error) {
	now := s.now()
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.StepPrefix+stepKey),
		UpdateExpression:         aws.String("SET #st = :ip, lease_until = :lease, #ttl = :ttl, started_at = if_not_exists(started_at, :started) ADD attempts :one"),
		ConditionExpression:      aws.String("attribute_not_exists(PK) OR (#st = :ip AND lease_until < :now)"),
		ExpressionAttributeNames: map[string]string{"#st": "status", "#ttl": tabledef.TTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":ip": str("in_progress"), ":lease": num(now.Add(lease).UnixMilli()), ":now": num(now.UnixMilli()),
			":ttl": num(now.Add(stepRetention).Unix()), ":one": num(1), ":started": str(now.Format(time.RFC3339Nano)),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		started, _ := time.Parse(time.RFC3339Nano, attrS(out.Attributes, "started_at"))
		return StepRecord{Key: stepKey, Started: started, Output: bytesAttr(out.Attributes, "output")}, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return StepRecord{}, fmt.Errorf("begin step %s: %w", stepKey, err)
	}
	if attrS(ccf.Item, "status") == "completed" {
		return StepRecord{Key: stepKey, Completed: true, Output: bytesAttr(ccf.Item, "output"), Result: bytesAttr(ccf.Item, "result")}, nil
	}
	return StepRecord{}, fmt.Errorf("step %s: %w", stepKey, domain.ErrInProgress)
}

// SaveStepOutput keeps the provider's output on the step record.
func (s *Store) SaveStepOutput(ctx context.Context, account, stepKey string, output []byte) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.StepPrefix+stepKey),
		UpdateExpression:          aws.String("SET #o = :o"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#o": "output"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberB{Value: output}},
	})
	return err
}

// ApplyStep writes a step's results: units (each a set of writes with
// their counters that must not be split) packed into chunks of one
// transaction each, applied in order. Each chunk applies exactly once
// however often the step is retried, as long as the units are the same.
func (s *Store) ApplyStep(ctx context.Context, account, stepKey string, units []Tx) error {
	for n, c := range chunks(units, 0, 1) { // the chunk's marker
		var chunk Tx
		for _, u := range units[c[0]:c[1]] {
			chunk.Merge(u)
		}
		if chunk.Writes() == 0 {
			continue
		}
		if err := s.applyChunk(ctx, account, stepKey, n, chunk); err != nil {
			return err
		}
	}
	return nil
}

// applyChunk writes one chunk of a step's results with its counters and a
// marker, in one transaction. A chunk already applied (its marker exists)
// is skipped, so a retried step writes every chunk exactly once. Any other
// failed condition is returned as a *ChunkConflict naming the writes.
func (s *Store) applyChunk(ctx context.Context, account, stepKey string, index int, w Tx) error {
	return s.applyMarked(ctx, account, stepKey, keys.StepChunk(stepKey, index), w)
}

// applyMarked writes w with the marker marker (its sort key), once.
func (s *Store) applyMarked(ctx context.Context, account, stepKey, marker string, w Tx) error {
	mark := types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"PK": str(keys.Account(account)), "SK": str(marker),
			tabledef.TTL: num(s.now().Add(stepRetention).Unix()),
		},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}
	err := s.transact(ctx, append(w.Items(), mark))
	codes := txn.Codes(err)
	switch {
	case err == nil:
		return nil
	case codes == nil:
		return fmt.Errorf("apply step %s (%s): %w", stepKey, marker, err)
	case codes[len(codes)-1] == txn.CodeCondition:
		return nil // applied by an earlier attempt
	}
	cc := &ChunkConflict{}
	for i, c := range codes[:w.Writes()] {
		if c == txn.CodeCondition {
			cc.Items = append(cc.Items, i)
		}
	}
	if len(cc.Items) == 0 {
		return fmt.Errorf("apply step %s (%s): %w", stepKey, marker, err)
	}
	return cc
}

// ChunkConflict lists the writes of a chunk whose conditions failed (an item
// changed since it was read). It is a domain.ErrConflict.
type ChunkConflict struct{ Items []int }

func (c *ChunkConflict) Error() string {
	return fmt.Sprintf("%d items changed while the step ran", len(c.Items))
}

// Unwrap makes errors.Is(err, domain.ErrConflict) hold.
func (c *ChunkConflict) Unwrap() error { return domain.ErrConflict }

// CompleteStep records the step's result; later deliveries answer with it.
func (s *Store) CompleteStep(ctx context.Context, account, stepKey string, result []byte) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.StepPrefix+stepKey),
		UpdateExpression:          aws.String("SET #st = :c, #r = :r"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#st": "status", "#r": "result"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": str("completed"), ":r": &types.AttributeValueMemberB{Value: result}},
	})
	return err
}

func bytesAttr(it map[string]types.AttributeValue, name string) []byte {
	if v, ok := it[name].(*types.AttributeValueMemberB); ok {
		return v.Value
	}
	return nil
}

// ReleaseStep gives up the lease after a failure, keeping the saved output,
// so the next retry can start at once instead of waiting for the lease.
func (s *Store) ReleaseStep(ctx context.Context, account, stepKey string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), keys.StepPrefix+stepKey),
		UpdateExpression:          aws.String("SET lease_until = :zero"),
		ConditionExpression:       aws.String("#st = :ip"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":zero": num(0), ":ip": str("in_progress")},
	})
	if isConditionFailed(err) {
		return nil
	}
	return err
}
