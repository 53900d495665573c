/*
 * tz.h - time zones for timestamps written without a UTC offset.
 *
 * A zone is UTC, a fixed offset (`+02:00`, `-0530`, `UTC+1`), or an IANA
 * name (`Europe/Berlin`) read from its TZif file (RFC 8536) under $TZDIR
 * or /usr/share/zoneinfo, including the POSIX TZ rule of its footer for
 * times past the file's last transition.  Nothing here touches the
 * process-wide TZ or localtime(): a loaded zone is an immutable value that
 * any number of threads may use at once.
 */
#ifndef LEADTIME_TZ_H
#define LEADTIME_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/*
 * Load the zone `name`.  Returns it (free with tz_free()), or NULL with a
 * description of the problem in err (lowercase, no final period).
 */
struct tz *tz_load(const char *name, char *err, size_t errlen);
void tz_free(struct tz *tz);

/* The name it was loaded as. */
const char *tz_name(const struct tz *tz);

/* The UTC offset (seconds east of Greenwich) in force at UTC instant t
 * (seconds since 1970-01-01T00:00:00Z). */
int32_t tz_offset_at(const struct tz *tz, int64_t t);

/*
 * The UTC instant of the wall-clock time `local` (seconds since
 * 1970-01-01T00:00:00 read as if the wall clock were UTC).  A time that
 * occurs twice (clocks set back) or never (clocks set forward) takes the
 * offset in force before the transition, as Python's zoneinfo does with
 * fold = 0: the earlier of two instants; a skipped time moves forward.
 */
int64_t tz_local_to_utc(const struct tz *tz, int64_t local);

#endif
