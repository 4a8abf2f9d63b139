// Package sfn is a local interpreter for the subset of the Amazon States
// Language (JSONPath query language) that our state machines use. AWS no
// longer supports Step Functions Local, so `make run` and the tests run the
// same infra/statemachines/*.asl.json files through this package.
//
// It follows the AWS Step Functions developer guide: input and output
// processing in AWS order (InputPath → Parameters → task → ResultSelector →
// ResultPath → OutputPath), the context object, intrinsic functions,
// Retry/Catch matching and backoff, Map and Parallel, task tokens, state and
// execution timeouts. What it does not implement it refuses when parsing,
// naming the state and the field, instead of ignoring it. See doc.go for the
// list of what is implemented and what is refused.
package sfn

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Invoker runs a Task's Lambda function with an input and returns its output.
//
// resource is the function: the Task's Resource ARN for a plain Lambda ARN
// resource, or the FunctionName parameter (with ":"+Qualifier appended when
// given) for arn:aws:states:::lambda:invoke[.waitForTaskToken].
//
// An error with a method `ErrorName() string` fails the task with that error
// name (like Lambda's errorType; the cause is {"errorMessage","errorType"} as
// Lambda reports it); a *StateError keeps its Name and Cause as given; any
// other error fails the task with States.TaskFailed; an error wrapping
// context.DeadlineExceeded fails it with States.Timeout. The context is
// cancelled when the state times out or the execution is stopped: invokers
// must return promptly then.
type Invoker interface {
	Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	return f(ctx, resource, input)
}

// StateError is an error as Step Functions reports it: a name (matched by
// ErrorEquals) and a cause.
type StateError struct {
	Name  string
	Cause string
}

func (e *StateError) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// ErrorName returns the error name.
func (e *StateError) ErrorName() string { return e.Name }

// Error names used by the interpreter.
const (
	ErrNameAll                       = "States.ALL"
	ErrNameTaskFailed                = "States.TaskFailed"
	ErrNameTimeout                   = "States.Timeout"
	ErrNameHeartbeatTimeout          = "States.HeartbeatTimeout"
	ErrNameRuntime                   = "States.Runtime"
	ErrNameResultPathMatchFailure    = "States.ResultPathMatchFailure"
	ErrNameNoChoiceMatched           = "States.NoChoiceMatched"
	ErrNameExceedToleratedFailure    = "States.ExceedToleratedFailureThreshold"
	ErrNameDataLimitExceeded         = "States.DataLimitExceeded"
	errAll                           = ErrNameAll
	causeExceedToleratedFailureLimit = "The specified tolerated failure threshold was exceeded"
)

func runtimeErr(format string, a ...any) *StateError {
	return &StateError{Name: ErrNameRuntime, Cause: fmt.Sprintf(format, a...)}
}

// Execution statuses, as DescribeExecution reports them.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusAborted   = "ABORTED"
	StatusTimedOut  = "TIMED_OUT"
)

// Execution is a snapshot of an execution, shaped like DescribeExecution.
type Execution struct {
	ExecutionArn    string // arn:aws:states:local:000000000000:execution:<machine>:<name>
	StateMachineArn string
	Name            string
	Status          string
	Input           json.RawMessage
	Output          json.RawMessage // set when SUCCEEDED
	Error           string          // set when FAILED, ABORTED (if given) or TIMED_OUT
	Cause           string
	StartDate       time.Time
	StopDate        time.Time // zero while RUNNING
	// StateTransitions counts what Step Functions Standard bills: every
	// state entered and every retry, its Distributed Map children's included.
	StateTransitions int64
}

// API errors, named after the Step Functions API exceptions. Returned errors
// wrap them (use errors.Is).
var (
	ErrExecutionAlreadyExists  = errors.New("ExecutionAlreadyExists")
	ErrExecutionDoesNotExist   = errors.New("ExecutionDoesNotExist")
	ErrInvalidName             = errors.New("InvalidName")
	ErrInvalidExecutionInput   = errors.New("InvalidExecutionInput")
	ErrInvalidToken            = errors.New("InvalidToken")
	ErrTaskTimedOut            = errors.New("TaskTimedOut")
	ErrInvalidOutput           = errors.New("InvalidOutput")
	ErrMissingRequiredArgument = errors.New("MissingRequiredParameter")
)

const (
	region  = "local"
	account = "000000000000"
	// DefaultMaxConcurrency caps the iterations a Map state runs at once:
	// AWS runs at most 40 concurrent iterations of an inline Map, so
	// MaxConcurrency 0 ("unlimited") means 40 here too.
	DefaultMaxConcurrency = 40
)

// Option configures a Runtime.
type Option func(*Runtime)

// WithLogger sets the structured logger (default: discard). Records carry
// the execution ARN and the state name.
func WithLogger(l *slog.Logger) Option { return func(r *Runtime) { r.log = l } }

// WithClock sets the clock used for the context object's times, execution
// dates and Wait's Timestamp arithmetic (default time.Now).
func WithClock(now func() time.Time) Option { return func(r *Runtime) { r.now = now } }

// WithSleep replaces the sleeping done by Wait states and retry backoff. It
// receives the duration AWS would wait (unscaled) and must return ctx.Err()
// when ctx ends first. Tests pass a recorder that returns at once.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(r *Runtime) { r.sleep = sleep }
}

// WithTimeScale multiplies every real timer (TimeoutSeconds, HeartbeatSeconds,
// the execution's TimeoutSeconds, and the default sleep) by f; 0.001 makes a
// second last a millisecond. Default 1.
func WithTimeScale(f float64) Option {
	return func(r *Runtime) {
		if f > 0 {
			r.scale = f
		}
	}
}

// WithRandSeed makes jitter, States.MathRandom (without seed), States.UUID
// and task tokens deterministic.
func WithRandSeed(seed uint64) Option {
	return func(r *Runtime) { r.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
}

// WithMaxConcurrency changes the cap on concurrent Map iterations
// (default DefaultMaxConcurrency).
func WithMaxConcurrency(n int) Option {
	return func(r *Runtime) {
		if n > 0 {
			r.maxConc = n
		}
	}
}

// WithOnEnd calls fn with each execution's description once it has ended,
// whatever its status, before Wait returns: the local stand-in for
// EventBridge's "Step Functions Execution Status Change" events.
func WithOnEnd(fn func(Execution)) Option { return func(r *Runtime) { r.onEnd = fn } }

// WithRoleArn sets $$.Execution.RoleArn.
func WithRoleArn(arn string) Option { return func(r *Runtime) { r.roleArn = arn } }

// Runtime runs executions of parsed machines. It is safe for concurrent use.
type Runtime struct {
	inv       Invoker
	log       *slog.Logger
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	scale     float64
	maxConc   int
	maxEvents int64
	roleArn   string
	onEnd     func(Execution)

	rndMu sync.Mutex
	rnd   *rand.Rand

	mu     sync.Mutex
	execs  map[string]*execution
	tokens map[string]*pendingTask
}

// NewRuntime returns a runtime that runs Task states through inv.
func NewRuntime(inv Invoker, opts ...Option) *Runtime {
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	r := &Runtime{
		inv:       inv,
		log:       slog.New(slog.DiscardHandler),
		now:       time.Now,
		scale:     1,
		maxConc:   DefaultMaxConcurrency,
		maxEvents: MaxHistoryEvents,
		roleArn:   "arn:aws:iam::" + account + ":role/StepFunctionsLocal",
		rnd:       rand.New(rand.NewChaCha8(seed)),
		execs:     map[string]*execution{},
		tokens:    map[string]*pendingTask{},
	}
	for _, o := range opts {
		o(r)
	}
	if r.sleep == nil {
		r.sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(r.scaled(d))
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return r
}

func (r *Runtime) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * r.scale)
}

func (r *Runtime) randUint64() uint64 {
	r.rndMu.Lock()
	defer r.rndMu.Unlock()
	return r.rnd.Uint64()
}

func (r *Runtime) randFloat() float64 {
	r.rndMu.Lock()
	defer r.rndMu.Unlock()
	return r.rnd.Float64()
}

func (r *Runtime) randBytes(n int) []byte {
	b := make([]byte, 0, n+8)
	for len(b) < n {
		b = binary.LittleEndian.AppendUint64(b, r.randUint64())
	}
	return b[:n]
}

func (r *Runtime) uuid() string {
	b := r.randBytes(16)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// validName applies the StartExecution naming rules.
func validName(s string) bool {
	if s == "" || len([]rune(s)) > 80 {
		return false
	}
	for _, c := range s {
		if unicode.IsSpace(c) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", c) ||
			c <= 0x1f || (c >= 0x7f && c <= 0x9f) {
			return false
		}
	}
	return true
}

// Start starts an execution of m named name (a UUID when empty) and returns
// at once; the execution runs in its own goroutine. Like StartExecution, a
// name already used with this machine fails with ErrExecutionAlreadyExists,
// except that repeating the call for a RUNNING execution with the same input
// returns that execution (AWS's idempotency for Standard workflows); with
// ErrExecutionAlreadyExists the existing execution's description is returned
// too (AWS returns none; it saves a Describe). ctx only
// carries values: its cancellation does not stop the execution (use Stop).
func (r *Runtime) Start(ctx context.Context, m *Machine, name string, input json.RawMessage) (Execution, error) {
	if m == nil {
		return Execution{}, fmt.Errorf("%w: no state machine", ErrMissingRequiredArgument)
	}
	if name == "" {
		name = r.uuid()
	}
	if !validName(name) {
		return Execution{}, fmt.Errorf("%w: execution name %q (1-80 characters, no whitespace, brackets, wildcards or special characters)", ErrInvalidName, name)
	}
	if !validName(m.name) {
		return Execution{}, fmt.Errorf("%w: state machine name %q", ErrInvalidName, m.name)
	}
	if len(bytes.TrimSpace(input)) == 0 {
		input = json.RawMessage("{}")
	}
	in, err := decodeJSON(input)
	if err != nil {
		return Execution{}, fmt.Errorf("%w: %v", ErrInvalidExecutionInput, err)
	}
	if err := checkPayload(in, "execution input"); err != nil {
		return Execution{}, fmt.Errorf("%w: %v", ErrInvalidExecutionInput, err)
	}
	smArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, account, m.name)
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", region, account, m.name, name)

	r.mu.Lock()
	if prev, ok := r.execs[arn]; ok {
		r.mu.Unlock()
		snap := prev.snapshot()
		if snap.Status == StatusRunning && jsonEqual(prev.input, in) {
			return snap, nil
		}
		return snap, fmt.Errorf("%w: %s", ErrExecutionAlreadyExists, arn)
	}
	ex := &execution{
		rt: r, m: m, arn: arn, smArn: smArn, name: name,
		input: in, inputRaw: append(json.RawMessage(nil), encodeJSON(in)...),
		start:  r.now(),
		status: StatusRunning,
		done:   make(chan struct{}),
		log:    r.log.With("execution", arn),
	}
	ex.ctx, ex.cancel = context.WithCancel(context.WithoutCancel(ctx))
	ex.ctx, ex.history = r.withHistory(ex.ctx)
	if m.timeout > 0 {
		ex.timer = time.AfterFunc(r.scaled(time.Duration(m.timeout)*time.Second), func() {
			if ex.finish(StatusTimedOut, ErrNameTimeout, fmt.Sprintf("The execution exceeded its TimeoutSeconds (%d)", m.timeout), nil) {
				ex.cancel()
			}
		})
	}
	r.execs[arn] = ex
	r.mu.Unlock()

	ex.log.Info("execution started", "stateMachine", smArn)
	go ex.run()
	return ex.snapshot(), nil
}

func (r *Runtime) lookup(executionArn string) (*execution, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ex, ok := r.execs[executionArn]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrExecutionDoesNotExist, executionArn)
	}
	return ex, nil
}

// Describe returns the current state of an execution.
func (r *Runtime) Describe(executionArn string) (Execution, error) {
	ex, err := r.lookup(executionArn)
	if err != nil {
		return Execution{}, err
	}
	return ex.snapshot(), nil
}

// Wait blocks until the execution has ended (and every invocation it started
// has returned) or ctx ends.
func (r *Runtime) Wait(ctx context.Context, executionArn string) (Execution, error) {
	ex, err := r.lookup(executionArn)
	if err != nil {
		return Execution{}, err
	}
	select {
	case <-ex.done:
		return ex.snapshot(), nil
	default:
	}
	select {
	case <-ex.done:
		return ex.snapshot(), nil
	case <-ctx.Done():
		return ex.snapshot(), ctx.Err()
	}
}

// Stop aborts a running execution (status ABORTED with the given error and
// cause): the contexts of its running tasks are cancelled, Stop waits for the
// execution to wind down, and its task tokens are rejected from then on.
// Stopping an execution that has already ended does nothing.
func (r *Runtime) Stop(executionArn, errName, cause string) error {
	ex, err := r.lookup(executionArn)
	if err != nil {
		return err
	}
	if ex.finish(StatusAborted, errName, cause, nil) {
		ex.log.Info("execution stop requested")
	}
	ex.cancel()
	<-ex.done
	return nil
}

// taskOutcome is what SendTaskSuccess or SendTaskFailure hands a waiting
// callback task.
type taskOutcome struct {
	output any
	err    *StateError
}

// pendingTask is a callback task waiting for its token to be used.
type pendingTask struct {
	ex        *execution
	result    chan taskOutcome // capacity 1, written once
	heartbeat chan struct{}    // capacity 1
	closed    bool             // guarded by Runtime.mu
}

func (r *Runtime) newToken(ex *execution) (string, *pendingTask) {
	token := fmt.Sprintf("%x", r.randBytes(48))
	pt := &pendingTask{ex: ex, result: make(chan taskOutcome, 1), heartbeat: make(chan struct{}, 1)}
	r.mu.Lock()
	r.tokens[token] = pt
	r.mu.Unlock()
	return token, pt
}

func (r *Runtime) closeToken(token string) {
	r.mu.Lock()
	if pt, ok := r.tokens[token]; ok {
		pt.closed = true
	}
	r.mu.Unlock()
}

func (r *Runtime) openTask(token string) (*pendingTask, error) {
	if token == "" || len(token) > 1024 {
		return nil, fmt.Errorf("%w: the token must have 1 to 1024 characters", ErrInvalidToken)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	pt, ok := r.tokens[token]
	if !ok {
		return nil, fmt.Errorf("%w: unknown task token", ErrInvalidToken)
	}
	if pt.closed || pt.ex.snapshot().Status != StatusRunning {
		return nil, fmt.Errorf("%w: the task of this token is no longer running", ErrTaskTimedOut)
	}
	return pt, nil
}

func (r *Runtime) complete(token string, o taskOutcome) error {
	pt, err := r.openTask(token)
	if err != nil {
		return err
	}
	r.mu.Lock()
	if pt.closed {
		r.mu.Unlock()
		return fmt.Errorf("%w: the task of this token is no longer running", ErrTaskTimedOut)
	}
	pt.closed = true
	r.mu.Unlock()
	pt.result <- o
	return nil
}

// SendTaskSuccess completes the callback task waiting on token with output
// (the task's result).
func (r *Runtime) SendTaskSuccess(token string, output json.RawMessage) error {
	v, err := decodeJSON(output)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidOutput, err)
	}
	return r.complete(token, taskOutcome{output: v})
}

// SendTaskFailure fails the callback task waiting on token with errName and
// cause (matched by Retry and Catch like any task error).
func (r *Runtime) SendTaskFailure(token, errName, cause string) error {
	return r.complete(token, taskOutcome{err: &StateError{Name: errName, Cause: cause}})
}

// SendTaskHeartbeat restarts the HeartbeatSeconds clock of the callback task
// waiting on token.
func (r *Runtime) SendTaskHeartbeat(token string) error {
	pt, err := r.openTask(token)
	if err != nil {
		return err
	}
	select {
	case pt.heartbeat <- struct{}{}:
	default: // one pending heartbeat is enough
	}
	return nil
}
