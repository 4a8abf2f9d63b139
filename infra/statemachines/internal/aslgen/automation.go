// Package aslgen builds the generated state machine definitions under
// infra/statemachines from the Go tables they describe: the automation
// machine's stages from domain.Stages and its Lambda placeholders from
// catalog.Functions, so a stage added or a function renamed cannot leave
// the ASL behind. `go generate ./infra/statemachines` writes the files; a
// test there fails when the committed files differ.
package aslgen

import (
	"fmt"

	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/domain"
)

// Files are the generated definitions by file name.
func Files() (map[string][]byte, error) {
	b, err := Automation()
	if err != nil {
		return nil, err
	}
	o, err := Operation()
	if err != nil {
		return nil, err
	}
	return map[string][]byte{"automation.asl.json": b, "operation.asl.json": o}, nil
}

// stageFunction is the function (catalog.Function.Name) that runs each
// operation's batches.
var stageFunction = map[domain.OperationType]string{
	domain.OperationClustering:        "op-cluster-keywords",
	domain.OperationIdeaGeneration:    "op-generate-ideas",
	domain.OperationCreateTasks:       "op-create-tasks",
	domain.OperationContentGeneration: "op-generate-content",
	domain.OperationImagePrompts:      "op-generate-image-prompts",
	domain.OperationImageGeneration:   "op-generate-images",
	domain.OperationReview:            "op-review-content",
}

// lambdaErrors are the Lambda service's own failures of an invocation,
// which AWS recommends every Lambda task retry.
var lambdaErrors = []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"}

// Retries of the steps that only touch the table, and of the operations
// (which call a provider). Every Lambda task retries the Lambda service's
// errors first. A step killed at its Lambda timeout fails with
// Sandbox.Timedout and is retried: its step lease ends with the Lambda
// timeout, so the retry takes it over. States.Timeout stays for an
// invocation the service lost.
var (
	lambdaRetry = retrier{ErrorEquals: lambdaErrors, IntervalSeconds: 1, MaxAttempts: 6, BackoffRate: "2.0", MaxDelaySeconds: 30, JitterStrategy: "FULL"}
	infraRetry  = []retrier{lambdaRetry, {ErrorEquals: []string{"Internal", "Item.Conflict", "Step.InProgress", "Sandbox.Timedout", "States.Timeout"},
		IntervalSeconds: 1, MaxAttempts: 4, BackoffRate: "2.0", MaxDelaySeconds: 20, JitterStrategy: "FULL"}}
	providerRetry = []retrier{
		lambdaRetry,
		{ErrorEquals: []string{"Provider.RateLimited"}, IntervalSeconds: 5, MaxAttempts: 5, BackoffRate: "2.0", MaxDelaySeconds: 60, JitterStrategy: "FULL"},
		{ErrorEquals: []string{"Provider.Malformed"}, IntervalSeconds: 2, MaxAttempts: 1, BackoffRate: "2.0", JitterStrategy: "FULL"},
		{ErrorEquals: []string{"Provider.Transient", "Step.InProgress", "Item.Conflict", "Internal", "Sandbox.Timedout", "States.Timeout"},
			IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: "2.0", MaxDelaySeconds: 30, JitterStrategy: "FULL"},
	}
)

// A run, and a paused batch, may wait 30 days.
const runTimeout = 2592000

// timeoutMargin is how much longer a Task state waits than its function's
// Lambda timeout: the Lambda's own timeout (Sandbox.Timedout, retried)
// fires first, and States.Timeout only when an invocation is lost.
const timeoutMargin = 30

// timeout is the TimeoutSeconds of a Task state that calls function name.
func timeout(name string) int {
	f, _ := catalog.Lookup(name)
	return f.Timeout() + timeoutMargin
}

func catchAll(next string) []catcher {
	return []catcher{{ErrorEquals: []string{"States.ALL"}, ResultPath: "$.error", Next: next}}
}

// arn is the DefinitionSubstitutions placeholder of the function name.
func arn(name string) (string, error) {
	for _, f := range catalog.Functions {
		if f.Name == name && f.ArnKey != "" {
			return "${" + f.ArnKey + "}", nil
		}
	}
	return "", fmt.Errorf("aslgen: catalog has no state machine function %q", name)
}

// arns resolves every function the machine calls at once, so the builders
// below need not check each.
func arns(names ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range names {
		a, err := arn(n)
		if err != nil {
			return nil, err
		}
		out[n] = a
	}
	return out, nil
}

// Automation is automation.asl.json: the stages in order, each a
// Distributed Map over batch numbers (the IDs stay in the table) whose
// child executions run gate → reserve → operation →
// settle (the same credit steps as manual operations; free stages skip the
// hold).
func Automation() ([]byte, error) {
	names := []string{"automation-prepare-stage", "automation-gate", "automation-park", "automation-finish-stage",
		"automation-finish-run", "credit-reserve", "credit-settle", "credit-release"}
	for _, st := range domain.Stages {
		fn, ok := stageFunction[st.Operation]
		if !ok {
			return nil, fmt.Errorf("aslgen: no function runs stage %d's operation %s", st.N, st.Operation)
		}
		names = append(names, fn)
	}
	fns, err := arns(names...)
	if err != nil {
		return nil, err
	}
	yes := true
	var states obj
	add := func(name string, s any) { states = append(states, field{name, s}) }
	for i, st := range domain.Stages {
		k := fmt.Sprintf("Stage%d", st.N)
		next := "Completed"
		if i+1 < len(domain.Stages) {
			next = fmt.Sprintf("Stage%d", domain.Stages[i+1].N)
		}
		add(k, task{Type: "Task", Resource: fns["automation-prepare-stage"], Parameters: obj{{"run.$", "$.run"}, {"stage", st.N}},
			ResultPath: path("$.prepared"), TimeoutSeconds: timeout("automation-prepare-stage"), Retry: infraRetry, Catch: catchAll("RunFailed"), Next: k + "HasWork"})
		add(k+"HasWork", choice{Type: "Choice", Choices: []choiceRule{{Variable: "$.prepared.skip", BooleanEquals: &yes, Next: k + "Done"}},
			Default: k + "Batches"})
		add(k+"Batches", mapState{Type: "Map", ItemsPath: "$.prepared.batches", MaxConcurrencyPath: "$.concurrency", Label: k,
			ItemSelector:  obj{{"run.$", "$.run"}, {"stage", st.N}, {"index.$", "$$.Map.Item.Value"}},
			ItemProcessor: batch(st, fns), Catch: catchAll("RunFailed"), Next: k + "Done"})
		add(k+"Done", task{Type: "Task", Resource: fns["automation-finish-stage"], Parameters: obj{{"run.$", "$.run"}, {"stage", st.N}},
			ResultPath: path("$.stage_done"), TimeoutSeconds: timeout("automation-finish-stage"), Retry: infraRetry, Catch: catchAll("RunFailed"), Next: k + "Next"})
		add(k+"Next", choice{Type: "Choice", Choices: []choiceRule{{Variable: "$.stage_done.cancelled", BooleanEquals: &yes, Next: "Cancelled"}},
			Default: next})
	}
	finish := func(status obj, next string) task {
		return task{Type: "Task", Resource: fns["automation-finish-run"], Parameters: append(obj{{"run.$", "$.run"}}, status...),
			ResultPath: path("$.finished"), TimeoutSeconds: timeout("automation-finish-run"), Retry: infraRetry, Next: next}
	}
	add("Completed", finish(obj{{"status", "completed"}}, "Done"))
	add("Cancelled", finish(obj{{"status", "cancelled"}}, "Done"))
	add("Done", succeed{Type: "Succeed"})
	add("RunFailed", finish(obj{{"status", "failed"}, {"error.$", "$.error"}}, "Failed"))
	add("Failed", fail{Type: "Fail", Error: "Automation.Failed", Cause: "The run failed; its record says why."})
	return encode(machine{
		Comment: fmt.Sprintf("One automation run: stages 1-%d in order, each a Distributed Map over batch numbers (their item IDs stay in the table). "+
			"Generated from domain.Stages by `go generate ./infra/statemachines`: do not edit.", len(domain.Stages)),
		StartAt: "Stage1", TimeoutSeconds: runTimeout, States: states})
}

// batchOutput is what a batch answers: its number. A Distributed Map gathers
// every child's output into one array, which must stay under 256 KiB.
const batchOutput = "$.index"

// batch is the Map iteration of one stage's batch: a child execution of a
// Distributed Map (STANDARD, so a paused batch can wait for its task token),
// so each batch writes its own history and no run, however many batches it
// has, nears the 25,000-event limit of one execution. State names are unique
// across the whole machine, Map iterations included: each is prefixed S<n>.
func batch(st domain.Stage, fns map[string]string) processor {
	p := fmt.Sprintf("S%d", st.N)
	var states obj
	add := func(name string, s any) { states = append(states, field{p + name, s}) }
	charged := st.Charged()
	afterGate, runFailed, settleFailed := "Run", "RecordFailure", "RecordFailure"
	settle := obj{{"job.$", "$.gate.job"}, {"result.$", "$.result"}}
	if charged {
		afterGate, runFailed, settleFailed = "Reserve", "Release", "Release"
		settle = obj{{"job.$", "$.gate.job"}, {"hold.$", "$.hold"}, {"result.$", "$.result"}}
	}
	add("Gate", task{Type: "Task", Comment: "The batch boundary: pause and cancel take effect here.", Resource: fns["automation-gate"],
		Parameters: obj{{"run.$", "$.run"}, {"stage.$", "$.stage"}, {"index.$", "$.index"}},
		ResultPath: path("$.gate"), TimeoutSeconds: timeout("automation-gate"), Retry: infraRetry, Next: p + "GateChoice"})
	zero := 0
	add("GateChoice", choice{Type: "Choice", Choices: []choiceRule{
		{Variable: "$.gate.action", StringEquals: "wait", Next: p + "Park"},
		{Variable: "$.gate.action", StringEquals: "skip", Next: p + "Skipped"},
		// Pacing costs a state transition only when there is a delay.
		{Variable: "$.gate.delay", NumericGreaterThan: &zero, Next: p + "Pace"}},
		Default: p + afterGate})
	add("Pace", wait{Type: "Wait", Comment: "The delay between batches, before this one's work.", SecondsPath: "$.gate.delay", Next: p + afterGate})
	add("Park", task{Type: "Task", Comment: "Paused: wait until resume (or cancel) sends the token back, then look again.",
		Resource:       "arn:aws:states:::lambda:invoke.waitForTaskToken",
		Parameters:     obj{{"FunctionName", fns["automation-park"]}, {"Payload", obj{{"run.$", "$.run"}, {"token.$", "$$.Task.Token"}}}},
		TimeoutSeconds: runTimeout, Retry: infraRetry, Next: p + "Gate"})
	add("Skipped", succeed{Type: "Succeed", OutputPath: batchOutput})
	add("Run", task{Type: "Task", Resource: fns[stageFunction[st.Operation]], Parameters: obj{{"job.$", "$.gate.job"}},
		ResultPath: path("$.result"), TimeoutSeconds: timeout(stageFunction[st.Operation]), Retry: providerRetry, Catch: catchAll(p + runFailed), Next: p + "Settle"})
	add("Settle", task{Type: "Task", Resource: fns["credit-settle"], Parameters: settle,
		ResultPath: path("$.settled"), OutputPath: batchOutput, TimeoutSeconds: timeout("credit-settle"), Retry: infraRetry, Catch: catchAll(p + settleFailed), End: true})
	add("RecordFailure", task{Type: "Task", Comment: "Record the batch's items failed; the run goes on.", Resource: fns["credit-release"],
		Parameters: obj{{"job.$", "$.gate.job"}, {"error.$", "$.error"}}, OutputPath: batchOutput, TimeoutSeconds: timeout("credit-release"), Retry: infraRetry, End: true})
	if charged {
		add("Reserve", task{Type: "Task", Resource: fns["credit-reserve"], Parameters: obj{{"job.$", "$.gate.job"}},
			ResultPath: path("$.hold"), TimeoutSeconds: timeout("credit-reserve"), Retry: infraRetry, Catch: catchAll(p + "RecordFailure"), Next: p + "Held"})
		held, refused := refusal(p+"Refused", p+"RecordFailure", p+"Run")
		add("Held", held)
		add("Refused", refused)
		add("Release", task{Type: "Task", Comment: "Release the hold and record the batch's items failed; the run goes on.", Resource: fns["credit-release"],
			Parameters: obj{{"job.$", "$.gate.job"}, {"hold.$", "$.hold"}, {"error.$", "$.error"}}, OutputPath: batchOutput, TimeoutSeconds: timeout("credit-release"), Retry: infraRetry, End: true})
	}
	pr := processor{StartAt: p + "Gate", States: states}
	pr.ProcessorConfig.Mode, pr.ProcessorConfig.ExecutionType = "DISTRIBUTED", "STANDARD"
	return pr
}
