// Command op-generate-content writes articles for tasks (a state machine step).
package main

import (
	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/app"
)

func main() { app.Start("op-generate-content", app.WithProviders(aiproviders.FromEnv)) }
