package publishing

import (
	"testing"

	"github.com/igny8/igny8-serverless/shared/metrics"
	"github.com/igny8/igny8-serverless/shared/platform"
)

// The classes the stack alarms on are classes a failed publish can have.
func TestAlarmedClassesExist(t *testing.T) {
	known := map[string]bool{ClassNotConnected: true, ClassCredentialsUnreadable: true, ClassAbandoned: true, ClassImageUnreadable: true}
	for _, k := range []platform.Kind{platform.Unreachable, platform.Transient, platform.RateLimited, platform.Unauthorized,
		platform.Forbidden, platform.NotPlatform, platform.Permanent, platform.Misconfigured, platform.TargetNotAllowed} {
		known[string(k)] = true
	}
	for _, c := range append(append([]string{}, metrics.PublishFailuresOurs...), metrics.PublishFailuresNetwork...) {
		if !known[c] {
			t.Errorf("the stack alarms on publish failures of class %q, which no publish has", c)
		}
	}
}
