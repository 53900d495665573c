/*
 * import_map.h - ticket exports with their own column names ([import] in
 * config.ini): the product presets (`profile = jira | zendesk`) and the CSV
 * reader that maps an export's columns to the six ticket fields, reads its
 * dates with date_format and timezone, numbers rows when the export has no
 * id, and matches departments case-insensitively.  The converted rows go
 * to the importer (import.h), so every other check, the messages and the
 * all-or-nothing write are the ticket import's.
 */
#ifndef LEADTIME_IMPORT_MAP_H
#define LEADTIME_IMPORT_MAP_H

#include <stdio.h>

struct config;
struct store;
struct import_result;

/* The column a profile (enum imap_profile) names for ticket field
 * `field` (enum import_col order), or NULL when it names none. */
const char *import_map_preset(int profile, int field);
/* The profile's date_format, or NULL (ISO-8601). */
const char *import_map_preset_date_format(int profile);

/*
 * Import a CSV export through cfg's [import] mapping: other columns are
 * ignored, repeated ones included.  Returns as importer_finish(): 0
 * written, 1 bad rows (nothing written, res->errors says where), -1 an
 * internal error.
 */
int import_map_csv(struct store *st, const struct config *cfg, FILE *in, struct import_result *res);

#endif
