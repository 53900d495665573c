/*
 * api_core.c - /healthz, /api/v1/meta, /api/v1/pit (CSV exports from the
 * view's snapshot, JSON pages from the store) and /metrics.
 */
#include "api.h"
#include "app.h"
#include "buf.h"
#include "date.h"
#include "jsonx.h"
#include "metrics.h"
#include "rcache.h"
#include "pit.h"
#include "snap.h"
#include "store.h"

#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

int api_healthz(struct http_req *r)
{
	static const char *const none[] = { NULL };
	if (http_params_allowed(r, none))
		return http_reply_problem(r);
	/* a statement on this thread's connection: the database answers */
	if (store_pragma_data_version(r->store) < 0)
		return http_reply_error(r, 503, "unavailable", NULL, "the database does not answer");
	/* and it can take writes: the file served is still the one the path
	 * names, writable, with room (app_health()) */
	struct app_fault f;
	if (app_health(r->app, r->store, &f))
		return api_reply_store_fault(r, &f, 1, NULL);
	return http_reply_text(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

static int emp_id_cmp(const void *pa, const void *pb)
{
	const struct snap_emp *a = *(const struct snap_emp *const *)pa;
	const struct snap_emp *b = *(const struct snap_emp *const *)pb;
	return a->store_id < b->store_id ? -1 : a->store_id > b->store_id;
}

int api_meta(struct http_req *r)
{
	static const char *const allowed[] = { "as_of", NULL };
	int32_t as_of;
	if (http_params_allowed(r, allowed) || api_parse_as_of(r, &as_of))
		return http_reply_problem(r);
	const struct config *cfg = r->cfg;
	const struct snap *s = r->view->snap;
	struct buf key = BUF_INIT;
	buf_addstr(&key, "meta|");
	buf_add_date(&key, as_of);
	int res;
	if (http_try_cached(r, key.data, &res)) {
		buf_release(&key);
		return res;
	}
	json_t *depts = json_array(), *emps = json_array();
	for (size_t i = 0; i < cfg->ndepts; i++)
		json_array_append_new(depts, json_pack("{s:s,s:i,s:i}", "name", cfg->depts[i].name,
						       "position", (int)i + 1, "sla_days",
						       cfg->depts[i].sla_days));
	/* by id, as the store numbers them */
	const struct snap_emp **byid = calloc(s->nemps + 1, sizeof(*byid));
	if (!byid)
		abort();
	for (size_t i = 0; i < s->nemps; i++)
		byid[i] = &s->emps[i];
	qsort(byid, s->nemps, sizeof(*byid), emp_id_cmp);
	for (size_t i = 0; i < s->nemps; i++)
		json_array_append_new(emps, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)byid[i]->store_id,
						      "name", byid[i]->name, "department",
						      s->depts[byid[i]->dept].name));
	free(byid);
	int32_t first = DATE_NONE, last = DATE_NONE;
	int has = snap_bounds(s, as_of, &first, &last);
	json_t *root = json_object();
	json_object_set_new(root, "as_of", jx_date(as_of));
	json_object_set_new(root, "data_version", json_integer(s->data_version));
	/* freshness: when the data last changed (unix seconds, null before
	 * any import) and the last day it describes (data_bounds.last) */
	json_object_set_new(root, "last_import",
			    s->last_import > 0 ? json_integer(s->last_import) : json_null());
	json_object_set_new(root, "last_data_day", jx_date(has > 0 ? last : DATE_NONE));
	/* the closes a statistic needs before the pages judge by it */
	json_object_set_new(root, "min_closed", json_integer(cfg->min_closed));
	json_object_set_new(root, "tickets", json_integer((json_int_t)s->nticket));
	json_object_set_new(root, "data_bounds",
			    json_pack("{s:o,s:o}", "first", jx_date(has > 0 ? first : DATE_NONE),
				      "last", jx_date(has > 0 ? last : DATE_NONE)));
	json_object_set_new(root, "departments", depts);
	json_object_set_new(root, "employees", emps);
	json_object_set_new(root, "version", json_string(LEADTIME_VERSION));
	res = http_reply_json(r, root, key.data);
	buf_release(&key);
	return res;
}

/* ---- pit ---- */

struct pit_stream {
	struct store_dims dims;   /* a JSON page: names from the store */
	struct snap *snap;        /* a CSV export: the view's state, held */
	struct pit *pit;
	struct buf out;
	size_t sent;
	int header_done;
	int finished;
	int safe;                 /* safe=1: the spreadsheet guard */
};

static void pit_stream_done(void *cls)
{
	struct pit_stream *s = cls;
	pit_free(s->pit);
	snap_put(s->snap);
	store_dims_release(&s->dims);
	buf_release(&s->out);
	free(s);
}

static long pit_stream_fill(void *cls, char *dst, size_t max)
{
	struct pit_stream *s = cls;
	while (s->out.len - s->sent < max && !s->finished) {
		if (s->sent) {
			/* compact what was sent */
			memmove(s->out.data, s->out.data + s->sent, s->out.len - s->sent);
			s->out.len -= s->sent;
			s->sent = 0;
		}
		struct pit_row row;
		for (int i = 0; i < 512; i++) {
			int rc = pit_next(s->pit, &row);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				s->finished = 1;
				break;
			}
			pit_row_csv(&s->out, &row, s->safe);
		}
	}
	size_t n = s->out.len - s->sent;
	if (n > max)
		n = max;
	memcpy(dst, s->out.data + s->sent, n);
	s->sent += n;
	return (long)n;
}

/* cursor = hex of "YYYY-MM-DD<ticket_id>" */
static void cursor_encode(struct buf *out, int32_t day, const char *tid, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char d[DATE_LEN];
	date_format(day, d);
	for (size_t i = 0; i < DATE_LEN + n; i++) {
		unsigned char c = (unsigned char)(i < DATE_LEN ? d[i] : tid[i - DATE_LEN]);
		buf_addch(out, hex[c >> 4]);
		buf_addch(out, hex[c & 15]);
	}
}

static int cursor_decode(const char *s, int32_t *day, char *tid, size_t tidcap)
{
	size_t n = strlen(s);
	char raw[DATE_LEN + 130];
	if (n % 2 || n / 2 <= DATE_LEN || n / 2 > DATE_LEN + 128 || n / 2 - DATE_LEN >= tidcap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + (size_t)k];
			int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (x < 0)
				return -1;
			v = v * 16 + x;
		}
		if (v == 0)
			return -1;
		raw[i] = (char)v;
	}
	if (date_parse(raw, DATE_LEN, day))
		return -1;
	memcpy(tid, raw + DATE_LEN, n / 2 - DATE_LEN);
	tid[n / 2 - DATE_LEN] = '\0';
	return 0;
}

/*
 * The drill-down filters of /api/v1/pit (docs/API.md): which rows (`only`),
 * which tickets (`entry`), and whether the JSON rows carry their ticket
 * (`fields=ticket`).  0, or -1 when the reply (a 400) has been queued in
 * *res.
 */
static int parse_drill(struct http_req *r, int csv, int *only, int *entry, int *ticket, int *res)
{
	static const char *const names[] = { "opened", "closed", "open" };
	const char *only_s = http_param(r, "only");
	const char *entry_s = http_param(r, "entry");
	const char *fields = http_param(r, "fields");
	*only = PIT_ONLY_ALL;
	*entry = STORE_ENTRY_ANY;
	*ticket = fields != NULL;
	if (only_s) {
		for (int i = 0; i < 3 && !*only; i++)
			if (strcmp(only_s, names[i]) == 0)
				*only = i + 1;
		if (!*only) {
			*res = http_reply_error(r, 400, "bad_param", "only",
						"only: '%.20s' is not opened, closed or open", only_s);
			return -1;
		}
	}
	if (entry_s) {
		*entry = strcmp(entry_s, "first") == 0 ? STORE_ENTRY_FIRST
			 : strcmp(entry_s, "reentry") == 0 ? STORE_ENTRY_REENTRY : -1;
		if (*entry < 0) {
			*res = http_reply_error(r, 400, "bad_param", "entry",
						"entry: '%.20s' is not first or reentry", entry_s);
			return -1;
		}
	}
	if (fields && (strcmp(fields, "ticket") != 0 || csv)) {
		*res = http_reply_error(r, 400, "bad_param", "fields",
					csv ? "fields: only with format=json (the CSV is SPEC §2's)"
					    : "fields: '%.20s' is not ticket", fields);
		return -1;
	}
	return 0;
}

/*
 * format=csv: the whole range, streamed from the request's view rather
 * than the store.  A slow client may take minutes; reading the store all
 * that time would hold this thread's read transaction open, so that its
 * other requests saw the past and no checkpoint could pass it (the WAL
 * grew).  The view's state is held instead (docs/DESIGN.md "Long
 * responses"); its rows are those the store held at its data version.
 */
static int pit_csv(struct http_req *r, struct pit_query *q, const char *dept, const char *emp,
		   long emp_id, int safe)
{
	struct snap *sn = r->view->snap;
	/* the view's departments are its pipeline (pit.h) */
	if (dept) {
		int k = snap_dept_find(sn, dept);
		if (k < 0)
			return http_reply_error(r, 400, "bad_param", "department",
						"department: no department '%.60s' in the pipeline", dept);
		q->filter.dept_id = sn->depts[k].store_id;
	}
	if (emp) {
		size_t i = 0;
		while (i < sn->nemps && strcmp(sn->emps[i].name, emp) != 0)
			i++;
		if (i == sn->nemps)
			return http_reply_error(r, 400, "bad_param", "employee",
						"employee: no employee named '%.60s'", emp);
		q->filter.employee = emp;
	}
	if (emp_id) {
		if (snap_emp_find(sn, emp_id) < 0)
			return http_reply_error(r, 400, "bad_param", "employee_id",
						"employee_id: no employee with id %ld", emp_id);
		q->filter.employee_id = emp_id;
	}
	if (http_param(r, "cursor"))
		return http_reply_error(r, 400, "bad_param", "cursor", "cursor: only with format=json");
	struct pit_stream *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	buf_init(&s->out);
	s->safe = safe;
	s->snap = snap_ref(sn);
	s->pit = pit_open_snap(s->snap, q);
	pit_csv_header(&s->out);
	return http_reply_stream(r, "text/csv; charset=utf-8", "pit.csv", pit_stream_fill,
				 pit_stream_done, s);
}

int api_pit(struct http_req *r)
{
	static const char *const allowed[] = { "from", "to", "department", "employee", "creator",
					       "format", "limit", "cursor", "as_of", "safe", "only",
					       "employee_id", "entry", "fields", NULL };
	struct api_range rg;
	long limit = 1000, safe = 0, emp_id = 0;
	if (http_params_allowed(r, allowed) || api_parse_range(r, "", 0, &rg) ||
	    api_parse_long(r, "limit", 1000, 1, 10000, &limit) ||
	    api_parse_long(r, "safe", 0, 0, 1, &safe) ||
	    api_parse_long(r, "employee_id", 0, 1, INT32_MAX, &emp_id))
		return http_reply_problem(r);
	const char *format = http_param(r, "format");
	int csv = !format || strcmp(format, "csv") == 0;
	if (!csv && strcmp(format, "json") != 0)
		return http_reply_error(r, 400, "bad_param", "format", "format: '%.20s' is not csv or json",
					format);
	if (!csv && http_param(r, "safe"))
		return http_reply_error(r, 400, "bad_param", "safe", "safe: only with format=csv");
	int only, entry, ticket, bad;
	if (parse_drill(r, csv, &only, &entry, &ticket, &bad))
		return bad;
	/* a JSON page is a pure function of the query and the data version:
	 * ETag, 304 and the response cache as for the analytics routes */
	struct buf key = BUF_INIT;
	if (!csv) {
		static const char *const keyed[] = { "department", "employee", "creator", "limit",
						     "cursor", "only", "employee_id", "entry", "fields", NULL };
		buf_addstr(&key, "pit");
		api_range_key(&key, &rg);
		for (const char *const *k = keyed; *k; k++) {
			const char *v = http_param(r, *k);
			buf_addf(&key, "|%zu:%s", v ? strlen(v) : 0, v ? v : "");
		}
		int hit;
		if (http_try_cached(r, key.data, &hit)) {
			buf_release(&key);
			return hit;
		}
	}
	struct pit_query q = { .from = rg.from, .to = rg.to, .as_of = rg.as_of, .only = only };
	q.filter.entry = entry;
	char after[160];
	const char *dept = http_param(r, "department");
	const char *emp = http_param(r, "employee");
	const char *cursor = http_param(r, "cursor");
	q.filter.creator = http_param(r, "creator");
	if (csv)
		return pit_csv(r, &q, dept, emp, emp_id, (int)safe);
	/* json: one page, read from the store (a short read) */
	struct pit_stream *s = calloc(1, sizeof(*s));
	if (!s)
		abort();
	buf_init(&s->out);
	if (store_load_dims(r->store, &s->dims)) {
		pit_stream_done(s);
		buf_release(&key);
		return http_reply_error(r, 503, "unavailable", NULL, "cannot read the store");
	}
	/* departments that left this view's pipeline are not reported: no
	 * rows, and as a filter they answer like an unknown name */
	store_dims_set_pipeline(&s->dims, r->cfg);
	if (dept) {
		for (size_t i = 0; i < s->dims.ndepts; i++)
			if (s->dims.depts[i].position > 0 && strcmp(s->dims.depts[i].name, dept) == 0)
				q.filter.dept_id = s->dims.depts[i].id;
		if (!q.filter.dept_id) {
			pit_stream_done(s);
			buf_release(&key);
			return http_reply_error(r, 400, "bad_param", "department",
						"department: no department '%.60s' in the pipeline", dept);
		}
	}
	if (emp) {
		size_t i;
		for (i = 0; i < s->dims.nemps; i++) {
			const struct store_dept *d = store_dims_dept(&s->dims, s->dims.emps[i].dept_id);
			if (d && d->position > 0 && strcmp(s->dims.emps[i].name, emp) == 0)
				break;
		}
		if (i == s->dims.nemps) {
			pit_stream_done(s);
			buf_release(&key);
			return http_reply_error(r, 400, "bad_param", "employee",
						"employee: no employee named '%.60s'", emp);
		}
		q.filter.employee = emp;
	}
	if (emp_id) {
		size_t i;
		for (i = 0; i < s->dims.nemps; i++) {
			const struct store_dept *d = store_dims_dept(&s->dims, s->dims.emps[i].dept_id);
			if (d && d->position > 0 && s->dims.emps[i].id == emp_id)
				break;
		}
		if (i == s->dims.nemps) {
			pit_stream_done(s);
			buf_release(&key);
			return http_reply_error(r, 400, "bad_param", "employee_id",
						"employee_id: no employee with id %ld", emp_id);
		}
		q.filter.employee_id = emp_id;
	}
	if (cursor) {
		if (cursor_decode(cursor, &q.from, after, sizeof(after)) || q.from < rg.from ||
		    q.from > rg.to) {
			pit_stream_done(s);
			buf_release(&key);
			return http_reply_error(r, 400, "bad_param", "cursor",
						"cursor: not a cursor of this range");
		}
		q.after_ticket = after;
	}
	/* the rows come from the store, not the view: a page is cached (and
	 * gets an ETag) only when the store held the view's data version
	 * before and after reading it */
	int64_t dv_before = store_data_version(r->store);
	s->pit = pit_open(r->store, &s->dims, &q);
	if (!s->pit) {
		pit_stream_done(s);
		buf_release(&key);
		return http_reply_error(r, 503, "unavailable", NULL, "cannot read the store");
	}
	/* one page of rows, then the cursor of the last one */
	json_t *range = api_range_json(&rg, 0);
	char *rs = jx_dump(range, NULL);
	json_decref(range);
	struct buf *b = &s->out;
	buf_addstr(b, "{\"range\":");
	buf_addstr(b, rs ? rs : "null");
	free(rs);
	buf_addstr(b, ",\"rows\":[");
	struct pit_row row;
	long n = 0;
	int rc = 0;
	int32_t last_day = 0;
	char last_tid[160] = "";
	size_t last_len = 0;
	while (n < limit && (rc = pit_next(s->pit, &row)) > 0) {
		if (n++)
			buf_addch(b, ',');
		pit_row_json(b, &row, ticket);
		last_day = row.report_date;
		last_len = row.ticket_id_len < sizeof(last_tid) ? row.ticket_id_len : sizeof(last_tid) - 1;
		memcpy(last_tid, row.ticket_id, last_len);
	}
	if (rc < 0) {
		pit_stream_done(s);
		buf_release(&key);
		return http_reply_error(r, 503, "unavailable", NULL, "cannot read the store");
	}
	buf_addstr(b, "],\"next_cursor\":");
	if (n == limit && pit_next(s->pit, &row) > 0) {
		buf_addch(b, '"');
		cursor_encode(b, last_day, last_tid, last_len);
		buf_addch(b, '"');
	} else {
		buf_addstr(b, "null");
	}
	buf_addstr(b, "}\n");
	size_t len = 0;
	char *text = buf_detach(b, &len);
	pit_stream_done(s);
	int same = dv_before == r->view->snap->data_version &&
		   store_data_version(r->store) == dv_before;
	int res = http_reply_json_text(r, text, len, same ? key.data : NULL);
	buf_release(&key);
	return res;
}

/* ---- metrics ---- */

static void gauge(struct buf *b, const char *name, const char *help, double v)
{
	buf_addf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name, name, v);
}

int api_metrics(struct http_req *r)
{
	static const char *const none[] = { NULL };
	if (http_params_allowed(r, none))
		return http_reply_problem(r);
	struct buf b = BUF_INIT;
	metrics_render(http_metrics(r->app->server), &b, http_route_names(r->app->server));
	uint64_t hits, misses;
	size_t bytes;
	rcache_stats(r->app->cache, &hits, &misses, &bytes);
	buf_addf(&b, "# HELP leadtime_cache_requests_total Response cache lookups.\n"
		     "# TYPE leadtime_cache_requests_total counter\n"
		     "leadtime_cache_requests_total{result=\"hit\"} %llu\n"
		     "leadtime_cache_requests_total{result=\"miss\"} %llu\n",
		 (unsigned long long)hits, (unsigned long long)misses);
	gauge(&b, "leadtime_cache_bytes", "Bytes held by the response cache.", (double)bytes);
	gauge(&b, "leadtime_tickets", "Tickets in the store.", (double)r->view->snap->nticket);
	gauge(&b, "leadtime_data_version", "Committed changes to the store.",
	      (double)r->view->snap->data_version);
	double size = 0;
	struct stat stt;
	char path[4200];
	static const char *const suffix[] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s", r->cfg->db, suffix[i]);
		if (stat(path, &stt) == 0)
			size += (double)stt.st_size;
	}
	gauge(&b, "leadtime_db_bytes", "Size of the database files (db, wal, shm).", size);
	gauge(&b, "leadtime_start_time_seconds", "Start time of the daemon (unix).",
	      (double)r->app->started_at);
	int ret = http_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
	buf_release(&b);
	return ret;
}
