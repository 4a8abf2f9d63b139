package catalog

import (
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
