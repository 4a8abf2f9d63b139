#!/usr/bin/env bash
# Installs Debian's chromium package for the console's browser test
# (infra/local/console_browser_integration_test.go drives /usr/bin/chromium
# with chromedp). Idempotent and quiet when it is already there. A test
# tool's own browser download does not work here (closed network), so the
# system package is the browser.
set -euo pipefail

PKGS=(chromium fonts-liberation)
missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "installing ${missing[*]} (Debian packages for the console's browser test)..." >&2
apt_install() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
}
# Update the package lists when they are missing (a fresh machine) or the
# first install attempt fails because they are stale.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' || true)" ]; then
  $SUDO apt-get update -qq
fi
if ! apt_install; then
  $SUDO apt-get update -qq
  apt_install
fi
