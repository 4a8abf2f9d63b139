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
	"encoding/json"
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

// HasDistributedMap reports whether a definition has a Distributed Map
// state: its role must then be allowed to start, watch and stop the child
// executions the Map runs.
func HasDistributedMap(asl []byte) (bool, error) {
	var v any
	if err := json.Unmarshal(asl, &v); err != nil {
		return false, fmt.Errorf("state machine definition: %w", err)
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case map[string]any:
			if pc, ok := t["ProcessorConfig"].(map[string]any); ok && pc["Mode"] == "DISTRIBUTED" {
				return true
			}
			for _, c := range t {
				if walk(c) {
					return true
				}
			}
		case []any:
			for _, c := range t {
				if walk(c) {
					return true
				}
			}
		}
		return false
	}
	return walk(v), nil
}
