/*
 * api_ctx.c - the request context of the snapshot routes (api.h, struct
 * api_ctx): the parameters every analytics route takes (as_of, days,
 * format, table), the canonical cache key, the response cache, the
 * request's view's analytics state, and the reply as JSON or as one CSV table (api_csv.h).
 * (Apart from api_common.c, whose parsers the query fuzzer links alone.)
 */
#include "api.h"
#include "api_csv.h"
#include "app.h"
#include "buf.h"
#include "date.h"
#include "jsonx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ALLOWED 32

int api_ctx_begin(struct http_req *r, struct api_ctx *c, const char *route,
		  const char *const *allowed, const struct api_csv_table *tables)
{
	static const char *const common[] = { "as_of", "days", "format", "table", "safe" };
	memset(c, 0, sizeof(*c));
	c->key = (struct buf)BUF_INIT;
	c->route = route;
	c->tables = tables;
	const char *names[MAX_ALLOWED + sizeof(common) / sizeof(common[0]) + 1];
	size_t n = 0;
	for (; allowed[n]; n++)
		names[n] = allowed[n];
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		names[n++] = common[i];
	names[n] = NULL;
	if (http_params_allowed(r, names))
		return -1;
	const char *format = http_param(r, "format"), *table = http_param(r, "table");
	if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
		return http_problem(r, 400, "bad_param", "format", "format: '%.20s' is not json or csv",
				    format);
	int csv = format && strcmp(format, "csv") == 0;
	if (table && !csv)
		return http_problem(r, 400, "bad_param", "table", "table: only with format=csv");
	long safe = 0;
	if (api_parse_long(r, "safe", 0, 0, 1, &safe))
		return -1;
	if (http_param(r, "safe") && !csv)
		return http_problem(r, 400, "bad_param", "safe", "safe: only with format=csv");
	c->safe = (int)safe;
	if (csv) {
		c->table = table ? api_csv_find(tables, table) : tables;
		if (!c->table) {
			struct buf names_list = BUF_INIT;
			api_csv_names(tables, &names_list);
			http_problem(r, 400, "bad_param", "table", "table: '%.40s' is not one of %s", table,
				     names_list.data);
			buf_release(&names_list);
			return -1;
		}
	}
	buf_addstr(&c->key, route);
	if (c->safe) /* a guarded table is another body (and ETag) */
		buf_addstr(&c->key, "+safe");
	return 0;
}

struct agg_range api_agg_range(struct http_req *r, const struct api_range *rg)
{
	struct agg_range ar = { rg->from, rg->to, rg->as_of, AGG_WEEK, NULL };
	ar.bucket = rg->bucket == API_DAY ? AGG_DAY : rg->bucket == API_MONTH ? AGG_MONTH : AGG_WEEK;
	if (rg->days == API_BUSINESS_DAYS)
		ar.cal = r->cfg->calendar;
	return ar;
}

void api_ctx_key_range(struct http_req *r, struct api_ctx *c, const struct api_range *rg)
{
	c->ar = api_agg_range(r, rg);
	api_range_key(&c->key, rg);
	buf_addstr(&c->key, c->table ? "|csv:" : "|json");
	if (c->table)
		buf_addstr(&c->key, c->table->name);
}

int api_ctx_parse(struct http_req *r, struct api_ctx *c, const char *route,
		  const char *const *allowed, int with_bucket, const struct api_csv_table *tables)
{
	if (api_ctx_begin(r, c, route, allowed, tables) || api_parse_range(r, "", with_bucket, &c->rg))
		return -1;
	api_ctx_key_range(r, c, &c->rg);
	return 0;
}

json_t *api_ctx_range_json(const struct api_range *rg, int with_bucket)
{
	json_t *o = api_range_json(rg, with_bucket);
	json_object_set_new(o, "days",
			    json_string(rg->days == API_BUSINESS_DAYS ? "business" : "calendar"));
	return o;
}

int api_ctx_load(struct http_req *r, struct api_ctx *c, int *res)
{
	if (http_try_cached(r, c->key.data, res)) {
		buf_release(&c->key);
		return 1;
	}
	c->s = r->view->snap;
	return 0;
}

static int reply_csv(struct http_req *r, struct api_ctx *c, json_t *root)
{
	struct buf out = BUF_INIT;
	int rc = api_csv_write(&out, root, c->table, c->safe);
	json_decref(root);
	if (rc) {
		buf_release(&out);
		return http_reply_error(r, 500, "internal", "table", "cannot write table '%s'",
					c->table->name);
	}
	char name[128], f[DATE_LEN + 1], t[DATE_LEN + 1];
	snprintf(name, sizeof(name), "%s-%s-%s-%s.csv", c->route, c->table->name,
		 date_str(c->rg.from, f), date_str(c->rg.to, t));
	size_t len = 0;
	char *text = buf_detach(&out, &len);
	if (!text) {
		text = strdup("");
		if (!text)
			abort();
	}
	return http_reply_body(r, text, len, "text/csv; charset=utf-8", name,
			       c->uncached ? NULL : c->key.data);
}

int api_ctx_finish(struct http_req *r, struct api_ctx *c, json_t *root)
{
	int res = c->table ? reply_csv(r, c, root)
			   : http_reply_json(r, root, c->uncached ? NULL : c->key.data);
	buf_release(&c->key);
	return res;
}

int api_ctx_fail(struct http_req *r, struct api_ctx *c)
{
	buf_release(&c->key);
	return http_reply_problem(r);
}
