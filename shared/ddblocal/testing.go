package ddblocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/igny8/igny8-serverless/shared/ddb"
	"github.com/igny8/igny8-serverless/shared/tabledef"
)

var (
	shared     *Server
	sharedOnce sync.Once
	sharedErr  error
)

// Endpoint returns the DynamoDB Local endpoint tests use: $DYNAMODB_ENDPOINT
// (make test starts one for all packages) or one started for this test binary.
// It never skips: a test that needs DynamoDB and cannot get it fails.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	if ep := os.Getenv("DYNAMODB_ENDPOINT"); ep != "" {
		return ep
	}
	sharedOnce.Do(func() {
		shared, sharedErr = Start(context.Background(), Options{})
	})
	if sharedErr != nil {
		tb.Fatalf("DynamoDB Local is required for this integration test and did not start: %v", sharedErr)
	}
	return shared.Endpoint
}

// StopShared stops a server Endpoint started; call it from TestMain.
func StopShared() {
	if shared != nil {
		shared.Stop()
	}
}

// Run is a TestMain helper: it runs the tests and stops the shared server.
func Run(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// NewTable creates a fresh table with a unique name on DynamoDB Local, so
// tests sharing one Local never see each other's items.
func NewTable(tb testing.TB) (*dynamodb.Client, string) {
	tb.Helper()
	ctx := context.Background()
	c, err := ddb.NewClient(ctx, Endpoint(tb))
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("t_%s", hex.EncodeToString(b))
	if err := ddb.CreateTable(ctx, c, name, tabledef.Definition); err != nil {
		tb.Fatal(err)
	}
	return c, name
}
