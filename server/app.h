/*
 * app.h - the state a running daemon shares between its request threads:
 * the view in force (configuration + analytics state + version), one read
 * connection per worker thread, the write connection and the response
 * cache.
 *
 * A request pins one view when it starts and reads only that view, so
 * everything it answers comes from one configuration and one data version,
 * and its cache key and ETag name exactly those.  Views are immutable: a
 * write, a write by another process, a reload or a new day publishes a new
 * one (made by editing the analytics state, see snap.h); the old one is
 * freed when the last request holding it ends.
 */
#ifndef LEADTIME_APP_H
#define LEADTIME_APP_H

#include "config.h"
#include "store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct snap;
struct rcache;
struct http_server;

/* A configuration: immutable once published, shared by the views made
 * while it is in force. */
struct app_config {
	struct config cfg;
	unsigned gen;           /* 1, 2, ... one per successful (re)load */
	atomic_uint refs;
};

struct view {
	atomic_uint refs;
	struct app_config *config;
	const struct config *cfg;   /* &config->cfg */
	struct snap *snap;          /* the analytics state, as of as_of */
	int32_t as_of;              /* the day the view describes */
	int64_t version;            /* names (config generation, data version):
				     * the key of cached responses and ETags */
};

/* Why the store cannot take writes: its kind and a message for people
 * (the 503/507 replies say it; the log says it after the path, which the
 * replies do not name: docs/SECURITY.md). */
struct app_fault {
	enum store_error kind;
	char msg[600];
};

struct app {
	pthread_mutex_t lock;            /* guards current */
	struct view *current;
	pthread_mutex_t update;          /* one maker of views at a time */
	struct store *updater;           /* read connection used under update */
	struct store **readers;          /* one per worker thread */
	size_t nreaders;
	atomic_size_t next_reader;
	struct rcache *cache;
	struct http_server *server;      /* set by http_start() */
	pthread_mutex_t write_lock;      /* one writer at a time */
	struct store *writer;            /* opened at the first write */
	int64_t started_at;              /* unix seconds */
	struct store_file file;          /* the database file served (at start) */
	struct store_file wal, shm;      /* its -wal and -shm */
	atomic_int file_state;           /* STORE_ERR_GONE once the path was
					  * found naming another file or none */
	atomic_int probe_state;          /* enum store_error of the last
					  * store_probe() (a change is logged once) */
	pthread_mutex_t fault_lock;      /* guards fault, gone */
	struct app_fault *fault;         /* an I/O error or damage seen by a
					  * write, until a write succeeds */
	struct app_fault gone;           /* what check_file() found then */
};

/* Set up: takes ownership of *cfg (left zeroed), opens the read
 * connections and builds the first view.  0 or -1 (logged). */
int app_init(struct app *app, struct config *cfg, size_t nreaders);
/* Free everything app_init() made. */
void app_release(struct app *app);

/* The view in force, pinned until app_view_put(). */
struct view *app_view(struct app *app);
void app_view_put(struct view *v);

/*
 * A view as fresh as the store, for a request that pinned v and reads
 * through st (its thread's read connection): v itself when the store has
 * no newer data version (a cheap check: PRAGMA data_version), else the
 * view caught up with it — unless another thread is making a view right
 * now, in which case v is served (whole, labelled with its own version)
 * rather than waiting.  Takes over the caller's reference to v; returns
 * the pinned view to use.
 */
struct view *app_view_fresh(struct app *app, struct store *st, struct view *v);

/*
 * After a commit on the write connection (the caller still holds it):
 * publish the view of the new data now, so that the writer pays for it
 * and a client reads its own write.  0 or -1 (logged).
 */
int app_publish_write(struct app *app, struct store *writer);

/*
 * Publish a new configuration (takes ownership of *fresh).  Keys that need
 * a restart ([server] listen, port, threads, limits; [data] db) keep their
 * running values, with a warning when they differ.  The pipeline is synced
 * to the store and the new view built before it is published.  0, or -1
 * with the old configuration kept.
 */
int app_reload(struct app *app, struct config *fresh);

/*
 * Take the write connection (opening it when needed, synchronous = FULL);
 * NULL with *f and the lock released when the store cannot be written:
 * the path no longer names the file the daemon serves (STORE_ERR_GONE: a
 * write would go to a file nobody reads), or the connection cannot be
 * opened for writing (read-only file, ...).  Give it back with
 * app_writer_put().
 */
struct store *app_writer_get(struct app *app, struct app_fault *f);
/*
 * Give the write connection back after a write: 0, or -1 with *f when a
 * step of it failed because of the store (the connection is then closed,
 * and the next write opens the file afresh: a file made writable again
 * takes writes again) or when the path no longer names the file served
 * (the write went into a file that was removed or replaced).
 */
int app_writer_put(struct app *app, struct store *st, struct app_fault *f);

/*
 * Can the store take writes now?  The path still names the file the
 * daemon serves, the files are writable, there is room on the disk and
 * under [data] max_size_mb (store_probe(), counted through st, any
 * connection of the store), and no write met an I/O error or damage since
 * the last write that succeeded.  0, or -1 with *f.  A change of answer is
 * logged once (the error with the path, the old and the new inode).
 */
int app_health(struct app *app, struct store *st, struct app_fault *f);

/* The read connection of the calling thread (assigned on first use). */
struct store *app_reader(struct app *app);

/* The version of a (configuration generation, data version) pair. */
int64_t app_version(unsigned gen, int64_t data_version);

#endif
