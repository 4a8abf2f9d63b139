# Sourced by the scripts that run a pinned npm tool (asl-validate.sh,
# cdk-synth.sh). npm_tool NAME TOOLDIR DEST installs the packages pinned by
# TOOLDIR/package-lock.json with `npm ci` into DEST (an ignored cache folder),
# and does nothing when DEST already holds that exact lock: after the first
# run the tool works offline.
npm_tool() {
  local name=$1 tooldir=$2 dest=$3
  local stamp="$dest/.lock.sha256" want
  want=$(cat "$tooldir/package.json" "$tooldir/package-lock.json" | sha256sum | cut -d' ' -f1)
  if [ -f "$dest/node_modules/.package-lock.json" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
    return 0
  fi
  command -v npm >/dev/null 2>&1 || { echo "$name: npm is required (Debian: apt-get install nodejs npm)" >&2; return 1; }
  echo "$name: installing $tooldir/package-lock.json into $dest..." >&2
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$tooldir/package.json" "$tooldir/package-lock.json" "$dest/"
  npm ci --prefix "$dest" --no-audit --no-fund --loglevel=error >&2
  echo "$want" >"$stamp"
}
