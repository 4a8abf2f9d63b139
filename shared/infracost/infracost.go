// Package infracost prices what a run uses of AWS: Step Functions state
// transitions, Lambda requests and duration × memory, DynamoDB request
// units. The local stack meters each execution (a Meter in the context the
// steps run with) and records the cost on the run, so the cost per article
// of a design is a figure, not a guess. It imports no AWS package: the
// DynamoDB adapter (shared/ddb) and the local runtime feed the Meter.
package infracost

import (
	"context"
	"math/big"
	"sync/atomic"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// Prices are AWS's public on-demand prices (US East, N. Virginia, after the
// free tier), in picodollars (10⁻¹² USD) per unit so each is an integer.
// The one table every figure derives from; see the README's cost section.
var Prices = struct {
	// Step Functions Standard: $0.025 per 1,000 state transitions.
	StandardTransition int64
	// Step Functions Express: $1.00 per million requests and $0.00001667 per
	// GB-second (first tier): the alternative for work that never waits.
	ExpressRequest, ExpressGBSecond int64
	// Lambda on arm64: $0.20 per million requests, $0.0000133334 per
	// GB-second (first tier).
	LambdaRequest, LambdaGBSecond int64
	// DynamoDB on demand: $0.625 per million write request units, $0.125
	// per million read request units.
	WriteUnit, ReadUnit int64
}{
	StandardTransition: 25_000_000,
	ExpressRequest:     1_000_000, ExpressGBSecond: 16_670_000,
	LambdaRequest: 200_000, LambdaGBSecond: 13_333_400,
	WriteUnit: 625_000, ReadUnit: 125_000,
}

// Meter counts what one execution uses; safe for concurrent use.
type Meter struct {
	transitions, lambdaRequests, lambdaMBms, readMilli, writeMilli atomic.Int64
}

// Usage is a Meter's counts.
type Usage struct {
	Transitions    int64 `json:"state_transitions"`
	LambdaRequests int64 `json:"lambda_invocations"`
	LambdaMBms     int64 `json:"lambda_mb_ms"` // billed duration (ms, rounded up) × memory (MB)
	ReadMilli      int64 `json:"dynamodb_read_milli_units"`
	WriteMilli     int64 `json:"dynamodb_write_milli_units"`
}

// AddTransitions counts state transitions.
func (m *Meter) AddTransitions(n int64) { m.transitions.Add(n) }

// AddLambda counts one invocation billed for ms milliseconds at memoryMB.
func (m *Meter) AddLambda(ms, memoryMB int64) {
	m.lambdaRequests.Add(1)
	m.lambdaMBms.Add(ms * memoryMB)
}

// AddCapacity counts DynamoDB capacity units as a response reports them
// (0.5 for an eventually consistent read of up to 4 KB).
func (m *Meter) AddCapacity(units float64, write bool) {
	milli := int64(units*1000 + 0.5)
	if write {
		m.writeMilli.Add(milli)
	} else {
		m.readMilli.Add(milli)
	}
}

// Usage returns the counts so far.
func (m *Meter) Usage() Usage {
	return Usage{Transitions: m.transitions.Load(), LambdaRequests: m.lambdaRequests.Load(), LambdaMBms: m.lambdaMBms.Load(),
		ReadMilli: m.readMilli.Load(), WriteMilli: m.writeMilli.Load()}
}

// Picodollars prices the usage: Step Functions (Standard), Lambda and
// DynamoDB.
func (u Usage) Picodollars() (stepFunctions, lambda, dynamo int64) {
	stepFunctions = u.Transitions * Prices.StandardTransition
	// GB-seconds = MB-ms / 1,024,000.
	lambda = u.LambdaRequests*Prices.LambdaRequest + mulDiv(u.LambdaMBms, Prices.LambdaGBSecond, 1_024_000)
	dynamo = (u.ReadMilli*Prices.ReadUnit + u.WriteMilli*Prices.WriteUnit) / 1000
	return stepFunctions, lambda, dynamo
}

// Cost is the usage priced in micro-dollars, each part rounded half up.
func (u Usage) Cost() domain.InfraCost {
	sf, l, d := u.Picodollars()
	micro := func(p int64) int64 { return (p + 500_000) / 1_000_000 }
	c := domain.InfraCost{StepFunctionsMicroUSD: micro(sf), LambdaMicroUSD: micro(l), DynamoDBMicroUSD: micro(d),
		StateTransitions: u.Transitions, LambdaInvocations: u.LambdaRequests}
	c.TotalMicroUSD = micro(sf + l + d)
	return c
}

// mulDiv is a×b/c without overflowing on the way.
func mulDiv(a, b, c int64) int64 {
	r := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	return r.Quo(r, big.NewInt(c)).Int64()
}

type meterKey struct{}

// WithMeter returns ctx carrying m: everything done with it is counted.
func WithMeter(ctx context.Context, m *Meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// From returns the Meter ctx carries, or nil.
func From(ctx context.Context) *Meter {
	m, _ := ctx.Value(meterKey{}).(*Meter)
	return m
}
