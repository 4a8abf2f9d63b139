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
	// Kind says how it is invoked: "api", "step" (by a state machine) or
	// "scheduled" (by an EventBridge rule).
	Kind string
}

// Functions of the stack.
var Functions = []Function{
	{Name: "api", Kind: "api"},
	{Name: "credit-reserve", ArnKey: "CreditReserveFunctionArn", Kind: "step"},
	{Name: "credit-settle", ArnKey: "CreditSettleFunctionArn", Kind: "step"},
	{Name: "credit-release", ArnKey: "CreditReleaseFunctionArn", Kind: "step"},
	{Name: "credit-sweeper", Kind: "scheduled"},
	{Name: "op-cluster-keywords", ArnKey: "ClusterKeywordsFunctionArn", Kind: "step"},
	{Name: "op-generate-ideas", ArnKey: "GenerateIdeasFunctionArn", Kind: "step"},
	{Name: "op-create-tasks", ArnKey: "CreateTasksFunctionArn", Kind: "step"},
	{Name: "op-generate-content", ArnKey: "GenerateContentFunctionArn", Kind: "step"},
	{Name: "op-generate-image-prompts", ArnKey: "GenerateImagePromptsFunctionArn", Kind: "step"},
	{Name: "op-generate-images", ArnKey: "GenerateImagesFunctionArn", Kind: "step"},
	{Name: "op-review-content", ArnKey: "ReviewContentFunctionArn", Kind: "step"},
	{Name: "automation-prepare-stage", ArnKey: "AutomationPrepareFunctionArn", Kind: "step"},
	{Name: "automation-gate", ArnKey: "AutomationGateFunctionArn", Kind: "step"},
	{Name: "automation-park", ArnKey: "AutomationParkFunctionArn", Kind: "step"},
	{Name: "automation-finish-stage", ArnKey: "AutomationFinishStageFunctionArn", Kind: "step"},
	{Name: "automation-finish-run", ArnKey: "AutomationFinishRunFunctionArn", Kind: "step"},
	{Name: "automation-scheduler", Kind: "scheduled"},
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
