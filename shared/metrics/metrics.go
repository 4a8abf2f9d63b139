// Package metrics writes CloudWatch Embedded Metric Format records: one JSON
// object per line on standard output, which Lambda sends to CloudWatch Logs
// and CloudWatch turns into metrics, with no API call and no client. The
// names and dimensions are listed here once; the CDK dashboard reads them.
package metrics

import (
	"encoding/json"
	"io"
	"maps"
	"os"
	"slices"
	"sync"
	"time"
)

// Unit is a CloudWatch unit.
type Unit string

// Units used.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Seconds      Unit = "Seconds"
	None         Unit = "None"
)

// The metrics, by name.
const (
	Operations      = "Operations"           // dims OperationType, Outcome (succeeded | partially_succeeded | failed)
	CreditsReserved = "CreditsReserved"      // dims OperationType
	CreditsSettled  = "CreditsSettled"       // dims OperationType
	CreditsReleased = "CreditsReleased"      // dims OperationType
	ProviderLatency = "ProviderLatency"      // dims Provider, Class (ok or the error class)
	ProviderErrors  = "ProviderErrors"       // dims Provider, Class
	Publishes       = "Publishes"            // dims Outcome (published, failed, skipped, or error)
	PublishFailures = "PublishFailures"      // dims Class (why a publish failed: publishing.Result.Class)
	Runs            = "Runs"                 // dims Status (completed | cancelled | failed)
	RunDuration     = "RunDuration"          // dims Status
	RunInfraCost    = "RunInfraCostMicroUSD" // dims Status; the local stack only
)

// Names lists every metric (the dashboard's widgets cover each).
var Names = []string{Operations, CreditsReserved, CreditsSettled, CreditsReleased, ProviderLatency, ProviderErrors,
	Publishes, PublishFailures, Runs, RunDuration, RunInfraCost}

// PublishFailuresOurs are the failure classes that need the operator, not
// the site owner: every publisher of an item died (abandoned), the stored
// credentials cannot be unsealed (SECRETS_KEY changed), an image is gone
// from our store, a platform adapter lacks settings (misconfigured). The
// stack alarms on each.
var PublishFailuresOurs = []string{"abandoned", "credentials_unreadable", "image_unreadable", "misconfigured"}

// PublishFailuresNetwork are sites that could not be reached; a burst of
// them across sites points at our own network. The stack alarms on their
// sum. The other classes (a refused password, a site that is not
// WordPress, ...) are the site owner's: a notification tells them.
var PublishFailuresNetwork = []string{"unreachable", "transient"}

// DefaultNamespace is used when METRICS_NAMESPACE is unset (the local stack).
const DefaultNamespace = "IGNY8"

// Metric is one value.
type Metric struct {
	Name  string
	Value float64
	Unit  Unit
}

var (
	mu  sync.Mutex
	out io.Writer = os.Stdout
	now           = time.Now
)

// SetOutput sends records to w until restore is called (tests; the local
// stack, which has no CloudWatch, sends them to its log).
func SetOutput(w io.Writer) (restore func()) {
	mu.Lock()
	defer mu.Unlock()
	prev := out
	out = w
	return func() {
		mu.Lock()
		defer mu.Unlock()
		out = prev
	}
}

// Emit writes one record: the metrics, under one set of dimensions.
func Emit(dims map[string]string, ms ...Metric) {
	if len(ms) == 0 {
		return
	}
	ns := os.Getenv("METRICS_NAMESPACE")
	if ns == "" {
		ns = DefaultNamespace
	}
	rec := map[string]any{}
	for k, v := range dims {
		rec[k] = v
	}
	defs := make([]map[string]string, 0, len(ms))
	for _, m := range ms {
		rec[m.Name] = m.Value
		defs = append(defs, map[string]string{"Name": m.Name, "Unit": string(m.Unit)})
	}
	rec["_aws"] = map[string]any{
		"Timestamp": now().UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  ns,
			"Dimensions": [][]string{slices.Sorted(maps.Keys(dims))},
			"Metrics":    defs,
		}},
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return // only strings and numbers: cannot happen
	}
	mu.Lock()
	defer mu.Unlock()
	_, _ = out.Write(append(b, '\n'))
}
