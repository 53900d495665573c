/*
 * app.c - see app.h.
 *
 * Worker threads get their read connection through a thread-local index
 * into app->readers (connections are opened SQLITE_OPEN_NOMUTEX and so
 * must stay on one thread).  The snapshot is rebuilt by the first request
 * that sees a newer data version; others wanting that version wait on the
 * lock rather than building it twice.
 */
#include "app.h"
#include "evimport.h"
#include "log.h"
#include "rcache.h"
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RCACHE_BYTES (64u << 20)

static _Thread_local const struct app *tl_app;
static _Thread_local struct store *tl_reader;

int app_init(struct app *app, struct config *cfg, size_t nreaders)
{
	memset(app, 0, sizeof(*app));
	app->config = calloc(1, sizeof(*app->config));
	if (!app->config)
		abort();
	app->config->cfg = *cfg;
	app->config->gen = 1;
	app->config->refs = 1;
	memset(cfg, 0, sizeof(*cfg));
	pthread_mutex_init(&app->lock, NULL);
	pthread_mutex_init(&app->write_lock, NULL);
	pthread_mutex_init(&app->snap_build, NULL);
	app->started_at = (int64_t)time(NULL);
	app->cache = rcache_new(RCACHE_BYTES);
	app->readers = calloc(nreaders, sizeof(*app->readers));
	if (!app->cache || !app->readers)
		abort();
	app->nreaders = nreaders;
	for (size_t i = 0; i < nreaders; i++) {
		app->readers[i] = store_open(app->config->cfg.db, STORE_READONLY);
		if (!app->readers[i])
			return -1;
	}
	return 0;
}

void app_release(struct app *app)
{
	for (size_t i = 0; i < app->nreaders; i++)
		store_close(app->readers[i]);
	free(app->readers);
	store_close(app->writer);
	rcache_free(app->cache);
	pthread_mutex_destroy(&app->write_lock);
	pthread_mutex_destroy(&app->snap_build);
	pthread_mutex_destroy(&app->lock);
	if (app->config) {
		config_release(&app->config->cfg);
		free(app->config);
	}
	memset(app, 0, sizeof(*app));
}

const struct app_config *app_config_get(struct app *app)
{
	pthread_mutex_lock(&app->lock);
	struct app_config *c = app->config;
	c->refs++;
	pthread_mutex_unlock(&app->lock);
	return c;
}

void app_config_put(struct app *app, const struct app_config *cc)
{
	struct app_config *c = (struct app_config *)cc;
	if (!c)
		return;
	pthread_mutex_lock(&app->lock);
	int last = --c->refs == 0;
	pthread_mutex_unlock(&app->lock);
	if (last) {
		config_release(&c->cfg);
		free(c);
	}
}

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
	const struct app_config *old = app_config_get(app);
	const struct config *o = &old->cfg;
	keep_str("listen", &fresh->listen, o->listen);
	keep_str("db", &fresh->db, o->db);
	keep_int("port", &fresh->port, o->port);
	keep_int("threads", &fresh->threads, o->threads);
	keep_int("max_connections", &fresh->max_connections, o->max_connections);
	keep_int("per_ip_connections", &fresh->per_ip_connections, o->per_ip_connections);
	keep_int("connection_timeout", &fresh->connection_timeout, o->connection_timeout);
	unsigned gen = old->gen + 1;
	app_config_put(app, old);

	struct store *st = app_writer_get(app);
	int rc = st ? store_sync_pipeline(st, fresh) : -1;
	if (st && rc == 0 && (rc = reload_events(st, fresh)))
		store_sync_pipeline(st, &app->config->cfg); /* back to the running pipeline */
	if (st)
		app_writer_put(app);
	if (rc) {
		log_err("reload: cannot apply the pipeline or the event rules to the store; keeping the running configuration");
		config_release(fresh);
		return -1;
	}
	struct app_config *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->cfg = *fresh;
	memset(fresh, 0, sizeof(*fresh));
	c->gen = gen;
	c->refs = 1;
	pthread_mutex_lock(&app->lock);
	struct app_config *prev = app->config;
	app->config = c;
	pthread_mutex_unlock(&app->lock);
	app_config_put(app, prev);
	log_set_level((enum log_level)c->cfg.log_level);
	return 0;
}

struct store *app_writer_get(struct app *app)
{
	pthread_mutex_lock(&app->write_lock);
	if (!app->writer)
		app->writer = store_open(app->config->cfg.db, 0);
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
	return tl_reader;
}

