#!/usr/bin/env bash
# Every test (`make test`): the root module (unit tests, fuzz seeds, and the
# integration tests against DynamoDB Local, a real WordPress and the Lambda
# Runtime Interface Emulator), then the cloud stack's module (infra/cdk:
# template assertions and the permission scan). Prints each test's result,
# then one closing line "N passed, N failed, N skipped" over both; a
# skipped test fails the run. Full logs: .cache/test.log, .cache/cdk-test.log.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache

count() { grep -cE "^\s*--- $1" "$2" 2>/dev/null || true; }

go test -count=1 -v -timeout 15m ./... > .cache/test.log 2>&1
rc=$?
grep -E '^(--- (PASS|FAIL|SKIP)|ok |FAIL|panic:)' .cache/test.log || true
if [ "$rc" -ne 0 ]; then
  echo "(full log: .cache/test.log)"
  grep -B2 -A20 -E '^\s*--- FAIL|panic:' .cache/test.log | head -200
fi

./scripts/cdk-test.sh
cdk_rc=$?
[ "$cdk_rc" -ne 0 ] && rc=$cdk_rc

pass=$(( $(count PASS .cache/test.log) + $(count PASS .cache/cdk-test.log) ))
fail=$(( $(count FAIL .cache/test.log) + $(count FAIL .cache/cdk-test.log) ))
skip=$(( $(count SKIP .cache/test.log) + $(count SKIP .cache/cdk-test.log) ))
integ=$(grep -cE '^--- PASS: TestIntegration' .cache/test.log || true)
echo "integration tests (DynamoDB Local, WordPress, Lambda RIE) passed: $integ"
echo "$pass passed, $fail failed, $skip skipped"
if [ "$skip" -ne 0 ]; then echo "skipped tests are not allowed"; exit 1; fi
exit "$rc"
