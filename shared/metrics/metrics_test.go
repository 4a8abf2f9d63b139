package metrics

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A record has the Embedded Metric Format's shape: _aws with a millisecond
// Timestamp and one CloudWatchMetrics directive naming the namespace, the
// dimension set and each metric with its unit; the values and dimensions at
// the top level.
func TestEmitWritesEMF(t *testing.T) {
	var buf bytes.Buffer
	defer SetOutput(&buf)()
	now = func() time.Time { return time.UnixMilli(1700000000123) }
	t.Setenv("METRICS_NAMESPACE", "IGNY8/dev")
	Emit(map[string]string{"OperationType": "clustering", "Outcome": "succeeded"},
		Metric{Operations, 1, Count}, Metric{CreditsSettled, 42, None})
	Emit(nil) // nothing to say: nothing written
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d lines: %q", len(lines), buf.String())
	}
	var rec struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		OperationType, Outcome string
		Operations             float64
		CreditsSettled         float64
	}
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatal(err)
	}
	d := rec.AWS.CloudWatchMetrics
	if rec.AWS.Timestamp != 1700000000123 || len(d) != 1 || d[0].Namespace != "IGNY8/dev" ||
		len(d[0].Dimensions) != 1 || strings.Join(d[0].Dimensions[0], ",") != "OperationType,Outcome" ||
		len(d[0].Metrics) != 2 || d[0].Metrics[0].Name != Operations || d[0].Metrics[0].Unit != "Count" ||
		rec.OperationType != "clustering" || rec.Outcome != "succeeded" || rec.Operations != 1 || rec.CreditsSettled != 42 {
		t.Fatalf("record %s", lines[0])
	}
}
