/*
 * api_workbook.c - GET /api/v1/workbook.xlsx?week=...: the weekly workbook
 * (workbook.h) as a download, cached and tagged like the JSON analytics
 * routes (the key: week and as_of; the ETag also carries the view's
 * version), from the request's view.
 */
#include "api.h"
#include "app.h"
#include "buf.h"
#include "workbook.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

int api_workbook(struct http_req *r)
{
	static const char *const allowed[] = { "week", NULL };
	if (http_params_allowed(r, allowed))
		return http_reply_problem(r);
	int32_t as_of = api_as_of(r), monday;
	char why[256];
	if (workbook_week(http_param(r, "week"), as_of, &monday, why, sizeof(why)))
		return http_reply_error(r, 400, "bad_param", "week", "week: %s", why);

	struct buf key = BUF_INIT;
	buf_addstr(&key, "workbook|");
	buf_add_date(&key, monday);
	buf_addch(&key, '|');
	buf_add_date(&key, as_of);
	int res;
	if (http_try_cached(r, key.data, &res))
		goto out;
	char *data = NULL;
	size_t len = 0;
	int rc = workbook_build(r->view->snap, monday, as_of, &data, &len);
	if (rc) {
		res = http_reply_error(r, 500, "internal", NULL, "cannot write the workbook");
	} else {
		char name[WORKBOOK_FILENAME_LEN];
		workbook_filename(monday, name);
		res = http_reply_file(r, XLSX_TYPE, name, data, len, key.data);
	}
out:
	buf_release(&key);
	return res;
}
