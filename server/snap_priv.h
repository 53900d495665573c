/*
 * snap_priv.h - what snap.c, snap_roll.c and snap_edit.c share; not an
 * interface for other modules (they use snap.h).
 */
#ifndef LEADTIME_SNAP_PRIV_H
#define LEADTIME_SNAP_PRIV_H

#include "snap.h"

#include <stddef.h>
#include <stdint.h>

struct calendar;

/* The largest store id a slot can have. */
#define ID_LIMIT (UINT32_MAX - 1)

/* A creator-level value: group of s->cre, date, value. */
struct cval {
	uint32_t group;
	int32_t day, value;
};

/* ---- snap_roll.c ---- */

/* Groups of a creator-level rollup over nd departments. */
size_t snap_creator_groups(size_t nd);
/* The values of creator c as of as_of in the day measure of cal (at most
 * snap_creator_groups()), in a fixed order; cs is scratch of ndepts.
 * Returns their number. */
size_t snap_creator_values(const struct snap *s, uint32_t c, int32_t as_of,
			   const struct calendar *cal, struct snap_cstage *cs, struct cval *out);
/* Earliest opened_on of c's tickets in configured departments
 * (INT32_MAX: none). */
int32_t snap_creator_first_day(const struct snap *s, uint32_t c);
/* The creator-level rollup of every creator of s as of as_of, in the day
 * measure of cal (NULL: calendar days). */
struct roll *snap_creator_roll_build(const struct snap *s, int32_t as_of,
				     const struct calendar *cal);
/* by_dept when dept, else by_emp, in the measure of cal. */
struct roll *snap_ticket_roll_build(const struct snap *s, int dept, const struct calendar *cal);
struct snap_bz *snap_bz_ref(struct snap_bz *bz);
void snap_travel_free(struct snap_travel *t);

/* ---- snap.c ---- */

/* A version with one reference and nothing else. */
struct snap *snap_alloc(void);
void snap_set_dims(struct snap *s, struct snap_dims *d);
/* Write slot (empty when !t or unusable) and link it to its creator; tid:
 * the ticket id already in s's strings, or NULL to copy t's.  1 when the
 * slot holds a ticket. */
int snap_set_ticket(struct snap *s, uint32_t slot, const struct snap_tk_in *t, const char *tid);
/* Unlink slot from creator c's list. */
void snap_unlink_ticket(struct snap *s, uint32_t slot, uint32_t c);

#endif
