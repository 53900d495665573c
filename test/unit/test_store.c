/*
 * test_store.c - the store's failure kinds and health probes (store.h):
 * a write on a read-only connection is STORE_ERR_READONLY, rows past
 * store_set_max_size() are STORE_ERR_FULL, store_probe() sees the limit,
 * store_file() tells a renamed file from the one opened, quick_check
 * passes on a sound store and fails on a damaged one.
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

#include "config.h"
#include "date.h"
#include "log.h"
#include "store.h"

struct fixture {
	char dir[256];
	char db[300];
	struct config cfg;
	struct store *st;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/lt-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!fx || !mkdtemp(fx->dir))
		return -1;
	snprintf(fx->db, sizeof(fx->db), "%s/t.db", fx->dir);
	config_defaults(&fx->cfg);
	fx->st = store_open(fx->db, 0);
	if (!fx->st || store_sync_pipeline(fx->st, &fx->cfg))
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char p[400];
	store_close(fx->st);
	config_release(&fx->cfg);
	static const char *const names[] = { "t.db", "t.db-wal", "t.db-shm", "moved.db", "moved.db-wal",
					     "moved.db-shm" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fx->dir, names[i]);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Insert tickets n0..n0+count-1 in one transaction: 0 or -1. */
static int insert(struct store *st, int n0, int count)
{
	if (store_begin(st))
		return -1;
	int64_t dept = store_department_id(st, "Sales");
	int64_t emp = store_employee_id(st, dept, "Ana Lima");
	int64_t cr = store_creator_id(st, "Some Creator");
	if (dept <= 0 || emp <= 0 || cr <= 0)
		goto fail;
	for (int i = n0; i < n0 + count; i++) {
		char id[64];
		snprintf(id, sizeof(id), "T-%08d-padding-to-make-rows-longer", i);
		struct store_ticket_in t = { id, cr, emp, dept, 20000, DATE_NONE };
		if (store_upsert_ticket(st, &t) < 0)
			goto fail;
	}
	if (store_commit(st, 1))
		goto fail;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

static void test_readonly_connection_write(void **state)
{
	struct fixture *fx = *state;
	struct store *ro = store_open(fx->db, STORE_READONLY);
	assert_non_null(ro);
	assert_int_equal(store_error(ro), STORE_ERR_NONE);
	/* BEGIN IMMEDIATE may pass; the first write may not */
	if (store_begin(ro) == 0) {
		assert_int_equal(store_creator_id(ro, "Nobody Writes"), -1);
		store_rollback(ro);
	}
	assert_int_equal(store_error(ro), STORE_ERR_READONLY);
	assert_true(strlen(store_error_msg(ro)) > 0);
	store_error_clear(ro);
	assert_int_equal(store_error(ro), STORE_ERR_NONE);
	store_close(ro);
}

static void test_max_size_is_full(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(insert(fx->st, 0, 10), 0);
	char why[512] = "";
	assert_int_equal(store_probe(fx->st, 0, why, sizeof(why)), STORE_ERR_NONE);
	/* far under the 1 MiB of headroom the probe wants */
	assert_int_equal(store_probe(fx->st, 512 << 10, why, sizeof(why)), STORE_ERR_FULL);
	assert_non_null(strstr(why, "max_size_mb"));
	assert_int_equal(store_set_max_size(fx->st, 256 << 10), 0);
	store_error_clear(fx->st);
	int rc = 0;
	for (int i = 1; i < 200 && rc == 0; i++)
		rc = insert(fx->st, i * 1000, 1000);
	assert_int_equal(rc, -1);
	assert_int_equal(store_error(fx->st), STORE_ERR_FULL);
	/* no limit: the same rows go in */
	assert_int_equal(store_set_max_size(fx->st, 0), 0);
	store_error_clear(fx->st);
	assert_int_equal(insert(fx->st, 900000, 1000), 0);
	assert_int_equal(store_error(fx->st), STORE_ERR_NONE);
}

static void test_file_identity(void **state)
{
	struct fixture *fx = *state;
	struct store_file opened, now;
	store_file(fx->st, &opened);
	assert_true(opened.ino != 0);
	assert_int_equal(store_file_at(fx->db, &now), 1);
	assert_true(now.dev == opened.dev && now.ino == opened.ino);
	char moved[400];
	snprintf(moved, sizeof(moved), "%s/moved.db", fx->dir);
	assert_int_equal(rename(fx->db, moved), 0);
	assert_int_equal(store_file_at(fx->db, &now), 0);
	FILE *f = fopen(fx->db, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(store_file_at(fx->db, &now), 1);
	assert_false(now.ino == opened.ino && now.dev == opened.dev);
	unlink(fx->db);
	assert_int_equal(rename(moved, fx->db), 0);
}

static void test_quick_check(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(insert(fx->st, 0, 3000), 0);
	assert_int_equal(store_quick_check(fx->st), 0);
	store_close(fx->st);
	fx->st = NULL;
	/* into rollback mode, then garbage over the last page (an index or
	 * table leaf of the tickets) */
	struct store *st = store_open(fx->db, 0);
	assert_non_null(st);
	store_close(st);
	char sql[512];
	snprintf(sql, sizeof(sql), "sqlite3 '%s' 'PRAGMA journal_mode = DELETE' >/dev/null", fx->db);
	assert_int_equal(system(sql), 0);
	FILE *f = fopen(fx->db, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	assert_true(size > 8192);
	assert_int_equal(fseek(f, size - 4096, SEEK_SET), 0);
	char junk[4096];
	memset(junk, 0xa5, sizeof(junk));
	assert_int_equal(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	fclose(f);
	fx->st = store_open(fx->db, STORE_READONLY);
	assert_non_null(fx->st);
	assert_int_equal(store_quick_check(fx->st), 1);
}

int main(void)
{
	log_set_level(LOG_ERR); /* the failures provoked here log errors */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readonly_connection_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_size_is_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quick_check, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
