#!/usr/bin/env bash
# Validates Amazon States Language definitions with the npm package
# asl-validator, pinned by tools/asl/package-lock.json and installed with
# `npm ci` into .cache/npm-asl (ignored). After the first run it works offline:
# npm is only called again when tools/asl/package*.json change.
#
# Usage: scripts/asl-validate.sh [FILE.asl.json ...]
#   With no argument it validates infra/statemachines/*.asl.json (none is fine).
#
# Our definitions keep ${Name} placeholders (CloudFormation's
# DefinitionSubstitutions). asl-validator 4.0.0 accepts a Resource that is
# exactly "${Name}", but not a placeholder inside a longer string (e.g. an ARN
# built from ${AWS::Region}), so every placeholder is replaced before
# validating: a whole-string placeholder by a dummy Lambda ARN, one inside a
# string by a dummy value (us-east-1, 123456789012, aws, or the name). The
# definition is then checked as it will look once deployed.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=.cache/npm-asl
BIN="$DEST/node_modules/.bin/asl-validator"
. scripts/npm-tool.sh
npm_tool asl-validate tools/asl "$DEST"

if [ "$#" -gt 0 ]; then
  files=("$@")
else
  shopt -s nullglob
  files=(infra/statemachines/*.asl.json)
  shopt -u nullglob
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "asl-validate: no state machine definitions (infra/statemachines/*.asl.json): nothing to validate"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=()
rels=()
for f in "${files[@]}"; do
  if [ ! -f "$f" ]; then
    echo "asl-validate: $f: no such file" >&2
    exit 1
  fi
  # Keep the path as given (made relative) so that messages name the real file.
  rel=${f#/}
  mkdir -p "$tmp/$(dirname "$rel")"
  node - "$f" "$tmp/$rel" <<'EOF'
const fs = require("fs");
const [src, dst] = process.argv.slice(2);
const text = fs.readFileSync(src, "utf8");
const safe = (name) => name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "x";
const inner = (name) =>
  /account/i.test(name) ? "123456789012" :
  /region/i.test(name) ? "us-east-1" :
  /partition/i.test(name) ? "aws" : safe(name);
// A JSON string that is exactly "${Name}" becomes a dummy Lambda ARN.
let out = text.replace(/"\$\{([^}"]*)\}"/g, (_, name) =>
  JSON.stringify(`arn:aws:lambda:us-east-1:123456789012:function:${safe(name)}`));
// Any other placeholder becomes a plain dummy value.
out = out.replace(/\$\{([^}"]*)\}/g, (_, name) => inner(name));
fs.writeFileSync(dst, out);
EOF
  args+=(--json-path "$rel")
  rels+=("$rel")
done

rc=0
out=$(cd "$tmp" && "$OLDPWD/$BIN" "${args[@]}" 2>&1) || rc=$?
for i in "${!files[@]}"; do # name the files as they were given
  out=${out//"\"${rels[$i]}\""/"\"${files[$i]}\""}
done
printf '%s\n' "$out"
if [ "$rc" -eq 0 ]; then
  echo "asl-validate: ${#files[@]} definition(s) valid"
fi
exit "$rc"
