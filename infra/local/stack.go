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
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/authorizer"
	"github.com/igny8/igny8-serverless/shared/automation"
	"github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/infracost"
	"github.com/igny8/igny8-serverless/shared/publishing"
	"github.com/igny8/igny8-serverless/shared/stepfn"
)

// Stack is the cloud stack played in one process: the state machines run on
// the local ASL runtime, which invokes the same step handlers the Lambdas
// wrap; the API starts executions on it.
type Stack struct {
	// Deps is the App the stack runs on, with the stack's own starters,
	// task-token sender and publisher in place of the cloud's.
	Deps       *app.App
	Runtime    *sfn.Runtime
	Machines   map[string]*sfn.Machine
	Functions  map[string]stepfn.Func // the step handlers by function name (app.Steps)
	Automation *automation.Service
	// Publishing is the publishing service; its jobs run in process, one
	// after another in the order handed over, as the publish Lambda would.
	Publishing *publishing.Service
	// API is the HTTP API behind the same authorizer as in the cloud
	// (gateway).
	API       http.Handler
	publisher *Publisher
	meters    sync.Map // execution ARN → *infracost.Meter
}

// NewStack loads every state machine and wires d's services to them (on a
// copy of d: the caller's App keeps its adapters).
func NewStack(d *app.App, opts ...sfn.Option) (*Stack, error) {
	a := *d
	s := &Stack{Deps: &a, Machines: map[string]*sfn.Machine{}}
	s.Runtime = sfn.NewRuntime(sfn.InvokerFunc(s.invoke), append([]sfn.Option{sfn.WithLogger(a.Log), sfn.WithOnEnd(s.executionEnded)}, opts...)...)
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
	s.publisher = &Publisher{log: a.Log}
	a.Operations, a.Runs, a.Tokens, a.Invoker = s.Starter("operation"), s.Starter("automation"), tokens{s}, s.publisher
	var err error
	if s.Functions, err = a.Steps(); err != nil {
		return nil, err
	}
	s.Automation = a.Automation()
	s.Publishing = a.Publishing()
	s.publisher.run = s.Publishing.Publish
	s.API = gateway{auth: authorizer.Authorizer{Keys: a.Store, Log: a.Log}, next: a.API(s.Automation, s.Publishing)}
	return s, nil
}

// AllowOutbound lets the stack's publishing reach exactly these host:port
// entries besides OUTBOUND_ALLOW_HOSTS (a test's loopback WordPress, Shopify
// fake or webhook receiver), through the same guard as every other target;
// it replaces what an earlier call allowed.
func (s *Stack) AllowOutbound(hostports ...string) error {
	if err := app.WithOutbound(hostports...)(s.Deps); err != nil {
		return err
	}
	s.Publishing.Outbound, s.Publishing.Connect = s.Deps.Outbound, s.Deps.Connect
	return nil
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
	start := time.Now()
	out, err := fn(ctx, input)
	if m := infracost.From(ctx); m != nil {
		f, _ := catalog.Lookup(name)
		ms := (time.Since(start) + time.Millisecond - 1) / time.Millisecond // Lambda bills whole milliseconds, rounded up
		m.AddLambda(int64(ms), int64(f.Memory()))
	}
	return out, err
}

// starter starts executions of one machine on the local runtime, each with
// a Meter of what it uses (its Lambda and DynamoDB calls run with it).
type starter struct {
	s *Stack
	m *sfn.Machine
}

func (st starter) Start(ctx context.Context, name string, input []byte) (string, error) {
	meter := &infracost.Meter{}
	// Executions outlive the request that started them.
	ex, err := st.s.Runtime.Start(infracost.WithMeter(context.WithoutCancel(ctx), meter), st.m, name, input)
	if ex.ExecutionArn != "" {
		st.s.meters.LoadOrStore(ex.ExecutionArn, meter) // a repeated start keeps the first meter, the one it runs with
	}
	if errors.Is(err, sfn.ErrExecutionAlreadyExists) {
		return ex.ExecutionArn, nil
	}
	return ex.ExecutionArn, err
}

// Starter starts executions of the named state machine.
func (s *Stack) Starter(machine string) starter {
	return starter{s: s, m: s.Machines[machine]}
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
			if _, err := s.Deps.Sweeper().Sweep(ctx); err != nil && ctx.Err() == nil {
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
