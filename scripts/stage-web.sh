#!/bin/sh
# Stage the files leadtimed embeds: web/ as it is, plus the Chart.js bundles
# from node_modules under vendor/ with their versions in the names (so they
# can be cached for a year), each with a gzip -9 twin.
# Usage: scripts/stage-web.sh DEST
set -eu
dest=$1
rm -rf "$dest"
mkdir -p "$dest/vendor"
cp -R web/. "$dest/"
vendor() { # package file name
	v=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "node_modules/$1/package.json" | head -n 1)
	[ -n "$v" ] || { echo "stage-web: no version for $1" >&2; exit 1; }
	cp "node_modules/$1/$2" "$dest/vendor/$3-$v.min.js"
}
vendor chart.js dist/chart.umd.min.js chart
vendor @sgratzl/chartjs-chart-boxplot build/index.umd.min.js chartjs-chart-boxplot
vendor chartjs-plugin-annotation dist/chartjs-plugin-annotation.min.js chartjs-plugin-annotation
vendor chartjs-adapter-date-fns dist/chartjs-adapter-date-fns.bundle.min.js chartjs-adapter-date-fns
find "$dest" -type f ! -name '*.gz' -size +1k -exec gzip -9 -n -k {} \;
