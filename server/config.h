/*
 * config.h - config.ini (SPEC §4, §5), read with iniread.h.
 *
 * Every key lives in one table in config.c (section, name, type, bounds,
 * field).  An unknown section or key, a key set twice, or a bad value stops
 * loading with `FILE:LINE: key 'x': what is wrong`.
 */
#ifndef LEADTIME_CONFIG_H
#define LEADTIME_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_DEPTS 32
#define CONFIG_MAX_LINE (1 << 20)   /* bytes in one line of config.ini */

struct tz;

/* [events] column names, in this order */
enum ev_col { EVC_CASE, EVC_ACTIVITY, EVC_TIMESTAMP, EVC_RESOURCE, EVC_LIFECYCLE, EVC_NCOLS };
/* [import] ticket fields, in import.h's enum import_col order */
#define CONFIG_TICKET_FIELDS 6
/* [import] profile */
enum imap_profile { IMAP_NONE, IMAP_JIRA, IMAP_ZENDESK };
struct calendar;

struct dept_cfg {
	char *name;
	int sla_days;
};

struct alias_cfg {
	char *alias;  /* the misspelt name */
	char *name;   /* the employee's real name */
};

struct annot_cfg {
	int32_t day;  /* the note's date (days since 1970-01-01) */
	char *text;   /* its text (annot.h rules) */
};

struct config {
	char *path;            /* the file read, or "(built-in defaults)" */
	char *dir;             /* its folder: relative paths resolve here */

	/* [server] */
	char *listen;
	int port;
	int threads;           /* 0 = one per core */
	int max_connections;
	int per_ip_connections;
	int connection_timeout;  /* seconds */
	int max_body_mb;
	int stop_timeout;      /* seconds SIGTERM waits for requests in flight */
	char *trusted_proxies; /* addresses and CIDR blocks (peer.h), checked;
				* "" = none: the per-IP limit is the peer's */

	/* [data] */
	char *db;              /* resolved against dir */
	int32_t as_of;         /* DATE_NONE = today (UTC) */
	int seed_demo;
	int demo_creators;
	int demo_days;
	int demo_seed;
	int max_size_mb;       /* the daemon's writes stop there (507); 0 = no limit */

	/* [pipeline] */
	struct dept_cfg depts[CONFIG_MAX_DEPTS];
	size_t ndepts;

	/* [thresholds] */
	double p50_ratio;
	double min_sla_hit_rate;
	double max_avg_open;
	int min_closed;            /* closes an employee needs for a verdict */

	/* [leaderboard] */
	int lb_size;
	int lb_min_closed;

	/* [aliases] */
	struct alias_cfg *aliases;
	size_t naliases;

	/* [annotations]: `YYYY-MM-DD = text`, in file order */
	struct annot_cfg *annotations;
	size_t nannotations;

	/* [auth] */
	char *write_token;     /* "" = writes refused */

	/* [log] */
	int log_level;

	/* [events] (event logs: README "Event logs") */
	char *ev_col[EVC_NCOLS];  /* the column names to read */
	char *ev_ts_format;       /* "" = ISO-8601 */
	char *ev_timezone;        /* for timestamps without an offset */
	struct tz *ev_tz;         /* loaded from ev_timezone */
	int ev_close_last;        /* close = last (1) or next (0) */
	char *ev_done;            /* comma-separated activity patterns */

	/* [stages] */
	int has_stages;                   /* the section is present */
	char *stages[CONFIG_MAX_DEPTS];   /* per department, pipeline order:
					   * its patterns, or NULL */

	/* [import] (mapped ticket exports) */
	int imap;                 /* 1 when the section sets any key */
	int imap_profile;         /* enum imap_profile */
	char *imap_col[CONFIG_TICKET_FIELDS];  /* resolved column of each ticket field */
	int imap_row_ids;         /* ticket_id = row: numbered rows */
	char *imap_id_prefix;     /* prepended to every ticket id */
	char *imap_date_format;   /* "" = ISO-8601 */
	char *imap_timezone;
	struct tz *imap_tz;
	/* [calendar] (business days, calendar.h) */
	unsigned weekend;      /* weekday bits; default Sat, Sun */
	int32_t *holidays;     /* sorted, unique: `holidays` and `holidays_file` */
	size_t nholidays;
	char *holidays_file;   /* resolved against dir; "" = none */
	struct calendar *calendar;  /* built from the above; owned */
};

/* Fill cfg with the built-in defaults (the values of the shipped config.ini). */
void config_defaults(struct config *cfg);

/*
 * Load `path` over the defaults.  Returns 0, or -1 after logging every
 * problem found as `FILE:LINE: key 'x': ...` (cfg is then released).
 * A missing file is an error unless `optional` is set, in which case the
 * defaults are kept and 0 returned.
 */
int config_load(struct config *cfg, const char *path, int optional);

/* Free what cfg owns. */
void config_release(struct config *cfg);

/* The configured department index of `name`, or -1. */
int config_dept_index(const struct config *cfg, const char *name);

/* The effective as_of: the configured one, or today's UTC date. */
int32_t config_as_of(const struct config *cfg);

/* The configured department whose name is nearest to s[0..n) (edit
 * distance, ASCII case-insensitive; for "did you mean" messages). */
const char *config_nearest_dept(const struct config *cfg, const char *s, size_t n);
/* The department index of s[0..n) compared ASCII case-insensitively, or -1. */
int config_dept_index_nocase(const struct config *cfg, const char *s, size_t n);

#endif
