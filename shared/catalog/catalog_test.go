package catalog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every function folder is in the catalog and the other way round, and every
// placeholder an ASL file uses is a catalog ArnKey.
func TestCatalogMatchesTheTree(t *testing.T) {
	dirs, err := os.ReadDir("../../functions")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, f := range Functions {
		known[f.Name] = true
		if _, err := os.Stat(filepath.Join("../../functions", f.Name, "main.go")); err != nil {
			t.Errorf("catalog function %s has no functions/%s/main.go", f.Name, f.Name)
		}
	}
	for _, d := range dirs {
		if d.IsDir() && !known[d.Name()] {
			t.Errorf("functions/%s is not in the catalog", d.Name())
		}
	}
	subs := Substitutions()
	placeholder := regexp.MustCompile(`\$\{([A-Za-z0-9]+)\}`)
	for _, sm := range StateMachines {
		b, err := os.ReadFile(filepath.Join("../../infra/statemachines", sm.Name+".asl.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range placeholder.FindAllStringSubmatch(string(b), -1) {
			if _, ok := subs[m[1]]; !ok {
				t.Errorf("%s uses ${%s}, which no catalog function provides", sm.Name, m[1])
			}
		}
	}
}

// The per-function facts the CDK stack reads are consistent: kinds,
// schedules, sizes, and what each function needs names things that exist.
func TestCatalogFacts(t *testing.T) {
	kinds := map[string]int{}
	functions := map[string]Function{}
	for _, f := range Functions {
		functions[f.Name] = f
	}
	machines := map[string]bool{}
	for _, sm := range StateMachines {
		machines[sm.Name] = true
	}
	actions := map[string]bool{"BatchGetItem": true, "BatchWriteItem": true, "ConditionCheckItem": true, "DeleteItem": true,
		"GetItem": true, "PutItem": true, "Query": true, "UpdateItem": true}
	schedule := regexp.MustCompile(`^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$`)
	invoked := map[string]bool{}
	for _, f := range Functions {
		kinds[f.Kind]++
		switch f.Kind {
		case "api", "authorizer", "step", "scheduled", "async", "execution-status":
		default:
			t.Errorf("%s: unknown kind %q", f.Name, f.Kind)
		}
		if (f.Kind == "step") != (f.ArnKey != "") {
			t.Errorf("%s: kind %s with ArnKey %q (steps and only steps have one)", f.Name, f.Kind, f.ArnKey)
		}
		if (f.Kind == "scheduled") != (f.Schedule != "") {
			t.Errorf("%s: kind %s with schedule %q (scheduled functions and only they have one)", f.Name, f.Kind, f.Schedule)
		}
		if f.Schedule != "" && !schedule.MatchString(f.Schedule) {
			t.Errorf("%s: schedule %q is not an EventBridge rate() or cron() expression", f.Name, f.Schedule)
		}
		if f.Timeout() < 1 || f.Timeout() > 900 || f.Memory() < 128 || f.Memory() > 10240 {
			t.Errorf("%s: timeout %ds, memory %d MB out of Lambda's range", f.Name, f.Timeout(), f.Memory())
		}
		if len(f.Needs.Table) == 0 {
			t.Errorf("%s: lists no table actions", f.Name)
		}
		seen := map[string]bool{}
		for _, a := range f.Needs.Table {
			if !actions[a] {
				t.Errorf("%s: %q is not an item-level DynamoDB action the stack grants", f.Name, a)
			}
			if seen[a] {
				t.Errorf("%s: table action %s listed twice", f.Name, a)
			}
			seen[a] = true
		}
		for _, m := range append(append([]string{}, f.Needs.Starts...), f.Needs.Tokens...) {
			if !machines[m] {
				t.Errorf("%s: needs state machine %q, which is not in StateMachines", f.Name, m)
			}
		}
		for _, name := range f.Needs.Invokes {
			g, ok := functions[name]
			switch {
			case !ok:
				t.Errorf("%s: invokes %q, which is not in Functions", f.Name, name)
			case g.Kind != "async" || g.NameEnv == "":
				t.Errorf("%s: invokes %s, which is not an async function with a NameEnv", f.Name, name)
			}
			invoked[name] = true
		}
		switch f.Needs.Blobs {
		case "", BlobsRead, BlobsWrite, BlobsReadWrite:
		default:
			t.Errorf("%s: blob access %q", f.Name, f.Needs.Blobs)
		}
	}
	if kinds["api"] != 1 || kinds["authorizer"] != 1 {
		t.Errorf("want one api and one authorizer function, have %v", kinds)
	}
	for _, f := range Functions {
		if f.Kind == "async" && !invoked[f.Name] {
			t.Errorf("%s: async, but no function invokes it", f.Name)
		}
	}
}

// A step's Lambda timeout is below the TimeoutSeconds of every state that
// calls it: otherwise Step Functions retries an attempt that is still running.
func TestStepTimeoutsFitTheStates(t *testing.T) {
	limits := map[string]int{} // ArnKey → smallest state timeout
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["Type"] == "Task" {
				ref, _ := v["Resource"].(string)
				if p, ok := v["Parameters"].(map[string]any); ok {
					if fn, ok := p["FunctionName"].(string); ok {
						ref = fn
					}
				}
				if m := regexp.MustCompile(`^\$\{([A-Za-z0-9]+)\}$`).FindStringSubmatch(ref); m != nil {
					if secs, ok := v["TimeoutSeconds"].(float64); ok {
						if cur, seen := limits[m[1]]; !seen || int(secs) < cur {
							limits[m[1]] = int(secs)
						}
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, sm := range StateMachines {
		b, err := os.ReadFile(filepath.Join("../../infra/statemachines", sm.Name+".asl.json"))
		if err != nil {
			t.Fatal(err)
		}
		var def any
		if err := json.Unmarshal(b, &def); err != nil {
			t.Fatal(err)
		}
		walk(def)
	}
	for _, f := range Functions {
		if limit, ok := limits[f.ArnKey]; ok && f.Timeout() >= limit {
			t.Errorf("%s: Lambda timeout %ds, but a state calling it times out after %ds", f.Name, f.Timeout(), limit)
		}
	}
	if len(limits) == 0 {
		t.Fatal("found no state timeouts")
	}
}
