package local

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
)

// configNames are the environment variables the Go code reads as
// configuration: every literal os.Getenv / os.LookupEnv name in the
// non-test sources of the module, and the providers' key variables.
func configNames(t *testing.T) map[string]bool {
	t.Helper()
	re := regexp.MustCompile(`(?:Getenv|LookupEnv)\("([A-Z0-9_]+)"\)`)
	names := map[string]bool{}
	for _, root := range []string{"../../shared", "../../infra/local", "../../functions", "../../infra/lambdarie"} {
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				names[m[1]] = true
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range ai.Setups {
		names[s.Env] = true
	}
	if !names["DYNAMODB_ENDPOINT"] || !names["TABLE_NAME"] {
		t.Fatalf("the scan missed known settings: %v", names)
	}
	return names
}

// .local/demo.env carries no variable `make run` reads as configuration:
// sourcing it must not change what the next `make run` does.
func TestDemoEnvCarriesNoConfiguration(t *testing.T) {
	names := configNames(t)
	env := demoEnv("http://127.0.0.1:8080", State{DemoAPIKey: "k", AdminAPIKey: "a", DemoSite: "s"}, "http://127.0.0.1:8000", "http://127.0.0.1:8081")
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(env), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || v == "" {
			t.Fatalf("bad line %q", line)
		}
		if names[k] {
			t.Errorf("demo.env sets %s, which the stack reads as configuration", k)
		}
		seen++
	}
	if !strings.Contains(env, "DEMO_DYNAMODB_ENDPOINT=http://127.0.0.1:8000\n") || seen != 7 || !strings.Contains(env, "CONSOLE_URL=http://127.0.0.1:8080/#key=k\n") {
		t.Fatalf("demo.env lost a value:\n%s", env)
	}
}
