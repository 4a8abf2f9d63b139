// Package statemachines holds the Amazon States Language definitions. The
// CDK stack deploys these files and the local runtime runs them, so what is
// tested locally is what runs in the cloud. Both are generated (package
// internal/aslgen, `go generate ./infra/statemachines`): the automation
// machine from domain.Stages, both from the catalog's functions and one set
// of retry policies; a test checks the committed files against it.
package statemachines

//go:generate go run ./gen

import (
	"embed"
	"fmt"
)

//go:embed *.asl.json
var files embed.FS

// Definition returns the ASL of the state machine name.
func Definition(name string) ([]byte, error) {
	b, err := files.ReadFile(name + ".asl.json")
	if err != nil {
		return nil, fmt.Errorf("state machine %s: %w", name, err)
	}
	return b, nil
}
