// Command gen writes the generated state machine definitions (see package
// aslgen) into the current directory: run it with
// `go generate ./infra/statemachines`.
package main

import (
	"fmt"
	"os"

	"github.com/igny8/igny8-serverless/infra/statemachines/internal/aslgen"
)

func main() {
	files, err := aslgen.Files()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, b := range files {
		if err := os.WriteFile(name, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
