package ledger

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/store/txn"
)

// transact writes the ledger's transaction with the ledger's retry policy
// (see txn.Write).
func (l *Ledger) transact(ctx context.Context, tx *txn.Tx) error {
	return txn.Write(ctx, l.db, l.retry, tx.Items())
}

// role is what an item of a ledger transaction is for; it decides what a
// failed condition on that item means.
type role uint8

const (
	roleAccount role = iota + 1 // balance update: missing account or insufficient credits
	roleReplay                  // entry or hold: an earlier request already did this
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

// classify says why a transaction failed, from the cancellation reasons
// (whose indexes align with the items, described by roles). Condition
// failures decide before conflicts (see txn.Retryable). Among them a replay
// wins over the account (a replayed deduction must return the original entry
// even if the balance is now short), and the account over extra items. It
// returns the index and reason of the item that decided.
func classify(err error, roles []role) (outcome, int, types.CancellationReason) {
	reasons := txn.Reasons(err)
	best, at := outOther, -1
	for i, r := range reasons {
		if aws.ToString(r.Code) != txn.CodeCondition {
			continue
		}
		o := outOther
		if i < len(roles) && len(reasons) == len(roles) {
			o = map[role]outcome{roleReplay: outReplay, roleAccount: outAccount, roleExtra: outExtra}[roles[i]]
		}
		if at < 0 || rank(o) > rank(best) {
			best, at = o, i
		}
	}
	switch {
	case at >= 0:
		return best, at, reasons[at]
	case txn.Retryable(err):
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
