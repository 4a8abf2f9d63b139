// Command credit-settle charges an operation's actual credits and writes its usage log, AI task log and notification (a state machine step).
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("credit-settle") }
