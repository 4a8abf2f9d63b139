package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/logctx"
)

// Every catalog function has a builder named after it, which the CDK's
// permission scan relies on (infra/cdk/callscan keeps a Lambda's own
// builder by that name), and nothing else is in the table.
func TestEveryFunctionHasItsBuilder(t *testing.T) {
	table := handlers()
	for _, f := range catalog.Functions {
		build, ok := table[f.Name]
		if !ok {
			t.Errorf("%s: no handler", f.Name)
			continue
		}
		got := runtime.FuncForPC(reflect.ValueOf(build).Pointer()).Name()
		if want := "github.com/igny8/igny8-serverless/shared/app." + camel(f.Name); got != want {
			t.Errorf("%s is built by %s, want %s", f.Name, got, want)
		}
	}
	if len(table) != len(catalog.Functions) {
		t.Errorf("%d handlers for %d catalog functions", len(table), len(catalog.Functions))
	}
}

func camel(name string) string {
	parts := strings.Split(name, "-")
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}

// A function whose main leaves out an adapter it calls fails to start
// instead of failing its first request; the steps build on a bare App.
func TestHandlersNeedTheirAdapters(t *testing.T) {
	a := &App{}
	for _, name := range []string{"api", "automation-park", "automation-scheduler", "publish-scheduler"} {
		if _, err := a.Handler(name); !errors.Is(err, ErrNotWired) {
			t.Errorf("%s without its adapters: %v", name, err)
		}
	}
	if _, err := a.Handler("no-such-function"); err == nil {
		t.Error("an unknown function has a handler")
	}
	a.Tokens = tokensFunc(nil)
	steps, err := a.Steps()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range catalog.Functions {
		if (f.Kind == "step") != (steps[f.Name] != nil) {
			t.Errorf("%s (%s): step handler %v", f.Name, f.Kind, steps[f.Name] != nil)
		}
	}
}

type tokensFunc func(ctx context.Context, token string, output []byte) error

func (f tokensFunc) SendTaskSuccess(ctx context.Context, token string, output []byte) error {
	return f(ctx, token, output)
}

// Every function's invocation names its Lambda request ID on every line it
// logs with its context, whatever the function's kind.
func TestEveryInvocationLogsItsRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(logctx.Handler{Handler: slog.NewJSONHandler(&buf, nil)})
	h := withRequestID{lambda.NewHandler(func(ctx context.Context) (string, error) {
		log.InfoContext(ctx, "scheduled tick")
		return "ok", nil
	})}
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-7"})
	out, err := h.Invoke(ctx, []byte(`{}`))
	if err != nil || string(out) != `"ok"` {
		t.Fatalf("%s %v", out, err)
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["request_id"] != "req-7" {
		t.Fatalf("log line %s (%v)", buf.String(), err)
	}
}
