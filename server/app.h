/*
 * app.h - the state a running daemon shares between its request threads:
 * the config, one read connection per worker thread, the analytics
 * snapshot of the current data version, and the response cache.
 *
 * Threads never mutate shared values in place: a new data version builds a
 * new snapshot, swapped in under the lock; the old one is freed when the
 * last request holding it lets go (reference counts).
 */
#ifndef LEADTIME_APP_H
#define LEADTIME_APP_H

#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct snap;
struct store;
struct rcache;
struct http_server;

/* The configuration in force: immutable once published; a reload publishes
 * a new one and the old one is freed when the last request using it ends. */
struct app_config {
	struct config cfg;
	unsigned gen;        /* 1, 2, ... one per successful (re)load */
	int refs;            /* under app.lock */
};

/* A snapshot and the data version it was built from. */
struct snap_ref {
	struct snap *snap;
	int64_t version;
	int refs;            /* under app.lock */
};

struct app {
	struct app_config *config;
	pthread_mutex_t lock;            /* guards config, current */
	pthread_mutex_t snap_build;      /* one snapshot builder at a time */
	struct snap_ref *current;
	struct store **readers;          /* one per worker thread */
	size_t nreaders;
	atomic_size_t next_reader;
	struct rcache *cache;
	struct http_server *server;      /* set by http_start() */
	pthread_mutex_t write_lock;      /* one writer at a time */
	struct store *writer;            /* opened at the first write */
	int64_t started_at;              /* unix seconds */
};

/* Set up: takes ownership of *cfg (left zeroed), opens nreaders read
 * connections.  0 or -1 (logged). */
int app_init(struct app *app, struct config *cfg, size_t nreaders);
/* Free everything app_init() made (call app_snap_drop() first). */
void app_release(struct app *app);

/* The configuration in force, pinned until app_config_put(). */
const struct app_config *app_config_get(struct app *app);
void app_config_put(struct app *app, const struct app_config *c);

/*
 * Publish a new configuration (takes ownership of *fresh).  Keys that need
 * a restart ([server] listen, port, threads, limits; [data] db) keep their
 * running values, with a warning when they differ.  The pipeline is synced
 * to the store.  0, or -1 with the old configuration kept.
 */
int app_reload(struct app *app, struct config *fresh);

/* Take the write connection (opening it when needed); NULL on error, with
 * the lock released.  Give it back with app_writer_put(). */
struct store *app_writer_get(struct app *app);
void app_writer_put(struct app *app);

/* The read connection of the calling thread (assigned on first use). */
struct store *app_reader(struct app *app);

/*
 * A snapshot for request version `version` (config generation << 40 | data
 * version): the current one when it is that recent; else this thread
 * builds it, unless another thread is building one, in which case the
 * previous snapshot is returned (ref->version says which: key the reply by
 * it).  NULL on error.  Hand it back with app_snap_put().
 */
struct snap_ref *app_snap_get(struct app *app, struct store *st, const struct config *cfg,
			      int64_t version);
/* Build and publish the snapshot of `version` now (start-up, after a
 * write), waiting for a build in progress.  0 or -1 (logged). */
int app_snap_refresh(struct app *app, struct store *st, const struct config *cfg,
		     int64_t version);
void app_snap_put(struct app *app, struct snap_ref *ref);
/* Let go of the current snapshot (at shutdown, before app_release()). */
void app_snap_drop(struct app *app);

#endif
