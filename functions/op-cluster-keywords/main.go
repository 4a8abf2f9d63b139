// Command op-cluster-keywords groups keywords into clusters (a state machine step).
package main

import (
	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/app"
)

func main() { app.Start("op-cluster-keywords", app.WithProviders(aiproviders.FromEnv)) }
