/*
 * test_import.c - CSV import (import.h) into a temporary store: exact
 * `line N: column C: ...` messages, all-or-nothing writes, counts,
 * idempotent re-imports, aliases, ISO timestamps, BOM/CRLF input and
 * header handling.
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

#include "buf.h"
#include "config.h"
#include "date.h"
#include "import.h"
#include "log.h"
#include "store.h"

#define HEADER "ticket_id,creator,employee,department,opened_on,closed_on\n"
#define EXPECTED_COLS "(expected ticket_id, creator, employee, department, opened_on, closed_on)"

struct fixture {
	char dir[256];
	char db[300];
	char ini[300];
	struct config cfg;
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/lt-import-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->db, sizeof(fx->db), "%s/t.db", fx->dir);
	snprintf(fx->ini, sizeof(fx->ini), "%s/config.ini", fx->dir);
	FILE *f = fopen(fx->ini, "w");
	if (!f)
		return -1;
	fputs("[aliases]\nJonn Smith = Jon Smith\nAna Lyma = Ana Lima\n", f);
	fclose(f);
	config_defaults(&fx->cfg);
	if (config_load(&fx->cfg, fx->ini, 0))
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

static int import_n(struct fixture *fx, const char *text, size_t n, struct import_result *res)
{
	FILE *in = fmemopen((void *)text, n, "r");
	assert_non_null(in);
	int rc = import_csv(fx->st, &fx->cfg, in, res);
	fclose(in);
	return rc;
}

static int import_str(struct fixture *fx, const char *text, struct import_result *res)
{
	return import_n(fx, text, strlen(text), res);
}

/* Import `text`, expecting bad input: rc 1, exactly `errors`, nothing written. */
static void expect_rejected(struct fixture *fx, const char *text, const char *errors, long nerrors)
{
	int64_t count = store_ticket_count(fx->st), version = store_data_version(fx->st);
	struct import_result res;
	int rc = import_str(fx, text, &res);
	if (rc != 1) {
		import_result_release(&res);
		fail_msg("import gave %d, expected 1", rc);
	}
	assert_non_null(res.errors.data);
	assert_string_equal(res.errors.data, errors);
	assert_int_equal(res.nerrors, nerrors);
	assert_int_equal(res.inserted + res.updated + res.unchanged, 0);
	assert_int_equal(store_ticket_count(fx->st), count);
	assert_int_equal(store_data_version(fx->st), version);
	import_result_release(&res);
}

static void expect_ok(struct fixture *fx, const char *text, long rows, long ins, long upd, long same)
{
	struct import_result res;
	int rc = import_str(fx, text, &res);
	if (rc != 0) {
		char msg[2048];
		snprintf(msg, sizeof(msg), "%s", res.errors.data ? res.errors.data : "(none)");
		import_result_release(&res);
		fail_msg("import gave %d; errors: %s", rc, msg);
	}
	assert_int_equal(res.nerrors, 0);
	assert_int_equal(res.rows, rows);
	assert_int_equal(res.inserted, ins);
	assert_int_equal(res.updated, upd);
	assert_int_equal(res.unchanged, same);
	import_result_release(&res);
}

/* A stored ticket, with names resolved. */
struct stored {
	char tid[200];
	char creator[300];
	char employee[300];
	char dept[64];
	int32_t opened, closed;
};

/* Every ticket in the store, in insertion order; returns the count. */
static size_t dump(struct fixture *fx, struct stored *out, size_t max)
{
	struct store_dims dims;
	assert_int_equal(store_load_dims(fx->st, &dims), 0);
	struct store_iter *it = store_iter_all(fx->st);
	assert_non_null(it);
	struct store_ticket t;
	size_t n = 0;
	int rc;
	while ((rc = store_iter_next(it, &t)) > 0) {
		assert_true(n < max);
		struct stored *s = &out[n++];
		memset(s, 0, sizeof(*s)); /* compared with memcmp */
		snprintf(s->tid, sizeof(s->tid), "%s", t.ticket_id);
		snprintf(s->creator, sizeof(s->creator), "%s", t.creator);
		const struct store_employee *e = store_dims_employee(&dims, t.employee_id);
		const struct store_dept *d = store_dims_dept(&dims, t.dept_id);
		assert_non_null(e);
		assert_non_null(d);
		assert_int_equal(e->dept_id, t.dept_id);
		snprintf(s->employee, sizeof(s->employee), "%s", e->name);
		snprintf(s->dept, sizeof(s->dept), "%s", d->name);
		s->opened = t.opened;
		s->closed = t.closed;
	}
	assert_int_equal(rc, 0);
	store_iter_free(it);
	store_dims_release(&dims);
	return n;
}

static const struct stored *find(const struct stored *s, size_t n, const char *tid)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].tid, tid) == 0)
			return &s[i];
	fail_msg("ticket '%s' is not in the store", tid);
	return NULL;
}

static int32_t day(const char *s)
{
	int32_t d;
	assert_int_equal(date_parse(s, strlen(s), &d), 0);
	return d;
}

/* The ticket indexes (× 1) and change-log triggers (× 100) of the schema,
 * counted in sqlite_master: a bulk load drops and rebuilds both. */
static int ticket_indexes(struct fixture *fx)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(db,
					    "SELECT sum(CASE type WHEN 'index' THEN 1 ELSE 100 END) "
					    "FROM sqlite_master WHERE type IN ('index', 'trigger') "
					    "AND tbl_name = 'tickets' AND sql IS NOT NULL",
					    -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	int n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* ---- good input ---- */

static const char good3[] = HEADER
	"T1,\"Studio, \"\"Big\"\" Co\",Eve Ng,Sales,2024-01-02,2024-01-09\n"
	"T2,Cy,Jon Smith,Design,2024-01-03,\n"
	"T3,Cy,Eve Ng,Sales,2024-01-05,2024-01-05\n";

static void test_good_import_and_counts(void **state)
{
	struct fixture *fx = *state;
	int64_t v0 = store_data_version(fx->st);
	expect_ok(fx, good3, 3, 3, 0, 0);
	assert_int_equal(store_ticket_count(fx->st), 3);
	assert_int_equal(store_data_version(fx->st), v0 + 1);

	struct stored s[8];
	size_t n = dump(fx, s, 8);
	assert_int_equal(n, 3);
	const struct stored *t1 = find(s, n, "T1"), *t2 = find(s, n, "T2"), *t3 = find(s, n, "T3");
	assert_string_equal(t1->creator, "Studio, \"Big\" Co");
	assert_string_equal(t1->employee, "Eve Ng");
	assert_string_equal(t1->dept, "Sales");
	assert_int_equal(t1->opened, day("2024-01-02"));
	assert_int_equal(t1->closed, day("2024-01-09"));
	assert_string_equal(t2->dept, "Design");
	assert_int_equal(t2->closed, DATE_NONE);
	assert_int_equal(t3->opened, t3->closed);
	/* the bulk load rebuilt every index */
	assert_int_equal(ticket_indexes(fx), 304);

	/* the same file again changes nothing, not even the data version */
	expect_ok(fx, good3, 3, 0, 0, 3);
	assert_int_equal(store_ticket_count(fx->st), 3);
	assert_int_equal(store_data_version(fx->st), v0 + 1);
	struct stored s2[8];
	assert_int_equal(dump(fx, s2, 8), 3);
	assert_memory_equal(s, s2, 3 * sizeof(s[0]));

	/* T2 closed since; T4 is new */
	expect_ok(fx, HEADER
		  "T1,\"Studio, \"\"Big\"\" Co\",Eve Ng,Sales,2024-01-02,2024-01-09\n"
		  "T2,Cy,Jon Smith,Design,2024-01-03,2024-02-01\n"
		  "T4,Dee,Eve Ng,Contract,2024-01-04,\n",
		  3, 1, 1, 1);
	assert_int_equal(store_ticket_count(fx->st), 4);
	assert_int_equal(store_data_version(fx->st), v0 + 2);
	n = dump(fx, s, 8);
	assert_int_equal(find(s, n, "T2")->closed, day("2024-02-01"));
	assert_int_equal(find(s, n, "T4")->closed, DATE_NONE);
	/* an update may move a ticket to another employee and department */
	expect_ok(fx, HEADER "T4,Dee,Ana Lima,Design,2024-01-04,2024-01-06\n", 1, 0, 1, 0);
	n = dump(fx, s, 8);
	assert_string_equal(find(s, n, "T4")->employee, "Ana Lima");
	assert_string_equal(find(s, n, "T4")->dept, "Design");
	assert_int_equal(ticket_indexes(fx), 304);
}

static void test_header_only_and_blank_lines(void **state)
{
	struct fixture *fx = *state;
	expect_ok(fx, HEADER, 0, 0, 0, 0);
	expect_ok(fx, HEADER "\n\nT1,Cy,Eve,Sales,2024-01-01,\n\n", 1, 1, 0, 0);
	expect_ok(fx, "ticket_id,creator,employee,department,opened_on,closed_on", 0, 0, 0, 0);
	assert_int_equal(store_ticket_count(fx->st), 1);
}

static void test_columns_in_another_order(void **state)
{
	struct fixture *fx = *state;
	expect_ok(fx, "closed_on,department,opened_on,employee,ticket_id,creator\n"
		      "2024-01-09,Campaign,2024-01-02,Eve,X1,Cy\n"
		      ",Sales,2024-01-03,Bo,X2,Dee\n",
		  2, 2, 0, 0);
	struct stored s[4];
	size_t n = dump(fx, s, 4);
	const struct stored *x1 = find(s, n, "X1"), *x2 = find(s, n, "X2");
	assert_string_equal(x1->creator, "Cy");
	assert_string_equal(x1->employee, "Eve");
	assert_string_equal(x1->dept, "Campaign");
	assert_int_equal(x1->opened, day("2024-01-02"));
	assert_int_equal(x1->closed, day("2024-01-09"));
	assert_string_equal(x2->creator, "Dee");
	assert_int_equal(x2->closed, DATE_NONE);
}

static void test_bom_and_crlf(void **state)
{
	struct fixture *fx = *state;
	expect_ok(fx, "\xEF\xBB\xBFticket_id,creator,employee,department,opened_on,closed_on\r\n"
		      "B1,\"Zoë, \"\"Z\"\"\",Eve,Sales,2024-01-01,2024-01-03\r\n"
		      "B2,Cy,Eve,Sales,2024-01-02,\r\n",
		  2, 2, 0, 0);
	struct stored s[4];
	size_t n = dump(fx, s, 4);
	assert_string_equal(find(s, n, "B1")->creator, "Zoë, \"Z\"");
	assert_int_equal(find(s, n, "B1")->closed, day("2024-01-03"));
	assert_int_equal(find(s, n, "B2")->closed, DATE_NONE); /* no stray \r */
	/* the same rows with LF and no BOM are the same tickets */
	expect_ok(fx, HEADER "B1,\"Zoë, \"\"Z\"\"\",Eve,Sales,2024-01-01,2024-01-03\n"
			     "B2,Cy,Eve,Sales,2024-01-02,\n",
		  2, 0, 0, 2);
}

static void test_iso_timestamps(void **state)
{
	struct fixture *fx = *state;
	expect_ok(fx, HEADER
		  "I1,Cy,Eve,Sales,2024-03-01T00:30:00+01:00,2024-03-01T23:00:00-02:00\n"
		  "I2,Cy,Eve,Sales,2024-03-01 10:00:00.123Z,2024-03-01T23:59:59Z\n"
		  "I3,Cy,Eve,Sales,2024-12-31T20:00:00-05:30,\n"
		  "I4,Cy,Eve,Sales,2024-03-01T12:00,2024-03-02T01:00+02:00\n",
		  4, 4, 0, 0);
	struct stored s[8];
	size_t n = dump(fx, s, 8);
	assert_int_equal(find(s, n, "I1")->opened, day("2024-02-29"));
	assert_int_equal(find(s, n, "I1")->closed, day("2024-03-02"));
	assert_int_equal(find(s, n, "I2")->opened, day("2024-03-01"));
	assert_int_equal(find(s, n, "I2")->closed, day("2024-03-01"));
	assert_int_equal(find(s, n, "I3")->opened, day("2025-01-01"));
	assert_int_equal(find(s, n, "I4")->opened, day("2024-03-01"));
	assert_int_equal(find(s, n, "I4")->closed, day("2024-03-01"));
	/* the date and the timestamp of the same UTC day are the same ticket */
	expect_ok(fx, HEADER "I1,Cy,Eve,Sales,2024-02-29,2024-03-02\n", 1, 0, 0, 1);
}

static void test_aliases(void **state)
{
	struct fixture *fx = *state;
	expect_ok(fx, HEADER
		  "A1,Cy,Jonn Smith,Sales,2024-01-01,\n"
		  "A2,Cy,Jon Smith,Sales,2024-01-01,\n"
		  "A3,Cy, Ana Lyma ,Design,2024-01-01,\n"
		  "A4,Cy,Jonn Smith,Contract,2024-01-01,\n",
		  4, 4, 0, 0);
	struct stored s[8];
	size_t n = dump(fx, s, 8);
	assert_string_equal(find(s, n, "A1")->employee, "Jon Smith");
	assert_string_equal(find(s, n, "A2")->employee, "Jon Smith");
	assert_string_equal(find(s, n, "A3")->employee, "Ana Lima");
	assert_string_equal(find(s, n, "A4")->employee, "Jon Smith");
	assert_string_equal(find(s, n, "A4")->dept, "Contract");

	/* no employee carries a misspelt name; Jon Smith is one employee per department */
	struct store_dims dims;
	assert_int_equal(store_load_dims(fx->st, &dims), 0);
	int jon = 0;
	for (size_t i = 0; i < dims.nemps; i++) {
		assert_string_not_equal(dims.emps[i].name, "Jonn Smith");
		assert_string_not_equal(dims.emps[i].name, "Ana Lyma");
		jon += strcmp(dims.emps[i].name, "Jon Smith") == 0;
	}
	assert_int_equal(jon, 2);
	assert_int_equal(dims.nemps, 3);
	store_dims_release(&dims);

	/* re-importing with the real name is no change */
	expect_ok(fx, HEADER "A1,Cy,Jon Smith,Sales,2024-01-01,\n", 1, 0, 0, 1);
}

/* Fields are trimmed of surrounding blanks (docs/DESIGN.md). */
static void test_trimmed_fields(void **state)
{
	struct fixture *fx = *state;
	expect_ok(fx, HEADER " W1 ,\t Cy ,Eve , Sales , 2024-01-01 , 2024-01-02\n", 1, 1, 0, 0);
	struct stored s[2];
	size_t n = dump(fx, s, 2);
	assert_string_equal(find(s, n, "W1")->creator, "Cy");
	assert_string_equal(find(s, n, "W1")->employee, "Eve");
	assert_int_equal(find(s, n, "W1")->closed, day("2024-01-02"));
}

static void test_length_limits_accepted(void **state)
{
	struct fixture *fx = *state;
	struct buf b = BUF_INIT;
	buf_addstr(&b, HEADER);
	for (int i = 0; i < 128; i++)
		buf_addch(&b, 'k');
	buf_addch(&b, ',');
	for (int i = 0; i < 256; i++)
		buf_addch(&b, 'c');
	buf_addch(&b, ',');
	for (int i = 0; i < 128; i++)
		buf_addstr(&b, "é"); /* 256 bytes */
	buf_addstr(&b, ",Sales,2024-01-01,\n");
	expect_ok(fx, b.data, 1, 1, 0, 0);
	buf_release(&b);
}

/* SPEC §2 quotes fields holding CR or LF, so a name may hold a line break
 * (a quoted multi-line CSV field); it is stored as given. */
static void test_name_with_line_break_is_kept(void **state)
{
	struct fixture *fx = *state;
	expect_ok(fx, HEADER "N1,\"Line\nBreak Studio\",\"Eve\r\nNg\",Sales,2024-01-01,\n", 1, 1, 0, 0);
	struct stored s[2];
	size_t n = dump(fx, s, 2);
	assert_string_equal(find(s, n, "N1")->creator, "Line\nBreak Studio");
	assert_string_equal(find(s, n, "N1")->employee, "Eve\r\nNg");
}

/* ---- bad rows ---- */

static void test_bad_rows_exact_messages(void **state)
{
	struct fixture *fx = *state;
	char long_id[130];
	memset(long_id, 'x', 129);
	long_id[129] = '\0';
	struct buf in = BUF_INIT, want = BUF_INIT;
	buf_addstr(&in, HEADER);
	buf_addstr(&in, "G1,Cy,Eve,Sales,2024-01-01,2024-01-02\n");                    /* 2 ok */
	buf_addstr(&in, "G2,Cy,Eve,Sales,2024-02-30,\n");                              /* 3 */
	buf_addstr(&in, "G3,Cy,Eve,Sales,2024-01-05,2024-01-01\n");                    /* 4 */
	buf_addstr(&in, "G4,Cy,Eve,Legal,2024-01-05,\n");                              /* 5 */
	buf_addstr(&in, "G5,,Eve,Sales,2024-01-05,\n");                                /* 6 */
	buf_addstr(&in, "G1,Cy,Eve,Sales,2024-01-01,2024-01-02\n");                    /* 7 */
	buf_addstr(&in, "G6,Cy,Eve,Sales,2024-01-05\n");                               /* 8 */
	buf_addf(&in, "%s,Cy,Eve,Sales,2024-01-05,\n", long_id);                       /* 9 */
	buf_addstr(&in, "G7,Cy,Eve,Sales,,\n");                                        /* 10 */
	buf_addstr(&in, "G8,Cy,Eve,Sales,2024-03-01T25:00Z,\n");                       /* 11 */
	buf_addstr(&in, "G9,Cy,Eve,Sales,2024-01-05,2024-01-05T01:00+02:00\n");        /* 12 */
	buf_addstr(&in, ",Cy,,sales,2024-01-05,\n");                                   /* 13 */
	buf_addstr(&in, "G10,\xff\xfe,Eve,Sales,2024-01-05,\n");                       /* 14 */
	buf_addstr(&in, "G11,Cy,Eve,Sales,2024-01-05,2024-01-06,extra\n");            /* 15 */
	buf_addstr(&in, "G12,Cy,Eve,Sales,2024-1-05,\n");                              /* 16 */
	buf_addstr(&in, "G13,Cy,Eve,Sales,2024-01-01,2024-01-02\n");                   /* 17 ok */

	buf_addstr(&want, "line 3: column opened_on: not a date (expected YYYY-MM-DD) ('2024-02-30')\n");
	buf_addstr(&want, "line 4: column closed_on: before opened_on 2024-01-05 ('2024-01-01')\n");
	buf_addstr(&want, "line 5: column department: not a configured department ('Legal')\n");
	buf_addstr(&want, "line 6: column creator: required, but empty\n");
	buf_addstr(&want, "line 7: column ticket_id: duplicate ticket_id (first on line 2) ('G1')\n");
	buf_addstr(&want, "line 8: expected 6 fields, found 5\n");
	buf_addf(&want, "line 9: column ticket_id: longer than 128 bytes ('%.60s...')\n", long_id);
	buf_addstr(&want, "line 10: column opened_on: required, but empty\n");
	buf_addstr(&want, "line 11: column opened_on: not an ISO-8601 timestamp (expected "
			  "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]) ('2024-03-01T25:00Z')\n");
	buf_addstr(&want, "line 12: column closed_on: before opened_on 2024-01-05 ('2024-01-05T01:00+02:00')\n");
	buf_addstr(&want, "line 13: column ticket_id: required, but empty\n");
	buf_addstr(&want, "line 13: column employee: required, but empty\n");
	buf_addstr(&want, "line 13: column department: not a configured department ('sales')\n");
	/* bad bytes show as '?': the message goes into JSON */
	buf_addstr(&want, "line 14: column creator: is not valid UTF-8 ('?" "?')\n");
	buf_addstr(&want, "line 15: expected 6 fields, found 7\n");
	buf_addstr(&want, "line 16: column opened_on: not a date (expected YYYY-MM-DD) ('2024-1-05')\n");
	expect_rejected(fx, in.data, want.data, 16);

	/* the good rows of that file were not written either */
	assert_int_equal(store_ticket_count(fx->st), 0);
	assert_int_equal(ticket_indexes(fx), 304);
	buf_release(&in);
	buf_release(&want);
}

static void test_bad_row_leaves_store_unchanged(void **state)
{
	struct fixture *fx = *state;
	expect_ok(fx, good3, 3, 3, 0, 0);
	struct stored before[8], after[8];
	size_t n = dump(fx, before, 8);
	/* good updates and inserts first, the bad row last */
	expect_rejected(fx,
			HEADER
			"T2,Cy,Jon Smith,Design,2024-01-03,2024-01-20\n"
			"T9,Cy,Eve Ng,Sales,2024-01-03,\n"
			"T1,\"Studio, \"\"Big\"\" Co\",Eve Ng,Sales,2024-01-02,2024-01-01\n",
			"line 4: column closed_on: before opened_on 2024-01-02 ('2024-01-01')\n", 1);
	assert_int_equal(dump(fx, after, 8), n);
	assert_memory_equal(before, after, n * sizeof(before[0]));
	/* and the store still takes a good import */
	expect_ok(fx, HEADER "T2,Cy,Jon Smith,Design,2024-01-03,2024-01-20\n", 1, 0, 1, 0);
}

/* Line numbers count physical lines: a quoted field spanning lines moves
 * the rows after it down. */
static void test_line_numbers_after_multiline_field(void **state)
{
	struct fixture *fx = *state;
	struct import_result res;
	int rc = import_str(fx, HEADER
			    "M1,\"two\nlines\",Eve,Legal,2024-01-01,\n"
			    "M2,Cy,Eve,Sales,2024-01-32,\n"
			    "M3,\"a\r\nb\r\nc\",Eve,Sales,2024-01-01,\n"
			    "M4,Cy,Eve,Sales,2024-01-01,2023-12-31\n",
			    &res);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(res.errors.data,
			       "line 4: column opened_on: not a date (expected YYYY-MM-DD) ('2024-01-32')\n"));
	assert_non_null(strstr(res.errors.data,
			       "line 8: column closed_on: before opened_on 2024-01-01 ('2023-12-31')\n"));
	assert_null(strstr(res.errors.data, "line 3:"));
	/* every message names the line where its row starts */
	for (const char *p = res.errors.data; *p; p = strchr(p, '\n') + 1)
		assert_true(!strncmp(p, "line 2: ", 8) || !strncmp(p, "line 4: ", 8) ||
			    !strncmp(p, "line 5: ", 8) || !strncmp(p, "line 8: ", 8));
	import_result_release(&res);
	assert_int_equal(store_ticket_count(fx->st), 0);
}

static void test_more_than_100_problems(void **state)
{
	struct fixture *fx = *state;
	struct buf in = BUF_INIT, want = BUF_INIT;
	buf_addstr(&in, HEADER);
	for (int i = 0; i < 150; i++) {
		buf_addf(&in, "P%d,Cy,Eve,Nowhere,2024-01-01,\n", i);
		if (i < 100)
			buf_addf(&want, "line %d: column department: not a configured department ('Nowhere')\n",
				 i + 2);
	}
	buf_addstr(&want, "... and 50 more problems (150 in all)\n");
	expect_rejected(fx, in.data, want.data, 150);
	buf_release(&in);
	buf_release(&want);
}

static void test_csv_syntax_error(void **state)
{
	struct fixture *fx = *state;
	expect_rejected(fx,
			HEADER
			"S1,Cy,Eve,Sales,2024-01-01,\n"
			"S2,\"Cy\"x,Eve,Sales,2024-01-01,\n"
			"S3,Cy,Eve,Sales,2024-01-01,\n",
			"line 3: characters after a closing quote\n", 1);
	/* a bad row before the syntax error is reported too */
	expect_rejected(fx,
			HEADER
			"S1,Cy,Eve,Sales,2024-01-01,\n"
			"S2,Cy,Eve,Sales,2024-01-00,\n"
			"S3,Cy,Eve,Sa\"les,2024-01-01,\n",
			"line 3: column opened_on: not a date (expected YYYY-MM-DD) ('2024-01-00')\n"
			"line 4: a quote inside an unquoted field\n",
			2);
	expect_rejected(fx, HEADER "S1,\"Cy,Eve,Sales,2024-01-01,\n",
			"line 2: unterminated quoted field (the file ends inside quotes)\n", 1);
}

/* ---- headers ---- */

static void test_header_problems(void **state)
{
	struct fixture *fx = *state;
	expect_rejected(fx, "ticket_id,creator,employee,department,opened_on,closed_on,notes\n"
			    "H1,Cy,Eve,Sales,2024-01-01,,x\n",
			"line 1: column 7: unknown column 'notes' " EXPECTED_COLS "\n", 1);
	expect_rejected(fx, "ticket_id,creator,employee,department,opened_on\n"
			    "H1,Cy,Eve,Sales,2024-01-01\n",
			"line 1: column closed_on: missing from the header\n", 1);
	expect_rejected(fx, "ticket_id,employee,department,opened_on\n",
			"line 1: column creator: missing from the header\n"
			"line 1: column closed_on: missing from the header\n",
			2);
	expect_rejected(fx, "ticket_id,creator,employee,employee,department,opened_on,closed_on\n"
			    "H1,Cy,Eve,Eve,Sales,2024-01-01,\n",
			"line 1: column employee: appears twice in the header\n", 1);
	expect_rejected(fx, "", "line 1: empty input: expected a header line "
				"(ticket_id,creator,employee,department,opened_on,closed_on)\n", 1);
	expect_rejected(fx, "\xEF\xBB\xBF", "line 1: empty input: expected a header line "
					   "(ticket_id,creator,employee,department,opened_on,closed_on)\n", 1);
	/* a data row where the header should be */
	expect_rejected(fx, "H1,Cy,Eve,Sales,2024-01-01,\n",
			"line 1: column 1: unknown column 'H1' " EXPECTED_COLS "\n"
			"line 1: column 2: unknown column 'Cy' " EXPECTED_COLS "\n"
			"line 1: column 3: unknown column 'Eve' " EXPECTED_COLS "\n"
			"line 1: column 4: unknown column 'Sales' " EXPECTED_COLS "\n"
			"line 1: column 5: unknown column '2024-01-01' " EXPECTED_COLS "\n"
			"line 1: column 6: unknown column '' " EXPECTED_COLS "\n",
			6);
	assert_int_equal(store_ticket_count(fx->st), 0);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
	log_set_level(LOG_WARN); /* no "schema migrated" chatter */
	const struct CMUnitTest tests[] = {
		FX(test_good_import_and_counts),
		FX(test_header_only_and_blank_lines),
		FX(test_columns_in_another_order),
		FX(test_bom_and_crlf),
		FX(test_iso_timestamps),
		FX(test_aliases),
		FX(test_trimmed_fields),
		FX(test_length_limits_accepted),
		FX(test_name_with_line_break_is_kept),
		FX(test_bad_rows_exact_messages),
		FX(test_bad_row_leaves_store_unchanged),
		FX(test_line_numbers_after_multiline_field),
		FX(test_more_than_100_problems),
		FX(test_csv_syntax_error),
		FX(test_header_problems),
	};
	return cmocka_run_group_tests_name("import", tests, NULL, NULL);
}
