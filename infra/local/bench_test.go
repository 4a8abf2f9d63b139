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

// BenchmarkAutomationInfraCost runs whole automations (60 keywords) on the
// local stack and prices what they used in AWS resources (infracost): Step
// Functions Standard transitions, Lambda requests and GB-seconds, DynamoDB
// request units, per 1,000 articles written. Two shapes: the default
// configuration (the demo's), and every batch size at 1 (the most batches).
// The provider answers after 2 s, so Lambda duration includes a model's
// time as it would in the cloud (real models often take longer to write an
// article, which adds to the Lambda part only).
func BenchmarkAutomationInfraCost(b *testing.B) {
	shapes := []struct {
		name   string
		change func(*domain.AutomationConfig)
	}{
		{"config=default", func(*domain.AutomationConfig) {}},
		{"config=batches_of_1", func(c *domain.AutomationConfig) {
			c.Stage1BatchSize, c.Stage2BatchSize, c.Stage4BatchSize, c.Stage6BatchSize = 1, 1, 1, 1
			c.MaxContentPerRun, c.Concurrency = 9, 3
		}},
	}
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				tp := &timedProvider{inner: offline.New(offline.WithLatency(2 * time.Second)), calls: map[string][]time.Duration{}}
				s := newTestStack(b)
				s.Deps.Providers.Text[ai.ProviderOffline], s.Deps.Providers.Image[ai.ProviderOffline] = tp, tp
				_, key, site, _ := s.topicSite(b, 100_000)
				s.configure(b, key, site, func(c *domain.AutomationConfig) { c.Concurrency = 3; sh.change(c) })
				run := s.waitRunWithin(b, key, site, s.startRun(b, key, site).ID, ended, 10*time.Minute)
				if run.Status != domain.RunCompleted {
					b.Fatalf("run %s: %+v", run.Status, run)
				}
				for deadline := time.Now().Add(10 * time.Second); run.InfraCost == nil && time.Now().Before(deadline); {
					time.Sleep(20 * time.Millisecond)
					s.c.Do("GET", "/v1/sites/"+site+"/automation/runs/"+run.ID, nil, auth(key)...).JSON(b, &run)
				}
				c := run.InfraCost
				articles := run.Stages[3].Processed
				if c == nil || articles == 0 {
					b.Fatalf("no cost or no articles: %+v", run)
				}
				per1k := func(micro int64) float64 { return float64(micro) / 1e6 / float64(articles) * 1000 }
				b.ReportMetric(float64(articles), "articles")
				b.ReportMetric(per1k(c.TotalMicroUSD), "usd/1k_articles")
				b.ReportMetric(per1k(c.StepFunctionsMicroUSD), "sfn_usd/1k")
				b.ReportMetric(per1k(c.LambdaMicroUSD), "lambda_usd/1k")
				b.ReportMetric(per1k(c.DynamoDBMicroUSD), "dynamodb_usd/1k")
				b.ReportMetric(float64(c.StateTransitions)/float64(articles), "transitions/article")
			}
		})
	}
}
