// Command credit-reserve holds an operation's estimated credits (a state machine step).
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("credit-reserve") }
