/*
 * fuzz_evcsv.c - libFuzzer target: event logs as CSV (and JSON, and gzip
 * of either) through the whole event import: reader (server/evcsv.c),
 * timestamp parsing with and without a format and a zone (ts.c, tz.c),
 * activity mapping with [stages] globs (events.c), staging, derivation
 * and the all-or-nothing write (evimport.c) into an in-memory store.
 * Any bytes must give a clean import or problems, never a crash, a leak
 * or undefined behaviour.  The first byte picks one of two configs; good
 * inputs are written, so later ones exercise re-imports and replaced
 * cases; the store is recreated every 5000 inputs.
 */
#include "config.h"
#include "evimport.h"
#include "log.h"
#include "store.h"
#include "tz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct config cfg[2];
static struct store *st;
static unsigned runs;

static void open_store(void)
{
	store_close(st);
	st = store_open(":memory:", 0);
	if (!st || store_sync_pipeline(st, &cfg[0]))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	config_defaults(&cfg[0]);
	config_defaults(&cfg[1]);
	/* the second: a format, a named zone, globs, close = last */
	struct config *c = &cfg[1];
	free(c->ev_ts_format);
	c->ev_ts_format = strdup("%d/%b/%y %I:%M %p");
	char err[256];
	tz_free(c->ev_tz);
	c->ev_tz = tz_load("Europe/Berlin", err, sizeof(err));
	if (!c->ev_tz)
		abort();
	c->ev_close_last = 1;
	c->has_stages = 1;
	c->stages[0] = strdup("Lead*, [Qq]ualif?ed, \\*x");
	c->stages[2] = strdup("*design*, [!a-c]*");
	free(c->ev_done);
	c->ev_done = strdup("Closed, Won*");
	open_store();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const struct config *c = &cfg[data[0] & 1];
	FILE *in = fmemopen((void *)(data + 1), size - 1, "rb");
	if (!in)
		return 0;
	struct ev_result res;
	ev_import(st, c, in, data[0] & 2 ? EVF_AUTO : EVF_CSV, 1 << 20, &res);
	ev_result_release(&res);
	fclose(in);
	if (++runs % 5000 == 0)
		open_store();
	return 0;
}
