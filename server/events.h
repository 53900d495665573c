/*
 * events.h - from an event log to tickets (docs/ANALYTICS.md, "Event
 * logs"): which department an activity belongs to ([stages], [events]
 * done), and the stays of one case.  Pure: no I/O, no store, no
 * allocation in ev_derive(); a compiled struct ev_rules is immutable and
 * may be shared by threads.
 */
#ifndef LEADTIME_EVENTS_H
#define LEADTIME_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct ev_rules;

/* What an activity maps to: a department index (>= 0, pipeline order) or
 * one of these. */
enum ev_code {
	EV_SKIP = -1,   /* matches nothing: skipped, counted in the report */
	EV_DONE = -2,   /* matches [events] done: closes the current stay */
};

/*
 * Compile the rules of cfg: [pipeline] departments, [stages] patterns,
 * [events] done and close.  Free with ev_rules_free().
 */
struct ev_rules *ev_rules_new(const struct config *cfg);
void ev_rules_free(struct ev_rules *r);

/*
 * The code of an activity (n bytes, no NUL needed).  A `done` pattern
 * wins; then, with [stages], the first department in pipeline order with
 * a matching pattern; without [stages], the department whose name equals
 * the activity (ASCII case-insensitively).
 */
int ev_rules_map(const struct ev_rules *r, const char *activity, size_t n);

/* 1 for close = last, 0 for close = next. */
int ev_rules_close_last(const struct ev_rules *r);

/*
 * A digest of everything the derivation depends on (departments in order,
 * [stages], done, close), so a store can tell whether its tickets were
 * derived under the same rules.
 */
void ev_rules_fingerprint(const struct ev_rules *r, uint8_t out[32]);

/*
 * Shell-style glob: `*` any run, `?` one character, `[a-z]`, `[!x]`,
 * `\` quotes the next character; ASCII letters match case-insensitively.
 * 1 when s[0..n) matches pat, else 0.
 */
int ev_glob(const char *pat, const char *s, size_t n);

/* Check a comma-separated pattern list for config.ini: 0, or -1 with *why. */
int ev_check_patterns(const char *list, const char **why);

/* One event of a case, in order (instant, then place in the file). */
struct ev_in {
	int64_t at;        /* microseconds since the epoch, UTC */
	int code;          /* ev_rules_map() of its activity */
};

/* One stay = one ticket. */
struct ev_stay {
	int dept;          /* department index */
	int n;             /* 1 = the case's first stay in dept, 2 = first re-entry, ... */
	size_t first;      /* index of its first event (employee, messages) */
	int32_t opened;    /* UTC day of the first event */
	int32_t closed;    /* UTC day it closed, or DATE_NONE (open) */
};

/*
 * The stays of one case's events ev[0..n) (already ordered), for a
 * pipeline of ndepts departments, into out (room for n stays).  Returns
 * the number of stays.
 */
size_t ev_derive(const struct ev_in *ev, size_t n, int close_last, size_t ndepts,
		 struct ev_stay *out);

#endif
