/*
 * peer.h - who is on the other end: `[server] trusted_proxies` (addresses
 * and CIDR blocks, IPv4 and IPv6), the client address of a request that
 * came through one of them (X-Forwarded-For), and counts per client
 * address for the per-IP limit.
 *
 * Behind a reverse proxy every user shares the proxy's address, so a
 * per-IP limit on the peer would be one limit for everyone.  With
 * trusted_proxies set, http.c counts:
 * - a peer that is not a trusted proxy: its connections (as
 *   libmicrohttpd's own per-IP limit does without trusted_proxies);
 * - a request from a trusted proxy: its requests in flight, under the
 *   right-most address of X-Forwarded-For that is not itself a trusted
 *   proxy (the one the nearest trusted proxy saw; whatever a client
 *   wrote to the left of it is not believed).
 */
#ifndef LEADTIME_PEER_H
#define LEADTIME_PEER_H

#include <stddef.h>

struct sockaddr;

#define PEER_MAX_NETS 64

struct peer_net {
	int v6;                   /* 0: IPv4 (4 bytes of addr), 1: IPv6 */
	unsigned char addr[16];
	unsigned bits;            /* prefix length */
};

/* A client address as a key: IPv4 (also IPv4-mapped IPv6) or IPv6. */
struct peer_addr {
	unsigned char v6;
	unsigned char addr[16];
};

/*
 * Parse a comma-separated list of addresses and CIDR blocks
 * ("127.0.0.1, 10.0.0.0/8, ::1, fd00::/8") into nets[max].  The count, or
 * -1 with *why set and the offending item copied into bad[badlen].  An
 * empty list is 0 nets.
 */
int peer_parse_nets(const char *list, struct peer_net *nets, size_t max, char *bad,
		    size_t badlen, const char **why);

/* The address of a socket address (AF_INET or AF_INET6); -1 for others. */
int peer_from_sockaddr(const struct sockaddr *sa, struct peer_addr *out);
/* 1 when a is inside one of nets[0..n). */
int peer_trusted(const struct peer_net *nets, size_t n, const struct peer_addr *a);
/*
 * The client of a request that reached us from a trusted proxy: walking
 * the X-Forwarded-For values (in the order the headers came, each a comma
 * list) from the right, the first address not in nets.  1 with *out set;
 * 0 when there is none to believe (no header, every entry trusted, or an
 * entry that is not an address: the walk stops there), *out untouched.
 */
int peer_forwarded_client(const char *const *values, size_t nvalues, const struct peer_net *nets,
			  size_t n, struct peer_addr *out);
/* a as text (INET6_ADDRSTRLEN bytes suffice). */
void peer_format(const struct peer_addr *a, char *out, size_t cap);

/* ---- counts per address (thread-safe) ---- */

struct peer_counts;

/* Counts allowing `limit` at once per address (0: no limit).  Abort on OOM. */
struct peer_counts *peer_counts_new(unsigned limit);
void peer_counts_free(struct peer_counts *c);
/* Count one more for a: 0, or -1 (nothing counted) when a has `limit`. */
int peer_acquire(struct peer_counts *c, const struct peer_addr *a);
/* One less for a (after a peer_acquire() that returned 0). */
void peer_release(struct peer_counts *c, const struct peer_addr *a);

#endif
