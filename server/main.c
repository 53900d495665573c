/*
 * main.c - the leadtimed command line: parse arguments, load the config,
 * open the store, run one command, tear down in reverse order.  The only
 * file that decides exit codes (cli.h: 0 ok, 1 bad data or failure,
 * 2 bad usage or config).
 */
#include "api.h"
#include "app.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "date.h"
#include "evimport.h"
#include "gen.h"
#include "gen_events.h"
#include "import.h"
#include "log.h"
#include "pit.h"
#include "snap.h"
#include "store.h"
#include "workbook.h"

#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef LEADTIME_VERSION
#define LEADTIME_VERSION "0.0.0"
#endif

static const char usage_main[] =
	"usage: leadtimed COMMAND [OPTIONS]\n"
	"\n"
	"Leadtime keeps a ticket store and computes lead-time analytics over it.\n"
	"\n"
	"commands:\n"
	"  serve      run the HTTP server (the default command)\n"
	"  generate   write a synthetic data set into a new store (or as CSV)\n"
	"  import     import tickets from CSV, or an event log with --events (all or nothing)\n"
	"  pit        print point-in-time rows for a date range\n"
	"  workbook   write the weekly Excel workbook (.xlsx) of an ISO week\n"
	"\n"
	"options for every command:\n"
	"  --config FILE   config.ini to read (default: ./config.ini if present)\n"
	"  --db FILE       the store, overriding [data] db\n"
	"  --help          this help; 'leadtimed COMMAND --help' for a command\n"
	"  --version       print the version\n";

static const char usage_serve[] =
	"usage: leadtimed [serve] [--config FILE] [--db FILE] [--port N] [--as-of DATE]\n"
	"\n"
	"Serve the dashboard and the JSON API where [server] says (default\n"
	"http://127.0.0.1:8080).  When the store is empty and [data] seed_demo is\n"
	"true, demo data ending at as_of is generated first.  SIGTERM or SIGINT stop\n"
	"it gracefully.\n";

static const char usage_generate[] =
	"usage: leadtimed generate [--creators N] [--seed S] [--days D] [--start DATE | --as-of DATE]\n"
	"                          [--db FILE | --csv FILE|- | --events [--csv FILE|- | --xes FILE|-]]\n"
	"                          [--config FILE]\n"
	"\n"
	"Write a realistic synthetic data set: creators arriving over D days (default\n"
	"1095) pass the configured pipeline.  The data ends at the configured as_of\n"
	"(today when [data] as_of is empty), or at --as-of DATE; --start DATE makes\n"
	"it start there and end at START + D - 1 instead.  Fix one for data that\n"
	"does not move with the calendar.\n"
	"Same seed and options give the same data, byte for byte.  The store must be\n"
	"empty; --csv writes the import CSV instead of a store.\n"
	"\n"
	"  --events       write the same data set as an event log (a status history\n"
	"                 whose stays are these tickets) to --csv FILE|- (default -)\n"
	"                 or --xes FILE|-\n"
	"\n"
	"  --creators N   creators (default 700)\n"
	"  --seed S       random seed (default 1)\n"
	"  --days D       days of arrivals (default 1095)\n";

static const char usage_import[] =
	"usage: leadtimed import [--db FILE] [--config FILE] FILE.csv|-\n"
	"       leadtimed import --events [--format csv|json|xes] [--db FILE] [--config FILE] FILE|-\n"
	"\n"
	"Import tickets from CSV with the header\n"
	"  ticket_id,creator,employee,department,opened_on,closed_on\n"
	"(columns in any order; with an [import] section, the export columns it maps).\n"
	"Every row is checked; when any row is bad nothing is written and each problem\n"
	"is printed as 'line N: column C: ...' (exit code 1).  A known ticket_id updates\n"
	"that ticket; importing a file twice changes nothing.\n"
	"\n"
	"--events reads an event log instead (CSV with the [events] columns, a JSON\n"
	"array, or XES; gzip-compressed or not; the format is recognised unless\n"
	"--format says it) and derives one ticket per stay of a case in a department\n"
	"([stages], [events]).  Re-importing a case replaces its tickets.\n";

static const char usage_pit[] =
	"usage: leadtimed pit --from DATE --to DATE [--department NAME] [--employee NAME]\n"
	"                     [--creator NAME] [--format csv|json] [--safe] [--as-of DATE]\n"
	"                     [--db FILE] [--config FILE]\n"
	"\n"
	"Print the point-in-time rows (one per ticket per day it was open) with\n"
	"from <= report_date <= to, ordered by report_date then ticket_id.  A --to\n"
	"past as_of is clamped to as_of.  Only departments of the configured\n"
	"[pipeline] have rows (as on every route of the daemon).  --safe (CSV,\n"
	"for spreadsheets): a name or id beginning with = + - @, a tab or a CR is\n"
	"written as '... so that it is shown, never evaluated as a formula.\n";

static const char usage_workbook[] =
	"usage: leadtimed workbook [--week WEEK] -o FILE|- [--as-of DATE] [--db FILE] [--config FILE]\n"
	"\n"
	"Write the weekly workbook of an ISO week: a Summary sheet (one row per\n"
	"employee with work in the week), an Averages sheet (per department and for\n"
	"the company) and one sheet per employee with their weekly history, each\n"
	"metric coloured red-white-green at mean - SD / mean / mean + SD.  The same\n"
	"file as GET /api/v1/workbook.xlsx?week=WEEK.\n"
	"\n"
	"  --week WEEK     an ISO week (2025-W14) or any date in it (2025-04-02);\n"
	"                  default: the last complete week on or before as_of\n"
	"  -o, --output F  the .xlsx to write (replaced whole, never half-written);\n"
	"                  - writes to standard output\n";

/* Options every command takes. */
struct common {
	const char *config;
	const char *db;
	int32_t as_of;
	int help, version;
};

#define COMMON_OPTS(c)                                                   \
	{ "config", CLI_STR, &(c).config, 0, 0, 0 },                     \
	{ "db", CLI_STR, &(c).db, 0, 0, 0 },                             \
	{ "as-of", CLI_DATE, &(c).as_of, 0, 0, 0 }

/* Load the config and apply the command-line overrides.  0 or CLI_USAGE. */
static int load_config(struct config *cfg, const struct common *c)
{
	config_defaults(cfg);
	if (config_load(cfg, c->config ? c->config : "config.ini", c->config == NULL))
		return CLI_USAGE;
	if (c->db) {
		free(cfg->db);
		cfg->db = strdup(c->db);
		if (!cfg->db)
			abort();
	}
	if (c->as_of != DATE_NONE)
		cfg->as_of = c->as_of;
	log_set_level((enum log_level)cfg->log_level);
	return 0;
}

/* Open the store for writing and make its pipeline match the config. */
static struct store *open_rw(const struct config *cfg)
{
	struct store *st = store_open(cfg->db, STORE_CREATE_DIR);
	if (st && store_sync_pipeline(st, cfg)) {
		store_close(st);
		st = NULL;
	}
	return st;
}

static int finish_help(const char *text, const struct common *c)
{
	if (c->version) {
		printf("leadtimed %s\n", LEADTIME_VERSION);
		return CLI_OK;
	}
	fputs(text, stdout);
	return CLI_OK;
}

/* ---- generate ---- */

static int cmd_generate(int argc, char **argv)
{
	struct common c = { .as_of = DATE_NONE };
	struct gen_opts o;
	gen_opts_defaults(&o);
	long creators = o.creators, seed = (long)o.seed, days = o.days;
	int32_t start = DATE_NONE;
	const char *csv = NULL, *xes = NULL;
	int events = 0;
	struct cli_opt opts[] = {
		COMMON_OPTS(c),
		{ "creators", CLI_LONG, &creators, 1, 10000000, 0 },
		{ "seed", CLI_LONG, &seed, 0, 2147483647L, 0 },
		{ "days", CLI_LONG, &days, 1, 36500, 0 },
		{ "start", CLI_DATE, &start, 0, 0, 0 },
		{ "csv", CLI_STR, &csv, 0, 0, 0 },
		{ "events", CLI_FLAG, &events, 0, 0, 0 },
		{ "xes", CLI_STR, &xes, 0, 0, 0 },
		{ NULL, 0, NULL, 0, 0, 0 },
	};
	const char *pos[1];
	int npos, rc;
	if ((rc = cli_parse("generate", argc, argv, 2, opts, pos, 0, &npos, &c.help, &c.version)))
		return rc;
	if (c.help || c.version)
		return finish_help(usage_generate, &c);
	if (start != DATE_NONE && c.as_of != DATE_NONE) {
		fprintf(stderr, "leadtimed generate: --start and --as-of exclude each other\n");
		return CLI_USAGE;
	}
	if (csv && c.db) {
		fprintf(stderr, "leadtimed generate: --csv and --db exclude each other\n");
		return CLI_USAGE;
	}
	if (xes && !events) {
		fprintf(stderr, "leadtimed generate: --xes writes an event log: give --events too\n");
		return CLI_USAGE;
	}
	if (events && (c.db || (xes && csv))) {
		fprintf(stderr, "leadtimed generate: --events writes one log: to --csv FILE|- or --xes FILE|-, not %s\n",
			c.db ? "--db" : "both");
		return CLI_USAGE;
	}
	o.creators = creators;
	o.seed = (uint64_t)seed;
	o.days = (int)days;
	int32_t end = c.as_of;
	c.as_of = DATE_NONE; /* the data's as_of comes from the options, not --as-of's override */

	struct config cfg;
	if ((rc = load_config(&cfg, &c)))
		return rc;
	/* --start fixes the first day, --as-of the last; without either the
	 * data ends at the configured as_of (today when it is empty), so the
	 * demo is never stale */
	if (start != DATE_NONE)
		o.start = start;
	else
		o.start = (end != DATE_NONE ? end : config_as_of(&cfg)) - o.days + 1;
	struct gen_stats stats;
	int ret = CLI_FAIL;
	long nevents = 0;
	if (events) {
		const char *path = xes ? xes : csv ? csv : "-";
		const char *warn = gen_events_check(&cfg);
		if (warn)
			log_warn("generate --events: %s", warn);
		FILE *out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
		if (!out) {
			log_err("%s: cannot create: %m", path);
		} else {
			ret = gen_events(out, xes ? GEN_EV_XES : GEN_EV_CSV, &cfg, &o, &stats, &nevents)
				      ? CLI_FAIL : CLI_OK;
			if (out != stdout && fclose(out)) {
				log_err("%s: write error: %m", path);
				ret = CLI_FAIL;
			}
		}
		csv = path;
	} else if (csv) {
		FILE *out = strcmp(csv, "-") == 0 ? stdout : fopen(csv, "w");
		if (!out) {
			log_err("%s: cannot create: %m", csv);
		} else {
			ret = gen_to_csv(out, &cfg, &o, &stats) ? CLI_FAIL : CLI_OK;
			if (out != stdout && fclose(out)) {
				log_err("%s: write error: %m", csv);
				ret = CLI_FAIL;
			}
		}
	} else {
		struct store *st = open_rw(&cfg);
		int64_t n = st ? store_ticket_count(st) : -1;
		if (n > 0)
			log_err("%s: the store already holds %lld tickets; generate into a new --db file",
				cfg.db, (long long)n);
		else if (n == 0)
			ret = gen_to_store(st, &cfg, &o, &stats) ? CLI_FAIL : CLI_OK;
		store_close(st);
	}
	if (ret == CLI_OK) {
		char d[DATE_LEN + 1];
		if (events)
			fprintf(stderr, "generated %ld creators, %ld tickets (%ld open) as %ld events into %s; as_of %s\n",
				stats.creators, stats.tickets, stats.open, nevents, csv, date_str(stats.as_of, d));
		else
			fprintf(stderr, "generated %ld creators, %ld tickets (%ld open) into %s; as_of %s\n",
				stats.creators, stats.tickets, stats.open, csv ? csv : cfg.db,
				date_str(stats.as_of, d));
	}
	config_release(&cfg);
	return ret;
}

/* ---- import ---- */

static int import_events(const char *path, FILE *in, const struct config *cfg,
			 enum ev_format fmt);

static int cmd_import(int argc, char **argv)
{
	struct common c = { .as_of = DATE_NONE };
	int events = 0;
	const char *format = NULL;
	struct cli_opt opts[] = {
		COMMON_OPTS(c),
		{ "events", CLI_FLAG, &events, 0, 0, 0 },
		{ "format", CLI_STR, &format, 0, 0, 0 },
		{ NULL, 0, NULL, 0, 0, 0 },
	};
	const char *pos[1];
	int npos, rc;
	if ((rc = cli_parse("import", argc, argv, 2, opts, pos, 1, &npos, &c.help, &c.version)))
		return rc;
	if (c.help || c.version)
		return finish_help(usage_import, &c);
	enum ev_format fmt = EVF_AUTO;
	if (format && !events) {
		fprintf(stderr, "leadtimed import: --format is for --events (see 'leadtimed import --help')\n");
		return CLI_USAGE;
	}
	if (format) {
		if (strcmp(format, "csv") == 0)
			fmt = EVF_CSV;
		else if (strcmp(format, "json") == 0)
			fmt = EVF_JSON;
		else if (strcmp(format, "xes") == 0)
			fmt = EVF_XES;
		else {
			fprintf(stderr, "leadtimed import: --format: '%s' is not csv, json or xes\n", format);
			return CLI_USAGE;
		}
	}
	if (npos != 1) {
		fprintf(stderr, "leadtimed import: which file? give FILE.csv or - for standard input\n");
		return CLI_USAGE;
	}
	const char *path = pos[0];
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!in) {
		log_err("%s: cannot open: %m", path);
		return CLI_FAIL;
	}
	struct config cfg;
	if ((rc = load_config(&cfg, &c))) {
		if (in != stdin)
			fclose(in);
		return rc;
	}
	if (events) {
		int ret = import_events(path, in, &cfg, fmt);
		config_release(&cfg);
		if (in != stdin)
			fclose(in);
		return ret;
	}
	int ret = CLI_FAIL;
	struct store *st = open_rw(&cfg);
	if (st) {
		struct import_result res;
		rc = import_csv(st, &cfg, in, &res);
		const char *name = in == stdin ? "(stdin)" : path;
		if (rc == 0) {
			printf("%s: imported %ld rows: %ld new, %ld updated, %ld unchanged\n", name,
			       res.rows, res.inserted, res.updated, res.unchanged);
			ret = CLI_OK;
		} else if (rc == 1) {
			/* prefix each problem with the file name */
			const char *p = res.errors.data;
			while (p && *p) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				fprintf(stderr, "%s: %.*s\n", name, (int)n, p);
				p += n + (nl != NULL);
			}
			fprintf(stderr, "%s: %ld problem%s in %ld rows; nothing was imported\n", name,
				res.nerrors, res.nerrors == 1 ? "" : "s", res.rows);
		} else {
			fprintf(stderr, "%s: import failed; nothing was imported\n", name);
		}
		import_result_release(&res);
	}
	store_close(st);
	config_release(&cfg);
	if (in != stdin)
		fclose(in);
	return ret;
}

/* Print an importer's problems, each prefixed with the input's name. */
static void print_problems(const char *name, const struct buf *errors)
{
	const char *p = errors->data;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(stderr, "%s: %.*s\n", name, (int)n, p);
		p += n + (nl != NULL);
	}
}

static int import_events(const char *path, FILE *in, const struct config *cfg,
			 enum ev_format fmt)
{
	struct store *st = open_rw(cfg);
	if (!st)
		return CLI_FAIL;
	const char *name = in == stdin ? "(stdin)" : path;
	struct ev_result res;
	int rc = ev_import(st, cfg, in, fmt, 0, &res), ret = CLI_FAIL;
	const struct import_result *t = &res.tickets;
	if (rc == 0) {
		printf("%s: %ld events (%s%s) in %ld cases: %ld new, %ld changed, %ld unchanged\n", name,
		       res.events, ev_format_name(res.format), res.compressed ? ", gzip" : "", res.cases,
		       res.cases_new, res.cases_changed, res.cases_unchanged);
		printf("%s: %ld tickets written: %ld new, %ld updated, %ld unchanged; %ld removed\n", name,
		       t->rows, t->inserted, t->updated, t->unchanged, res.removed);
		if (res.rederived)
			printf("%s: %ld stored cases derived again under the changed [stages]/[events] rules\n",
			       name, res.rederived);
		if (res.skipped)
			printf("%s: %ld event%s skipped (their activity maps to no department): %s\n", name,
			       res.skipped, res.skipped == 1 ? "" : "s",
			       res.skipped_list.data ? res.skipped_list.data : "");
		ret = CLI_OK;
	} else if (rc == 1) {
		print_problems(name, &t->errors);
		fprintf(stderr, "%s: %ld problem%s in %ld events; nothing was imported\n", name, t->nerrors,
			t->nerrors == 1 ? "" : "s", res.events);
	} else {
		fprintf(stderr, "%s: import failed; nothing was imported\n", name);
	}
	ev_result_release(&res);
	store_close(st);
	return ret;
}

/* ---- pit ---- */

/* Check a name filter against the store; 0 when it exists. */
static int check_name(struct store *st, const char *what, const char *name,
		      const struct store_dims *dims)
{
	if (strcmp(what, "employee") == 0) {
		for (size_t i = 0; i < dims->nemps; i++) {
			const struct store_dept *d = store_dims_dept(dims, dims->emps[i].dept_id);
			if (d && d->position > 0 && strcmp(dims->emps[i].name, name) == 0)
				return 0;
		}
	} else {
		struct store_filter f = { .creator = name };
		struct store_iter *it = store_iter_opened(st, &f, DATE_MIN, DATE_MAX);
		struct store_ticket t;
		int rc = it ? store_iter_next(it, &t) : -1;
		store_iter_free(it);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	fprintf(stderr, "leadtimed pit: --%s: no %s named '%s' in the store\n", what, what, name);
	return CLI_USAGE;
}

static int write_all(struct buf *b)
{
	if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
		log_err("write error on standard output: %m");
		return -1;
	}
	buf_reset(b);
	return 0;
}

static int cmd_pit(int argc, char **argv)
{
	struct common c = { .as_of = DATE_NONE };
	int32_t from = DATE_NONE, to = DATE_NONE;
	const char *dept = NULL, *emp = NULL, *creator = NULL, *format = "csv";
	int safe = 0;
	struct cli_opt opts[] = {
		COMMON_OPTS(c),
		{ "from", CLI_DATE, &from, 0, 0, 0 },
		{ "to", CLI_DATE, &to, 0, 0, 0 },
		{ "department", CLI_STR, &dept, 0, 0, 0 },
		{ "employee", CLI_STR, &emp, 0, 0, 0 },
		{ "creator", CLI_STR, &creator, 0, 0, 0 },
		{ "format", CLI_STR, &format, 0, 0, 0 },
		{ "safe", CLI_FLAG, &safe, 0, 0, 0 },
		{ NULL, 0, NULL, 0, 0, 0 },
	};
	const char *pos[1];
	int npos, rc;
	if ((rc = cli_parse("pit", argc, argv, 2, opts, pos, 0, &npos, &c.help, &c.version)))
		return rc;
	if (c.help || c.version)
		return finish_help(usage_pit, &c);
	if (from == DATE_NONE || to == DATE_NONE) {
		fprintf(stderr, "leadtimed pit: --%s is required (see 'leadtimed pit --help')\n",
			from == DATE_NONE ? "from" : "to");
		return CLI_USAGE;
	}
	if (from > to) {
		char a[DATE_LEN + 1], b[DATE_LEN + 1];
		fprintf(stderr, "leadtimed pit: --from %s is after --to %s\n", date_str(from, a),
			date_str(to, b));
		return CLI_USAGE;
	}
	int json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "csv") != 0) {
		fprintf(stderr, "leadtimed pit: --format: '%s' is not csv or json\n", format);
		return CLI_USAGE;
	}
	if (json && safe) {
		fprintf(stderr, "leadtimed pit: --safe is for --format csv\n");
		return CLI_USAGE;
	}
	struct config cfg;
	if ((rc = load_config(&cfg, &c)))
		return rc;

	int ret = CLI_FAIL;
	struct store_dims dims = { 0 };
	struct pit *p = NULL;
	struct buf out = BUF_INIT;
	struct store *st = store_open(cfg.db, STORE_READONLY);
	if (!st || store_load_dims(st, &dims))
		goto out;
	/* the pipeline of this configuration, as the daemon's routes report it */
	store_dims_set_pipeline(&dims, &cfg);
	struct pit_query q = { .from = from, .to = to, .as_of = config_as_of(&cfg) };
	if (dept) {
		for (size_t i = 0; i < dims.ndepts; i++)
			if (dims.depts[i].position > 0 && strcmp(dims.depts[i].name, dept) == 0)
				q.filter.dept_id = dims.depts[i].id;
		if (!q.filter.dept_id) {
			fprintf(stderr, "leadtimed pit: --department: no department '%s' in the pipeline\n", dept);
			ret = CLI_USAGE;
			goto out;
		}
	}
	if (emp && (rc = check_name(st, "employee", emp, &dims))) {
		ret = rc > 0 ? rc : CLI_FAIL;
		goto out;
	}
	if (creator && (rc = check_name(st, "creator", creator, &dims))) {
		ret = rc > 0 ? rc : CLI_FAIL;
		goto out;
	}
	q.filter.employee = emp;
	q.filter.creator = creator;
	p = pit_open(st, &dims, &q);
	if (!p)
		goto out;
	if (json)
		buf_addch(&out, '[');
	else
		pit_csv_header(&out);
	struct pit_row row;
	long n = 0;
	while ((rc = pit_next(p, &row)) > 0) {
		if (json) {
			buf_addstr(&out, n ? ",\n" : "\n");
			pit_row_json(&out, &row, 0);
		} else {
			pit_row_csv(&out, &row, safe);
		}
		n++;
		if (out.len >= 65536 && write_all(&out))
			goto out;
	}
	if (rc < 0)
		goto out;
	if (json)
		buf_addstr(&out, n ? "\n]\n" : "]\n");
	if (write_all(&out) || fflush(stdout))
		goto out;
	ret = CLI_OK;
out:
	buf_release(&out);
	pit_free(p);
	store_dims_release(&dims);
	store_close(st);
	config_release(&cfg);
	return ret;
}

/* ---- workbook ---- */

/* Write data to path whole: a temp file beside it, renamed over it. */
static int write_whole(const char *path, const char *data, size_t len)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout)) {
			log_err("write error on standard output: %m");
			return -1;
		}
		return 0;
	}
	struct buf tmp = BUF_INIT;
	buf_addf(&tmp, "%s.XXXXXX", path);
	int fd = mkstemp(tmp.data);
	if (fd < 0) {
		log_err("%s: cannot create: %m", tmp.data);
		buf_release(&tmp);
		return -1;
	}
	FILE *f = fdopen(fd, "wb");
	int ok = f && fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fd) == 0;
	/* mkstemp makes it 0600: give the file the mode a new file gets */
	mode_t mask = umask(0);
	umask(mask);
	ok = ok && fchmod(fd, 0666 & ~mask) == 0;
	if (f ? fclose(f) != 0 : close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp.data, path) != 0) {
		log_err("%s: cannot write: %m", path);
		ok = -1;
	} else if (!ok) {
		log_err("%s: write error: %m", tmp.data);
	}
	if (ok != 1)
		unlink(tmp.data);
	buf_release(&tmp);
	return ok == 1 ? 0 : -1;
}

static int cmd_workbook(int argc, char **argv)
{
	struct common c = { .as_of = DATE_NONE };
	const char *week = NULL, *output = NULL, *o = NULL;
	struct cli_opt opts[] = {
		COMMON_OPTS(c),
		{ "week", CLI_STR, &week, 0, 0, 0 },
		{ "output", CLI_STR, &output, 0, 0, 0 },
		{ "o", CLI_STR, &o, 0, 0, 0 },
		{ NULL, 0, NULL, 0, 0, 0 },
	};
	const char *pos[1];
	int npos, rc;
	if ((rc = cli_parse("workbook", argc, argv, 2, opts, pos, 0, &npos, &c.help, &c.version)))
		return rc;
	if (c.help || c.version)
		return finish_help(usage_workbook, &c);
	if (o && output) {
		fprintf(stderr, "leadtimed workbook: -o and --output given together\n");
		return CLI_USAGE;
	}
	if (o)
		output = o;
	if (!output || !*output) {
		fprintf(stderr, "leadtimed workbook: -o FILE is required (- for standard output; see 'leadtimed workbook --help')\n");
		return CLI_USAGE;
	}
	struct config cfg;
	if ((rc = load_config(&cfg, &c)))
		return rc;
	int32_t as_of = config_as_of(&cfg), monday;
	char why[256];
	if (workbook_week(week, as_of, &monday, why, sizeof(why))) {
		fprintf(stderr, "leadtimed workbook: --week: %s\n", why);
		config_release(&cfg);
		return CLI_USAGE;
	}
	int ret = CLI_FAIL;
	char *data = NULL;
	size_t len = 0;
	struct store *st = store_open(cfg.db, STORE_READONLY);
	struct snap *s = st ? snap_load(st, &cfg, as_of) : NULL;
	if (s && workbook_build(s, monday, as_of, &data, &len) == 0 &&
	    write_whole(output, data, len) == 0) {
		char w[DATE_WEEK_LEN + 1];
		if (strcmp(output, "-") != 0)
			fprintf(stderr, "wrote the workbook of %s (%zu bytes) to %s\n",
				date_week_str(monday, w), len, output);
		ret = CLI_OK;
	}
	free(data);
	snap_put(s);
	store_close(st);
	config_release(&cfg);
	return ret;
}

/* ---- serve ---- */

/* Open the store for writing, check it, sync the pipeline, seed demo data
 * when empty. */
static int prepare_store(const struct config *cfg)
{
	struct store *st = store_open(cfg->db, STORE_CREATE_DIR);
	if (!st)
		return -1;
	/* a damaged store is not served: every page read later could fail or
	 * mislead, and /healthz would not know (docs/OPERATIONS.md) */
	int damaged = store_quick_check(st);
	if (damaged) {
		if (damaged > 0)
			log_err("%s: the store is damaged (PRAGMA quick_check failed, above): not serving it; "
				"restore a backup (docs/OPERATIONS.md, \"Backup and restore\")",
				cfg->db);
		store_close(st);
		return -1;
	}
	if (store_sync_pipeline(st, cfg)) {
		store_close(st);
		return -1;
	}
	/* tickets derived from events follow the configured rules (a daemon
	 * started with a changed [stages] derives them again) */
	struct ev_result evres;
	int ret = ev_sync(st, cfg, &evres);
	if (ret == 1)
		print_problems(cfg->db, &evres.tickets.errors);
	else if (ret == 0 && evres.rederived)
		log_info("%s: %ld event cases derived again under the configured rules", cfg->db,
			 evres.rederived);
	ev_result_release(&evres);
	if (ret) {
		store_close(st);
		return -1;
	}
	int64_t n = store_has_tickets(st);
	if (n < 0) {
		ret = -1;
	} else if (n == 0 && cfg->seed_demo) {
		struct gen_opts o;
		struct gen_stats stats;
		gen_opts_defaults(&o);
		o.creators = cfg->demo_creators;
		o.days = cfg->demo_days;
		o.seed = (uint64_t)cfg->demo_seed;
		o.start = config_as_of(cfg) - o.days + 1;
		log_info("%s: the store is empty: generating demo data (seed_demo = true)", cfg->db);
		ret = gen_to_store(st, cfg, &o, &stats);
		if (ret == 0)
			log_info("%s: demo data: %ld creators, %ld tickets", cfg->db, stats.creators,
				 stats.tickets);
	}
	store_close(st);
	return ret;
}

static int cmd_serve(int argc, char **argv, int first)
{
	struct common c = { .as_of = DATE_NONE };
	long port = -1;
	struct cli_opt opts[] = {
		COMMON_OPTS(c),
		{ "port", CLI_LONG, &port, 0, 65535, 0 },
		{ NULL, 0, NULL, 0, 0, 0 },
	};
	const char *pos[1];
	int npos, rc;
	if ((rc = cli_parse("serve", argc, argv, first, opts, pos, 0, &npos, &c.help, &c.version)))
		return rc;
	if (c.help || c.version)
		return finish_help(usage_serve, &c);
	struct config cfg;
	if ((rc = load_config(&cfg, &c)))
		return rc;
	if (port >= 0)
		cfg.port = (int)port;
	/* the daemon's log goes to journald, docker or a file: level prefixes
	 * (sd-daemon(3)); a person at a terminal reads plain lines */
	log_set_prefix(!isatty(STDERR_FILENO));

	/* signals are taken synchronously by this thread; workers never see them */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	json_object_seed(0);

	if (prepare_store(&cfg)) {
		config_release(&cfg);
		return CLI_FAIL;
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cfg.threads > 0 ? (unsigned)cfg.threads : cores > 0 ? (unsigned)cores : 2;
	struct app app;
	struct http_server *srv = NULL;
	int ret = CLI_FAIL;
	unsigned bound = 0;
	if (app_init(&app, &cfg, threads + 1) == 0)
		srv = http_start(&app, api_routes, threads, &bound);
	if (srv)
		log_batch_start(); /* request lines in batches (log.h) */
	if (srv) {
		char d[DATE_LEN + 1];
		struct view *v = app_view(&app);
		log_info("leadtimed %s serving %s on http://%s:%u/ (%u threads, as_of %s%s)",
			 LEADTIME_VERSION, v->cfg->db, v->cfg->listen, bound, threads,
			 date_str(v->as_of, d), v->cfg->as_of == DATE_NONE ? ", today" : "");
		app_view_put(v);
		sd_notify(0, "READY=1");
		for (;;) {
			int sig = 0;
			if (sigwait(&sigs, &sig))
				break;
			if (sig == SIGHUP) {
				/* systemd 252 reads RELOADING=1 alone; 253+ with
				 * Type=notify-reload also wants the time the reload
				 * began (sd_notify(3)), which costs nothing here */
				struct timespec now;
				clock_gettime(CLOCK_MONOTONIC, &now);
				sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64,
					   (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000);
				log_info("SIGHUP: reloading %s", c.config ? c.config : "config.ini");
				struct config fresh;
				if (load_config(&fresh, &c) == 0) {
					if (port >= 0)
						fresh.port = (int)port;
					if (app_reload(&app, &fresh) == 0)
						log_info("reload: configuration in force");
				} else {
					log_err("reload: the new configuration is bad; keeping the running one");
				}
				sd_notify(0, "READY=1");
				continue;
			}
			log_info("%s: stopping (finishing requests in flight)", sig == SIGINT ? "SIGINT" : "SIGTERM");
			sd_notify(0, "STOPPING=1");
			break;
		}
		struct view *last = app_view(&app);
		unsigned grace = (unsigned)last->cfg->stop_timeout * 1000;
		app_view_put(last);
		http_stop(srv, grace);
		log_batch_stop();
		ret = CLI_OK;
		log_info("stopped");
	}
	app_release(&app);
	config_release(&cfg);
	return ret;
}

int main(int argc, char **argv)
{
	log_set_prefix(!isatty(STDERR_FILENO) && getenv("JOURNAL_STREAM") != NULL);
	const char *cmd = argc > 1 ? argv[1] : NULL;
	if (!cmd || (cmd[0] == '-' && cmd[1] == '-' && strcmp(cmd, "--help") != 0 &&
		     strcmp(cmd, "--version") != 0))
		return cmd_serve(argc, argv, 1);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage_main, stdout);
		return CLI_OK;
	}
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc, argv, 2);
	if (strcmp(cmd, "--version") == 0) {
		printf("leadtimed %s\n", LEADTIME_VERSION);
		return CLI_OK;
	}
	if (strcmp(cmd, "generate") == 0)
		return cmd_generate(argc, argv);
	if (strcmp(cmd, "import") == 0)
		return cmd_import(argc, argv);
	if (strcmp(cmd, "pit") == 0)
		return cmd_pit(argc, argv);
	if (strcmp(cmd, "workbook") == 0)
		return cmd_workbook(argc, argv);
	fprintf(stderr, "leadtimed: unknown command '%s' (see 'leadtimed --help')\n", cmd);
	return CLI_USAGE;
}
