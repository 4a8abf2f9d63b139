// Command automation-gate runs before every batch: pause, cancel and the credit limit take effect there.
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("automation-gate") }
