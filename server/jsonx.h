/*
 * jsonx.h - the few jansson helpers every route uses, so numbers are
 * rounded once, in one place (SPEC §3: 3 decimals, never NaN).
 */
#ifndef LEADTIME_JSONX_H
#define LEADTIME_JSONX_H

#include <jansson.h>
#include <stdint.h>

/* A real rounded to 3 decimals; NaN or infinity become JSON null. */
json_t *jx_num3(double v);
/* A real rounded to 4 significant digits (p-values); NaN becomes null. */
json_t *jx_sig4(double v);
/* `YYYY-MM-DD`, or null for DATE_NONE. */
json_t *jx_date(int32_t day);
/* What is wrong with a JSON text jansson refused, without the bytes of
 * the text it quotes (" near 'abc'"): a message names the place (line,
 * column), never repeats a request body.  Returns err->text cut in place. */
const char *jx_error_text(json_error_t *err);
/* Serialise compactly (reals with up to 15 significant digits); the
 * caller frees the result.  NULL on OOM. */
char *jx_dump(const json_t *root, size_t *len);

#endif
