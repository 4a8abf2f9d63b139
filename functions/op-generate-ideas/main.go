// Command op-generate-ideas writes content ideas for clusters (a state machine step).
package main

import (
	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/app"
)

func main() { app.Start("op-generate-ideas", app.WithProviders(aiproviders.FromEnv)) }
