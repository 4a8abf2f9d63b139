// Command op-create-tasks makes writer tasks from ideas (a state machine step).
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("op-create-tasks") }
