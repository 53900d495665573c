#!/bin/sh
# Stage the files leadtimed embeds: web/ as it is, plus the Chart.js bundles
# under vendor/ with their versions in the names (so they can be cached for
# a year), each with a gzip -9 twin.
#
# The bundles come from node_modules (npm ci, in a git checkout) or, when
# it exists, from web-vendor/: a release tarball (make dist) carries them
# there, staged, so that it builds offline without npm.
#
# Usage: scripts/stage-web.sh DEST            stage everything into DEST
#        scripts/stage-web.sh --vendor DEST   only the bundles, from node_modules,
#                                             as a release tarball's web-vendor/
set -eu
only_vendor=0
if [ "${1:-}" = --vendor ]; then
	only_vendor=1
	shift
fi
dest=$1
rm -rf "$dest"
if [ $only_vendor = 1 ]; then
	mkdir -p "$dest"
	out=$dest
else
	mkdir -p "$dest/vendor"
	cp -R web/. "$dest/"
	out=$dest/vendor
fi
if [ $only_vendor = 0 ] && [ -d web-vendor ]; then
	n=$(find web-vendor -maxdepth 1 -name '*.min.js' | wc -l)
	[ "$n" -eq 4 ] || { echo "stage-web: web-vendor/ holds $n bundles, not 4" >&2; exit 1; }
	cp web-vendor/*.min.js "$out/"
else
	[ -d node_modules ] || {
		echo "stage-web: no node_modules (run npm ci) and no web-vendor/ (a release tarball's)" >&2
		exit 1
	}
	vendor() { # package file name
		v=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "node_modules/$1/package.json" | head -n 1)
		[ -n "$v" ] || { echo "stage-web: no version for $1" >&2; exit 1; }
		cp "node_modules/$1/$2" "$out/$3-$v.min.js"
	}
	vendor chart.js dist/chart.umd.min.js chart
	vendor @sgratzl/chartjs-chart-boxplot build/index.umd.min.js chartjs-chart-boxplot
	vendor chartjs-plugin-annotation dist/chartjs-plugin-annotation.min.js chartjs-plugin-annotation
	vendor chartjs-adapter-date-fns dist/chartjs-adapter-date-fns.bundle.min.js chartjs-adapter-date-fns
fi
if [ $only_vendor = 0 ]; then
	find "$dest" -type f ! -name '*.gz' -size +1k -exec gzip -9 -n -k {} \;
fi
