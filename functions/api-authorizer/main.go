// Command api-authorizer is the HTTP API's Lambda authorizer (simple responses, payload 2.0).
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("api-authorizer") }
