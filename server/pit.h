/*
 * pit.h - point-in-time rows (SPEC §2) as a streaming iterator.
 *
 * For every ticket and every day d it was open (opened_on <= d <= closed_on,
 * or <= as_of while open) one row; rows come ordered by report_date, then
 * ticket_id in byte order.  Memory is bounded by the number of tickets open
 * on one day, whatever the length of the range: the iterator sweeps the
 * days, keeping the open tickets sorted, adding those opened each day and
 * dropping those closed the day before.
 *
 * Only tickets of departments in the pipeline have rows: a department
 * whose position in `dims` is 0 (store_dims_set_pipeline()) left it and, as
 * on every other route (docs/ANALYTICS.md), is not reported.
 */
#ifndef LEADTIME_PIT_H
#define LEADTIME_PIT_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

struct buf;
struct pit;

struct pit_query {
	int32_t from;               /* inclusive */
	int32_t to;                 /* inclusive; clamped to as_of */
	int32_t as_of;
	struct store_filter filter;
	/* resume after a row: skip rows of day `from` whose ticket_id is
	 * <= after_ticket (byte order); NULL = start at the first row */
	const char *after_ticket;
	/* PIT_ONLY_*: keep only the rows with initiated_contact = 1, with
	 * ticket_closed = 1 or with is_open = 1 (the rows behind a count of
	 * SPEC §3); 0 = every row */
	int only;
};

enum { PIT_ONLY_ALL = 0, PIT_ONLY_OPENED = 1, PIT_ONLY_CLOSED = 2, PIT_ONLY_OPEN = 3 };

struct pit_row {
	int32_t report_date;
	const char *creator;        /* valid until the next pit_next() */
	size_t creator_len;
	const char *employee;
	const char *department;
	const char *ticket_id;
	size_t ticket_id_len;
	int initiated_contact;
	int is_open;
	int32_t ticket_age;
	int ticket_closed;
	int32_t days_to_close;      /* -1 = null */
	/* the ticket itself (the drill-down's `fields=ticket`, docs/API.md) */
	int64_t employee_id;
	int32_t opened_on;
	int32_t closed_on;          /* DATE_NONE while open at as_of */
};

/* Start an iteration.  `dims` (names of employees and departments, the
 * departments' positions) must outlive the iterator.  NULL on error
 * (logged). */
struct pit *pit_open(struct store *st, const struct store_dims *dims, const struct pit_query *q);
/* 1 = a row in *row, 0 = done, -1 = error. */
int pit_next(struct pit *p, struct pit_row *row);
void pit_free(struct pit *p);

/* The CSV header line of SPEC §2, with its LF. */
void pit_csv_header(struct buf *out);
/* One row as a CSV line (LF-terminated); `safe`: the names and the ticket
 * id with the spreadsheet guard (buf_add_csv_text()), numbers as they are. */
void pit_row_csv(struct buf *out, const struct pit_row *row, int safe);
/* One row as a JSON object (no separator); `ticket`: with the ticket's
 * employee_id, opened_on and closed_on (null while open at as_of) after
 * SPEC §2's keys. */
void pit_row_json(struct buf *out, const struct pit_row *row, int ticket);

#endif
