/*
 * import_map.c - see import_map.h.
 *
 * The presets name the columns of the products' own CSV exports: Jira's
 * "Export > CSV (all fields)" (Issue key, Reporter, Assignee, Project name,
 * Created, Resolved; dates as the default Jira format `dd/MMM/yy h:mm a`)
 * and Zendesk's ticket CSV export (Id, Requester, Assignee, Group,
 * Created at, Solved at).  Any key set in [import] overrides its preset.
 */
#include "import_map.h"
#include "buf.h"
#include "config.h"
#include "csv.h"
#include "date.h"
#include "import.h"
#include "ts.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct preset {
	const char *col[CONFIG_TICKET_FIELDS];
	const char *date_format;
};

static const struct preset presets[] = {
	[IMAP_NONE] = { { NULL }, NULL },
	[IMAP_JIRA] = { { "Issue key", "Reporter", "Assignee", "Project name", "Created", "Resolved" },
			"%d/%b/%y %I:%M %p" },
	[IMAP_ZENDESK] = { { "Id", "Requester", "Assignee", "Group", "Created at", "Solved at" }, NULL },
};

const char *import_map_preset(int profile, int field)
{
	if (profile < 0 || profile > IMAP_ZENDESK || field < 0 || field >= CONFIG_TICKET_FIELDS)
		return NULL;
	return presets[profile].col[field];
}

const char *import_map_preset_date_format(int profile)
{
	return profile < 0 || profile > IMAP_ZENDESK ? NULL : presets[profile].date_format;
}

/* Map the header to the configured columns; problems to the importer. */
static int read_header(struct importer *im, const struct config *cfg, struct csv_reader *r,
		       int map[IC_NCOLS])
{
	int ok = 0;
	for (int c = 0; c < IC_NCOLS; c++)
		map[c] = -1;
	for (size_t i = 0; i < csv_nfields(r); i++) {
		size_t n;
		const char *name = csv_field(r, i, &n);
		import_trim(&name, &n);
		for (int c = 0; c < IC_NCOLS; c++) {
			if ((c == IC_TICKET_ID && cfg->imap_row_ids) || strlen(cfg->imap_col[c]) != n ||
			    strncasecmp(name, cfg->imap_col[c], n) != 0)
				continue;
			if (map[c] >= 0) {
				importer_problem(im, csv_line(r),
						 "column '%s': appears twice in the header (columns %d and %zu); [import] %s needs a column that appears once",
						 cfg->imap_col[c], map[c] + 1, i + 1, import_col_names[c]);
				ok = -1;
			} else {
				map[c] = (int)i;
			}
		}
	}
	for (int c = 0; c < IC_NCOLS; c++) {
		if (map[c] >= 0 || (c == IC_TICKET_ID && cfg->imap_row_ids))
			continue;
		struct buf cols = BUF_INIT;
		csv_fields_list(r, &cols);
		importer_problem(im, csv_line(r),
				 "column '%s': missing from the header ([import] %s = %s; the header has %s)",
				 cfg->imap_col[c], import_col_names[c], cfg->imap_col[c], cols.data);
		buf_release(&cols);
		ok = -1;
	}
	return ok;
}

/* A date cell to YYYY-MM-DD in out; 0, or -1 after recording the problem. */
static int convert_date(struct importer *im, const struct config *cfg, long line, int c,
			const char *v, size_t n, char out[DATE_LEN + 1])
{
	int64_t us;
	const char *why;
	char s[IMPORT_SHOWN];
	int rc = *cfg->imap_date_format
			 ? ts_parse_fmt(cfg->imap_date_format, v, n, cfg->imap_tz, &us, &why)
			 : ts_parse_iso(v, n, cfg->imap_tz, &us, &why);
	if (rc) {
		if (*cfg->imap_date_format)
			importer_problem(im, line, "column %s: %s; date_format is '%s' ('%s')",
					 cfg->imap_col[c], why, cfg->imap_date_format, import_show_value(v, n, s));
		else
			importer_problem(im, line, "column %s: %s ('%s')", cfg->imap_col[c], why,
					 import_show_value(v, n, s));
		return -1;
	}
	date_str(ts_day(us), out);
	return 0;
}

static void map_row(struct importer *im, const struct config *cfg, struct csv_reader *r,
		    const int map[IC_NCOLS], long row, struct buf *id)
{
	long line = csv_line(r), before = importer_nproblems(im);
	const char *f[IC_NCOLS];
	size_t n[IC_NCOLS];
	char dates[2][DATE_LEN + 1], s[IMPORT_SHOWN];
	for (int c = 0; c < IC_NCOLS; c++) {
		f[c] = "";
		n[c] = 0;
		if (map[c] >= 0) {
			f[c] = csv_field(r, (size_t)map[c], &n[c]);
			import_trim(&f[c], &n[c]);
		}
	}
	buf_reset(id);
	buf_addstr(id, cfg->imap_id_prefix);
	if (cfg->imap_row_ids) {
		buf_addf(id, "%06ld", row);
	} else if (!n[IC_TICKET_ID]) {
		importer_problem(im, line, "column %s: required, but empty", cfg->imap_col[IC_TICKET_ID]);
	} else {
		buf_add(id, f[IC_TICKET_ID], n[IC_TICKET_ID]);
	}
	static const enum import_col required[] = { IC_CREATOR, IC_EMPLOYEE, IC_DEPARTMENT, IC_OPENED_ON };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!n[required[i]])
			importer_problem(im, line, "column %s: required, but empty",
					 cfg->imap_col[required[i]]);
	const char *dept = "";
	if (n[IC_DEPARTMENT]) {
		int k = config_dept_index_nocase(cfg, f[IC_DEPARTMENT], n[IC_DEPARTMENT]);
		if (k < 0)
			importer_problem(im, line, "column %s: not a configured department (did you mean %s?) ('%s')",
					 cfg->imap_col[IC_DEPARTMENT],
					 config_nearest_dept(cfg, f[IC_DEPARTMENT], n[IC_DEPARTMENT]),
					 import_show_value(f[IC_DEPARTMENT], n[IC_DEPARTMENT], s));
		else
			dept = cfg->depts[k].name;
	}
	dates[0][0] = dates[1][0] = '\0';
	if (n[IC_OPENED_ON])
		convert_date(im, cfg, line, IC_OPENED_ON, f[IC_OPENED_ON], n[IC_OPENED_ON], dates[0]);
	if (n[IC_CLOSED_ON])
		convert_date(im, cfg, line, IC_CLOSED_ON, f[IC_CLOSED_ON], n[IC_CLOSED_ON], dates[1]);
	if (importer_nproblems(im) != before) {
		importer_count_row(im);
		return;
	}
	const char *fields[IC_NCOLS] = { id->data, f[IC_CREATOR], f[IC_EMPLOYEE], dept, dates[0], dates[1] };
	size_t lens[IC_NCOLS] = { id->len, n[IC_CREATOR], n[IC_EMPLOYEE], strlen(dept),
				  strlen(dates[0]), strlen(dates[1]) };
	importer_row(im, line, fields, lens);
}

int import_map_csv(struct store *st, const struct config *cfg, FILE *in, struct import_result *res)
{
	struct importer *im = importer_new(st, cfg);
	if (!im) {
		import_result_init(res);
		return -1;
	}
	const char *labels[IC_NCOLS];
	for (int c = 0; c < IC_NCOLS; c++)
		labels[c] = cfg->imap_col[c];
	if (cfg->imap_row_ids)
		labels[IC_TICKET_ID] = "ticket_id (row number)";
	importer_set_labels(im, labels);
	struct csv_reader *r = csv_reader_new(in);
	if (!r)
		abort();
	struct buf id = BUF_INIT;
	int map[IC_NCOLS];
	int rc = csv_read(r);
	if (rc == 0) {
		importer_problem(im, 1, "empty input: expected a header line naming the columns of [import]");
	} else if (rc < 0) {
		importer_problem(im, csv_line(r), "%s", strchr(csv_error(r), ':') + 2);
	} else if (read_header(im, cfg, r, map) == 0) {
		size_t ncols = csv_nfields(r);
		long row = 0;
		while ((rc = csv_read(r)) > 0) {
			size_t len0;
			csv_field(r, 0, &len0);
			if (csv_nfields(r) == 1 && len0 == 0)
				continue; /* blank line */
			row++;
			if (csv_nfields(r) != ncols) {
				importer_problem(im, csv_line(r), "expected %zu fields, found %zu", ncols,
						 csv_nfields(r));
				importer_count_row(im);
				continue;
			}
			map_row(im, cfg, r, map, row, &id);
		}
		if (rc < 0)
			importer_problem(im, csv_line(r), "%s", strchr(csv_error(r), ':') + 2);
	}
	buf_release(&id);
	csv_reader_free(r);
	return importer_finish(im, res);
}
