/*
 * log.c - see log.h.  The level is an atomic so a reload can change it while
 * request threads log.  The batch of request lines is a buffer under a
 * mutex; every line that reaches stderr is written under that mutex while
 * batching, which is what keeps the lines in order.
 */
#include "log.h"
#include "urlcodec.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH_BYTES (16 * 1024)
#define BATCH_MS 50

static _Atomic int current_level = LOG_INFO;
static _Atomic int with_prefix = 1;

static struct {
	pthread_mutex_t lock;
	char buf[BATCH_BYTES];
	size_t n;
	_Atomic int on;
	_Atomic int stop;
	pthread_t flusher;
} batch = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDERR_FILENO, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* stderr gone: nothing better to do with a log line */
		p += w;
		n -= (size_t)w;
	}
}

/* With batch.lock held. */
static void flush_locked(void)
{
	write_all(batch.buf, batch.n);
	batch.n = 0;
}

void log_set_level(enum log_level level)
{
	atomic_store(&current_level, (int)level);
}

void log_set_prefix(int on)
{
	atomic_store(&with_prefix, on);
}

int log_level_parse(const char *s)
{
	static const struct { const char *name; int level; } names[] = {
		{ "error", LOG_ERR }, { "warning", LOG_WARN }, { "warn", LOG_WARN },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].level;
	return -1;
}

/* ---- escaping ---- */

/* 1 for a character that a terminal or a log viewer takes as a control or
 * a line break although it is valid UTF-8: C1 controls (U+0080..U+009F,
 * NEL among them) and U+2028, U+2029. */
static int utf8_breaks_line(const unsigned char *p, size_t len)
{
	return (len == 2 && p[0] == 0xC2 && p[1] < 0xA0) ||
	       (len == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9));
}

size_t log_escape(char *out, size_t cap, const char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;
	if (!cap)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t len = url_utf8_seq((const char *)p + i, n - i);
		int plain = len == 1 ? p[i] >= 0x20 && p[i] != 0x7F && p[i] != '\\'
				     : len > 1 && !utf8_breaks_line(p + i, len);
		size_t take = len ? len : 1; /* a byte that starts no character */
		size_t need = plain ? take : p[i] == '\\' ? 2 : 4 * take;
		if (o + need > cap - 1)
			break; /* cut before the character, never inside it */
		if (plain) {
			memcpy(out + o, p + i, take);
			o += take;
		} else if (p[i] == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else {
			for (size_t k = 0; k < take; k++) {
				out[o++] = '\\';
				out[o++] = 'x';
				out[o++] = hex[p[i + k] >> 4];
				out[o++] = hex[p[i + k] & 15];
			}
		}
		i += take;
	}
	out[o] = '\0';
	return o;
}

/* ---- lines ---- */

/* Bytes of a message before escaping, and of a whole line after it
 * (prefix, escaped message, newline): an escaped byte takes four. */
#define MSG_MAX 2048
#define LINE_MAX_BYTES 4096

/* Format one line (prefix, escaped message, newline) into line[cap]; its
 * length, or 0 when there is nothing to write.  The one place where what
 * a line says is made safe: every byte below 0x20, DEL, a backslash and
 * bytes that are not UTF-8 are escaped (`\x0a`, `\\`), so whatever a
 * client or a file puts in a path, a name or an error can neither end
 * the line nor start a forged one with its own `<0>` prefix. */
static size_t format_line(char *line, size_t cap, enum log_level level, const char *fmt,
			  va_list ap)
{
	int n = 0;
	if (atomic_load(&with_prefix))
		n = snprintf(line, cap, "<%d>", (int)level);
	else if (level <= LOG_ERR)
		n = snprintf(line, cap, "leadtimed: ");
	char msg[MSG_MAX];
	int m = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (m < 0 || n < 0)
		return 0;
	size_t mlen = (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1;
	size_t len = (size_t)n + log_escape(line + n, cap - (size_t)n - 1, msg, mlen);
	line[len++] = '\n';
	return len;
}

/* Write a line now (after the batch, when batching), or add it to the
 * batch when `batched`. */
static void emit(const char *line, size_t len, int batched)
{
	if (!atomic_load(&batch.on)) {
		write_all(line, len);
		return;
	}
	pthread_mutex_lock(&batch.lock);
	if (batched) {
		if (batch.n + len > sizeof(batch.buf))
			flush_locked();
		memcpy(batch.buf + batch.n, line, len);
		batch.n += len;
	} else {
		flush_locked();
		write_all(line, len);
	}
	pthread_mutex_unlock(&batch.lock);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if ((int)level > atomic_load(&current_level))
		return;
	char line[LINE_MAX_BYTES];
	va_list ap;
	va_start(ap, fmt);
	size_t len = format_line(line, sizeof(line), level, fmt, ap);
	va_end(ap);
	if (len)
		emit(line, len, 0);
}

void log_request(const char *fmt, ...)
{
	if ((int)LOG_INFO > atomic_load(&current_level))
		return;
	char line[LINE_MAX_BYTES];
	va_list ap;
	va_start(ap, fmt);
	size_t len = format_line(line, sizeof(line), LOG_INFO, fmt, ap);
	va_end(ap);
	if (len)
		emit(line, len, 1);
}

static void *flusher_main(void *arg)
{
	(void)arg;
	struct timespec tick = { 0, BATCH_MS * 1000000L };
	while (!atomic_load(&batch.stop)) {
		nanosleep(&tick, NULL);
		pthread_mutex_lock(&batch.lock);
		flush_locked();
		pthread_mutex_unlock(&batch.lock);
	}
	return NULL;
}

int log_batch_start(void)
{
	atomic_store(&batch.stop, 0);
	if (pthread_create(&batch.flusher, NULL, flusher_main, NULL) != 0) {
		log_warn("log: cannot start the flusher thread; request lines are written one by one");
		return -1;
	}
	atomic_store(&batch.on, 1);
	return 0;
}

void log_batch_stop(void)
{
	if (!atomic_load(&batch.on))
		return;
	atomic_store(&batch.stop, 1);
	pthread_join(batch.flusher, NULL);
	pthread_mutex_lock(&batch.lock);
	flush_locked();
	atomic_store(&batch.on, 0);
	pthread_mutex_unlock(&batch.lock);
}
