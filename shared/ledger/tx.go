package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// transact writes items atomically. A cancellation caused only by a
// concurrent transaction or by throttling is retried with exponential backoff
// and full jitter; the same items are sent each time (same entry ID), and the
// conditions make a retry after an unnoticed success harmless.
//
// No ClientRequestToken: the idempotency record or the hold's status already
// makes every transaction idempotent for as long as it matters, and a token
// would turn a retry with fresh parameters into IdempotentParameterMismatch.
func (l *Ledger) transact(ctx context.Context, items []types.TransactWriteItem) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	for attempt := 1; ; attempt++ {
		_, err := l.db.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		if out, _, _ := classify(err, nil); out != outRetry {
			return err
		}
		if attempt >= l.maxAttempts {
			return fmt.Errorf("ledger: gave up after %d attempts: %w", attempt, err)
		}
		if err := l.sleep(ctx, attempt); err != nil {
			return err
		}
	}
}

// sleep waits a random time in [0, min(cap, base·2^(attempt-1))) ("full
// jitter"), so retrying writers spread out instead of colliding again.
func (l *Ledger) sleep(ctx context.Context, attempt int) error {
	d := l.backoffCap
	if shift := attempt - 1; shift < 30 && l.backoffBase<<shift < d {
		d = l.backoffBase << shift
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

// role is what an item of a ledger transaction is for; it decides what a
// failed condition on that item means.
type role uint8

const (
	roleAccount role = iota + 1 // balance update: missing account or insufficient credits
	roleReplay                  // idempotency record or hold: an earlier request already did this
	roleEntry                   // new ledger entry: a failure is a bug, not a business outcome
	roleExtra                   // caller-supplied item (Settle)
)

// outcome is how the ledger handles a failed transaction.
type outcome uint8

const (
	outOther   outcome = iota // return the error as it is
	outRetry                  // conflict or throttling only: try again
	outReplay                 // answer from what the earlier request did
	outAccount                // not found or insufficient credits
	outExtra                  // an extra item's condition failed (ErrConflict)
)

// Cancellation reason codes DynamoDB reports per item.
const (
	codeCondition  = "ConditionalCheckFailed"
	codeConflict   = "TransactionConflict"
	codeThrottling = "ThrottlingError"
	codeThroughput = "ProvisionedThroughputExceeded"
	codeRequests   = "RequestLimitExceeded"
)

// classify says why a transaction failed, from the cancellation reasons
// (whose indexes align with the items, described by roles). Condition
// failures decide before conflicts: they are the current truth, and retrying
// would fail the same way. Among them a replay wins over the account (a
// replayed deduction must return the original entry even if the balance is
// now short), and the account over extra items. It returns the index and
// reason of the item that decided.
func classify(err error, roles []role) (outcome, int, types.CancellationReason) {
	reasons := cancellation(err)
	if reasons == nil {
		if throttled(err) {
			return outRetry, -1, types.CancellationReason{}
		}
		return outOther, -1, types.CancellationReason{}
	}
	best, at := outOther, -1
	failed, retry := false, false
	for i, r := range reasons {
		switch aws.ToString(r.Code) {
		case codeCondition:
			failed = true
			o := outOther
			if i < len(roles) && len(reasons) == len(roles) {
				o = map[role]outcome{roleReplay: outReplay, roleAccount: outAccount, roleExtra: outExtra}[roles[i]]
			}
			if at < 0 || rank(o) > rank(best) {
				best, at = o, i
			}
		case codeConflict, codeThrottling, codeThroughput, codeRequests:
			retry = true
		}
	}
	switch {
	case failed:
		return best, at, reasons[at]
	case retry:
		return outRetry, -1, types.CancellationReason{}
	}
	return outOther, -1, types.CancellationReason{}
}

// rank orders the outcomes of condition failures by precedence.
func rank(o outcome) int {
	switch o {
	case outReplay:
		return 4
	case outAccount:
		return 3
	case outExtra:
		return 2
	}
	return 1 // outOther: a condition the ledger cannot explain beats nothing
}

// cancellation returns the per-item reasons of a cancelled transaction, or
// nil when err is not a cancellation.
func cancellation(err error) []types.CancellationReason {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	return tce.CancellationReasons
}

// throttled reports request-level throttling (the SDK retries it a few times
// itself; the ledger keeps going a little longer).
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
