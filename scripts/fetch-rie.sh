#!/usr/bin/env bash
# Installs the AWS Lambda Runtime Interface Emulator (aws-lambda-rie), built
# from its Go module at a pinned version, into .cache/bin (git-ignored). The
# emulator runs a function's bootstrap without Docker (infra/lambdarie).
# The repository has no semver tags the module proxy can list, so the pin is
# a pseudo-version (commit bef5c4ba774d, 2026-10-30).
# Idempotent and quiet when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
MODULE=github.com/aws/aws-lambda-runtime-interface-emulator
VERSION=v0.0.0-20261030222936-bef5c4ba774d
BIN=.cache/bin/aws-lambda-rie
STAMP=.cache/bin/aws-lambda-rie.version
if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
echo "installing aws-lambda-rie ($MODULE@$VERSION)..." >&2
mkdir -p .cache/bin
# GOFLAGS from the caller (e.g. -mod=...) must not leak into an install of
# another module; CGO off gives a static binary like the Lambda images'.
GOBIN="$PWD/.cache/bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
  go install "$MODULE/cmd/aws-lambda-rie@$VERSION"
echo "$VERSION" > "$STAMP"
