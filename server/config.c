/*
 * config.c - config.ini read with iniread.c into one table of keys; see
 * config.h.
 *
 * iniread.c numbers the lines (every message names FILE:LINE, and
 * FILE:LINE:COLUMN where a column helps), takes lines of any length a
 * person writes (a pipeline of twelve departments with real names is far
 * past inih's 200 bytes), never treats an indented line as a continuation
 * and refuses lines that are not UTF-8 (a Latin-1 department would
 * otherwise match no imported name and vanish from every route without a
 * word).  [pipeline] takes its departments either as two lists
 * (`departments = A, B` and `sla_days = 14, 3`) or one per line in
 * pipeline order (`A = 14`, the value being the SLA days).
 */
#include "config.h"
#include "annot.h"
#include "calendar.h"
#include "date.h"
#include "events.h"
#include "import.h"
#include "import_map.h"
#include "iniread.h"
#include "log.h"
#include "peer.h"
#include "ts.h"
#include "tz.h"

#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum key_type { K_STR, K_INT, K_BOOL, K_REAL, K_DATE, K_LEVEL, K_DEPTS, K_SLA,
		K_NAME, K_CLOSE, K_PROFILE, K_TSFMT, K_TZ, K_PATTERNS, K_WEEKEND, K_HOLIDAYS,
		K_HOLIDAYS_FILE, K_PROXIES };

struct key {
	const char *section;
	const char *name;
	enum key_type type;
	size_t field;
	double min, max;
};

#define F(x) offsetof(struct config, x)
static const struct key keys[] = {
	{ "server", "listen", K_STR, F(listen), 0, 0 },
	{ "server", "port", K_INT, F(port), 0, 65535 },
	{ "server", "threads", K_INT, F(threads), 0, 256 },
	{ "server", "max_connections", K_INT, F(max_connections), 1, 100000 },
	{ "server", "per_ip_connections", K_INT, F(per_ip_connections), 0, 100000 },
	{ "server", "connection_timeout", K_INT, F(connection_timeout), 1, 3600 },
	{ "server", "max_body_mb", K_INT, F(max_body_mb), 1, 4096 },
	{ "server", "stop_timeout", K_INT, F(stop_timeout), 1, 3600 },
	{ "server", "trusted_proxies", K_PROXIES, F(trusted_proxies), 0, 0 },
	{ "data", "db", K_STR, F(db), 0, 0 },
	{ "data", "as_of", K_DATE, F(as_of), 0, 0 },
	{ "data", "seed_demo", K_BOOL, F(seed_demo), 0, 1 },
	{ "data", "demo_creators", K_INT, F(demo_creators), 1, 10000000 },
	{ "data", "demo_days", K_INT, F(demo_days), 28, 36500 },
	{ "data", "demo_seed", K_INT, F(demo_seed), 0, INT_MAX },
	{ "data", "max_size_mb", K_INT, F(max_size_mb), 0, 16777216 },
	{ "pipeline", "departments", K_DEPTS, 0, 0, 0 },
	{ "pipeline", "sla_days", K_SLA, 0, 0, 3650 },
	{ "thresholds", "p50_ratio", K_REAL, F(p50_ratio), 0, 1000 },
	{ "thresholds", "min_sla_hit_rate", K_REAL, F(min_sla_hit_rate), 0, 1 },
	{ "thresholds", "max_avg_open", K_REAL, F(max_avg_open), 0, 1e9 },
	{ "thresholds", "min_closed", K_INT, F(min_closed), 1, 100000 },
	{ "leaderboard", "size", K_INT, F(lb_size), 1, 100 },
	{ "leaderboard", "min_closed", K_INT, F(lb_min_closed), 1, 100000 },
	{ "auth", "write_token", K_STR, F(write_token), 0, 0 },
	{ "log", "level", K_LEVEL, F(log_level), 0, 0 },
	{ "events", "case", K_NAME, F(ev_col[EVC_CASE]), 0, 0 },
	{ "events", "activity", K_NAME, F(ev_col[EVC_ACTIVITY]), 0, 0 },
	{ "events", "timestamp", K_NAME, F(ev_col[EVC_TIMESTAMP]), 0, 0 },
	{ "events", "resource", K_NAME, F(ev_col[EVC_RESOURCE]), 0, 0 },
	{ "events", "lifecycle", K_NAME, F(ev_col[EVC_LIFECYCLE]), 0, 0 },
	{ "events", "timestamp_format", K_TSFMT, F(ev_ts_format), 0, 0 },
	{ "events", "timezone", K_TZ, F(ev_timezone), 0, 0 },
	{ "events", "close", K_CLOSE, F(ev_close_last), 0, 0 },
	{ "events", "done", K_PATTERNS, F(ev_done), 0, 0 },
	{ "import", "profile", K_PROFILE, F(imap_profile), 0, 0 },
	{ "import", "ticket_id", K_NAME, F(imap_col[0]), 0, 0 },
	{ "import", "creator", K_NAME, F(imap_col[1]), 0, 0 },
	{ "import", "employee", K_NAME, F(imap_col[2]), 0, 0 },
	{ "import", "department", K_NAME, F(imap_col[3]), 0, 0 },
	{ "import", "opened_on", K_NAME, F(imap_col[4]), 0, 0 },
	{ "import", "closed_on", K_NAME, F(imap_col[5]), 0, 0 },
	{ "import", "id_prefix", K_STR, F(imap_id_prefix), 0, 0 },
	{ "import", "date_format", K_TSFMT, F(imap_date_format), 0, 0 },
	{ "import", "timezone", K_TZ, F(imap_timezone), 0, 0 },
	{ "calendar", "weekend", K_WEEKEND, F(weekend), 0, 0 },
	{ "calendar", "holidays", K_HOLIDAYS, 0, 0, 0 },
	{ "calendar", "holidays_file", K_HOLIDAYS_FILE, 0, 0, 0 },
};
#undef F
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

void config_defaults(struct config *cfg)
{
	static const struct { const char *name; int sla; } pipeline[] = {
		{ "Sales", 14 }, { "Contract", 3 }, { "Design", 30 },
		{ "Manufacturing", 25 }, { "Campaign", 25 },
	};
	memset(cfg, 0, sizeof(*cfg));
	cfg->path = xstrdup("(built-in defaults)");
	cfg->dir = xstrdup(".");
	cfg->listen = xstrdup("127.0.0.1");
	cfg->port = 8080;
	cfg->threads = 0;
	cfg->max_connections = 256;
	cfg->per_ip_connections = 64;
	cfg->connection_timeout = 30;
	cfg->max_body_mb = 64;
	cfg->stop_timeout = 10;
	cfg->trusted_proxies = xstrdup("");
	cfg->db = xstrdup("var/leadtime.db");
	cfg->as_of = DATE_NONE;
	cfg->seed_demo = 1;
	cfg->demo_creators = 700;
	cfg->demo_days = 1095;
	cfg->demo_seed = 1;
	for (size_t i = 0; i < sizeof(pipeline) / sizeof(pipeline[0]); i++) {
		cfg->depts[i].name = xstrdup(pipeline[i].name);
		cfg->depts[i].sla_days = pipeline[i].sla;
	}
	cfg->ndepts = sizeof(pipeline) / sizeof(pipeline[0]);
	cfg->p50_ratio = 1.5;
	cfg->min_sla_hit_rate = 0.6;
	cfg->max_avg_open = 25;
	cfg->min_closed = 5;
	cfg->lb_size = 5;
	cfg->lb_min_closed = 3;
	cfg->write_token = xstrdup("");
	cfg->log_level = LOG_INFO;
	static const char *const ev_cols[EVC_NCOLS] = {
		"case", "activity", "timestamp", "resource", "lifecycle",
	};
	for (int c = 0; c < EVC_NCOLS; c++)
		cfg->ev_col[c] = xstrdup(ev_cols[c]);
	cfg->ev_ts_format = xstrdup("");
	cfg->ev_timezone = xstrdup("UTC");
	cfg->ev_done = xstrdup("Done");
	cfg->imap_id_prefix = xstrdup("");
	cfg->imap_date_format = xstrdup("");
	cfg->imap_timezone = xstrdup("UTC");
	char err[256];
	cfg->ev_tz = tz_load("UTC", err, sizeof(err));
	cfg->imap_tz = tz_load("UTC", err, sizeof(err));
	if (!cfg->ev_tz || !cfg->imap_tz)
		abort();
	cfg->weekend = CALENDAR_SAT_SUN;
	cfg->holidays_file = xstrdup("");
	cfg->calendar = calendar_new(cfg->weekend, NULL, 0);
}

void config_release(struct config *cfg)
{
	free(cfg->path);
	free(cfg->dir);
	free(cfg->listen);
	free(cfg->trusted_proxies);
	free(cfg->db);
	for (size_t i = 0; i < cfg->ndepts; i++)
		free(cfg->depts[i].name);
	for (size_t i = 0; i < cfg->naliases; i++) {
		free(cfg->aliases[i].alias);
		free(cfg->aliases[i].name);
	}
	free(cfg->aliases);
	for (size_t i = 0; i < cfg->nannotations; i++)
		free(cfg->annotations[i].text);
	free(cfg->annotations);
	free(cfg->write_token);
	for (int c = 0; c < EVC_NCOLS; c++)
		free(cfg->ev_col[c]);
	free(cfg->ev_ts_format);
	free(cfg->ev_timezone);
	tz_free(cfg->ev_tz);
	free(cfg->ev_done);
	for (size_t i = 0; i < CONFIG_MAX_DEPTS; i++)
		free(cfg->stages[i]);
	for (int c = 0; c < CONFIG_TICKET_FIELDS; c++)
		free(cfg->imap_col[c]);
	free(cfg->imap_id_prefix);
	free(cfg->imap_date_format);
	free(cfg->imap_timezone);
	tz_free(cfg->imap_tz);
	free(cfg->holidays);
	free(cfg->holidays_file);
	calendar_free(cfg->calendar);
	memset(cfg, 0, sizeof(*cfg));
}

int config_dept_index(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->ndepts; i++)
		if (strcmp(cfg->depts[i].name, name) == 0)
			return (int)i;
	return -1;
}

int32_t config_as_of(const struct config *cfg)
{
	return cfg->as_of == DATE_NONE ? date_today() : cfg->as_of;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

int config_dept_index_nocase(const struct config *cfg, const char *s, size_t n)
{
	for (size_t i = 0; i < cfg->ndepts; i++) {
		const char *name = cfg->depts[i].name;
		if (strlen(name) != n)
			continue;
		size_t k = 0;
		while (k < n && lower(name[k]) == lower(s[k]))
			k++;
		if (k == n)
			return (int)i;
	}
	return -1;
}

/* Levenshtein distance, ASCII case-insensitive, of strings cut to 64 bytes. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t row[65];
	na = na > 64 ? 64 : na;
	nb = nb > 64 ? 64 : nb;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (lower(a[i - 1]) != lower(b[j - 1]));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

const char *config_nearest_dept(const struct config *cfg, const char *s, size_t n)
{
	const char *best = cfg->ndepts ? cfg->depts[0].name : "";
	size_t best_d = (size_t)-1;
	for (size_t i = 0; i < cfg->ndepts; i++) {
		const char *name = cfg->depts[i].name;
		size_t d = edit_distance(s, n, name, strlen(name));
		if (d < best_d) {
			best_d = d;
			best = name;
		}
	}
	return best;
}

/* ---- parsing ---- */

static size_t key_index(const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return i;
	abort();
}

struct parse_state {
	struct config *cfg;
	FILE *f;
	int line;
	size_t col;          /* the current value's column (1-based) */
	int errors;
	int dept_lines;      /* departments given one per line so far */
	int first_dept_line;
	int seen[NKEYS];     /* line where each key was set, 0 = not yet */
	int sla_line;
	int sla[CONFIG_MAX_DEPTS];
	size_t nsla;
	/* [stages] lines, resolved against [pipeline] once it is known */
	struct { char *dept; char *patterns; int line; } stage[CONFIG_MAX_DEPTS];
	size_t nstage;
	int32_t *hol[2];     /* dates of `holidays` and of `holidays_file` */
	size_t nhol[2];
};

static void problem(struct parse_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct parse_state *st, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s:%d: %s", st->cfg->path, st->line, msg);
	st->errors++;
}

/* The same, as FILE:LINE:COLUMN (compilers' way to name a place in a
 * line): for problems of the text rather than of a key's meaning. */
static void problem_at(struct parse_state *st, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem_at(struct parse_state *st, size_t col, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("%s:%d:%zu: %s", st->cfg->path, st->line, col, msg);
	st->errors++;
}

static int parse_long(const char *v, long *out)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end)
		return -1;
	*out = x;
	return 0;
}

/* Split a comma list in place; returns the count or -1 when over max. */
static int split_list(char *v, char **items, int max)
{
	int n = 0;
	char *p = v;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		char *e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (n == max)
			return -1;
		items[n++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

static void set_departments(struct parse_state *st, const char *value)
{
	struct config *cfg = st->cfg;
	char *tmp = xstrdup(value);
	char *items[CONFIG_MAX_DEPTS + 1];
	int n = split_list(tmp, items, CONFIG_MAX_DEPTS);
	if (n < 0) {
		problem(st, "key 'departments': more than %d departments", CONFIG_MAX_DEPTS);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!items[i][0]) {
			problem(st, "key 'departments': department %d is empty", i + 1);
			goto out;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0) {
				problem(st, "key 'departments': '%s' is listed twice", items[i]);
				goto out;
			}
	}
	for (size_t i = 0; i < cfg->ndepts; i++)
		free(cfg->depts[i].name);
	for (int i = 0; i < n; i++) {
		cfg->depts[i].name = xstrdup(items[i]);
		cfg->depts[i].sla_days = 0;
	}
	cfg->ndepts = (size_t)n;
out:
	free(tmp);
}

static void set_sla(struct parse_state *st, const char *value, const struct key *k)
{
	char *tmp = xstrdup(value);
	char *items[CONFIG_MAX_DEPTS + 1];
	int n = split_list(tmp, items, CONFIG_MAX_DEPTS);
	if (n < 0) {
		problem(st, "key 'sla_days': more than %d values", CONFIG_MAX_DEPTS);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		long x;
		if (parse_long(items[i], &x) || x < k->min || x > k->max) {
			problem(st, "key 'sla_days': value %d '%s' is not a whole number of days in [%g, %g]",
				i + 1, items[i], k->min, k->max);
			goto out;
		}
		st->sla[i] = (int)x;
	}
	st->nsla = (size_t)n;
	st->sla_line = st->line;
out:
	free(tmp);
}

/* `Name = 14` in [pipeline]: the next department in pipeline order and its
 * SLA days.  The first such line replaces the built-in pipeline. */
static void add_dept_line(struct parse_state *st, const char *name, const char *value)
{
	struct config *cfg = st->cfg;
	const struct key *k = &keys[key_index("pipeline", "sla_days")];
	int lists = st->seen[key_index("pipeline", "departments")];
	if (!lists)
		lists = st->seen[key_index("pipeline", "sla_days")];
	if (lists) {
		problem(st, "department '%s': [pipeline] already lists its departments on line %d; "
			"give them either as 'departments' and 'sla_days' or one per line (Name = SLA days), not both",
			name, lists);
		return;
	}
	for (int i = 0; st->dept_lines && i < (int)cfg->ndepts; i++)
		if (strcmp(cfg->depts[i].name, name) == 0) {
			problem(st, "department '%s': listed twice", name);
			return;
		}
	if (st->dept_lines == CONFIG_MAX_DEPTS) {
		problem(st, "department '%s': more than %d departments", name, CONFIG_MAX_DEPTS);
		return;
	}
	long x;
	if (parse_long(value, &x) || x < k->min || x > k->max) {
		problem_at(st, st->col, "department '%s': '%s' is not a whole number of SLA days in [%g, %g]",
			   name, value, k->min, k->max);
		return;
	}
	if (!st->dept_lines) {
		for (size_t i = 0; i < cfg->ndepts; i++)
			free(cfg->depts[i].name);
		cfg->ndepts = 0;
		st->first_dept_line = st->line;
	}
	cfg->depts[cfg->ndepts].name = xstrdup(name);
	cfg->depts[cfg->ndepts].sla_days = (int)x;
	cfg->ndepts++;
	st->dept_lines++;
}

/* An alias and its name obey the rules of an imported employee name:
 * text without control characters, at most IMPORT_MAX_NAME bytes (a line
 * of config.ini holds no line break, so none is allowed here). */
static int alias_name_ok(struct parse_state *st, const char *alias, const char *what,
			 const char *v)
{
	size_t n = strlen(v);
	const char *why = import_text_problem(v, n, 0);
	if (!why && n > IMPORT_MAX_NAME)
		why = "is longer than 256 bytes";
	if (why) {
		char shown[IMPORT_SHOWN];
		problem(st, "alias '%s': the %s %s", import_show_value(alias, strlen(alias), shown),
			what, why);
		return 0;
	}
	return 1;
}

static void add_alias(struct parse_state *st, const char *alias, const char *name)
{
	struct config *cfg = st->cfg;
	if (!*name) {
		problem(st, "alias '%s': empty employee name", alias);
		return;
	}
	if (!alias_name_ok(st, alias, "alias", alias) || !alias_name_ok(st, alias, "name", name))
		return;
	if (strcmp(alias, name) == 0) {
		problem(st, "alias '%s': maps a name to itself", alias);
		return;
	}
	for (size_t i = 0; i < cfg->naliases; i++)
		if (strcmp(cfg->aliases[i].alias, alias) == 0) {
			problem(st, "alias '%s' is set twice", alias);
			return;
		}
	struct alias_cfg *a = realloc(cfg->aliases, (cfg->naliases + 1) * sizeof(*a));
	if (!a)
		abort();
	cfg->aliases = a;
	a[cfg->naliases].alias = xstrdup(alias);
	a[cfg->naliases].name = xstrdup(name);
	cfg->naliases++;
}

/* [annotations]: `YYYY-MM-DD = text`.  A day may carry several notes;
 * the same note twice is a mistake (a pasted line). */
static void add_annotation(struct parse_state *st, const char *date, const char *text)
{
	struct config *cfg = st->cfg;
	char shown[IMPORT_SHOWN];
	int32_t day;
	if (date_parse(date, strlen(date), &day) || day < date_from_ymd(1900, 1, 1)) {
		problem(st, "key '%s': not a date (YYYY-MM-DD, from 1900 on) in [annotations]",
			import_show_value(date, strlen(date), shown));
		return;
	}
	const char *why = annot_text_problem(text, strlen(text));
	if (why) {
		problem(st, "key '%s': the note %s", date, why);
		return;
	}
	for (size_t i = 0; i < cfg->nannotations; i++)
		if (cfg->annotations[i].day == day && strcmp(cfg->annotations[i].text, text) == 0) {
			problem(st, "key '%s': the note '%s' is set twice", date,
				import_show_value(text, strlen(text), shown));
			return;
		}
	struct annot_cfg *a = realloc(cfg->annotations, (cfg->nannotations + 1) * sizeof(*a));
	if (!a)
		abort();
	cfg->annotations = a;
	a[cfg->nannotations].day = day;
	a[cfg->nannotations].text = xstrdup(text);
	cfg->nannotations++;
}

/* One of "a|b|c" (the index is stored; an empty alternative allows ""). */
static void set_choice(struct parse_state *st, const struct key *k, const char *v,
		       const char *choices)
{
	int idx = 0;
	for (const char *p = choices;; idx++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (strlen(v) == n && strncmp(p, v, n) == 0) {
			*(int *)((char *)st->cfg + k->field) = idx;
			return;
		}
		if (!bar)
			break;
		p = bar + 1;
	}
	char list[128];
	size_t n = 0;
	for (const char *c = choices[0] == '|' ? choices + 1 : choices; *c && n + 3 < sizeof(list); c++) {
		if (*c == '|') {
			list[n++] = ',';
			list[n++] = ' ';
		} else {
			list[n++] = *c;
		}
	}
	list[n] = '\0';
	problem(st, "key '%s': '%s' is not one of %s", k->name, v, list);
}

static void add_stage(struct parse_state *st, const char *dept, const char *patterns)
{
	for (size_t i = 0; i < st->nstage; i++)
		if (strcmp(st->stage[i].dept, dept) == 0) {
			problem(st, "key '%s': set twice (first on line %d)", dept, st->stage[i].line);
			return;
		}
	if (st->nstage == CONFIG_MAX_DEPTS) {
		problem(st, "key '%s': more than %d departments in [stages]", dept, CONFIG_MAX_DEPTS);
		return;
	}
	const char *why;
	if (!*patterns) {
		problem(st, "key '%s': no activity patterns", dept);
		return;
	}
	if (ev_check_patterns(patterns, &why)) {
		problem(st, "key '%s': %s", dept, why);
		return;
	}
	st->stage[st->nstage].dept = xstrdup(dept);
	st->stage[st->nstage].patterns = xstrdup(patterns);
	st->stage[st->nstage].line = st->line;
	st->nstage++;
}

/* After parsing: [stages] keys must name configured departments. */
static void resolve_stages(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	for (size_t i = 0; i < st->nstage; i++) {
		int k = config_dept_index(cfg, st->stage[i].dept);
		if (k < 0) {
			st->line = st->stage[i].line;
			problem(st, "key '%s': not a department of [pipeline] (did you mean %s?)",
				st->stage[i].dept,
				config_nearest_dept(cfg, st->stage[i].dept, strlen(st->stage[i].dept)));
			continue;
		}
		free(cfg->stages[k]);
		cfg->stages[k] = st->stage[i].patterns;
		st->stage[i].patterns = NULL;
		cfg->has_stages = 1;
	}
}

/* After parsing: each [import] field's column (explicit, else the
 * profile's, else the field's own name). */
static void resolve_import(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	static const char *const fields[CONFIG_TICKET_FIELDS] = {
		"ticket_id", "creator", "employee", "department", "opened_on", "closed_on",
	};
	for (size_t i = 0; i < NKEYS; i++)
		if (st->seen[i] && strcmp(keys[i].section, "import") == 0)
			cfg->imap = 1;
	if (!cfg->imap)
		return;
	for (int c = 0; c < CONFIG_TICKET_FIELDS; c++) {
		if (!cfg->imap_col[c]) {
			const char *preset = import_map_preset(cfg->imap_profile, c);
			cfg->imap_col[c] = xstrdup(preset ? preset : fields[c]);
		}
	}
	if (!st->seen[key_index("import", "date_format")]) {
		const char *fmt = import_map_preset_date_format(cfg->imap_profile);
		if (fmt) {
			free(cfg->imap_date_format);
			cfg->imap_date_format = xstrdup(fmt);
		}
	}
	int line = st->seen[key_index("import", "ticket_id")];
	if (line && strcasecmp(cfg->imap_col[0], "row") == 0) {
		cfg->imap_row_ids = 1;
		if (!*cfg->imap_id_prefix) {
			st->line = line;
			problem(st, "key 'ticket_id': 'row' numbers the rows of each file: set id_prefix in [import] too, so the ids of two files differ");
		}
	}
}

static void set_weekend(struct parse_state *st, const char *v)
{
	const char *why = NULL;
	char bad[48];
	unsigned mask;
	if (calendar_parse_weekend(v, &mask, &why, bad, sizeof(bad))) {
		if (bad[0])
			problem(st, "key 'weekend': '%s' %s", bad, why);
		else
			problem(st, "key 'weekend': %s", why);
		return;
	}
	st->cfg->weekend = mask;
}

#define HOLIDAYS_FILE_MAX (1 << 20)

/* The file's contents (NUL-terminated; the caller frees), or NULL with
 * the problem reported. */
static char *read_holidays_file(struct parse_state *st, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		problem(st, "key 'holidays_file': cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	char *text = malloc(HOLIDAYS_FILE_MAX + 1);
	if (!text)
		abort();
	size_t n = fread(text, 1, HOLIDAYS_FILE_MAX + 1, f);
	int failed = ferror(f);
	fclose(f);
	if (failed || n > HOLIDAYS_FILE_MAX || memchr(text, '\0', n)) {
		problem(st, "key 'holidays_file': '%s': %s", path,
			failed ? "cannot read it" : n > HOLIDAYS_FILE_MAX ? "larger than 1 MiB"
									 : "holds a NUL byte");
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

/* `holidays` (which 0: a list in the value) or `holidays_file` (1: the
 * value names a file of dates, relative to the config's folder). */
static void set_holidays(struct parse_state *st, const char *v, int which)
{
	struct config *cfg = st->cfg;
	char *path = NULL, *text = NULL;
	if (which == 1) {
		free(cfg->holidays_file);
		cfg->holidays_file = xstrdup("");
		if (!*v)
			return;
		size_t n = strlen(cfg->dir) + strlen(v) + 2;
		path = malloc(n);
		if (!path)
			abort();
		if (v[0] == '/' || strcmp(cfg->dir, ".") == 0)
			snprintf(path, n, "%s", v);
		else
			snprintf(path, n, "%s/%s", cfg->dir, v);
		text = read_holidays_file(st, path);
		if (!text) {
			free(path);
			return;
		}
	}
	struct calendar_error err;
	int32_t *dates;
	size_t nd;
	if (calendar_parse_dates(which ? text : v, &dates, &nd, &err)) {
		if (which)
			problem(st, "key 'holidays_file': %s:%d: '%s' %s", path, err.line, err.text, err.why);
		else
			problem(st, "key 'holidays': value %d '%s' %s", err.item, err.text, err.why);
	} else {
		free(st->hol[which]);
		st->hol[which] = dates;
		st->nhol[which] = nd;
		if (which) {
			free(cfg->holidays_file);
			cfg->holidays_file = path;
			path = NULL;
		}
	}
	free(path);
	free(text);
}

/* cfg->holidays = the union of both lists; the calendar built from it. */
static void build_calendar(struct parse_state *st)
{
	struct config *cfg = st->cfg;
	size_t n = st->nhol[0] + st->nhol[1];
	int32_t *all = malloc((n ? n : 1) * sizeof(*all));
	if (!all)
		abort();
	size_t k = 0, i = 0, j = 0;
	while (i < st->nhol[0] || j < st->nhol[1]) {
		int32_t d;
		if (j == st->nhol[1] || (i < st->nhol[0] && st->hol[0][i] <= st->hol[1][j]))
			d = st->hol[0][i++];
		else
			d = st->hol[1][j++];
		if (k == 0 || all[k - 1] != d)
			all[k++] = d;
	}
	free(cfg->holidays);
	cfg->holidays = all;
	cfg->nholidays = k;
	calendar_free(cfg->calendar);
	cfg->calendar = calendar_new(cfg->weekend, all, k);
	if (!cfg->calendar)
		abort(); /* the parsers refused every input calendar_new refuses */
}

static void set_value(struct parse_state *st, const struct key *k, const char *v)
{
	char *base = (char *)st->cfg;
	long x;
	char *end;
	switch (k->type) {
	case K_STR: {
		char **dst = (char **)(base + k->field);
		if (strcmp(k->name, "listen") == 0 && !*v) {
			problem(st, "key 'listen': empty address");
			return;
		}
		free(*dst);
		*dst = xstrdup(v);
		return;
	}
	case K_INT:
		if (parse_long(v, &x) || x < k->min || x > k->max) {
			problem(st, "key '%s': '%s' is not a whole number in [%g, %g]",
				k->name, v, k->min, k->max);
			return;
		}
		*(int *)(base + k->field) = (int)x;
		return;
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1")) {
			*(int *)(base + k->field) = 1;
		} else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0")) {
			*(int *)(base + k->field) = 0;
		} else {
			problem(st, "key '%s': '%s' is not true or false", k->name, v);
		}
		return;
	case K_REAL: {
		errno = 0;
		double d = strtod(v, &end);
		if (errno || end == v || *end || !isfinite(d) || d < k->min || d > k->max) {
			problem(st, "key '%s': '%s' is not a number in [%g, %g]", k->name, v, k->min, k->max);
			return;
		}
		*(double *)(base + k->field) = d;
		return;
	}
	case K_DATE: {
		int32_t day;
		if (!*v) {
			*(int32_t *)(base + k->field) = DATE_NONE;
		} else if (date_parse(v, strlen(v), &day)) {
			problem(st, "key '%s': '%s' is not a date (YYYY-MM-DD)", k->name, v);
		} else {
			*(int32_t *)(base + k->field) = day;
		}
		return;
	}
	case K_LEVEL: {
		int lvl = log_level_parse(v);
		if (lvl < 0)
			problem(st, "key '%s': '%s' is not one of error, warning, notice, info, debug", k->name, v);
		else
			*(int *)(base + k->field) = lvl;
		return;
	}
	case K_DEPTS:
		set_departments(st, v);
		return;
	case K_SLA:
		set_sla(st, v, k);
		return;
	case K_NAME: {
		if (!*v) {
			problem(st, "key '%s': empty column name", k->name);
			return;
		}
		char **dst = (char **)(base + k->field);
		free(*dst);
		*dst = xstrdup(v);
		return;
	}
	case K_CLOSE:
		set_choice(st, k, v, "next|last");
		return;
	case K_PROFILE:
		set_choice(st, k, v, "|jira|zendesk");
		return;
	case K_TSFMT: {
		const char *why;
		if (*v && ts_check_format(v, &why)) {
			problem(st, "key '%s': '%s' %s", k->name, v, why);
			return;
		}
		char **dst = (char **)(base + k->field);
		free(*dst);
		*dst = xstrdup(v);
		return;
	}
	case K_TZ: {
		char err[512];
		struct tz *tz = tz_load(v, err, sizeof(err));
		if (!tz) {
			problem(st, "key '%s': %s", k->name, err);
			return;
		}
		char **dst = (char **)(base + k->field);
		struct tz **tdst = strcmp(k->section, "events") == 0 ? &st->cfg->ev_tz
								       : &st->cfg->imap_tz;
		free(*dst);
		*dst = xstrdup(v);
		tz_free(*tdst);
		*tdst = tz;
		return;
	}
	case K_PATTERNS: {
		const char *why;
		if (ev_check_patterns(v, &why)) {
			problem(st, "key '%s': %s", k->name, why);
			return;
		}
		char **dst = (char **)(base + k->field);
		free(*dst);
		*dst = xstrdup(v);
		return;
	}
	case K_WEEKEND:
		set_weekend(st, v);
		return;
	case K_HOLIDAYS:
		set_holidays(st, v, 0);
		return;
	case K_HOLIDAYS_FILE:
		set_holidays(st, v, 1);
		return;
	case K_PROXIES: {
		struct peer_net nets[PEER_MAX_NETS];
		char bad[80];
		const char *why;
		if (peer_parse_nets(v, nets, PEER_MAX_NETS, bad, sizeof(bad), &why) < 0) {
			problem(st, "key '%s': '%s' %s", k->name, bad, why);
			return;
		}
		char **dst = (char **)(base + k->field);
		free(*dst);
		*dst = xstrdup(v);
		return;
	}
	}
}

static void handler(void *user, const struct iniread_item *it)
{
	struct parse_state *st = user;
	const char *section = it->section, *name = it->key, *value = it->value;
	st->line = it->line;
	st->col = it->col;
	if (it->problem) {
		problem_at(st, it->col, "%s", it->problem);
		return;
	}
	if (strcmp(section, "aliases") == 0) {
		add_alias(st, name, value);
		return;
	}
	if (strcmp(section, "stages") == 0) {
		add_stage(st, name, value);
		return;
	}
	if (strcmp(section, "pipeline") == 0 && strcmp(name, "departments") != 0 &&
	    strcmp(name, "sla_days") != 0) {
		add_dept_line(st, name, value);
		return;
	}
	if (strcmp(section, "annotations") == 0) {
		add_annotation(st, name, value);
		return;
	}
	int known_section = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(keys[i].name, name) != 0)
			continue;
		if (st->seen[i]) {
			problem(st, "key '%s': set twice (first on line %d)", name, st->seen[i]);
			return;
		}
		if (st->dept_lines && (keys[i].type == K_DEPTS || keys[i].type == K_SLA)) {
			problem(st, "key '%s': [pipeline] already lists its departments one per line (from line %d); "
				"give them either as 'departments' and 'sla_days' or one per line (Name = SLA days), not both",
				name, st->first_dept_line);
			return;
		}
		st->seen[i] = st->line;
		set_value(st, &keys[i], value);
		return;
	}
	if (!known_section)
		problem(st, "key '%s': unknown section [%s]", name, section);
	else
		problem(st, "key '%s': unknown key in [%s]", name, section);
}

static char *dirname_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	char *d = xstrdup(path);
	d[slash - path] = '\0';
	return d;
}

int config_load(struct config *cfg, const char *path, int optional)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		log_err("%s: cannot open config: %s", path, strerror(errno));
		config_release(cfg);
		return -1;
	}
	free(cfg->path);
	free(cfg->dir);
	cfg->path = xstrdup(path);
	cfg->dir = dirname_of(path);

	struct parse_state st;
	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.f = f;
	int rc = iniread_stream(f, CONFIG_MAX_LINE, handler, &st);
	int read_errno = errno;
	fclose(f);
	if (rc < 0)
		problem(&st, "cannot read config: %s", strerror(read_errno));
	if (!st.errors && cfg->ndepts == 0) {
		problem(&st, "key 'departments': the pipeline needs at least one department");
	}
	if (!st.errors && st.sla_line) {
		if (st.nsla != cfg->ndepts) {
			st.line = st.sla_line;
			problem(&st, "key 'sla_days': %zu values for %zu departments", st.nsla, cfg->ndepts);
		} else {
			for (size_t i = 0; i < st.nsla; i++)
				cfg->depts[i].sla_days = st.sla[i];
		}
	} else if (!st.errors && st.seen[key_index("pipeline", "departments")]) {
		problem(&st, "key 'sla_days': missing; [pipeline] needs one per department");
	}
	if (!st.errors)
		resolve_stages(&st);
	if (!st.errors)
		resolve_import(&st);
	for (size_t i = 0; i < st.nstage; i++) {
		free(st.stage[i].dept);
		free(st.stage[i].patterns);
	}
	for (size_t i = 0; !st.errors && i < cfg->naliases; i++)
		for (size_t j = 0; j < cfg->naliases; j++)
			if (strcmp(cfg->aliases[i].name, cfg->aliases[j].alias) == 0) {
				log_err("%s: [aliases]: '%s' maps to '%s', which is itself an alias",
					path, cfg->aliases[i].alias, cfg->aliases[i].name);
				st.errors++;
			}
	if (!st.errors)
		build_calendar(&st);
	free(st.hol[0]);
	free(st.hol[1]);
	if (st.errors) {
		config_release(cfg);
		return -1;
	}
	/* resolve the database path against the config's folder */
	if (cfg->db[0] != '/' && strcmp(cfg->dir, ".") != 0) {
		size_t n = strlen(cfg->dir) + strlen(cfg->db) + 2;
		char *p = malloc(n);
		if (!p)
			abort();
		snprintf(p, n, "%s/%s", cfg->dir, cfg->db);
		free(cfg->db);
		cfg->db = p;
	}
	if (!*cfg->db) {
		log_err("%s: key 'db': empty path", path);
		config_release(cfg);
		return -1;
	}
	return 0;
}
