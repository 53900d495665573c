/*
 * app_snap.c - the analytics snapshot of the current data version, shared
 * by the request threads.
 *
 * Who builds: the daemon at start-up and every HTTP write right after its
 * commit (app_snap_refresh(), so the writer pays, not the next reader); a
 * write by another process (the CLI) is noticed by the first request that
 * reads the newer data version, which builds it.  While a build runs, other
 * requests are served from the previous snapshot, whole and labelled with
 * its own version.  Old snapshots are freed when the last request holding
 * one lets go.
 */
#include "app.h"
#include "log.h"
#include "snap.h"

#include <stdlib.h>

/* The current snapshot, pinned, when it is at least `version`; else NULL. */
static struct snap_ref *pin_current(struct app *app, int64_t version)
{
	pthread_mutex_lock(&app->lock);
	struct snap_ref *ref = app->current;
	if (ref && ref->version >= version)
		ref->refs++;
	else
		ref = NULL;
	pthread_mutex_unlock(&app->lock);
	return ref;
}

/* The current snapshot, pinned, whatever its version; NULL when none. */
static struct snap_ref *pin_any(struct app *app)
{
	pthread_mutex_lock(&app->lock);
	struct snap_ref *ref = app->current;
	if (ref)
		ref->refs++;
	pthread_mutex_unlock(&app->lock);
	return ref;
}

/* Build the snapshot of `version` and publish it; the caller holds
 * snap_build.  Pinned, or NULL on error. */
static struct snap_ref *build(struct app *app, struct store *st, const struct config *cfg,
			      int64_t version)
{
	struct snap_ref *ref = pin_current(app, version); /* built while we waited? */
	if (ref)
		return ref;
	struct snap *s = snap_load(st, cfg);
	if (!s)
		return NULL;
	ref = calloc(1, sizeof(*ref));
	if (!ref)
		abort();
	ref->snap = s;
	ref->version = version;
	ref->refs = 2; /* app->current's and the caller's */
	pthread_mutex_lock(&app->lock);
	struct snap_ref *old = app->current;
	app->current = ref;
	if (old && --old->refs == 0) {
		snap_free(old->snap);
		free(old);
	}
	pthread_mutex_unlock(&app->lock);
	log_info("analytics snapshot built for data version %lld (%zu tickets)",
		 (long long)(version & ((INT64_C(1) << 40) - 1)), s->nticket);
	return ref;
}

struct snap_ref *app_snap_get(struct app *app, struct store *st, const struct config *cfg,
			      int64_t version)
{
	struct snap_ref *ref = pin_current(app, version);
	if (ref)
		return ref;
	/* One builder at a time, outside app->lock so that requests not
	 * needing the snapshot never wait for it.  While another thread
	 * builds, serve the previous version whole (the caller keys its
	 * reply by ref->version) rather than queue behind the build. */
	if (pthread_mutex_trylock(&app->snap_build) != 0) {
		ref = pin_any(app);
		if (ref)
			return ref;
		pthread_mutex_lock(&app->snap_build);
	}
	ref = build(app, st, cfg, version);
	pthread_mutex_unlock(&app->snap_build);
	return ref;
}

int app_snap_refresh(struct app *app, struct store *st, const struct config *cfg,
		     int64_t version)
{
	pthread_mutex_lock(&app->snap_build);
	struct snap_ref *ref = build(app, st, cfg, version);
	pthread_mutex_unlock(&app->snap_build);
	app_snap_put(app, ref);
	return ref ? 0 : -1;
}

void app_snap_put(struct app *app, struct snap_ref *ref)
{
	if (!ref)
		return;
	pthread_mutex_lock(&app->lock);
	if (--ref->refs == 0) {
		snap_free(ref->snap);
		free(ref);
	}
	pthread_mutex_unlock(&app->lock);
}

void app_snap_drop(struct app *app)
{
	if (app->current && --app->current->refs == 0) {
		snap_free(app->current->snap);
		free(app->current);
	}
	app->current = NULL;
}
