/*
 * fuzz_csv.c - libFuzzer target: the CSV reader and the importer.
 *
 * Every input is read record by record (server/csv.c), then imported into
 * an in-memory store through the same path as `leadtimed import` and
 * POST /api/v1/import (server/import.c): any bytes must give either a
 * clean import or row errors, never a crash, a leak or undefined
 * behaviour.  Good inputs are written, so later inputs exercise updates;
 * the store is recreated every 5000 inputs to keep memory flat.
 */
#include "config.h"
#include "csv.h"
#include "import.h"
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
	struct csv_reader *r = csv_reader_new(in);
	size_t total = 0;
	while (csv_read(r) > 0) {
		for (size_t i = 0; i < csv_nfields(r); i++) {
			size_t len;
			const char *f = csv_field(r, i, &len);
			total += len + (f[len] == '\0'); /* every field NUL-terminated */
		}
		if (csv_line(r) < 1)
			abort();
	}
	csv_reader_free(r);
	(void)total;

	rewind(in);
	struct import_result res;
	import_csv(st, &cfg, in, &res);
	import_result_release(&res);
	fclose(in);
	if (++runs % 5000 == 0)
		open_store();
	return 0;
}
