package ledger

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/igny8/igny8-serverless/shared/ddblocal"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/keys"
	"github.com/igny8/igny8-serverless/shared/store/txn"
)

func TestMain(m *testing.M) { ddblocal.Run(m) }

// env is one fresh table on DynamoDB Local with a ledger over it.
type env struct {
	db    *dynamodb.Client
	table string
	l     *Ledger
}

func newEnv(tb testing.TB, opts ...Option) *env {
	tb.Helper()
	db, table := ddblocal.NewTable(tb)
	return &env{db: db, table: table, l: New(db, table, opts...)}
}

// createAccount puts the account item the way the store does: a zero
// balance. The ledger only ever updates it.
func (e *env) createAccount(tb testing.TB, id string) {
	tb.Helper()
	_, err := e.db.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(e.table),
		Item: map[string]types.AttributeValue{
			"PK": str(keys.Account(id)), "SK": str(keys.AccountSK),
			"id": str(id), "name": str("Test " + id), "created_at": str("2025-01-02T03:04:05.123456789Z"),
			"available": num(0), "reserved": num(0), "settled": num(0), "granted": num(0), "tx_count": num(0),
		},
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// funded creates an account and grants it credits.
func (e *env) funded(tb testing.TB, id string, credits int64) {
	tb.Helper()
	e.createAccount(tb, id)
	if _, err := e.l.Grant(context.Background(), id, credits, "initial-grant", "welcome"); err != nil {
		tb.Fatal(err)
	}
}

// state is the balance plus tx_count, read straight from the table.
type state struct {
	domain.Account
	TxCount int64
}

func (e *env) state(tb testing.TB, account string) state {
	tb.Helper()
	a, n, err := e.l.account(context.Background(), account)
	if err != nil {
		tb.Fatal(err)
	}
	return state{a, n}
}

func (e *env) wantBalance(tb testing.TB, account string, available, reserved, settled, granted int64) state {
	tb.Helper()
	s := e.state(tb, account)
	if s.Available != available || s.Reserved != reserved || s.Settled != settled || s.Granted != granted {
		tb.Fatalf("balance: got available=%d reserved=%d settled=%d granted=%d, want %d %d %d %d",
			s.Available, s.Reserved, s.Settled, s.Granted, available, reserved, settled, granted)
	}
	return s
}

func (e *env) wantAuditOK(tb testing.TB, account string) AuditReport {
	tb.Helper()
	r, err := e.l.Audit(context.Background(), account)
	if err != nil {
		tb.Fatal(err)
	}
	if !r.OK() {
		tb.Fatalf("audit of %s: %v", account, r.Problems)
	}
	return r
}

// exists reports whether an item of the account partition exists.
func (e *env) exists(tb testing.TB, account, sk string) bool {
	tb.Helper()
	out, err := e.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(e.table), Key: key(keys.Account(account), sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return len(out.Item) > 0
}

func wantErr(tb testing.TB, err, target error) {
	tb.Helper()
	if !errors.Is(err, target) {
		tb.Fatalf("got error %v, want %v", err, target)
	}
}

// clock is a settable clock for WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// faultyDB wraps the real client. It fails the next `conflicts`
// TransactWriteItems calls with the cancellation DynamoDB returns when
// transactions collide (which Local, serialising all writes, never does), and
// for the next `lost` calls it applies the transaction but returns a
// throttling error, as if the response had been lost.
type faultyDB struct {
	DB
	mu        sync.Mutex
	conflicts int
	lost      int
	calls     int
}

func (f *faultyDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.mu.Lock()
	f.calls++
	conflict, lost := f.conflicts > 0, f.lost > 0 && f.conflicts == 0
	if conflict {
		f.conflicts--
	} else if lost {
		f.lost--
	}
	f.mu.Unlock()
	if conflict {
		reasons := make([]types.CancellationReason, len(in.TransactItems))
		for i := range reasons {
			reasons[i].Code = aws.String("None")
		}
		reasons[len(reasons)-1] = types.CancellationReason{Code: aws.String("TransactionConflict"), Message: aws.String("Transaction is ongoing for the item")}
		return nil, &types.TransactionCanceledException{
			Message:             aws.String(fmt.Sprintf("Transaction cancelled [%d items]", len(reasons))),
			CancellationReasons: reasons,
		}
	}
	out, err := f.DB.TransactWriteItems(ctx, in, optFns...)
	if lost && err == nil {
		return nil, &smithy.GenericAPIError{Code: "ThrottlingException", Message: "injected after commit"}
	}
	return out, err
}

func (f *faultyDB) set(conflicts, lost int) {
	f.mu.Lock()
	f.conflicts, f.lost, f.calls = conflicts, lost, 0
	f.mu.Unlock()
}

func (f *faultyDB) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// extras is a transaction of the given items, for Settle.
func extras(items ...types.TransactWriteItem) *txn.Tx {
	var tx txn.Tx
	tx.Add(items...)
	return &tx
}

// reserve places a hold that must succeed.
func (e *env) reserve(tb testing.TB, account string, amount int64, idemKey string, ttl time.Duration) Hold {
	tb.Helper()
	h, err := e.l.Reserve(context.Background(), account, amount, idemKey, ttl, Meta{})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// newFunded is a new environment with the account "acct" holding credits.
func newFunded(tb testing.TB, credits int64) *env {
	e := newEnv(tb)
	e.funded(tb, "acct", credits)
	return e
}
