package local

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ddblocal"
)

// A 2xx answer survives a SIGKILL of the whole local stack (the stack and
// its DynamoDB Local) a millisecond later: what the API acknowledged is
// there after a restart. The stack runs as `make run` runs it, as its own
// process group, and the group is killed at once after each answer.
func TestIntegrationAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	jar, err := ddblocal.JarDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "igny8-local")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/igny8-local").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	start := func() (*exec.Cmd, map[string]string) {
		_ = os.Remove(filepath.Join(dir, ".local", "demo.env"))
		cmd := exec.Command(bin)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "WORDPRESS=off", "DYNAMODB_LOCAL_DIR="+jar, "DYNAMODB_ENDPOINT=", "TABLE_NAME=")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { kill(cmd) }) // a failed check leaves no stack running
		deadline := time.Now().Add(90 * time.Second)
		for time.Now().Before(deadline) {
			if env, err := readEnv(filepath.Join(dir, ".local", "demo.env")); err == nil {
				if r, err := http.Get(env["API_URL"] + "/v1/health"); err == nil && r.StatusCode == 200 {
					r.Body.Close()
					return cmd, env
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		kill(cmd)
		t.Fatalf("the stack did not answer /v1/health within 90s:\n%s", log.String())
		return nil, nil
	}
	call := func(env map[string]string, method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, env["API_URL"]+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+env["API_KEY"])
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		var out map[string]any
		var b bytes.Buffer
		_, _ = b.ReadFrom(r.Body)
		_ = json.Unmarshal(b.Bytes(), &out)
		return r.StatusCode, out
	}
	type acked struct{ path, field, want string }
	var all []acked
	for try := range 3 {
		cmd, env := start()
		site := env["DEMO_SITE_ID"]
		name := fmt.Sprintf("sector %d %d", try, time.Now().UnixNano())
		code, sec := call(env, "POST", "/v1/sites/"+site+"/sectors", `{"name":"`+name+`"}`)
		kill(cmd) // at once after the answer
		if code != 201 {
			t.Fatalf("try %d: create sector answered %d %v", try, code, sec)
		}
		all = append(all, acked{"/v1/sites/" + site + "/sectors", "name", name})

		cmd, env = start()
		for _, a := range all {
			code, page := call(env, "GET", a.path, "")
			items, _ := page["items"].([]any)
			found := false
			for _, it := range items {
				if m, _ := it.(map[string]any); m[a.field] == a.want {
					found = true
				}
			}
			if code != 200 || !found {
				t.Fatalf("after try %d and a restart, %s has no %s %q (%d %v)", try, a.path, a.field, a.want, code, page)
			}
		}
		kill(cmd)
	}
}

// kill SIGKILLs the stack's process group and DynamoDB Local's (the stack
// starts it as a group of its own and it dies with its parent).
func kill(cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return // killed already
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	time.Sleep(300 * time.Millisecond) // Pdeathsig reaches DynamoDB Local
}
