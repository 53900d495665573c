/*
 * gen_events.h - `leadtimed generate --events`: the synthetic data set of
 * gen.h written as the status history a ticket tool would export, whose
 * stays (docs/ANALYTICS.md "Event logs", close = next) are exactly the
 * tickets `generate` writes for the same options.
 *
 * Per creator (the case), in order: each ticket's department as the
 * activity on its opened day, by its employee; sometimes follow-up events
 * of the same department and notes whose activity maps to nothing
 * ("Email sent", "Call", "Note added": skipped by the import); and a
 * `Done` event on its closing day unless the next ticket, in another
 * department, opens that same day (whose event then closes it).  Times of
 * day rise through each day; each creator's timestamps are written in one
 * of a few UTC offsets (some cross midnight), the instants unchanged.
 * Decorations draw on their own random stream, so the tickets are those of
 * `generate`, byte for byte in their fields.
 */
#ifndef LEADTIME_GEN_EVENTS_H
#define LEADTIME_GEN_EVENTS_H

#include <stdio.h>

struct config;
struct gen_opts;
struct gen_stats;

enum gen_events_format { GEN_EV_CSV, GEN_EV_XES };

/* Write the event log to out (CSV with the [events] column names, or
 * XES).  *events receives the number of events.  0 or -1. */
int gen_events(FILE *out, enum gen_events_format fmt, const struct config *cfg,
	       const struct gen_opts *o, struct gen_stats *stats, long *events);

/* NULL when the activities the log uses (department names, Done, the
 * notes) map under cfg's [stages] and [events] done as intended, else a
 * warning to print (static). */
const char *gen_events_check(const struct config *cfg);

#endif
