// Package catalog lists the stack's Lambda functions and state machines: the
// one table that the local runtime and the CDK stack both read, so a
// function's folder, its ARN placeholder in the ASL files and its wiring
// cannot disagree. It imports nothing.
package catalog

// Function is one Lambda under functions/<Name>.
type Function struct {
	Name string // folder under functions/, and the function's name
	// ArnKey is its placeholder in infra/statemachines/*.asl.json
	// (DefinitionSubstitutions), "" when no state machine calls it.
	ArnKey string
	// Kind says how it is invoked: "api" (the HTTP API), "authorizer" (the
	// HTTP API's Lambda authorizer), "step" (by a state machine), "scheduled"
	// (by an EventBridge rule on Schedule) or "async" (invoked with
	// InvocationType Event by other functions; failures go to a queue) or
	// "execution-status" (by an EventBridge rule on the state machines'
	// executions that end FAILED, TIMED_OUT or ABORTED).
	Kind string
	// Schedule is the EventBridge schedule expression of a "scheduled"
	// function, e.g. "rate(1 minute)".
	Schedule string
	// NameEnv is the environment variable that gives the functions which
	// invoke this one its name (see Needs.Invokes).
	NameEnv string
	// TimeoutSeconds and MemoryMB size the Lambda (0: DefaultTimeoutSeconds,
	// DefaultMemoryMB). A step's timeout stays below the TimeoutSeconds of
	// every state that calls it, so Step Functions never gives up on an
	// attempt that is still running.
	TimeoutSeconds int
	MemoryMB       int
	// Needs is what the function calls in AWS; the stack grants that and
	// nothing more.
	Needs Needs
}

// Needs are the AWS calls a function makes beyond its own logs and traces,
// and the secrets it reads when it starts. infra/cdk checks the calls
// against those the code can reach.
type Needs struct {
	// Table lists the DynamoDB actions on the table and its indexes
	// ("GetItem", "Query", ...). TransactWriteItems is no action of its own:
	// its items need PutItem, UpdateItem, DeleteItem or ConditionCheckItem.
	Table []string
	// Starts lists the state machines (by Name) whose executions it starts;
	// such a function gets every StateMachine.ArnEnv (sfnstart.Cloud
	// reads them all).
	Starts []string
	// Tokens lists the state machines whose task tokens it sends back.
	Tokens []string
	// Invokes lists the functions (by Name) it invokes; each gets the
	// invoked function's NameEnv.
	Invokes []string
	// Blobs is its access to the image bucket (BLOB_BUCKET): "", BlobsRead,
	// BlobsWrite or BlobsReadWrite.
	Blobs string
	// Secrets lists the Parameter Store secrets it reads besides
	// CURSOR_SECRET, which every function needs (Function.Secrets). The
	// stack grants ssm:GetParameters on exactly those parameters and the
	// function asks for nothing else, so a step that never unseals a site's
	// credentials cannot read SECRETS_KEY, nor one that never calls a
	// provider its keys.
	Secrets []string
}

// Secrets of the functions (Needs.Secrets).
var (
	// sealing unseals site credentials (SECRETS_KEY): the API saves and
	// tests connections, publish-content publishes.
	sealing = []string{"SECRETS_KEY"}
	// providerKeys: the op-* steps that call providers read them; the API
	// and the automation scheduler need to know which are set, because
	// choosing a model skips a provider without a key (ops.ResolveModel)
	// and falls back to the offline one.
	providerKeys = []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "RUNWARE_API_KEY", "OPENAI_COMPATIBLE_API_KEY"}
)

// Secrets are the names of the Parameter Store secrets the function reads
// at start-up (under SECRETS_PARAMETER_PATH).
func (f Function) Secrets() []string { return plus([]string{"CURSOR_SECRET"}, f.Needs.Secrets...) }

// Image bucket access levels (Needs.Blobs).
const (
	BlobsRead      = "read"
	BlobsWrite     = "write"
	BlobsReadWrite = "read-write"
)

// Lookup is the function named name.
func Lookup(name string) (Function, bool) {
	for _, f := range Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Lambda sizes when a Function leaves them 0.
const (
	DefaultTimeoutSeconds = 30
	DefaultMemoryMB       = 256
)

// Timeout is the function's Lambda timeout in seconds.
func (f Function) Timeout() int {
	if f.TimeoutSeconds > 0 {
		return f.TimeoutSeconds
	}
	return DefaultTimeoutSeconds
}

// Memory is the function's Lambda memory in MB.
func (f Function) Memory() int {
	if f.MemoryMB > 0 {
		return f.MemoryMB
	}
	return DefaultMemoryMB
}

// The DynamoDB actions of the usual kinds of function (Needs.Table).
var (
	// ledgerStep reads and writes single items and transactions (Put,
	// Update); every op-* step does too, and then what its operation reads.
	ledgerStep = []string{"GetItem", "PutItem", "UpdateItem"}
	// opStep is an op-* step: it stages its results (BatchWriteItem) for
	// settle to commit.
	opStep = with("BatchWriteItem")
	// settleStep commits the staged results with the charge: any kind of
	// write, each chunk checking the charge's mark, read back with a Query.
	settleStep = with("ConditionCheckItem", "DeleteItem", "Query")
)

// with is ledgerStep and more.
func with(actions ...string) []string { return plus(ledgerStep, actions...) }

// plus is base and more, in a new slice.
func plus(base []string, actions ...string) []string {
	return append(append([]string{}, base...), actions...)
}

// Functions of the stack.
var Functions = []Function{
	{Name: "api", Kind: "api", MemoryMB: 512, Needs: Needs{
		Table:  []string{"BatchGetItem", "BatchWriteItem", "DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"},
		Starts: []string{"operation", "automation"}, Tokens: []string{"automation"}, Invokes: []string{"publish-content"},
		// Read: the image links it answers are presigned GETs of the bucket.
		Blobs: BlobsRead, Secrets: plus(sealing, providerKeys...)}},
	{Name: "api-authorizer", Kind: "authorizer", TimeoutSeconds: 10, Needs: Needs{Table: []string{"GetItem"}}},
	{Name: "credit-reserve", ArnKey: "CreditReserveFunctionArn", Kind: "step", Needs: Needs{Table: ledgerStep}},
	{Name: "credit-settle", ArnKey: "CreditSettleFunctionArn", Kind: "step", Needs: Needs{Table: settleStep}},
	{Name: "credit-release", ArnKey: "CreditReleaseFunctionArn", Kind: "step", Needs: Needs{Table: ledgerStep}},
	{Name: "credit-sweeper", Kind: "scheduled", Schedule: "rate(5 minutes)", TimeoutSeconds: 120,
		Needs: Needs{Table: []string{"GetItem", "Query", "UpdateItem"}}},
	{Name: "op-cluster-keywords", ArnKey: "ClusterKeywordsFunctionArn", Kind: "step", TimeoutSeconds: 840, MemoryMB: 512, Needs: Needs{Table: plus(opStep, "BatchGetItem"), Secrets: providerKeys}},
	{Name: "op-generate-ideas", ArnKey: "GenerateIdeasFunctionArn", Kind: "step", TimeoutSeconds: 840, MemoryMB: 512, Needs: Needs{Table: plus(opStep, "Query"), Secrets: providerKeys}},
	{Name: "op-create-tasks", ArnKey: "CreateTasksFunctionArn", Kind: "step", TimeoutSeconds: 240, Needs: Needs{Table: opStep}},
	{Name: "op-generate-content", ArnKey: "GenerateContentFunctionArn", Kind: "step", TimeoutSeconds: 840, MemoryMB: 512, Needs: Needs{Table: opStep, Secrets: providerKeys}},
	// Query: replacing prompts lists the content's images to supersede them.
	{Name: "op-generate-image-prompts", ArnKey: "GenerateImagePromptsFunctionArn", Kind: "step", TimeoutSeconds: 840, MemoryMB: 512, Needs: Needs{Table: plus(opStep, "Query"), Secrets: providerKeys}},
	{Name: "op-generate-images", ArnKey: "GenerateImagesFunctionArn", Kind: "step", TimeoutSeconds: 840, MemoryMB: 1024,
		Needs: Needs{Table: opStep, Blobs: BlobsWrite, Secrets: providerKeys}},
	// Review also schedules what it approves when the site auto-publishes
	// (a rescheduled item gives up its old slot item: DeleteItem).
	{Name: "op-review-content", ArnKey: "ReviewContentFunctionArn", Kind: "step", TimeoutSeconds: 300,
		Needs: Needs{Table: plus(opStep, "DeleteItem", "Query")}},
	// PutItem: it saves the stage's plan (the batches' item IDs).
	{Name: "automation-prepare-stage", ArnKey: "AutomationPrepareFunctionArn", Kind: "step",
		Needs: Needs{Table: []string{"GetItem", "PutItem", "Query", "UpdateItem"}}},
	// UpdateItem: a batch claims its items (and releases them when skipped);
	// Query: its hold's estimate reads a cluster's keywords.
	{Name: "automation-gate", ArnKey: "AutomationGateFunctionArn", Kind: "step", Needs: Needs{Table: []string{"BatchGetItem", "GetItem", "Query", "UpdateItem"}}},
	{Name: "automation-park", ArnKey: "AutomationParkFunctionArn", Kind: "step",
		Needs: Needs{Table: []string{"GetItem", "UpdateItem"}, Tokens: []string{"automation"}}},
	{Name: "automation-finish-stage", ArnKey: "AutomationFinishStageFunctionArn", Kind: "step", Needs: Needs{Table: []string{"GetItem", "UpdateItem"}}},
	{Name: "automation-finish-run", ArnKey: "AutomationFinishRunFunctionArn", Kind: "step",
		Needs: Needs{Table: []string{"DeleteItem", "GetItem", "PutItem", "UpdateItem"}}},
	{Name: "automation-scheduler", Kind: "scheduled", Schedule: "rate(1 minute)", TimeoutSeconds: 60, Needs: Needs{
		Table:  []string{"DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"},
		Starts: []string{"automation"}, Secrets: providerKeys}},
	{Name: "publish-scheduler", Kind: "scheduled", Schedule: "rate(1 minute)", TimeoutSeconds: 60, Needs: Needs{
		Table: []string{"GetItem", "Query", "UpdateItem"}, Invokes: []string{"publish-content"}}},
	// publish-content's timeout bounds its retries with backoff and stays
	// well under publishing.DefaultLease (15 minutes), so no claim is taken
	// over while its publisher still runs.
	// Ends what a dead execution left: releases its holds (Query, the
	// account's holds), fails the operation or run (frees the lock: Delete).
	{Name: "execution-cleanup", Kind: "execution-status", TimeoutSeconds: 60, Needs: Needs{
		Table: []string{"DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"}}},
	{Name: "publish-content", Kind: "async", NameEnv: "PUBLISH_FUNCTION_NAME", TimeoutSeconds: 300, Needs: Needs{
		Table: []string{"DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"}, Blobs: BlobsRead, Secrets: sealing}},
}

// StateMachine is one definition under infra/statemachines.
type StateMachine struct {
	Name string // file infra/statemachines/<Name>.asl.json
	// ArnEnv is the environment variable that gives the API its ARN.
	ArnEnv string
}

// StateMachines of the stack.
var StateMachines = []StateMachine{
	{Name: "operation", ArnEnv: "OPERATION_STATE_MACHINE_ARN"},
	{Name: "automation", ArnEnv: "AUTOMATION_STATE_MACHINE_ARN"},
}

// LocalArn is the ARN a function has in the local runtime.
func LocalArn(name string) string { return "arn:aws:lambda:local:000000000000:function:" + name }

// Substitutions are the DefinitionSubstitutions for the local runtime.
func Substitutions() map[string]string {
	out := map[string]string{}
	for _, f := range Functions {
		if f.ArnKey != "" {
			out[f.ArnKey] = LocalArn(f.Name)
		}
	}
	return out
}

// PublicRoutes are the HTTP API's paths that answer GET without the
// authorizer (and without an API key); every other path is behind it. The
// CDK stack routes them so, and the local stack's in-process gateway skips
// its authorizer for them the same way.
var PublicRoutes = []string{"/v1/health", "/v1/openapi.json"}
