/* watchjson.h — an endpoint's statistics as JSON (jansson): the wire's fields under their own names. */
#pragma once

#include <jansson.h>
#include <stdio.h>

#include "statistics.pb-c.h"

/* How the lines are written: compact, every number with the 17 digits that give it back exactly. */
#define WATCHJSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17))

/*
 * The statistics as a JSON object: each field of the message under its name in
 * statistics.proto, in its order; a repeated field as an array; an absent number (R's
 * NA) or a non-finite one as null; an absent block (a message field) left out.
 * Returns a new reference, or NULL when out of memory.
 */
json_t *watchjson_statistics(const Interim__Statistics *s);

/* Writes the statistics as one line of JSON.  Returns 0, -ENOMEM or -EIO. */
int watchjson_print(FILE *f, const Interim__Statistics *s);
