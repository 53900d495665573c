/*
 * test_evimport.c - event-log import (evimport.h) and mapped ticket
 * exports (import_map.h) into a temporary store, with their config
 * sections: tickets derived per stay with the ids CASE/Department/n;
 * re-import is a no-op (data version unchanged); a longer log updates
 * only its cases; a stay that disappears is deleted; a change of
 * [stages] derives the stored cases again (ev_sync); every bad event
 * names line and column (XES: the element's) and writes nothing; gzip,
 * JSON and XES inputs; the config errors of [events], [stages], [import].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "config.h"
#include "date.h"
#include "evimport.h"
#include "import.h"
#include "store.h"
#include "store_events.h"
#include "ts.h"

struct fixture {
	char dir[256];
	char db[300];
	char ini[300];
	char err[8192];
	struct config cfg;
	struct store *st;
};

/* Load config text (over the defaults) with stderr captured in fx->err. */
static int load_config(struct fixture *fx, const char *text)
{
	FILE *f = fopen(fx->ini, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	fflush(stderr);
	FILE *cap = tmpfile();
	int saved = dup(STDERR_FILENO);
	dup2(fileno(cap), STDERR_FILENO);
	config_defaults(&fx->cfg);
	int rc = config_load(&fx->cfg, fx->ini, 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(cap);
	size_t n = fread(fx->err, 1, sizeof(fx->err) - 1, cap);
	fx->err[n] = '\0';
	fclose(cap);
	return rc;
}

static void use_config(struct fixture *fx, const char *text)
{
	config_release(&fx->cfg);
	if (load_config(fx, text))
		fail_msg("config refused: %s", fx->err);
	assert_int_equal(store_sync_pipeline(fx->st, &fx->cfg), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/lt-evimport-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->db, sizeof(fx->db), "%s/t.db", fx->dir);
	snprintf(fx->ini, sizeof(fx->ini), "%s/config.ini", fx->dir);
	if (load_config(fx, "[aliases]\nAna Lyma = Ana Lima\n"))
		return -1;
	fx->st = store_open(fx->db, 0);
	if (!fx->st || store_sync_pipeline(fx->st, &fx->cfg))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	store_close(fx->st);
	config_release(&fx->cfg);
	char p[400];
	static const char *const sfx[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", fx->db, sfx[i]);
		unlink(p);
	}
	unlink(fx->ini);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static int run_import(struct fixture *fx, const void *data, size_t n, enum ev_format fmt,
		      struct ev_result *res)
{
	FILE *in = fmemopen((void *)data, n, "r");
	assert_non_null(in);
	int rc = ev_import(fx->st, &fx->cfg, in, fmt, 0, res);
	fclose(in);
	return rc;
}

/* Import text and insist on success; returns the result (release it). */
static void ok(struct fixture *fx, const char *text, struct ev_result *res)
{
	int rc = run_import(fx, text, strlen(text), EVF_AUTO, res);
	if (rc != 0)
		fail_msg("import gave %d: %s", rc, res->tickets.errors.data ? res->tickets.errors.data : "");
}

/* Import text expecting rc 1 with exactly `errors`, and nothing written. */
static void rejected(struct fixture *fx, const void *data, size_t n, const char *errors)
{
	int64_t version = store_data_version(fx->st), count = store_ticket_count(fx->st);
	struct ev_result res;
	int rc = run_import(fx, data, n, EVF_AUTO, &res);
	if (rc != 1)
		fail_msg("import gave %d, expected 1", rc);
	assert_string_equal(res.tickets.errors.data ? res.tickets.errors.data : "", errors);
	assert_int_equal(store_data_version(fx->st), version);
	assert_int_equal(store_ticket_count(fx->st), count);
	ev_result_release(&res);
}

/* "ticket|creator|employee|dept|opened|closed\n" for every ticket, by id. */
static void tickets(struct fixture *fx, char *out, size_t max)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT t.ticket_id, c.name, e.name, d.name, t.opened_on, t.closed_on "
					    "FROM tickets t JOIN creators c ON c.id = t.creator_id "
					    "JOIN employees e ON e.id = t.employee_id "
					    "JOIN departments d ON d.id = t.department_id ORDER BY t.ticket_id",
					    -1, &s, NULL),
			 SQLITE_OK);
	size_t len = 0;
	out[0] = '\0';
	while (sqlite3_step(s) == SQLITE_ROW) {
		char o[DATE_LEN + 1], c[DATE_LEN + 1] = "";
		date_str(sqlite3_column_int(s, 4), o);
		if (sqlite3_column_type(s, 5) != SQLITE_NULL)
			date_str(sqlite3_column_int(s, 5), c);
		len += (size_t)snprintf(out + len, max - len, "%s|%s|%s|%s|%s|%s\n",
					sqlite3_column_text(s, 0), sqlite3_column_text(s, 1),
					sqlite3_column_text(s, 2), sqlite3_column_text(s, 3), o, c);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static int64_t count_rows(struct fixture *fx, const char *table)
{
	sqlite3 *db;
	sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY, NULL);
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	sqlite3_stmt *s;
	sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

#define HDR "case,activity,timestamp,resource,lifecycle\n"
static const char log1[] = HDR
	"Alice,Sales,2024-03-01T09:00:00Z,Ana Lyma,start\n"
	"Bob,Sales,2024-03-02T09:00:00Z,,\n"
	"Alice,Email sent,2024-03-02T10:00:00Z,Ana Lima,\n"
	"Alice,Contract,2024-03-05T23:30:00-02:00,Ben Costa,\n"
	"Bob,Design,2024-03-04T09:00:00Z,Chloe Muller,\n";

static void test_import_and_reimport(void **state)
{
	struct fixture *fx = *state;
	struct ev_result res;
	ok(fx, log1, &res);
	assert_int_equal(res.events, 5);
	assert_int_equal(res.cases, 2);
	assert_int_equal(res.cases_new, 2);
	assert_int_equal(res.skipped, 1);
	assert_string_equal(res.skipped_list.data, "'Email sent' (1)");
	assert_int_equal(res.tickets.inserted, 4);
	ev_result_release(&res);
	char t[4096];
	tickets(fx, t, sizeof(t));
	/* 23:30-02:00 on the 5th is the 6th (UTC); the alias applies; an
	 * empty resource is "unassigned" */
	assert_string_equal(t, "Alice/Contract/1|Alice|Ben Costa|Contract|2024-03-06|\n"
			       "Alice/Sales/1|Alice|Ana Lima|Sales|2024-03-01|2024-03-06\n"
			       "Bob/Design/1|Bob|Chloe Muller|Design|2024-03-04|\n"
			       "Bob/Sales/1|Bob|unassigned|Sales|2024-03-02|2024-03-04\n");
	assert_int_equal(count_rows(fx, "events"), 5);
	int64_t version = store_data_version(fx->st);

	/* the same log, its rows in another order: nothing changes */
	static const char shuffled[] = HDR
		"Bob,Design,2024-03-04T09:00:00Z,Chloe Muller,\n"
		"Alice,Contract,2024-03-05T23:30:00-02:00,Ben Costa,\n"
		"Alice,Email sent,2024-03-02T10:00:00Z,Ana Lima,\n"
		"Bob,Sales,2024-03-02T09:00:00Z,,\n"
		"Alice,Sales,2024-03-01T09:00:00Z,Ana Lyma,start\n";
	ok(fx, shuffled, &res);
	assert_int_equal(res.cases_unchanged, 2);
	assert_int_equal(res.tickets.rows, 0);
	ev_result_release(&res);
	assert_int_equal(store_data_version(fx->st), version);

	/* a longer log: Alice goes on to Design (closing Contract); Bob's
	 * case is unchanged and is not touched */
	char longer[1024];
	snprintf(longer, sizeof(longer), "%sAlice,Design,2024-03-09T08:00:00Z,Dev Novak,\n", log1);
	ok(fx, longer, &res);
	assert_int_equal(res.cases_changed, 1);
	assert_int_equal(res.cases_unchanged, 1);
	assert_int_equal(res.tickets.inserted, 1);
	assert_int_equal(res.tickets.updated, 1);
	assert_int_equal(res.tickets.unchanged, 1);
	assert_int_equal(res.removed, 0);
	ev_result_release(&res);
	assert_int_equal(store_data_version(fx->st), version + 1);
	tickets(fx, t, sizeof(t));
	assert_string_equal(t, "Alice/Contract/1|Alice|Ben Costa|Contract|2024-03-06|2024-03-09\n"
			       "Alice/Design/1|Alice|Dev Novak|Design|2024-03-09|\n"
			       "Alice/Sales/1|Alice|Ana Lima|Sales|2024-03-01|2024-03-06\n"
			       "Bob/Design/1|Bob|Chloe Muller|Design|2024-03-04|\n"
			       "Bob/Sales/1|Bob|unassigned|Sales|2024-03-02|2024-03-04\n");

	/* a log of Bob alone, now without Design: his Design stay is
	 * deleted, Alice (not in the file) stays */
	ok(fx, HDR "Bob,Sales,2024-03-02T09:00:00Z,,\nBob,Done,2024-03-07T09:00:00Z,,\n", &res);
	assert_int_equal(res.removed, 1);
	assert_int_equal(res.tickets.updated, 1);
	ev_result_release(&res);
	tickets(fx, t, sizeof(t));
	assert_string_equal(t, "Alice/Contract/1|Alice|Ben Costa|Contract|2024-03-06|2024-03-09\n"
			       "Alice/Design/1|Alice|Dev Novak|Design|2024-03-09|\n"
			       "Alice/Sales/1|Alice|Ana Lima|Sales|2024-03-01|2024-03-06\n"
			       "Bob/Sales/1|Bob|unassigned|Sales|2024-03-02|2024-03-07\n");
	assert_int_equal(count_rows(fx, "event_tickets"), 4);
	assert_int_equal(count_rows(fx, "event_stage"), 0);
}

static int list_event(void *ctx, const struct store_event *e)
{
	struct buf *b = ctx;
	char t[32];
	buf_addf(b, "%s|%s|%s|%s|%s\n", e->case_name, ts_format(e->at, t), e->activity, e->resource,
		 e->lifecycle);
	return 0;
}

static void test_events_of_a_creator(void **state)
{
	struct fixture *fx = *state;
	struct ev_result res;
	ok(fx, log1, &res);
	ev_result_release(&res);
	struct buf b = BUF_INIT;
	assert_int_equal(store_events_of(fx->st, "Alice", list_event, &b), 0);
	/* in derivation order, instants in UTC, skipped events kept, the
	 * resource as written (aliases apply to tickets, not to the log) */
	assert_string_equal(b.data, "Alice|2024-03-01T09:00:00Z|Sales|Ana Lyma|start\n"
				    "Alice|2024-03-02T10:00:00Z|Email sent|Ana Lima|\n"
				    "Alice|2024-03-06T01:30:00Z|Contract|Ben Costa|\n");
	buf_reset(&b);
	assert_int_equal(store_events_of(fx->st, "Nobody", list_event, &b), 0);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void test_bad_rows(void **state)
{
	struct fixture *fx = *state;
	static const char bad[] = HDR
		"Alice,Sales,2024-03-01T09:00:00Z,,\n"
		",Sales,2024-03-01T09:00:00Z,,\n"
		"Bob,,2024-03-01,,\n"
		"Carl,Sales,2024-02-30T09:00,,\n"
		"Dana,Sales,12/Mar/24 9:41 AM,,\n"
		"Eve,Sales\n"
		"Fay,Sa\001les,2024-03-01,,\n";
	rejected(fx, bad, strlen(bad),
		 "line 3: column case: required, but empty\n"
		 "line 4: column activity: required, but empty\n"
		 "line 5: column timestamp: not a real calendar date ('2024-02-30T09:00')\n"
		 "line 6: column timestamp: not a timestamp (expected YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM]) ('12/Mar/24 9:41 AM')\n"
		 "line 7: expected 5 fields, found 2\n"
		 "line 8: column activity: contains a control character ('Sa?les')\n");
	assert_int_equal(count_rows(fx, "events"), 0);
	assert_int_equal(count_rows(fx, "event_cases"), 0);
	/* header problems */
	rejected(fx, "Case,Activity,Time\nA,Sales,2024-01-01\n", 36,
		 "line 1: column timestamp: missing from the header ([events] timestamp = timestamp; the header has 'Case', 'Activity', 'Time')\n");
	rejected(fx, "case,activity,timestamp,case\n", 29,
		 "line 1: column case: appears twice in the header (columns 1 and 4)\n");
	rejected(fx, "", 0, "line 1: empty input: expected a header line (case, activity, timestamp, ...)\n");
	rejected(fx, HDR, strlen(HDR), "no events in the input\n");
	/* nothing maps: the activities seen, most frequent first */
	static const char unmapped[] = HDR "A,Call,2024-01-01,,\nA,Lead,2024-01-02,,\nB,Lead,2024-01-02,,\n";
	rejected(fx, unmapped, strlen(unmapped),
		 "no event maps to a department: the 2 activities seen: 'Lead' (2), 'Call' (1); map them in [stages] or name them after the departments\n");
	/* a case name too long for the ticket id */
	char lng[1024];
	snprintf(lng, sizeof(lng), HDR "%0120d,Manufacturing,2024-01-01,,\n", 7);
	rejected(fx, lng, strlen(lng),
		 "line 2: column case: the ticket id of this stay, '000000000000000000000000000000000000000000000000000000000000...', is longer than 128 bytes (shorten the case)\n");
}

static void test_xes(void **state)
{
	struct fixture *fx = *state;
	static const char xes[] =
		"<?xml version=\"1.0\"?>\n"
		"<log xmlns=\"http://www.xes-standard.org/\">\n"
		"  <global scope=\"event\"><string key=\"concept:name\" value=\"x\"/></global>\n"
		"  <trace><string key=\"concept:name\" value=\"O&apos;Brien, Aiko\"/>\n"
		"    <event><string key=\"concept:name\" value=\"Sales\"/>"
		"<date key=\"time:timestamp\" value=\"2024-03-01T09:00:00.000+01:00\"/>"
		"<string key=\"org:resource\" value=\"Ana Lima\"/></event>\n"
		"    <event><date key=\"time:timestamp\" value=\"2024-03-04T10:00:00Z\"/>"
		"<string key=\"concept:name\" value=\"Done\"/></event>\n"
		"  </trace>\n"
		"  <trace><event><string key=\"concept:name\" value=\"Design\"/>"
		"<date key=\"time:timestamp\" value=\"2024-03-02\"/></event>"
		"<string key=\"concept:name\" value=\"Late name\"/></trace>\n"
		"</log>\n";
	struct ev_result res;
	ok(fx, xes, &res);
	assert_int_equal(res.format, EVF_XES);
	assert_int_equal(res.events, 3);
	ev_result_release(&res);
	char t[2048];
	tickets(fx, t, sizeof(t));
	assert_string_equal(t, "Late name/Design/1|Late name|unassigned|Design|2024-03-02|\n"
			       "O'Brien, Aiko/Sales/1|O'Brien, Aiko|Ana Lima|Sales|2024-03-01|2024-03-04\n");

	/* bad events: line and column of the element */
	static const char bad[] =
		"<log>\n"
		"<trace><string key=\"concept:name\" value=\"A\"/>\n"
		"  <event><string key=\"concept:name\" value=\"Sales\"/>\n"
		"    <date key=\"time:timestamp\" value=\"2024-13-01\"/></event>\n"
		"  <event><string key=\"concept:name\" value=\"Sales\"/></event>\n"
		"</trace>\n"
		"<trace><event><string key=\"concept:name\" value=\"Sales\"/></event></trace>\n"
		"<event/>\n"
		"</log>\n";
	rejected(fx, bad, strlen(bad),
		 "line 4: column 5: time:timestamp: not a real calendar date ('2024-13-01')\n"
		 "line 5: column 3: event has no time:timestamp\n"
		 "line 7: column 1: trace has no concept:name: the case of its 1 event is unknown\n"
		 "line 8: column 1: <event> outside a <trace>: every event belongs to a case\n");
	static const char broken[] = "<log>\n<trace>\n</log>\n";
	rejected(fx, broken, strlen(broken), "line 3: column 3: not well-formed XML: mismatched tag\n");
	static const char dtd[] = "<?xml version=\"1.0\"?>\n<!DOCTYPE log [<!ENTITY a \"b\">]>\n<log/>\n";
	rejected(fx, dtd, strlen(dtd), "line 2: column 15: a DOCTYPE is not allowed in an event log\n");
	static const char root[] = "<html/>";
	rejected(fx, root, strlen(root),
		 "line 1: column 1: not an XES log: the root element is <html>, expected <log>\n");
}

/* gzip `text` with zlib into out; returns the size. */
static size_t gzip(const char *text, unsigned char *out, size_t max)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)max;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t n = zs.total_out;
	deflateEnd(&zs);
	return n;
}

static void test_gzip_and_json(void **state)
{
	struct fixture *fx = *state;
	unsigned char gz[4096];
	size_t n = gzip(log1, gz, sizeof(gz));
	struct ev_result res;
	assert_int_equal(run_import(fx, gz, n, EVF_AUTO, &res), 0);
	assert_int_equal(res.compressed, 1);
	assert_int_equal(res.format, EVF_CSV);
	assert_int_equal(res.tickets.inserted, 4);
	ev_result_release(&res);
	/* two members, as `cat a.gz b.gz` makes: the second is read too */
	unsigned char two[8192];
	size_t n1 = gzip(log1, two, sizeof(two));
	size_t n2 = gzip("Carl,Sales,2024-04-01,,\n", two + n1, sizeof(two) - n1);
	assert_int_equal(run_import(fx, two, n1 + n2, EVF_AUTO, &res), 0);
	assert_int_equal(res.cases_new, 1);
	ev_result_release(&res);
	/* truncated */
	rejected(fx, gz, n - 8, "the input is not valid gzip data (truncated)\n");
	gz[12] ^= 0x55;
	int rc = run_import(fx, gz, n, EVF_AUTO, &res);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(res.tickets.errors.data, "not valid gzip data"));
	ev_result_release(&res);

	/* JSON: the same names as the CSV columns; items in messages */
	static const char json[] = "[{\"case\": \"Dana\", \"activity\": \"Design\", \"timestamp\": \"2024-05-01T10:00Z\"},"
				   " {\"case\": \"Dana\", \"activity\": \"done\", \"timestamp\": \"2024-05-03\", \"extra\": 1}]";
	ok(fx, json, &res);
	assert_int_equal(res.format, EVF_JSON);
	assert_int_equal(res.tickets.inserted, 1);
	ev_result_release(&res);
	static const char bad[] = "[{\"case\": \"E\", \"activity\": 3, \"timestamp\": \"2024-05-01\"}, 7,"
				  " {\"case\": \"E\", \"activity\": \"Sales\"}]";
	rejected(fx, bad, strlen(bad),
		 "item 1: field activity: must be a string\n"
		 "item 2: not a JSON object\n"
		 "item 3: field timestamp: missing\n");
	rejected(fx, "[{\"case\": ", 10,
		 "line 1: column 10: not valid JSON: unexpected token near end of file\n");
}

static void test_rederive_on_stages(void **state)
{
	struct fixture *fx = *state;
	static const char log[] = HDR
		"A,Lead,2024-01-01T10:00Z,Ana,\n"
		"A,Qualified,2024-01-03T10:00Z,Ana,\n"
		"A,Signed,2024-01-05T10:00Z,Ben,\n"
		"A,Closed,2024-01-09T10:00Z,Ben,\n";
	use_config(fx, "[stages]\nSales = Lead, Qualified\nContract = Signed\n[events]\ndone = Closed\n");
	struct ev_result res;
	ok(fx, log, &res);
	ev_result_release(&res);
	char t[2048];
	tickets(fx, t, sizeof(t));
	assert_string_equal(t, "A/Contract/1|A|Ben|Contract|2024-01-05|2024-01-09\n"
			       "A/Sales/1|A|Ana|Sales|2024-01-01|2024-01-05\n");
	int64_t version = store_data_version(fx->st);
	/* same rules: nothing to do */
	assert_int_equal(ev_sync(fx->st, &fx->cfg, &res), 0);
	assert_int_equal(res.rederived, 0);
	ev_result_release(&res);
	assert_int_equal(store_data_version(fx->st), version);
	/* Qualified now belongs to Contract: Sales ends on the 3rd, Contract
	 * starts then */
	use_config(fx, "[stages]\nSales = Lead\nContract = Qualified, Signed\n[events]\ndone = Closed\n");
	assert_int_equal(ev_sync(fx->st, &fx->cfg, &res), 0);
	assert_int_equal(res.rederived, 1);
	assert_int_equal(res.tickets.updated, 2);
	ev_result_release(&res);
	assert_int_equal(store_data_version(fx->st), version + 1);
	tickets(fx, t, sizeof(t));
	assert_string_equal(t, "A/Contract/1|A|Ana|Contract|2024-01-03|2024-01-09\n"
			       "A/Sales/1|A|Ana|Sales|2024-01-01|2024-01-03\n");
	/* Signed maps to nothing any more and Closed is no longer done:
	 * Contract ends open; an import under these rules re-derives too */
	use_config(fx, "[stages]\nSales = Lead\nContract = Qualified\n");
	ok(fx, HDR "B,Lead,2024-02-01,,\n", &res);
	assert_int_equal(res.rederived, 1);
	ev_result_release(&res);
	tickets(fx, t, sizeof(t));
	assert_string_equal(t, "A/Contract/1|A|Ana|Contract|2024-01-03|\n"
			       "A/Sales/1|A|Ana|Sales|2024-01-01|2024-01-03\n"
			       "B/Sales/1|B|unassigned|Sales|2024-02-01|\n");
	/* without Contract in [stages] its stay disappears and is deleted */
	use_config(fx, "[stages]\nSales = Lead, Qualified\n");
	assert_int_equal(ev_sync(fx->st, &fx->cfg, &res), 0);
	assert_int_equal(res.removed, 1);
	ev_result_release(&res);
	tickets(fx, t, sizeof(t));
	assert_string_equal(t, "A/Sales/1|A|Ana|Sales|2024-01-01|\n"
			       "B/Sales/1|B|unassigned|Sales|2024-02-01|\n");
}

static void test_ticket_id_taken(void **state)
{
	struct fixture *fx = *state;
	static const char csv[] = "ticket_id,creator,employee,department,opened_on,closed_on\n"
				  "A/Sales/1,A,Ana,Sales,2024-01-01,\n";
	FILE *in = fmemopen((void *)csv, strlen(csv), "r");
	struct import_result ir;
	assert_int_equal(import_csv(fx->st, &fx->cfg, in, &ir), 0);
	import_result_release(&ir);
	fclose(in);
	static const char log[] = HDR "A,Sales,2024-01-01,,\n";
	rejected(fx, log, strlen(log),
		 "line 2: column case: the ticket id 'A/Sales/1' is taken by a ticket that was not derived from events\n");
}

static void test_config_sections(void **state)
{
	struct fixture *fx = *state;
	struct config *cfg = &fx->cfg;
	config_release(cfg);
	assert_int_equal(load_config(fx, "[events]\ncase = Issue\nactivity = Status\ntimestamp = When\n"
					 "timestamp_format = %d/%b/%y %I:%M %p\ntimezone = Europe/Berlin\n"
					 "close = last\ndone = Resolved, Closed*\n"
					 "[stages]\nDesign = In design, Review*\n"
					 "[import]\nprofile = jira\ncreator = Custom field (Creator)\n"),
			 0);
	assert_string_equal(cfg->ev_col[EVC_CASE], "Issue");
	assert_string_equal(cfg->ev_col[EVC_RESOURCE], "resource");
	assert_string_equal(cfg->ev_ts_format, "%d/%b/%y %I:%M %p");
	assert_int_equal(cfg->ev_close_last, 1);
	assert_int_equal(cfg->has_stages, 1);
	assert_string_equal(cfg->stages[2], "In design, Review*");
	assert_null(cfg->stages[0]);
	assert_int_equal(cfg->imap, 1);
	assert_string_equal(cfg->imap_col[0], "Issue key");
	assert_string_equal(cfg->imap_col[1], "Custom field (Creator)");
	assert_string_equal(cfg->imap_col[4], "Created");
	assert_string_equal(cfg->imap_date_format, "%d/%b/%y %I:%M %p");
	config_release(cfg);

	static const struct {
		const char *text, *err;
	} bad[] = {
		{ "[events]\nclose = first\n", "key 'close': 'first' is not one of next, last" },
		{ "[events]\ncase =\n", "key 'case': empty column name" },
		{ "[events]\ntimezone = Mars/Olympus\n", "key 'timezone': 'Mars/Olympus' is not a time zone" },
		{ "[events]\ntimestamp_format = %d/%m\n",
		  "key 'timestamp_format': '%d/%m' needs a year, a month and a day" },
		{ "[events]\nwhen = x\n", "key 'when': unknown key in [events]" },
		{ "[stages]\nSalse = Lead*\n", "key 'Salse': not a department of [pipeline] (did you mean Sales?)" },
		{ "[stages]\nSales = Lead\nSales = Qual\n", "key 'Sales': set twice (first on line 2)" },
		{ "[stages]\nSales =\n", "key 'Sales': no activity patterns" },
		{ "[import]\nticket_id = row\n", "key 'ticket_id': 'row' numbers the rows of each file: set id_prefix" },
		{ "[import]\nprofile = trello\n", "key 'profile': 'trello' is not one of jira, zendesk" },
		{ "[import]\ndate_format = %Q\n", "key 'date_format': '%Q' has an unknown conversion" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (load_config(fx, bad[i].text) == 0)
			fail_msg("accepted: %s", bad[i].text);
		char want[512];
		snprintf(want, sizeof(want), "%s:", fx->ini);
		if (!strstr(fx->err, want) || !strstr(fx->err, bad[i].err))
			fail_msg("for %s expected '%s', got '%s'", bad[i].text, bad[i].err, fx->err);
	}
	/* leave a good config for teardown */
	assert_int_equal(load_config(fx, ""), 0);
}

static int map_import(struct fixture *fx, const char *text, struct import_result *res)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int rc = import_csv(fx->st, &fx->cfg, in, res);
	fclose(in);
	return rc;
}

static void test_mapped_exports(void **state)
{
	struct fixture *fx = *state;
	/* the study's combined.csv shape */
	use_config(fx, "[import]\nticket_id = row\nid_prefix = combined-\n"
		       "opened_on = start_date\nclosed_on = end_date\n");
	static const char combined[] = ",creator,employee,department,start_date,end_date\n"
				       "0,Ann Lee,Ana Lima,SALES,2019-01-03,2019-01-20\n"
				       "1,Ann Lee,Ben Costa,contract,2019-01-22,\n";
	struct import_result res;
	assert_int_equal(map_import(fx, combined, &res), 0);
	assert_int_equal(res.inserted, 2);
	import_result_release(&res);
	char t[2048];
	tickets(fx, t, sizeof(t));
	assert_string_equal(t, "combined-000001|Ann Lee|Ana Lima|Sales|2019-01-03|2019-01-20\n"
			       "combined-000002|Ann Lee|Ben Costa|Contract|2019-01-22|\n");
	static const char bad[] = ",creator,employee,department,start_date,end_date\n"
				  "0,Ann Lee,Ana Lima,SALSE,2019-01-03,2019-01-20\n"
				  "1,,Ben Costa,Contract,2019-01-22,2019-01-21\n"
				  "2,Bo,Ben Costa,Contract,22/01/2019,\n";
	assert_int_equal(map_import(fx, bad, &res), 1);
	assert_string_equal(res.errors.data,
			    "line 2: column department: not a configured department (did you mean Sales?) ('SALSE')\n"
			    "line 3: column creator: required, but empty\n"
			    "line 4: column start_date: not a timestamp (expected YYYY-MM-DD[THH:MM[:SS[.ffffff]]][Z|±HH:MM]) ('22/01/2019')\n");
	import_result_release(&res);
	static const char late[] = ",creator,employee,department,start_date,end_date\n"
				   "0,Ann Lee,Ana Lima,Sales,2019-01-03,2019-01-02\n";
	assert_int_equal(map_import(fx, late, &res), 1);
	assert_string_equal(res.errors.data,
			    "line 2: column end_date: before opened_on 2019-01-03 ('2019-01-02')\n");
	import_result_release(&res);

	/* a Jira export: repeated Labels, its dates, a named zone */
	use_config(fx, "[import]\nprofile = jira\ncreator = Custom field (Creator)\n"
		       "id_prefix = JIRA-\ntimezone = Europe/Berlin\n");
	static const char jira[] =
		"Summary,Issue key,Issue id,Labels,Labels,Custom field (Creator),Assignee,Project name,Created,Resolved\n"
		"Plush brief,PL-1,10001,a,b,Ann Lee,Ana Lima,design,12/Mar/24 9:41 AM,1/Apr/24 12:30 AM\n"
		"\"Follow-up, again\",PL-2,10002,,,Ann Lee,Ben Costa,Design,31/Mar/24 11:30 PM,\n";
	assert_int_equal(map_import(fx, jira, &res), 0);
	import_result_release(&res);
	tickets(fx, t, sizeof(t));
	/* 1/Apr 00:30 CEST is 31/Mar 22:30 UTC */
	assert_non_null(strstr(t, "JIRA-PL-1|Ann Lee|Ana Lima|Design|2024-03-12|2024-03-31\n"));
	assert_non_null(strstr(t, "JIRA-PL-2|Ann Lee|Ben Costa|Design|2024-03-31|\n"));
	static const char twice[] = "Issue key,Issue key,Custom field (Creator),Assignee,Project name,Created,Resolved\n";
	assert_int_equal(map_import(fx, twice, &res), 1);
	assert_string_equal(res.errors.data,
			    "line 1: column 'Issue key': appears twice in the header (columns 1 and 2); [import] ticket_id needs a column that appears once\n");
	import_result_release(&res);
	static const char missing[] = "Issue key,Assignee,Project name,Created,Resolved\n";
	assert_int_equal(map_import(fx, missing, &res), 1);
	assert_string_equal(res.errors.data,
			    "line 1: column 'Custom field (Creator)': missing from the header ([import] creator = Custom field (Creator); the header has 'Issue key', 'Assignee', 'Project name', 'Created', 'Resolved')\n");
	import_result_release(&res);
	static const char baddate[] = "Issue key,Custom field (Creator),Assignee,Project name,Created,Resolved\n"
				      "PL-9,Ann,Ana,Sales,2024-03-12,\n";
	assert_int_equal(map_import(fx, baddate, &res), 1);
	assert_string_equal(res.errors.data,
			    "line 2: column Created: does not match the format (a separator differs); date_format is '%d/%b/%y %I:%M %p' ('2024-03-12')\n");
	import_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_and_reimport, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_of_a_creator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_and_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rederive_on_stages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ticket_id_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_sections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mapped_exports, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
