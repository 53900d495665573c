#!/bin/sh
# Installs what building and testing Leadtime needs on Debian (bookworm).
# Called by `make` when pkg-config or a tool is missing, each group only for
# the targets that need it; safe to run again.
#
# Usage: scripts/install-deps.sh [GROUP...]
#   (none)      the C build: compiler, pkg-config, the -dev libraries (make, make install)
#   --web       node and npm, to stage Chart.js from the lockfile (a git checkout's web assets)
#   --unit      the unit tests: cmocka, tzdata, the sanitizer runtimes
#   --test      the unit and integration tests: --unit, python3, sqlite3, man tools,
#               systemd-analyze (checks the unit)
#   --browser   the browser tests: chromium, node and npm
#   --fuzz      the fuzzers: clang with libFuzzer
#   --deb       building the .deb: debhelper, dpkg-dev (make deb)
#   --nspawn    systemd-nspawn, to boot the .deb under systemd (make deb-check)
#   --bench     wrk, time, nginx (make bench)
#   --all       build, web, test, browser, fuzz and deb (what make test needs)
# LEADTIME_BROWSER=1 adds --browser.
set -eu

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "install-deps: not root and no sudo; install the packages below by hand" >&2
	fi
fi

# the C build (debian/control's Build-Depends say the same)
PKGS="build-essential pkg-config gzip libmicrohttpd-dev libsqlite3-dev \
libjansson-dev libsystemd-dev zlib1g-dev libxlsxwriter-dev \
libexpat1-dev nettle-dev"

# node and npm may come from elsewhere (nodesource); only ask Debian when absent
node_pkgs() {
	command -v npm >/dev/null 2>&1 || echo "nodejs npm"
}

groups="$*"
[ "${LEADTIME_BROWSER:-}" = 1 ] && groups="$groups --browser"
for g in $groups; do
	case $g in
	--all) groups="$groups --web --test --browser --fuzz --deb" ;;
	esac
done
for g in $groups; do
	case $g in
	--all) ;;
	--web) PKGS="$PKGS $(node_pkgs)" ;;
	# the sanitizer runtimes (make asan, make tsan) come with gcc on amd64;
	# named so that a slimmer image gets them too
	--unit) PKGS="$PKGS libcmocka-dev tzdata libasan8 libubsan1 libtsan2" ;;
	# promtool (test_hygiene.py checks /metrics with it) comes with the
	# prometheus package; where systemd runs, Debian also starts the
	# Prometheus server (port 9090), which the tests never use
	--test) PKGS="$PKGS libcmocka-dev tzdata libasan8 libubsan1 libtsan2 python3 sqlite3 curl man-db groff-base systemd prometheus" ;;
	--browser) PKGS="$PKGS chromium $(node_pkgs)" ;;
	--fuzz) PKGS="$PKGS clang libclang-rt-14-dev" ;;
	--deb) PKGS="$PKGS debhelper dpkg-dev" ;;
	--nspawn) PKGS="$PKGS systemd-container curl" ;;
	--bench)
		PKGS="$PKGS wrk time"
		# the bench runs its own private nginx (bench/nginx.py) as the warm
		# reference; on a machine whose policy allows it Debian's package also
		# starts the system service on port 80, which the bench never uses
		PKGS="$PKGS nginx"
		;;
	*)
		echo "install-deps: unknown option '$g' (see the top of $0)" >&2
		exit 2
		;;
	esac
done

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
