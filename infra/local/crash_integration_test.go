package local

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/ddblocal"
)

// localProc is the local stack as `make run` runs it: the igny8-local
// binary in its own process group, killable as a whole.
type localProc struct {
	t        *testing.T
	bin, dir string
	jar      string
	port     int
	env      []string
}

func newLocalProc(t *testing.T, env ...string) *localProc {
	t.Helper()
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
	return &localProc{t: t, bin: bin, dir: dir, jar: jar, port: port, env: env}
}

// start starts the stack and waits for /v1/health; it answers the process
// and the demo.env values.
func (p *localProc) start() (*exec.Cmd, map[string]string) {
	t := p.t
	t.Helper()
	_ = os.Remove(filepath.Join(p.dir, ".local", "demo.env"))
	cmd := exec.Command(p.bin)
	cmd.Dir = p.dir
	cmd.Env = append(append(os.Environ(), fmt.Sprintf("PORT=%d", p.port), "WORDPRESS=off", "DYNAMODB_LOCAL_DIR="+p.jar, "DYNAMODB_ENDPOINT=", "TABLE_NAME="), p.env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kill(cmd) }) // a failed check leaves no stack running
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if env, err := readEnv(filepath.Join(p.dir, ".local", "demo.env")); err == nil {
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

// call sends one API request as the demo account.
func (p *localProc) call(env map[string]string, method, path, body string) (int, map[string]any) {
	t := p.t
	t.Helper()
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

// A 2xx answer survives a SIGKILL of the whole local stack (the stack and
// its DynamoDB Local) a millisecond later: what the API acknowledged is
// there after a restart. The stack runs as `make run` runs it, as its own
// process group, and the group is killed at once after each answer.
func TestIntegrationAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	p := newLocalProc(t)
	type acked struct{ path, field, want string }
	var all []acked
	for try := range 3 {
		cmd, env := p.start()
		site := env["DEMO_SITE_ID"]
		name := fmt.Sprintf("sector %d %d", try, time.Now().UnixNano())
		code, sec := p.call(env, "POST", "/v1/sites/"+site+"/sectors", `{"name":"`+name+`"}`)
		kill(cmd) // at once after the answer
		if code != 201 {
			t.Fatalf("try %d: create sector answered %d %v", try, code, sec)
		}
		all = append(all, acked{"/v1/sites/" + site + "/sectors", "name", name})

		cmd, env = p.start()
		for _, a := range all {
			code, page := p.call(env, "GET", a.path, "")
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

// The whole local stack SIGKILLed while it runs an automation run, an AI
// operation and a paused run: after a restart each has ended with a reason
// (the executions died with the stack), no site lock is held (a new run
// starts), no credit stays reserved, the usage logs add up to the ledger's
// settled credits and the stats audit finds no drift.
func TestIntegrationKilledStackEndsWhatItRan(t *testing.T) {
	p := newLocalProc(t, "OFFLINE_LATENCY_MS=400")
	cmd, env := p.start()
	site := env["DEMO_SITE_ID"]
	must := func(want int, what string) func(int, map[string]any) map[string]any {
		return func(code int, out map[string]any) map[string]any {
			t.Helper()
			if code != want {
				t.Fatalf("%s: %d %v", what, code, out)
			}
			return out
		}
	}
	keywords := func(site, prefix string, n int) []string {
		var rows []string
		for i := range n {
			rows = append(rows, fmt.Sprintf(`{"keyword":"%s topic %d"}`, prefix, i))
		}
		out := must(201, "add keywords")(p.call(env, "POST", "/v1/sites/"+site+"/keywords", `{"keywords":[`+strings.Join(rows, ",")+`]}`))
		var ids []string
		for _, k := range out["added"].([]any) {
			ids = append(ids, k.(map[string]any)["id"].(string))
		}
		return ids
	}
	// A second site for the paused run.
	site2 := must(201, "site 2")(p.call(env, "POST", "/v1/sites", `{"name":"Second","url":"https://second.example"}`))["id"].(string)
	manual := keywords(site, "manual", 3)
	keywords(site, "automated", 12)
	keywords(site2, "paused", 12)
	for _, s := range []string{site, site2} {
		cfg := must(200, "config")(p.call(env, "GET", "/v1/sites/"+s+"/automation/config", ""))
		cfg["stage_1_batch_size"] = 2
		delete(cfg, "next_run_at")
		body, _ := json.Marshal(cfg)
		must(200, "config")(p.call(env, "PUT", "/v1/sites/"+s+"/automation/config", string(body)))
	}
	op := must(202, "cluster")(p.call(env, "POST", "/v1/sites/"+site+"/keywords/cluster", `{"keyword_ids":["`+strings.Join(manual, `","`)+`"]}`))
	run := must(201, "run")(p.call(env, "POST", "/v1/sites/"+site+"/automation/runs", ""))
	run2 := must(201, "run 2")(p.call(env, "POST", "/v1/sites/"+site2+"/automation/runs", ""))
	must(200, "pause")(p.call(env, "POST", "/v1/sites/"+site2+"/automation/runs/"+run2["id"].(string)+"/pause", ""))
	// Kill it mid-run: a batch done, others to go.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, r := p.call(env, "GET", "/v1/sites/"+site+"/automation/runs/"+run["id"].(string), "")
		st := r["stages"].([]any)[0].(map[string]any)
		if st["processed"].(float64) >= 2 {
			if r["status"] != "running" {
				t.Fatalf("the run ended before the kill: %v", r["status"])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not get going: %v", r)
		}
	}
	kill(cmd)

	cmd, env = p.start()
	defer kill(cmd)
	ended := func(path string) map[string]any {
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(500 * time.Millisecond) {
			_, r := p.call(env, "GET", path, "")
			switch r["status"] {
			case "failed", "completed", "succeeded", "cancelled", "partially_succeeded":
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still %v 2 minutes after the restart", path, r["status"])
			}
		}
	}
	for _, path := range []string{"/v1/sites/" + site + "/automation/runs/" + run["id"].(string), "/v1/sites/" + site2 + "/automation/runs/" + run2["id"].(string),
		"/v1/operations/" + op["operation_id"].(string)} {
		r := ended(path)
		if r["status"] == "failed" && !strings.Contains(fmt.Sprint(r["error"]), "stopped") {
			t.Errorf("%s failed without its reason: %v", path, r["error"])
		}
	}
	_, acct := p.call(env, "GET", "/v1/account", "")
	if acct["reserved"].(float64) != 0 {
		t.Fatalf("reserved after the restart: %v", acct)
	}
	var used float64
	for cursor := ""; ; {
		_, page := p.call(env, "GET", "/v1/account/usage/logs?limit=200"+cursor, "")
		for _, it := range page["items"].([]any) {
			used += it.(map[string]any)["credits_used"].(float64)
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = "&cursor=" + next
	}
	if used != acct["settled"].(float64) {
		t.Fatalf("usage logs add up to %v credits, the ledger settled %v", used, acct["settled"])
	}
	for _, s := range []string{site, site2} {
		audit := must(200, "audit")(p.call(env, "POST", "/v1/sites/"+s+"/stats/audit", ""))
		for k, v := range audit["drift"].(map[string]any) {
			if v.(float64) != 0 {
				t.Errorf("site %s: counter %s drifted by %v", s, k, v)
			}
		}
		must(201, "a new run after the restart (the lock is free)")(p.call(env, "POST", "/v1/sites/"+s+"/automation/runs", ""))
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

// blockingReceiver is a custom site's webhook receiver that keeps the
// receiver's contract (one post per content ID; a repeat answers the first
// post) and holds the first publish delivery open until released: the stack
// is killed while its publish is in flight, the post made and the answer
// not yet sent.
type blockingReceiver struct {
	mu         sync.Mutex
	posts      map[string]string // content ID → post URL
	deliveries map[string]int    // content ID → publish deliveries
	arrived    chan string
	release    chan struct{}
	srv        *httptest.Server
}

func newBlockingReceiver(t *testing.T) *blockingReceiver {
	r := &blockingReceiver{posts: map[string]string{}, deliveries: map[string]int{}, arrived: make(chan string, 10), release: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var p struct {
			Event     string `json:"event"`
			ContentID string `json:"content_id"`
		}
		_ = json.NewDecoder(req.Body).Decode(&p)
		if p.Event != "content.publish" {
			w.WriteHeader(http.StatusNoContent) // the ping of a connection test
			return
		}
		r.mu.Lock()
		r.deliveries[p.ContentID]++
		first := r.deliveries[p.ContentID] == 1
		url, seen := r.posts[p.ContentID]
		if !seen {
			url = r.srv.URL + "/posts/" + p.ContentID
			r.posts[p.ContentID] = url
		}
		r.mu.Unlock()
		if first {
			r.arrived <- p.ContentID
			select { // the answer that the kill loses
			case <-r.release:
			case <-req.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"url":%q}`, "post-"+p.ContentID, url)
	}))
	t.Cleanup(func() { close(r.release); r.srv.Close() })
	return r
}

// (d) A publish in flight when the stack is killed: after a restart the
// stack takes its lease over at once and publishes it again; the receiver,
// keeping its contract, answers the post it already made, so the article is
// published exactly once, within 2 minutes.
func TestIntegrationKilledStackFinishesItsPublish(t *testing.T) {
	recv := newBlockingReceiver(t)
	p := newLocalProc(t, "OUTBOUND_ALLOW_HOSTS="+strings.TrimPrefix(recv.srv.URL, "http://"))
	cmd, env := p.start()
	must := func(want int, what string) func(int, map[string]any) map[string]any {
		return func(code int, out map[string]any) map[string]any {
			t.Helper()
			if code != want {
				t.Fatalf("%s: %d %v", what, code, out)
			}
			return out
		}
	}
	site := must(201, "custom site")(p.call(env, "POST", "/v1/sites", `{"name":"Custom","url":"https://custom.example","platform":"custom"}`))["id"].(string)
	must(200, "integration")(p.call(env, "PUT", "/v1/sites/"+site+"/integration", `{"webhook_url":"`+recv.srv.URL+`/hook"}`))
	var rows []string
	for i := range 6 {
		rows = append(rows, fmt.Sprintf(`{"keyword":"crash publish topic %d"}`, i))
	}
	must(201, "keywords")(p.call(env, "POST", "/v1/sites/"+site+"/keywords", `{"keywords":[`+strings.Join(rows, ",")+`]}`))
	must(200, "settings")(p.call(env, "PATCH", "/v1/sites/"+site+"/publishing-settings", `{"auto_approval_enabled":true}`))
	run := must(201, "run")(p.call(env, "POST", "/v1/sites/"+site+"/automation/runs", ""))
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		_, r := p.call(env, "GET", "/v1/sites/"+site+"/automation/runs/"+run["id"].(string), "")
		if r["status"] == "completed" {
			break
		}
		if r["status"] != "running" || time.Now().After(deadline) {
			t.Fatalf("run: %v", r)
		}
	}
	page := must(200, "approved content")(p.call(env, "GET", "/v1/sites/"+site+"/content?status=approved", ""))
	items := page["items"].([]any)
	if len(items) == 0 {
		t.Fatal("the run approved no content")
	}
	content := items[0].(map[string]any)["id"].(string)
	must(202, "publish now")(p.call(env, "POST", "/v1/sites/"+site+"/content/"+content+"/publish", ""))
	select {
	case got := <-recv.arrived:
		if got != content {
			t.Fatalf("the receiver got %s, want %s", got, content)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the publish never reached the receiver")
	}
	kill(cmd) // the post is made; its answer is lost with the stack

	restarted := time.Now()
	cmd, env = p.start()
	defer kill(cmd)
	for deadline := restarted.Add(2 * time.Minute); ; time.Sleep(300 * time.Millisecond) {
		_, c := p.call(env, "GET", "/v1/sites/"+site+"/content/"+content, "")
		if c["site_status"] == "published" {
			recv.mu.Lock()
			posts, deliveries, url := len(recv.posts), recv.deliveries[content], recv.posts[content]
			recv.mu.Unlock()
			if posts != 1 || deliveries < 2 || c["external_url"] != url {
				t.Fatalf("posts %d, deliveries %d, external_url %v (the post is %s)", posts, deliveries, c["external_url"], url)
			}
			t.Logf("published %s after the restart, %d deliveries, one post", time.Since(restarted).Round(time.Second), deliveries)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("content still %v 2 minutes after the restart: %v", c["site_status"], c)
		}
	}
}
