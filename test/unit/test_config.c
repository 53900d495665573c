/*
 * test_config.c - config.ini loading (config.h): every key of a good file
 * lands in its field, and every kind of bad file is refused with
 * `FILE:LINE: key 'x': ...` on stderr.  Files are written to a temporary
 * folder; stderr is captured by pointing fd 2 at a temporary file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "date.h"

struct fixture {
	char dir[256];
	char path[300];
	char err[8192];   /* what config_load wrote to stderr */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof(fx->dir), "%s/lt-config-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/test.ini", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void write_file(struct fixture *fx, const char *text)
{
	FILE *f = fopen(fx->path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* config_defaults + config_load(path) with stderr captured in fx->err. */
static int load(struct fixture *fx, struct config *cfg, const char *path, int optional)
{
	fflush(stderr);
	FILE *cap = tmpfile();
	assert_non_null(cap);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(cap), STDERR_FILENO) >= 0);
	config_defaults(cfg);
	int rc = config_load(cfg, path, optional);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(cap);
	size_t n = fread(fx->err, 1, sizeof(fx->err) - 1, cap);
	fx->err[n] = '\0';
	fclose(cap);
	return rc;
}

static int load_text(struct fixture *fx, struct config *cfg, const char *text)
{
	write_file(fx, text);
	return load(fx, cfg, fx->path, 0);
}

/* The file must be refused with `PATH:LINE: rest` among the messages. */
static void expect_refused(struct fixture *fx, const char *text, int line, const char *rest)
{
	struct config cfg;
	int rc = load_text(fx, &cfg, text);
	if (rc != -1)
		fail_msg("config_load accepted:\n%s", text);
	char want[1024];
	snprintf(want, sizeof(want), "%s:%d: %s", fx->path, line, rest);
	if (!strstr(fx->err, want))
		fail_msg("stderr lacks \"%s\"; it was:\n%s", want, fx->err);
	/* a refused config is released: releasing again is harmless */
	config_release(&cfg);
}

/* ---- defaults and good files ---- */

static void test_defaults(void **state)
{
	(void)state;
	struct config cfg;
	config_defaults(&cfg);
	assert_string_equal(cfg.listen, "127.0.0.1");
	assert_int_equal(cfg.port, 8080);
	assert_int_equal(cfg.threads, 0);
	assert_string_equal(cfg.db, "var/leadtime.db");
	assert_int_equal(cfg.as_of, DATE_NONE);
	assert_int_equal(cfg.seed_demo, 1);
	static const char *const names[] = { "Sales", "Contract", "Design", "Manufacturing", "Campaign" };
	static const int sla[] = { 14, 3, 30, 25, 25 };
	assert_int_equal(cfg.ndepts, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(cfg.depts[i].name, names[i]);
		assert_int_equal(cfg.depts[i].sla_days, sla[i]);
		assert_int_equal(config_dept_index(&cfg, names[i]), (int)i);
	}
	assert_int_equal(config_dept_index(&cfg, "sales"), -1);
	assert_int_equal(config_dept_index(&cfg, "Legal"), -1);
	assert_true(cfg.p50_ratio == 1.5);
	assert_true(cfg.min_sla_hit_rate == 0.6);
	assert_true(cfg.max_avg_open == 25);
	assert_int_equal(cfg.lb_size, 5);
	assert_int_equal(cfg.lb_min_closed, 3);
	assert_int_equal(cfg.naliases, 0);
	assert_string_equal(cfg.write_token, "");
	assert_int_equal(cfg.weekend, CALENDAR_SAT_SUN);
	assert_int_equal(cfg.nholidays, 0);
	assert_non_null(cfg.calendar);
	assert_int_equal(calendar_weekend(cfg.calendar), CALENDAR_SAT_SUN);
	config_release(&cfg);
}

static const char good_ini[] =
	"; every key, none at its default\n"
	"[server]\n"
	"listen = 0.0.0.0\n"
	"port = 9090   ; inline comment\n"
	"threads = 4\n"
	"max_connections = 100\n"
	"per_ip_connections = 10\n"
	"connection_timeout = 60\n"
	"max_body_mb = 8\n"
	"stop_timeout = 25\n"
	"\n"
	"[data]\n"
	"db = state/x.db\n"
	"as_of = 2024-02-29\n"
	"seed_demo = false\n"
	"demo_creators = 50\n"
	"demo_days = 60\n"
	"demo_seed = 9\n"
	"\n"
	"[pipeline]\n"
	"departments = Intake,  Review ,Ship\n"
	"sla_days = 1, 20 ,300\n"
	"\n"
	"[thresholds]\n"
	"p50_ratio = 2.5\n"
	"min_sla_hit_rate = 0.75\n"
	"max_avg_open = 12.5\n"
	"\n"
	"[leaderboard]\n"
	"size = 7\n"
	"min_closed = 4\n"
	"\n"
	"[aliases]\n"
	"Jonn Smith = Jon Smith\n"
	"Ana Lyma = Ana Lima ; the usual typo\n"
	"\n"
	"[auth]\n"
	"write_token = s3cret-token\n"
	"\n"
	"[log]\n"
	"level = debug\n";

static void test_good_file(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	int rc = load_text(fx, &cfg, good_ini);
	if (rc != 0)
		fail_msg("refused: %s", fx->err);
	assert_string_equal(fx->err, "");
	assert_string_equal(cfg.path, fx->path);
	assert_string_equal(cfg.dir, fx->dir);
	assert_string_equal(cfg.listen, "0.0.0.0");
	assert_int_equal(cfg.port, 9090);
	assert_int_equal(cfg.threads, 4);
	assert_int_equal(cfg.max_connections, 100);
	assert_int_equal(cfg.per_ip_connections, 10);
	assert_int_equal(cfg.connection_timeout, 60);
	assert_int_equal(cfg.max_body_mb, 8);
	assert_int_equal(cfg.stop_timeout, 25);
	char db[400];
	snprintf(db, sizeof(db), "%s/state/x.db", fx->dir);
	assert_string_equal(cfg.db, db);
	assert_int_equal(cfg.as_of, 19782); /* 2024-02-29 */
	assert_int_equal(config_as_of(&cfg), 19782);
	assert_int_equal(cfg.seed_demo, 0);
	assert_int_equal(cfg.demo_creators, 50);
	assert_int_equal(cfg.demo_days, 60);
	assert_int_equal(cfg.demo_seed, 9);
	assert_int_equal(cfg.ndepts, 3);
	assert_string_equal(cfg.depts[0].name, "Intake");
	assert_string_equal(cfg.depts[1].name, "Review");
	assert_string_equal(cfg.depts[2].name, "Ship");
	assert_int_equal(cfg.depts[0].sla_days, 1);
	assert_int_equal(cfg.depts[1].sla_days, 20);
	assert_int_equal(cfg.depts[2].sla_days, 300);
	assert_int_equal(config_dept_index(&cfg, "Review"), 1);
	assert_int_equal(config_dept_index(&cfg, "Sales"), -1);
	assert_true(cfg.p50_ratio == 2.5);
	assert_true(cfg.min_sla_hit_rate == 0.75);
	assert_true(cfg.max_avg_open == 12.5);
	assert_int_equal(cfg.lb_size, 7);
	assert_int_equal(cfg.lb_min_closed, 4);
	assert_int_equal(cfg.naliases, 2);
	assert_string_equal(cfg.aliases[0].alias, "Jonn Smith");
	assert_string_equal(cfg.aliases[0].name, "Jon Smith");
	assert_string_equal(cfg.aliases[1].alias, "Ana Lyma");
	assert_string_equal(cfg.aliases[1].name, "Ana Lima");
	assert_string_equal(cfg.write_token, "s3cret-token");
	assert_int_equal(cfg.log_level, 7);
	config_release(&cfg);
}

/* Keys not in the file keep their defaults; empty as_of means today. */
static void test_partial_file(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	int rc = load_text(fx, &cfg,
			   "[server]\nport = 0\n"
			   "[data]\nas_of =\ndb = /abs/lt.db\nseed_demo = yes\n"
			   "[pipeline]\nsla_days = 1, 2, 3, 4, 5\n");
	if (rc != 0)
		fail_msg("refused: %s", fx->err);
	assert_int_equal(cfg.port, 0);
	assert_int_equal(cfg.as_of, DATE_NONE);
	assert_int_equal(config_as_of(&cfg), date_today());
	assert_string_equal(cfg.db, "/abs/lt.db");
	assert_int_equal(cfg.seed_demo, 1);
	assert_string_equal(cfg.listen, "127.0.0.1");
	assert_int_equal(cfg.ndepts, 5);
	assert_string_equal(cfg.depts[3].name, "Manufacturing");
	for (int i = 0; i < 5; i++)
		assert_int_equal(cfg.depts[i].sla_days, i + 1);
	assert_int_equal(cfg.lb_size, 5);
	config_release(&cfg);
}

/* The shipped config.ini (tests run from the project root) holds the
 * built-in defaults. */
static void test_shipped_config(void **state)
{
	struct fixture *fx = *state;
	if (access("config.ini", R_OK) != 0)
		skip();
	struct config cfg, def;
	if (load(fx, &cfg, "config.ini", 0) != 0)
		fail_msg("config.ini refused: %s", fx->err);
	config_defaults(&def);
	assert_string_equal(cfg.listen, def.listen);
	assert_int_equal(cfg.port, def.port);
	assert_int_equal(cfg.threads, def.threads);
	assert_string_equal(cfg.db, def.db);
	assert_int_equal(cfg.as_of, def.as_of);
	assert_int_equal(cfg.seed_demo, def.seed_demo);
	assert_int_equal(cfg.ndepts, def.ndepts);
	for (size_t i = 0; i < def.ndepts; i++) {
		assert_string_equal(cfg.depts[i].name, def.depts[i].name);
		assert_int_equal(cfg.depts[i].sla_days, def.depts[i].sla_days);
	}
	assert_true(cfg.p50_ratio == def.p50_ratio);
	assert_true(cfg.min_sla_hit_rate == def.min_sla_hit_rate);
	assert_true(cfg.max_avg_open == def.max_avg_open);
	assert_int_equal(cfg.lb_size, def.lb_size);
	assert_int_equal(cfg.lb_min_closed, def.lb_min_closed);
	assert_string_equal(cfg.write_token, def.write_token);
	assert_int_equal(cfg.log_level, def.log_level);
	assert_int_equal(cfg.weekend, def.weekend);
	assert_int_equal(cfg.nholidays, def.nholidays);
	config_release(&cfg);
	config_release(&def);
}

static void test_missing_file(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	char path[400];
	snprintf(path, sizeof(path), "%s/nope.ini", fx->dir);
	assert_int_equal(load(fx, &cfg, path, 1), 0);
	assert_int_equal(cfg.port, 8080);
	assert_int_equal(cfg.ndepts, 5);
	config_release(&cfg);
	assert_int_equal(load(fx, &cfg, path, 0), -1);
	assert_non_null(strstr(fx->err, path));
	config_release(&cfg);
}

/* ---- bad files ---- */

static void test_unknown_key(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[server]\nport = 1\nportt = 2\n", 3, "key 'portt': unknown key in [server]");
	expect_refused(fx, "[data]\n\n\nlisten = x\n", 4, "key 'listen': unknown key in [data]");
	/* a key outside any section */
	expect_refused(fx, "port = 1\n", 1, "key 'port': unknown section []");
}

static void test_unknown_section(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[srv]\nport = 1\n", 2, "key 'port': unknown section [srv]");
	expect_refused(fx, "[log]\nlevel = info\n[Server]\nport = 1\n", 4,
		       "key 'port': unknown section [Server]");
}

static void test_bad_int(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[server]\nport = 80x\n", 2, "key 'port': '80x' is not a whole number");
	expect_refused(fx, "[server]\nport =\n", 2, "key 'port': '' is not a whole number");
	expect_refused(fx, "[server]\nthreads = 1.5\n", 2, "key 'threads': '1.5' is not a whole number");
	expect_refused(fx, "[leaderboard]\nsize = 99999999999999999999\n", 2,
		       "key 'size': '99999999999999999999' is not a whole number");
	expect_refused(fx, "[data]\nseed_demo = maybe\n", 2, "key 'seed_demo': 'maybe' is not true or false");
	expect_refused(fx, "[thresholds]\np50_ratio = fast\n", 2, "key 'p50_ratio': 'fast' is not a number");
	expect_refused(fx, "[thresholds]\nmax_avg_open = nan\n", 2, "key 'max_avg_open': 'nan' is not a number");
	expect_refused(fx, "[log]\nlevel = loud\n", 2, "key 'level': 'loud' is not one of");
}

static void test_out_of_range(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[server]\nport = 65536\n", 2, "key 'port': '65536' is not a whole number in [0, 65535]");
	expect_refused(fx, "[server]\nport = -1\n", 2, "key 'port': '-1' is not a whole number in [0, 65535]");
	expect_refused(fx, "[server]\nthreads = -1\n", 2, "key 'threads': '-1'");
	expect_refused(fx, "[leaderboard]\nsize = 0\n", 2, "key 'size': '0'");
	expect_refused(fx, "[thresholds]\nmin_sla_hit_rate = 1.5\n", 2, "key 'min_sla_hit_rate': '1.5'");
	expect_refused(fx, "[thresholds]\np50_ratio = -0.1\n", 2, "key 'p50_ratio': '-0.1'");
	expect_refused(fx, "[pipeline]\nsla_days = 1, 2, -3, 4, 5\n", 2, "key 'sla_days': value 3 '-3'");
	expect_refused(fx, "[pipeline]\nsla_days = 1, 2, x, 4, 5\n", 2, "key 'sla_days': value 3 'x'");
}

static void test_duplicate_key(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[server]\nport = 1\nthreads = 2\nport = 3\n", 4,
		       "key 'port': set twice (first on line 2)");
	/* the same key in a repeated section is still the same key */
	expect_refused(fx, "[server]\nport = 1\n[log]\nlevel = info\n[server]\nport = 3\n", 6,
		       "key 'port': set twice (first on line 2)");
	expect_refused(fx, "[aliases]\nA b = A c\nA b = A d\n", 3, "alias 'A b' is set twice");
}

static void test_pipeline_errors(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[pipeline]\ndepartments = A, B\nsla_days = 1, 2, 3\n", 3,
		       "key 'sla_days': 3 values for 2 departments");
	/* sla_days alone must match the default five departments */
	expect_refused(fx, "[pipeline]\nsla_days = 1, 2\n", 2, "key 'sla_days': 2 values for 5 departments");
	/* sla_days before departments: the count is still checked */
	expect_refused(fx, "[pipeline]\nsla_days = 1\ndepartments = A, B\n", 2,
		       "key 'sla_days': 1 values for 2 departments");
	expect_refused(fx, "[pipeline]\ndepartments = A, , C\nsla_days = 1, 2, 3\n", 2,
		       "key 'departments': department 2 is empty");
	expect_refused(fx, "[pipeline]\ndepartments = A, B, A\nsla_days = 1, 2, 3\n", 2,
		       "key 'departments': 'A' is listed twice");

	/* a new pipeline needs its SLA days */
	struct config cfg;
	assert_int_equal(load_text(fx, &cfg, "[pipeline]\ndepartments = A, B\n"), -1);
	assert_non_null(strstr(fx->err, "key 'sla_days': missing"));
	config_release(&cfg);
}

static void test_bad_as_of(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[data]\nas_of = 2023-02-29\n", 2, "key 'as_of': '2023-02-29' is not a date");
	expect_refused(fx, "[data]\nas_of = 2024-13-01\n", 2, "key 'as_of': '2024-13-01' is not a date");
	expect_refused(fx, "[data]\nas_of = 2024-1-01\n", 2, "key 'as_of': '2024-1-01' is not a date");
	expect_refused(fx, "[data]\nas_of = 2024-01-01T00:00Z\n", 2, "key 'as_of': '2024-01-01T00:00Z'");
	expect_refused(fx, "[data]\nas_of = today\n", 2, "key 'as_of': 'today' is not a date");
}

static void test_alias_errors(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[aliases]\nJo = Jo\n", 2, "alias 'Jo': maps a name to itself");
	expect_refused(fx, "[aliases]\nJo =\n", 2, "alias 'Jo': empty employee name");
	/* a chain: the target of one alias is itself an alias */
	struct config cfg;
	assert_int_equal(load_text(fx, &cfg, "[aliases]\nA = B\nB = C\n"), -1);
	assert_non_null(strstr(fx->err, "'A' maps to 'B', which is itself an alias"));
	config_release(&cfg);
}

static void test_alias_names_obey_the_import_rules(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[aliases]\nJo\x01hn = John\n", 2,
		       "alias 'Jo?hn': the alias contains a control character");
	expect_refused(fx, "[aliases]\nAnn = A\x1bnn\n", 2,
		       "alias 'Ann': the name contains a control character");
	expect_refused(fx, "[aliases]\nAnn = A\x7f\x08nn\n", 2,
		       "alias 'Ann': the name contains a control character");
	/* UTF-8 names are fine, tabs inside a name too (as in an import) */
	struct config cfg;
	assert_int_equal(load_text(fx, &cfg, "[aliases]\nJ\xc3\xbcrgen M = J\xc3\xbcrgen\tM\xc3\xbcller\n"), 0);
	assert_int_equal(cfg.naliases, 1);
	assert_string_equal(cfg.aliases[0].name, "J\xc3\xbcrgen\tM\xc3\xbcller");
	config_release(&cfg);
}

static void test_trusted_proxies(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	config_defaults(&cfg);
	assert_string_equal(cfg.trusted_proxies, "");
	config_release(&cfg);
	assert_int_equal(load_text(fx, &cfg, "[server]\ntrusted_proxies = 127.0.0.1, 10.0.0.0/8, ::1, fd00::/8\n"), 0);
	assert_string_equal(cfg.trusted_proxies, "127.0.0.1, 10.0.0.0/8, ::1, fd00::/8");
	config_release(&cfg);
	expect_refused(fx, "[server]\ntrusted_proxies = 127.0.0.1, 10.0.0.1/8\n", 2,
		       "key 'trusted_proxies': '10.0.0.1/8' has bits set past its prefix length");
	expect_refused(fx, "[server]\ntrusted_proxies = proxy.local\n", 2,
		       "key 'trusted_proxies': 'proxy.local' is not an IPv4 or IPv6 address");
	expect_refused(fx, "[server]\ntrusted_proxies = ::/129\n", 2,
		       "key 'trusted_proxies': '::/129' has a prefix length outside [0, 128]");
}

/* config.ini is UTF-8: a Latin-1 byte is FILE:LINE:COLUMN. */
static void expect_not_utf8(struct fixture *fx, const char *text, int line, int col, unsigned byte)
{
	struct config cfg;
	if (load_text(fx, &cfg, text) != -1)
		fail_msg("config_load accepted:\n%s", text);
	char want[512];
	snprintf(want, sizeof(want), "%s:%d:%d: not valid UTF-8 (byte 0x%02x): save the file as UTF-8",
		 fx->path, line, col, byte);
	if (!strstr(fx->err, want))
		fail_msg("stderr lacks \"%s\"; it was:\n%s", want, fx->err);
	config_release(&cfg);
}

static void test_not_utf8(void **state)
{
	struct fixture *fx = *state;
	/* "Contr\xe9t" as a Latin-1 editor saves it: column 27 */
	expect_not_utf8(fx, "[pipeline]\ndepartments = Sales, Contr\xe9t\nsla_days = 1, 2\n", 2, 27, 0xe9);
	expect_not_utf8(fx, "[aliases]\nM\xfcller = Mueller\n", 2, 2, 0xfc);
	/* an overlong '/', a surrogate, a lone continuation byte, a cut sequence */
	expect_not_utf8(fx, "[data]\ndb = a\xc0\xaf" "b\n", 2, 7, 0xc0);
	expect_not_utf8(fx, "[data]\ndb = \xed\xa0\x80\n", 2, 6, 0xed);
	expect_not_utf8(fx, "; \x80\n[data]\n", 1, 3, 0x80);
	expect_not_utf8(fx, "[auth]\nwrite_token = ab\xe2\x82\n", 2, 17, 0xe2);
	/* the same text in UTF-8 (with a BOM) loads */
	struct config cfg;
	assert_int_equal(load_text(fx, &cfg, "\xef\xbb\xbf[pipeline]\ndepartments = Sales, Contr\xc3\xa9t\n"
					     "sla_days = 1, 2\n"), 0);
	assert_string_equal(cfg.depts[1].name, "Contr\xc3\xa9t");
	config_release(&cfg);
}

/* Every problem of a file is reported, each with its own line. */
static void test_every_problem_reported(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	assert_int_equal(load_text(fx, &cfg,
				   "[server]\n"
				   "port = x\n"
				   "bogus = 1\n"
				   "[data]\n"
				   "as_of = 2024-02-30\n"),
			 -1);
	char want[400];
	snprintf(want, sizeof(want), "%s:2: key 'port':", fx->path);
	assert_non_null(strstr(fx->err, want));
	snprintf(want, sizeof(want), "%s:3: key 'bogus':", fx->path);
	assert_non_null(strstr(fx->err, want));
	snprintf(want, sizeof(want), "%s:5: key 'as_of':", fx->path);
	assert_non_null(strstr(fx->err, want));
	/* one line per problem */
	int lines = 0;
	for (const char *p = fx->err; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
	config_release(&cfg);
}

static void test_syntax_error(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	assert_int_equal(load_text(fx, &cfg, "[server]\nport = 1\nthis is not ini\n"), -1);
	char want[400];
	snprintf(want, sizeof(want), "%s:3:", fx->path);
	assert_non_null(strstr(fx->err, want));
	config_release(&cfg);
	/* indented lines are keys of their own, not continuations */
	assert_int_equal(load_text(fx, &cfg, "[server]\nlisten = ::1\n   port = 81\n"), 0);
	assert_string_equal(cfg.listen, "::1");
	assert_int_equal(cfg.port, 81);
	config_release(&cfg);
}


/* The file must be refused with `PATH:LINE:COL: rest` among the messages. */
static void expect_refused_at(struct fixture *fx, const char *text, int line, int col, const char *rest)
{
	struct config cfg;
	if (load_text(fx, &cfg, text) != -1)
		fail_msg("config_load accepted:\n%s", text);
	char want[1024];
	snprintf(want, sizeof(want), "%s:%d:%d: %s", fx->path, line, col, rest);
	if (!strstr(fx->err, want))
		fail_msg("stderr lacks \"%s\"; it was:\n%s", want, fx->err);
	config_release(&cfg);
}

/* ---- long lines, [pipeline] one department per line ---- */

static const char *const twelve[12] = {
	"Sales and Business Development", "Contract Review and Legal Affairs",
	"Product Design and User Research", "Manufacturing Engineering",
	"Quality Assurance and Certification", "Procurement and Supplier Management",
	"Logistics, Warehousing and Distribution", "Marketing Campaign Operations",
	"Customer Onboarding and Training", "Finance: Billing and Collections",
	"Regulatory Compliance and Internal Audit", "After-Sales Service and Support",
};

/* A one-line list of twelve real names is far past inih's 200 bytes. */
static void test_long_lines(void **state)
{
	struct fixture *fx = *state;
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text), "[pipeline]\ndepartments = ");
	for (int i = 0; i < 12; i++)
		if (i != 6) /* the comma in "Logistics, ..." needs the one-per-line form */
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", n > 25 ? ", " : "", twelve[i]);
	size_t first_line = n - strlen("[pipeline]\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nsla_days = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11\n"
			      "[aliases]\n");
	/* keys were cut at 50 bytes by inih */
	char alias[300];
	memset(alias, 'a', sizeof(alias) - 1);
	alias[sizeof(alias) - 45] = '\0'; /* 255 bytes */
	n += (size_t)snprintf(text + n, sizeof(text) - n, "%s = Jon Smith\n", alias);
	assert_true(first_line > 300); /* inih stopped at 200 */
	struct config cfg;
	if (load_text(fx, &cfg, text) != 0)
		fail_msg("refused: %s", fx->err);
	assert_int_equal(cfg.ndepts, 11);
	for (int i = 0, k = 0; i < 12; i++) {
		if (i == 6)
			continue;
		assert_string_equal(cfg.depts[k].name, twelve[i]);
		assert_int_equal(cfg.depts[k].sla_days, k + 1);
		k++;
	}
	assert_int_equal(cfg.naliases, 1);
	assert_string_equal(cfg.aliases[0].alias, alias);
	config_release(&cfg);

	/* a line of a million bytes is a mistake, named with line and column */
	size_t big = CONFIG_MAX_LINE + 10;
	char *huge = malloc(big + 64);
	assert_non_null(huge);
	int k = snprintf(huge, 64, "[server]\nlisten = ::1\n; ");
	memset(huge + k, 'x', big);
	strcpy(huge + k + big, "\nport = 81\n");
	char col[64];
	snprintf(col, sizeof(col), "line longer than %d bytes", CONFIG_MAX_LINE);
	expect_refused_at(fx, huge, 3, CONFIG_MAX_LINE + 1, col);
	free(huge);
}

static void test_pipeline_per_line(void **state)
{
	struct fixture *fx = *state;
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text), "[server]\nport = 81\n[pipeline]\n");
	for (int i = 0; i < 12; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s = %d%s\n",
				      i % 2 ? "  " : "", twelve[i], 3 * i + 1,
				      i == 4 ? "   ; days to certify" : "");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "[stages]\n%s = Review*\n", twelve[9]);
	struct config cfg;
	if (load_text(fx, &cfg, text) != 0)
		fail_msg("refused: %s", fx->err);
	assert_string_equal(fx->err, "");
	assert_int_equal(cfg.ndepts, 12);
	for (int i = 0; i < 12; i++) {
		assert_string_equal(cfg.depts[i].name, twelve[i]);
		assert_int_equal(cfg.depts[i].sla_days, 3 * i + 1);
		assert_int_equal(config_dept_index(&cfg, twelve[i]), i);
	}
	assert_non_null(cfg.stages[9]);
	assert_string_equal(cfg.stages[9], "Review*");
	config_release(&cfg);

	/* one department replaces the whole built-in pipeline */
	assert_int_equal(load_text(fx, &cfg, "[pipeline]\nIntake = 0\n"), 0);
	assert_int_equal(cfg.ndepts, 1);
	assert_string_equal(cfg.depts[0].name, "Intake");
	assert_int_equal(cfg.depts[0].sla_days, 0);
	config_release(&cfg);

	expect_refused_at(fx, "[pipeline]\nSales = 14\nDesign = 3O\n", 3, 10,
			  "department 'Design': '3O' is not a whole number of SLA days in [0, 3650]");
	expect_refused_at(fx, "[pipeline]\nSales =\n", 2, 8,
			  "department 'Sales': '' is not a whole number of SLA days in [0, 3650]");
	expect_refused_at(fx, "[pipeline]\nSales = 3651\n", 2, 9,
			  "department 'Sales': '3651' is not a whole number of SLA days");
	expect_refused(fx, "[pipeline]\nSales = 14\nDesign = 3\nSales = 1\n", 4,
		       "department 'Sales': listed twice");
	/* the two forms do not mix, whichever comes first */
	expect_refused(fx, "[pipeline]\ndepartments = A, B\nsla_days = 1, 2\nC = 3\n", 4,
		       "department 'C': [pipeline] already lists its departments on line 2");
	expect_refused(fx, "[pipeline]\nC = 3\nsla_days = 1, 2, 3, 4, 5\n", 3,
		       "key 'sla_days': [pipeline] already lists its departments one per line (from line 2)");
	char many[4096];
	n = (size_t)snprintf(many, sizeof(many), "[pipeline]\n");
	for (int i = 0; i <= CONFIG_MAX_DEPTS; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "D%d = 1\n", i);
	expect_refused(fx, many, CONFIG_MAX_DEPTS + 2, "department 'D32': more than 32 departments");
}

/* Syntax problems name FILE:LINE:COLUMN. */
static void test_syntax_columns(void **state)
{
	struct fixture *fx = *state;
	expect_refused_at(fx, "[server]\nport = 1\n  this is not ini\n", 3, 3,
			  "expected 'key = value' or '[section]'");
	expect_refused_at(fx, "[server\nport = 1\n", 1, 1, "section header without ']'");
	expect_refused_at(fx, "[server] port = 1\n", 1, 10, "text after the section header");
	expect_refused_at(fx, "[ ]\n", 1, 1, "empty section name");
	expect_refused_at(fx, "[server]\n = 1\n", 2, 2, "no key before '='");
	expect_refused_at(fx, "[server]\nport ; = 1\n", 2, 1, "expected 'key = value' or '[section]'");
	/* a NUL byte (written with its length: C strings stop there) */
	static const char nul[] = "[server]\nlisten = x\0y\nport = 1\n";
	FILE *f = fopen(fx->path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
	assert_int_equal(fclose(f), 0);
	struct config bad;
	assert_int_equal(load(fx, &bad, fx->path, 0), -1);
	char want[512];
	snprintf(want, sizeof(want), "%s:2:11: holds a NUL byte", fx->path);
	if (!strstr(fx->err, want))
		fail_msg("stderr lacks \"%s\"; it was:\n%s", want, fx->err);
	config_release(&bad);
	/* what inih accepted still loads: CRLF, blanks, comments, a ';' inside a value */
	struct config cfg;
	assert_int_equal(load_text(fx, &cfg, "# top\r\n[ server ]  ; the daemon\r\nport=82\r\n"
					     "listen =   ::1 ;v6\r\n[auth]\r\nwrite_token = a;b\r\n"), 0);
	assert_int_equal(cfg.port, 82);
	assert_string_equal(cfg.listen, "::1");
	assert_string_equal(cfg.write_token, "a;b");
	config_release(&cfg);
}

/* ---- [calendar] ---- */

static void write_named(struct fixture *fx, const char *name, const char *text)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void unlink_named(struct fixture *fx, const char *name)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	unlink(path);
}

static void test_calendar_keys(void **state)
{
	struct fixture *fx = *state;
	struct config cfg;
	write_named(fx, "hol.txt", "# public holidays\n2025-12-26\n\n2026-01-01, 2025-12-25\n");
	int rc = load_text(fx, &cfg, "[calendar]\nweekend = Fri, Sat\nholidays = 2025-12-25, 2026-04-03\n"
			   "holidays_file = hol.txt\n");
	if (rc)
		fail_msg("refused: %s", fx->err);
	assert_int_equal(cfg.weekend, (1u << 4) | (1u << 5));
	/* the union, sorted, each once */
	assert_int_equal(cfg.nholidays, 4);
	assert_int_equal(cfg.holidays[0], date_from_ymd(2025, 12, 25));
	assert_int_equal(cfg.holidays[1], date_from_ymd(2025, 12, 26));
	assert_int_equal(cfg.holidays[2], date_from_ymd(2026, 1, 1));
	assert_int_equal(cfg.holidays[3], date_from_ymd(2026, 4, 3));
	assert_non_null(strstr(cfg.holidays_file, "hol.txt"));
	/* Thu 2025-12-25 and Fri 26 (a weekend day here) are off; Sun 28 works */
	int32_t wed = date_from_ymd(2025, 12, 24);
	assert_int_equal(calendar_days(cfg.calendar, wed, wed + 4), 1);
	config_release(&cfg);
	/* no weekend at all */
	rc = load_text(fx, &cfg, "[calendar]\nweekend =\nholidays =\nholidays_file =\n");
	if (rc)
		fail_msg("refused: %s", fx->err);
	assert_int_equal(cfg.weekend, 0);
	assert_int_equal(calendar_days(cfg.calendar, wed, wed + 7), 7);
	config_release(&cfg);
	unlink_named(fx, "hol.txt");
}

static void test_calendar_errors(void **state)
{
	struct fixture *fx = *state;
	expect_refused(fx, "[calendar]\nweekend = Sat, Sunday, Funday\n", 2,
		       "key 'weekend': 'Funday' is not a day of the week");
	expect_refused(fx, "[calendar]\n\nweekend = Mon, Tue, Wed, Thu, Fri, Sat, Sun\n", 3,
		       "key 'weekend': every day of the week is off");
	expect_refused(fx, "[calendar]\nweekend = Sat, Sat\n", 2, "key 'weekend': 'Sat' is listed twice");
	expect_refused(fx, "[calendar]\nholidays = 2025-12-25, 2025-02-30\n", 2,
		       "key 'holidays': value 2 '2025-02-30' is not a date");
	expect_refused(fx, "[calendar]\nholidays = 1899-12-31\n", 2,
		       "key 'holidays': value 1 '1899-12-31' is outside 1900-01-01 .. 2199-12-31");
	expect_refused(fx, "[calendar]\nholidays_file = absent.txt\n", 2,
		       "key 'holidays_file': cannot open");
	write_named(fx, "bad.txt", "2025-12-25\n# fine\n2026-01-01, Easter\n");
	char want[600];
	snprintf(want, sizeof(want), "key 'holidays_file': %s/bad.txt:3: 'Easter' is not a date", fx->dir);
	expect_refused(fx, "[calendar]\nholidays_file = bad.txt\n", 2, want);
	unlink_named(fx, "bad.txt");
	expect_refused(fx, "[calendar]\nholidays = 2025-12-25\nholidays = 2025-12-26\n", 3,
		       "key 'holidays': set twice");
	expect_refused(fx, "[calendar]\nweekdays = Mon\n", 2, "key 'weekdays': unknown key in [calendar]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test_setup_teardown(test_good_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shipped_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_section, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_int, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_as_of, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_problem_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_names_obey_the_import_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trusted_proxies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calendar_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calendar_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipeline_per_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_columns, setup, teardown),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
