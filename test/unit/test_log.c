/*
 * test_log.c - log lines and the batch of request lines (log.h): every line
 * reaches stderr whole and once, a thread's lines keep their order, any
 * other line comes after the request lines logged before it, the flusher
 * writes a batch without waiting for the stop, and the stop flushes.
 * Escaping: no byte of a message can end its line or start another (a
 * client's `\n<0>forged`), control bytes become `\xNN`, UTF-8 stays.
 * stderr is redirected to a temporary file for the test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define THREADS 4
#define LINES 5000

static char path[] = "/tmp/test_log_XXXXXX";
static int saved_stderr = -1;

static int setup(void **state)
{
	(void)state;
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	saved_stderr = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	log_set_prefix(1);
	log_set_level(LOG_INFO);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	unlink(path);
	return 0;
}

/* The file's text so far (freed by the caller). */
static char *slurp(size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return s;
}

static void truncate_log(void)
{
	assert_int_equal(ftruncate(STDERR_FILENO, 0), 0);
	lseek(STDERR_FILENO, 0, SEEK_SET);
}

static void test_unbatched_lines_are_written_at_once(void **state)
{
	(void)state;
	truncate_log();
	log_request("GET /a %d", 1);
	log_msg(LOG_WARN, "warn %s", "x");
	size_t n;
	char *s = slurp(&n);
	assert_string_equal(s, "<6>GET /a 1\n<4>warn x\n");
	free(s);
	/* below the level: nothing */
	log_set_level(LOG_WARN);
	log_request("GET /b");
	log_set_level(LOG_INFO);
	s = slurp(&n);
	assert_string_equal(s, "<6>GET /a 1\n<4>warn x\n");
	free(s);
}

static void test_control_bytes_never_end_a_line(void **state)
{
	(void)state;
	truncate_log();
	/* what `GET /x%0A%3C0%3Eforged` puts in a request line */
	log_request("GET %s 404 83 0.0ms", "/x\n<0>forged");
	log_msg(LOG_ERR, "import: department '%s'", "Sales\r\nDesign");
	log_msg(LOG_WARN, "tab\there, del \x7f, esc \x1b[31m, nul-free \x01\x1f");
	size_t n;
	char *s = slurp(&n);
	assert_string_equal(s, "<6>GET /x\\x0a<0>forged 404 83 0.0ms\n"
			       "<3>import: department 'Sales\\x0d\\x0aDesign'\n"
			       "<4>tab\\x09here, del \\x7f, esc \\x1b[31m, nul-free \\x01\\x1f\n");
	/* exactly one newline per line written */
	size_t lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	assert_int_equal(lines, 3);
	free(s);
}

static void test_utf8_kept_the_rest_escaped(void **state)
{
	(void)state;
	char out[256];
	/* valid UTF-8 (2, 3 and 4 bytes) passes unchanged */
	const char *ok = "Caf\xc3\xa9 \xe2\x80\x93 \xf0\x9f\x98\x80 M\xc3\xbcller";
	assert_int_equal(log_escape(out, sizeof(out), ok, strlen(ok)), strlen(ok));
	assert_string_equal(out, ok);
	/* Latin-1, a lone continuation byte, an overlong '/', a surrogate and
	 * a cut sequence: each byte as \xNN */
	const char *bad = "\xe9t\xe9 \x80 \xc0\xaf \xed\xa0\x80 \xe2\x82";
	log_escape(out, sizeof(out), bad, strlen(bad));
	assert_string_equal(out, "\\xe9t\\xe9 \\x80 \\xc0\\xaf \\xed\\xa0\\x80 \\xe2\\x82");
	/* NEL, C1 CSI and U+2028/2029 break lines in some viewers */
	const char *breaks = "a\xc2\x85" "b\xc2\x9b" "c\xe2\x80\xa8" "d\xe2\x80\xa9" "e\xc2\xa0";
	log_escape(out, sizeof(out), breaks, strlen(breaks));
	assert_string_equal(out, "a\\xc2\\x85b\\xc2\\x9bc\\xe2\\x80\\xa8d\\xe2\\x80\\xa9e\xc2\xa0");
	/* a backslash is doubled, so a literal "\x0a" in a path reads apart
	 * from an escaped line break */
	log_escape(out, sizeof(out), "C:\\x0a", 6);
	assert_string_equal(out, "C:\\\\x0a");
	/* NUL bytes inside the length given are escaped too */
	log_escape(out, sizeof(out), "a\0b", 3);
	assert_string_equal(out, "a\\x00b");
}

static void test_escape_cuts_between_characters(void **state)
{
	(void)state;
	char out[8];
	/* room for 7 bytes: "ab" + one escape (4) fit, the next escape not */
	assert_int_equal(log_escape(out, sizeof(out), "ab\n\n", 4), 6);
	assert_string_equal(out, "ab\\x0a");
	/* a 4-byte character that does not fit whole is left out whole */
	assert_int_equal(log_escape(out, sizeof(out), "abcd\xf0\x9f\x98\x80", 8), 4);
	assert_string_equal(out, "abcd");
	/* a long message is cut, still one line with one newline */
	truncate_log();
	char big[3000];
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg(LOG_WARN, "%s", big);
	size_t n;
	char *s = slurp(&n);
	assert_true(n > 1000);
	assert_int_equal(s[n - 1], '\n');
	assert_null(memchr(s, '\n', n - 1));
	assert_int_equal(strncmp(s, "<4>\\x0a\\x0a", 11), 0);
	free(s);
}

static void *writer(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int i = 0; i < LINES; i++) {
		log_request("GET /t%d/%d 200 %d", t, i, i * 7);
		if (i == LINES / 2)
			log_msg(LOG_ERR, "mark %d", t);
	}
	return NULL;
}

static void test_batched_lines_whole_ordered_complete(void **state)
{
	(void)state;
	truncate_log();
	assert_int_equal(log_batch_start(), 0);
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	log_batch_stop();
	size_t n;
	char *s = slurp(&n);
	int next[THREADS] = { 0 }, marks = 0;
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int t, i, v;
		if (sscanf(line, "<3>mark %d", &t) == 1) {
			/* after every request line its thread logged before it */
			assert_int_equal(next[t], LINES / 2 + 1);
			marks++;
			continue;
		}
		assert_int_equal(sscanf(line, "<6>GET /t%d/%d 200 %d", &t, &i, &v), 3);
		assert_true(t >= 0 && t < THREADS);
		assert_int_equal(i, next[t]); /* in order, none lost, none twice */
		assert_int_equal(v, i * 7);   /* whole */
		next[t]++;
	}
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(next[t], LINES);
	assert_int_equal(marks, THREADS);
	free(s);
}

static void test_flusher_writes_without_a_stop(void **state)
{
	(void)state;
	truncate_log();
	assert_int_equal(log_batch_start(), 0);
	log_request("GET /lonely 200");
	/* poll with a generous deadline: the flusher runs every 50 ms */
	struct timespec tick = { 0, 10 * 1000000L };
	char *s = NULL;
	size_t n = 0;
	for (int k = 0; k < 3000; k++) {
		free(s);
		s = slurp(&n);
		if (n)
			break;
		nanosleep(&tick, NULL);
	}
	assert_string_equal(s, "<6>GET /lonely 200\n");
	free(s);
	log_batch_stop();
	/* after the stop, lines are written at once again */
	log_request("GET /after");
	s = slurp(&n);
	assert_string_equal(s, "<6>GET /lonely 200\n<6>GET /after\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unbatched_lines_are_written_at_once),
		cmocka_unit_test(test_control_bytes_never_end_a_line),
		cmocka_unit_test(test_utf8_kept_the_rest_escaped),
		cmocka_unit_test(test_escape_cuts_between_characters),
		cmocka_unit_test(test_batched_lines_whole_ordered_complete),
		cmocka_unit_test(test_flusher_writes_without_a_stop),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
