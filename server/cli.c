/*
 * cli.c - see cli.h.
 */
#include "cli.h"
#include "date.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "leadtimed %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'leadtimed %s --help')\n", cmd);
	return CLI_USAGE;
}

static int set(const char *cmd, struct cli_opt *o, const char *v)
{
	char *end;
	switch (o->type) {
	case CLI_FLAG:
		*(int *)o->dst = 1;
		return 0;
	case CLI_STR:
		*(const char **)o->dst = v;
		return 0;
	case CLI_LONG: {
		errno = 0;
		long x = strtol(v, &end, 10);
		if (errno || end == v || *end || x < o->min || x > o->max) {
			fprintf(stderr,
				"leadtimed %s: --%s: '%s' is not a whole number in [%ld, %ld] (see 'leadtimed %s --help')\n",
				cmd, o->name, v, o->min, o->max, cmd);
			return CLI_USAGE;
		}
		*(long *)o->dst = x;
		return 0;
	}
	case CLI_DATE:
		if (date_parse(v, strlen(v), (int32_t *)o->dst))
			return usage_error(cmd, "--%s: '%s' is not a date (YYYY-MM-DD)", o->name, v);
		return 0;
	}
	return 0;
}

int cli_parse(const char *cmd, int argc, char **argv, int first, struct cli_opt *opts,
	      const char **pos, int maxpos, int *npos, int *help, int *version)
{
	*npos = 0;
	int only_pos = 0;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			if (*npos == maxpos)
				return usage_error(cmd, "unexpected argument '%s'", a);
			pos[(*npos)++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			*help = 1;
			continue;
		}
		if (strcmp(a, "--version") == 0) {
			*version = 1;
			continue;
		}
		struct cli_opt *o;
		const char *eq = NULL;
		if (a[1] != '-') {
			/* `-c VALUE`: an option with a one-letter name, its value
			 * the next argument */
			for (o = opts; o->name; o++)
				if (o->name[0] == a[1] && !o->name[1] && !a[2])
					break;
		} else {
			const char *name = a + 2;
			eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			for (o = opts; o->name; o++)
				if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
					break;
		}
		if (!o->name)
			return usage_error(cmd, "unknown option '%s'", a);
		if (o->seen)
			return usage_error(cmd, "--%s given twice", o->name);
		o->seen = 1;
		const char *v = NULL;
		if (o->type == CLI_FLAG) {
			if (eq)
				return usage_error(cmd, "--%s takes no value", o->name);
		} else if (eq) {
			v = eq + 1;
		} else if (i + 1 < argc) {
			v = argv[++i];
		} else {
			return usage_error(cmd, "--%s needs a value", o->name);
		}
		int rc = set(cmd, o, v);
		if (rc)
			return rc;
	}
	return 0;
}
