package wplocal

import (
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"
)

var (
	shared     *Server
	sharedDir  string
	sharedOnce sync.Once
	sharedErr  error
)

// Shared returns the WordPress this test binary shares between its tests,
// starting it on first use. It never skips: a test that needs WordPress and
// cannot get it fails, naming scripts/fetch-wordpress.sh. Set WPLOCAL_LOG=1
// to see mariadbd's and php's output on stderr.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "wplocal-")
		if sharedErr != nil {
			return
		}
		var log io.Writer
		if os.Getenv("WPLOCAL_LOG") != "" {
			log = os.Stderr
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared, sharedErr = Start(ctx, Options{Dir: sharedDir, Log: log})
	})
	if sharedErr != nil {
		tb.Fatalf("WordPress is required for this integration test and did not start: %v", sharedErr)
	}
	return shared
}

// StopShared stops the server Shared started and removes its folder; call
// it from TestMain.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
	if sharedDir != "" {
		_ = os.RemoveAll(sharedDir)
	}
}

// Run is a TestMain helper: it runs the tests and stops the shared server.
func Run(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}
