package ledger

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store"
)

// countingDB records how many items each TransactWriteItems call carried.
type countingDB struct {
	DB
	mu    sync.Mutex
	sizes []int
}

func (c *countingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.mu.Lock()
	c.sizes = append(c.sizes, len(in.TransactItems))
	c.mu.Unlock()
	return c.DB.TransactWriteItems(ctx, in, optFns...)
}

func (c *countingDB) take() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sizes
	c.sizes = nil
	return s
}

// The cost bound: a charge is the balance and the entry, nothing
// more. Each operation is one transaction of the listed size.
func TestIntegrationTransactionItemsPerOperation(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t)
	c := &countingDB{DB: e.db}
	e.l = New(c, e.table, WithClock(clk.Now))
	e.createAccount(t, "acct")
	usage := func(id string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(e.table), Item: map[string]types.AttributeValue{
			"PK": str(keys.Account("acct")), "SK": str("USAGE#" + id),
		}}}
	}
	var held [3]Hold
	tests := []struct {
		name string
		op   func() error
		want int
	}{
		{"grant", func() error { return second(e.l.Grant(ctx, "acct", 100, "g", "")) }, 2},
		{"deduct", func() error { return second(e.l.Deduct(ctx, "acct", 5, "d", Meta{})) }, 2},
		{"reserve", func() error {
			var err error
			for i := range held {
				if held[i], err = e.l.Reserve(ctx, "acct", 10, fmt.Sprint("r", i), time.Minute, Meta{}); err != nil {
					return err
				}
			}
			return nil
		}, 3},
		{"settle", func() error { return second(e.l.Settle(ctx, "acct", held[0].ID, 4, nil)) }, 2},
		{"settle with two extras", func() error {
			return second(e.l.Settle(ctx, "acct", held[1].ID, 4, extras(usage("1"), usage("2"))))
		}, 4},
		{"release", func() error { return second(e.l.Release(ctx, "acct", held[2].ID, "")) }, 2},
		{"expire", func() error {
			if _, err := e.l.Reserve(ctx, "acct", 10, "x", time.Minute, Meta{}); err != nil {
				return err
			}
			c.take()
			clk.Add(time.Hour)
			n, err := e.l.Sweep(ctx, clk.Now(), 0)
			if err == nil && n != 1 {
				err = fmt.Errorf("swept %d holds, want 1", n)
			}
			return err
		}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.take()
			if err := tt.op(); err != nil {
				t.Fatal(err)
			}
			for _, n := range c.take() {
				if n != tt.want {
					t.Fatalf("a transaction of %d items, want %d", n, tt.want)
				}
			}
		})
	}
	if s := e.wantBalance(t, "acct", 87, 0, 13, 100); s.TxCount != 10 {
		t.Fatalf("tx_count %d, want 10", s.TxCount)
	}
	if r := e.wantAuditOK(t, "acct"); r.Entries != 10 {
		t.Fatalf("audit found %d entries, want 10", r.Entries)
	}
}

// A retry of any operation gets the original entry (or hold) back, whole:
// the same ID, time, description and metadata, not a new one.
func TestIntegrationReplayReturnsTheOriginal(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, WithClock(clk.Now))
	e.funded(t, "acct", 100)
	meta := Meta{Description: "first", Metadata: map[string]string{"run": "r1"}}
	h := e.reserve(t, "acct", 10, "res", time.Minute)
	h2 := e.reserve(t, "acct", 10, "res2", time.Minute)
	tests := []struct {
		name string
		op   func(Meta) (any, error)
	}{
		{"grant", func(m Meta) (any, error) { return e.l.Grant(ctx, "acct", 5, "g", m.Description) }},
		{"deduct", func(m Meta) (any, error) { return e.l.Deduct(ctx, "acct", 5, "d", m) }},
		{"reserve", func(m Meta) (any, error) { return e.l.Reserve(ctx, "acct", 5, "r", time.Minute, m) }},
		{"settle", func(Meta) (any, error) { return e.l.Settle(ctx, "acct", h.ID, 7, nil) }},
		{"release", func(m Meta) (any, error) { return e.l.Release(ctx, "acct", h2.ID, m.Description) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, err := tt.op(meta)
			if err != nil {
				t.Fatal(err)
			}
			before := e.state(t, "acct")
			clk.Add(time.Second) // a new entry would carry a later time
			again, err := tt.op(Meta{Description: "retried"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(first, again) {
				t.Fatalf("replay returned\n%+v\nwant the original\n%+v", again, first)
			}
			if after := e.state(t, "acct"); after != before {
				t.Fatalf("the replay changed the balance: %+v → %+v", before, after)
			}
		})
	}
	e.wantAuditOK(t, "acct")
}

// A key used once can only be replayed: any other operation or amount with
// it is a mismatch, and changes nothing.
func TestIntegrationIdempotencyMismatch(t *testing.T) {
	ctx := context.Background()
	e := newFunded(t, 100)
	if _, err := e.l.Grant(ctx, "acct", 5, "grant-key", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.l.Deduct(ctx, "acct", 5, "deduct-key", Meta{}); err != nil {
		t.Fatal(err)
	}
	h := e.reserve(t, "acct", 5, "reserve-key", time.Minute)
	if _, err := e.l.Settle(ctx, "acct", h.ID, 3, nil); err != nil {
		t.Fatal(err)
	}
	before := e.state(t, "acct")
	tests := []struct {
		name string
		err  error
	}{
		{"grant, other amount", second(e.l.Grant(ctx, "acct", 6, "grant-key", ""))},
		{"grant key deducted", second(e.l.Deduct(ctx, "acct", 5, "grant-key", Meta{}))},
		{"grant key reserved", second(e.l.Reserve(ctx, "acct", 5, "grant-key", time.Minute, Meta{}))},
		{"deduct, other amount", second(e.l.Deduct(ctx, "acct", 4, "deduct-key", Meta{}))},
		{"deduct key granted", second(e.l.Grant(ctx, "acct", 5, "deduct-key", ""))},
		{"deduct key reserved", second(e.l.Reserve(ctx, "acct", 5, "deduct-key", time.Minute, Meta{}))},
		{"reserve, other amount", second(e.l.Reserve(ctx, "acct", 6, "reserve-key", time.Minute, Meta{}))},
		{"reserve key deducted", second(e.l.Deduct(ctx, "acct", 5, "reserve-key", Meta{}))},
		{"reserve key granted", second(e.l.Grant(ctx, "acct", 5, "reserve-key", ""))},
		{"settle, other actual", second(e.l.Settle(ctx, "acct", h.ID, 4, nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.err, domain.ErrIdempotencyMismatch)
		})
	}
	if after := e.state(t, "acct"); after != before {
		t.Fatalf("refused requests changed the balance: %+v → %+v", before, after)
	}
	e.wantAuditOK(t, "acct")
}

// Concurrent deliveries of one request (on DynamoDB Local) leave exactly one
// entry in the base table and in the listing, and charge once.
func TestIntegrationConcurrentDuplicatesMakeOneEntry(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		op   func(l *Ledger) (string, error)
		want [4]int64 // available, reserved, settled, granted after
	}{
		{"grant", func(l *Ledger) (string, error) {
			en, err := l.Grant(ctx, "acct", 5, "k", "")
			return en.ID, err
		}, [4]int64{105, 0, 0, 105}},
		{"deduct", func(l *Ledger) (string, error) {
			en, err := l.Deduct(ctx, "acct", 5, "k", Meta{})
			return en.ID, err
		}, [4]int64{95, 0, 5, 100}},
		{"reserve", func(l *Ledger) (string, error) {
			h, err := l.Reserve(ctx, "acct", 5, "k", time.Minute, Meta{})
			return h.ID, err
		}, [4]int64{95, 5, 0, 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFunded(t, 100)
			const n = 12
			ids, errs := make([]string, n), make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ids[i], errs[i] = tt.op(e.l)
				}()
			}
			wg.Wait()
			for i := range n {
				if errs[i] != nil || ids[i] != ids[0] {
					t.Fatalf("delivery %d: %s, %v; the first got %s", i, ids[i], errs[i], ids[0])
				}
			}
			s := e.wantBalance(t, "acct", tt.want[0], tt.want[1], tt.want[2], tt.want[3])
			if s.TxCount != 2 {
				t.Fatalf("tx_count %d, want 2 (the initial grant and one entry)", s.TxCount)
			}
			out, err := e.db.Query(ctx, prefixQuery(e.table, "acct", keys.TxPrefix+"k", 100, nil, true))
			if err != nil {
				t.Fatal(err)
			}
			listed, _, err := e.l.Entries(ctx, "acct", 100, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Items) != 1 || len(listed) != 2 {
				t.Fatalf("%d entries for the key in the table, %d listed; want 1 and 2", len(out.Items), len(listed))
			}
			e.wantAuditOK(t, "acct")
		})
	}
}

// Both entry shapes (a TX# item and a resolved hold) list the same through
// Entries and through the API's store pages, newest first, across pages.
func TestIntegrationStoreListsBothEntryShapes(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, WithClock(clk.Now))
	e.funded(t, "acct", 100)
	step := func() { clk.Add(time.Millisecond) }
	step()
	h1 := e.reserve(t, "acct", 30, "r1", time.Minute)
	step()
	h2, err := e.l.Reserve(ctx, "acct", 20, "r2", time.Minute, Meta{Description: "write", Metadata: map[string]string{"op": "o2"}})
	if err != nil {
		t.Fatal(err)
	}
	step()
	if _, err := e.l.Settle(ctx, "acct", h2.ID, 15, nil); err != nil {
		t.Fatal(err)
	}
	step()
	if _, err := e.l.Release(ctx, "acct", h1.ID, "step failed"); err != nil {
		t.Fatal(err)
	}
	step()
	if _, err := e.l.Deduct(ctx, "acct", 3, "d", Meta{}); err != nil {
		t.Fatal(err)
	}

	want, _, err := e.l.Entries(ctx, "acct", 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	order := []EntryType{TypeDeduct, TypeRelease, TypeSettle, TypeReserve, TypeReserve, TypeGrant}
	if len(want) != len(order) {
		t.Fatalf("%d entries, want %d", len(want), len(order))
	}
	for i, typ := range order {
		if want[i].Type != typ {
			t.Fatalf("entry %d is a %s, want %s (newest first)", i, want[i].Type, typ)
		}
	}
	if st := want[2]; st.Amount != 15 || st.HoldID != h2.ID || st.Description != "write" || st.Metadata["op"] != "o2" || st.DeltaAvailable != 5 || st.DeltaReserved != -20 || st.DeltaSettled != 15 {
		t.Fatalf("settle entry %+v", st)
	}
	if rel := want[1]; rel.Amount != 30 || rel.Description != "step failed" || rel.DeltaAvailable != 30 {
		t.Fatalf("release entry %+v", rel)
	}

	s := store.New(e.db, e.table, "secret")
	var got []Entry
	pr := store.PageRequest{Limit: 4}
	for range 3 {
		page, err := store.ListLedgerEntries[Entry](ctx, s, "acct", pr)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != int64(len(order)) {
			t.Fatalf("total %d, want %d", page.Total, len(order))
		}
		got = append(got, page.Items...)
		if page.NextCursor == nil {
			break
		}
		pr.Cursor = *page.NextCursor
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("store pages\n%+v\nEntries\n%+v", got, want)
	}
}

// An item that is neither shape is an error, not a zero entry.
func TestUnmarshalEntryRejectsPendingHold(t *testing.T) {
	var en Entry
	pending := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"SK": str(keys.HoldPrefix + "h"), "id": str("h"), "status": str(string(HoldPending)), "amount": num(5),
	}}
	if err := en.UnmarshalDynamoDBAttributeValue(pending); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("pending hold decoded as an entry: %+v, %v", en, err)
	}
	if err := en.UnmarshalDynamoDBAttributeValue(str("x")); err == nil {
		t.Fatal("a string decoded as an entry")
	}
}
