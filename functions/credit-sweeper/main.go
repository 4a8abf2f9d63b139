// Command credit-sweeper voids expired credit holds (a scheduled rule).
package main

import "github.com/igny8/igny8-serverless/shared/app"

func main() { app.Start("credit-sweeper") }
