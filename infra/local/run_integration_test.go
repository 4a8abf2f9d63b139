package local

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/igny8/igny8-serverless/shared/apitest"
	"github.com/igny8/igny8-serverless/shared/httpapi"
)

// startStack runs the local stack as `make run` does, on its own DynamoDB
// Local with data under dir, and returns demo.env's values and a stop func.
func startStack(t *testing.T, dir string) (map[string]string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	_ = os.Remove(filepath.Join(dir, "demo.env"))
	go func() { done <- Run(ctx, Options{Dir: dir, Addr: "127.0.0.1:0"}) }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		env, err := readEnv(filepath.Join(dir, "demo.env"))
		if err == nil {
			if r, err := http.Get(env["API_URL"] + "/v1/health"); err == nil && r.StatusCode == 200 {
				r.Body.Close()
				return env, func() {
					cancel()
					if err := <-done; err != nil {
						t.Errorf("stack stopped with %v", err)
					}
				}
			}
		}
		select {
		case err := <-done:
			t.Fatalf("local stack exited: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("local stack did not answer /v1/health within 90s")
		}
	}
}

func readEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	for _, k := range []string{"API_URL", "API_KEY", "ADMIN_API_KEY"} {
		if env[k] == "" {
			return nil, fmt.Errorf("%s missing from demo.env", k)
		}
	}
	return env, nil
}

// The demo account, its site and what a user adds survive a restart, and
// the seed does not grant the demo credits twice.
func TestIntegrationLocalStackSeedsAndKeepsDataAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for the local WordPress, the same across the restart
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("WORDPRESS_PORT", fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
	ln.Close()
	env, stop := startStack(t, dir)
	c := apitest.NewRemote(t, httpapi.OpenAPI, env["API_URL"])
	auth := []string{"Authorization", "Bearer " + env["API_KEY"]}
	checkWordPress := func(c *apitest.Client, env map[string]string) {
		t.Helper()
		var in struct {
			URL string `json:"url"`
		}
		c.Do("GET", "/v1/sites/"+env["DEMO_SITE_ID"]+"/integration", nil, auth...).JSON(t, &in)
		var check struct {
			OK      bool   `json:"ok"`
			Message string `json:"message"`
		}
		c.Do("POST", "/v1/sites/"+env["DEMO_SITE_ID"]+"/integration/test", nil, auth...).JSON(t, &check)
		if env["WORDPRESS_URL"] == "" || in.URL != env["WORDPRESS_URL"] || !check.OK {
			t.Fatalf("the demo site is not connected to the local WordPress: %q %q %+v", env["WORDPRESS_URL"], in.URL, check)
		}
	}
	checkWordPress(c, env)
	var acct struct {
		Available int64 `json:"available"`
	}
	c.Do("GET", "/v1/account", nil, auth...).JSON(t, &acct)
	if acct.Available != DemoCredits {
		t.Fatalf("demo balance %d", acct.Available)
	}
	r := c.Do("POST", "/v1/sites/"+env["DEMO_SITE_ID"]+"/keywords",
		map[string]any{"keywords": []map[string]any{{"keyword": "kept across restarts"}}}, auth...)
	if r.Status != 201 {
		t.Fatalf("add keyword: %d %s", r.Status, r.Body)
	}
	stop()

	env2, stop2 := startStack(t, dir)
	defer stop2()
	if env2["API_KEY"] != env["API_KEY"] || env2["DEMO_SITE_ID"] != env["DEMO_SITE_ID"] {
		t.Fatalf("restart changed the demo account: %v → %v", env, env2)
	}
	c2 := apitest.NewRemote(t, httpapi.OpenAPI, env2["API_URL"])
	checkWordPress(c2, env2)
	var page struct {
		Items []struct {
			Keyword string `json:"keyword"`
		} `json:"items"`
		Total int64 `json:"total"`
	}
	c2.Do("GET", "/v1/sites/"+env["DEMO_SITE_ID"]+"/keywords", nil, auth...).JSON(t, &page)
	if page.Total != 1 || len(page.Items) != 1 || page.Items[0].Keyword != "kept across restarts" {
		t.Fatalf("after restart: %+v", page)
	}
	c2.Do("GET", "/v1/account", nil, auth...).JSON(t, &acct)
	if acct.Available != DemoCredits {
		t.Fatalf("restart re-granted the demo credits: %d", acct.Available)
	}
	// The admin key from demo.env works.
	if r := c2.Do("POST", "/v1/admin/accounts", map[string]any{"name": "Second"}, "Authorization", "Bearer "+env2["ADMIN_API_KEY"]); r.Status != 201 {
		t.Fatalf("admin key: %d %s", r.Status, r.Body)
	}
}
