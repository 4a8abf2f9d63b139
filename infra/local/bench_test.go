package local

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ai"
	"github.com/igny8/igny8-serverless/shared/ai/offline"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// timedProvider records how long each provider call took, by operation.
type timedProvider struct {
	inner *offline.Provider
	mu    sync.Mutex
	calls map[string][]time.Duration
}

func (p *timedProvider) record(op string, start time.Time) {
	p.mu.Lock()
	p.calls[op] = append(p.calls[op], time.Since(start))
	p.mu.Unlock()
}

func (p *timedProvider) Complete(ctx context.Context, req ai.TextRequest) (ai.TextResult, error) {
	defer p.record(req.Operation, time.Now())
	return p.inner.Complete(ctx, req)
}

func (p *timedProvider) Generate(ctx context.Context, req ai.ImageRequest) (ai.ImageResult, error) {
	defer p.record("image_generation", time.Now())
	return p.inner.Generate(ctx, req)
}

// BenchmarkAutomationOrchestration runs a whole automation (60 keywords → 9
// articles with 27 images) on the local stack with a provider that takes a
// fixed time per call, and compares the run's wall time with the ideal: the
// provider time on the critical path at the run's concurrency. Every batch
// makes exactly one provider call, so a stage of n calls at concurrency c
// needs ceil(n/c) rounds of one call each.
//
// The overhead is a roughly fixed cost per batch (gate, reserve, settle and
// the step records: about fifteen DynamoDB calls), so it is reported per
// batch too, and at two provider speeds: 400 ms (fast) and 2 s (closer to a
// real model writing an article or drawing an image).
func BenchmarkAutomationOrchestration(b *testing.B) {
	for _, latency := range []time.Duration{400 * time.Millisecond, 2 * time.Second} {
		b.Run("provider="+latency.String(), func(b *testing.B) { benchOrchestration(b, latency) })
	}
}

func benchOrchestration(b *testing.B, latency time.Duration) {
	const concurrency = 3
	for i := 0; i < b.N; i++ {
		tp := &timedProvider{inner: offline.New(offline.WithLatency(latency)), calls: map[string][]time.Duration{}}
		s := newTestStack(b)
		s.Deps.Providers.Text[ai.ProviderOffline], s.Deps.Providers.Image[ai.ProviderOffline] = tp, tp
		_, key, site, _ := s.topicSite(b, 100_000)
		s.configure(b, key, site, func(cfg *domain.AutomationConfig) {
			// One provider call per batch, so the critical path is easy to state.
			cfg.Stage1BatchSize, cfg.Stage2BatchSize, cfg.Stage4BatchSize, cfg.Stage6BatchSize = 60, 1, 1, 1
			cfg.MaxContentPerRun, cfg.Concurrency = 9, concurrency
		})
		b.ResetTimer()
		run := s.waitRun(b, key, site, s.startRun(b, key, site).ID, ended)
		b.StopTimer()
		if run.Status != domain.RunCompleted {
			b.Fatalf("run %s: %+v", run.Status, run)
		}
		var ideal time.Duration
		batches := 0
		for _, calls := range tp.calls {
			batches += len(calls)
			var sum time.Duration
			for _, d := range calls {
				sum += d
			}
			mean := sum / time.Duration(len(calls))
			rounds := int(math.Ceil(float64(len(calls)) / concurrency))
			ideal += time.Duration(rounds) * mean
		}
		wall := run.CompletedAt.Sub(run.StartedAt)
		b.ReportMetric(wall.Seconds(), "run_s")
		b.ReportMetric(ideal.Seconds(), "ideal_s")
		b.ReportMetric(100*(wall-ideal).Seconds()/ideal.Seconds(), "overhead_%")
		b.ReportMetric(float64((wall-ideal).Milliseconds())/float64(batches), "overhead_ms/batch")
	}
}
