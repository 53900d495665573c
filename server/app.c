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
	app->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	pthread_mutex_init(&app->lock, NULL);
	pthread_mutex_init(&app->write_lock, NULL);
	app->started_at = (int64_t)time(NULL);
	app->cache = rcache_new(RCACHE_BYTES);
	app->readers = calloc(nreaders, sizeof(*app->readers));
	if (!app->cache || !app->readers)
		abort();
	app->nreaders = nreaders;
	for (size_t i = 0; i < nreaders; i++) {
		app->readers[i] = store_open(app->cfg.db, STORE_READONLY);
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
	pthread_mutex_destroy(&app->lock);
	config_release(&app->cfg);
	memset(app, 0, sizeof(*app));
}

struct store *app_writer_get(struct app *app)
{
	pthread_mutex_lock(&app->write_lock);
	if (!app->writer)
		app->writer = store_open(app->cfg.db, 0);
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

