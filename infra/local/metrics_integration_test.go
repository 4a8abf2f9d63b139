package local

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/metrics"
)

// lockedBuffer is an io.Writer safe for the stack's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// An operation leaves the metrics an operator's dashboard reads: credits
// reserved and settled, the operation by type and outcome, and the
// provider's latency by class, each an Embedded Metric Format record.
func TestIntegrationOperationEmitsMetrics(t *testing.T) {
	s := newTestStack(t)
	var buf lockedBuffer
	t.Cleanup(metrics.SetOutput(&buf))
	_, key, site, topicOf := s.topicSite(t, 5000)
	op := s.run(t, key, "/v1/sites/"+site+"/keywords/cluster", map[string]any{"keyword_ids": slices.Sorted(maps.Keys(topicOf))})
	if op.Status != domain.OperationSucceeded {
		t.Fatalf("operation %+v", op)
	}
	// The operation reads succeeded once the charge commits; its metrics
	// follow a moment later, when the step returns.
	got := map[string]map[string]any{} // metric name → its record
	for deadline := time.Now().Add(5 * time.Second); got[metrics.CreditsSettled] == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		got = parseEMF(t, &buf)
	}
	for name, want := range map[string]map[string]any{
		metrics.CreditsReserved: {"OperationType": "clustering"},
		metrics.CreditsSettled:  {"OperationType": "clustering", "Outcome": "succeeded", metrics.Operations: float64(1)},
		metrics.ProviderLatency: {"Provider": "offline", "Class": "ok"},
	} {
		rec, ok := got[name]
		if !ok {
			t.Errorf("no %s record", name)
			continue
		}
		for k, v := range want {
			if rec[k] != v {
				t.Errorf("%s: %s = %v, want %v", name, k, rec[k], v)
			}
		}
		if v, ok := rec[name].(float64); !ok || (name != metrics.ProviderLatency && v <= 0) {
			t.Errorf("%s = %v", name, rec[name])
		}
	}
	if settled, _ := got[metrics.CreditsSettled][metrics.CreditsSettled].(float64); int64(settled) != op.CreditsUsed {
		t.Errorf("settled %v credits, the operation used %d", settled, op.CreditsUsed)
	}
}

// parseEMF reads the records written so far, by metric name.
func parseEMF(t *testing.T, buf *lockedBuffer) map[string]map[string]any {
	buf.mu.Lock()
	data := bytes.Clone(buf.b.Bytes())
	buf.mu.Unlock()
	got := map[string]map[string]any{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		aws, _ := rec["_aws"].(map[string]any)
		for _, d := range aws["CloudWatchMetrics"].([]any) {
			for _, m := range d.(map[string]any)["Metrics"].([]any) {
				got[m.(map[string]any)["Name"].(string)] = rec
			}
		}
	}
	return got
}
