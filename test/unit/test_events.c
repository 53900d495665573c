/*
 * test_events.c - from events to stays (events.h), the rules of
 * docs/ANALYTICS.md "Event logs" one by one: a stay is a maximal run of
 * one department's mapped events; re-entries number n = 2, 3, ...;
 * close = next closes a stay on the next stay's first event and leaves
 * the last one open; close = last closes each on its own last event;
 * `done` closes the current stay on its date and starts none; skipped
 * events change nothing; days are UTC days of the instants (an event at
 * 23:30-02:00 is the next day).  Also the globs, the activity mapping
 * with and without [stages], and the rules' fingerprint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "date.h"
#include "events.h"
#include "ts.h"

enum { S, C, D, M, P }; /* Sales, Contract, Design, Manufacturing, Campaign */

#define DAY(y, m, d) date_from_ymd(y, m, d)

/* an event at 12:00 UTC of a day, or at an ISO timestamp */
static struct ev_in at_day(int32_t day, int code)
{
	struct ev_in e = { (int64_t)day * TS_US_PER_DAY + 12 * 3600 * 1000000LL, code };
	return e;
}

static struct ev_in at_iso(const char *s, int code)
{
	struct ev_in e = { 0, code };
	const char *why;
	if (ts_parse_iso(s, strlen(s), NULL, &e.at, &why))
		fail_msg("%s: %s", s, why);
	return e;
}

struct want {
	int dept, n;
	size_t first;
	int32_t opened, closed;
};

static void check(const struct ev_in *ev, size_t n, int close_last, const struct want *w, size_t nw)
{
	struct ev_stay out[32];
	size_t got = ev_derive(ev, n, close_last, 5, out);
	assert_int_equal(got, nw);
	for (size_t i = 0; i < nw; i++) {
		assert_int_equal(out[i].dept, w[i].dept);
		assert_int_equal(out[i].n, w[i].n);
		assert_int_equal(out[i].first, w[i].first);
		assert_int_equal(out[i].opened, w[i].opened);
		assert_int_equal(out[i].closed, w[i].closed);
	}
}

static void test_stays_close_next(void **state)
{
	(void)state;
	/* S S C D: three stays (the second S extends the first); each closes
	 * on the next one's first event; the last is open */
	struct ev_in ev[] = { at_day(DAY(2024, 3, 1), S), at_day(DAY(2024, 3, 3), S),
			      at_day(DAY(2024, 3, 5), C), at_day(DAY(2024, 3, 9), D) };
	struct want w[] = { { S, 1, 0, DAY(2024, 3, 1), DAY(2024, 3, 5) },
			    { C, 1, 2, DAY(2024, 3, 5), DAY(2024, 3, 9) },
			    { D, 1, 3, DAY(2024, 3, 9), DATE_NONE } };
	check(ev, 4, 0, w, 3);
}

static void test_single_and_empty(void **state)
{
	(void)state;
	struct ev_in one[] = { at_day(DAY(2024, 1, 2), M) };
	struct want w1[] = { { M, 1, 0, DAY(2024, 1, 2), DATE_NONE } };
	check(one, 1, 0, w1, 1);
	struct want w1l[] = { { M, 1, 0, DAY(2024, 1, 2), DAY(2024, 1, 2) } };
	check(one, 1, 1, w1l, 1);
	check(one, 0, 0, NULL, 0);
}

static void test_reentries(void **state)
{
	(void)state;
	/* S C S D S: Sales three times, n = 1, 2, 3 */
	struct ev_in ev[] = { at_day(DAY(2024, 5, 1), S), at_day(DAY(2024, 5, 2), C),
			      at_day(DAY(2024, 5, 4), S), at_day(DAY(2024, 5, 8), D),
			      at_day(DAY(2024, 5, 9), S) };
	struct want w[] = { { S, 1, 0, DAY(2024, 5, 1), DAY(2024, 5, 2) },
			    { C, 1, 1, DAY(2024, 5, 2), DAY(2024, 5, 4) },
			    { S, 2, 2, DAY(2024, 5, 4), DAY(2024, 5, 8) },
			    { D, 1, 3, DAY(2024, 5, 8), DAY(2024, 5, 9) },
			    { S, 3, 4, DAY(2024, 5, 9), DATE_NONE } };
	check(ev, 5, 0, w, 5);
}

static void test_skipped_events(void **state)
{
	(void)state;
	/* S (skip) S: one stay; a skipped event between S and S does not
	 * split it, and a skipped event after S does not close it */
	struct ev_in ev[] = { at_day(DAY(2024, 5, 1), S), at_day(DAY(2024, 5, 2), EV_SKIP),
			      at_day(DAY(2024, 5, 3), S), at_day(DAY(2024, 5, 7), EV_SKIP) };
	struct want w[] = { { S, 1, 0, DAY(2024, 5, 1), DATE_NONE } };
	check(ev, 4, 0, w, 1);
	struct want wl[] = { { S, 1, 0, DAY(2024, 5, 1), DAY(2024, 5, 3) } };
	check(ev, 4, 1, wl, 1);
	/* only skipped events: no stay; codes past the pipeline are skipped */
	struct ev_in none[] = { at_day(DAY(2024, 5, 1), EV_SKIP), at_day(DAY(2024, 5, 2), 7) };
	check(none, 2, 0, NULL, 0);
}

static void test_done(void **state)
{
	(void)state;
	/* S done C done: both closed on their done's date */
	struct ev_in ev[] = { at_day(DAY(2024, 6, 1), S), at_day(DAY(2024, 6, 4), EV_DONE),
			      at_day(DAY(2024, 6, 10), C), at_day(DAY(2024, 6, 12), C),
			      at_day(DAY(2024, 6, 15), EV_DONE) };
	struct want w[] = { { S, 1, 0, DAY(2024, 6, 1), DAY(2024, 6, 4) },
			    { C, 1, 2, DAY(2024, 6, 10), DAY(2024, 6, 15) } };
	check(ev, 5, 0, w, 2);
	/* done also wins over close = last's own last event */
	check(ev, 5, 1, w, 2);
	/* done first, done twice: nothing to close; after done the same
	 * department again is a re-entry (n = 2) */
	struct ev_in again[] = { at_day(DAY(2024, 6, 1), EV_DONE), at_day(DAY(2024, 6, 2), S),
				 at_day(DAY(2024, 6, 3), EV_DONE), at_day(DAY(2024, 6, 4), EV_DONE),
				 at_day(DAY(2024, 6, 5), S) };
	struct want wa[] = { { S, 1, 1, DAY(2024, 6, 2), DAY(2024, 6, 3) },
			     { S, 2, 4, DAY(2024, 6, 5), DATE_NONE } };
	check(again, 5, 0, wa, 2);
	/* a stay opened and done on the same day */
	struct ev_in same[] = { at_iso("2024-06-01T09:00Z", D), at_iso("2024-06-01T17:00Z", EV_DONE) };
	struct want ws[] = { { D, 1, 0, DAY(2024, 6, 1), DAY(2024, 6, 1) } };
	check(same, 2, 0, ws, 1);
}

static void test_close_last(void **state)
{
	(void)state;
	/* S S C C C D: each stay closes on its own last event */
	struct ev_in ev[] = { at_day(DAY(2024, 3, 1), S), at_day(DAY(2024, 3, 3), S),
			      at_day(DAY(2024, 3, 5), C), at_day(DAY(2024, 3, 6), C),
			      at_day(DAY(2024, 3, 8), C), at_day(DAY(2024, 3, 20), D) };
	struct want w[] = { { S, 1, 0, DAY(2024, 3, 1), DAY(2024, 3, 3) },
			    { C, 1, 2, DAY(2024, 3, 5), DAY(2024, 3, 8) },
			    { D, 1, 5, DAY(2024, 3, 20), DAY(2024, 3, 20) } };
	check(ev, 6, 1, w, 3);
	struct want wn[] = { { S, 1, 0, DAY(2024, 3, 1), DAY(2024, 3, 5) },
			     { C, 1, 2, DAY(2024, 3, 5), DAY(2024, 3, 20) },
			     { D, 1, 5, DAY(2024, 3, 20), DATE_NONE } };
	check(ev, 6, 0, wn, 3);
}

static void test_offsets_across_midnight(void **state)
{
	(void)state;
	/* 23:30 at -02:00 is 01:30 UTC the next day; 00:30 at +09:00 is the
	 * previous UTC day: the stays' days are UTC days */
	struct ev_in ev[] = { at_iso("2024-03-01T23:30:00-02:00", S),
			      at_iso("2024-03-05T00:30:00+09:00", C),
			      at_iso("2024-03-08T23:59:59.999999Z", D),
			      at_iso("2024-03-09T00:00:00+00:00", EV_DONE) };
	struct want w[] = { { S, 1, 0, DAY(2024, 3, 2), DAY(2024, 3, 4) },
			    { C, 1, 1, DAY(2024, 3, 4), DAY(2024, 3, 8) },
			    { D, 1, 2, DAY(2024, 3, 8), DAY(2024, 3, 9) } };
	check(ev, 4, 0, w, 3);
	struct want wl[] = { { S, 1, 0, DAY(2024, 3, 2), DAY(2024, 3, 2) },
			     { C, 1, 1, DAY(2024, 3, 4), DAY(2024, 3, 4) },
			     { D, 1, 2, DAY(2024, 3, 8), DAY(2024, 3, 9) } };
	check(ev, 4, 1, wl, 3);
}

static void test_glob(void **state)
{
	(void)state;
	static const struct {
		const char *pat, *s;
		int match;
	} cases[] = {
		{ "Sales", "sales", 1 },          { "Sales", "Sales team", 0 },
		{ "Sales*", "Sales team", 1 },    { "*review*", "In Review (2)", 1 },
		{ "?ales", "Sales", 1 },          { "?ales", "ales", 0 },
		{ "[Ss]ales", "sales", 1 },       { "[a-c]*", "Contract", 1 },
		{ "[!a-c]*", "Contract", 0 },     { "[!a-c]*", "Design", 1 },
		{ "Design\\*", "Design*", 1 },    { "Design\\*", "Designs", 0 },
		{ "*", "", 1 },                   { "", "", 1 },
		{ "", "x", 0 },                   { "a*b*c", "aXXbYYc", 1 },
		{ "a*b*c", "aXXbYY", 0 },         { "[abc", "[abc", 1 },
		{ "?", "é", 1 },                  { "??", "é", 0 },
		{ "*ing", "Manufacturing", 1 },   { "Q&A *", "Q&A Call", 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (ev_glob(cases[i].pat, cases[i].s, strlen(cases[i].s)) != cases[i].match)
			fail_msg("'%s' against '%s': expected %d", cases[i].pat, cases[i].s,
				 cases[i].match);
}

static void test_mapping(void **state)
{
	(void)state;
	struct config cfg;
	config_defaults(&cfg);
	struct ev_rules *r = ev_rules_new(&cfg);
	/* no [stages]: the department's name, any case; done = Done */
	assert_int_equal(ev_rules_map(r, "Sales", 5), S);
	assert_int_equal(ev_rules_map(r, "CAMPAIGN", 8), P);
	assert_int_equal(ev_rules_map(r, "Sales call", 10), EV_SKIP);
	assert_int_equal(ev_rules_map(r, "done", 4), EV_DONE);
	assert_int_equal(ev_rules_close_last(r), 0);
	uint8_t fp1[32], fp2[32], fp3[32];
	ev_rules_fingerprint(r, fp1);
	ev_rules_free(r);

	/* [stages]: first department in pipeline order wins; the names no
	 * longer map by themselves; done wins over a stage */
	cfg.has_stages = 1;
	cfg.stages[S] = strdup("Lead*, Contacted");
	cfg.stages[C] = strdup("Contract*, Lead qualified");
	cfg.stages[D] = strdup("*design*, Closed");
	free(cfg.ev_done);
	cfg.ev_done = strdup("Closed, Won");
	r = ev_rules_new(&cfg);
	assert_int_equal(ev_rules_map(r, "Lead qualified", 14), S);
	assert_int_equal(ev_rules_map(r, "Contract sent", 13), C);
	assert_int_equal(ev_rules_map(r, "Final Design review", 19), D);
	assert_int_equal(ev_rules_map(r, "Sales", 5), EV_SKIP);
	assert_int_equal(ev_rules_map(r, "closed", 6), EV_DONE);
	assert_int_equal(ev_rules_map(r, "Manufacturing", 13), EV_SKIP);
	ev_rules_fingerprint(r, fp2);
	ev_rules_free(r);
	/* the fingerprint follows every rule */
	assert_memory_not_equal(fp1, fp2, 32);
	cfg.ev_close_last = 1;
	r = ev_rules_new(&cfg);
	ev_rules_fingerprint(r, fp3);
	ev_rules_free(r);
	assert_memory_not_equal(fp2, fp3, 32);
	cfg.ev_close_last = 0;
	r = ev_rules_new(&cfg);
	ev_rules_fingerprint(r, fp3);
	ev_rules_free(r);
	assert_memory_equal(fp2, fp3, 32);
	/* "a,b" + "c" is not "a" + "b,c" */
	free(cfg.stages[S]);
	cfg.stages[S] = strdup("Lead*");
	free(cfg.stages[C]);
	cfg.stages[C] = strdup("Contacted, Contract*, Lead qualified");
	r = ev_rules_new(&cfg);
	ev_rules_fingerprint(r, fp3);
	ev_rules_free(r);
	assert_memory_not_equal(fp2, fp3, 32);
	config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stays_close_next),
		cmocka_unit_test(test_single_and_empty),
		cmocka_unit_test(test_reentries),
		cmocka_unit_test(test_skipped_events),
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_close_last),
		cmocka_unit_test(test_offsets_across_midnight),
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_mapping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
