/*
 * workbook.h - the weekly workbook (issue 11 §8): one .xlsx file per ISO
 * week, in the manner of the original call-centre study's Agent_Weekly
 * workbook that supervisors read every Monday.
 *
 * Sheets (docs/ANALYTICS.md "The weekly workbook" has every figure):
 *   Summary   one row per employee with work in the week, every department
 *             in pipeline order: closed, median and p90 days to close, SLA
 *             hit rate, average open, closes per week;
 *   Averages  the same figures per department and for the whole company,
 *             then the mean and SD the Summary's colour scales use;
 *   one sheet per employee of the Summary: one row per ISO week from their
 *             first week with point-in-time rows (at most
 *             WORKBOOK_HISTORY_WEEKS back) up to the chosen week.
 * Each metric column carries a three-colour scale at mean − SD / mean /
 * mean + SD (red–white–green, green = good as in the department table;
 * blue–white–purple for the neutral workload).
 *
 * Every figure comes from agg_table_department() / agg_table_departments()
 * (agg.h); this module only lays them out.  No HTTP, no store: the caller
 * passes a snapshot and gets bytes.  workbook_names.c holds the pure
 * helpers (week, file and sheet names), workbook.c the writer.
 */
#ifndef LEADTIME_WORKBOOK_H
#define LEADTIME_WORKBOOK_H

#include <stddef.h>
#include <stdint.h>

struct snap;

/*
 * The week a `week` argument names, as its Monday: NULL = the last complete
 * ISO week (the latest whose Sunday is on or before as_of); `YYYY-Www` (ISO
 * week, e.g. 2025-W14); or `YYYY-MM-DD` (the ISO week holding that day).
 * The week must start in 1900 or later and on or before as_of (a week still
 * running at as_of is reported up to as_of).  0, or -1 with a message for
 * people in why[0..whylen) (it quotes the argument; the caller prefixes the
 * parameter or flag name).
 */
int workbook_week(const char *arg, int32_t as_of, int32_t *monday, char *why, size_t whylen);

/* Excel's limit on a sheet name, in characters (UTF-16 code units). */
#define WORKBOOK_SHEET_CHARS 31
#define WORKBOOK_SHEET_BYTES (WORKBOOK_SHEET_CHARS * 4 + 1)

/*
 * Valid, unique sheet names for n employees (names[i] of group groups[i],
 * their department), in order: each of []:*?/\ and control characters
 * becomes '_', a leading or trailing apostrophe too, at most 31 characters.
 * A name that two employees share (compared case-insensitively, as Excel
 * does), or that is "Summary", "Averages" or Excel's reserved "History",
 * gets its group: "Ana Lima (Design)"; what still collides gets " 2",
 * " 3", ...  out[i] receives the NUL-terminated UTF-8 name.
 */
void workbook_sheet_names(const char *const *names, const char *const *groups, size_t n,
			  char (*out)[WORKBOOK_SHEET_BYTES]);

/* The download name of a week's workbook: "leadtime-2025-W14.xlsx". */
#define WORKBOOK_FILENAME_LEN 32
void workbook_filename(int32_t monday, char out[WORKBOOK_FILENAME_LEN]);

/* The employee sheets reach back at most this many weeks (five years). */
#define WORKBOOK_HISTORY_WEEKS 260

/*
 * Write the workbook of the week starting `monday` (from workbook_week())
 * over snapshot s as of as_of, in memory: *data is malloc'd (the caller
 * frees it), *len its size.  The bytes depend only on the snapshot's
 * contents, the week and as_of (the file's creation time is as_of).
 * Nothing is left on disk.  0, or -1 (logged).
 */
int workbook_build(const struct snap *s, int32_t monday, int32_t as_of, char **data, size_t *len);

#endif
