/*
 * workbook.c - the weekly workbook (see workbook.h), written with
 * libxlsxwriter.
 *
 * The figures are agg_table_department() over two ranges per department:
 * the chosen week (the Summary's and Averages' rows) and the history from
 * the Monday of the store's first ticket (at most WORKBOOK_HISTORY_WEEKS
 * back) to the end of the week in ISO-week buckets (the employee sheets'
 * rows); agg_table_departments() gives the company row.  The week, the
 * file name and sheet names come from workbook_names.c.  This file computes nothing but the colour scales' mean and
 * SD of the cells it writes.
 *
 * libxlsxwriter 1.1.4 (bookworm) writes to a named file only: the name
 * given is /proc/self/fd/N of a memfd, so the file exists only in memory
 * and vanishes with the descriptor (a temp file unlinked after reading
 * where memfd_create is missing).
 */
#define _GNU_SOURCE
#include "workbook.h"

#include "agg.h"
#include "date.h"
#include "log.h"
#include "snap.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* ---- cells, formats, widths ---- */

enum wb_fmt { F_TEXT, F_INT, F_DAYS, F_RATE, F_DEC2, F_DATE, F_NFMT };

static const char *const num_format[F_NFMT] = { NULL, "0", "0.0", "0.0%", "0.00", "yyyy-mm-dd" };

#define MAX_COLS 12
#define HEAD_ROW 1        /* row 0 is the sheet's title */
#define FIRST_ROW 2

/* The study's red–white–green, and blue–white–purple for neutral metrics. */
#define COLOR_BAD 0xF8696B
#define COLOR_MID 0xFFFFFF
#define COLOR_GOOD 0x63BE7B
#define COLOR_BELOW 0x8EB4E3
#define COLOR_ABOVE 0xB4A7D6

struct wb {
	lxw_workbook *book;
	lxw_format *title, *head, *head_num, *note, *link, *right, *fmt[F_NFMT];
	int failed;               /* a libxlsxwriter call failed (logged) */
};

struct sheet {
	lxw_worksheet *ws;
	double width[MAX_COLS];   /* widest text per column, in characters */
};

static void check(struct wb *wb, lxw_error e, const char *what)
{
	if (e != LXW_NO_ERROR && !wb->failed) {
		log_err("workbook: %s: %s", what, lxw_strerror(e));
		wb->failed = 1;
	}
}

/* Characters a cell's text takes, by UTF-8 lead bytes: two for an emoji
 * and for CJK (U+3000..U+9FFF, lead bytes E3..E9), else one. */
static double text_width(const char *s)
{
	double w = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			w += *p >= 0xF0 || (*p >= 0xE3 && *p <= 0xE9) ? 2 : 1;
	return w;
}

static void fit(struct sheet *sh, int col, double chars)
{
	if (col < MAX_COLS && chars > sh->width[col])
		sh->width[col] = chars;
}

static void put_text(struct wb *wb, struct sheet *sh, int row, int col, const char *s,
		     lxw_format *f)
{
	check(wb, worksheet_write_string(sh->ws, (lxw_row_t)row, (lxw_col_t)col, s, f), "cell");
	fit(sh, col, text_width(s) * (f == wb->head || f == wb->head_num ? 1.15 : 1));
}

/* A number in format f; NaN (a statistic of nothing) is a blank cell. */
static void put_num(struct wb *wb, struct sheet *sh, int row, int col, double v, enum wb_fmt f)
{
	if (isnan(v)) {
		check(wb, worksheet_write_blank(sh->ws, (lxw_row_t)row, (lxw_col_t)col, wb->fmt[f]),
		      "cell");
		return;
	}
	check(wb, worksheet_write_number(sh->ws, (lxw_row_t)row, (lxw_col_t)col, v, wb->fmt[f]),
	      "cell");
	char shown[64];
	int n = f == F_INT    ? snprintf(shown, sizeof(shown), "%.0f", v)
		: f == F_DAYS ? snprintf(shown, sizeof(shown), "%.1f", v)
		: f == F_RATE ? snprintf(shown, sizeof(shown), "%.1f%%", v * 100)
			      : snprintf(shown, sizeof(shown), "%.2f", v);
	fit(sh, col, n);
}

static void put_date(struct wb *wb, struct sheet *sh, int row, int col, int32_t day)
{
	int y, m, d;
	date_to_ymd(day, &y, &m, &d);
	lxw_datetime dt = { y, m, d, 0, 0, 0 };
	check(wb, worksheet_write_datetime(sh->ws, (lxw_row_t)row, (lxw_col_t)col, &dt,
					   wb->fmt[F_DATE]),
	      "cell");
	fit(sh, col, DATE_LEN);
}

/* The header row: the first ntext columns hold text, the others numbers
 * (their heads aligned right, over the numbers). */
static void put_heads(struct wb *wb, struct sheet *sh, int row, const char *const *heads, int ncols,
		      int ntext)
{
	for (int c = 0; c < ncols; c++)
		put_text(wb, sh, row, c, heads[c], c < ntext ? wb->head : wb->head_num);
}

static int new_sheet(struct wb *wb, struct sheet *sh, const char *name, const char *title,
		     const char *const *heads, int ncols, int ntext)
{
	memset(sh, 0, sizeof(*sh));
	sh->ws = workbook_add_worksheet(wb->book, name);
	if (!sh->ws) {
		log_err("workbook: cannot add a sheet named '%s'", name);
		wb->failed = 1;
		return -1;
	}
	check(wb, worksheet_write_string(sh->ws, 0, 0, title, wb->title), "title");
	put_heads(wb, sh, HEAD_ROW, heads, ncols, ntext);
	worksheet_freeze_panes(sh->ws, FIRST_ROW, 0);
	/* printing (and a PDF of it): landscape, one page wide, the title and
	 * header on every page */
	worksheet_set_landscape(sh->ws);
	worksheet_fit_to_pages(sh->ws, 1, 0);
	check(wb, worksheet_repeat_rows(sh->ws, 0, HEAD_ROW), "print titles");
	return 0;
}

static void end_sheet(struct wb *wb, struct sheet *sh)
{
	for (lxw_col_t c = 0; c < MAX_COLS; c++)
		if (sh->width[c] > 0)
			check(wb, worksheet_set_column(sh->ws, c, c, sh->width[c] + 2, NULL), "width");
}

/* ---- colour scales ---- */

/* The metric columns of the Summary and the employee sheets; the sense of
 * each (green = good) is the department table's (agg_score_sense[]). */
#define METRICS(X)                                                                 \
	X(M_CLOSED, "Closed", F_INT, AGG_SCORE_CLOSED, (double)m->closed)         \
	X(M_P50, "Median days", F_DAYS, AGG_SCORE_P50, m->lead_time.p50)          \
	X(M_P90, "P90 days", F_DAYS, AGG_SCORE_P50, m->lead_time.p90)             \
	X(M_SLA, "SLA hit rate", F_RATE, AGG_SCORE_SLA, m->sla_hit_rate)          \
	X(M_AVG_OPEN, "Avg open", F_DEC2, AGG_SCORE_AVG_OPEN, m->avg_open)        \
	X(M_CPW, "Closes per week", F_DEC2, AGG_SCORE_CLOSES_PER_WEEK, m->closes_per_week)

#define M_ENUM(id, head, fmt, score, expr) id,
enum metric { METRICS(M_ENUM) NMETRICS };
#undef M_ENUM

#define M_HEAD(id, head, fmt, score, expr) head,
static const char *const metric_head[NMETRICS] = { METRICS(M_HEAD) };
#undef M_HEAD
#define M_FMT(id, head, fmt, score, expr) fmt,
static const enum wb_fmt metric_fmt[NMETRICS] = { METRICS(M_FMT) };
#undef M_FMT
#define M_SCORE(id, head, fmt, score, expr) score,
static const enum agg_score metric_score[NMETRICS] = { METRICS(M_SCORE) };
#undef M_SCORE

static double metric_value(const struct agg_metrics *m, enum metric id)
{
	switch (id) {
#define M_CASE(id, head, fmt, score, expr) \
	case id:                           \
		return expr;
		METRICS(M_CASE)
#undef M_CASE
	case NMETRICS:
		break;
	}
	return NAN;
}

/* Mean and population SD of the values that are not NaN; `on` when a
 * scale is drawn: two values or more, not all equal. */
struct scale {
	size_t n;
	double mean, sd;
	int on;
};

static void scale_of(const double *v, size_t n, struct scale *sc)
{
	double sum = 0, lo = INFINITY, hi = -INFINITY;
	sc->n = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i])) {
			sum += v[i];
			sc->n++;
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
		}
	sc->mean = sc->n ? sum / (double)sc->n : NAN;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			ss += (v[i] - sc->mean) * (v[i] - sc->mean);
	sc->sd = sc->n ? sqrt(ss / (double)sc->n) : NAN;
	sc->on = sc->n >= 2 && lo < hi;
}

/* The three-colour scale of rows [r0, r1] of column col: the low colour at
 * mean − SD, white at the mean, the high colour at mean + SD (values beyond
 * take the end colours). */
static void scale_put(struct wb *wb, struct sheet *sh, int col, int r0, int r1,
		      const struct scale *sc, enum metric id)
{
	if (!sc->on || r1 < r0)
		return;
	int sense = agg_score_sense[metric_score[id]];
	lxw_conditional_format cf;
	memset(&cf, 0, sizeof(cf));
	cf.type = LXW_CONDITIONAL_3_COLOR_SCALE;
	cf.min_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER;
	cf.mid_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER;
	cf.max_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER;
	cf.min_value = sc->mean - sc->sd;
	cf.mid_value = sc->mean;
	cf.max_value = sc->mean + sc->sd;
	cf.min_color = sense > 0 ? COLOR_BAD : sense < 0 ? COLOR_GOOD : COLOR_BELOW;
	cf.mid_color = COLOR_MID;
	cf.max_color = sense > 0 ? COLOR_GOOD : sense < 0 ? COLOR_BAD : COLOR_ABOVE;
	check(wb, worksheet_conditional_format_range(sh->ws, (lxw_row_t)r0, (lxw_col_t)col,
						     (lxw_row_t)r1, (lxw_col_t)col, &cf),
	      "colour scale");
}

static const char *scale_rule(const struct scale *sc, enum metric id)
{
	int sense = agg_score_sense[metric_score[id]];
	if (!sc->on)
		return "none";
	return sense > 0 ? "green higher" : sense < 0 ? "green lower" : "neutral";
}

/* ---- the figures ---- */

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p)
		abort();
	return p;
}

/* One employee of the Summary. */
struct emp_row {
	int dept;
	const struct agg_group *week;   /* in the department's week table */
	const struct agg_group *hist;   /* in its history table */
	size_t first;                   /* the first history bucket with rows */
};

struct book {
	const struct snap *s;
	int32_t monday, end, as_of;
	struct agg_table **week;        /* per department: the week */
	struct agg_table **hist;        /* per department: the history */
	struct agg_table *company;      /* every department, the week */
	struct emp_row *emps;
	size_t nemps;
	char (*names)[WORKBOOK_SHEET_BYTES];
	struct scale (*scales)[NMETRICS];  /* per department, of the Summary */
	char week_label[DATE_WEEK_LEN + 1];
	char span[96];                  /* "2025-W14 (2025-03-31 to 2025-04-06)" */
};

static const struct agg_group *find_emp(const struct agg_table *t, int emp)
{
	for (size_t i = 1; i < t->ngroups; i++)
		if (t->groups[i].emp == emp)
			return &t->groups[i];
	return NULL;
}

static int gather(struct book *b)
{
	const struct snap *s = b->s;
	struct agg_range rw = { b->monday, b->end, b->as_of, AGG_WEEK, NULL };
	int32_t from = b->monday, first, last;
	if (snap_bounds(s, b->as_of, &first, &last) > 0 && date_week_start(first) < from)
		from = date_week_start(first);
	if (from < b->monday - 7 * (WORKBOOK_HISTORY_WEEKS - 1))
		from = b->monday - 7 * (WORKBOOK_HISTORY_WEEKS - 1);
	struct agg_range rh = { from, b->end, b->as_of, AGG_WEEK, NULL };
	b->week = zalloc(s->ndepts + 1, sizeof(*b->week));
	b->hist = zalloc(s->ndepts + 1, sizeof(*b->hist));
	b->scales = zalloc(s->ndepts + 1, sizeof(*b->scales));
	b->company = agg_table_departments(s, &rw);
	if (!b->company)
		goto bad;
	size_t n = 0;
	for (size_t k = 0; k < s->ndepts; k++) {
		b->week[k] = agg_table_department(s, &rw, (int)k);
		b->hist[k] = agg_table_department(s, &rh, (int)k);
		if (!b->week[k] || !b->hist[k])
			goto bad;
		n += b->week[k]->ngroups - 1;
	}
	b->emps = zalloc(n + 1, sizeof(*b->emps));
	for (size_t k = 0; k < s->ndepts; k++) {
		const struct agg_table *w = b->week[k], *h = b->hist[k];
		for (size_t i = 1; i < w->ngroups; i++) {
			struct emp_row *e = &b->emps[b->nemps++];
			e->dept = (int)k;
			e->week = &w->groups[i];
			/* an employee with rows in the week has rows in the history */
			e->hist = find_emp(h, e->week->emp);
			if (!e->hist)
				goto bad;
			while (e->first + 1 < h->nbuckets &&
			       e->hist->series[e->first].open_sum + e->hist->series[e->first].closed == 0)
				e->first++;
		}
	}
	const char **names = zalloc(b->nemps + 1, sizeof(*names));
	const char **groups = zalloc(b->nemps + 1, sizeof(*groups));
	for (size_t i = 0; i < b->nemps; i++) {
		names[i] = s->emps[b->emps[i].week->emp].name;
		groups[i] = s->depts[b->emps[i].dept].name;
	}
	b->names = zalloc(b->nemps + 1, sizeof(*b->names));
	workbook_sheet_names(names, groups, b->nemps, b->names);
	free(names);
	free(groups);
	return 0;
bad:
	log_err("workbook: the aggregates refused the range");
	return -1;
}

static void book_release(struct book *b)
{
	for (size_t k = 0; b->week && k < b->s->ndepts; k++) {
		agg_table_free(b->week[k]);
		agg_table_free(b->hist[k]);
	}
	free(b->week);
	free(b->hist);
	free(b->scales);
	agg_table_free(b->company);
	free(b->emps);
	free(b->names);
}

/* ---- the sheets ---- */

static void summary_sheet(struct wb *wb, struct book *b)
{
	const struct snap *s = b->s;
	const char *heads[2 + NMETRICS] = { "Department", "Employee" };
	for (int m = 0; m < NMETRICS; m++)
		heads[2 + m] = metric_head[m];
	char title[256];
	char asof[DATE_LEN + 1];
	snprintf(title, sizeof(title), "Leadtime weekly workbook: week %s, as of %s", b->span,
		 date_str(b->as_of, asof));
	struct sheet sh;
	if (new_sheet(wb, &sh, "Summary", title, heads, 2 + NMETRICS, 2))
		return;
	int row = FIRST_ROW;
	double *vals = zalloc(b->nemps + 1, sizeof(*vals));
	size_t i = 0;
	for (size_t k = 0; k < s->ndepts; k++) {
		int r0 = row;
		size_t i0 = i;
		for (; i < b->nemps && b->emps[i].dept == (int)k; i++, row++) {
			const struct emp_row *e = &b->emps[i];
			const struct agg_metrics *m = &e->week->totals;
			put_text(wb, &sh, row, 0, s->depts[k].name, NULL);
			/* the name links to the employee's sheet */
			char url[2 * WORKBOOK_SHEET_BYTES + 16];
			size_t o = (size_t)snprintf(url, sizeof(url), "internal:'");
			for (const char *p = b->names[i]; *p; p++) {
				if (*p == '\'')
					url[o++] = '\'';
				url[o++] = *p;
			}
			memcpy(url + o, "'!A1", 5);
			const char *name = s->emps[e->week->emp].name;
			check(wb, worksheet_write_url_opt(sh.ws, (lxw_row_t)row, 1, url, wb->link, name, NULL),
			      "link");
			fit(&sh, 1, text_width(name));
			for (int c = 0; c < NMETRICS; c++)
				put_num(wb, &sh, row, 2 + c, metric_value(m, (enum metric)c), metric_fmt[c]);
		}
		for (int c = 0; c < NMETRICS; c++) {
			for (size_t j = i0; j < i; j++)
				vals[j - i0] = metric_value(&b->emps[j].week->totals, (enum metric)c);
			scale_of(vals, i - i0, &b->scales[k][c]);
			scale_put(wb, &sh, 2 + c, r0, row - 1, &b->scales[k][c], (enum metric)c);
		}
	}
	free(vals);
	static const char *const notes[] = {
		"Colours, per department and column: red, white and green at its employees' mean - SD, mean",
		"and mean + SD, green the better side (more closes, fewer days to close, a higher SLA hit rate).",
		"Avg open (workload) is neither good nor bad: blue below the mean, purple above.",
		"The Averages sheet lists each mean and SD. An employee's name opens their weekly history.",
	};
	row++;
	if (!b->nemps)
		check(wb, worksheet_write_string(sh.ws, (lxw_row_t)row, 0,
						 "No employee had work in this week.", wb->note),
		      "note");
	for (size_t j = 0; b->nemps && j < sizeof(notes) / sizeof(notes[0]); j++)
		check(wb, worksheet_write_string(sh.ws, (lxw_row_t)row++, 0, notes[j], wb->note), "note");
	end_sheet(wb, &sh);
}

/* The Averages columns (after Department) and where the Summary's metrics
 * sit among them. */
#define AVG_COLS 11

static int avg_col(enum metric id)
{
	static const int col[NMETRICS] = { [M_CLOSED] = 3, [M_P50] = 5, [M_P90] = 6,
					   [M_SLA] = 8, [M_AVG_OPEN] = 9, [M_CPW] = 10 };
	return col[id];
}

static void averages_sheet(struct wb *wb, struct book *b)
{
	const struct snap *s = b->s;
	static const char *const heads[AVG_COLS] = { "Department", "Employees", "Opened", "Closed",
						     "Backlog at end", "Median days", "P90 days",
						     "Mean days", "SLA hit rate", "Avg open",
						     "Closes per week" };
	char title[256];
	snprintf(title, sizeof(title), "Department and company figures: week %s", b->span);
	struct sheet sh;
	if (new_sheet(wb, &sh, "Averages", title, heads, AVG_COLS, 1))
		return;
	int row = FIRST_ROW;
	size_t total = 0;
	for (size_t k = 0; k <= s->ndepts; k++, row++) {
		const struct agg_metrics *m = k < s->ndepts ? &b->week[k]->groups[0].totals
							    : &b->company->all->totals;
		size_t emps = k < s->ndepts ? b->week[k]->ngroups - 1 : total;
		total += emps;
		put_text(wb, &sh, row, 0, k < s->ndepts ? s->depts[k].name : "All departments",
			 k < s->ndepts ? NULL : wb->head);
		const double v[AVG_COLS - 1] = { (double)emps, (double)m->opened, (double)m->closed,
						 (double)m->backlog_end, m->lead_time.p50,
						 m->lead_time.p90, m->lead_time.mean, m->sla_hit_rate,
						 m->avg_open, m->closes_per_week };
		static const enum wb_fmt f[AVG_COLS - 1] = { F_INT, F_INT, F_INT, F_INT, F_DAYS,
							     F_DAYS, F_DAYS, F_RATE, F_DEC2, F_DEC2 };
		for (int c = 0; c < AVG_COLS - 1; c++)
			put_num(wb, &sh, row, 1 + c, v[c], f[c]);
	}

	/* the Summary's colour scales, each value under its column */
	row++;
	check(wb, worksheet_write_string(sh.ws, (lxw_row_t)row++, 0,
					 "The Summary's colour scales: its employees' values per department",
					 wb->title),
	      "title");
	check(wb, worksheet_write_string(sh.ws, (lxw_row_t)row++, 0,
					 "Mean and SD (population) over the employees with a value; no scale where fewer than 2 or all equal.",
					 wb->note),
	      "note");
	const char *sheads[AVG_COLS] = { "Department", "Statistic" };
	for (int c = 2; c < AVG_COLS; c++)
		sheads[c] = "";
	for (int c = 0; c < NMETRICS; c++)
		sheads[avg_col((enum metric)c)] = metric_head[c];
	put_heads(wb, &sh, row++, sheads, AVG_COLS, 2);
	static const char *const stat[] = { "employees' mean", "SD", "values", "colours" };
	for (size_t k = 0; k < s->ndepts; k++)
		for (int st = 0; st < 4; st++, row++) {
			put_text(wb, &sh, row, 0, s->depts[k].name, NULL);
			put_text(wb, &sh, row, 1, stat[st], NULL);
			for (int c = 0; c < NMETRICS; c++) {
				const struct scale *sc = &b->scales[k][c];
				int col = avg_col((enum metric)c);
				enum wb_fmt f = metric_fmt[c] == F_INT ? F_DEC2 : metric_fmt[c];
				if (st == 0)
					put_num(wb, &sh, row, col, sc->mean, f);
				else if (st == 1)
					put_num(wb, &sh, row, col, sc->sd, f);
				else if (st == 2)
					put_num(wb, &sh, row, col, (double)sc->n, F_INT);
				else
					put_text(wb, &sh, row, col, scale_rule(sc, (enum metric)c), wb->right);
			}
		}
	end_sheet(wb, &sh);
}

static void employee_sheet(struct wb *wb, struct book *b, size_t i)
{
	const struct snap *s = b->s;
	const struct emp_row *e = &b->emps[i];
	const struct agg_table *h = b->hist[e->dept];
	const char *heads[4 + NMETRICS] = { "Week", "Start", "End", "Opened" };
	for (int m = 0; m < NMETRICS; m++)
		heads[4 + m] = metric_head[m];
	char title[512], first[DATE_WEEK_LEN + 1], asof[DATE_LEN + 1];
	snprintf(title, sizeof(title), "%s, %s: weekly history %s to %s, as of %s",
		 s->emps[e->week->emp].name, s->depts[e->dept].name,
		 date_week_str(h->buckets[e->first].start, first), b->week_label,
		 date_str(b->as_of, asof));
	struct sheet sh;
	if (new_sheet(wb, &sh, b->names[i], title, heads, 4 + NMETRICS, 1))
		return;
	size_t nb = h->nbuckets - e->first;
	double *vals = zalloc(nb + 1, sizeof(*vals));
	for (size_t j = 0; j < nb; j++) {
		const struct agg_span *sp = &h->buckets[e->first + j];
		const struct agg_metrics *m = &e->hist->series[e->first + j];
		int row = FIRST_ROW + (int)j;
		char w[DATE_WEEK_LEN + 1];
		put_text(wb, &sh, row, 0, date_week_str(sp->start, w), NULL);
		put_date(wb, &sh, row, 1, sp->start);
		put_date(wb, &sh, row, 2, sp->end);
		put_num(wb, &sh, row, 3, (double)m->opened, F_INT);
		for (int c = 0; c < NMETRICS; c++)
			put_num(wb, &sh, row, 4 + c, metric_value(m, (enum metric)c), metric_fmt[c]);
	}
	for (int c = 0; c < NMETRICS; c++) {
		struct scale sc;
		for (size_t j = 0; j < nb; j++)
			vals[j] = metric_value(&e->hist->series[e->first + j], (enum metric)c);
		scale_of(vals, nb, &sc);
		scale_put(wb, &sh, 4 + c, FIRST_ROW, FIRST_ROW + (int)nb - 1, &sc, (enum metric)c);
	}
	free(vals);
	end_sheet(wb, &sh);
}

/* ---- the file ---- */

static lxw_format *format_new(struct wb *wb, const char *num, int bold)
{
	lxw_format *f = workbook_add_format(wb->book);
	if (num)
		format_set_num_format(f, num);
	if (bold)
		format_set_bold(f);
	return f;
}

/*
 * A file only this process sees: a memfd named by /proc/self/fd/N, or an
 * unlinked-after-use temp file where there is none.  0 or -1 (logged);
 * *named is 1 when path must be unlinked.
 */
/* workbook_close() writes docProps/core.xml with gmtime(), whose result
 * lives in one static buffer of the C library: two workbooks closed at
 * once by two request threads race on it (found by the ThreadSanitizer
 * stress of make test) and one may carry the other's creation date, which
 * breaks the reproducible bytes and the ETag.  The closes take turns; the
 * sheets are still filled in parallel. */
static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;

static lxw_error close_book(lxw_workbook *book)
{
	pthread_mutex_lock(&close_lock);
	lxw_error e = workbook_close(book);
	pthread_mutex_unlock(&close_lock);
	return e;
}

static int out_open(char *path, size_t cap, int *fd, int *named)
{
	*named = 0;
	*fd = memfd_create("leadtime-workbook", MFD_CLOEXEC);
	if (*fd >= 0) {
		snprintf(path, cap, "/proc/self/fd/%d", *fd);
		if (access(path, W_OK) == 0)
			return 0;
		close(*fd);
	}
	const char *dir = getenv("TMPDIR");
	snprintf(path, cap, "%s/leadtime-workbook-XXXXXX", dir && *dir ? dir : "/tmp");
	*fd = mkstemp(path);
	if (*fd < 0) {
		log_err("workbook: cannot create a temporary file in %s: %s", path, strerror(errno));
		return -1;
	}
	*named = 1;
	return 0;
}

static int read_back(int fd, char **data, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) || st.st_size <= 0) {
		log_err("workbook: the written file is empty");
		return -1;
	}
	size_t n = (size_t)st.st_size, got = 0;
	char *p = malloc(n);
	if (!p)
		abort();
	while (got < n) {
		ssize_t r = pread(fd, p + got, n - got, (off_t)got);
		if (r <= 0) {
			log_err("workbook: cannot read the written file: %s", r ? strerror(errno) : "short");
			free(p);
			return -1;
		}
		got += (size_t)r;
	}
	*data = p;
	*len = n;
	return 0;
}

int workbook_build(const struct snap *s, int32_t monday, int32_t as_of, char **data, size_t *len)
{
	struct book b;
	memset(&b, 0, sizeof(b));
	b.s = s;
	b.monday = monday;
	b.as_of = as_of;
	b.end = monday + 6 < as_of ? monday + 6 : as_of;
	char d0[DATE_LEN + 1], d1[DATE_LEN + 1];
	date_week_str(monday, b.week_label);
	snprintf(b.span, sizeof(b.span), "%s (%s to %s%s)", b.week_label, date_str(monday, d0),
		 date_str(b.end, d1), b.end < monday + 6 ? ", cut at as_of" : "");

	char path[256];
	int fd, named, ret = -1;
	if (out_open(path, sizeof(path), &fd, &named))
		return -1;
	struct wb wb;
	memset(&wb, 0, sizeof(wb));
	if (gather(&b))
		goto out;
	wb.book = workbook_new(path);
	if (!wb.book) {
		log_err("workbook: libxlsxwriter cannot start a workbook at %s", path);
		goto out;
	}
	char title[64], comments[64], author[] = "leadtimed";
	snprintf(title, sizeof(title), "Leadtime weekly workbook %s", b.week_label);
	snprintf(comments, sizeof(comments), "Figures as of %s", date_str(as_of, d0));
	lxw_doc_properties props;
	memset(&props, 0, sizeof(props));
	props.title = title;
	props.author = author;
	props.comments = comments;
	props.created = (time_t)as_of * 86400;  /* reproducible bytes */
	check(&wb, workbook_set_properties(wb.book, &props), "properties");
	wb.title = format_new(&wb, NULL, 1);
	format_set_font_size(wb.title, 12);
	wb.head = format_new(&wb, NULL, 1);
	format_set_bottom(wb.head, LXW_BORDER_THIN);
	format_set_text_wrap(wb.head);
	wb.head_num = format_new(&wb, NULL, 1);
	format_set_bottom(wb.head_num, LXW_BORDER_THIN);
	format_set_text_wrap(wb.head_num);
	format_set_align(wb.head_num, LXW_ALIGN_RIGHT);
	wb.right = format_new(&wb, NULL, 0);
	format_set_align(wb.right, LXW_ALIGN_RIGHT);
	wb.note = format_new(&wb, NULL, 0);
	format_set_italic(wb.note);
	wb.link = format_new(&wb, NULL, 0);
	format_set_font_color(wb.link, LXW_COLOR_BLUE);
	format_set_underline(wb.link, LXW_UNDERLINE_SINGLE);
	for (int f = F_INT; f < F_NFMT; f++)
		wb.fmt[f] = format_new(&wb, num_format[f], 0);

	summary_sheet(&wb, &b);
	averages_sheet(&wb, &b);
	for (size_t i = 0; i < b.nemps && !wb.failed; i++)
		employee_sheet(&wb, &b, i);
	lxw_error e = close_book(wb.book);
	wb.book = NULL;
	if (e != LXW_NO_ERROR) {
		log_err("workbook: writing the file failed: %s", lxw_strerror(e));
		goto out;
	}
	if (!wb.failed)
		ret = read_back(fd, data, len);
out:
	if (wb.book)
		close_book(wb.book);
	book_release(&b);
	close(fd);
	if (named)
		unlink(path);
	return ret;
}
