/*
 * api_events_tl.c - the stored events of a creator for its timeline
 * (GET /api/v1/creators/{name}: `events`, issue 10): each event with the
 * department its activity maps to under the rules in force and the
 * department of the stay it falls in (the timeline lane of its marker).
 */
#include "api.h"
#include "app.h"
#include "date.h"
#include "events.h"
#include "snap.h"
#include "store.h"
#include "store_events.h"
#include "ts.h"

#include <jansson.h>
#include <stdlib.h>

struct collect {
	const struct snap *s;
	const struct ev_rules *rules;
	int32_t as_of;
	json_t *events;
	size_t n;             /* events up to as_of, listed or not */
	int stay;             /* department of the stay in progress, or -1 */
};

/* A stored string as JSON ("" = none = null; import checked the UTF-8). */
static json_t *text(const char *p, size_t n)
{
	json_t *v = n ? json_stringn(p, n) : NULL;
	return v ? v : json_null();
}

static int add(void *ctx, const struct store_event *e)
{
	struct collect *c = ctx;
	int32_t day = ts_day(e->at);
	if (day > c->as_of)
		return 1; /* in order of instant: the rest is later still */
	if (c->n++ >= API_TIMELINE_MAX_EVENTS)
		return 0;
	char at[40], d[DATE_LEN + 1];
	int code = ev_rules_map(c->rules, e->activity, e->activity_len);
	int mapped = code >= 0 && (size_t)code < c->s->ndepts;
	/* the stay an event belongs to: a mapped event's own department; a
	 * done event closes the stay in progress; any other event falls in
	 * the stay in progress (none before the first or after a done) */
	int stay = mapped ? code : c->stay;
	c->stay = mapped ? code : code == EV_DONE ? -1 : c->stay;
	json_t *o = json_object();
	json_object_set_new(o, "at", json_string(ts_format(e->at, at)));
	json_object_set_new(o, "date", json_string(date_str(day, d)));
	json_object_set_new(o, "activity", text(e->activity, e->activity_len));
	json_object_set_new(o, "resource", text(e->resource, e->resource_len));
	json_object_set_new(o, "lifecycle", text(e->lifecycle, e->lifecycle_len));
	json_object_set_new(o, "department",
			    mapped ? json_string(c->s->depts[code].name) : json_null());
	json_object_set_new(o, "stay", stay >= 0 ? json_string(c->s->depts[stay].name) : json_null());
	json_object_set_new(o, "done", json_boolean(code == EV_DONE));
	json_array_append_new(c->events, o);
	return 0;
}

int api_creator_events(struct http_req *r, const char *creator, int32_t as_of, json_t **events,
		       size_t *total)
{
	struct ev_rules *rules = ev_rules_new(r->cfg);
	struct collect c = { r->view->snap, rules, as_of, json_array(), 0, -1 };
	int rc = store_events_of(r->store, creator, add, &c);
	ev_rules_free(rules);
	if (rc) {
		json_decref(c.events);
		return -1;
	}
	*events = c.events;
	*total = c.n;
	return 0;
}
