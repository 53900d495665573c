#!/bin/sh
# Installs what building and testing Leadtime needs on Debian (bookworm).
# Called by `make` when pkg-config or a tool is missing; safe to run again.
# Usage: scripts/install-deps.sh [--browser]   (--browser adds chromium + node deps)
#        scripts/install-deps.sh --bench       (wrk, time, nginx for make bench)
set -eu

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "install-deps: not root and no sudo; install the packages below by hand" >&2
	fi
fi

PKGS="build-essential pkg-config libmicrohttpd-dev libsqlite3-dev sqlite3 \
libjansson-dev libinih-dev libsystemd-dev zlib1g-dev libcmocka-dev python3 curl \
clang libclang-rt-14-dev libxlsxwriter-dev \
libexpat1-dev tzdata"
if [ "${1:-}" = "--browser" ] || [ "${LEADTIME_BROWSER:-}" = 1 ]; then
	# promtool (test_hygiene.py checks /metrics with it) comes with the
	# prometheus package; where systemd runs, Debian also starts the
	# Prometheus server (port 9090), which the tests never use
	PKGS="$PKGS chromium prometheus"
	# node and npm may come from elsewhere (nodesource); only ask Debian when absent
	command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
fi
if [ "${1:-}" = "--bench" ]; then
	PKGS="$PKGS wrk time"
	# the bench runs its own private nginx (bench/nginx.py) as the warm
	# reference; on a machine whose policy allows it Debian's package also
	# starts the system service on port 80, which the bench never uses
	PKGS="$PKGS nginx"
fi

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
