/*
 * store_health.c - the store's failures and health; see store.h.
 *
 * A failure is classified once, when it happens (store_note_error: the
 * extended result code, the errno of an I/O error, and the files when
 * SQLite lost the errno), and kept until store_error_clear(), so that the
 * HTTP layer can answer 503/507 naming the cause.  The probes look at the
 * files themselves: writable, on a file system with room, under
 * [data] max_size_mb, still the file the store opened (device and inode).
 */
#include "store.h"
#include "store_priv.h"
#include "log.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The folder of path into dir ("." when it has none). */
static void parent_dir(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, n, ".");
	else if (slash == path)
		snprintf(dir, n, "/");
	else
		snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

/* store_probe() without the limit on the size. */
static enum store_error probe_files(const char *path, char *why, size_t n)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	static const char *const name[] = { "the database file", "its -wal file", "its -shm file" };
	char p[4200], dir[4096];
	int missing = 0;
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		if (access(p, W_OK) == 0)
			continue;
		if (errno == ENOENT && i > 0) {
			missing = 1;
			continue;
		}
		snprintf(why, n, "%s is not writable (%s)", name[i], strerror(errno));
		return errno == ENOENT ? STORE_ERR_GONE : STORE_ERR_READONLY;
	}
	parent_dir(path, dir, sizeof(dir));
	if (missing && access(dir, W_OK | X_OK) != 0) {
		snprintf(why, n, "its folder is not writable (%s): the -wal and -shm files cannot be made",
			 strerror(errno));
		return STORE_ERR_READONLY;
	}
	struct statvfs fs;
	if (statvfs(dir, &fs) == 0) {
		/* root may write into the blocks reserved for it */
		uint64_t avail = (uint64_t)(geteuid() == 0 ? fs.f_bfree : fs.f_bavail) * fs.f_frsize;
		if (avail < (uint64_t)STORE_MIN_FREE) {
			snprintf(why, n, "only %llu KiB free on its file system",
				 (unsigned long long)(avail >> 10));
			return STORE_ERR_FULL;
		}
	}
	return STORE_ERR_NONE;
}

/* ---- failures ---- */

/* The kind of an extended result code (and the errno of an I/O error:
 * SQLite reports some writes into a full disk or a read-only file as
 * SQLITE_IOERR_*). */
static enum store_error classify(int rc, int sys)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return STORE_ERR_NONE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return STORE_ERR_BUSY;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return STORE_ERR_READONLY;
	case SQLITE_CANTOPEN:
		return STORE_ERR_CANTOPEN;
	case SQLITE_FULL:
		return STORE_ERR_FULL;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return STORE_ERR_CORRUPT;
	case SQLITE_IOERR:
		if (rc == SQLITE_IOERR_NOMEM)
			return STORE_ERR_OTHER;
		if (sys == ENOSPC || sys == EDQUOT)
			return STORE_ERR_FULL;
		if (sys == EROFS || sys == EPERM || sys == EACCES)
			return STORE_ERR_READONLY;
		return STORE_ERR_IO;
	default:
		return STORE_ERR_OTHER;
	}
}

/* The first failure since store_error_clear() is kept: what follows it is
 * usually its consequence. */
void store_note_error(struct store *st, const char *msg)
{
	if (st->err != STORE_ERR_NONE || !st->db)
		return;
	int rc = sqlite3_extended_errcode(st->db), sys = sqlite3_system_errno(st->db);
	enum store_error e = classify(rc, sys);
	/* the errno of a failed write does not always survive to here: an
	 * I/O error with a file not writable or a full disk is that */
	char why[8];
	enum store_error cause = e == STORE_ERR_IO ? probe_files(st->path, why, sizeof(why))
						   : STORE_ERR_NONE;
	if (cause == STORE_ERR_READONLY || cause == STORE_ERR_FULL)
		e = cause;
	st->err = e == STORE_ERR_NONE ? STORE_ERR_OTHER : e;
	if ((rc & 0xff) == SQLITE_IOERR && sys)
		snprintf(st->errmsg, sizeof(st->errmsg), "%s: %s", msg ? msg : sqlite3_errmsg(st->db),
			 strerror(sys));
	else
		snprintf(st->errmsg, sizeof(st->errmsg), "%s", msg ? msg : sqlite3_errmsg(st->db));
}

enum store_error store_error(const struct store *st)
{
	return st->err;
}

const char *store_error_msg(const struct store *st)
{
	return st->errmsg;
}

void store_error_clear(struct store *st)
{
	st->err = STORE_ERR_NONE;
	st->errmsg[0] = '\0';
}

const char *store_error_text(enum store_error e)
{
	static const char *const text[] = {
		[STORE_ERR_NONE] = "no error",
		[STORE_ERR_OTHER] = "the store refused the write",
		[STORE_ERR_BUSY] = "the store is locked by another writer",
		[STORE_ERR_READONLY] = "the store cannot be written (its file, -wal, -shm or folder is read-only)",
		[STORE_ERR_CANTOPEN] = "the store's files cannot be opened",
		[STORE_ERR_FULL] = "the store is full (no space left on its disk, or [data] max_size_mb reached)",
		[STORE_ERR_IO] = "an I/O error on the store's disk",
		[STORE_ERR_CORRUPT] = "the store is damaged",
		[STORE_ERR_GONE] = "the database file was removed or replaced while serving",
	};
	return (unsigned)e < sizeof(text) / sizeof(text[0]) ? text[e] : "unknown";
}

/* ---- the file ---- */

int store_file_at(const char *path, struct store_file *f)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -1;
	f->dev = (uint64_t)sb.st_dev;
	f->ino = (uint64_t)sb.st_ino;
	return 1;
}

void store_file(const struct store *st, struct store_file *f)
{
	*f = st->file;
}
/* ---- health ---- */

/* One integer PRAGMA; -1 on error (logged). */
static int64_t pragma_int(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, "prepare");
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		store_fail(st, "query");
	sqlite3_finalize(s);
	return v;
}

int store_set_max_size(struct store *st, int64_t max_bytes)
{
	int64_t page = pragma_int(st, "PRAGMA page_size");
	if (page <= 0)
		return -1;
	/* the largest page count SQLite takes means no limit */
	int64_t pages = max_bytes > 0 ? (max_bytes + page - 1) / page : 4294967294LL;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", (long long)pages);
	return pragma_int(st, sql) < 0 ? -1 : 0;
}

enum store_error store_probe(struct store *st, int64_t max_bytes, char *why, size_t n)
{
	enum store_error e = probe_files(st->path, why, n);
	if (e != STORE_ERR_NONE)
		return e;
	if (max_bytes > 0) {
		int64_t pages = pragma_int(st, "PRAGMA page_count");
		int64_t free_pages = pragma_int(st, "PRAGMA freelist_count");
		int64_t size = pragma_int(st, "PRAGMA page_size");
		if (pages >= 0 && free_pages >= 0 && size > 0 &&
		    (pages - free_pages) * size + STORE_MIN_FREE > max_bytes) {
			snprintf(why, n, "it holds %.1f MiB of its [data] max_size_mb = %lld",
				 (double)((pages - free_pages) * size) / (1 << 20),
				 (long long)(max_bytes >> 20));
			return STORE_ERR_FULL;
		}
	}
	return STORE_ERR_NONE;
}

int store_quick_check(struct store *st)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check(10)", -1, &s, NULL) != SQLITE_OK) {
		int e = sqlite3_errcode(st->db);
		store_fail(st, "quick_check");
		return e == SQLITE_CORRUPT || e == SQLITE_NOTADB ? 1 : -1;
	}
	int rc, bad = 0;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(s, 0);
		if (m && strcmp(m, "ok") == 0)
			continue;
		log_err("%s: quick_check: %s", st->path, m ? m : "(null)");
		bad = 1;
	}
	int ret = bad;
	if (rc != SQLITE_DONE) {
		int e = sqlite3_errcode(st->db);
		store_fail(st, "quick_check");
		ret = e == SQLITE_CORRUPT || e == SQLITE_NOTADB ? 1 : -1;
	}
	sqlite3_finalize(s);
	return ret;
}
