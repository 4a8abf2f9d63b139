package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/igny8/igny8-serverless/shared/domain"
)

// fakeSteps is a StepStore with waiting items for Prepare; the methods
// Prepare does not call are left to the nil embedded interface.
type fakeSteps struct {
	StepStore
	cfg     domain.AutomationConfig
	asked   []string
	waiting int
	stages  map[int]domain.StageStatus
	plans   map[int][]string
}

func (f *fakeSteps) SavePlan(_ context.Context, _, _, _ string, stage int, ids []string) error {
	if f.plans == nil {
		f.plans = map[int][]string{}
	}
	f.plans[stage] = ids
	return nil
}

func (f *fakeSteps) PlanIDs(_ context.Context, _, _, _ string, stage, from, to int) ([]string, error) {
	plan := f.plans[stage]
	if from >= len(plan) {
		return nil, domain.ErrNotFound
	}
	return plan[from:min(to, len(plan))], nil
}

func (f *fakeSteps) RunState(context.Context, string, string, string) (domain.AutomationRun, domain.AutomationConfig, map[string]string, error) {
	return domain.AutomationRun{Status: domain.RunRunning}, f.cfg, nil, nil
}

func (f *fakeSteps) ids(query string, limit int) []string {
	f.asked = append(f.asked, fmt.Sprintf("%s limit %d", query, limit))
	n := f.waiting
	if limit > 0 {
		n = min(n, limit)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(i)
	}
	return out
}

func (f *fakeSteps) IDsByStatus(_ context.Context, _, _ string, e domain.Entity, status string, limit int) ([]string, error) {
	return f.ids(string(e)+" "+status, limit), nil
}

func (f *fakeSteps) ContentWithoutImagePrompts(_ context.Context, _, _ string, limit int) ([]string, error) {
	return f.ids("content without image prompts", limit), nil
}

func (f *fakeSteps) SetStage(_ context.Context, _, _, _ string, stage int, status domain.StageStatus, _ int64) error {
	f.stages[stage] = status
	return nil
}

// Prepare reads each stage's waiting items, maximum and batch size from
// domain.Stages.
func TestPrepareFollowsTheStageTable(t *testing.T) {
	cfg := domain.DefaultAutomationConfig()
	cfg.MaxKeywordsPerRun, cfg.Stage1BatchSize, cfg.MaxContentPerRun, cfg.MaxImagesPerRun = 7, 3, 5, 4
	want := map[int]struct {
		asked   string
		batches []int
	}{
		1: {"keyword new limit 7", []int{3, 3, 1}},
		2: {"cluster new limit 10000", []int{2, 2, 2, 2, 2}},
		3: {"idea new limit 10000", []int{10}},
		4: {"task queued limit 5", []int{2, 2, 1}},
		5: {"content without image prompts limit 10000", []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		6: {"image pending limit 4", []int{4}},
		7: {"content draft limit 10000", []int{10}},
	}
	for _, st := range domain.Stages {
		f := &fakeSteps{cfg: cfg, waiting: 10, stages: map[int]domain.StageStatus{}}
		s := &Steps{Store: f}
		p, err := s.Prepare(context.Background(), StageInput{Stage: st.N})
		if err != nil {
			t.Fatalf("stage %d: %v", st.N, err)
		}
		var sizes []int
		size := st.BatchSize(cfg)
		for _, b := range p.Batches {
			ids, err := f.PlanIDs(context.Background(), "", "", "", st.N, b*size, (b+1)*size)
			if err != nil {
				t.Fatalf("stage %d batch %d: %v", st.N, b, err)
			}
			sizes = append(sizes, len(ids))
		}
		w := want[st.N]
		if !reflect.DeepEqual(f.asked, []string{w.asked}) || !reflect.DeepEqual(sizes, w.batches) || f.stages[st.N] != domain.StageRunning {
			t.Errorf("stage %d: asked %v, batches %v, status %v; want %q, %v", st.N, f.asked, sizes, f.stages[st.N], w.asked, w.batches)
		}
	}
	for _, n := range []int{0, 8} {
		var ve *domain.ValidationError
		if _, err := (&Steps{Store: &fakeSteps{}}).Prepare(context.Background(), StageInput{Stage: n}); !errors.As(err, &ve) || ve.Field != "stage" {
			t.Errorf("stage %d: got %v, want an error on stage", n, err)
		}
	}
}

// Prepare's answer is batch numbers only: at the most items a stage can take
// in batches of one it stays far inside Step Functions' 256 KiB state.
func TestPrepareAnswerFitsTheStateLimit(t *testing.T) {
	cfg := domain.DefaultAutomationConfig()
	cfg.Stage1BatchSize, cfg.MaxKeywordsPerRun = 1, domain.MaxStageItems
	f := &fakeSteps{cfg: cfg, waiting: 2 * domain.MaxStageItems, stages: map[int]domain.StageStatus{}}
	p, err := (&Steps{Store: f}).Prepare(context.Background(), StageInput{Stage: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	if len(p.Batches) != domain.MaxStageItems || len(f.plans[1]) != domain.MaxStageItems || len(b) > 256*1024/4 {
		t.Fatalf("%d batches, plan of %d, answer of %d bytes", len(p.Batches), len(f.plans[1]), len(b))
	}
}
