package ledger

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
)

// Sums are the balance fields, or the sums of the entries' deltas per field.
type Sums struct {
	Available int64 `json:"available"`
	Reserved  int64 `json:"reserved"`
	Settled   int64 `json:"settled"`
	Granted   int64 `json:"granted"`
}

// AuditReport compares an account's balance with its ledger.
type AuditReport struct {
	Account       domain.Account `json:"account"`
	TxCount       int64          `json:"tx_count"`       // the account item's entry counter
	Entries       int64          `json:"entries"`        // ledger entries found
	Deltas        Sums           `json:"deltas"`         // sums of the entries' deltas
	PendingHolds  int64          `json:"pending_holds"`  // holds still pending
	PendingAmount int64          `json:"pending_amount"` // their amounts, summed
	Problems      []string       `json:"problems"`
}

// OK reports that no problem was found.
func (r AuditReport) OK() bool { return len(r.Problems) == 0 }

// auditTries bounds how often Audit re-reads a busy account.
const auditTries = 5

// Audit recounts an account from its ledger entries (TX# items and resolved
// holds) and pending holds (strongly consistent Queries of the base table,
// never a Scan) and lists every way the balance disagrees with them. The reads are
// not one snapshot, so Audit brackets them with two reads of the account item
// and starts again if tx_count moved in between (every change bumps it); on a
// very busy account the last attempt is reported as it is.
func (l *Ledger) Audit(ctx context.Context, account string) (AuditReport, error) {
	var r AuditReport
	for try := 0; try < auditTries; try++ {
		var err error
		if r, err = l.audit(ctx, account); err != nil {
			return AuditReport{}, err
		}
		_, after, err := l.account(ctx, account)
		if err != nil {
			return AuditReport{}, err
		}
		if after == r.TxCount {
			break
		}
	}
	r.Problems = r.problems()
	return r, nil
}

func (l *Ledger) audit(ctx context.Context, account string) (AuditReport, error) {
	a, txCount, err := l.account(ctx, account)
	if err != nil {
		return AuditReport{}, err
	}
	r := AuditReport{Account: a, TxCount: txCount}
	var bad []string
	add := func(e Entry) {
		r.Entries++
		r.Deltas.Available += e.DeltaAvailable
		r.Deltas.Reserved += e.DeltaReserved
		r.Deltas.Settled += e.DeltaSettled
		r.Deltas.Granted += e.DeltaGranted
		if e.DeltaAvailable+e.DeltaReserved+e.DeltaSettled != e.DeltaGranted {
			bad = append(bad, fmt.Sprintf("entry %s: deltas do not balance", e.ID))
		}
	}
	err = l.each(ctx, account, keys.TxPrefix, func(it map[string]types.AttributeValue) error {
		e, err := decodeEntry(it)
		if err != nil {
			return err
		}
		add(e)
		return nil
	})
	if err != nil {
		return AuditReport{}, err
	}
	// A hold is pending, or resolved and then the entry of its resolution.
	err = l.each(ctx, account, keys.HoldPrefix, func(it map[string]types.AttributeValue) error {
		h, err := decodeHold(it)
		if err != nil {
			return err
		}
		if h.Status == HoldPending {
			r.PendingHolds++
			r.PendingAmount += h.Amount
		} else if h.resolution != nil {
			add(*h.resolution)
		} else {
			bad = append(bad, fmt.Sprintf("hold %s is %s without its entry", h.ID, h.Status))
		}
		return nil
	})
	if err != nil {
		return AuditReport{}, err
	}
	r.Problems = bad
	return r, nil
}

// problems lists the invariant violations, after any found per entry.
func (r AuditReport) problems() []string {
	p := r.Problems
	a := r.Account
	for _, f := range []struct {
		name       string
		field, sum int64
	}{
		{"available", a.Available, r.Deltas.Available},
		{"reserved", a.Reserved, r.Deltas.Reserved},
		{"settled", a.Settled, r.Deltas.Settled},
		{"granted", a.Granted, r.Deltas.Granted},
		{"tx_count", r.TxCount, r.Entries},
	} {
		if f.field != f.sum {
			p = append(p, fmt.Sprintf("%s is %d but the ledger adds up to %d", f.name, f.field, f.sum))
		}
	}
	if a.Granted != a.Available+a.Reserved+a.Settled {
		p = append(p, fmt.Sprintf("granted %d != available %d + reserved %d + settled %d", a.Granted, a.Available, a.Reserved, a.Settled))
	}
	if a.Available < 0 {
		p = append(p, fmt.Sprintf("available is negative: %d", a.Available))
	}
	if a.Reserved != r.PendingAmount {
		p = append(p, fmt.Sprintf("reserved %d != %d held by %d pending holds", a.Reserved, r.PendingAmount, r.PendingHolds))
	}
	return p
}

// each calls fn for every item of the account partition under prefix,
// following pagination.
func (l *Ledger) each(ctx context.Context, account, prefix string, fn func(map[string]types.AttributeValue) error) error {
	var start map[string]types.AttributeValue
	for {
		out, err := l.db.Query(ctx, prefixQuery(l.table, account, prefix, 1000, start, true))
		if err != nil {
			return fmt.Errorf("ledger: audit query %s of %s: %w", prefix, account, err)
		}
		for _, it := range out.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if start = out.LastEvaluatedKey; len(start) == 0 {
			return nil
		}
	}
}
