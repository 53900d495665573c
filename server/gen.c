/*
 * gen.c - synthetic data; see gen.h.
 *
 * Randomness is xoshiro256** seeded through splitmix64 (rng.h), so a seed gives the
 * same stream everywhere.  The model, per department k of the pipeline:
 *   duration = clamp(skewed draw in [lo_k, hi_k]) x drift(t) x speed(employee)
 * where drift grows linearly from 1.0 at the start to 1.6 at as_of for
 * departments whose work varies (hi - lo > 5 days), the handoff gap before
 * the next stage is a small skewed draw that grows with the same drift,
 * and a stage that would start on a Sunday starts on Monday.  A few tickets
 * are parked (a long wait on the creator) at any time, so the data is in a
 * steady state up to as_of: arrivals and closes balance there, and the
 * open backlog is level.
 * Departments known from the original study use its ranges and headcounts;
 * others get a middle-of-the-road 3-20 days and 5 people.
 */
#include "gen.h"
#include "buf.h"
#include "config.h"
#include "date.h"
#include "log.h"
#include "rng.h"
#include "store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the model ---- */

struct dept_model {
	const char *name;
	int lo, hi;        /* days to close */
	int headcount;
	double drop;       /* share of creators who stop after this stage */
	double rework;     /* share of stages that need a second ticket */
};

static const struct dept_model known[] = {
	{ "Sales", 2, 30, 10, 0.12, 0.00 },
	{ "Contract", 1, 5, 3, 0.05, 0.00 },
	{ "Design", 10, 50, 15, 0.03, 0.05 },
	{ "Manufacturing", 10, 40, 4, 0.02, 0.03 },
	{ "Campaign", 21, 25, 3, 0.00, 0.00 },
};

static const char *const first_names[] = {
	"Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jon",
	"Kai", "Lena", "Milo", "Nia", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tara",
	"Uma", "Vik", "Wren", "Xena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Diego",
	"Esme", "Felix", "Greta", "Hugo", "Ines", "Jules", "Kofi", "Lior", "Maya", "Noor",
};
static const char *const last_names[] = {
	"Lima", "Smith", "Okafor", "Novak", "Tanaka", "Garcia", "Muller", "Rossi", "Kowalski", "Haddad",
	"Nguyen", "Silva", "Berg", "Costa", "Dubois", "Ekström", "Fischer", "Gupta", "Horvat", "Ito",
	"Jensen", "Khan", "Laine", "Moreau", "Nakamura", "O'Brien", "Petrov", "Quispe", "Reyes", "Sato",
};
static const char *const studios[] = {
	"Plush", "Crafts", "Studio", "Makes", "Art", "Toys", "Creations", "Workshop",
};

struct employee {
	char name[64];
	double speed;      /* multiplies durations: < 1 is faster */
	double weight;     /* share of new tickets */
	int64_t id;        /* store id, when writing to a store */
};

struct dept {
	struct dept_model m;
	char abbrev[32];
	struct employee *emps;
	int nemps;
	double total_weight;
	int64_t id;
};

struct gen {
	struct rng rng;
	const struct gen_opts *o;
	struct dept *depts;
	size_t ndepts;
	int32_t as_of;
	double *arrival_cdf;   /* per day of the arrival window */
	/* output: one of these is set */
	struct store *st;
	FILE *csv;
	const struct gen_sink *sink;
	struct buf line;
	struct gen_stats stats;
	int failed;
};

void gen_opts_defaults(struct gen_opts *o)
{
	o->creators = 700;
	o->seed = 1;
	o->start = date_from_ymd(2019, 1, 1);
	o->days = 1095;
}

static void setup_depts(struct gen *g, const struct config *cfg)
{
	g->ndepts = cfg->ndepts;
	g->depts = calloc(g->ndepts, sizeof(*g->depts));
	if (!g->depts)
		abort();
	int used_names = 0;
	for (size_t k = 0; k < g->ndepts; k++) {
		struct dept *d = &g->depts[k];
		d->m = (struct dept_model){ cfg->depts[k].name, 3, 20, 5, 0.03, 0.0 };
		for (size_t j = 0; j < sizeof(known) / sizeof(known[0]); j++)
			if (strcmp(known[j].name, cfg->depts[k].name) == 0)
				d->m = known[j];
		d->m.name = cfg->depts[k].name;
		/* ticket id prefix: the department's first letters, upper case */
		size_t n = 0;
		for (const char *p = d->m.name; *p && n < 3; p++)
			if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				d->abbrev[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		if (!n)
			d->abbrev[n++] = 'D';
		snprintf(d->abbrev + n, sizeof(d->abbrev) - n, "%zu", k + 1);
		d->nemps = d->m.headcount;
		d->emps = calloc((size_t)d->nemps, sizeof(*d->emps));
		if (!d->emps)
			abort();
		for (int e = 0; e < d->nemps; e++) {
			struct employee *em = &d->emps[e];
			/* distinct names across the company: walk the name grid */
			int i = used_names++;
			snprintf(em->name, sizeof(em->name), "%s %s",
				 first_names[(i * 7) % 40], last_names[(i * 11 + i / 40) % 30]);
			em->speed = 0.7 + 0.7 * rng_unit(&g->rng);
			em->weight = 0.5 + 1.5 * rng_unit(&g->rng);
			d->total_weight += em->weight;
		}
	}
}

static void setup_arrivals(struct gen *g)
{
	static const double weekday_weight[7] = { 1.0, 1.15, 1.15, 1.1, 0.95, 0.35, 0.2 };
	int days = g->o->days;
	g->arrival_cdf = malloc((size_t)days * sizeof(double));
	if (!g->arrival_cdf)
		abort();
	double sum = 0;
	for (int i = 0; i < days; i++) {
		double t = (double)i / days;
		/* the business grows: half again as many creators by the end */
		sum += weekday_weight[date_weekday(g->o->start + i)] * (1.0 + 0.5 * t);
		g->arrival_cdf[i] = sum;
	}
	for (int i = 0; i < days; i++)
		g->arrival_cdf[i] /= sum;
}

static int32_t arrival_day(struct gen *g)
{
	double u = rng_unit(&g->rng);
	int lo = 0, hi = g->o->days - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (g->arrival_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return g->o->start + lo;
}

static double drift(struct gen *g, int32_t day)
{
	double t = (double)(day - g->o->start) / g->o->days;
	if (t < 0)
		t = 0;
	return 1.0 + 0.6 * t;
}

static struct employee *pick_employee(struct gen *g, struct dept *d)
{
	double u = rng_unit(&g->rng) * d->total_weight;
	for (int e = 0; e < d->nemps; e++) {
		u -= d->emps[e].weight;
		if (u < 0)
			return &d->emps[e];
	}
	return &d->emps[d->nemps - 1];
}

static int duration(struct gen *g, struct dept *d, struct employee *em, int32_t opened)
{
	int lo = d->m.lo, hi = d->m.hi;
	/* right-skewed: log-normal around a third of the range */
	double median = lo + 0.3 * (hi - lo);
	double x = lo + (median - lo + 0.5) * exp(0.55 * rng_normal(&g->rng));
	if (x > hi)
		x = hi - rng_unit(&g->rng) * 0.2 * (hi - lo);
	if (x < lo)
		x = lo;
	if (hi - lo > 5)
		x *= drift(g, opened) * em->speed;
	int days = (int)lround(x);
	/* a few quick cases close the day they open */
	if (lo <= 1 && rng_unit(&g->rng) < 0.03)
		days = 0;
	return days;
}

static int handoff(struct gen *g, int32_t closed)
{
	double x = exp(0.4 + 0.8 * rng_normal(&g->rng)) - 1.0;
	if (x < 0)
		x = 0;
	if (x > 14)
		x = 14;
	x *= drift(g, closed);
	int32_t day = closed + (int)x;
	if (date_weekday(day) == 6)
		day++;
	return day - closed;
}

/* A parked ticket's extra wait: 2 weeks to 7 months, most near 5 weeks. */
#define PARK_SHARE 0.07

static int park_days(struct gen *g)
{
	double x = 14.0 + 22.0 * exp(0.8 * rng_normal(&g->rng));
	return x > 210 ? 210 : (int)lround(x);
}

static void creator_name(struct gen *g, long i, struct buf *out)
{
	const char *first = first_names[rng_below(&g->rng, 40)];
	const char *last = last_names[rng_below(&g->rng, 30)];
	buf_reset(out);
	switch (i % 41) {
	case 7: /* a studio with a comma in its name */
		buf_addf(out, "%s %s, %s", first, last, studios[i % 8]);
		break;
	case 19: /* a nickname in quotes */
		buf_addf(out, "%s \"%s\" %s", first, studios[i % 8], last);
		break;
	default:
		buf_addf(out, "%s %s", first, last);
	}
	/* names repeat across thousands of creators: number them */
	buf_addf(out, " #%ld", i + 1);
}

static int32_t emit(struct gen *g, struct dept *d, struct employee *em, const char *creator,
		 int64_t creator_id, long cnum, int rework, int32_t opened, int32_t closed)
{
	char tid[96];
	if (rework)
		snprintf(tid, sizeof(tid), "%s-%07ld-R%d", d->abbrev, cnum, rework);
	else
		snprintf(tid, sizeof(tid), "%s-%07ld", d->abbrev, cnum);
	/* some work is parked (waiting on the creator) for weeks or months,
	 * at any time: parked tickets open and close all along, so the open
	 * backlog stays level up to as_of.  (Parking only the work of the
	 * last months, as this once did, left it all open at as_of: the last
	 * weeks then showed a collapse of closes and a swelling backlog that
	 * no real team had.)  What is in flight at as_of stays open. */
	if (rng_unit(&g->rng) < PARK_SHARE)
		closed += park_days(g);
	if (closed > g->as_of)
		closed = DATE_NONE;
	g->stats.tickets++;
	if (closed == DATE_NONE)
		g->stats.open++;
	if (g->failed)
		return closed;
	if (g->sink) {
		struct gen_ticket t = { tid, creator, em->name, (size_t)(d - g->depts), opened, closed };
		g->sink->ticket(g->sink->ctx, &t);
		return closed;
	}
	if (g->st) {
		struct store_ticket_in t = {
			.ticket_id = tid,
			.creator_id = creator_id,
			.employee_id = em->id,
			.dept_id = d->id,
			.opened = opened,
			.closed = closed,
		};
		if (store_upsert_ticket(g->st, &t) != STORE_INSERTED)
			g->failed = 1;
		return closed;
	}
	struct buf *l = &g->line;
	buf_reset(l);
	buf_add_csv(l, tid, strlen(tid));
	buf_addch(l, ',');
	buf_add_csv(l, creator, strlen(creator));
	buf_addch(l, ',');
	buf_add_csv(l, em->name, strlen(em->name));
	buf_addch(l, ',');
	buf_add_csv(l, d->m.name, strlen(d->m.name));
	buf_addch(l, ',');
	buf_add_date(l, opened);
	buf_addch(l, ',');
	if (closed != DATE_NONE)
		buf_add_date(l, closed);
	buf_addch(l, '\n');
	if (fwrite(l->data, 1, l->len, g->csv) != l->len)
		g->failed = 1;
	return closed;
}

static int run(struct gen *g, const struct config *cfg)
{
	struct buf name = BUF_INIT;
	rng_seed(&g->rng, g->o->seed);
	g->as_of = g->o->start + g->o->days - 1;
	g->stats.as_of = g->as_of;
	setup_depts(g, cfg);
	setup_arrivals(g);
	if (g->st) {
		for (size_t k = 0; k < g->ndepts && !g->failed; k++) {
			struct dept *d = &g->depts[k];
			d->id = store_department_id(g->st, d->m.name);
			if (d->id <= 0)
				g->failed = 1;
			for (int e = 0; e < d->nemps && !g->failed; e++)
				if ((d->emps[e].id = store_employee_id(g->st, d->id, d->emps[e].name)) < 0)
					g->failed = 1;
		}
	} else if (g->csv) {
		fputs("ticket_id,creator,employee,department,opened_on,closed_on\n", g->csv);
	}

	for (long c = 0; c < g->o->creators && !g->failed; c++) {
		int32_t day = arrival_day(g);
		creator_name(g, c, &name);
		int64_t creator_id = 0;
		if (g->st && (creator_id = store_creator_id(g->st, name.data)) < 0) {
			g->failed = 1;
			break;
		}
		g->stats.creators++;
		for (size_t k = 0; k < g->ndepts; k++) {
			struct dept *d = &g->depts[k];
			if (day > g->as_of)
				break;
			struct employee *em = pick_employee(g, d);
			/* the close as written (a parked ticket closes later) */
			int32_t closed = emit(g, d, em, name.data, creator_id, c + 1, 0, day,
					      day + duration(g, d, em, day));
			if (closed == DATE_NONE)
				break;
			if (d->m.rework > 0 && rng_unit(&g->rng) < d->m.rework && closed <= g->as_of) {
				/* a second round in the same department */
				int32_t again = closed + (int)rng_below(&g->rng, 4);
				if (again <= g->as_of) {
					struct employee *em2 = rng_unit(&g->rng) < 0.7 ? em : pick_employee(g, d);
					int32_t closed2 = again + duration(g, d, em2, again) / 3;
					closed = emit(g, d, em2, name.data, creator_id, c + 1, 1, again, closed2);
					if (closed == DATE_NONE)
						break;
				}
			}
			if (rng_unit(&g->rng) < d->m.drop)
				break;
			day = closed + handoff(g, closed);
		}
		if (g->sink && !g->failed && g->sink->creator_end(g->sink->ctx))
			g->failed = 1;
	}
	buf_release(&name);
	buf_release(&g->line);
	free(g->arrival_cdf);
	for (size_t k = 0; k < g->ndepts; k++)
		free(g->depts[k].emps);
	free(g->depts);
	return g->failed ? -1 : 0;
}

int gen_to_store(struct store *st, const struct config *cfg, const struct gen_opts *o,
		 struct gen_stats *stats)
{
	struct gen g;
	memset(&g, 0, sizeof(g));
	g.o = o;
	g.st = st;
	if (store_begin_bulk(st))
		return -1;
	if (run(&g, cfg) || store_commit(st, 1)) {
		store_rollback(st);
		log_err("generate: nothing written");
		return -1;
	}
	*stats = g.stats;
	return 0;
}

int gen_to_csv(FILE *out, const struct config *cfg, const struct gen_opts *o,
	       struct gen_stats *stats)
{
	struct gen g;
	memset(&g, 0, sizeof(g));
	g.o = o;
	g.csv = out;
	if (run(&g, cfg) || fflush(out)) {
		log_err("generate: write error");
		return -1;
	}
	*stats = g.stats;
	return 0;
}

int gen_to_sink(const struct config *cfg, const struct gen_opts *o, const struct gen_sink *sink,
		struct gen_stats *stats)
{
	struct gen g;
	memset(&g, 0, sizeof(g));
	g.o = o;
	g.sink = sink;
	if (run(&g, cfg))
		return -1;
	*stats = g.stats;
	return 0;
}
