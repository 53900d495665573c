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
 */
#include "app.h"
#include "date.h"
#include "evimport.h"
#include "log.h"
#include "rcache.h"
#include "snap.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---- set-up ---- */

int app_init(struct app *app, struct config *cfg, size_t nreaders)
{
	memset(app, 0, sizeof(*app));
	pthread_mutex_init(&app->lock, NULL);
	pthread_mutex_init(&app->update, NULL);
	pthread_mutex_init(&app->write_lock, NULL);
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
	struct snap *s = app->updater ? snap_load(app->updater, &c->cfg, config_as_of(&c->cfg)) : NULL;
	if (!s) {
		config_put(c);
		return -1;
	}
	app->current = view_new(c, s);
	return 0;
}

void app_release(struct app *app)
{
	app_view_put(app->current);
	for (size_t i = 0; i < app->nreaders; i++)
		store_close(app->readers[i]);
	free(app->readers);
	store_close(app->updater);
	store_close(app->writer);
	rcache_free(app->cache);
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

	struct store *st = app_writer_get(app);
	int rc = st ? store_sync_pipeline(st, fresh) : -1;
	if (st && rc == 0 && (rc = reload_events(st, fresh)))
		store_sync_pipeline(st, cur->cfg); /* back to the running pipeline */
	if (st)
		app_writer_put(app);
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

struct store *app_writer_get(struct app *app)
{
	pthread_mutex_lock(&app->write_lock);
	if (!app->writer) {
		struct view *v = app_view(app);
		app->writer = store_open(v->cfg->db, 0);
		app_view_put(v);
	}
	if (!app->writer)
		pthread_mutex_unlock(&app->write_lock);
	return app->writer;
}

void app_writer_put(struct app *app)
{
	pthread_mutex_unlock(&app->write_lock);
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
