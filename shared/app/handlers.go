package app

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/igny8/igny8-serverless/shared/apigw"
	"github.com/igny8/igny8-serverless/shared/authorizer"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/logctx"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

// Handler is one function's entry point.
type Handler struct {
	Lambda any         // what lambda.Start runs
	Step   stepfn.Func // the same step for the local runtime; nil unless a state machine calls the function
}

// handlers builds each function's handler, by its catalog name. Each
// builder is named after its function in camel case (credit-reserve:
// creditReserve): the CDK's permission scan (infra/cdk/callscan) keeps, in
// a Lambda, only its own builder out of this table.
func handlers() map[string]func(*App) (Handler, error) {
	return map[string]func(*App) (Handler, error){
		"api":                       api,
		"api-authorizer":            apiAuthorizer,
		"credit-reserve":            creditReserve,
		"credit-settle":             creditSettle,
		"credit-release":            creditRelease,
		"credit-sweeper":            creditSweeper,
		"op-cluster-keywords":       opClusterKeywords,
		"op-generate-ideas":         opGenerateIdeas,
		"op-create-tasks":           opCreateTasks,
		"op-generate-content":       opGenerateContent,
		"op-generate-image-prompts": opGenerateImagePrompts,
		"op-generate-images":        opGenerateImages,
		"op-review-content":         opReviewContent,
		"automation-prepare-stage":  automationPrepareStage,
		"automation-gate":           automationGate,
		"automation-park":           automationPark,
		"automation-finish-stage":   automationFinishStage,
		"automation-finish-run":     automationFinishRun,
		"automation-scheduler":      automationScheduler,
		"publish-scheduler":         publishScheduler,
		"publish-content":           publishContent,
		"execution-cleanup":         executionCleanup,
	}
}

// Start runs the named function as a Lambda: it loads the App with opts,
// builds the function's handler and hands it to the Lambda runtime. A
// failure to start is fatal (the Lambda's init fails).
func Start(name string, opts ...Option) {
	a, err := Load(context.Background(), name, opts...)
	if err != nil {
		log.Fatal(err)
	}
	h, err := a.Handler(name)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(withRequestID{lambda.NewHandler(h.Lambda)})
}

// withRequestID puts the invocation's Lambda request ID in the context, so
// every line the function logs with it names the invocation (shared/logctx;
// the API's own request ID, put in later, wins for its requests).
type withRequestID struct{ next lambda.Handler }

func (w withRequestID) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		ctx = logctx.With(ctx, logctx.IDs("request_id", lc.AwsRequestID)...)
	}
	return w.next.Invoke(ctx, payload)
}

// Handler builds the named function's handler.
func (a *App) Handler(name string) (Handler, error) {
	build, ok := handlers()[name]
	if !ok {
		return Handler{}, fmt.Errorf("no function %q", name)
	}
	h, err := build(a)
	if err != nil {
		return Handler{}, fmt.Errorf("function %s: %w", name, err)
	}
	return h, nil
}

// Steps are the handlers of the functions the state machines call, by
// name, as the local runtime invokes them.
func (a *App) Steps() (map[string]stepfn.Func, error) {
	out := map[string]stepfn.Func{}
	for _, f := range catalog.Functions {
		if f.Kind != "step" {
			continue
		}
		h, err := a.Handler(f.Name)
		if err != nil {
			return nil, err
		}
		out[f.Name] = h.Step
	}
	return out, nil
}

// step is a state machine step: typed for Lambda, JSON for the local runtime.
func step[In, Out any](h func(context.Context, In) (Out, error)) (Handler, error) {
	return Handler{Lambda: stepfn.Lambda(h), Step: stepfn.JSON(h)}, nil
}

// wired fails when the App lacks an adapter the function calls.
func wired(adapters ...any) error {
	for _, x := range adapters {
		if x == nil {
			return ErrNotWired
		}
	}
	return nil
}

func api(a *App) (Handler, error) {
	if err := wired(a.Operations, a.Runs, a.Tokens, a.Invoker); err != nil {
		return Handler{}, err
	}
	return Handler{Lambda: apigw.Handler(a.API(a.Automation(), a.Publishing()))}, nil
}

func apiAuthorizer(a *App) (Handler, error) {
	return Handler{Lambda: authorizer.Authorizer{Keys: a.Store, Log: a.Log}.Handle}, nil
}

func creditReserve(a *App) (Handler, error) { return step(a.Credits().Reserve) }
func creditSettle(a *App) (Handler, error)  { return step(a.Credits().Settle) }
func creditRelease(a *App) (Handler, error) { return step(a.Credits().Fail) }

func creditSweeper(a *App) (Handler, error) { return Handler{Lambda: a.Sweeper().Sweep}, nil }

func executionCleanup(a *App) (Handler, error) { return Handler{Lambda: a.Cleaner().Handle}, nil }

// operation is an op-* step: the function name runs operations of type t.
// Its step lease is its Lambda timeout, so an attempt the Lambda killed
// (Sandbox.Timedout) leaves a lease the retry takes over at once.
func (a *App) operation(name string, t domain.OperationType) (Handler, error) {
	r := a.Runner()
	if f, ok := catalog.Lookup(name); ok {
		r.Lease = time.Duration(f.Timeout()) * time.Second
	}
	return step(r.Handler(t))
}

func opClusterKeywords(a *App) (Handler, error) {
	return a.operation("op-cluster-keywords", domain.OperationClustering)
}
func opGenerateIdeas(a *App) (Handler, error) {
	return a.operation("op-generate-ideas", domain.OperationIdeaGeneration)
}
func opCreateTasks(a *App) (Handler, error) {
	return a.operation("op-create-tasks", domain.OperationCreateTasks)
}
func opGenerateContent(a *App) (Handler, error) {
	return a.operation("op-generate-content", domain.OperationContentGeneration)
}
func opGenerateImagePrompts(a *App) (Handler, error) {
	return a.operation("op-generate-image-prompts", domain.OperationImagePrompts)
}
func opGenerateImages(a *App) (Handler, error) {
	return a.operation("op-generate-images", domain.OperationImageGeneration)
}
func opReviewContent(a *App) (Handler, error) {
	return a.operation("op-review-content", domain.OperationReview)
}

func automationPrepareStage(a *App) (Handler, error) { return step(a.AutomationSteps().Prepare) }
func automationGate(a *App) (Handler, error)         { return step(a.AutomationSteps().Gate) }
func automationFinishStage(a *App) (Handler, error)  { return step(a.AutomationSteps().FinishStage) }
func automationFinishRun(a *App) (Handler, error)    { return step(a.AutomationSteps().FinishRun) }

func automationPark(a *App) (Handler, error) {
	if err := wired(a.Tokens); err != nil {
		return Handler{}, err
	}
	return step(a.AutomationSteps().Park)
}

func automationScheduler(a *App) (Handler, error) {
	if err := wired(a.Operations, a.Runs, a.Tokens); err != nil {
		return Handler{}, err
	}
	svc := a.Automation()
	return Handler{Lambda: func(ctx context.Context) (any, error) { return svc.StartDue(ctx, time.Now().UTC()) }}, nil
}

func publishScheduler(a *App) (Handler, error) {
	if err := wired(a.Invoker); err != nil {
		return Handler{}, err
	}
	svc := a.Publishing()
	return Handler{Lambda: func(ctx context.Context) (publishing.TickResult, error) { return svc.Tick(ctx, time.Now().UTC()) }}, nil
}

func publishContent(a *App) (Handler, error) { return Handler{Lambda: a.Publishing().Publish}, nil }
