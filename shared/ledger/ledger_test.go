package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
)

// 32 writers race 6400 one-credit deductions against 5000 credits: the
// conditional write must let exactly 5000 through and never go negative.
func TestIntegrationConcurrentDeductsNeverOverdraw(t *testing.T) {
	e := newFunded(t, 5000)
	const workers, each = 32, 200
	var ok, short atomic.Int64
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				_, err := e.l.Deduct(context.Background(), "acct", 1, fmt.Sprintf("w%d-%d", w, i), Meta{Description: "unit"})
				var ice *domain.InsufficientCreditsError
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, domain.ErrInsufficientCredits) && errors.As(err, &ice):
					if ice.Required != 1 || ice.Available != 0 {
						errs <- fmt.Errorf("insufficient error says required %d available %d", ice.Required, ice.Available)
						return
					}
					short.Add(1)
				default:
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if ok.Load() != 5000 || short.Load() != 1400 {
		t.Fatalf("succeeded %d (want 5000), insufficient %d (want 1400)", ok.Load(), short.Load())
	}
	s := e.wantBalance(t, "acct", 0, 0, 5000, 5000)
	if s.TxCount != 5001 {
		t.Fatalf("tx_count %d, want 5001 (grant + 5000 deductions)", s.TxCount)
	}
	r := e.wantAuditOK(t, "acct")
	if r.Entries != 5001 || r.Deltas.Settled != 5000 {
		t.Fatalf("audit counted %d entries settling %d", r.Entries, r.Deltas.Settled)
	}
}

func TestIntegrationDeductIdempotent(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 100)

	first, err := e.l.Deduct(ctx, "acct", 7, "job-1", Meta{Description: "write article", Metadata: map[string]string{"task": "t1"}})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.l.Deduct(ctx, "acct", 7, "job-1", Meta{Description: "retried"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.Description != "write article" || again.Metadata["task"] != "t1" {
		t.Fatalf("replay returned %+v, want the original %+v", again, first)
	}
	e.wantBalance(t, "acct", 93, 0, 7, 100)

	// Ten concurrent deliveries of one request: one charge, one entry ID.
	ids := make([]string, 10)
	var wg sync.WaitGroup
	var failed atomic.Value
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			en, err := e.l.Deduct(ctx, "acct", 3, "job-2", Meta{})
			if err != nil {
				failed.Store(err)
				return
			}
			ids[i] = en.ID
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent replays returned different entries: %v", ids)
		}
	}
	s := e.wantBalance(t, "acct", 90, 0, 10, 100)

	// Reusing a key for another amount or another operation is refused.
	_, err = e.l.Deduct(ctx, "acct", 8, "job-1", Meta{})
	wantErr(t, err, domain.ErrIdempotencyMismatch)
	_, err = e.l.Grant(ctx, "acct", 7, "job-1", "")
	wantErr(t, err, domain.ErrIdempotencyMismatch)
	_, err = e.l.Reserve(ctx, "acct", 7, "job-1", time.Minute, Meta{})
	wantErr(t, err, domain.ErrIdempotencyMismatch)

	// A replay after the balance ran out still answers with the original.
	all, err := e.l.Deduct(ctx, "acct", 90, "job-3", Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if re, err := e.l.Deduct(ctx, "acct", 90, "job-3", Meta{}); err != nil || re.ID != all.ID {
		t.Fatalf("replay at zero balance: %v, %v", re.ID, err)
	}
	after := e.wantBalance(t, "acct", 0, 0, 100, 100)
	if after.TxCount != s.TxCount+1 {
		t.Fatalf("tx_count went %d → %d, want one more", s.TxCount, after.TxCount)
	}
	e.wantAuditOK(t, "acct")
}

func TestIntegrationGrantIdempotent(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.createAccount(t, "acct")
	first, err := e.l.Grant(ctx, "acct", 500, "invoice-1", "purchase")
	if err != nil {
		t.Fatal(err)
	}
	if first.Type != TypeGrant || first.DeltaAvailable != 500 || first.DeltaGranted != 500 {
		t.Fatalf("grant entry %+v", first)
	}
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if en, err := e.l.Grant(ctx, "acct", 500, "invoice-1", "purchase"); err != nil || en.ID != first.ID {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d replays failed or returned another entry", bad.Load())
	}
	_, err = e.l.Grant(ctx, "acct", 501, "invoice-1", "purchase")
	wantErr(t, err, domain.ErrIdempotencyMismatch)
	_, err = e.l.Deduct(ctx, "acct", 500, "invoice-1", Meta{})
	wantErr(t, err, domain.ErrIdempotencyMismatch)
	if s := e.wantBalance(t, "acct", 500, 0, 0, 500); s.TxCount != 1 {
		t.Fatalf("tx_count %d, want 1", s.TxCount)
	}
	e.wantAuditOK(t, "acct")
}

func TestIntegrationValidationAndMissing(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 10)
	var ve *domain.ValidationError
	tooMany := extras(make([]types.TransactWriteItem, MaxSettleExtra+1)...)
	for name, err := range map[string]error{
		"zero deduct":     second(e.l.Deduct(ctx, "acct", 0, "k", Meta{})),
		"negative grant":  second(e.l.Grant(ctx, "acct", -5, "k", "")),
		"empty key":       second(e.l.Deduct(ctx, "acct", 1, "", Meta{})),
		"zero reserve":    second(e.l.Reserve(ctx, "acct", 0, "k", time.Minute, Meta{})),
		"no ttl":          second(e.l.Reserve(ctx, "acct", 1, "k", 0, Meta{})),
		"negative settle": second(e.l.Settle(ctx, "acct", "h", -1, nil)),
		"long key":        second(e.l.Grant(ctx, "acct", 1, strings.Repeat("k", 300), "")),
		"too many extras": second(e.l.Settle(ctx, "acct", "h", 1, tooMany)),
	} {
		if !errors.As(err, &ve) {
			t.Errorf("%s: got %v, want a validation error", name, err)
		}
	}
	_, err := e.l.Deduct(ctx, "nobody", 1, "k", Meta{})
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.l.Grant(ctx, "nobody", 1, "k", "")
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.l.Reserve(ctx, "nobody", 1, "k", time.Minute, Meta{})
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.l.Balance(ctx, "nobody")
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.l.Settle(ctx, "acct", "no-such-hold", 1, nil)
	wantErr(t, err, domain.ErrNotFound)
	_, err = e.l.Release(ctx, "acct", "no-such-hold", "")
	wantErr(t, err, domain.ErrNotFound)
	if e.exists(t, "nobody", keys.AccountSK) {
		t.Fatal("a failed grant created the account item")
	}
	if s := e.wantBalance(t, "acct", 10, 0, 0, 10); s.TxCount != 1 {
		t.Fatalf("tx_count %d after rejected requests, want 1", s.TxCount)
	}
}

func second[T any](_ T, err error) error { return err }

func TestIntegrationReserveRelease(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 100)
	h, err := e.l.Reserve(ctx, "acct", 40, "run-1/stage-4/item-9", 10*time.Minute, Meta{Description: "write"})
	if err != nil {
		t.Fatal(err)
	}
	if h.ID != HoldID("acct", "run-1/stage-4/item-9") || h.Status != HoldPending || h.Amount != 40 {
		t.Fatalf("hold %+v", h)
	}
	e.wantBalance(t, "acct", 60, 40, 0, 100)
	if r := e.wantAuditOK(t, "acct"); r.PendingHolds != 1 || r.PendingAmount != 40 {
		t.Fatalf("audit sees %d pending holds of %d", r.PendingHolds, r.PendingAmount)
	}

	rel, err := e.l.Release(ctx, "acct", h.ID, "step failed")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Type != TypeRelease || rel.Amount != 40 || rel.DeltaAvailable != 40 || rel.DeltaReserved != -40 || rel.HoldID != h.ID {
		t.Fatalf("release entry %+v", rel)
	}
	e.wantBalance(t, "acct", 100, 0, 0, 100)
	again, err := e.l.Release(ctx, "acct", h.ID, "retried")
	if err != nil || again.ID != rel.ID {
		t.Fatalf("second release: %v, %v (want entry %s)", again.ID, err, rel.ID)
	}
	_, err = e.l.Settle(ctx, "acct", h.ID, 10, nil)
	wantErr(t, err, domain.ErrHoldResolved)
	got, err := e.l.GetHold(ctx, "acct", h.ID)
	if err != nil || got.Status != HoldReleased || got.ResolveTxID != rel.ID || got.ResolvedAt == nil {
		t.Fatalf("hold after release %+v, %v", got, err)
	}
	if s := e.wantBalance(t, "acct", 100, 0, 0, 100); s.TxCount != 3 {
		t.Fatalf("tx_count %d, want 3 (grant, reserve, release)", s.TxCount)
	}
	e.wantAuditOK(t, "acct")
}

func TestIntegrationReserveSameKeyMakesOneHold(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 100)
	first := e.reserve(t, "acct", 25, "k", time.Minute)
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := e.l.Reserve(ctx, "acct", 25, "k", time.Minute, Meta{})
			if err != nil || h.ID != first.ID || !h.ExpiresAt.Equal(first.ExpiresAt) {
				bad.Add(1)
			}
		}()
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d retried reservations failed or returned another hold", bad.Load())
	}
	_, err := e.l.Reserve(ctx, "acct", 26, "k", time.Minute, Meta{})
	wantErr(t, err, domain.ErrIdempotencyMismatch)
	e.wantBalance(t, "acct", 75, 25, 0, 100)
	if r := e.wantAuditOK(t, "acct"); r.PendingHolds != 1 || r.Entries != 2 {
		t.Fatalf("audit: %d pending holds, %d entries; want 1 and 2", r.PendingHolds, r.Entries)
	}

	// After settling, a late retry of the reservation reports the settled hold
	// and reserves nothing new.
	if _, err := e.l.Settle(ctx, "acct", first.ID, 25, nil); err != nil {
		t.Fatal(err)
	}
	late, err := e.l.Reserve(ctx, "acct", 25, "k", time.Minute, Meta{})
	if err != nil || late.Status != HoldSettled {
		t.Fatalf("late retry: %+v, %v", late, err)
	}
	e.wantBalance(t, "acct", 75, 0, 25, 100)
	e.wantAuditOK(t, "acct")
}

func TestIntegrationSettle(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 100)
	h, err := e.l.Reserve(ctx, "acct", 50, "k1", time.Minute, Meta{Description: "cluster keywords", Metadata: map[string]string{"run": "r1"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.l.Settle(ctx, "acct", h.ID, 20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Type != TypeSettle || st.Amount != 20 || st.DeltaAvailable != 30 || st.DeltaReserved != -50 ||
		st.DeltaSettled != 20 || st.DeltaGranted != 0 || st.Metadata["run"] != "r1" || st.Description != "cluster keywords" {
		t.Fatalf("settle entry %+v", st)
	}
	before := e.wantBalance(t, "acct", 80, 0, 20, 100)

	again, err := e.l.Settle(ctx, "acct", h.ID, 20, nil)
	if err != nil || again.ID != st.ID {
		t.Fatalf("second settle: %v, %v (want entry %s)", again.ID, err, st.ID)
	}
	_, err = e.l.Settle(ctx, "acct", h.ID, 21, nil)
	wantErr(t, err, domain.ErrIdempotencyMismatch)
	_, err = e.l.Release(ctx, "acct", h.ID, "")
	wantErr(t, err, domain.ErrHoldResolved)
	if after := e.wantBalance(t, "acct", 80, 0, 20, 100); after.TxCount != before.TxCount {
		t.Fatalf("replays changed tx_count %d → %d", before.TxCount, after.TxCount)
	}

	// Settling for more than the hold takes the excess from available.
	h2 := e.reserve(t, "acct", 10, "k2", time.Minute)
	if _, err := e.l.Settle(ctx, "acct", h2.ID, 15, nil); err != nil {
		t.Fatal(err)
	}
	e.wantBalance(t, "acct", 65, 0, 35, 100)

	// Zero actual returns the whole hold.
	h3 := e.reserve(t, "acct", 5, "k3", time.Minute)
	if _, err := e.l.Settle(ctx, "acct", h3.ID, 0, nil); err != nil {
		t.Fatal(err)
	}
	e.wantBalance(t, "acct", 65, 0, 35, 100)

	// An excess beyond available fails whole: the hold stays pending.
	h4 := e.reserve(t, "acct", 60, "k4", time.Minute)
	mark := e.wantBalance(t, "acct", 5, 60, 35, 100)
	_, err = e.l.Settle(ctx, "acct", h4.ID, 70, nil)
	var ice *domain.InsufficientCreditsError
	if !errors.As(err, &ice) || ice.Required != 10 || ice.Available != 5 {
		t.Fatalf("over-settle: got %v, want insufficient (10 required, 5 available)", err)
	}
	if got, _ := e.l.GetHold(ctx, "acct", h4.ID); got.Status != HoldPending {
		t.Fatalf("hold is %s after a failed settle", got.Status)
	}
	if s := e.wantBalance(t, "acct", 5, 60, 35, 100); s.TxCount != mark.TxCount {
		t.Fatal("a failed settle changed tx_count")
	}
	if _, err := e.l.Settle(ctx, "acct", h4.ID, 65, nil); err != nil {
		t.Fatal(err)
	}
	e.wantBalance(t, "acct", 0, 0, 100, 100)
	e.wantAuditOK(t, "acct")
}

// Duplicate deliveries of one settle racing each other charge once.
func TestIntegrationConcurrentSettleChargesOnce(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 100)
	h := e.reserve(t, "acct", 50, "k", time.Minute)
	ids := make([]string, 10)
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			en, err := e.l.Settle(ctx, "acct", h.ID, 35, nil)
			ids[i], errs[i] = en.ID, err
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("settle %d: entry %s, %v; first was %s", i, ids[i], errs[i], ids[0])
		}
	}
	if s := e.wantBalance(t, "acct", 65, 0, 35, 100); s.TxCount != 3 {
		t.Fatalf("tx_count %d, want 3", s.TxCount)
	}
	e.wantAuditOK(t, "acct")
}

func TestIntegrationReserveInsufficientWritesNothing(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 30)
	before := e.state(t, "acct")
	_, err := e.l.Reserve(ctx, "acct", 31, "big", time.Minute, Meta{})
	var ice *domain.InsufficientCreditsError
	if !errors.As(err, &ice) || !errors.Is(err, domain.ErrInsufficientCredits) || ice.Required != 31 || ice.Available != 30 {
		t.Fatalf("got %v, want insufficient credits (31 required, 30 available)", err)
	}
	if after := e.wantBalance(t, "acct", 30, 0, 0, 30); after.TxCount != before.TxCount {
		t.Fatalf("tx_count %d → %d", before.TxCount, after.TxCount)
	}
	if e.exists(t, "acct", keys.HoldPrefix+HoldID("acct", "big")) || e.exists(t, "acct", keys.TxPrefix+"big") {
		t.Fatal("a refused reservation left a hold or an entry")
	}
	e.wantAuditOK(t, "acct")
	// The key is still free: once funded, the same request goes through.
	if _, err := e.l.Grant(ctx, "acct", 1, "top-up", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.l.Reserve(ctx, "acct", 31, "big", time.Minute, Meta{}); err != nil {
		t.Fatal(err)
	}
	e.wantBalance(t, "acct", 0, 31, 0, 31)
}

func TestIntegrationSweepExpiresHolds(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 250_000_000, time.UTC)}
	e := newEnv(t, WithClock(clk.Now))
	e.funded(t, "a1", 100)
	e.funded(t, "a2", 100)
	short := e.reserve(t, "a1", 30, "short", time.Minute)
	if want := time.Date(2025, 6, 1, 12, 1, 1, 0, time.UTC); !short.ExpiresAt.Equal(want) {
		t.Fatalf("expires_at %v, want %v (rounded up to a second)", short.ExpiresAt, want)
	}
	for i, acct := range []string{"a1", "a2", "a2"} {
		if _, err := e.l.Reserve(ctx, acct, 10, fmt.Sprintf("mid-%d", i), 5*time.Minute, Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	long := e.reserve(t, "a1", 20, "long", time.Hour)

	if n, err := e.l.Sweep(ctx, clk.Now(), 0); err != nil || n != 0 {
		t.Fatalf("sweep before any expiry: %d, %v", n, err)
	}
	// At exactly expires_at the hold is not yet expired; just after it is.
	if n, err := e.l.Sweep(ctx, short.ExpiresAt, 0); err != nil || n != 0 {
		t.Fatalf("sweep at expires_at: %d, %v", n, err)
	}
	clk.Add(2 * time.Minute)
	if n, err := e.l.Sweep(ctx, short.ExpiresAt.Add(time.Millisecond), 0); err != nil || n != 1 {
		t.Fatalf("sweep after the first expiry: %d, %v (want 1)", n, err)
	}
	e.wantBalance(t, "a1", 70, 30, 0, 100) // mid-0 (10) and long (20) still held
	got, err := e.l.GetHold(ctx, "a1", short.ID)
	if err != nil || got.Status != HoldExpired {
		t.Fatalf("hold after sweep: %+v, %v", got, err)
	}
	// Release after expiry returns the expiry entry; settle is refused.
	exp, err := e.l.Release(ctx, "a1", short.ID, "")
	if err != nil || exp.Type != TypeExpire || exp.ID != got.ResolveTxID || exp.Amount != 30 {
		t.Fatalf("release of an expired hold: %+v, %v", exp, err)
	}
	_, err = e.l.Settle(ctx, "a1", short.ID, 30, nil)
	wantErr(t, err, domain.ErrHoldResolved)

	// The limit bounds one sweep; the next one takes the rest.
	clk.Add(10 * time.Minute)
	if n, err := e.l.Sweep(ctx, clk.Now(), 2); err != nil || n != 2 {
		t.Fatalf("limited sweep: %d, %v (want 2)", n, err)
	}
	if n, err := e.l.Sweep(ctx, clk.Now(), 2); err != nil || n != 1 {
		t.Fatalf("second limited sweep: %d, %v (want 1)", n, err)
	}
	if n, err := e.l.Sweep(ctx, clk.Now(), 0); err != nil || n != 0 {
		t.Fatalf("sweep with nothing due: %d, %v", n, err)
	}
	e.wantBalance(t, "a1", 80, 20, 0, 100)
	e.wantBalance(t, "a2", 100, 0, 0, 100)
	if got, _ := e.l.GetHold(ctx, "a1", long.ID); got.Status != HoldPending {
		t.Fatalf("the one-hour hold is %s", got.Status)
	}
	// Resolved holds leave the sparse queue: only the one-hour hold is in it.
	out, err := e.db.Query(ctx, pendingHoldsQuery(e.table, clk.Now().Add(24*time.Hour), 100, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 || (&dec{m: out.Items[0]}).str("id") != long.ID {
		t.Fatalf("pending-holds index has %d items, want only %s", len(out.Items), long.ID)
	}
	e.wantAuditOK(t, "a1")
	e.wantAuditOK(t, "a2")
}

// A sweeper that read the index before a hold was settled must not void it.
func TestIntegrationSweepSkipsHoldResolvedAfterTheRead(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, WithClock(clk.Now))
	e.funded(t, "acct", 100)
	h := e.reserve(t, "acct", 40, "k", time.Minute)
	// The stale view: the hold as the index showed it while pending.
	stale, err := e.l.GetHold(ctx, "acct", h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.l.Settle(ctx, "acct", h.ID, 40, nil); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Hour)
	_, err = e.l.resolve(ctx, stale, HoldExpired, 0, "expired", nil)
	wantErr(t, err, domain.ErrHoldResolved)
	if n, err := e.l.Sweep(ctx, clk.Now(), 0); err != nil || n != 0 {
		t.Fatalf("sweep: %d, %v", n, err)
	}
	e.wantBalance(t, "acct", 60, 0, 40, 100)
	e.wantAuditOK(t, "acct")
}

func TestIntegrationConflictRetry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	f := &faultyDB{DB: e.db}
	e.l = New(f, e.table, WithRetry(8, time.Millisecond, 5*time.Millisecond))
	e.funded(t, "acct", 100)

	f.set(5, 0)
	if _, err := e.l.Deduct(ctx, "acct", 7, "d1", Meta{}); err != nil {
		t.Fatal(err)
	}
	if f.callCount() != 6 {
		t.Fatalf("%d transaction calls, want 6 (5 conflicts, then success)", f.callCount())
	}
	e.wantBalance(t, "acct", 93, 0, 7, 100)

	f.set(3, 0)
	h := e.reserve(t, "acct", 20, "r1", time.Minute)
	f.set(3, 0)
	if _, err := e.l.Settle(ctx, "acct", h.ID, 12, nil); err != nil {
		t.Fatal(err)
	}
	s := e.wantBalance(t, "acct", 81, 0, 19, 100)

	// Conflicts past the attempt budget: a clear error and nothing applied.
	f.set(100, 0)
	_, err := e.l.Deduct(ctx, "acct", 1, "d2", Meta{})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || errors.Is(err, domain.ErrInsufficientCredits) {
		t.Fatalf("got %v, want the cancellation after giving up", err)
	}
	if f.callCount() != 8 {
		t.Fatalf("%d attempts, want 8", f.callCount())
	}
	if after := e.wantBalance(t, "acct", 81, 0, 19, 100); after.TxCount != s.TxCount {
		t.Fatal("an abandoned deduction changed the balance")
	}

	// Lost responses: the write committed, the client saw throttling and
	// retried. Every operation must apply once and answer with the original.
	f.set(0, 1)
	again, err := e.l.Deduct(ctx, "acct", 7, "d3", Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if list, _, _ := e.l.Entries(ctx, "acct", 1, nil); list[0].ID != again.ID {
		t.Fatalf("the newest entry is %s, the deduction returned %s", list[0].ID, again.ID)
	}
	f.set(0, 1)
	h2, err := e.l.Reserve(ctx, "acct", 10, "r2", time.Minute, Meta{})
	if err != nil || h2.Status != HoldPending {
		t.Fatalf("reserve after a lost response: %+v, %v", h2, err)
	}
	f.set(0, 1)
	st, err := e.l.Settle(ctx, "acct", h2.ID, 4, nil)
	if err != nil || st.Amount != 4 {
		t.Fatalf("settle after a lost response: %+v, %v", st, err)
	}
	f.set(0, 1)
	if _, err := e.l.Grant(ctx, "acct", 50, "g2", ""); err != nil {
		t.Fatal(err)
	}
	e.wantBalance(t, "acct", 120, 0, 30, 150)
	e.wantAuditOK(t, "acct")
}

func TestIntegrationSettleExtraItems(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 100)
	h := e.reserve(t, "acct", 30, "k", time.Minute)
	usage := func(id string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(e.table),
			Item: map[string]types.AttributeValue{
				"PK": str(keys.Account("acct")), "SK": str("USAGE#" + id), "credits": num(12),
			},
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		}}
	}
	// An extra item whose condition fails: a pre-existing usage log.
	if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: usage("taken").Put.Item}); err != nil {
		t.Fatal(err)
	}
	before := e.state(t, "acct")
	_, err := e.l.Settle(ctx, "acct", h.ID, 12, extras(usage("fresh-1"), usage("taken")))
	var xe *ExtraConditionError
	if !errors.As(err, &xe) || xe.Index != 1 || !errors.Is(err, domain.ErrConflict) || errors.Is(err, domain.ErrInsufficientCredits) {
		t.Fatalf("got %v, want an ExtraConditionError for extra item 1", err)
	}
	if after := e.wantBalance(t, "acct", 70, 30, 0, 100); after.TxCount != before.TxCount {
		t.Fatal("a cancelled settle changed tx_count")
	}
	if got, _ := e.l.GetHold(ctx, "acct", h.ID); got.Status != HoldPending {
		t.Fatalf("hold is %s after a cancelled settle", got.Status)
	}
	if e.exists(t, "acct", "USAGE#fresh-1") {
		t.Fatal("the other extra item was written by a cancelled transaction")
	}

	// With good extras the usage log is written with the charge.
	if _, err := e.l.Settle(ctx, "acct", h.ID, 12, extras(usage("fresh-1"))); err != nil {
		t.Fatal(err)
	}
	if !e.exists(t, "acct", "USAGE#fresh-1") {
		t.Fatal("extra item missing after settle")
	}
	// A replay whose extra already exists is still recognised as a replay.
	if _, err := e.l.Settle(ctx, "acct", h.ID, 12, extras(usage("fresh-1"))); err != nil {
		t.Fatalf("replayed settle with extras: %v", err)
	}
	e.wantBalance(t, "acct", 88, 0, 12, 100)
	e.wantAuditOK(t, "acct")
}

func TestIntegrationEntriesNewestFirst(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, WithClock(clk.Now))
	e.funded(t, "acct", 100)
	for i := range 6 {
		clk.Add(time.Millisecond)
		if _, err := e.l.Deduct(ctx, "acct", int64(i+1), fmt.Sprintf("d%d", i), Meta{Metadata: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	var all []Entry
	var start map[string]types.AttributeValue
	for pages := 0; ; pages++ {
		page, next, err := e.l.Entries(ctx, "acct", 3, start)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if next == nil {
			break
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		start = next
	}
	if len(all) != 7 {
		t.Fatalf("%d entries, want 7", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].ID <= all[i].ID || all[i-1].CreatedAt.Before(all[i].CreatedAt) {
			t.Fatalf("entries not newest first: %s then %s", all[i-1].ID, all[i].ID)
		}
	}
	if all[0].Amount != 6 || all[0].Metadata["i"] != "5" || all[len(all)-1].Type != TypeGrant {
		t.Fatalf("first %+v last %+v", all[0], all[len(all)-1])
	}
	b, _ := json.Marshal(all[0])
	for _, field := range []string{`"delta_available":-6`, `"delta_settled":6`, `"type":"deduct"`, `"created_at":"2025-06-01T12:00:00.006Z"`} {
		if !strings.Contains(string(b), field) {
			t.Fatalf("entry JSON %s lacks %s", b, field)
		}
	}
	if strings.Contains(string(b), "account_id") || strings.Contains(string(b), "idempotency_key") {
		t.Fatalf("entry JSON leaks internal fields: %s", b)
	}
}

// The audit must notice drift, or its OK means nothing.
func TestIntegrationAuditFindsDrift(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 100)
	h := e.reserve(t, "acct", 10, "k", time.Minute)
	e.wantAuditOK(t, "acct")
	// Someone edits the balance behind the ledger's back ...
	_, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: key(keys.Account("acct"), keys.AccountSK),
		UpdateExpression:          aws.String("ADD available :n"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(-95)},
	})
	if err != nil {
		t.Fatal(err)
	}
	// ... and a hold's status behind its counters.
	_, err = e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: key(keys.Account("acct"), keys.HoldPrefix+h.ID),
		UpdateExpression:          aws.String("SET #s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": str("released")},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.l.Audit(ctx, "acct")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"hold " + h.ID + " is released without its entry", "available is -5 but the ledger adds up to 90", "granted 100 != available -5", "available is negative", "reserved 10 != 0 held by 0 pending holds"}
	if r.OK() || len(r.Problems) != len(want) {
		t.Fatalf("problems %q, want %d", r.Problems, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(r.Problems[i], w) {
			t.Errorf("problem %d: %q, want prefix %q", i, r.Problems[i], w)
		}
	}
}
