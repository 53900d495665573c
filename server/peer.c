/*
 * peer.c - see peer.h.  Addresses are compared as bytes: an IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports for an
 * IPv4 peer) is the IPv4 address.  The counts are a chained hash table
 * under one mutex; an address is in it only while its count is above 0,
 * so it holds at most one entry per connection or request in flight.
 */
#include "peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* IPv4 or IPv6 text (no port, no brackets) into a; 0 or -1. */
static int parse_addr(const char *s, struct peer_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->addr) == 1)
		return 0;
	if (inet_pton(AF_INET6, s, a->addr) != 1)
		return -1;
	if (memcmp(a->addr, v4_mapped, 12) == 0) {
		memmove(a->addr, a->addr + 12, 4);
		memset(a->addr + 4, 0, 12);
	} else {
		a->v6 = 1;
	}
	return 0;
}

/* Whether a's first `bits` bits are those of net. */
static int prefix_matches(const unsigned char *net, const unsigned char *a, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	if (memcmp(net, a, whole) != 0)
		return 0;
	if (!rest)
		return 1;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));
	return (net[whole] & mask) == (a[whole] & mask);
}

/* One item "addr" or "addr/bits" into net; NULL or what is wrong. */
static const char *parse_net(char *item, struct peer_net *net)
{
	char *slash = strchr(item, '/');
	long bits = -1;
	if (slash) {
		char *end;
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || bits < 0)
			return "is not an address or a CIDR block (ADDRESS/BITS)";
	}
	struct peer_addr a;
	int mapped = strchr(item, ':') && strchr(item, '.');
	if (parse_addr(item, &a))
		return "is not an IPv4 or IPv6 address";
	unsigned max = a.v6 ? 128 : 32;
	if (bits < 0)
		bits = mapped ? 128 : max;
	if (mapped && !a.v6) /* ::ffff:10.0.0.0/104 is 10.0.0.0/8 */
		bits = bits >= 96 ? bits - 96 : -1;
	if (bits < 0 || bits > (long)max)
		return a.v6 ? "has a prefix length outside [0, 128]" : "has a prefix length outside [0, 32]";
	struct peer_addr host = a;
	/* the bits past the prefix must be 0: 10.0.0.1/8 is a typo for
	 * 10.0.0.0/8 or for 10.0.0.1 */
	for (unsigned b = (unsigned)bits; b < max; b++)
		host.addr[b / 8] &= (unsigned char)~(0x80 >> (b % 8));
	if (memcmp(host.addr, a.addr, 16) != 0)
		return "has bits set past its prefix length";
	net->v6 = a.v6;
	memcpy(net->addr, a.addr, 16);
	net->bits = (unsigned)bits;
	return NULL;
}

int peer_parse_nets(const char *list, struct peer_net *nets, size_t max, char *bad,
		    size_t badlen, const char **why)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		const char *e = p;
		while (*e && *e != ',' && *e != ' ' && *e != '\t')
			e++;
		char item[80];
		snprintf(item, sizeof(item), "%.*s", (int)(e - p), p);
		snprintf(bad, badlen, "%s", item);
		if ((size_t)(e - p) >= sizeof(item)) {
			*why = "is too long for an address";
			return -1;
		}
		if (n == max) {
			*why = "is one address too many (at most 64)";
			return -1;
		}
		if ((*why = parse_net(item, &nets[n])))
			return -1;
		n++;
		p = e;
	}
	return (int)n;
}

int peer_from_sockaddr(const struct sockaddr *sa, struct peer_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa && sa->sa_family == AF_INET) {
		memcpy(out->addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		if (memcmp(b, v4_mapped, 12) == 0) {
			memcpy(out->addr, b + 12, 4);
		} else {
			out->v6 = 1;
			memcpy(out->addr, b, 16);
		}
		return 0;
	}
	return -1;
}

int peer_trusted(const struct peer_net *nets, size_t n, const struct peer_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (nets[i].v6 == a->v6 && prefix_matches(nets[i].addr, a->addr, nets[i].bits))
			return 1;
	return 0;
}

int peer_forwarded_client(const char *const *values, size_t nvalues, const struct peer_net *nets,
			  size_t n, struct peer_addr *out)
{
	for (size_t v = nvalues; v-- > 0;) {
		const char *s = values[v];
		const char *e = s + strlen(s);
		while (e > s) {
			const char *start = e;
			while (start > s && start[-1] != ',')
				start--;
			const char *a = start, *b = e;
			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			e = start > s ? start - 1 : s;
			if (a == b)
				continue; /* "a,,b": an empty element of the list */
			char text[64];
			struct peer_addr addr;
			if ((size_t)(b - a) >= sizeof(text))
				return 0;
			memcpy(text, a, (size_t)(b - a));
			text[b - a] = '\0';
			if (parse_addr(text, &addr))
				return 0;
			if (!peer_trusted(nets, n, &addr)) {
				*out = addr;
				return 1;
			}
		}
	}
	return 0;
}

void peer_format(const struct peer_addr *a, char *out, size_t cap)
{
	if (!inet_ntop(a->v6 ? AF_INET6 : AF_INET, a->addr, out, (socklen_t)cap))
		snprintf(out, cap, "?");
}

/* ---- counts ---- */

#define BUCKETS 1024

struct node {
	struct peer_addr a;
	unsigned n;
	struct node *next;
};

struct peer_counts {
	pthread_mutex_t lock;
	unsigned limit;
	struct node *bucket[BUCKETS];
};

struct peer_counts *peer_counts_new(unsigned limit)
{
	struct peer_counts *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	pthread_mutex_init(&c->lock, NULL);
	c->limit = limit;
	return c;
}

void peer_counts_free(struct peer_counts *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct node *n = c->bucket[i], *next; n; n = next) {
			next = n->next;
			free(n);
		}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static size_t hash(const struct peer_addr *a)
{
	uint64_t h = 1469598103934665603ULL ^ a->v6;
	for (size_t i = 0; i < 16; i++) {
		h ^= a->addr[i];
		h *= 1099511628211ULL;
	}
	return (size_t)(h % BUCKETS);
}

static int same(const struct peer_addr *x, const struct peer_addr *y)
{
	return x->v6 == y->v6 && memcmp(x->addr, y->addr, 16) == 0;
}

int peer_acquire(struct peer_counts *c, const struct peer_addr *a)
{
	size_t h = hash(a);
	int rc = 0;
	pthread_mutex_lock(&c->lock);
	struct node *n = c->bucket[h];
	while (n && !same(&n->a, a))
		n = n->next;
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			abort();
		n->a = *a;
		n->next = c->bucket[h];
		c->bucket[h] = n;
	}
	if (c->limit && n->n >= c->limit)
		rc = -1;
	else
		n->n++;
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void peer_release(struct peer_counts *c, const struct peer_addr *a)
{
	size_t h = hash(a);
	pthread_mutex_lock(&c->lock);
	struct node **pp = &c->bucket[h];
	while (*pp && !same(&(*pp)->a, a))
		pp = &(*pp)->next;
	struct node *n = *pp;
	if (n && n->n && --n->n == 0) {
		*pp = n->next;
		free(n);
	}
	pthread_mutex_unlock(&c->lock);
}
