/*
 * intake.h - the request head checked before any handler runs (http.c
 * calls it once the headers are in, before it decides about the body).
 *
 * Refused with 400, each with its own message:
 * - an ambiguous body length (request smuggling, RFC 9112 §6.1, §6.3):
 *   Transfer-Encoding with Content-Length, either given twice, a transfer
 *   coding other than chunked;
 * - a header name with blanks (or none);
 * - a control character (below 0x20 except tab, or DEL) in a header name
 *   or value, NUL included: `Authorization: Bearer <token>\0x` is not the
 *   token (libmicrohttpd 0.9.75 cuts the value at the NUL and keeps no
 *   trace of it: intake.c finds it in the bytes of the head);
 * - a folded header line (obs-fold, RFC 9112 §5.2);
 * - HTTP/1.1 without Host, or Host given twice (RFC 9112 §3.2).
 */
#ifndef LEADTIME_INTAKE_H
#define LEADTIME_INTAKE_H

struct MHD_Connection;

/* Why the head of the request on conn is refused (a static string for a
 * 400 message), or NULL when it is acceptable.  method and version are
 * the access handler's arguments. */
const char *intake_problem(struct MHD_Connection *conn, const char *method,
			   const char *version);

#endif
