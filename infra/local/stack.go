package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/igny8/igny8-serverless/infra/local/sfn"
	"github.com/igny8/igny8-serverless/infra/statemachines"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

// Stack is the cloud stack played in one process: the state machines run on
// the local ASL runtime, which invokes the same step handlers the Lambdas
// wrap; the API starts executions on it.
type Stack struct {
	Deps      config.Deps
	Runtime   *sfn.Runtime
	Machines  map[string]*sfn.Machine
	Functions map[string]stepfn.Func
	API       http.Handler
}

// Functions are the step handlers by function name, exactly as each
// functions/<name>/main.go wires them.
func Functions(d config.Deps) map[string]stepfn.Func {
	run, credits := d.Runner(), d.Credits()
	return map[string]stepfn.Func{
		"credit-reserve":            stepfn.JSON(credits.Reserve),
		"credit-settle":             stepfn.JSON(credits.Settle),
		"credit-release":            stepfn.JSON(credits.Fail),
		"op-cluster-keywords":       stepfn.JSON(run.Handler(domain.OperationClustering)),
		"op-generate-ideas":         stepfn.JSON(run.Handler(domain.OperationIdeaGeneration)),
		"op-create-tasks":           stepfn.JSON(run.Handler(domain.OperationCreateTasks)),
		"op-generate-content":       stepfn.JSON(run.Handler(domain.OperationContentGeneration)),
		"op-generate-image-prompts": stepfn.JSON(run.Handler(domain.OperationImagePrompts)),
		"op-generate-images":        stepfn.JSON(run.Handler(domain.OperationImageGeneration)),
	}
}

// NewStack loads every state machine and wires the API to them.
func NewStack(d config.Deps, opts ...sfn.Option) (*Stack, error) {
	s := &Stack{Deps: d, Machines: map[string]*sfn.Machine{}, Functions: Functions(d)}
	s.Runtime = sfn.NewRuntime(sfn.InvokerFunc(s.invoke), append([]sfn.Option{sfn.WithLogger(d.Log)}, opts...)...)
	for _, sm := range catalog.StateMachines {
		def, err := statemachines.Definition(sm.Name)
		if err != nil {
			return nil, err
		}
		m, err := sfn.Parse(def, catalog.Substitutions())
		if err != nil {
			return nil, fmt.Errorf("state machine %s: %w", sm.Name, err)
		}
		s.Machines[sm.Name] = m.WithName(sm.Name)
	}
	s.API = d.API(s.Starter("operation"))
	return s, nil
}

// invoke plays Lambda: the resource ARN names the function.
func (s *Stack) invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	name := resource[strings.LastIndex(resource, ":")+1:]
	fn, ok := s.Functions[name]
	if !ok || resource != catalog.LocalArn(name) {
		return nil, &stepfn.NamedError{Name: "Lambda.ResourceNotFoundException", Cause: "no local function for " + resource}
	}
	return fn(ctx, input)
}

// starter starts executions of one machine on the local runtime.
type starter struct {
	rt *sfn.Runtime
	m  *sfn.Machine
}

func (st starter) Start(ctx context.Context, name string, input []byte) (string, error) {
	// Executions outlive the request that started them.
	ex, err := st.rt.Start(context.WithoutCancel(ctx), st.m, name, input)
	if errors.Is(err, sfn.ErrExecutionAlreadyExists) {
		return ex.ExecutionArn, nil
	}
	return ex.ExecutionArn, err
}

// Starter starts executions of the named state machine.
func (s *Stack) Starter(machine string) starter {
	return starter{rt: s.Runtime, m: s.Machines[machine]}
}

// Tick runs the scheduled functions the cloud's EventBridge rules run, every
// period, until ctx ends.
func (s *Stack) Tick(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Deps.SweepHolds(ctx); err != nil && ctx.Err() == nil {
				s.Deps.Log.Error("sweep holds", "error", err.Error())
			}
		}
	}
}
