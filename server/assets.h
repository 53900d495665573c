/*
 * assets.h - the web files embedded at build time (scripts/embed.c writes
 * build/gen/assets.c from web/ and the vendored Chart.js bundles).  The
 * daemon serves only names in this table: no request path ever reaches the
 * file system.
 */
#ifndef LEADTIME_ASSETS_H
#define LEADTIME_ASSETS_H

#include <stddef.h>

struct asset {
	const char *path;             /* "/index.html", "/vendor/chart.umd.min.js" */
	const unsigned char *data;
	size_t len;
	const unsigned char *gz;      /* gzip -9 of data, or NULL */
	size_t gzlen;
	const char *hash;             /* 16 hex digits of FNV-1a over data (build time) */
};

/* Terminated by a NULL path. */
extern const struct asset assets[];

#endif
