/*
 * jsonx.c - see jsonx.h.
 */
#include "jsonx.h"
#include "date.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *jx_num3(double v)
{
	if (!isfinite(v))
		return json_null();
	double r = round(v * 1000.0) / 1000.0;
	if (r == 0)
		r = 0; /* no -0 */
	if (r == trunc(r) && fabs(r) < 9e15)
		return json_integer((json_int_t)r);
	return json_real(r);
}

json_t *jx_sig4(double v)
{
	if (!isfinite(v))
		return json_null();
	char s[32];
	snprintf(s, sizeof(s), "%.4g", v);
	return json_real(strtod(s, NULL));
}

json_t *jx_date(int32_t day)
{
	if (day == DATE_NONE)
		return json_null();
	char s[DATE_LEN + 1];
	return json_stringn(date_str(day, s), DATE_LEN);
}

char *jx_dump(const json_t *root, size_t *len)
{
	char *s = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (s && len)
		*len = strlen(s);
	return s;
}

const char *jx_error_text(json_error_t *err)
{
	char *near = strstr(err->text, " near '");
	if (near)
		*near = '\0';
	return err->text;
}
