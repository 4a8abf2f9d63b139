// Command publish-scheduler claims the content whose publishing slot has come and hands each item to publish-content (an EventBridge rule runs it every minute).
package main

import (
	"github.com/igny8/igny8-serverless/shared/app"
	"github.com/igny8/igny8-serverless/shared/lambdainvoke"
)

func main() { app.Start("publish-scheduler", app.WithInvoker(lambdainvoke.FromEnv)) }
