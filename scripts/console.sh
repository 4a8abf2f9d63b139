#!/usr/bin/env bash
# Builds the web console (console/) into console/dist, which the local stack
# serves at / (infra/local/console.go) and the cloud stack puts in S3.
#   1. npm ci of console/package-lock.json into console/node_modules (ignored),
#      with npm's cache in .cache/npm; skipped when that exact lock is there.
#   2. The API types: console/src/api/schema.d.ts is generated from
#      shared/httpapi/openapi.json at every build, so the console is always
#      type-checked against the contract. With --check (make test) a
#      committed file that differs from what the generator writes fails.
#   3. tsc (type check), then vite build; skipped when no input changed.
set -euo pipefail
cd "$(dirname "$0")/.."
check=""
[ "${1:-}" = "--check" ] && check=1

dir=console
export npm_config_cache="$PWD/.cache/npm"
stamp="$dir/node_modules/.lock.sha256"
want=$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  command -v npm >/dev/null 2>&1 || { echo "console: npm is required (Debian: apt-get install nodejs npm)" >&2; exit 1; }
  echo "console: npm ci ($dir/package-lock.json)..." >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$want" >"$stamp"
fi

schema="$dir/src/api/schema.d.ts"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$dir" && node_modules/.bin/openapi-typescript ../shared/httpapi/openapi.json -o "$tmp/schema.d.ts" --silent >/dev/null)
if ! cmp -s "$tmp/schema.d.ts" "$schema"; then
  if [ -n "$check" ]; then
    echo "console: $schema differs from what shared/httpapi/openapi.json generates; run scripts/console.sh and commit it" >&2
    diff -u "$schema" "$tmp/schema.d.ts" | head -40 >&2 || true
    exit 1
  fi
  cp "$tmp/schema.d.ts" "$schema"
  echo "console: regenerated $schema from the OpenAPI document (commit it)" >&2
fi

# Rebuild only when an input changed (sources, lock, the contract).
inputs=$(cat "$dir/package-lock.json" "$dir/index.html" "$dir/vite.config.ts" "$dir/tsconfig.json" $(find "$dir/src" -type f | sort) | sha256sum | cut -d' ' -f1)
if [ -f "$dir/dist/index.html" ] && [ "$(cat "$dir/dist/.inputs.sha256" 2>/dev/null || true)" = "$inputs" ]; then
  exit 0
fi
(cd "$dir" && node_modules/.bin/tsc --noEmit -p . && node_modules/.bin/vite build --logLevel warn)
echo "$inputs" >"$dir/dist/.inputs.sha256"
echo "console: built $dir/dist" >&2
