// Command execution-cleanup ends what a Step Functions execution leaves
// behind when it dies outside every Catch (an EventBridge rule on
// "Execution Status Change": FAILED, TIMED_OUT, ABORTED).
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("execution-cleanup") }
