// Package txn is one DynamoDB write transaction: the writes it collects
// (puts, updates, condition checks, deletes and summed counter deltas), the
// 100-item limit, the one retry loop for cancelled transactions and the
// classification of their cancellation reasons. The store and the ledger
// both build on it, so a transaction can carry the writes of both.
package txn

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// MaxItems is DynamoDB's limit of items per TransactWriteItems.
const MaxItems = 100

// ErrTooLarge is a transaction over MaxItems items.
var ErrTooLarge = errors.New("txn: over the 100-item transaction limit")

// Tx collects the writes of one transaction. Counter deltas are summed per
// counter item because a transaction may touch each item only once; they
// become one ADD update per item after the other writes. The zero value is
// an empty transaction.
type Tx struct {
	items    []types.TransactWriteItem
	counters []counter // in order of first use
}

type counter struct {
	table, pk, sk string
	deltas        map[string]int64
}

// Add appends writes.
func (t *Tx) Add(items ...types.TransactWriteItem) { t.items = append(t.items, items...) }

// Count adds deltas to the counters of the existing item pk/sk of table.
func (t *Tx) Count(table, pk, sk string, deltas map[string]int64) {
	var c *counter
	for i := range t.counters {
		if x := &t.counters[i]; x.table == table && x.pk == pk && x.sk == sk {
			c = x
		}
	}
	if c == nil {
		t.counters = append(t.counters, counter{table: table, pk: pk, sk: sk, deltas: map[string]int64{}})
		c = &t.counters[len(t.counters)-1]
	}
	for name, d := range deltas {
		c.deltas[name] += d
	}
}

// Merge adds other's writes and counters to t.
func (t *Tx) Merge(other Tx) {
	t.Add(other.items...)
	for _, c := range other.counters {
		t.Count(c.table, c.pk, c.sk, c.deltas)
	}
}

// Writes is the number of writes added (counter updates not included).
func (t *Tx) Writes() int { return len(t.items) }

// Len is the number of transaction items t becomes at most.
func (t *Tx) Len() int { return len(t.items) + len(t.counters) }

// Fits reports whether t and reserve more items fit one transaction.
func (t *Tx) Fits(reserve int) bool { return t.Len()+reserve <= MaxItems }

// Items are the writes followed by the nonzero counter updates.
func (t *Tx) Items() []types.TransactWriteItem {
	items := append([]types.TransactWriteItem(nil), t.items...)
	for _, c := range t.counters {
		nz := map[string]int64{}
		for name, d := range c.deltas {
			if d != 0 {
				nz[name] = d
			}
		}
		if len(nz) > 0 {
			items = append(items, AddCounters(c.table, c.pk, c.sk, nz))
		}
	}
	return items
}

// AddCounters is an update that ADDs deltas to counters on an existing item.
func AddCounters(table, pk, sk string, deltas map[string]int64) types.TransactWriteItem {
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	expr := ""
	i := 0
	for name, d := range deltas {
		if expr != "" {
			expr += ", "
		}
		n, v := fmt.Sprintf("#c%d", i), fmt.Sprintf(":c%d", i)
		names[n], values[v] = name, &types.AttributeValueMemberN{Value: strconv.FormatInt(d, 10)}
		expr += n + " " + v
		i++
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk},
		},
		UpdateExpression:          aws.String("ADD " + expr),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}

// Writer is the part of the DynamoDB client a transaction needs.
type Writer interface {
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Retry is how often a cancelled transaction is tried in all, and the
// exponential backoff with full jitter between tries.
type Retry struct {
	Attempts  int
	Base, Cap time.Duration
}

// DefaultRetry is the policy of every transaction unless configured.
var DefaultRetry = Retry{Attempts: 8, Base: 20 * time.Millisecond, Cap: time.Second}

// Write writes items atomically. A cancellation caused only by a concurrent
// transaction or by throttling is retried; the same items are sent each time
// and their conditions make a retry after an unnoticed success harmless.
//
// No ClientRequestToken: the callers' conditions already make every
// transaction idempotent for as long as it matters, and a token would turn a
// retry with fresh parameters into IdempotentParameterMismatch.
func Write(ctx context.Context, db Writer, r Retry, items []types.TransactWriteItem) error {
	if len(items) > MaxItems {
		return fmt.Errorf("%w: %d items", ErrTooLarge, len(items))
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	for attempt := 1; ; attempt++ {
		_, err := db.TransactWriteItems(ctx, in)
		if err == nil || !Retryable(err) {
			return err
		}
		if attempt >= r.Attempts {
			return fmt.Errorf("txn: gave up after %d attempts: %w", attempt, err)
		}
		if err := r.sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

// sleep waits a random time in [0, min(Cap, Base·2^(attempt-1))) ("full
// jitter"), so retrying writers spread out instead of colliding again.
func (r Retry) sleep(ctx context.Context, attempt int) error {
	d := r.Cap
	if shift := attempt - 1; shift < 30 && r.Base<<shift < d {
		d = r.Base << shift
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(rand.N(d))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Cancellation reason codes DynamoDB reports per item.
const (
	CodeCondition  = "ConditionalCheckFailed"
	codeConflict   = "TransactionConflict"
	codeThrottling = "ThrottlingError"
	codeThroughput = "ProvisionedThroughputExceeded"
	codeRequests   = "RequestLimitExceeded"
)

// Reasons returns the per-item reasons of a cancelled transaction (aligned
// with its items), or nil when err is not a cancellation.
func Reasons(err error) []types.CancellationReason {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	return tce.CancellationReasons
}

// Codes are the per-item reason codes of a cancelled transaction, or nil.
func Codes(err error) []string {
	reasons := Reasons(err)
	if reasons == nil {
		return nil
	}
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = aws.ToString(r.Code)
	}
	return codes
}

// ConditionFailed reports a cancellation in which item i failed its
// condition (i < 0: the last item).
func ConditionFailed(err error, i int) bool {
	codes := Codes(err)
	if i < 0 {
		i += len(codes)
	}
	return i >= 0 && i < len(codes) && codes[i] == CodeCondition
}

// Retryable reports a failure caused only by a concurrent transaction or by
// throttling, which is safe to retry. A failed condition decides even when
// another item conflicted: it is the current truth, and a retry would fail
// the same way.
func Retryable(err error) bool {
	codes := Codes(err)
	if codes == nil {
		return throttled(err)
	}
	retry := false
	for _, c := range codes {
		switch c {
		case CodeCondition:
			return false
		case codeConflict, codeThrottling, codeThroughput, codeRequests:
			retry = true
		}
	}
	return retry
}

// throttled reports request-level throttling (the SDK retries it a few times
// itself; a transaction keeps going a little longer).
func throttled(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded":
		return true
	}
	return false
}
