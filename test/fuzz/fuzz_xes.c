/*
 * fuzz_xes.c - libFuzzer target: XES event logs (and gzip-compressed XES)
 * through the streaming reader (server/xes.c, expat) and the event import
 * into an in-memory store.  Any bytes must give a clean import or
 * `line N: column C: ...` problems, never a crash, a leak, undefined
 * behaviour or memory that grows with the input.  Good inputs are
 * written; the store is recreated every 5000 inputs.
 */
#include "config.h"
#include "evimport.h"
#include "log.h"
#include "store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static struct config cfg;
static struct store *st;
static unsigned runs;

static void open_store(void)
{
	store_close(st);
	st = store_open(":memory:", 0);
	if (!st || store_sync_pipeline(st, &cfg))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERR);
	config_defaults(&cfg);
	open_store();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *in = fmemopen((void *)data, size, "rb");
	if (!in)
		return 0;
	struct ev_result res;
	ev_import(st, &cfg, in, EVF_XES, 1 << 20, &res);
	ev_result_release(&res);
	fclose(in);
	if (++runs % 5000 == 0)
		open_store();
	return 0;
}
