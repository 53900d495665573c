/*
 * app_snap.c - the analytics snapshot of the current data version, shared
 * by the request threads.  It is rebuilt by the first request that sees a
 * newer data version; others wanting that version wait on the build lock
 * rather than building it twice.  Old snapshots are freed when the last request
 * holding one lets go.
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

struct snap_ref *app_snap_get(struct app *app, struct store *st, const struct config *cfg,
			      int64_t version)
{
	struct snap_ref *ref = pin_current(app, version);
	if (ref)
		return ref;
	/* One builder at a time, outside app->lock so that requests not
	 * needing the snapshot (static files, config) never wait for it. */
	pthread_mutex_lock(&app->snap_build);
	ref = pin_current(app, version); /* built while we waited? */
	if (!ref) {
		struct snap *s = snap_load(st, cfg);
		if (s) {
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
			log_info("analytics snapshot built for data version %lld",
				 (long long)version);
		}
	}
	pthread_mutex_unlock(&app->snap_build);
	return ref;
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
