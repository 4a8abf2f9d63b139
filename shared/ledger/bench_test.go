package ledger

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/igny8/igny8-serverless/shared/keys"
)

// BenchmarkLedger measures, against the same DynamoDB Local, b.N concurrent
// Deduct calls on ONE account and then b.N plain conditional UpdateItem calls
// (ADD to a counter under a condition) at the same concurrency, and reports
// both rates and their ratio (deducts/s ÷ cond_updates/s): what the ledger's
// transaction (two items: account, entry) costs compared with the cheapest
// safe single-item write. It then settles b.N holds reserved beforehand
// (untimed) on another account, the operations' charge path (two items: hold,
// account), and reports settles/s and settle_ratio (÷ cond_updates/s). ns/op
// covers one deduct and one update. Local serialises writes, so these are
// Local's figures, not AWS's.
//
//	go test -run '^$' -bench Ledger -benchtime=3000x ./shared/ledger/
func BenchmarkLedger(b *testing.B) {
	const workers, warmup = 32, 300
	ctx := context.Background()
	e := newEnv(b)
	e.funded(b, "bench", int64(b.N))
	counter := key(keys.Account("bench"), "COUNTER")
	_, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(e.table),
		Item:      map[string]types.AttributeValue{"PK": counter["PK"], "SK": counter["SK"], "n": num(0)},
	})
	if err != nil {
		b.Fatal(err)
	}

	// run calls op n times from `workers` goroutines and returns the wall time.
	run := func(n int64, op func(i int64) error) time.Duration {
		var next atomic.Int64
		var failed atomic.Value
		var wg sync.WaitGroup
		start := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1); i <= n; i = next.Add(1) {
					if err := op(i); err != nil {
						failed.Store(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		d := time.Since(start)
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
		return d
	}

	deduct := func(account string) func(int64) error {
		return func(i int64) error {
			_, err := e.l.Deduct(ctx, account, 1, "bench-"+strconv.FormatInt(i, 10), Meta{})
			return err
		}
	}
	update := func(int64) error {
		_, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(e.table),
			Key:                       counter,
			UpdateExpression:          aws.String("ADD #n :one"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND #n < :max"),
			ExpressionAttributeNames:  map[string]string{"#n": "n"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":max": num(int64(b.N) + warmup)},
		})
		return err
	}
	// Warm both paths first (Local's JIT, the connection pool), so the loop
	// measured first is not the one that pays for it.
	e.funded(b, "warm", warmup)
	run(warmup, deduct("warm"))
	run(warmup, update)

	b.ResetTimer()
	deductTime := run(int64(b.N), deduct("bench"))
	updateTime := run(int64(b.N), update)
	b.StopTimer()

	e.funded(b, "settle", int64(b.N))
	holds := make([]string, b.N+1)
	run(int64(b.N), func(i int64) error {
		h, err := e.l.Reserve(ctx, "settle", 1, "hold-"+strconv.FormatInt(i, 10), time.Hour, Meta{})
		holds[i] = h.ID
		return err
	})
	settleTime := run(int64(b.N), func(i int64) error {
		_, err := e.l.Settle(ctx, "settle", holds[i], 1, nil)
		return err
	})

	// Both loops must have done all their work, or the rates are meaningless.
	if s := e.state(b, "bench"); s.Available != 0 || s.Settled != int64(b.N) {
		b.Fatalf("after %d deductions: available %d settled %d", b.N, s.Available, s.Settled)
	}
	if s := e.state(b, "settle"); s.Reserved != 0 || s.Settled != int64(b.N) {
		b.Fatalf("after %d settlements: reserved %d settled %d", b.N, s.Reserved, s.Settled)
	}
	deducts := float64(b.N) / deductTime.Seconds()
	updates := float64(b.N) / updateTime.Seconds()
	b.ReportMetric(deducts, "deducts/s")
	b.ReportMetric(updates, "cond_updates/s")
	b.ReportMetric(deducts/updates, "ratio")
	settles := float64(b.N) / settleTime.Seconds()
	b.ReportMetric(settles, "settles/s")
	b.ReportMetric(settles/updates, "settle_ratio")
}
