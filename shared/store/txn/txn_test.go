package txn

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Moved from shared/ledger/unit_test.go with the backoff it tests.
func TestBackoffIsBoundedAndCancellable(t *testing.T) {
	r := Retry{Attempts: 8, Base: 10 * time.Millisecond, Cap: 40 * time.Millisecond}
	start := time.Now()
	for attempt := 1; attempt <= 8; attempt++ {
		if err := r.sleep(context.Background(), attempt); err != nil {
			t.Fatal(err)
		}
	}
	// 10+20+40·6 ms at most.
	if d := time.Since(start); d > 270*time.Millisecond+200*time.Millisecond {
		t.Fatalf("8 backoffs took %v, more than the cap allows", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	long := Retry{Attempts: 8, Base: time.Hour, Cap: time.Hour}
	if err := long.sleep(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleep with a cancelled context: %v", err)
	}
}

func TestCountersAreSummedAfterTheWrites(t *testing.T) {
	var a, b Tx
	a.Add(types.TransactWriteItem{})
	a.Count("t", "P", "S", map[string]int64{"x": 1, "y": 1})
	b.Count("t", "P", "S", map[string]int64{"x": -1})
	b.Count("t", "P", "S2", map[string]int64{"z": 0})
	a.Merge(b)
	if a.Len() != 3 || a.Writes() != 1 {
		t.Fatalf("len %d, writes %d", a.Len(), a.Writes())
	}
	items := a.Items()
	if len(items) != 2 || items[1].Update == nil {
		t.Fatalf("items %+v: want the write and one counter update", items)
	}
	if got := items[1].Update.ExpressionAttributeNames; len(got) != 1 || got["#c0"] != "y" {
		t.Fatalf("counter names %v, want only y", got)
	}
}

func TestRetryable(t *testing.T) {
	cancelled := func(codes ...string) error {
		tce := &types.TransactionCanceledException{}
		for _, c := range codes {
			tce.CancellationReasons = append(tce.CancellationReasons, types.CancellationReason{Code: &c})
		}
		return tce
	}
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{errors.New("boom"), false},
		{cancelled("None", codeConflict), true},
		{cancelled(CodeCondition, codeConflict), false},
		{cancelled("None", "None"), false},
	} {
		if got := Retryable(tt.err); got != tt.want {
			t.Errorf("Retryable(%v) = %v", tt.err, got)
		}
	}
	if !ConditionFailed(cancelled("None", CodeCondition), -1) || ConditionFailed(cancelled(CodeCondition, "None"), 1) {
		t.Error("ConditionFailed reads the wrong item")
	}
}
