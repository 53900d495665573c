/*
 * agg.h - the aggregates of SPEC §3, computed from a snapshot (snap.h).
 *
 * Pure computation: no I/O, no JSON, no locks; any number of threads may
 * run aggregates over the same snapshot.  Results are plain structs that
 * the HTTP layer serialises; nothing is rounded here (rounding to 3
 * decimals happens once, at serialisation).
 *
 * Conventions
 * - Days are day numbers (date.h).  A range is [from, to], both inclusive,
 *   already clamped so that from <= to <= as_of.
 * - A statistic that does not exist (mean of nothing, a rate over no
 *   closes, a ratio 0/0) is NaN: test with isnan() and emit null.
 * - Every function returning a pointer returns a fresh allocation the
 *   caller frees with the matching *_free() (NULL is fine there); it
 *   returns NULL only on bad arguments (an index out of range, a range
 *   that fails agg_range_valid()).
 *   Out of memory aborts.  Results point to nothing in the snapshot except
 *   by index (department, employee, creator, ticket indexes of the
 *   snapshot), so the snapshot must outlive only the use of those indexes.
 * - Everything is a function of the point-in-time rows of SPEC §2: a ticket
 *   opened after as_of has no rows and does not exist for any aggregate;
 *   a ticket closed after as_of is open through as_of.
 *
 * The choices where SPEC §3 leaves room (attribution dates of stage times,
 * workload_share 0/0, the bottleneck, score scale) are explained in
 * docs/ANALYTICS.md and restated next to the functions below.
 */
#ifndef LEADTIME_AGG_H
#define LEADTIME_AGG_H

#include <stddef.h>
#include <stdint.h>

struct snap;
struct calendar;

/* ---- ranges and buckets ---- */

enum agg_bucket { AGG_DAY, AGG_WEEK, AGG_MONTH };

struct agg_range {
	int32_t from, to;        /* inclusive; from <= to <= as_of */
	int32_t as_of;
	enum agg_bucket bucket;
	/* the unit of every day measure (days_to_close, SLA, ages, stage times,
	 * waits, end-to-end): NULL = calendar days (SPEC §2), else business
	 * days of this calendar (calendar_days(), calendar.h).  Dates, buckets
	 * and counts do not change. */
	const struct calendar *cal;
};

struct agg_span {
	int32_t start, end;      /* inclusive; cut to the range */
};

/* The days of the whole bucket of kind k that holds `day` (1, 7, or the
 * month's 28-31): a span cut by the range has fewer (end − start + 1). */
int agg_bucket_full_days(enum agg_bucket k, int32_t day);

#define AGG_MAX_BUCKETS 65535

/* 1 when from <= to <= as_of, all within DATE_MIN..DATE_MAX, and the range
 * has at most AGG_MAX_BUCKETS buckets; else 0. */
int agg_range_valid(const struct agg_range *r);

/* Number of buckets of r (ISO weeks start Monday). */
size_t agg_bucket_count(const struct agg_range *r);
/* The buckets of r, first and last cut to the range; *out is malloc'd
 * (caller frees).  Returns their number. */
size_t agg_buckets(const struct agg_range *r, struct agg_span **out);

/* ---- statistics blocks ---- */

/*
 * Distribution of values: n, mean and percentile_cont (SPEC §3) at 0.25
 * (q1), 0.5, 0.75 (q3), 0.9; min and max.  All reals are NaN when n = 0.
 * lead_time uses {n, mean, p50, p90, min, max}; a five-number box uses
 * {min, q1, p50, q3, max}; end-to-end and stages use {n, mean, p50, p90}.
 */
struct agg_dist {
	int64_t n;
	double mean, min, q1, p50, q3, p90, max;
};

/* percentile_cont of sorted x[0..n-1] at p in [0, 1]; NaN when n = 0. */
double agg_percentile(const double *x, size_t n, double p);

/*
 * Two-sided Mann–Whitney U p-value of samples a and b: normal
 * approximation with tie correction, no continuity correction:
 *   U = R_a − n_a(n_a+1)/2,  z = (U − n_a n_b/2) / sqrt(var),
 *   var = n_a n_b/12 · ((n+1) − Σ(t³−t)/(n(n−1))),  p = erfc(|z|/√2);
 * 1 when var = 0 (all values equal).  NaN when either side has < 5 values.
 */
double agg_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/* ---- metrics per group and bucket (SPEC §3 table) ---- */

struct agg_metrics {
	int32_t days;              /* days in the bucket */
	int64_t opened;            /* Σ initiated_contact */
	int64_t closed;            /* Σ ticket_closed */
	int64_t backlog_end;       /* Σ is_open on the last day */
	int64_t open_sum;          /* Σ is_open over the days */
	double avg_open;           /* open_sum / days */
	struct agg_dist lead_time; /* days_to_close of the closed rows */
	int64_t sla_hits;          /* closed rows with days_to_close <= sla_days */
	double sla_hit_rate;       /* sla_hits / closed; NaN when closed = 0 */
	double closes_per_week;    /* closed / (days / 7) */
	int64_t rework;            /* tickets opened that are re-entries: the
				    * creator had an earlier ticket in the
				    * same department (ANALYTICS.md) */
	double rework_rate;        /* rework / opened; NaN when opened = 0 */
	double workload_share;     /* employees: open_sum / the department's
				    * open_sum, NaN when that is 0 (0/0: nobody
				    * in the department had open work);
				    * NaN for departments and the all group */
};

/* Relative shading (SPEC §3): one score per metric, in [-1, 1]. */
#define AGG_SCORES(X)                                            \
	X(AGG_SCORE_P50, "lead_time_p50", -1)                    \
	X(AGG_SCORE_MEAN, "lead_time_mean", -1)                  \
	X(AGG_SCORE_CLOSED, "closed", 1)                         \
	X(AGG_SCORE_CLOSES_PER_WEEK, "closes_per_week", 1)       \
	X(AGG_SCORE_SLA, "sla_hit_rate", 1)                      \
	X(AGG_SCORE_AVG_OPEN, "avg_open", 0)                     \
	X(AGG_SCORE_WORKLOAD_SHARE, "workload_share", 0)

#define AGG_SCORE_ENUM(id, name, sign) id,
enum agg_score { AGG_SCORES(AGG_SCORE_ENUM) AGG_NSCORES };
#undef AGG_SCORE_ENUM

/* The JSON key of each score, and its sense: +1 more is good, -1 less is
 * good, 0 neutral (the score only says above/below the mean). */
extern const char *const agg_score_names[AGG_NSCORES];
extern const int agg_score_sense[AGG_NSCORES];

/* Threshold flags (SPEC §3 [thresholds]); rule names are the config keys. */
#define AGG_FLAG_P50_RATIO "p50_ratio"
#define AGG_FLAG_MIN_SLA "min_sla_hit_rate"
#define AGG_FLAG_MAX_AVG_OPEN "max_avg_open"
#define AGG_MAX_FLAGS 3

struct agg_flag {
	const char *rule;          /* one of AGG_FLAG_*, static */
	double value;              /* the employee's value */
	double limit;              /* the limit it broke */
};

struct agg_thresholds {
	double p50_ratio;          /* flag p50 > p50_ratio × department p50 */
	double min_sla_hit_rate;   /* flag sla_hit_rate < this */
	double max_avg_open;       /* flag avg_open > this */
	int64_t min_closed;        /* fewer closes: no close-based score or flag */
};

struct agg_group {
	int dept;                  /* department index; -1 = all departments */
	int emp;                   /* employee index; -1 = the whole department */
	struct agg_metrics totals; /* over the whole range */
	struct agg_metrics *series;/* one per bucket (table->nbuckets) */
	/* filled by agg_table_evaluate() for employee groups, else NaN / 0 */
	double score[AGG_NSCORES]; /* NaN when the metric is null */
	struct agg_flag flags[AGG_MAX_FLAGS];
	size_t nflags;
};

struct agg_table {
	struct agg_range range;
	struct agg_span *buckets;
	size_t nbuckets;
	struct agg_group *groups;
	size_t ngroups;
	struct agg_group *all;     /* agg_table_departments() only: every
				    * department together (each close against
				    * its own department's SLA); else NULL */
};

/* One group per department, in pipeline order (ngroups = ndepts), and
 * `all` (not counted in ngroups; freed with the table). */
struct agg_table *agg_table_departments(const struct snap *s, const struct agg_range *r);

/*
 * groups[0] = department `dept`; then its employees with at least one
 * point-in-time row in the range, ordered by name (workload_share set).
 * NULL when dept is out of range.
 */
struct agg_table *agg_table_department(const struct snap *s, const struct agg_range *r, int dept);

/* groups[0] = the employee's department, groups[1] = employee `emp`
 * (always present, even without rows).  NULL when emp is out of range. */
struct agg_table *agg_table_employee(const struct snap *s, const struct agg_range *r, int emp);

/*
 * Scores and flags of the employee groups of a table from
 * agg_table_department(), against its group 0, over the totals.
 * Score: z = (value − mean) / sd over the department's listed employees
 * whose value is not null (sd the population standard deviation),
 * times the sense (neutral metrics keep the sign of z), clamped to
 * [-1, 1]; 0 when sd = 0; NaN when the value is null.  The close-based
 * metrics (p50, mean, closed, closes per week, SLA hit rate) count as null
 * for an employee with fewer than min_closed closes in the range: no
 * score, and no part in the team's mean and sd (a verdict on one or two
 * tickets is noise).  avg_open and workload_share are workload, not
 * closes: every listed employee.
 * Flags: p50 > p50_ratio × department p50 (limit = that product);
 * sla_hit_rate < min_sla_hit_rate (both only with min_closed closes or
 * more); avg_open > max_avg_open.
 */
void agg_table_evaluate(struct agg_table *t, const struct agg_thresholds *th);

/* Free the table, its groups and series; NULL is fine. */
void agg_table_free(struct agg_table *t);

/* ---- per department profile and per group series ---- */

/* Tickets opened in the range per department and weekday (Mon..Sun):
 * out[dept * 7 + weekday], out has ndepts × 7 slots. */
void agg_weekday_profile(const struct snap *s, const struct agg_range *r, int64_t *out);

/*
 * Least squares of days_to_close (y) against the closing day (x = days
 * since from) over the tickets of a group closed in the range.  Group: the
 * employee emp when emp >= 0, else department dept.  slope_per_week,
 * intercept and r2 are NaN when n < 3 or all x are equal; r2 is NaN too
 * when all y are equal.
 */
struct agg_trend {
	int64_t n;
	double slope_per_week, intercept, r2;
};
int agg_trend(const struct snap *s, const struct agg_range *r, int dept, int emp,
	      struct agg_trend *out);

/*
 * Histogram of days_to_close of the group's closes in the range (group as
 * agg_trend): one bin per distinct value, ascending.  *out is malloc'd
 * (caller frees); returns the number of bins, or -1 on a bad index.
 * The five-number box of the same values is the group's
 * totals.lead_time {min, q1, p50, q3, max} (agg_table_employee()).
 */
struct agg_hist_bin {
	int32_t days;
	int64_t count;
};
long agg_histogram(const struct snap *s, const struct agg_range *r, int dept, int emp,
		   struct agg_hist_bin **out);

/* ---- period comparison ---- */

struct agg_compare_dept {
	struct agg_dist a, b;      /* lead_time of each period */
	double change_p50;         /* b.p50 − a.p50 (NaN when either is) */
	double change_mean;        /* b.mean − a.mean */
	double p_value;            /* agg_mann_whitney_p(a, b) */
};

struct agg_compare {
	struct agg_compare_dept *depts;  /* ndepts, pipeline order */
	size_t ndepts;
	/* the end-to-end lead time (agg_end_to_end()) of the creators whose
	 * campaign started in each period, the same test between them */
	struct agg_compare_dept end_to_end;
};

/* Ranges a and b (each clamped by the caller; their as_of is used). */
struct agg_compare *agg_compare(const struct snap *s, const struct agg_range *a,
				const struct agg_range *b);
void agg_compare_free(struct agg_compare *c);

/* ---- leaderboard ---- */

struct agg_lb_entry {
	int emp;                   /* employee index */
	double value;              /* closed, p50 or sla_hit_rate */
	int64_t closed;            /* closes in the period */
	int64_t rank;              /* standard competition ranking: equal
				    * values share a rank, the next one skips
				    * (1, 2, 2, 4) */
};

enum agg_lb_board { AGG_LB_MOST_CLOSED, AGG_LB_FASTEST_P50, AGG_LB_BEST_SLA, AGG_LB_NBOARDS };
extern const char *const agg_lb_names[AGG_LB_NBOARDS];  /* JSON keys */

struct agg_lb_dept {
	struct agg_lb_entry *board[AGG_LB_NBOARDS];  /* best first */
	size_t n[AGG_LB_NBOARDS];
};

struct agg_lb_period {
	int32_t start, end;
	struct agg_lb_dept *depts; /* ndepts, pipeline order */
};

struct agg_leaderboard {
	struct agg_lb_period day;  /* as_of − 1 */
	struct agg_lb_period week; /* the ISO week before as_of's week */
	size_t ndepts;
};

/*
 * Top `size` employees per department and period: most closes (employees
 * with at least one), lowest p50 and highest sla_hit_rate (employees with
 * at least min_closed closes; for the SLA board only those with a share
 * above 0: nobody at 0% is among the best).  Equal values share a rank
 * (agg_lb_entry.rank); their order goes by name, then employee index.
 */
struct agg_leaderboard *agg_leaderboard(const struct snap *s, int32_t as_of, size_t size,
					int64_t min_closed);
/* The same with days to close counted by cal (NULL = calendar days). */
struct agg_leaderboard *agg_leaderboard_days(const struct snap *s, int32_t as_of, size_t size,
					     int64_t min_closed, const struct calendar *cal);
void agg_leaderboard_free(struct agg_leaderboard *lb);

/* ---- creators: end-to-end, stages, timeline, search (agg_creator.c) ---- */

/*
 * End-to-end lead time (SPEC §3) of the creators whose campaign start (the
 * earliest opened_on in the last department) lies in the range: totals and
 * per bucket; rolling[i] = mean of the values dated in
 * [from + i − 27, from + i] (data before from included), NaN when none.
 */
struct agg_e2e {
	struct agg_span *buckets;
	size_t nbuckets;
	struct agg_dist totals;
	struct agg_dist *series;   /* nbuckets */
	double *rolling;           /* ndays = to − from + 1 */
	size_t ndays;
};
struct agg_e2e *agg_end_to_end(const struct snap *s, const struct agg_range *r);
void agg_e2e_free(struct agg_e2e *e);

/*
 * Stage decomposition (SPEC §3).  Per creator and department k, over the
 * creator's tickets in k (as of as_of):
 *   stage time  = latest closed_on − earliest opened_on, when every ticket
 *                 of the creator in k is closed; dated the latest closed_on
 *                 (the day the stage ended);
 *   wait before k (k > 0) = earliest opened_on in k − latest closed_on in
 *                 k−1, when stage k−1 is complete and k has a ticket;
 *                 dated the later of the two days (the day the wait ended;
 *                 the later one only differs when rework in k−1 overlaps k,
 *                 which makes the wait negative).
 * A value counts in the range / bucket holding its date.  The wait into a
 * department is reported on that department (none for the first).
 *
 * p50_share of department k = stage p50 / (Σ stage p50 of the departments
 * before the last + Σ wait p50 of the departments after the first): the
 * share of the sum of medians along the path the end-to-end lead time
 * covers; NaN for the last department (its stage is after the campaign
 * start) unless it is the only one.  The bottleneck is the department with
 * the largest stage p50 among those (the largest share), -1 when none
 * or when no share is defined (the medians sum to 0).
 */
struct agg_stage_dept {
	struct agg_dist stage;
	struct agg_dist wait;      /* n = 0 for the first department */
	double p50_share;
	struct agg_dist *stage_series;  /* nbuckets */
	struct agg_dist *wait_series;   /* nbuckets */
};

struct agg_stages {
	struct agg_span *buckets;
	size_t nbuckets;
	struct agg_stage_dept *depts;   /* ndepts, pipeline order */
	size_t ndepts;
	int bottleneck;            /* department index or -1 */
};
struct agg_stages *agg_stages(const struct snap *s, const struct agg_range *r);
void agg_stages_free(struct agg_stages *st);

/*
 * One creator across departments, as of as_of (tickets opened after as_of
 * left out; closed_on after as_of reads as open).  Tickets in pipeline
 * order, then opened, then ticket_id.  NULL when there is no creator of that
 * id.  stages: one per department where the creator has a
 * ticket, with its start (earliest opened), end (latest closed, DATE_NONE
 * while any ticket is open), days (stage time, NaN while open) and
 * wait_before (handoff wait from the previous department as in
 * agg_stages(); NaN when not defined).
 */
struct agg_tl_ticket {
	uint32_t ticket;           /* snapshot ticket slot */
	const char *ticket_id;     /* owned by the snapshot */
	int dept, emp;             /* emp: employee index */
	int32_t opened;
	int32_t closed;            /* DATE_NONE when open as of as_of */
};

struct agg_tl_stage {
	int dept;
	int32_t start, end;
	double days, wait_before;
	size_t ntickets;
};

struct agg_timeline {
	int64_t creator;           /* creator id (snap_creator_find()) */
	const char *name;          /* owned by the snapshot */
	struct agg_tl_ticket *tickets;
	size_t ntickets;
	struct agg_tl_stage *stages;
	size_t nstages;
	double end_to_end;         /* NaN when the creator has none */
	int32_t campaign_start;    /* its date; DATE_NONE when none */
};
struct agg_timeline *agg_timeline(const struct snap *s, int64_t creator, int32_t as_of);
/* The same with stage times, waits and end-to-end counted by cal (NULL =
 * calendar days). */
struct agg_timeline *agg_timeline_days(const struct snap *s, int64_t creator, int32_t as_of,
				       const struct calendar *cal);
void agg_timeline_free(struct agg_timeline *t);

/*
 * Creators whose name contains q (ASCII case-insensitive; "" matches
 * every one) and who have a ticket opened on or before as_of, in byte
 * order of name.  Fills at most `limit` hits into out and returns how
 * many; *total (when not NULL) receives the number of all matches.
 */
struct agg_creator_hit {
	int64_t creator;           /* creator id */
	const char *name;          /* owned by the snapshot */
	int64_t tickets;           /* opened on or before as_of */
	int32_t first_opened;
	int32_t last_activity;     /* latest opened or closed_on <= as_of */
};
size_t agg_creator_search(const struct snap *s, const char *q, int32_t as_of, size_t limit,
			  struct agg_creator_hit *out, size_t *total);

#endif
