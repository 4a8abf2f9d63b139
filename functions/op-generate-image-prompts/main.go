// Command op-generate-image-prompts writes image prompts for an article (a state machine step).
package main

import (
	"github.com/igny8/igny8-serverless/shared/aiproviders"
	"github.com/igny8/igny8-serverless/shared/app"
)

func main() { app.Start("op-generate-image-prompts", app.WithProviders(aiproviders.FromEnv)) }
