#!/usr/bin/env bash
# Tests the cloud stack (infra/cdk, its own Go module): gofmt and go vet, then
# `go test -count=1 -v ./...` there:
#   stack     synthesizes the stack (one placeholder asset folder stands in for
#             every bootstrap, so no arm64 build is needed) and checks the
#             template with aws-cdk-lib's assertions: counts, functions, state
#             machine substitutions, schedules, IAM per function, the table,
#             the API, the bucket, alarms, no circular dependencies;
#   callscan  checks shared/catalog's per-function Needs against the AWS calls
#             each function's code can reach (a call graph of functions/...).
# The first run compiles aws-cdk-go (a few minutes); later runs take about a
# minute. The full log is .cache/cdk-test.log.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p .cache

export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
export JSII_RUNTIME_PACKAGE_CACHE_ROOT="${JSII_RUNTIME_PACKAGE_CACHE_ROOT:-$root/.cache/jsii}"
node_major=$(node -p 'process.versions.node.split(".")[0]')
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-$node_major}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

cd infra/cdk
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "cdk-test: gofmt needed in infra/cdk:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...

log="$root/.cache/cdk-test.log"
rc=0
go test -count=1 -v -timeout 20m ./... >"$log" 2>&1 || rc=$?
grep -E '^(--- (PASS|FAIL|SKIP)|ok |FAIL|panic:)' "$log" || true
pass=$(grep -cE '^\s*--- PASS' "$log" || true)
fail=$(grep -cE '^\s*--- FAIL' "$log" || true)
skip=$(grep -cE '^\s*--- SKIP' "$log" || true)
if [ "$rc" -ne 0 ]; then
  echo "(full log: .cache/cdk-test.log)"
  grep -B2 -A30 -E '^\s*--- FAIL|^panic:' "$log" | cut -c1-400 | head -200
fi
echo "cdk-test: $pass passed, $fail failed, $skip skipped"
if [ "$skip" -ne 0 ]; then echo "cdk-test: skipped tests are not allowed"; exit 1; fi
exit "$rc"
