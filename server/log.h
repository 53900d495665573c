/*
 * log.h - leveled logging to stderr, one line per event, each line prefixed
 * with the syslog level in angle brackets (`<3>` error ... `<7>` debug) so
 * journald stores the right priority.  Thread-safe: each line is written
 * with one write(2).
 */
#ifndef LEADTIME_LOG_H
#define LEADTIME_LOG_H

enum log_level {
	LOG_ERR = 3,
	LOG_WARN = 4,
	LOG_NOTICE = 5,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

/* Lines above `level` are dropped.  Call before threads start (or on reload). */
void log_set_level(enum log_level level);
/* Parse "error|warning|notice|info|debug"; -1 when unknown. */
int log_level_parse(const char *s);
/* Whether prefixes are written; off for a terminal run of a CLI command. */
void log_set_prefix(int on);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
