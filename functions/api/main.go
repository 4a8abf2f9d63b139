// Command api is the HTTP API Lambda (API Gateway HTTP API, payload 2.0).
package main

import (
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/blob/s3link"
	"github.com/igny8/igny8-serverless/shared/lambdainvoke"
	"github.com/igny8/igny8-serverless/shared/sfnstart"
)

func main() {
	app.Start("api", app.WithStateMachines(sfnstart.Cloud), app.WithInvoker(lambdainvoke.FromEnv), app.WithLinks(s3link.FromEnv))
}
