/*
 * log.h - leveled logging to stderr, one line per event, each line prefixed
 * with the syslog level in angle brackets (`<3>` error ... `<7>` debug) so
 * journald stores the right priority.  Thread-safe: each line is written
 * whole, in order.
 *
 * A message is one line whatever it quotes: log_msg() and log_request()
 * escape every byte below 0x20, DEL, a backslash, bytes that are not
 * UTF-8, C1 controls and U+2028/U+2029 (`\x0a`, `\\`, `\xc2\x85`) after
 * formatting; other UTF-8 is kept as it is.  A client's `%0A<0>forged` in a
 * path stays inside its request line.
 *
 * The daemon's request lines (log_request()) are batched while it serves
 * (log_batch_start()): one write(2) per 16 KiB or per 50 ms instead of one
 * per request, the cost that mattered most on a cached response.  Any
 * other line first flushes the batch, so the order of lines is kept; the
 * batch is flushed when the daemon stops (log_batch_stop()).
 */
#ifndef LEADTIME_LOG_H
#define LEADTIME_LOG_H

#include <stddef.h>

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

/* Escape in[0..n) as log lines do into out (at most cap - 1 bytes and a
 * NUL, cut between characters); the length written. */
size_t log_escape(char *out, size_t cap, const char *in, size_t n);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An access-log line (level info): batched between log_batch_start() and
 * log_batch_stop(), else written at once like log_msg(). */
void log_request(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Start batching request lines (a thread flushes every 50 ms); 0 or -1.
 * Call with the signals the daemon waits for already blocked. */
int log_batch_start(void);
/* Flush and stop batching. */
void log_batch_stop(void);

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
