#!/usr/bin/env bash
# Installs what shared/wplocal needs to run a throwaway WordPress for tests and
# `make run`: Debian's wordpress package (6.1), MariaDB and the PHP extensions
# WordPress uses. Idempotent and quiet when everything is already there.
# Starts no service: wplocal runs its own private mariadbd and `php -S`.
set -euo pipefail

PKGS=(wordpress wordpress-theme-twentytwentythree mariadb-server
  php-cli php-mysql php-curl php-gd php-xml php-mbstring)

missing=()
for p in "${PKGS[@]}"; do
  st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
# Services the packages bring that were not here before (disabled below).
new_services=()
for pair in apache2:apache2 mariadb-server:mariadb; do
  pkg=${pair%%:*}
  st=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$st" = installed ] || new_services+=("${pair#*:}")
done
echo "installing ${missing[*]} (Debian packages for the local WordPress)..." >&2

# wordpress pulls in apache2 and mariadb-server, whose maintainer scripts
# would start them (apache on port 80). A policy-rc.d that answers 101 keeps
# every service stopped; we put one in place only if there is none already.
POLICY=/usr/sbin/policy-rc.d
ours=""
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# temporary, from scripts/fetch-wordpress.sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  ours=1
fi
cleanup() { if [ -n "$ours" ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT

# Update the package lists when they are missing (a fresh machine) or the
# first install attempt fails because they are stale.
apt_install() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
}
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' || true)" ]; then
  $SUDO apt-get update -qq
fi
if ! apt_install; then
  $SUDO apt-get update -qq
  apt_install
fi

# Leave the services this install added disabled on machines with systemd
# (a service that was already installed is the admin's and is left alone).
if [ ${#new_services[@]} -gt 0 ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now "${new_services[@]}" >/dev/null 2>&1 || true
fi
