#!/usr/bin/env bash
# Fetches DynamoDB Local (the official jar, shipped inside the npm package
# amplify-dynamodb-simulator) into .cache/dynamodb-local, and makes sure a Java
# runtime is present. Idempotent: a second run does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.9.30
DEST=.cache/dynamodb-local
if [ ! -f "$DEST/$VERSION/emulator/DynamoDBLocal.jar" ]; then
  mkdir -p "$DEST/tmp"
  echo "fetching DynamoDB Local (npm amplify-dynamodb-simulator@$VERSION)..." >&2
  (cd "$DEST/tmp" && npm pack --silent "amplify-dynamodb-simulator@$VERSION" >/dev/null)
  tar -xzf "$DEST/tmp/amplify-dynamodb-simulator-$VERSION.tgz" -C "$DEST/tmp"
  rm -rf "$DEST/$VERSION"
  mv "$DEST/tmp/package" "$DEST/$VERSION"
  rm -rf "$DEST/tmp"
fi
ln -sfn "$VERSION" "$DEST/current"
if ! command -v java >/dev/null 2>&1; then
  echo "installing a Java runtime (openjdk-17-jre-headless)..." >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
