// Package ledger is the two-phase credit ledger on the single DynamoDB table.
//
// Every balance change is one TransactWriteItems that updates the account item
// under a condition, writes exactly one ledger entry (with the deltas it
// applied) and bumps the account's tx_count. The entry is its own duplicate
// guard, so a change costs the account and the entry and nothing more:
//
//   - Grant, Deduct: account + entry TX#<idempotency key> (2 items). A replay
//     fails the entry's attribute_not_exists and gets the original back.
//   - Reserve: account + hold HOLD#<HoldID(key)> + entry TX#<key> (3 items).
//   - Settle, Release, expiry: account + hold (2 items, plus Settle's extras).
//     The hold item becomes its resolution's entry under the condition that
//     it is still pending, so it is resolved, and its entry written, once.
//
// Entry sort keys derive from idempotency keys, not time, so entries are
// listed by time through GSI1 (ACCT#<a>#TX, TX#<ULID>); Audit sums the base
// table. A retry never charges twice, and the sum of the entries' deltas
// always equals the account's balance fields (see Audit).
package ledger

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"github.com/igny8/igny8-serverless/shared/keys"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/store/txn"
)

// DB is the part of *dynamodb.Client the ledger calls. It is an interface so
// tests can wrap the real client to inject faults DynamoDB Local never
// produces (TransactionConflict).
type DB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// EntryType says what a ledger entry did.
type EntryType string

const (
	TypeGrant   EntryType = "grant"   // credits added: available and granted grow
	TypeDeduct  EntryType = "deduct"  // direct charge: available → settled
	TypeReserve EntryType = "reserve" // hold placed: available → reserved
	TypeSettle  EntryType = "settle"  // hold charged: reserved → settled (rest back to available)
	TypeRelease EntryType = "release" // hold voided by its owner: reserved → available
	TypeExpire  EntryType = "expire"  // hold voided by Sweep: reserved → available
)

// HoldStatus is the state of a hold; it leaves pending at most once.
type HoldStatus string

const (
	HoldPending  HoldStatus = "pending"
	HoldSettled  HoldStatus = "settled"
	HoldReleased HoldStatus = "released"
	HoldExpired  HoldStatus = "expired"
)

// Meta describes a charge; it is copied onto the ledger entry (and, for a
// reservation, onto the hold so its settle entry carries it too).
type Meta struct {
	Description string
	Metadata    map[string]string
}

// Entry is one ledger entry. The deltas are exactly what it applied to the
// account item, so summing them over all entries reproduces the balance.
type Entry struct {
	ID             string            `json:"id"`
	AccountID      string            `json:"-"`
	Type           EntryType         `json:"type"`
	Amount         int64             `json:"amount"`
	DeltaAvailable int64             `json:"delta_available"`
	DeltaReserved  int64             `json:"delta_reserved"`
	DeltaSettled   int64             `json:"delta_settled"`
	DeltaGranted   int64             `json:"delta_granted"`
	HoldID         string            `json:"hold_id,omitempty"`
	IdempotencyKey string            `json:"-"`
	Description    string            `json:"description,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	CreatedAt      time.Time         `json:"created_at"`
}

// Hold is a reservation of credits, resolved at most once by Settle, Release
// or Sweep.
type Hold struct {
	ID             string            `json:"id"`
	AccountID      string            `json:"-"`
	Amount         int64             `json:"amount"`
	Status         HoldStatus        `json:"status"`
	IdempotencyKey string            `json:"-"`
	Description    string            `json:"-"`
	Metadata       map[string]string `json:"-"`
	CreatedAt      time.Time         `json:"created_at"`
	ExpiresAt      time.Time         `json:"expires_at"`
	ResolvedAt     *time.Time        `json:"resolved_at,omitempty"`
	Actual         *int64            `json:"actual,omitempty"` // set by Settle
	ResolveTxID    string            `json:"-"`                // the resolution entry's ID

	resolution *Entry // the entry the hold item carries once resolved
}

// ExtraConditionError says an item the caller appended to Settle failed its
// condition. The whole transaction was cancelled: the hold is still pending
// and no credit moved. It matches errors.Is(err, domain.ErrConflict).
type ExtraConditionError struct {
	Index   int // index into the extra items
	Message string
}

func (e *ExtraConditionError) Error() string {
	return fmt.Sprintf("ledger: settle extra item %d failed its condition: %s", e.Index, e.Message)
}

// Unwrap lets errors.Is(err, domain.ErrConflict) match.
func (e *ExtraConditionError) Unwrap() error { return domain.ErrConflict }

const (
	// settleItems is how many items Settle itself writes (hold, account).
	settleItems = 2
	// MaxSettleExtra is how many extra items Settle accepts.
	MaxSettleExtra = txn.MaxItems - settleItems
	maxKeyLen      = 256 // keeps TX#<key> well inside the 1 KiB sort-key limit
)

// Ledger posts credit movements for accounts of one table. It is safe for
// concurrent use.
type Ledger struct {
	db      DB
	table   string
	now     func() time.Time
	retry   txn.Retry
	entropy *ulid.LockedMonotonicReader
}

// Option configures a Ledger.
type Option func(*Ledger)

// WithClock replaces time.Now (tests move time forward to expire holds).
func WithClock(now func() time.Time) Option { return func(l *Ledger) { l.now = now } }

// WithRetry sets how often a transaction cancelled by a conflict or throttling
// is tried in all, and the exponential backoff (full jitter) between tries.
func WithRetry(maxAttempts int, base, max time.Duration) Option {
	return func(l *Ledger) {
		if maxAttempts < 1 {
			maxAttempts = 1
		}
		l.retry = txn.Retry{Attempts: maxAttempts, Base: base, Cap: max}
	}
}

// New returns a ledger writing to table.
func New(db DB, table string, opts ...Option) *Ledger {
	l := &Ledger{
		db: db, table: table, now: time.Now,
		retry:   txn.DefaultRetry,
		entropy: &ulid.LockedMonotonicReader{MonotonicReader: ulid.Monotonic(rand.Reader, 0)},
	}
	for _, o := range opts {
		o(l)
	}
	return l
}

// HoldID derives a hold's ID from the reservation's idempotency key, so a
// retried Reserve addresses the same hold item and cannot create a second one.
func HoldID(account, idemKey string) string {
	sum := sha256.Sum256([]byte(account + "\x00" + idemKey))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

// Grant adds amount credits to the account (available and granted).
func (l *Ledger) Grant(ctx context.Context, account string, amount int64, idemKey, description string) (Entry, error) {
	if err := validate(account, amount, idemKey); err != nil {
		return Entry{}, err
	}
	e := l.newEntry(account, TypeGrant, amount, idemKey, Meta{Description: description})
	e.DeltaAvailable, e.DeltaGranted = amount, amount
	return l.post(ctx, e, 0)
}

// Deduct charges amount credits at once (available → settled). It fails with
// an *domain.InsufficientCreditsError when available < amount.
func (l *Ledger) Deduct(ctx context.Context, account string, amount int64, idemKey string, meta Meta) (Entry, error) {
	if err := validate(account, amount, idemKey); err != nil {
		return Entry{}, err
	}
	e := l.newEntry(account, TypeDeduct, amount, idemKey, meta)
	e.DeltaAvailable, e.DeltaSettled = -amount, amount
	return l.post(ctx, e, amount)
}

// post writes a grant or deduction: account update and entry (keyed by the
// idempotency key) in one transaction. need is what must be available
// beforehand.
func (l *Ledger) post(ctx context.Context, e Entry, need int64) (Entry, error) {
	var tx txn.Tx
	tx.Add(l.accountUpdate(e, need), l.entryPut(e))
	err := l.transact(ctx, &tx)
	if err == nil {
		return e, nil
	}
	switch out, _, r := classify(err, []role{roleAccount, roleReplay}); out {
	case outReplay:
		return l.replayEntry(ctx, e, r.Item)
	case outAccount:
		return Entry{}, l.accountFailure(ctx, e.AccountID, need, r.Item)
	default:
		return Entry{}, fmt.Errorf("ledger: %s %d for %s: %w", e.Type, e.Amount, e.AccountID, err)
	}
}

// replayEntry answers a request whose entry already exists (old, as the
// failed put returned it): the original entry if it asked for the same
// thing, else a mismatch.
func (l *Ledger) replayEntry(ctx context.Context, e Entry, old map[string]types.AttributeValue) (Entry, error) {
	orig, err := l.entryFrom(ctx, e.AccountID, e.IdempotencyKey, old)
	if err != nil {
		return Entry{}, err
	}
	if orig.Type != e.Type || orig.Amount != e.Amount {
		return Entry{}, mismatch(e.IdempotencyKey, orig.Type, orig.Amount)
	}
	return orig, nil
}

// Reserve holds amount credits (available → reserved) until Settle, Release
// or, after ttl, Sweep. The hold's ID is derived from idemKey, so retrying
// with the same key returns the same hold (whatever its status now).
func (l *Ledger) Reserve(ctx context.Context, account string, amount int64, idemKey string, ttl time.Duration, meta Meta) (Hold, error) {
	if err := validate(account, amount, idemKey); err != nil {
		return Hold{}, err
	}
	if ttl <= 0 {
		return Hold{}, domain.Invalid("ttl", "must be positive")
	}
	e := l.newEntry(account, TypeReserve, amount, idemKey, meta)
	e.DeltaAvailable, e.DeltaReserved = -amount, amount
	e.HoldID = HoldID(account, idemKey)
	// Whole seconds, rounded up: GSI1SK sorts expiries as fixed-width RFC 3339.
	exp := e.CreatedAt.Add(ttl)
	if t := exp.Truncate(time.Second); !t.Equal(exp) {
		exp = t.Add(time.Second)
	}
	h := Hold{
		ID: e.HoldID, AccountID: account, Amount: amount, Status: HoldPending, IdempotencyKey: idemKey,
		Description: meta.Description, Metadata: meta.Metadata, CreatedAt: e.CreatedAt, ExpiresAt: exp,
	}
	var tx txn.Tx
	tx.Add(l.accountUpdate(e, amount), l.holdPut(h), l.entryPut(e))
	err := l.transact(ctx, &tx)
	if err == nil {
		return h, nil
	}
	switch out, _, r := classify(err, []role{roleAccount, roleReplay, roleReplay}); out {
	case outReplay:
		return l.replayHold(ctx, e, err)
	case outAccount:
		return Hold{}, l.accountFailure(ctx, account, amount, r.Item)
	default:
		return Hold{}, fmt.Errorf("ledger: reserve %d for %s: %w", amount, account, err)
	}
}

// replayHold answers a Reserve whose entry or hold exists. The failed items
// hand them back: the hold is item 1, the entry item 2. The entry decides
// whether the key was used for something else (a grant or a deduction has no
// hold); the hold is what a same-key retry returns.
func (l *Ledger) replayHold(ctx context.Context, e Entry, err error) (Hold, error) {
	reasons := txn.Reasons(err)
	orig, eerr := l.entryFrom(ctx, e.AccountID, e.IdempotencyKey, reasons[2].Item)
	if eerr != nil {
		return Hold{}, eerr
	}
	if orig.Type != TypeReserve {
		return Hold{}, mismatch(e.IdempotencyKey, orig.Type, orig.Amount)
	}
	h, herr := l.holdFrom(ctx, e.AccountID, e.HoldID, reasons[1].Item)
	if herr != nil {
		return Hold{}, herr
	}
	if h.Amount != e.Amount {
		return Hold{}, mismatch(e.IdempotencyKey, TypeReserve, h.Amount)
	}
	return h, nil
}

// Settle charges actual credits for a pending hold: the hold's amount leaves
// reserved, actual goes to settled and the difference returns to available.
// When actual exceeds the hold, the excess is taken from available (and must
// be there, else *domain.InsufficientCreditsError and the hold stays pending).
//
// extra's writes (nil: none) join the same transaction, so the usage log, the
// task log and the notification exist if and only if the charge does. If one
// of them fails its condition the error is an *ExtraConditionError
// (domain.ErrConflict).
//
// Settling a settled hold again with the same actual returns the original
// entry; with another actual it is domain.ErrIdempotencyMismatch. A released
// or expired hold gives domain.ErrHoldResolved.
func (l *Ledger) Settle(ctx context.Context, account, holdID string, actual int64, extra *txn.Tx) (Entry, error) {
	if actual < 0 {
		return Entry{}, domain.Invalid("actual", "must not be negative")
	}
	if extra != nil && !extra.Fits(settleItems) {
		return Entry{}, domain.Invalid("extra", "at most %d items fit in the settle transaction", MaxSettleExtra)
	}
	h, err := l.GetHold(ctx, account, holdID)
	if err != nil {
		return Entry{}, err
	}
	return l.resolve(ctx, h, HoldSettled, actual, h.Description, extra)
}

// Release voids a pending hold: its credits return to available. Releasing a
// released hold returns the original entry, and so does releasing a hold the
// sweeper expired (the credits are back either way, which is what the caller
// wants); a settled hold gives domain.ErrHoldResolved.
func (l *Ledger) Release(ctx context.Context, account, holdID, reason string) (Entry, error) {
	h, err := l.GetHold(ctx, account, holdID)
	if err != nil {
		return Entry{}, err
	}
	if reason == "" {
		reason = h.Description
	}
	return l.resolve(ctx, h, HoldReleased, 0, reason, nil)
}

// resolve moves a hold out of pending in one transaction: hold update
// (condition: still pending; the hold becomes the resolution's entry),
// account update, extra's writes (nil: none).
func (l *Ledger) resolve(ctx context.Context, h Hold, to HoldStatus, actual int64, desc string, extra *txn.Tx) (Entry, error) {
	if h.Status != HoldPending {
		return l.replayResolve(h, to, actual)
	}
	typ, need := TypeRelease, int64(0)
	switch to {
	case HoldSettled:
		typ = TypeSettle
		need = max(0, actual-h.Amount)
	case HoldExpired:
		typ = TypeExpire
	}
	e := l.newEntry(h.AccountID, typ, actual, "", Meta{Description: desc, Metadata: h.Metadata})
	e.HoldID = h.ID
	e.DeltaReserved = -h.Amount
	if typ == TypeSettle {
		e.DeltaAvailable, e.DeltaSettled = h.Amount-actual, actual
	} else { // a void returns the whole hold
		e.Amount, e.DeltaAvailable = h.Amount, h.Amount
	}

	var tx txn.Tx
	tx.Add(l.holdResolve(h, to, e), l.accountUpdate(e, need))
	if extra != nil {
		tx.Merge(*extra)
	}
	roles := []role{roleReplay, roleAccount}
	for range len(tx.Items()) - settleItems {
		roles = append(roles, roleExtra)
	}
	err := l.transact(ctx, &tx)
	if err == nil {
		return e, nil
	}
	switch out, i, r := classify(err, roles); out {
	case outReplay: // resolved by someone else since we read it
		cur, herr := l.holdFrom(ctx, h.AccountID, h.ID, r.Item)
		if herr != nil {
			return Entry{}, herr
		}
		if cur.Status == HoldPending { // cannot happen: status never returns to pending
			return Entry{}, fmt.Errorf("ledger: hold %s still pending after its condition failed: %w", h.ID, domain.ErrConflict)
		}
		return l.replayResolve(cur, to, actual)
	case outAccount:
		return Entry{}, l.accountFailure(ctx, h.AccountID, need, r.Item)
	case outExtra:
		return Entry{}, &ExtraConditionError{Index: i - settleItems, Message: deref(r.Message)}
	default:
		return Entry{}, fmt.Errorf("ledger: %s hold %s of %s: %w", typ, h.ID, h.AccountID, err)
	}
}

// replayResolve answers a resolution of a hold that is no longer pending with
// the entry the hold item carries (no read).
func (l *Ledger) replayResolve(h Hold, to HoldStatus, actual int64) (Entry, error) {
	same := h.Status == to
	switch {
	case to == HoldSettled && same:
		if h.Actual == nil || *h.Actual != actual {
			return Entry{}, fmt.Errorf("ledger: hold %s was settled with another actual: %w", h.ID, domain.ErrIdempotencyMismatch)
		}
	case to == HoldReleased && (same || h.Status == HoldExpired):
	default:
		return Entry{}, fmt.Errorf("ledger: hold %s is %s: %w", h.ID, h.Status, domain.ErrHoldResolved)
	}
	if h.resolution == nil { // decodeHold sets it for every resolved hold
		return Entry{}, fmt.Errorf("ledger: hold %s is %s without its entry: %w", h.ID, h.Status, domain.ErrNotFound)
	}
	return *h.resolution, nil
}

// Sweep voids pending holds whose expires_at is before now (entry type
// "expire") and returns how many it voided, at most limit (<= 0: no limit).
// It reads the sparse pending-holds index, which is eventually consistent on
// AWS; that is harmless because each hold is re-read and resolved under the
// condition that it is still pending. A failure on one hold does not stop the
// others; the failures are returned joined.
func (l *Ledger) Sweep(ctx context.Context, now time.Time, limit int) (int, error) {
	page := int32(100)
	if limit > 0 && limit < int(page) {
		page = int32(limit)
	}
	var (
		released int
		errs     []error
		start    map[string]types.AttributeValue
	)
	for {
		out, err := l.db.Query(ctx, pendingHoldsQuery(l.table, now, page, start))
		if err != nil {
			return released, errors.Join(append(errs, fmt.Errorf("ledger: sweep query: %w", err))...)
		}
		for _, it := range out.Items {
			d := dec{m: it}
			account, id := d.str("account_id"), d.str("id")
			h, err := l.GetHold(ctx, account, id)
			if errors.Is(err, domain.ErrNotFound) {
				continue
			}
			if err == nil && (h.Status != HoldPending || !h.ExpiresAt.Before(now)) {
				continue // stale index entry
			}
			if err == nil {
				_, err = l.resolve(ctx, h, HoldExpired, 0, "expired", nil)
			}
			switch {
			case err == nil:
				released++
			case errors.Is(err, domain.ErrHoldResolved): // resolved since the read
			default:
				errs = append(errs, err)
			}
			if limit > 0 && released >= limit {
				return released, errors.Join(errs...)
			}
		}
		if start = out.LastEvaluatedKey; len(start) == 0 {
			return released, errors.Join(errs...)
		}
	}
}

// Balance reads the account's balance (strongly consistent).
func (l *Ledger) Balance(ctx context.Context, account string) (domain.Account, error) {
	a, _, err := l.account(ctx, account)
	return a, err
}

// GetHold reads a hold (strongly consistent).
func (l *Ledger) GetHold(ctx context.Context, account, holdID string) (Hold, error) {
	return l.holdFrom(ctx, account, holdID, nil)
}

// Entries lists the account's ledger entries, newest first, a page of limit
// (<= 0: 100) from start (the previous page's returned key; nil: the newest).
// The returned key is nil on the last page. It reads GSI1, so on AWS an entry
// shows up there a moment after its transaction.
func (l *Ledger) Entries(ctx context.Context, account string, limit int32, start map[string]types.AttributeValue) ([]Entry, map[string]types.AttributeValue, error) {
	if limit <= 0 {
		limit = 100
	}
	out, err := l.db.Query(ctx, entriesQuery(l.table, account, limit, start))
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: list entries of %s: %w", account, err)
	}
	entries := make([]Entry, 0, len(out.Items))
	for _, it := range out.Items {
		e, err := decodeEntry(it)
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, e)
	}
	if len(out.LastEvaluatedKey) == 0 {
		return entries, nil, nil
	}
	return entries, out.LastEvaluatedKey, nil
}

func validate(account string, amount int64, idemKey string) error {
	switch {
	case account == "":
		return domain.Invalid("account", "is required")
	case amount <= 0:
		return domain.Invalid("amount", "must be a positive number of credits")
	case idemKey == "":
		return domain.Invalid("idempotency_key", "is required")
	case len(idemKey) > maxKeyLen:
		return domain.Invalid("idempotency_key", "must be at most %d bytes", maxKeyLen)
	}
	return nil
}

// newEntry fills the parts of an entry every operation shares. The ID is a
// ULID from the ledger's clock, so entries sort by time. (MustNew can only
// fail if crypto/rand fails or 2^80 IDs are made in one millisecond.)
func (l *Ledger) newEntry(account string, typ EntryType, amount int64, idemKey string, meta Meta) Entry {
	now := l.now().UTC()
	return Entry{
		ID: strings.ToLower(ulid.MustNew(ulid.Timestamp(now), l.entropy).String()), AccountID: account,
		Type: typ, Amount: amount, IdempotencyKey: idemKey,
		Description: meta.Description, Metadata: meta.Metadata, CreatedAt: now,
	}
}

// accountFailure explains a failed account condition: the account is missing,
// or it had fewer than need credits available. old is the item as the failed
// transaction saw it (ALL_OLD); it is re-read only if absent.
func (l *Ledger) accountFailure(ctx context.Context, account string, need int64, old map[string]types.AttributeValue) error {
	if len(old) == 0 {
		a, _, err := l.account(ctx, account)
		if err != nil {
			return err
		}
		return &domain.InsufficientCreditsError{Required: need, Available: a.Available}
	}
	d := dec{m: old}
	avail := d.num("available")
	if d.err != nil {
		return d.err
	}
	return &domain.InsufficientCreditsError{Required: need, Available: avail}
}

func mismatch(key string, op EntryType, amount int64) error {
	return fmt.Errorf("ledger: idempotency key %q was used for %s of %d: %w", key, op, amount, domain.ErrIdempotencyMismatch)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// PendingHolds are the account's holds still pending whose metadata has
// operation_id = operationID (an automation run's batches carry the run's
// ID), for the cleanup of an execution that died holding them. It reads
// every hold of the account: a rare path, not a hot one.
func (l *Ledger) PendingHolds(ctx context.Context, account, operationID string) ([]Hold, error) {
	var out []Hold
	err := l.each(ctx, account, keys.HoldPrefix, func(it map[string]types.AttributeValue) error {
		h, err := decodeHold(it)
		if err != nil {
			return err
		}
		if h.Status == HoldPending && h.Metadata["operation_id"] == operationID {
			out = append(out, h)
		}
		return nil
	})
	return out, err
}
