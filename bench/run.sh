#!/bin/sh
# make bench: measure leadtimed on a 1M-ticket and a 10M-ticket generated
# store and rewrite the generated section of docs/BENCHMARKS.md (see
# bench/bench.py for what is measured and how).  Not part of `make test`.
#
#   bench/run.sh [--quick] [--no-10m] [--runs N] [--out FILE|''] [--json FILE] ...
#
# Needs build/leadtimed (make), wrk, nginx, sqlite3 and /usr/bin/time
# (scripts/install-deps.sh --bench).  Scratch data goes to a fresh folder
# under ${TMPDIR:-/tmp}, removed at exit (the 10M part needs about 5 GB
# there; it checks first and is skipped, saying so, when they are not
# free); every process started is stopped by its own pid.  With the
# engine of 5b886b2 a full run took 50 minutes on a crowded 2-core machine
# (the three 10M imports most of it; --no-10m leaves them out); --quick
# runs every part on small sizes in about 1.5 minutes and only prints its
# report.
set -eu
cd "$(dirname "$0")/.."
exec python3 bench/bench.py "$@"
