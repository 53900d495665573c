/*
 * log.c - see log.h.  The level is an atomic so a reload can change it while
 * request threads log.  The batch of request lines is a buffer under a
 * mutex; every line that reaches stderr is written under that mutex while
 * batching, which is what keeps the lines in order.
 */
#include "log.h"

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

/* Format one line (prefix, message, newline) into line[2048]; its length,
 * or 0 when there is nothing to write. */
static size_t format_line(char *line, size_t cap, enum log_level level, const char *fmt,
			  va_list ap)
{
	int n = 0;
	if (atomic_load(&with_prefix))
		n = snprintf(line, cap, "<%d>", (int)level);
	else if (level <= LOG_ERR)
		n = snprintf(line, cap, "leadtimed: ");
	int m = vsnprintf(line + n, cap - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return 0;
	size_t len = (size_t)n + (size_t)m;
	if (len > cap - 2)
		len = cap - 2;
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
	char line[2048];
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
	char line[2048];
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
