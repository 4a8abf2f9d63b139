package infracost

import (
	"context"
	"sync"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

func TestCost(t *testing.T) {
	tests := []struct {
		name  string
		usage Usage
		want  domain.InfraCost
	}{
		{"1,000 transitions are $0.025", Usage{Transitions: 1000},
			domain.InfraCost{TotalMicroUSD: 25_000, StepFunctionsMicroUSD: 25_000, StateTransitions: 1000}},
		{"a million Lambda requests are $0.20", Usage{LambdaRequests: 1_000_000},
			domain.InfraCost{TotalMicroUSD: 200_000, LambdaMicroUSD: 200_000, LambdaInvocations: 1_000_000}},
		{"a million GB-seconds are $13.3334", Usage{LambdaMBms: 1_024_000 * 1_000_000},
			domain.InfraCost{TotalMicroUSD: 13_333_400, LambdaMicroUSD: 13_333_400}},
		{"a million write units are $0.625", Usage{WriteMilli: 1_000_000_000},
			domain.InfraCost{TotalMicroUSD: 625_000, DynamoDBMicroUSD: 625_000}},
		{"a million read units are $0.125", Usage{ReadMilli: 1_000_000_000},
			domain.InfraCost{TotalMicroUSD: 125_000, DynamoDBMicroUSD: 125_000}},
		// 7 transitions (175 µ$), one 128 MB Lambda for 100 ms (0.2 + 0.1667 µ$),
		// 4.5 write units (2.8125 µ$): the parts round on their own, the total
		// once.
		{"a batch", Usage{Transitions: 7, LambdaRequests: 1, LambdaMBms: 12_800, WriteMilli: 4_500},
			domain.InfraCost{TotalMicroUSD: 178, StepFunctionsMicroUSD: 175, LambdaMicroUSD: 0, DynamoDBMicroUSD: 3, StateTransitions: 7, LambdaInvocations: 1}},
		{"nothing", Usage{}, domain.InfraCost{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.usage.Cost(); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMeter(t *testing.T) {
	ctx := context.Background()
	if From(ctx) != nil {
		t.Fatal("a bare context has a meter")
	}
	m := &Meter{}
	ctx = WithMeter(ctx, m)
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			From(ctx).AddLambda(3, 256)
			From(ctx).AddCapacity(0.5, false)
			From(ctx).AddCapacity(2, true)
		}()
	}
	wg.Wait()
	m.AddTransitions(9)
	want := Usage{Transitions: 9, LambdaRequests: 100, LambdaMBms: 100 * 3 * 256, ReadMilli: 50_000, WriteMilli: 200_000}
	if got := m.Usage(); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
