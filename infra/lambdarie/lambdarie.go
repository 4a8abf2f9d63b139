// Package lambdarie runs the stack's Lambda bootstraps under the AWS Lambda
// Runtime Interface Emulator (aws-lambda-rie, installed by
// scripts/fetch-rie.sh): it builds them with the Makefile's flags, starts the
// emulator on 127.0.0.1 with the environment the catalog says a function
// gets, invokes it and reads what the emulator reports (the answer, the
// runtime's output, the init duration). The integration test in this folder
// and the cold-start bench (cmd/coldstart) use it.
package lambdarie

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/igny8/igny8-serverless/shared/catalog"
)

// BuildFlags are the Makefile's `build` flags (with CGO_ENABLED=0).
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w -buildid="}

// HelloPackage is the hello-world bootstrap the bench compares against.
const HelloPackage = "./infra/lambdarie/testdata/hello"

// ModuleRoot is the folder holding go.mod, found from the working directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// RIEPath is $AWS_LAMBDA_RIE or <root>/.cache/bin/aws-lambda-rie.
func RIEPath(root string) (string, error) {
	p := os.Getenv("AWS_LAMBDA_RIE")
	if p == "" {
		p = filepath.Join(root, ".cache", "bin", "aws-lambda-rie")
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("aws-lambda-rie not found at %s: run scripts/fetch-rie.sh (make deps does it) or set AWS_LAMBDA_RIE", p)
	}
	return p, nil
}

// Target is one bootstrap to build: Package (e.g. ./functions/api) into
// <dir>/<Name>/bootstrap.
type Target struct {
	Name    string
	Package string
}

// FunctionTargets are the catalog's functions.
func FunctionTargets() []Target {
	var out []Target
	for _, f := range catalog.Functions {
		out = append(out, Target{Name: f.Name, Package: "./functions/" + f.Name})
	}
	return out
}

// Build compiles the targets for goos/goarch with BuildFlags in one `go
// build` invocation (-p 2: at most two compiles at once, and every shared
// package compiled once, which separate invocations racing on a cold cache
// would not do), and returns each target's bootstrap path under dir. The
// binaries are byte for byte what `make build` writes: the flags make the
// build reproducible whatever the output path.
func Build(ctx context.Context, root, goos, goarch, dir string, targets []Target) (map[string]string, error) {
	staging := filepath.Join(dir, ".build-"+goos+"-"+goarch)
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"build", "-p", "2", "-o", staging + string(filepath.Separator)}, BuildFlags...)
	seen := map[string]string{}
	for _, t := range targets {
		base := filepath.Base(t.Package)
		if other, dup := seen[base]; dup {
			return nil, fmt.Errorf("%s and %s both build a binary named %s", other, t.Package, base)
		}
		seen[base] = t.Package
		args = append(args, t.Package)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch, "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build (%s/%s): %v\n%s", goos, goarch, err, out)
	}
	paths := map[string]string{}
	for _, t := range targets {
		dst := filepath.Join(dir, t.Name, "bootstrap")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(staging, filepath.Base(t.Package)), dst); err != nil {
			return nil, err
		}
		paths[t.Name] = dst
	}
	return paths, os.RemoveAll(staging)
}

// Env is what every function gets besides its catalog-derived settings.
type Env struct {
	Table            string
	DynamoDBEndpoint string
	CursorSecret     string
	AWSEndpoint      string // the fake AWS endpoint (FakeAWS.URL) every other AWS client is pointed at
	BlobDir          string // BLOB_DIR: the image store (the cloud's BLOB_BUCKET is not emulated)
	Home             string // HOME: an empty folder, so no ~/.aws is read
}

// StateMachineArn is the ARN a state machine gets in the emulated account.
func StateMachineArn(name string) string {
	return "arn:aws:states:us-east-1:000000000000:stateMachine:igny8-" + name
}

// For is f's environment, as the stack would set it, pointed at 127.0.0.1:
// the table, a dummy region and credentials, AWS_ENDPOINT_URL (and the
// Step Functions and Lambda ones) at the fake, every state machine ARN when
// f starts executions, and the invoked functions' names (NameEnv) when it
// invokes others. Nothing of the caller's environment is passed on.
func (e Env) For(f catalog.Function) []string {
	timeout := min(f.Timeout(), 60)
	env := []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=" + e.Home,
		"TABLE_NAME=" + e.Table,
		"DYNAMODB_ENDPOINT=" + e.DynamoDBEndpoint,
		"CURSOR_SECRET=" + e.CursorSecret,
		"BLOB_DIR=" + e.BlobDir,
		"BLOB_BASE_URL=http://127.0.0.1/files",
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=rie-test",
		"AWS_SECRET_ACCESS_KEY=rie-test",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_ENDPOINT_URL=" + e.AWSEndpoint,
		"AWS_ENDPOINT_URL_SFN=" + e.AWSEndpoint,
		"AWS_ENDPOINT_URL_LAMBDA=" + e.AWSEndpoint,
		"AWS_LAMBDA_FUNCTION_NAME=" + f.Name,
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(timeout),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(f.Memory()),
	}
	if len(f.Needs.Starts) > 0 {
		for _, sm := range catalog.StateMachines {
			env = append(env, sm.ArnEnv+"="+StateMachineArn(sm.Name))
		}
	}
	for _, name := range f.Needs.Invokes {
		for _, g := range catalog.Functions {
			if g.Name == name && g.NameEnv != "" {
				env = append(env, g.NameEnv+"="+g.Name)
			}
		}
	}
	return env
}

// Emulator is one running aws-lambda-rie with one bootstrap.
type Emulator struct {
	URL     string // http://127.0.0.1:<port>
	cmd     *exec.Cmd
	out     *lineBuffer
	done    chan struct{}
	waitErr error
}

// Start runs rie with bootstrap on free ports of 127.0.0.1 (the invoke API
// and the Runtime API) and waits until the invoke API accepts connections.
// The emulator starts the bootstrap at the first invocation.
func Start(ctx context.Context, rie, bootstrap string, env []string) (*Emulator, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	apiPort, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(rie,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", apiPort),
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = env
	out := newLineBuffer()
	cmd.Stdout, cmd.Stderr = out, out
	// SIGTERM if we die: the emulator then stops the runtime it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", rie, err)
	}
	e := &Emulator{URL: "http://" + addr, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { e.waitErr = cmd.Wait(); close(e.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return e, nil
		}
		select {
		case <-e.done:
			return nil, fmt.Errorf("aws-lambda-rie exited at start (%v):\n%s", e.waitErr, out.String())
		case <-ctx.Done():
			e.Stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("aws-lambda-rie did not listen on %s within 10s:\n%s", addr, out.String())
		}
	}
}

// InvokePath is the emulator's invoke endpoint (the Lambda Invoke API's path
// for the one function it runs).
const InvokePath = "/2015-03-31/functions/function/invocations"

// Invoke posts payload to the function and returns the HTTP status and the
// answer (the handler's JSON, or {"errorMessage","errorType"} when it
// failed; 502 with an empty body when the runtime did not start).
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+InvokePath, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// Output is everything the emulator and the runtime printed so far.
func (e *Emulator) Output() string { return e.out.String() }

// The emulator's REPORT line has an "Init Duration" too, but it only times
// handing the init to a goroutine (a few µs). The Runtime API's own INIT
// REPORT measures from just before the bootstrap is started to the
// runtime's first /runtime/invocation/next: the Init Duration Lambda bills.
var (
	initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	initDoneRE   = regexp.MustCompile(`INIT RTDONE\(status: (\w+)\)`)
)

// InitDuration waits (until ctx ends) for the emulator to report the init
// phase and returns its duration; an init that failed is an error carrying
// the output.
func (e *Emulator) InitDuration(ctx context.Context) (time.Duration, error) {
	for {
		wake := e.out.changed()
		exited := false
		select {
		case <-e.done:
			exited = true
		default:
		}
		out := e.out.String()
		if m := initDoneRE.FindStringSubmatch(out); m != nil {
			if m[1] != "success" {
				return 0, fmt.Errorf("init failed (%s):\n%s", m[1], out)
			}
			if r := initReportRE.FindStringSubmatch(out); r != nil {
				ms, err := strconv.ParseFloat(r[1], 64)
				return time.Duration(ms * float64(time.Millisecond)), err
			}
		}
		if exited {
			return 0, fmt.Errorf("aws-lambda-rie exited (%v) before the init ended:\n%s", e.waitErr, out)
		}
		select {
		case <-wake:
		case <-e.done:
		case <-ctx.Done():
			return 0, fmt.Errorf("%w waiting for the init report:\n%s", ctx.Err(), e.out.String())
		}
	}
}

// Stop ends the emulator with SIGTERM (it stops the runtime first) and,
// after 5 s, kills it and the runtime processes it started.
func (e *Emulator) Stop() {
	if e == nil || e.cmd.Process == nil {
		return
	}
	pid := e.cmd.Process.Pid
	kids := children(pid) // the runtime runs in its own process group
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-e.done:
		return
	case <-time.After(5 * time.Second):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	for _, k := range kids {
		_ = syscall.Kill(-k, syscall.SIGKILL)
		_ = syscall.Kill(k, syscall.SIGKILL)
	}
	<-e.done
}

// children lists pid's child processes (from /proc).
func children(pid int) []int {
	var out []int
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// FreePort is a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lineBuffer collects output and signals each write.
type lineBuffer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	wake chan struct{}
}

func newLineBuffer() *lineBuffer { return &lineBuffer{wake: make(chan struct{})} }

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	close(b.wake)
	b.wake = make(chan struct{})
	return len(p), nil
}

func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lineBuffer) changed() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wake
}
