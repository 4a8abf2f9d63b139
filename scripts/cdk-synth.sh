#!/usr/bin/env bash
# Synthesizes the cloud stack (infra/cdk) into cdk.out/, offline, on a fresh
# clone:
#   1. installs the AWS CDK CLI pinned by tools/cdk/package-lock.json with
#      `npm ci` into .cache/npm-cdk (ignored; npm is only called again when
#      tools/cdk/package*.json change),
#   2. builds the Lambda bootstraps (make build: bin/<function>/bootstrap,
#      linux/arm64),
#   3. runs `cdk synth` (cdk.json at the root runs `go -C infra/cdk run .`),
#      which writes cdk.out/Igny8Stack.template.json and the function assets.
#
# Usage: scripts/cdk-synth.sh [cdk synth options, e.g. -c stage=prod]
#   CDK_VALIDATE=1  keep CDK's synth-time validation (slower; off by default)
#   CDK_BUILD=1|0   always | never run make build (default: when a source is newer)
#
# Caches: jsii unpacks aws-cdk-lib into .cache/jsii; Go keeps using your
# GOMODCACHE / GOCACHE (the aws-cdk-go module is ~450 MB and compiles in a
# few minutes once; sharing the usual caches keeps that to once per machine).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

DEST=.cache/npm-cdk
CDK="$DEST/node_modules/.bin/cdk"

command -v go >/dev/null 2>&1 || { echo "cdk-synth: Go is required" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "cdk-synth: Node.js is required (Debian: apt-get install nodejs npm)" >&2; exit 1; }
. scripts/npm-tool.sh
npm_tool cdk-synth tools/cdk "$DEST"

# Offline and quiet: no version check, notices or telemetry; jsii's package
# cache inside the repository; no banner for a Node release jsii calls
# end-of-life (it still works; Node 22+ is what jsii supports).
export CDK_DISABLE_VERSION_CHECK=1 CDK_DISABLE_CLI_TELEMETRY=true
export JSII_RUNTIME_PACKAGE_CACHE_ROOT="${JSII_RUNTIME_PACKAGE_CACHE_ROOT:-$root/.cache/jsii}"
node_major=$(node -p 'process.versions.node.split(".")[0]')
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-$node_major}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

# make build relinks every binary (its -buildid= leaves Go nothing to compare),
# ~2 s each: skip it when every bootstrap is newer than every file of the
# root module that can go into one (CDK_BUILD=1 forces it, CDK_BUILD=0 skips).
stale() {
  local f oldest=""
  for f in functions/*/; do
    f="bin/$(basename "$f")/bootstrap"
    [ -f "$f" ] || return 0
    if [ -z "$oldest" ] || [ "$f" -ot "$oldest" ]; then oldest=$f; fi
  done
  [ -n "$(find go.mod go.sum functions shared infra -path infra/cdk -prune -o -type f -newer "$oldest" -print -quit)" ]
}
if [ "${CDK_BUILD:-}" = 1 ] || { [ "${CDK_BUILD:-}" != 0 ] && stale; }; then
  echo "cdk-synth: building the Lambda bootstraps (make build)..." >&2
  make --no-print-directory build >/dev/null
else
  echo "cdk-synth: bin/*/bootstrap are up to date (CDK_BUILD=1 rebuilds them)" >&2
fi

validation=(--no-validation)
[ "${CDK_VALIDATE:-}" = 1 ] && validation=()
rm -rf cdk.out
echo "cdk-synth: cdk synth (the first run compiles infra/cdk: a few minutes)..." >&2
"$CDK" synth --quiet "${validation[@]}" --no-notices --no-version-reporting "$@" >&2

shopt -s nullglob
templates=(cdk.out/*.template.json)
if [ "${#templates[@]}" -ne 1 ]; then
  echo "cdk-synth: expected one template in cdk.out, found ${#templates[@]}" >&2
  exit 1
fi
echo "cdk-synth: ${templates[0]} ($(node -e '
const t = require(process.argv[1]);
const n = (type) => Object.values(t.Resources).filter((r) => r.Type === type).length;
console.log(`${Object.keys(t.Resources).length} resources: ${n("AWS::Lambda::Function")} functions, ` +
  `${n("AWS::StepFunctions::StateMachine")} state machines, ${n("AWS::Events::Rule")} rules, ${n("AWS::SQS::Queue")} queues`);
' "$root/${templates[0]}"))"
