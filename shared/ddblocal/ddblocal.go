// Package ddblocal starts DynamoDB Local (the official jar fetched by
// scripts/fetch-dynamodb-local.sh) for `make run` and for integration tests.
package ddblocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/igny8/igny8-serverless/shared/ddb"
)

// Server is a running DynamoDB Local process.
type Server struct {
	Endpoint string
	cmd      *exec.Cmd
	done     chan error
}

// Options says where to keep data (empty: in memory) and which port to use
// (0: a free one).
type Options struct {
	DataDir string
	Port    int
	Log     *os.File // where Local's output goes; nil discards it
}

// JarDir finds the unpacked emulator: $DYNAMODB_LOCAL_DIR, or
// .cache/dynamodb-local/current/emulator in the current folder or a parent.
func JarDir() (string, error) {
	if d := os.Getenv("DYNAMODB_LOCAL_DIR"); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		cand := filepath.Join(dir, ".cache", "dynamodb-local", "current", "emulator")
		if _, err := os.Stat(filepath.Join(cand, "DynamoDBLocal.jar")); err == nil {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("DynamoDB Local not found: run scripts/fetch-dynamodb-local.sh (make does it) or set DYNAMODB_LOCAL_DIR")
		}
		dir = parent
	}
}

// Start launches DynamoDB Local and waits until it answers ListTables.
func Start(ctx context.Context, opt Options) (*Server, error) {
	jar, err := JarDir()
	if err != nil {
		return nil, err
	}
	port := opt.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	args := []string{"-Djava.library.path=" + filepath.Join(jar, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(jar, "DynamoDBLocal.jar"), "-port", strconv.Itoa(port)}
	if opt.DataDir != "" {
		if err := os.MkdirAll(opt.DataDir, 0o755); err != nil {
			return nil, err
		}
		abs, _ := filepath.Abs(opt.DataDir)
		args = append(args, "-sharedDb", "-dbPath", abs)
	} else {
		args = append(args, "-inMemory", "-sharedDb")
	}
	cmd := exec.Command("java", args...)
	cmd.Dir = jar
	// Without this Local tries to reach AWS for telemetry at start-up.
	cmd.Env = append(os.Environ(), "DDB_LOCAL_TELEMETRY=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if opt.Log != nil {
		cmd.Stdout, cmd.Stderr = opt.Log, opt.Log
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local (is Java installed?): %w", err)
	}
	s := &Server{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()

	client, err := ddb.NewClient(ctx, s.Endpoint)
	if err != nil {
		s.Stop()
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err = ddb.Ping(pctx, client)
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case werr := <-s.done:
			return nil, fmt.Errorf("DynamoDB Local exited during start-up: %v", werr)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("DynamoDB Local did not answer within 60s: %w", err)
		}
	}
}

// Stop ends the process and waits for it.
func (s *Server) Stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}

// Client returns a client for this server.
func (s *Server) Client(ctx context.Context) (*dynamodb.Client, error) {
	return ddb.NewClient(ctx, s.Endpoint)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
