#!/bin/sh
# make bench: measure leadtimed on a large generated store and rewrite the
# generated section of docs/BENCHMARKS.md (see bench/bench.py for what is
# measured and how).  Not part of `make test`.
#
#   bench/run.sh [--quick] [--runs N] [--out FILE|''] [--json FILE] ...
#
# Needs build/leadtimed (make), wrk, sqlite3 and /usr/bin/time
# (scripts/install-deps.sh --bench).  Scratch data goes to a fresh folder
# under ${TMPDIR:-/tmp}, removed at exit; every daemon started is stopped
# by its own pid.  About 6 minutes on 2 cores.
set -eu
cd "$(dirname "$0")/.."
exec python3 bench/bench.py "$@"
