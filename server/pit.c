/*
 * pit.c - the point-in-time sweep; see pit.h.
 *
 * State: `active`, the tickets open on the current day sorted by ticket_id,
 * and a cursor over tickets opened after `from`, in opened_on order.  Each
 * day's rows are the active set in order; moving to the next day drops the
 * tickets closed today and merges in that day's openings.
 */
#include "pit.h"
#include "buf.h"
#include "date.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	int64_t employee_id;
	int64_t dept_id;
	int32_t opened;
	int32_t closed;
	size_t tid_len;
	size_t creator_len;
	char *creator;       /* points into the same allocation */
	char tid[];
};

struct pit {
	const struct store_dims *dims;
	struct store_iter *later;     /* tickets opened in (from, to] */
	struct store_ticket pending;  /* lookahead of `later` */
	int have_pending;
	struct entry **active;
	size_t nactive, cap;
	struct entry **batch;         /* openings of the next day */
	size_t nbatch, bcap;
	struct entry **merged;        /* scratch for the merge */
	size_t mcap;
	int32_t day, to, as_of;
	size_t pos;                   /* next row in active for `day` */
	const char *after;            /* resume point on the first day */
	int only;                     /* PIT_ONLY_* */
	int done;
};

static struct entry *entry_new(const struct store_ticket *t)
{
	struct entry *e = malloc(sizeof(*e) + t->ticket_id_len + 1 + t->creator_len + 1);
	if (!e)
		abort();
	e->employee_id = t->employee_id;
	e->dept_id = t->dept_id;
	e->opened = t->opened;
	e->closed = t->closed;
	e->tid_len = t->ticket_id_len;
	e->creator_len = t->creator_len;
	memcpy(e->tid, t->ticket_id, t->ticket_id_len + 1);
	e->creator = e->tid + t->ticket_id_len + 1;
	memcpy(e->creator, t->creator, t->creator_len + 1);
	return e;
}

/* A ticket of a department in the pipeline (pit.h)? */
static int in_pipeline(const struct pit *p, const struct store_ticket *t)
{
	const struct store_dept *d = store_dims_dept(p->dims, t->dept_id);
	return d && d->position > 0;
}

static int entry_cmp(const struct entry *a, const struct entry *b)
{
	size_t n = a->tid_len < b->tid_len ? a->tid_len : b->tid_len;
	int c = memcmp(a->tid, b->tid, n);
	if (c)
		return c;
	return a->tid_len < b->tid_len ? -1 : a->tid_len > b->tid_len;
}

static int entry_qcmp(const void *a, const void *b)
{
	return entry_cmp(*(struct entry *const *)a, *(struct entry *const *)b);
}

static void push(struct entry ***arr, size_t *n, size_t *cap, struct entry *e)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*arr = realloc(*arr, *cap * sizeof(**arr));
		if (!*arr)
			abort();
	}
	(*arr)[(*n)++] = e;
}

void pit_free(struct pit *p)
{
	if (!p)
		return;
	store_iter_free(p->later);
	for (size_t i = 0; i < p->nactive; i++)
		free(p->active[i]);
	for (size_t i = 0; i < p->nbatch; i++)
		free(p->batch[i]);
	free(p->active);
	free(p->batch);
	free(p->merged);
	free(p);
}

struct pit *pit_open(struct store *st, const struct store_dims *dims, const struct pit_query *q)
{
	struct pit *p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	p->dims = dims;
	p->day = q->from;
	p->to = q->to < q->as_of ? q->to : q->as_of;
	p->after = q->after_ticket;
	p->only = q->only;
	p->as_of = q->as_of;
	if (p->day > p->to) {
		p->done = 1;
		return p;
	}
	struct store_iter *it = store_iter_active(st, &q->filter, q->from);
	if (!it)
		goto fail;
	struct store_ticket t;
	int rc;
	while ((rc = store_iter_next(it, &t)) > 0)
		if (in_pipeline(p, &t))
			push(&p->active, &p->nactive, &p->cap, entry_new(&t));
	store_iter_free(it);
	if (rc < 0)
		goto fail;
	if (p->nactive > 1) /* qsort(NULL, 0) is undefined behaviour */
		qsort(p->active, p->nactive, sizeof(*p->active), entry_qcmp);
	if (p->day < p->to) {
		p->later = store_iter_opened(st, &q->filter, p->day + 1, p->to);
		if (!p->later)
			goto fail;
		rc = store_iter_next(p->later, &p->pending);
		if (rc < 0)
			goto fail;
		p->have_pending = rc;
	}
	return p;
fail:
	pit_free(p);
	return NULL;
}

/* Move to the next day: drop today's closes, merge tomorrow's openings. */
static int advance(struct pit *p)
{
	int32_t today = p->day, next = p->day + 1;
	size_t keep = 0;
	for (size_t i = 0; i < p->nactive; i++) {
		struct entry *e = p->active[i];
		if (e->closed != DATE_NONE && e->closed <= today)
			free(e);
		else
			p->active[keep++] = e;
	}
	p->nactive = keep;

	p->nbatch = 0;
	while (p->have_pending && p->pending.opened == next) {
		if (in_pipeline(p, &p->pending))
			push(&p->batch, &p->nbatch, &p->bcap, entry_new(&p->pending));
		int rc = store_iter_next(p->later, &p->pending);
		if (rc < 0)
			return -1;
		p->have_pending = rc;
	}
	if (p->nbatch) {
		qsort(p->batch, p->nbatch, sizeof(*p->batch), entry_qcmp);
		size_t need = p->nactive + p->nbatch;
		if (need > p->mcap) {
			p->mcap = need * 2;
			free(p->merged);
			p->merged = malloc(p->mcap * sizeof(*p->merged));
			if (!p->merged)
				abort();
		}
		size_t i = 0, j = 0, k = 0;
		while (i < p->nactive && j < p->nbatch)
			p->merged[k++] = entry_cmp(p->active[i], p->batch[j]) <= 0 ? p->active[i++]
										     : p->batch[j++];
		while (i < p->nactive)
			p->merged[k++] = p->active[i++];
		while (j < p->nbatch)
			p->merged[k++] = p->batch[j++];
		p->nbatch = 0;
		/* swap the merged array in as the active one */
		struct entry **old = p->active;
		size_t oldcap = p->cap;
		p->active = p->merged;
		p->cap = p->mcap;
		p->merged = old;
		p->mcap = oldcap;
		p->nactive = k;
	}
	p->day = next;
	p->pos = 0;
	p->after = NULL;
	return 0;
}

static int next_row(struct pit *p, struct pit_row *row)
{
	if (p->done)
		return 0;
	for (;;) {
		if (p->pos == 0 && p->after) {
			/* resume: skip to the first ticket after the cursor */
			size_t n = strlen(p->after);
			while (p->pos < p->nactive) {
				struct entry *e = p->active[p->pos];
				size_t m = e->tid_len < n ? e->tid_len : n;
				int c = memcmp(e->tid, p->after, m);
				if (c > 0 || (c == 0 && e->tid_len > n))
					break;
				p->pos++;
			}
		}
		if (p->pos < p->nactive)
			break;
		if (p->day >= p->to) {
			p->done = 1;
			return 0;
		}
		if (advance(p))
			return -1;
	}
	const struct entry *e = p->active[p->pos++];
	const struct store_employee *emp = store_dims_employee(p->dims, e->employee_id);
	const struct store_dept *dept = store_dims_dept(p->dims, e->dept_id);
	int32_t d = p->day;
	row->report_date = d;
	row->creator = e->creator;
	row->creator_len = e->creator_len;
	row->employee = emp ? emp->name : "";
	row->department = dept ? dept->name : "";
	row->ticket_id = e->tid;
	row->ticket_id_len = e->tid_len;
	row->initiated_contact = d == e->opened;
	row->is_open = e->closed == DATE_NONE || d < e->closed;
	row->ticket_age = d - e->opened;
	row->ticket_closed = d == e->closed;
	row->days_to_close = d == e->closed ? e->closed - e->opened : -1;
	row->employee_id = e->employee_id;
	row->opened_on = e->opened;
	row->closed_on = e->closed != DATE_NONE && e->closed <= p->as_of ? e->closed : DATE_NONE;
	return 1;
}

/* the row passes the `only` filter */
static int wanted(const struct pit *p, const struct pit_row *r)
{
	switch (p->only) {
	case PIT_ONLY_OPENED:
		return r->initiated_contact;
	case PIT_ONLY_CLOSED:
		return r->ticket_closed;
	case PIT_ONLY_OPEN:
		return r->is_open;
	default:
		return 1;
	}
}

int pit_next(struct pit *p, struct pit_row *row)
{
	int rc;
	while ((rc = next_row(p, row)) > 0 && !wanted(p, row))
		;
	return rc;
}

/* ---- output ---- */

void pit_csv_header(struct buf *out)
{
	buf_addstr(out, "report_date,creator,employee,department,ticket_id,initiated_contact,"
			"is_open,ticket_age,ticket_closed,days_to_close\n");
}

void pit_row_csv(struct buf *out, const struct pit_row *r, int safe)
{
	buf_add_date(out, r->report_date);
	buf_addch(out, ',');
	buf_add_csv_text(out, r->creator, r->creator_len, safe);
	buf_addch(out, ',');
	buf_add_csv_text(out, r->employee, strlen(r->employee), safe);
	buf_addch(out, ',');
	buf_add_csv_text(out, r->department, strlen(r->department), safe);
	buf_addch(out, ',');
	buf_add_csv_text(out, r->ticket_id, r->ticket_id_len, safe);
	buf_addch(out, ',');
	buf_addch(out, (char)('0' + r->initiated_contact));
	buf_addch(out, ',');
	buf_addch(out, (char)('0' + r->is_open));
	buf_addch(out, ',');
	buf_add_int(out, r->ticket_age);
	buf_addch(out, ',');
	buf_addch(out, (char)('0' + r->ticket_closed));
	buf_addch(out, ',');
	if (r->days_to_close >= 0)
		buf_add_int(out, r->days_to_close);
	buf_addch(out, '\n');
}

void pit_row_json(struct buf *out, const struct pit_row *r, int ticket)
{
	buf_addstr(out, "{\"report_date\":\"");
	buf_add_date(out, r->report_date);
	buf_addstr(out, "\",\"creator\":");
	buf_add_json_str(out, r->creator, r->creator_len);
	buf_addstr(out, ",\"employee\":");
	buf_add_json_str(out, r->employee, strlen(r->employee));
	buf_addstr(out, ",\"department\":");
	buf_add_json_str(out, r->department, strlen(r->department));
	buf_addstr(out, ",\"ticket_id\":");
	buf_add_json_str(out, r->ticket_id, r->ticket_id_len);
	buf_addstr(out, ",\"initiated_contact\":");
	buf_addch(out, (char)('0' + r->initiated_contact));
	buf_addstr(out, ",\"is_open\":");
	buf_addch(out, (char)('0' + r->is_open));
	buf_addstr(out, ",\"ticket_age\":");
	buf_add_int(out, r->ticket_age);
	buf_addstr(out, ",\"ticket_closed\":");
	buf_addch(out, (char)('0' + r->ticket_closed));
	buf_addstr(out, ",\"days_to_close\":");
	if (r->days_to_close >= 0)
		buf_add_int(out, r->days_to_close);
	else
		buf_addstr(out, "null");
	if (ticket) {
		buf_addf(out, ",\"employee_id\":%lld,\"opened_on\":\"", (long long)r->employee_id);
		buf_add_date(out, r->opened_on);
		buf_addstr(out, "\",\"closed_on\":");
		if (r->closed_on != DATE_NONE) {
			buf_addch(out, '"');
			buf_add_date(out, r->closed_on);
			buf_addch(out, '"');
		} else {
			buf_addstr(out, "null");
		}
	}
	buf_addch(out, '}');
}
