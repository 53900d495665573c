/*
 * test_peer.c - trusted proxies (peer.h): the list parser (addresses and
 * CIDR blocks, IPv4 and IPv6, IPv4-mapped), matching, the client taken
 * from X-Forwarded-For (right-most untrusted), and the counts per address
 * (limit, release, many threads).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "peer.h"

static struct peer_net nets[PEER_MAX_NETS];

static size_t parse_ok(const char *list)
{
	char bad[80];
	const char *why = NULL;
	int n = peer_parse_nets(list, nets, PEER_MAX_NETS, bad, sizeof(bad), &why);
	if (n < 0)
		fail_msg("'%s' refused: '%s' %s", list, bad, why);
	return (size_t)n;
}

static void parse_bad(const char *list, const char *item, const char *why_part)
{
	char bad[80];
	const char *why = NULL;
	assert_int_equal(peer_parse_nets(list, nets, PEER_MAX_NETS, bad, sizeof(bad), &why), -1);
	assert_string_equal(bad, item);
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("'%s': '%s' lacks '%s'", list, why, why_part);
}

static struct peer_addr addr(const char *text)
{
	const char *v[1] = { text };
	struct peer_addr a;
	memset(&a, 0xAA, sizeof(a));
	/* with nothing trusted, the one entry is the client */
	assert_int_equal(peer_forwarded_client(v, 1, NULL, 0, &a), 1);
	return a;
}

static int trusted(size_t n, const char *text)
{
	struct peer_addr a = addr(text);
	return peer_trusted(nets, n, &a);
}

static void test_parse_and_match(void **state)
{
	(void)state;
	assert_int_equal(parse_ok(""), 0);
	assert_int_equal(parse_ok("  "), 0);
	size_t n = parse_ok("127.0.0.1, 10.0.0.0/8,192.168.1.0/24 ::1 fd00::/8, 2001:db8::/32");
	assert_int_equal(n, 6);
	assert_true(trusted(n, "127.0.0.1"));
	assert_false(trusted(n, "127.0.0.2"));
	assert_true(trusted(n, "10.0.0.0"));
	assert_true(trusted(n, "10.255.255.255"));
	assert_false(trusted(n, "11.0.0.0"));
	assert_false(trusted(n, "9.255.255.255"));
	assert_true(trusted(n, "192.168.1.77"));
	assert_false(trusted(n, "192.168.2.1"));
	assert_true(trusted(n, "::1"));
	assert_false(trusted(n, "::2"));
	assert_true(trusted(n, "fdab:1::7"));
	assert_false(trusted(n, "fe80::1"));
	assert_true(trusted(n, "2001:db8:ffff::1"));
	assert_false(trusted(n, "2001:db9::1"));
	/* an IPv4-mapped address is the IPv4 address, both ways */
	assert_true(trusted(n, "::ffff:10.1.2.3"));
	assert_false(trusted(n, "::ffff:11.1.2.3"));
	n = parse_ok("::ffff:172.16.0.0/108");
	assert_true(trusted(n, "172.16.5.5"));
	assert_true(trusted(n, "172.31.255.255"));
	assert_false(trusted(n, "172.32.0.0"));
	/* prefixes that are not whole bytes; /0 takes every address of a family */
	n = parse_ok("100.64.0.0/10, 0.0.0.0/0");
	assert_true(trusted(n, "100.127.255.255"));
	assert_true(trusted(n, "8.8.8.8"));
	assert_false(trusted(n, "::8"));
	n = parse_ok("100.64.0.0/10");
	assert_false(trusted(n, "100.128.0.0"));
	assert_false(trusted(n, "100.63.255.255"));
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("127.0.0.1, bogus", "bogus", "is not an IPv4 or IPv6 address");
	parse_bad("300.1.1.1", "300.1.1.1", "is not an IPv4 or IPv6 address");
	parse_bad("10.0.0.0/33", "10.0.0.0/33", "outside [0, 32]");
	parse_bad("::1/129", "::1/129", "outside [0, 128]");
	parse_bad("10.0.0.0/", "10.0.0.0/", "ADDRESS/BITS");
	parse_bad("10.0.0.0/8x", "10.0.0.0/8x", "ADDRESS/BITS");
	parse_bad("10.0.0.0/-1", "10.0.0.0/-1", "ADDRESS/BITS");
	parse_bad("10.0.0.1/8", "10.0.0.1/8", "bits set past its prefix");
	parse_bad("fd00::1/8", "fd00::1/8", "bits set past its prefix");
	parse_bad("127.0.0.1:8080", "127.0.0.1:8080", "is not an IPv4 or IPv6 address");
	char many[2048] = "";
	for (int i = 0; i <= PEER_MAX_NETS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.0.%d,", i);
	parse_bad(many, "10.0.0.64", "too many");
}

static void test_forwarded_client(void **state)
{
	(void)state;
	size_t n = parse_ok("127.0.0.1, 10.0.0.0/8");
	struct peer_addr a;
	char s[64];
	/* the right-most untrusted entry: what the nearest trusted proxy saw */
	const char *one[] = { "1.1.1.1, 198.51.100.7" };
	assert_int_equal(peer_forwarded_client(one, 1, nets, n, &a), 1);
	peer_format(&a, s, sizeof(s));
	assert_string_equal(s, "198.51.100.7");
	/* trusted hops on the right are skipped */
	const char *hops[] = { "203.0.113.5 , 10.1.1.1,127.0.0.1" };
	assert_int_equal(peer_forwarded_client(hops, 1, nets, n, &a), 1);
	peer_format(&a, s, sizeof(s));
	assert_string_equal(s, "203.0.113.5");
	/* several headers are one list, in order: the last one's right end */
	const char *two[] = { "198.51.100.7", "2001:db8::9, 10.0.0.3" };
	assert_int_equal(peer_forwarded_client(two, 2, nets, n, &a), 1);
	peer_format(&a, s, sizeof(s));
	assert_string_equal(s, "2001:db8::9");
	const char *later[] = { "198.51.100.7", "10.0.0.3", "" };
	assert_int_equal(peer_forwarded_client(later, 3, nets, n, &a), 1);
	peer_format(&a, s, sizeof(s));
	assert_string_equal(s, "198.51.100.7");
	/* nothing to believe: all trusted, none, garbage where an address is due */
	struct peer_addr keep;
	memset(&keep, 0x5A, sizeof(keep));
	a = keep;
	const char *all[] = { "10.0.0.1, 127.0.0.1" };
	assert_int_equal(peer_forwarded_client(all, 1, nets, n, &a), 0);
	assert_memory_equal(&a, &keep, sizeof(a));
	assert_int_equal(peer_forwarded_client(NULL, 0, nets, n, &a), 0);
	const char *junk[] = { "198.51.100.7, unknown" };
	assert_int_equal(peer_forwarded_client(junk, 1, nets, n, &a), 0);
	const char *port[] = { "198.51.100.7:4711" };
	assert_int_equal(peer_forwarded_client(port, 1, nets, n, &a), 0);
	assert_memory_equal(&a, &keep, sizeof(a));
	/* empty list elements are skipped */
	const char *gaps[] = { "198.51.100.8,, ,127.0.0.1," };
	assert_int_equal(peer_forwarded_client(gaps, 1, nets, n, &a), 1);
	peer_format(&a, s, sizeof(s));
	assert_string_equal(s, "198.51.100.8");
}

static void test_sockaddr(void **state)
{
	(void)state;
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	inet_pton(AF_INET, "192.0.2.1", &in4.sin_addr);
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &in6.sin6_addr);
	struct peer_addr a, b;
	assert_int_equal(peer_from_sockaddr((struct sockaddr *)&in4, &a), 0);
	assert_int_equal(peer_from_sockaddr((struct sockaddr *)&in6, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a)); /* a dual-stack socket's IPv4 peer */
	inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
	assert_int_equal(peer_from_sockaddr((struct sockaddr *)&in6, &b), 0);
	assert_int_equal(b.v6, 1);
	char s[64];
	peer_format(&b, s, sizeof(s));
	assert_string_equal(s, "2001:db8::1");
	struct sockaddr other = { .sa_family = AF_UNIX };
	assert_int_equal(peer_from_sockaddr(&other, &b), -1);
}

static void test_counts(void **state)
{
	(void)state;
	struct peer_counts *c = peer_counts_new(2);
	struct peer_addr x = addr("198.51.100.7"), y = addr("2001:db8::7");
	assert_int_equal(peer_acquire(c, &x), 0);
	assert_int_equal(peer_acquire(c, &x), 0);
	assert_int_equal(peer_acquire(c, &x), -1); /* the limit */
	assert_int_equal(peer_acquire(c, &y), 0);  /* another address */
	peer_release(c, &x);
	assert_int_equal(peer_acquire(c, &x), 0);
	assert_int_equal(peer_acquire(c, &x), -1);
	peer_release(c, &x);
	peer_release(c, &x);
	peer_release(c, &y);
	assert_int_equal(peer_acquire(c, &x), 0);
	assert_int_equal(peer_acquire(c, &x), 0);
	peer_release(c, &x);
	peer_release(c, &x);
	peer_counts_free(c);
	/* 0: no limit */
	c = peer_counts_new(0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(peer_acquire(c, &x), 0);
	peer_counts_free(c); /* frees what is still counted */
}

#define THREADS 4
#define ROUNDS 20000

static struct peer_counts *shared;
static int over[THREADS];

static void *churn(void *arg)
{
	int t = (int)(intptr_t)arg;
	struct peer_addr a = addr("192.0.2.9");
	for (int i = 0; i < ROUNDS; i++) {
		if (peer_acquire(shared, &a) == 0)
			peer_release(shared, &a);
		else
			over[t]++;
	}
	return NULL;
}

static void test_counts_threads(void **state)
{
	(void)state;
	/* THREADS threads, each holding at most one: a limit of THREADS is
	 * never reached, and the count returns to 0 */
	shared = peer_counts_new(THREADS);
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, churn, (void *)(intptr_t)t);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(over[t], 0);
	struct peer_addr a = addr("192.0.2.9");
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(peer_acquire(shared, &a), 0);
	assert_int_equal(peer_acquire(shared, &a), -1);
	peer_counts_free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_match),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_forwarded_client),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_counts_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
