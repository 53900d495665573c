/*
 * evimport.h - event-log import (README "Event logs"; docs/ANALYTICS.md
 * "Event logs"): read a log (CSV, JSON or XES; gzip-compressed or not),
 * check every event, keep the raw events per case, derive the stays
 * (events.h) and write them as tickets through the importer (import.h),
 * all in one transaction: all or nothing.
 *
 * A case whose events are those already stored (same digest) under the
 * same rules is left as it is, so re-importing a log changes nothing (the
 * data version does not move).  A changed case replaces its stored events
 * and its tickets: stays that no longer exist are deleted.  When the
 * rules the tickets were derived under (departments, [stages], done,
 * close) differ from the store's fingerprint, every stored case is derived
 * again: by the first import under the new rules, or by ev_sync() at
 * start-up and on reload.
 */
#ifndef LEADTIME_EVIMPORT_H
#define LEADTIME_EVIMPORT_H

#include "buf.h"
#include "import.h"

#include <stdint.h>
#include <stdio.h>

struct config;
struct store;

enum ev_format { EVF_AUTO, EVF_CSV, EVF_JSON, EVF_XES };

/* "csv", "json", "xes". */
const char *ev_format_name(enum ev_format f);

#define EV_MAX_LISTED 10   /* skipped activities named in a report */

struct ev_result {
	struct import_result tickets;  /* the stays written: rows, inserted,
					* updated, unchanged; every problem
					* (nerrors, errors) */
	long events;             /* events read */
	long cases;              /* distinct cases in the input */
	long cases_new, cases_changed, cases_unchanged;
	long rederived;          /* stored cases derived again under new rules */
	long removed;            /* derived tickets deleted */
	long skipped;            /* events whose activity maps to nothing */
	long skipped_kinds;      /* distinct such activities */
	struct buf skipped_list; /* "'Note' (12), 'Call' (3)": the most frequent */
	struct {
		char *activity;      /* owned */
		long events;
	} skipped_top[EV_MAX_LISTED];  /* the same, as values */
	size_t nskipped_top;
	int too_large;           /* the input passed `limit` once decompressed */
	enum ev_format format;   /* what was read */
	int compressed;          /* the input was gzip */
};

void ev_result_init(struct ev_result *res);
void ev_result_release(struct ev_result *res);

/*
 * Import the event log `in` (EVF_AUTO: XES when it starts with '<', JSON
 * with '[', else CSV; gzip detected by its magic bytes).  `limit` caps
 * the decompressed bytes (0 = none).  Returns 0 when written (or nothing
 * changed), 1 when bad input left the store unchanged (problems in
 * res->tickets.errors), -1 on an internal error.
 */
int ev_import(struct store *st, const struct config *cfg, FILE *in, enum ev_format fmt,
	      uint64_t limit, struct ev_result *res);

/*
 * Derive every stored case again when cfg's rules differ from those the
 * store's tickets came from; record cfg's fingerprint.  Same returns as
 * ev_import() (1: a case cannot be derived under the new rules, e.g. a
 * ticket id would pass 128 bytes; nothing changed).
 */
int ev_sync(struct store *st, const struct config *cfg, struct ev_result *res);

#endif
