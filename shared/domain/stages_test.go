package domain

import "testing"

func TestStages(t *testing.T) {
	cfg := DefaultAutomationConfig()
	for i, s := range Stages {
		if s.N != i+1 {
			t.Errorf("stage %d is numbered %d", i+1, s.N)
		}
		if got, ok := StageByN(s.N); !ok || got.Name != s.Name {
			t.Errorf("StageByN(%d) = %v %v", s.N, got.Name, ok)
		}
		if s.Name == "" || s.Operation == "" || s.Source == "" || s.SourceStatus == "" || s.BatchSize(cfg) < 1 {
			t.Errorf("stage %d is incomplete: %+v", s.N, s)
		}
	}
	for _, n := range []int{0, len(Stages) + 1} {
		if _, ok := StageByN(n); ok {
			t.Errorf("StageByN(%d) found a stage", n)
		}
	}
	sizes := map[int]int{1: 50, 2: 2, 3: 100, 4: 2, 5: 1, 6: 6, 7: 100}
	maxima := map[int]int{1: 500, 2: MaxStageItems, 3: MaxStageItems, 4: 20, 5: MaxStageItems, 6: 100, 7: MaxStageItems}
	for _, s := range Stages {
		if got := s.BatchSize(cfg); got != sizes[s.N] {
			t.Errorf("stage %d batch %d, want %d", s.N, got, sizes[s.N])
		}
		if got := s.MaxPerRun(cfg); got != maxima[s.N] {
			t.Errorf("stage %d maximum %d, want %d", s.N, got, maxima[s.N])
		}
	}
	if s, _ := StageByN(3); s.Charged() {
		t.Error("creating tasks is free")
	}
	states := NewStageStates()
	if len(states) != len(Stages) || states[6].Name != "Review" || states[0].Status != StagePending {
		t.Errorf("new stage states %+v", states)
	}
}
