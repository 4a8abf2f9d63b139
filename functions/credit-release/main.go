// Command credit-release releases a failed operation's hold and records the failure (a state machine step).
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("credit-release") }
