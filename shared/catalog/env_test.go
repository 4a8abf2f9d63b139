package catalog_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/igny8/igny8-serverless/shared/ai"
	. "github.com/igny8/igny8-serverless/shared/catalog"
	"github.com/igny8/igny8-serverless/shared/netguard"
)

// Every variable the functions' code reads is in Variables, once.
func TestVariablesCoverWhatTheCodeReads(t *testing.T) {
	declared := map[string]Source{}
	for _, v := range Variables {
		if _, dup := declared[v.Name]; dup {
			t.Errorf("%s is listed twice", v.Name)
		}
		declared[v.Name] = v.Source
	}
	read := map[string]string{} // variable → a file that reads it
	getenv := regexp.MustCompile(`Getenv\("([A-Z0-9_]+)"\)`)
	for _, root := range []string{"../../functions", ".."} {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			// ddblocal and wplocal are the local stack's and the tests' own.
			if d.IsDir() && (d.Name() == "ddblocal" || d.Name() == "wplocal") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range getenv.FindAllStringSubmatch(string(b), -1) {
				read[m[1]] = p
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Names the code reads through tables.
	for _, s := range ai.Setups {
		read[s.Env] = "shared/ai.Setups"
	}
	for _, sm := range StateMachines {
		read[sm.ArnEnv] = "shared/StateMachines"
	}
	for _, f := range Functions {
		if f.NameEnv != "" {
			read[f.NameEnv] = "shared/Functions"
		}
	}
	read[netguard.EnvAllowHosts] = "shared/netguard"
	if len(read) < 15 {
		t.Fatalf("the scan found only %d variables: %v", len(read), read)
	}
	for name, where := range read {
		if _, ok := declared[name]; !ok && !strings.HasPrefix(name, "AWS_") {
			t.Errorf("%s (read in %s) is not in catalog.Variables", name, where)
		}
	}
	for name := range declared {
		if _, ok := read[name]; !ok {
			t.Errorf("%s is in catalog.Variables but nothing reads it", name)
		}
	}
}

// A function's secrets are secrets (Parameter Store variables), once each,
// and only the two functions that seal or unseal site credentials read
// SECRETS_KEY.
func TestFunctionSecrets(t *testing.T) {
	secret := map[string]bool{}
	for _, v := range Variables {
		secret[v.Name] = v.Source == FromParameterStore
	}
	var sealing []string
	for _, f := range Functions {
		seen := map[string]bool{}
		for _, n := range f.Secrets() {
			if !secret[n] {
				t.Errorf("%s: %s is not a Parameter Store variable", f.Name, n)
			}
			if seen[n] {
				t.Errorf("%s: %s listed twice", f.Name, n)
			}
			seen[n] = true
		}
		if !seen["CURSOR_SECRET"] {
			t.Errorf("%s: no CURSOR_SECRET (every function needs it to start)", f.Name)
		}
		if seen["SECRETS_KEY"] {
			sealing = append(sealing, f.Name)
		}
	}
	if strings.Join(sealing, ",") != "api,publish-content" {
		t.Errorf("SECRETS_KEY is read by %v", sealing)
	}
}
