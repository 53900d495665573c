/*
 * app.c - views and connections shared by the request threads; see app.h.
 *
 * Making a view.  One thread at a time (app->update) brings the current
 * view's analytics state up to date (snap_refresh(): the store's logged
 * changes applied as an edit, in one read transaction) and publishes the
 * result.  Who does it: the writer right after its commit (on the write
 * connection, so the writer pays); a request that notices a commit by
 * another process (through the dedicated updater connection: a thread's
 * own reader may have a streaming statement open, whose read transaction
 * would show it the past); the main thread on SIGHUP; the first request of
 * a new day when as_of follows today.  Requests never queue behind it: a
 * request that finds it busy is served from the view it has.
 *
 * Worker threads get their read connection through a thread-local index
 * into app->readers (connections are opened SQLITE_OPEN_NOMUTEX and so
 * must stay on one thread).
 *
 * The database file.  The daemon serves the file its path named at start
 * (device and inode in app->file).  Should the path name another file, or
 * none (removed, or a restore copied a new file into place), every write
 * is refused and /healthz answers 503: a write would land in a file nobody
 * reads (the old one is unlinked), or, opened anew, in a file the readers
 * do not see.  A restart serves what the path names then
 * (docs/OPERATIONS.md).  The -wal and -shm at the path are then still
 * the daemon's, and whoever opened the new file would apply the old WAL to
 * it: they are unlinked from the path at once (the daemon's connections
 * keep them open), and the connections are closed without touching the
 * path.  The writer connection is closed after a write
 * that failed because of the file (read-only, full, I/O), so that the next
 * write opens it afresh once the cause is gone.
 */
#include "app.h"
#include "date.h"
#include "evimport.h"
#include "log.h"
#include "rcache.h"
#include "snap.h"
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define RCACHE_BYTES (64u << 20)

static _Thread_local const struct app *tl_app;
static _Thread_local struct store *tl_reader;
/* PRAGMA data_version of tl_reader when the view in force was last found
 * up to date: an unchanged value means no commit since (app_view_fresh()) */
static _Thread_local int64_t tl_checked = -1;

int64_t app_version(unsigned gen, int64_t data_version)
{
	return ((int64_t)gen << 40) | data_version;
}

/* ---- configurations and views ---- */

static struct app_config *config_new(struct config *cfg, unsigned gen)
{
	struct app_config *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	c->gen = gen;
	atomic_init(&c->refs, 1);
	return c;
}

static struct app_config *config_ref(struct app_config *c)
{
	atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
	return c;
}

static void config_put(struct app_config *c)
{
	if (c && atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) == 1) {
		config_release(&c->cfg);
		free(c);
	}
}

/* A view of config c (reference taken over) and state s (taken over). */
static struct view *view_new(struct app_config *c, struct snap *s)
{
	struct view *v = calloc(1, sizeof(*v));
	if (!v)
		abort();
	atomic_init(&v->refs, 1);
	v->config = c;
	v->cfg = &c->cfg;
	v->snap = s;
	v->as_of = s->as_of;
	v->version = app_version(c->gen, s->data_version);
	return v;
}

void app_view_put(struct view *v)
{
	if (v && atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) == 1) {
		snap_put(v->snap);
		config_put(v->config);
		free(v);
	}
}

struct view *app_view(struct app *app)
{
	pthread_mutex_lock(&app->lock);
	struct view *v = app->current;
	atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&app->lock);
	return v;
}

static void publish(struct app *app, struct view *v)
{
	pthread_mutex_lock(&app->lock);
	struct view *old = app->current;
	app->current = v;
	pthread_mutex_unlock(&app->lock);
	app_view_put(old);
}

/*
 * Publish the view of configuration c (a reference taken over) over the
 * store as read through st, made from the current view.  The caller holds
 * app->update.  0 or -1 (the current view stays).
 */
static int refresh_locked(struct app *app, struct store *st, struct app_config *c)
{
	struct view *cur = app_view(app);
	struct snap *s = snap_refresh(cur->snap, st, &c->cfg, config_as_of(&c->cfg));
	int rc = 0;
	if (!s) {
		config_put(c);
		rc = -1;
	} else if (s == cur->snap && c == cur->config) {
		snap_put(s);
		config_put(c);
	} else {
		publish(app, view_new(c, s));
	}
	app_view_put(cur);
	return rc;
}

/* ---- the database file and its faults ---- */

__attribute__((format(printf, 3, 4)))
static void fault_set(struct app_fault *f, enum store_error kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	f->kind = kind;
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

static int same_file(const struct store_file *a, const struct store_file *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* Log a change of a check's answer once (several threads may see it). */
static void note_state(atomic_int *state, enum store_error now, const char *path,
		       const struct app_fault *f)
{
	int was = atomic_exchange(state, (int)now);
	if (was == (int)now)
		return;
	if (now != STORE_ERR_NONE)
		log_err("%s: %s", path, f->msg);
	else
		log_info("%s: the store takes writes again", path);
}

/* The file served is gone from path: unlink its -wal and -shm from the
 * path too (when they are still the ones it had at start), so that the
 * file the path names now is not read through them. */
static void drop_stale_wal(struct app *app, const char *path)
{
	static const char *const suffix[] = { "-wal", "-shm" };
	const struct store_file *ours[] = { &app->wal, &app->shm };
	for (int i = 0; i < 2; i++) {
		char p[4200];
		struct store_file now;
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		if (ours[i]->ino && store_file_at(p, &now) == 1 && same_file(&now, ours[i])) {
			if (unlink(p) == 0)
				log_warn("%s: removed the served file's %s (inode %llu) from the path, so that it is not applied to the file the path names now",
					 path, suffix[i], (unsigned long long)now.ino);
			else
				log_err("%s: cannot remove the served file's %s (%s): do not open the new file before leadtimed stops",
					p, suffix[i], strerror(errno));
		}
	}
}

/*
 * 0 when path still names the file served, else -1 with *f (GONE).  Once
 * gone, always gone: the -wal and -shm were unlinked from the path, and a
 * connection opened on the file again (were it moved back) would make new
 * ones beside the daemon's own, two WALs for one file.
 */
static int check_file(struct app *app, const char *path, struct app_fault *f)
{
	if (atomic_load(&app->file_state) == STORE_ERR_GONE) {
		pthread_mutex_lock(&app->fault_lock);
		*f = app->gone;
		pthread_mutex_unlock(&app->fault_lock);
		return -1;
	}
	struct store_file now;
	int rc = store_file_at(path, &now);
	const struct store_file *old = &app->file;
	if (rc == 1 && same_file(&now, old))
		return 0;
	const char *then = "writes are refused (they would go to a file nobody reads) while reads show the file "
			   "opened at start; restart leadtimed to serve the file the path names now";
	if (rc == 1)
		fault_set(f, STORE_ERR_GONE,
			  "the database file was replaced while serving (inode %llu on device %u:%u, now inode %llu on device %u:%u): %s",
			  (unsigned long long)old->ino, major((dev_t)old->dev), minor((dev_t)old->dev),
			  (unsigned long long)now.ino, major((dev_t)now.dev), minor((dev_t)now.dev), then);
	else if (rc == 0)
		fault_set(f, STORE_ERR_GONE,
			  "the database file was removed while serving (inode %llu on device %u:%u, now missing): %s",
			  (unsigned long long)old->ino, major((dev_t)old->dev), minor((dev_t)old->dev),
			  then);
	else
		fault_set(f, STORE_ERR_GONE, "cannot look at the database file (%s): %s", strerror(errno),
			  then);
	pthread_mutex_lock(&app->fault_lock);
	int first = atomic_load(&app->file_state) != STORE_ERR_GONE;
	if (first) {
		app->gone = *f;
		atomic_store(&app->file_state, STORE_ERR_GONE);
	}
	pthread_mutex_unlock(&app->fault_lock);
	if (first) {
		log_err("%s: %s", path, f->msg);
		drop_stale_wal(app, path);
	}
	return -1;
}

int app_health(struct app *app, struct store *st, struct app_fault *f)
{
	struct view *v = app_view(app);
	const char *path = v->cfg->db;
	int rc = check_file(app, path, f);
	if (rc == 0) {
		char why[512];
		enum store_error e = store_probe(st, (int64_t)v->cfg->max_size_mb << 20, why, sizeof(why));
		if (e != STORE_ERR_NONE) {
			fault_set(f, e, "%s: %s", store_error_text(e), why);
			rc = -1;
		}
		note_state(&app->probe_state, e, path, f);
	}
	if (rc == 0) {
		pthread_mutex_lock(&app->fault_lock);
		if (app->fault) {
			*f = *app->fault;
			rc = -1;
		}
		pthread_mutex_unlock(&app->fault_lock);
	}
	app_view_put(v);
	return rc;
}

/* ---- set-up ---- */

int app_init(struct app *app, struct config *cfg, size_t nreaders)
{
	memset(app, 0, sizeof(*app));
	pthread_mutex_init(&app->lock, NULL);
	pthread_mutex_init(&app->update, NULL);
	pthread_mutex_init(&app->write_lock, NULL);
	pthread_mutex_init(&app->fault_lock, NULL);
	app->started_at = (int64_t)time(NULL);
	struct app_config *c = config_new(cfg, 1);
	app->cache = rcache_new(RCACHE_BYTES);
	app->readers = calloc(nreaders, sizeof(*app->readers));
	if (!app->cache || !app->readers)
		abort();
	app->nreaders = nreaders;
	for (size_t i = 0; i < nreaders; i++) {
		app->readers[i] = store_open(c->cfg.db, STORE_READONLY);
		if (!app->readers[i]) {
			config_put(c);
			return -1;
		}
	}
	/* the first page must not pay for the analytics state: it is built
	 * here, before the port opens */
	app->updater = store_open(c->cfg.db, STORE_READONLY);
	if (app->updater)
		store_file(app->updater, &app->file);
	struct snap *s = app->updater ? snap_load(app->updater, &c->cfg, config_as_of(&c->cfg)) : NULL;
	if (!s) {
		config_put(c);
		return -1;
	}
	/* read once: the -wal and -shm exist now, and stay while the daemon
	 * holds its connections */
	char p[4200];
	snprintf(p, sizeof(p), "%s-wal", c->cfg.db);
	if (store_file_at(p, &app->wal) != 1)
		memset(&app->wal, 0, sizeof(app->wal));
	snprintf(p, sizeof(p), "%s-shm", c->cfg.db);
	if (store_file_at(p, &app->shm) != 1)
		memset(&app->shm, 0, sizeof(app->shm));
	app->current = view_new(c, s);
	return 0;
}

void app_release(struct app *app)
{
	struct app_fault f;
	if (app->current && app->file.ino && check_file(app, app->current->cfg->db, &f)) {
		/* the path names another file now (or none): leave it alone */
		for (size_t i = 0; i < app->nreaders; i++)
			store_leave_path(app->readers[i]);
		store_leave_path(app->updater);
		store_leave_path(app->writer);
	}
	app_view_put(app->current);
	for (size_t i = 0; i < app->nreaders; i++)
		store_close(app->readers[i]);
	free(app->readers);
	store_close(app->updater);
	store_close(app->writer);
	rcache_free(app->cache);
	free(app->fault);
	pthread_mutex_destroy(&app->fault_lock);
	pthread_mutex_destroy(&app->write_lock);
	pthread_mutex_destroy(&app->update);
	pthread_mutex_destroy(&app->lock);
	memset(app, 0, sizeof(*app));
}

/* ---- fresh views ---- */

static int day_stale(const struct view *v)
{
	return v->cfg->as_of == DATE_NONE && date_today() != v->as_of;
}

struct view *app_view_fresh(struct app *app, struct store *st, struct view *v)
{
	int64_t checked = store_pragma_data_version(st);
	int stale = day_stale(v);
	if (!stale && checked >= 0 && checked == tl_checked)
		return v;
	int64_t dv = store_data_version(st);
	if (dv < 0)
		return v; /* the database does not answer: what we have */
	if (!stale && dv == v->snap->data_version) {
		tl_checked = checked;
		return v;
	}
	if (pthread_mutex_trylock(&app->update) == 0) {
		/* another thread may have caught up meanwhile: refresh_locked()
		 * then finds nothing to do */
		struct view *cur = app_view(app);
		struct app_config *c = config_ref(cur->config);
		app_view_put(cur);
		refresh_locked(app, app->updater, c);
		pthread_mutex_unlock(&app->update);
	}
	struct view *now = app_view(app);
	if (now->snap->data_version != dv || day_stale(now)) {
		/* being made by another thread: serve the view we have and look
		 * again at the next request */
		app_view_put(now);
		return v;
	}
	tl_checked = checked;
	app_view_put(v);
	return now;
}

int app_publish_write(struct app *app, struct store *writer)
{
	pthread_mutex_lock(&app->update);
	struct view *cur = app_view(app);
	struct app_config *c = config_ref(cur->config);
	app_view_put(cur);
	int rc = refresh_locked(app, writer, c);
	pthread_mutex_unlock(&app->update);
	return rc;
}

/* ---- reload ---- */

static void keep_str(const char *key, char **fresh, const char *running)
{
	if (strcmp(*fresh, running) != 0)
		log_warn("reload: key '%s' changed ('%s' -> '%s'): takes effect after a restart", key,
			 running, *fresh);
	free(*fresh);
	*fresh = strdup(running);
	if (!*fresh)
		abort();
}

static void keep_int(const char *key, int *fresh, int running)
{
	if (*fresh != running)
		log_warn("reload: key '%s' changed (%d -> %d): takes effect after a restart", key,
			 running, *fresh);
	*fresh = running;
}

/* Tickets derived from events follow a changed [stages] or [events]
 * (evimport.h); a case that cannot be derived under the new rules keeps
 * the running configuration. */
static int reload_events(struct store *st, const struct config *fresh)
{
	struct ev_result res;
	int rc = ev_sync(st, fresh, &res);
	if (rc == 1) {
		const char *p = res.tickets.errors.data;
		while (p && *p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			log_err("reload: events: %.*s", (int)n, p);
			p += n + (nl != NULL);
		}
	} else if (rc == 0 && res.rederived) {
		log_info("reload: %ld event cases derived again (%ld tickets written, %ld removed)",
			 res.rederived, res.tickets.rows, res.removed);
	}
	ev_result_release(&res);
	return rc ? -1 : 0;
}

int app_reload(struct app *app, struct config *fresh)
{
	struct view *cur = app_view(app);
	const struct config *o = cur->cfg;
	keep_str("listen", &fresh->listen, o->listen);
	keep_str("db", &fresh->db, o->db);
	keep_int("port", &fresh->port, o->port);
	keep_int("threads", &fresh->threads, o->threads);
	keep_int("max_connections", &fresh->max_connections, o->max_connections);
	keep_int("per_ip_connections", &fresh->per_ip_connections, o->per_ip_connections);
	keep_str("trusted_proxies", &fresh->trusted_proxies, o->trusted_proxies);
	keep_int("connection_timeout", &fresh->connection_timeout, o->connection_timeout);
	unsigned gen = cur->config->gen + 1;

	struct app_fault f;
	struct store *st = app_writer_get(app, &f);
	int rc = st ? store_sync_pipeline(st, fresh) : -1;
	if (st && rc == 0 && (rc = reload_events(st, fresh)))
		store_sync_pipeline(st, cur->cfg); /* back to the running pipeline */
	if (st && app_writer_put(app, st, &f) && rc == 0)
		rc = -1;
	if (!st || rc)
		log_err("reload: %s: %s", fresh->db,
			st && f.kind == STORE_ERR_NONE ? "the store refused the pipeline" : f.msg);
	app_view_put(cur);
	if (rc) {
		log_err("reload: cannot apply the pipeline or the event rules to the store; keeping the running configuration");
		config_release(fresh);
		return -1;
	}
	struct app_config *c = config_new(fresh, gen);
	int level = c->cfg.log_level;
	pthread_mutex_lock(&app->update);
	rc = refresh_locked(app, app->updater, c);
	pthread_mutex_unlock(&app->update);
	if (rc) {
		log_err("reload: cannot build the analytics state; keeping the running configuration");
		return -1;
	}
	log_set_level((enum log_level)level);
	return 0;
}

/* ---- connections ---- */

struct store *app_writer_get(struct app *app, struct app_fault *f)
{
	pthread_mutex_lock(&app->write_lock);
	struct view *v = app_view(app);
	const char *path = v->cfg->db;
	/* the file must be the one served: never create or open another */
	if (check_file(app, path, f))
		goto fail;
	if (!app->writer) {
		enum store_error e;
		app->writer = store_open_err(path, STORE_DURABLE | STORE_EXISTING, &e);
		if (!app->writer) {
			fault_set(f, e, "cannot open the store for writing: %s", store_error_text(e));
			goto fail;
		}
		struct store_file wf;
		store_file(app->writer, &wf);
		if (!same_file(&wf, &app->file)) {
			/* another file, maybe with the served file's WAL at the
			 * path: close without a checkpoint into it */
			store_leave_path(app->writer);
			store_close(app->writer);
			app->writer = NULL;
			if (check_file(app, path, f) == 0)
				fault_set(f, STORE_ERR_GONE, "the database file changed while it was opened");
			goto fail;
		}
	}
	if (store_set_max_size(app->writer, (int64_t)v->cfg->max_size_mb << 20)) {
		fault_set(f, store_error(app->writer), "cannot apply [data] max_size_mb");
		goto fail;
	}
	store_error_clear(app->writer);
	app_view_put(v);
	return app->writer;
fail:
	app_view_put(v);
	pthread_mutex_unlock(&app->write_lock);
	return NULL;
}

int app_writer_put(struct app *app, struct store *st, struct app_fault *f)
{
	struct view *v = app_view(app);
	const char *path = v->cfg->db;
	enum store_error e = store_error(st);
	int rc = 0;
	f->kind = STORE_ERR_NONE;
	f->msg[0] = '\0';
	if (e != STORE_ERR_NONE) {
		fault_set(f, e, "%s (%s)", store_error_text(e), store_error_msg(st));
		rc = -1;
	}
	if (e != STORE_ERR_NONE && e != STORE_ERR_OTHER && e != STORE_ERR_BUSY) {
		/* a cause outside the program: open the file afresh next time */
		store_close(app->writer);
		app->writer = NULL;
	}
	pthread_mutex_lock(&app->fault_lock);
	if (e == STORE_ERR_IO || e == STORE_ERR_CORRUPT) {
		if (!app->fault && !(app->fault = malloc(sizeof(*app->fault))))
			abort();
		*app->fault = *f;
	} else if (e == STORE_ERR_NONE && app->fault) {
		free(app->fault);
		app->fault = NULL;
		log_info("%s: a write succeeded again", path);
	}
	pthread_mutex_unlock(&app->fault_lock);
	/* the write went to the file served: is that still what the path names? */
	if (rc == 0 && check_file(app, path, f))
		rc = -1;
	app_view_put(v);
	pthread_mutex_unlock(&app->write_lock);
	return rc;
}

struct store *app_reader(struct app *app)
{
	if (tl_app == app && tl_reader)
		return tl_reader;
	size_t i = atomic_fetch_add(&app->next_reader, 1);
	if (i >= app->nreaders) {
		log_err("more request threads than read connections (%zu)", app->nreaders);
		return NULL;
	}
	tl_app = app;
	tl_reader = app->readers[i];
	tl_checked = -1;
	return tl_reader;
}
