/*
 * test_annot.c - annotations: the text rules (annot.h), the merged order,
 * the store's annotations table (store_annot.h, migration 005) against a
 * list kept by the test, and config.ini's [annotations] section, good and
 * bad (`FILE:LINE: key ...` on stderr).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annot.h"
#include "config.h"
#include "date.h"
#include "store.h"
#include "store_annot.h"

struct fixture {
	char dir[256];
	char path[300];
	char err[8192];
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/lt-annot-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* ---- text rules ---- */

static void text_rules(void **state)
{
	(void)state;
	char big[ANNOT_MAX_TEXT + 2];
	memset(big, 'a', sizeof(big));
	assert_null(annot_text_problem("2 designers hired", 17));
	assert_null(annot_text_problem("Équipe élargie ✓", strlen("Équipe élargie ✓")));
	assert_null(annot_text_problem(big, ANNOT_MAX_TEXT));
	assert_string_equal(annot_text_problem(big, ANNOT_MAX_TEXT + 1), "is longer than 256 bytes");
	assert_string_equal(annot_text_problem("", 0), "is empty");
	assert_string_equal(annot_text_problem("a\nb", 3), "contains a control character");
	assert_string_equal(annot_text_problem("a\x7f", 2), "contains a control character");
	assert_string_equal(annot_text_problem("a\0b", 3), "contains a NUL byte");
	assert_string_equal(annot_text_problem("caf\xe9", 4), "is not valid UTF-8");
	/* 256 bytes of two-byte characters fit; one more byte does not */
	char wide[ANNOT_MAX_TEXT + 2];
	for (size_t i = 0; i < ANNOT_MAX_TEXT; i += 2) {
		wide[i] = (char)0xc3;
		wide[i + 1] = (char)0xa9;
	}
	assert_null(annot_text_problem(wide, ANNOT_MAX_TEXT));
	wide[ANNOT_MAX_TEXT] = 'x';
	assert_non_null(annot_text_problem(wide, ANNOT_MAX_TEXT + 1));
	const char *s = " \t hello \t";
	size_t n = strlen(s);
	annot_trim(&s, &n);
	assert_int_equal(n, 5);
	assert_memory_equal(s, "hello", 5);
}

/* ---- order: by day, config notes first in file order, then by id ---- */

static void merged_order(void **state)
{
	(void)state;
	struct annot_list l = ANNOT_LIST_INIT;
	/* random days and sources; the expected order is computed by a
	 * plain insertion sort with the documented rule */
	srand(7);
	for (int i = 0; i < 200; i++) {
		int cfg = rand() % 3 == 0;
		char t[16];
		snprintf(t, sizeof(t), "n%d", i);
		annot_list_add(&l, cfg ? 0 : 1000 - i, 20000 + rand() % 20, t, strlen(t), cfg ? -1 : i,
			       cfg ? ANNOT_CONFIG : ANNOT_API);
	}
	struct annot *want = malloc(l.n * sizeof(*want));
	assert_non_null(want);
	memcpy(want, l.items, l.n * sizeof(*want));
	for (size_t i = 1; i < l.n; i++)
		for (size_t j = i; j > 0; j--) {
			struct annot *a = &want[j - 1], *b = &want[j];
			int before = b->day < a->day ||
				     (b->day == a->day && b->source == ANNOT_CONFIG && a->source == ANNOT_API) ||
				     (b->day == a->day && b->source == ANNOT_API && a->source == ANNOT_API &&
				      b->id < a->id);
			if (!before)
				break;
			struct annot t = *a;
			*a = *b;
			*b = t;
		}
	annot_list_sort(&l);
	for (size_t i = 0; i < l.n; i++)
		assert_string_equal(l.items[i].text, want[i].text);
	free(want);
	annot_list_release(&l);
	assert_int_equal(l.n, 0);
}

/* ---- the store ---- */

struct seen {
	int64_t id[64];
	int32_t day[64];
	char text[64][ANNOT_MAX_TEXT + 1];
	size_t n;
};

static int collect(void *ctx, const struct store_annot *a)
{
	struct seen *s = ctx;
	assert_true(s->n < 64);
	s->id[s->n] = a->id;
	s->day[s->n] = a->day;
	memcpy(s->text[s->n], a->text, a->text_len);
	s->text[s->n][a->text_len] = '\0';
	s->n++;
	return 0;
}

static void store_roundtrip(void **state)
{
	struct fixture *fx = *state;
	char db[320];
	snprintf(db, sizeof(db), "%s/t.db", fx->dir);
	struct store *st = store_open(db, 0);
	assert_non_null(st);
	/* the test's own list: (id, day, text, alive) */
	struct { int64_t id; int32_t day; char text[32]; int alive; } mine[40];
	size_t n = 0;
	srand(11);
	assert_int_equal(store_begin(st), 0);
	for (int i = 0; i < 30; i++) {
		mine[n].day = date_from_ymd(2025, 1, 1) + rand() % 60;
		snprintf(mine[n].text, sizeof(mine[n].text), "note %d", i);
		mine[n].id = store_annot_add(st, mine[n].day, mine[n].text, strlen(mine[n].text), 1700000000);
		assert_true(mine[n].id > 0);
		mine[n].alive = 1;
		n++;
	}
	assert_int_equal(store_commit(st, 1), 0);
	/* delete every third; a second delete finds nothing */
	assert_int_equal(store_begin(st), 0);
	for (size_t i = 0; i < n; i += 3) {
		assert_int_equal(store_annot_delete(st, mine[i].id), 1);
		assert_int_equal(store_annot_delete(st, mine[i].id), 0);
		mine[i].alive = 0;
	}
	assert_int_equal(store_annot_delete(st, 999999), 0);
	assert_int_equal(store_commit(st, 1), 0);
	/* ids of deleted notes are not reused */
	assert_int_equal(store_begin(st), 0);
	int64_t fresh = store_annot_add(st, date_from_ymd(2025, 2, 1), "later", 5, 1700000001);
	for (size_t i = 0; i < n; i++)
		assert_true(fresh != mine[i].id);
	assert_int_equal(store_annot_delete(st, fresh), 1);
	assert_int_equal(store_commit(st, 1), 0);
	/* a range: what the test expects, by (day, id) */
	int32_t lo = date_from_ymd(2025, 1, 15), hi = date_from_ymd(2025, 2, 10);
	struct seen got = { .n = 0 };
	assert_int_equal(store_annot_each(st, lo, hi, collect, &got), 0);
	size_t k = 0;
	int64_t last_id = 0;
	int32_t last_day = INT32_MIN;
	for (size_t g = 0; g < got.n; g++) {
		assert_true(got.day[g] >= lo && got.day[g] <= hi);
		assert_true(got.day[g] > last_day || (got.day[g] == last_day && got.id[g] > last_id));
		last_day = got.day[g];
		last_id = got.id[g];
		int found = 0;
		for (size_t i = 0; i < n; i++)
			if (mine[i].id == got.id[g]) {
				assert_true(mine[i].alive);
				assert_int_equal(mine[i].day, got.day[g]);
				assert_string_equal(mine[i].text, got.text[g]);
				found = 1;
			}
		assert_true(found);
	}
	for (size_t i = 0; i < n; i++)
		k += mine[i].alive && mine[i].day >= lo && mine[i].day <= hi;
	assert_int_equal(got.n, k);
	/* the table's constraints back the daemon's checks */
	assert_int_equal(store_begin(st), 0);
	assert_true(store_annot_add(st, date_from_ymd(2025, 1, 1), "", 0, 1) < 0);
	store_rollback(st);
	store_close(st);
}

/* ---- config.ini [annotations] ---- */

static int load(struct fixture *fx, struct config *cfg, const char *text)
{
	snprintf(fx->path, sizeof(fx->path), "%s/test.ini", fx->dir);
	FILE *f = fopen(fx->path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	fflush(stderr);
	FILE *cap = tmpfile();
	assert_non_null(cap);
	int saved = dup(STDERR_FILENO);
	assert_true(dup2(fileno(cap), STDERR_FILENO) >= 0);
	config_defaults(cfg);
	int rc = config_load(cfg, fx->path, 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(cap);
	size_t got = fread(fx->err, 1, sizeof(fx->err) - 1, cap);
	fx->err[got] = '\0';
	fclose(cap);
	return rc;
}

static void config_section(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	assert_int_equal(load(fx, &cfg, "[annotations]\n"
				       "2025-03-01 = 2 designers hired\n"
				       "2025-01-15 = New CRM ; the comment is not part of it\n"
				       "2025-03-01 = Budget freeze\n"), 0);
	assert_int_equal(cfg.nannotations, 3);
	assert_int_equal(cfg.annotations[0].day, date_from_ymd(2025, 3, 1));
	assert_string_equal(cfg.annotations[0].text, "2 designers hired");
	assert_int_equal(cfg.annotations[1].day, date_from_ymd(2025, 1, 15));
	assert_string_equal(cfg.annotations[1].text, "New CRM");
	assert_string_equal(cfg.annotations[2].text, "Budget freeze");
	config_release(&cfg);

	static const struct { const char *text, *want; } bad[] = {
		{ "[annotations]\n2025-02-30 = x\n", ":2: key '2025-02-30': not a date (YYYY-MM-DD, from 1900 on) in [annotations]" },
		{ "[annotations]\nhired = x\n", ":2: key 'hired': not a date" },
		{ "[annotations]\n1899-12-31 = x\n", ":2: key '1899-12-31': not a date" },
		{ "[annotations]\n2025-01-01 =\n", ":2: key '2025-01-01': the note is empty" },
		{ "[annotations]\n2025-01-01 = a\x7f" "b\n", ":2: key '2025-01-01': the note contains a control character" },
		{ "\n[annotations]\n2025-01-01 = x\n2025-01-01 = x\n", ":4: key '2025-01-01': the note 'x' is set twice" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(fx, &cfg, bad[i].text), -1);
		if (!strstr(fx->err, bad[i].want))
			fail_msg("case %zu: wanted '%s' in: %s", i, bad[i].want, fx->err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_rules),
		cmocka_unit_test(merged_order),
		cmocka_unit_test_setup_teardown(store_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(config_section, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
