package statemachines_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/infra/local/sfn"
	"github.com/igny8/igny8-serverless/infra/statemachines"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// maximalConfig is the automation configuration with the most batches the
// API accepts: every batch size at its minimum, every maximum at its top.
func maximalConfig(t *testing.T) domain.AutomationConfig {
	c := domain.DefaultAutomationConfig()
	c.Stage1BatchSize, c.Stage2BatchSize, c.Stage4BatchSize, c.Stage6BatchSize = 1, 1, 1, 1
	c.MaxKeywordsPerRun, c.MaxContentPerRun, c.MaxImagesPerRun, c.Concurrency = domain.MaxStageItems, 1000, domain.MaxStageItems, 10
	if err := c.Validate(); err != nil {
		t.Fatalf("the maximal configuration is refused: %v", err)
	}
	for _, bigger := range []func(*domain.AutomationConfig){
		func(c *domain.AutomationConfig) { c.Stage1BatchSize = 0 },
		func(c *domain.AutomationConfig) { c.MaxKeywordsPerRun++ },
		func(c *domain.AutomationConfig) { c.MaxContentPerRun++ },
		func(c *domain.AutomationConfig) { c.MaxImagesPerRun++ },
	} {
		more := c
		bigger(&more)
		if more.Validate() == nil {
			t.Fatalf("a configuration past the maximal one is accepted: %+v", more)
		}
	}
	return c
}

// fakeSteps answers each automation function with a result shaped and sized
// like the real one's, and Prepare with every stage full at the maxima.
func fakeSteps(cfg domain.AutomationConfig) sfn.InvokerFunc {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("01jitem%019d", i)
		}
		return out
	}
	return func(_ context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
		var in struct {
			Stage int `json:"stage"`
			Index int `json:"index"`
		}
		_ = json.Unmarshal(input, &in)
		name := resource[strings.LastIndex(resource, ":")+1:]
		var out any
		switch {
		case name == "automation-prepare-stage":
			st, _ := domain.StageByN(in.Stage)
			n := (st.MaxPerRun(cfg) + st.BatchSize(cfg) - 1) / st.BatchSize(cfg)
			batches := make([]int, n)
			for i := range batches {
				batches[i] = i
			}
			out = map[string]any{"skip": false, "batches": batches}
		case name == "automation-gate":
			st, _ := domain.StageByN(in.Stage)
			out = map[string]any{"action": "go", "delay": 0, "job": map[string]any{
				"operation_id": "01jrun", "account_id": "01jaccount", "site_id": "01jsite", "type": st.Operation,
				"key": fmt.Sprintf("run#01jrun#s%d#b%d", in.Stage, in.Index), "run_id": "01jrun", "stage": in.Stage,
				"item_ids": ids(st.BatchSize(cfg)), "model_id": "gpt-4o-mini", "estimate": 40}}
		case name == "credit-reserve":
			out = map[string]any{"hold_id": "01jhold", "amount": 40, "expires_at": time.Now().Format(time.RFC3339)}
		case strings.HasPrefix(name, "op-"):
			out = map[string]any{"results": ids(3), "failed": []any{}, "credits": 31, "cost_micro_usd": 1200,
				"usage": map[string]any{"input_tokens": 1800, "output_tokens": 2400}}
		case name == "automation-finish-stage":
			out = map[string]any{"cancelled": false}
		default: // credit-settle, credit-release, automation-finish-run
			out = map[string]any{"ok": true}
		}
		return json.Marshal(out)
	}
}

func localMachine(t *testing.T, asl []byte) *sfn.Machine {
	subs := map[string]string{}
	for _, f := range catalog.Functions {
		if f.ArnKey != "" {
			subs[f.ArnKey] = "arn:aws:lambda:local:000000000000:function:" + f.Name
		}
	}
	m, err := sfn.Parse(asl, subs)
	if err != nil {
		t.Fatal(err)
	}
	return m.WithName("automation")
}

// A run at the configuration maxima (41,200 batches) completes under the
// local runtime with AWS's limits on: no execution passes 25,000 history
// events and no state passes 256 KiB. The same machine with inline Maps,
// as it was before, fails as AWS would have failed it.
func TestAutomationAtTheConfigurationMaximaFitsAWSLimits(t *testing.T) {
	cfg := maximalConfig(t)
	asl, err := statemachines.Definition("automation")
	if err != nil {
		t.Fatal(err)
	}
	input := fmt.Sprintf(`{"run":{"run_id":"01jrun","account_id":"01jaccount","site_id":"01jsite"},"concurrency":%d}`, cfg.Concurrency)
	run := func(t *testing.T, asl []byte) (sfn.Execution, int64) {
		rt := sfn.NewRuntime(fakeSteps(cfg), sfn.WithSleep(func(context.Context, time.Duration) error { return nil }))
		ex, err := rt.Start(context.Background(), localMachine(t, asl), "maxima", json.RawMessage(input))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if ex, err = rt.Wait(ctx, ex.ExecutionArn); err != nil {
			t.Fatal(err)
		}
		n, err := rt.HistoryEvents(ex.ExecutionArn)
		if err != nil {
			t.Fatal(err)
		}
		return ex, n
	}

	t.Run("as generated", func(t *testing.T) {
		ex, events := run(t, asl)
		if ex.Status != sfn.StatusSucceeded {
			t.Fatalf("status %s: %s %s", ex.Status, ex.Error, ex.Cause)
		}
		if events >= sfn.MaxHistoryEvents/10 {
			t.Errorf("the run's own execution wrote %d history events; it should not grow with the batches", events)
		}
		t.Logf("the run's execution wrote %d history events", events)
	})
	t.Run("with inline Maps it would fail", func(t *testing.T) {
		inline := regexp.MustCompile(`"Mode": "DISTRIBUTED",\s*"ExecutionType": "STANDARD"`).ReplaceAllString(string(asl), `"Mode": "INLINE"`)
		if inline == string(asl) {
			t.Fatal("the definition has no Distributed Map to turn inline")
		}
		inline = regexp.MustCompile(`"Label": "Stage\d",\s*`).ReplaceAllString(inline, "")
		ex, _ := run(t, []byte(inline))
		if ex.Status != sfn.StatusFailed || ex.Error != sfn.ErrNameRuntime || !strings.Contains(ex.Cause, "maximum number of history events") {
			t.Fatalf("status %s: %s %s; want FAILED at the history limit", ex.Status, ex.Error, ex.Cause)
		}
	})
}
