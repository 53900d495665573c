/*
 * iniread.h - INI text read line by line, for config.c.
 *
 * The grammar is inih's as config.ini has always used it: `[section]`,
 * `key = value` (split at the first '='), whole-line comments starting
 * with ';' or '#', inline comments starting with a ';' that follows a
 * blank, a UTF-8 byte order mark before the first line.  Unlike inih as
 * Debian builds it, a line may be of any length up to a bound the caller
 * chooses, every line is numbered, leading blanks never continue the
 * previous value, keys are not cut at 50 bytes, ':' is not a second
 * separator (a department may be called "Sales: EMEA"), and each problem
 * names its line and column.
 */
#ifndef LEADTIME_INIREAD_H
#define LEADTIME_INIREAD_H

#include <stddef.h>
#include <stdio.h>

/* One `key = value` line, or one line that could not be read. */
struct iniread_item {
	const char *section;  /* the current section; "" before the first one */
	const char *key;      /* trimmed; NULL when `problem` is set */
	const char *value;    /* trimmed, inline comment removed; may be "" */
	const char *problem;  /* why the line is not INI (lowercase, no period) */
	int line;             /* 1-based */
	size_t key_col;       /* 1-based byte columns in the line as written */
	size_t col;           /* the value's first byte, or where the problem is */
};

/* Called for each item; the strings live until the callback returns. */
typedef void iniread_fn(void *user, const struct iniread_item *item);

/* Read `f` to its end, calling fn for every key and every problem in file
 * order.  Lines longer than max_line bytes (without the line break), lines
 * holding a NUL byte or bytes that are not UTF-8 are problems (reading goes
 * on with the next line).  Returns 0, or -1 when reading fails (errno set;
 * the items seen so far were reported). */
int iniread_stream(FILE *f, size_t max_line, iniread_fn *fn, void *user);

#endif
