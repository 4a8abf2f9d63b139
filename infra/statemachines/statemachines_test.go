package statemachines

import (
	"bytes"
	"testing"

	"github.com/igny8/igny8-serverless/infra/statemachines/internal/aslgen"
)

// The committed generated definitions are what the generator writes now:
// an edit of the stage table or the catalog must be regenerated, and a hand
// edit of a generated file is caught.
func TestGeneratedDefinitionsAreCurrent(t *testing.T) {
	want, err := aslgen.Files()
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range want {
		got, err := files.ReadFile(name)
		if err != nil {
			t.Fatalf("%s: %v (run `go generate ./infra/statemachines`)", name, err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from what the generator writes: run `go generate ./infra/statemachines` and commit the result", name)
		}
	}
}
