/*
 * import.c - see import.h.
 *
 * Fields are trimmed of surrounding blanks, then checked in column order;
 * each problem becomes `line N: column C: what is wrong ('value')`.  After
 * the first problem nothing more is written (the transaction will be rolled
 * back) but every row is still checked, so one run lists every bad row.
 * Names go through caches (creator, employee) so a million-row import costs
 * one upsert per row; employee names pass through the alias table first.
 */
#include "import.h"
#include "config.h"
#include "csv.h"
#include "date.h"
#include "import_map.h"
#include "log.h"
#include "store.h"
#include "strmap.h"
#include "urlcodec.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const import_col_names[IC_NCOLS] = {
	"ticket_id", "creator", "employee", "department", "opened_on", "closed_on",
};

/*
 * Rows that passed every check, on their way to the store.  For a CSV
 * import (import_csv(): the caller does nothing else with the store until
 * the import ends) they are copied into batches and the first full batch
 * starts a writer thread, which looks names up and upserts while the
 * caller goes on parsing and checking the next rows (for a million rows
 * that is a core's worth of work in parallel); a short input is written by
 * the caller at the end and starts no thread.  The store connection is
 * used by one thread at a time: the writer while it runs, the caller
 * before it starts and after it is joined.  Every other caller (the JSON
 * tickets, event imports that read and write the store between rows) gets
 * each row written before importer_row() returns.
 */
#define BATCH_ROWS 2048
#define MAX_QUEUED 4

struct wrow {
	size_t tid, creator, emp;     /* offsets into the batch's text */
	size_t tid_len, creator_len, emp_len;
	int dept;
	int32_t opened, closed;
};

struct batch {
	struct wrow rows[BATCH_ROWS];
	size_t n;
	struct buf text;
	struct batch *next;
};

struct writer {
	struct batch *cur;            /* being filled by the caller */
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *head, *tail;    /* queued for the writer */
	size_t queued;
	struct batch *spare;          /* written, for reuse */
	int done;                     /* the caller queues nothing more */
};

struct importer {
	struct store *st;
	const struct config *cfg;
	int64_t dept_ids[CONFIG_MAX_DEPTS];
	struct strmap aliases;    /* alias -> index into alias_names */
	char **alias_names;
	size_t nalias;
	struct strmap seen;       /* ticket_id -> line */
	struct strmap creators;   /* name -> id */
	struct strmap employees;  /* "<dept id>\t<name>" -> id */
	struct buf key;
	struct import_result res;
	const char *unit;         /* "line" or "item" */
	atomic_int failed;        /* internal error (set by the writer) */
	struct writer w;
	int async;                /* rows may be written on the writer thread:
				   * only import_csv(), whose caller does
				   * nothing else with the store meanwhile */
	const char *labels[IC_NCOLS]; /* column names in messages */
	int changed;              /* a change besides upserts (importer_mark_changed) */
};

void import_result_init(struct import_result *res)
{
	memset(res, 0, sizeof(*res));
	buf_init(&res->errors);
}

void import_result_release(struct import_result *res)
{
	buf_release(&res->errors);
	memset(res, 0, sizeof(*res));
}

static int load_alias(void *ctx, const char *alias, const char *name)
{
	struct importer *im = ctx;
	char **p = realloc(im->alias_names, (im->nalias + 1) * sizeof(*p));
	if (!p || !(p[im->nalias] = strdup(name)))
		abort();
	im->alias_names = p;
	strmap_put(&im->aliases, alias, strlen(alias), (int64_t)im->nalias);
	im->nalias++;
	return 0;
}

static void importer_free(struct importer *im)
{
	strmap_release(&im->aliases);
	for (size_t i = 0; i < im->nalias; i++)
		free(im->alias_names[i]);
	free(im->alias_names);
	strmap_release(&im->seen);
	strmap_release(&im->creators);
	strmap_release(&im->employees);
	buf_release(&im->key);
	import_result_release(&im->res);
	free(im);
}

struct importer *importer_new(struct store *st, const struct config *cfg)
{
	struct importer *im = calloc(1, sizeof(*im));
	if (!im)
		abort();
	im->st = st;
	im->cfg = cfg;
	im->unit = "line";
	for (int c = 0; c < IC_NCOLS; c++)
		im->labels[c] = import_col_names[c];
	strmap_init(&im->aliases);
	strmap_init(&im->seen);
	strmap_init(&im->creators);
	strmap_init(&im->employees);
	buf_init(&im->key);
	import_result_init(&im->res);
	if (store_begin_bulk(st))
		goto fail;
	for (size_t i = 0; i < cfg->ndepts; i++) {
		im->dept_ids[i] = store_department_id(st, cfg->depts[i].name);
		if (im->dept_ids[i] <= 0) {
			if (im->dept_ids[i] == 0)
				log_err("department '%s' is not in the store", cfg->depts[i].name);
			goto fail;
		}
	}
	if (store_each_alias(st, load_alias, im))
		goto fail;
	return im;
fail:
	store_rollback(st);
	importer_free(im);
	return NULL;
}

static void vproblem(struct importer *im, long line, const char *fmt, va_list ap)
{
	im->res.nerrors++;
	if (im->res.nerrors > IMPORT_MAX_REPORTED)
		return;
	buf_addf(&im->res.errors, "%s %ld: ", im->unit, line);
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	url_utf8_scrub(msg); /* a cut or a quoted name may be bad UTF-8 */
	buf_addstr(&im->res.errors, msg);
	buf_addch(&im->res.errors, '\n');
}

void importer_set_unit(struct importer *im, const char *unit)
{
	im->unit = unit;
}

void importer_problem(struct importer *im, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproblem(im, line, fmt, ap);
	va_end(ap);
}

/* `column C: what ('value')`, the value cut to 60 bytes and made printable. */
static void field_problem(struct importer *im, long line, enum import_col col, const char *v,
			  size_t n, const char *what)
{
	char shown[IMPORT_SHOWN];
	importer_problem(im, line, "column %s: %s ('%s')", im->labels[col], what,
			 import_show_value(v, n, shown));
}

/* 0 when s[0..n) is well-formed UTF-8 without NUL or other C0 controls
 * (tab excepted). */
static const char *text_problem(const char *s, size_t n, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		if (c < 0x80) {
			if (c == 0)
				return "contains a NUL byte";
			if (c < 0x20 && c != '\t' && !(multiline && (c == '\r' || c == '\n')))
				return "contains a control character";
			p++;
			continue;
		}
		int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
		if (!len || end - p < len)
			return "is not valid UTF-8";
		for (int i = 1; i < len; i++)
			if ((p[i] & 0xC0) != 0x80)
				return "is not valid UTF-8";
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
		    (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
			return "is not valid UTF-8";
		p += len;
	}
	return NULL;
}

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static int64_t creator_id(struct importer *im, const char *name, size_t n)
{
	int64_t *id = strmap_get(&im->creators, name, n);
	if (id)
		return *id;
	int64_t v = store_creator_id(im->st, name);
	if (v > 0)
		strmap_put(&im->creators, name, n, v);
	return v;
}

static int64_t employee_id(struct importer *im, int64_t dept, const char *name, size_t n)
{
	buf_reset(&im->key);
	buf_add_int(&im->key, dept);
	buf_addch(&im->key, '\t');
	buf_add(&im->key, name, n);
	int64_t *id = strmap_get(&im->employees, im->key.data, im->key.len);
	if (id)
		return *id;
	int64_t v = store_employee_id(im->st, dept, name);
	if (v > 0)
		strmap_put(&im->employees, im->key.data, im->key.len, v);
	return v;
}

/* ---- writing ---- */

/* Write one checked row (NUL-terminated strings in text). */
static void write_row(struct importer *im, const struct wrow *w, const char *text)
{
	struct store_ticket_in t = {
		.ticket_id = text + w->tid,
		.dept_id = im->dept_ids[w->dept],
		.opened = w->opened,
		.closed = w->closed,
	};
	t.creator_id = creator_id(im, text + w->creator, w->creator_len);
	t.employee_id = employee_id(im, t.dept_id, text + w->emp, w->emp_len);
	int rc = t.creator_id > 0 && t.employee_id > 0 ? store_upsert_ticket(im->st, &t) : -1;
	switch (rc) {
	case STORE_INSERTED: im->res.inserted++; break;
	case STORE_UPDATED: im->res.updated++; break;
	case STORE_UNCHANGED: im->res.unchanged++; break;
	default: atomic_store(&im->failed, 1);
	}
}

static void write_batch(struct importer *im, struct batch *b)
{
	for (size_t i = 0; i < b->n && !atomic_load(&im->failed); i++)
		write_row(im, &b->rows[i], b->text.data);
	b->n = 0;
	buf_reset(&b->text);
}

static void *writer_main(void *arg)
{
	struct importer *im = arg;
	struct writer *w = &im->w;
	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->done)
			pthread_cond_wait(&w->cond, &w->lock);
		struct batch *b = w->head;
		if (!b)
			break;
		w->head = b->next;
		if (!w->head)
			w->tail = NULL;
		w->queued--;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		write_batch(im, b);
		pthread_mutex_lock(&w->lock);
		b->next = w->spare;
		w->spare = b;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static struct batch *batch_new(void)
{
	struct batch *b = malloc(sizeof(*b));
	if (!b)
		abort();
	b->n = 0;
	b->next = NULL;
	buf_init(&b->text);
	return b;
}

/* Hand the full batch to the writer (starting it), waiting while it is
 * MAX_QUEUED behind; the caller gets an empty batch back. */
static void hand_over(struct importer *im)
{
	struct writer *w = &im->w;
	if (!w->started) {
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
		if (pthread_create(&w->thread, NULL, writer_main, im) != 0) {
			/* no thread: write here, as for a short input */
			pthread_mutex_destroy(&w->lock);
			pthread_cond_destroy(&w->cond);
			write_batch(im, w->cur);
			return;
		}
		w->started = 1;
	}
	pthread_mutex_lock(&w->lock);
	while (w->queued >= MAX_QUEUED)
		pthread_cond_wait(&w->cond, &w->lock);
	w->cur->next = NULL;
	if (w->tail)
		w->tail->next = w->cur;
	else
		w->head = w->cur;
	w->tail = w->cur;
	w->queued++;
	struct batch *next = w->spare;
	if (next)
		w->spare = next->next;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	w->cur = next ? next : batch_new();
}

static size_t text_add(struct buf *b, const char *s, size_t n)
{
	size_t off = b->len;
	buf_add(b, s, n);
	buf_addch(b, '\0');
	return off;
}

static void queue_row(struct importer *im, const char *tid, size_t tid_len, const char *creator,
		      size_t creator_len, const char *emp, size_t emp_len, int dept, int32_t opened,
		      int32_t closed)
{
	struct writer *w = &im->w;
	if (!w->cur)
		w->cur = batch_new();
	struct batch *b = w->cur;
	struct wrow *r = &b->rows[b->n++];
	r->tid = text_add(&b->text, tid, tid_len);
	r->creator = text_add(&b->text, creator, creator_len);
	r->emp = text_add(&b->text, emp, emp_len);
	r->tid_len = tid_len;
	r->creator_len = creator_len;
	r->emp_len = emp_len;
	r->dept = dept;
	r->opened = opened;
	r->closed = closed;
	if (!im->async)
		write_batch(im, b); /* written before importer_row() returns */
	else if (b->n == BATCH_ROWS)
		hand_over(im);
}

/* Every queued row written (the writer joined); the caller owns the
 * store again. */
static void writer_finish(struct importer *im)
{
	struct writer *w = &im->w;
	if (w->started) {
		if (w->cur && w->cur->n)
			hand_over(im);
		pthread_mutex_lock(&w->lock);
		w->done = 1;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		w->started = 0;
	} else if (w->cur) {
		write_batch(im, w->cur);
	}
	for (struct batch *b = w->spare, *next; b; b = next) {
		next = b->next;
		buf_release(&b->text);
		free(b);
	}
	w->spare = NULL;
	if (w->cur) {
		buf_release(&w->cur->text);
		free(w->cur);
		w->cur = NULL;
	}
}

void importer_row(struct importer *im, long line, const char *const fields[IC_NCOLS],
		  const size_t lens[IC_NCOLS])
{
	const char *f[IC_NCOLS];
	size_t n[IC_NCOLS];
	long before = im->res.nerrors;
	char tmp[IMPORT_MAX_NAME + 1];

	im->res.rows++;
	for (int c = 0; c < IC_NCOLS; c++) {
		f[c] = fields[c];
		n[c] = lens[c];
		trim(&f[c], &n[c]);
		/* names may span lines (quoted CSV fields, SPEC §2); ids and
		 * dates may not */
		bool multiline = c == IC_CREATOR || c == IC_EMPLOYEE;
		const char *why = text_problem(f[c], n[c], multiline);
		if (why)
			field_problem(im, line, (enum import_col)c, f[c], n[c], why);
	}
	if (im->res.nerrors != before)
		return;

	/* ticket_id */
	if (!n[IC_TICKET_ID]) {
		importer_problem(im, line, "column ticket_id: required, but empty");
	} else if (n[IC_TICKET_ID] > IMPORT_MAX_TICKET_ID) {
		field_problem(im, line, IC_TICKET_ID, f[IC_TICKET_ID], n[IC_TICKET_ID],
			      "longer than 128 bytes");
	} else {
		int64_t *first = strmap_get(&im->seen, f[IC_TICKET_ID], n[IC_TICKET_ID]);
		if (first) {
			char what[64];
			snprintf(what, sizeof(what), "duplicate ticket_id (first on line %lld)",
				 (long long)*first);
			field_problem(im, line, IC_TICKET_ID, f[IC_TICKET_ID], n[IC_TICKET_ID], what);
		} else {
			strmap_put(&im->seen, f[IC_TICKET_ID], n[IC_TICKET_ID], line);
		}
	}
	/* names */
	static const enum import_col names[] = { IC_CREATOR, IC_EMPLOYEE };
	for (size_t i = 0; i < 2; i++) {
		enum import_col c = names[i];
		if (!n[c])
			importer_problem(im, line, "column %s: required, but empty", import_col_names[c]);
		else if (n[c] > IMPORT_MAX_NAME)
			field_problem(im, line, c, f[c], n[c], "longer than 256 bytes");
	}
	/* department */
	int dept = -1;
	if (!n[IC_DEPARTMENT]) {
		importer_problem(im, line, "column department: required, but empty");
	} else {
		if (n[IC_DEPARTMENT] <= IMPORT_MAX_NAME) {
			memcpy(tmp, f[IC_DEPARTMENT], n[IC_DEPARTMENT]);
			tmp[n[IC_DEPARTMENT]] = '\0';
			dept = config_dept_index(im->cfg, tmp);
		}
		if (dept < 0)
			field_problem(im, line, IC_DEPARTMENT, f[IC_DEPARTMENT], n[IC_DEPARTMENT],
				      "not a configured department");
	}
	/* dates */
	int32_t opened = DATE_NONE, closed = DATE_NONE;
	const char *why;
	if (!n[IC_OPENED_ON])
		importer_problem(im, line, "column opened_on: required, but empty");
	else if (date_parse_iso(f[IC_OPENED_ON], n[IC_OPENED_ON], &opened, &why))
		field_problem(im, line, IC_OPENED_ON, f[IC_OPENED_ON], n[IC_OPENED_ON], why);
	if (n[IC_CLOSED_ON]) {
		if (date_parse_iso(f[IC_CLOSED_ON], n[IC_CLOSED_ON], &closed, &why)) {
			field_problem(im, line, IC_CLOSED_ON, f[IC_CLOSED_ON], n[IC_CLOSED_ON], why);
		} else if (opened != DATE_NONE && closed < opened) {
			char o[DATE_LEN + 1], what[80];
			snprintf(what, sizeof(what), "before opened_on %s", date_str(opened, o));
			field_problem(im, line, IC_CLOSED_ON, f[IC_CLOSED_ON], n[IC_CLOSED_ON], what);
		}
	}
	if (im->res.nerrors || atomic_load(&im->failed))
		return;

	/* every row so far was good: write this one */
	const char *emp = f[IC_EMPLOYEE];
	size_t emp_len = n[IC_EMPLOYEE];
	int64_t *alias = strmap_get(&im->aliases, emp, emp_len);
	if (alias) {
		emp = im->alias_names[*alias];
		emp_len = strlen(emp);
	}
	queue_row(im, f[IC_TICKET_ID], n[IC_TICKET_ID], f[IC_CREATOR], n[IC_CREATOR], emp, emp_len,
		  dept, opened, closed);
}

int importer_finish(struct importer *im, struct import_result *res)
{
	int ret;
	writer_finish(im);
	if (atomic_load(&im->failed)) {
		store_rollback(im->st);
		ret = -1;
	} else if (im->res.nerrors) {
		store_rollback(im->st);
		if (im->res.nerrors > IMPORT_MAX_REPORTED)
			buf_addf(&im->res.errors, "... and %ld more problems (%ld in all)\n",
				 im->res.nerrors - IMPORT_MAX_REPORTED, im->res.nerrors);
		ret = 1;
	} else if (store_commit(im->st, im->res.inserted + im->res.updated > 0 || im->changed)) {
		store_rollback(im->st);
		ret = -1;
	} else {
		ret = 0;
	}
	if (ret != 0)
		im->res.inserted = im->res.updated = im->res.unchanged = 0;
	*res = im->res;
	import_result_init(&im->res);
	importer_free(im);
	return ret;
}

/* ---- CSV ---- */

/* Map header fields to columns; problems go to the importer.  0 or -1. */
static int read_header(struct importer *im, struct csv_reader *r, int map[IC_NCOLS])
{
	int ok = 0;
	for (int c = 0; c < IC_NCOLS; c++)
		map[c] = -1;
	for (size_t i = 0; i < csv_nfields(r); i++) {
		size_t n;
		const char *name = csv_field(r, i, &n);
		trim(&name, &n);
		int c;
		for (c = 0; c < IC_NCOLS; c++)
			if (strlen(import_col_names[c]) == n && strncasecmp(name, import_col_names[c], n) == 0)
				break;
		if (c == IC_NCOLS) {
			importer_problem(im, csv_line(r), "column %zu: unknown column '%.*s' (expected %s, %s, %s, %s, %s, %s)",
					 i + 1, (int)(n > 60 ? 60 : n), name, import_col_names[0],
					 import_col_names[1], import_col_names[2], import_col_names[3],
					 import_col_names[4], import_col_names[5]);
			ok = -1;
		} else if (map[c] >= 0) {
			importer_problem(im, csv_line(r), "column %s: appears twice in the header",
					 import_col_names[c]);
			ok = -1;
		} else {
			map[c] = (int)i;
		}
	}
	for (int c = 0; c < IC_NCOLS; c++)
		if (map[c] < 0 && ok == 0) {
			importer_problem(im, csv_line(r), "column %s: missing from the header",
					 import_col_names[c]);
		}
	for (int c = 0; c < IC_NCOLS; c++)
		if (map[c] < 0)
			ok = -1;
	return ok;
}

int import_csv(struct store *st, const struct config *cfg, FILE *in, struct import_result *res)
{
	if (cfg->imap) /* [import] maps an export's own columns */
		return import_map_csv(st, cfg, in, res);
	struct importer *im = importer_new(st, cfg);
	if (!im) {
		import_result_init(res);
		return -1;
	}
	im->async = 1;
	struct csv_reader *r = csv_reader_new(in);
	if (!r)
		abort();
	int map[IC_NCOLS];
	int rc = csv_read(r);
	if (rc <= 0) {
		if (rc == 0)
			importer_problem(im, 1, "empty input: expected a header line (%s,%s,%s,%s,%s,%s)",
					 import_col_names[0], import_col_names[1], import_col_names[2],
					 import_col_names[3], import_col_names[4], import_col_names[5]);
		else
			importer_problem(im, csv_line(r), "%s", strchr(csv_error(r), ':') + 2);
	} else if (read_header(im, r, map) == 0) {
		size_t ncols = csv_nfields(r);
		while ((rc = csv_read(r)) > 0) {
			size_t nf = csv_nfields(r);
			size_t len0;
			csv_field(r, 0, &len0);
			if (nf == 1 && len0 == 0)
				continue; /* blank line */
			if (nf != ncols) {
				importer_problem(im, csv_line(r), "expected %zu fields, found %zu", ncols, nf);
				im->res.rows++;
				continue;
			}
			const char *fields[IC_NCOLS];
			size_t lens[IC_NCOLS];
			for (int c = 0; c < IC_NCOLS; c++)
				fields[c] = csv_field(r, (size_t)map[c], &lens[c]);
			importer_row(im, csv_line(r), fields, lens);
		}
		if (rc < 0) {
			/* csv_error is "line N: what"; keep its own line number */
			im->res.nerrors++;
			if (im->res.nerrors <= IMPORT_MAX_REPORTED)
				buf_addf(&im->res.errors, "%s\n", csv_error(r));
		}
	}
	csv_reader_free(r);
	return importer_finish(im, res);
}

/* ---- for the other readers (import_map.c, evimport.c) ---- */

void importer_set_labels(struct importer *im, const char *const labels[IC_NCOLS])
{
	for (int c = 0; c < IC_NCOLS; c++)
		im->labels[c] = labels[c];
}

void importer_mark_changed(struct importer *im)
{
	im->changed = 1;
}

void importer_count_row(struct importer *im)
{
	im->res.rows++;
}

long importer_nproblems(const struct importer *im)
{
	return im->res.nerrors + (atomic_load(&im->failed) != 0);
}

const char *import_text_problem(const char *s, size_t n, int multiline)
{
	return text_problem(s, n, multiline != 0);
}

void importer_problem_plain(struct importer *im, const char *fmt, ...)
{
	im->res.nerrors++;
	if (im->res.nerrors > IMPORT_MAX_REPORTED)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	url_utf8_scrub(msg);
	buf_addstr(&im->res.errors, msg);
	buf_addch(&im->res.errors, '\n');
}

void import_trim(const char **s, size_t *n)
{
	trim(s, n);
}

const char *import_show_value(const char *v, size_t n, char out[IMPORT_SHOWN])
{
	/* whole characters only, so the message stays valid UTF-8 (it goes
	 * into JSON): a byte that starts no valid sequence shows as '?' */
	size_t i = 0, j = 0;
	while (i < n) {
		size_t k = url_utf8_seq(v + i, n - i);
		if (j + (k ? k : 1) > 60)
			break;
		unsigned char c = (unsigned char)v[i];
		if (k <= 1) {
			out[j++] = !k || c < 0x20 || c == 0x7f ? '?' : (char)c;
			i++;
		} else {
			memcpy(out + j, v + i, k);
			j += k;
			i += k;
		}
	}
	if (i < n) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
	return out;
}
