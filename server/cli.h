/*
 * cli.h - command-line option parsing shared by the subcommands.
 *
 * Each command declares a table of options (`--name VALUE`, `--name=VALUE`
 * or a bare flag; an option whose name is one letter is also `-n VALUE`); the parser fills the table's slots and leaves positional
 * arguments in order.  An unknown option, a missing value or a bad value is
 * one line on stderr naming the option, and exit code 2 (CLI_USAGE).
 */
#ifndef LEADTIME_CLI_H
#define LEADTIME_CLI_H

#include <stdint.h>

enum cli_exit {
	CLI_OK = 0,
	CLI_FAIL = 1,   /* bad data (import rows) or a runtime failure */
	CLI_USAGE = 2,  /* bad arguments or a bad config file */
};

enum cli_type { CLI_FLAG, CLI_STR, CLI_LONG, CLI_DATE };

struct cli_opt {
	const char *name;     /* without the leading dashes */
	enum cli_type type;
	void *dst;            /* int*, const char**, long*, int32_t* */
	long min, max;        /* bounds of CLI_LONG */
	int seen;
};

/*
 * Parse argv[first..argc) against opts (terminated by a NULL name).
 * Positional arguments are moved to pos[] (at most maxpos; *npos set).
 * Returns 0, or CLI_USAGE after printing `leadtimed CMD: ...`.
 * `--help` and `--version` are reported through *help / *version.
 */
int cli_parse(const char *cmd, int argc, char **argv, int first, struct cli_opt *opts,
	      const char **pos, int maxpos, int *npos, int *help, int *version);

#endif
