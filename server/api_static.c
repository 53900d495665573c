/*
 * api_static.c - the dashboard's files, from the embedded table only.
 *
 * `/` is /index.html and `/name` is /name.html when that exists, so page
 * URLs carry no extension.  Vendored files (their names carry the package
 * version) are cached for a year; pages, scripts and styles are revalidated
 * with an ETag (a hash of their bytes) on every load.  The gzip variant is
 * sent to clients that accept it.
 */
#include "api.h"
#include "assets.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

static const char *content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".json", "application/json" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

static const struct asset *find(const char *path)
{
	for (const struct asset *a = assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

int api_static(struct http_req *r)
{
	const char *path = r->path;
	char alt[256];
	const struct asset *a = NULL;
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	if (strlen(path) < 200) {
		a = find(path);
		if (!a) {
			snprintf(alt, sizeof(alt), "%s.html", path);
			a = find(alt);
		}
	}
	if (!a)
		return http_reply_error(r, 404, "not_found", NULL, "no such page: %.200s", r->path);

	int gz = a->gz && http_accepts_gzip(r);
	/* one strong ETag per representation: the gzip bytes are not the
	 * plain bytes (RFC 9110 §8.8.3) */
	char etag[32];
	snprintf(etag, sizeof(etag), "\"%s%s\"", a->hash, gz ? "-gz" : "");
	int vendored = strncmp(a->path, "/vendor/", 8) == 0;
	const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
	struct MHD_Response *resp;
	unsigned status = 200;
	if (inm && strstr(inm, etag)) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		status = 304;
	} else {
		resp = MHD_create_response_from_buffer(gz ? a->gzlen : a->len,
						       (void *)(gz ? a->gz : a->data),
						       MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", content_type(a->path));
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	MHD_add_response_header(resp, "Cache-Control",
				vendored ? "public, max-age=31536000, immutable" : "no-cache");
	if (gz && status == 200)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	return http_reply_response(r, status, resp, status == 200 ? (gz ? a->gzlen : a->len) : 0);
}
