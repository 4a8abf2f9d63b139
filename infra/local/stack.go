package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/igny8/igny8-serverless/infra/local/sfn"
	"github.com/igny8/igny8-serverless/infra/statemachines"
	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/config"
	"github.com/igny8/igny8-serverless/shared/domain"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

// Stack is the cloud stack played in one process: the state machines run on
// the local ASL runtime, which invokes the same step handlers the Lambdas
// wrap; the API starts executions on it.
type Stack struct {
	Deps       config.Deps
	Runtime    *sfn.Runtime
	Machines   map[string]*sfn.Machine
	Functions  map[string]stepfn.Func
	Automation *automation.Service
	// Publishing is the publishing service; its jobs run in process, one
	// after another in the order handed over, as the publish Lambda would.
	Publishing *publishing.Service
	API        http.Handler
	publisher  *Publisher
}

// Functions are the step handlers by function name, exactly as each
// functions/<name>/main.go wires them.
func Functions(d config.Deps, tokens automation.Tokens) map[string]stepfn.Func {
	run, credits, steps := d.Runner(), d.Credits(), d.AutomationSteps(tokens)
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
		"op-review-content":         stepfn.JSON(run.Handler(domain.OperationReview)),
		"automation-prepare-stage":  stepfn.JSON(steps.Prepare),
		"automation-gate":           stepfn.JSON(steps.Gate),
		"automation-park":           stepfn.JSON(steps.Park),
		"automation-finish-stage":   stepfn.JSON(steps.FinishStage),
		"automation-finish-run":     stepfn.JSON(steps.FinishRun),
	}
}

// NewStack loads every state machine and wires the API to them.
func NewStack(d config.Deps, opts ...sfn.Option) (*Stack, error) {
	s := &Stack{Deps: d, Machines: map[string]*sfn.Machine{}}
	s.Functions = Functions(d, tokens{s})
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
	s.Automation = d.Automation(s.Starter("operation"), s.Starter("automation"), tokens{s})
	s.publisher = &Publisher{log: d.Log}
	s.Publishing = d.Publishing(s.publisher)
	s.publisher.run = s.Publishing.Publish
	s.API = d.API(s.Starter("operation"), s.Automation, s.Publishing)
	return s, nil
}

// WaitPublishing blocks until every publish job handed over so far is done.
func (s *Stack) WaitPublishing() { s.publisher.wg.Wait() }

// Publisher plays the asynchronous invocation of the publish Lambda: jobs
// run in process, one at a time, in the order they were handed over.
type Publisher struct {
	once  sync.Once
	queue chan publishing.Job
	wg    sync.WaitGroup
	run   func(context.Context, publishing.Job) (publishing.Result, error)
	log   *slog.Logger
}

// Invoke queues job and returns at once.
func (p *Publisher) Invoke(_ context.Context, job publishing.Job) error {
	p.once.Do(func() {
		p.queue = make(chan publishing.Job, 10000)
		go p.work()
	})
	p.wg.Add(1)
	select {
	case p.queue <- job:
		return nil
	default:
		p.wg.Done()
		return errors.New("local publish queue is full")
	}
}

func (p *Publisher) work() {
	for job := range p.queue {
		// Lambda retries a failed asynchronous invocation twice.
		for attempt := 0; attempt < 3; attempt++ {
			res, err := p.run(context.Background(), job)
			if err == nil {
				p.log.Info("publish job", "content_id", job.ContentID, "outcome", string(res.Outcome))
				break
			}
			p.log.Error("publish job", "content_id", job.ContentID, "attempt", attempt+1, "error", err.Error())
		}
		p.wg.Done()
	}
}

// tokens sends task tokens to the local runtime, as Step Functions'
// SendTaskSuccess does; a token whose task already ended is not an error.
type tokens struct{ s *Stack }

func (t tokens) SendTaskSuccess(_ context.Context, token string, output []byte) error {
	err := t.s.Runtime.SendTaskSuccess(token, output)
	if errors.Is(err, sfn.ErrInvalidToken) || errors.Is(err, sfn.ErrTaskTimedOut) {
		return nil
	}
	return err
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
			if _, err := s.Automation.StartDue(ctx, time.Now().UTC()); err != nil && ctx.Err() == nil {
				s.Deps.Log.Error("scheduled runs", "error", err.Error())
			}
			if _, err := s.Publishing.Tick(ctx, time.Now().UTC()); err != nil && ctx.Err() == nil {
				s.Deps.Log.Error("publishing tick", "error", err.Error())
			}
		}
	}
}
