package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
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

const stepPrefix = "STEP#"
const stepRetention = 7 * 24 * time.Hour

// BeginStep takes the step's lease. A completed step returns its record (the
// caller answers with Result); a step leased by a live invocation returns
// domain.ErrInProgress; an expired lease is taken over, keeping saved output.
func (s *Store) BeginStep(ctx context.Context, account, stepKey string, lease time.Duration) (StepRecord, error) {
	now := s.now()
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(keys.Account(account), stepPrefix+stepKey),
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
		TableName: aws.String(s.table), Key: key(keys.Account(account), stepPrefix+stepKey),
		UpdateExpression:          aws.String("SET #o = :o"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  map[string]string{"#o": "output"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberB{Value: output}},
	})
	return err
}

// ApplyStepChunk writes one chunk of a step's results with its counters and
// a marker, in one transaction. A chunk already applied (its marker exists)
// is skipped, so a retried step writes every chunk exactly once. Any other
// failed condition is returned as a *ChunkConflict naming the items.
func (s *Store) ApplyStepChunk(ctx context.Context, account, site, stepKey string, index int, w Writes) error {
	items := s.Transaction(account, site, w)
	marker := types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"PK": str(keys.Account(account)), "SK": str(stepPrefix + stepKey + "#CHUNK#" + strconv.Itoa(index)),
			tabledef.TTL: num(s.now().Add(stepRetention).Unix()),
		},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}
	items = append(items, marker)
	if len(items) > 100 {
		return fmt.Errorf("step %s chunk %d has %d writes, over the 100-item transaction limit", stepKey, index, len(items))
	}
	err := s.transact(ctx, items)
	codes := cancelReasons(err)
	switch {
	case err == nil:
		return nil
	case codes == nil:
		return fmt.Errorf("apply step %s chunk %d: %w", stepKey, index, err)
	case codes[len(codes)-1] == "ConditionalCheckFailed":
		return nil // applied by an earlier attempt
	}
	cc := &ChunkConflict{}
	for i, c := range codes[:len(w.Items)] {
		if c == "ConditionalCheckFailed" {
			cc.Items = append(cc.Items, i)
		}
	}
	if len(cc.Items) == 0 {
		return fmt.Errorf("apply step %s chunk %d: %w", stepKey, index, err)
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
		TableName: aws.String(s.table), Key: key(keys.Account(account), stepPrefix+stepKey),
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
		TableName: aws.String(s.table), Key: key(keys.Account(account), stepPrefix+stepKey),
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
