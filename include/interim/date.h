/* date.h — calendar dates as days since 1970-01-01 (proleptic Gregorian). */
#pragma once

#include <stdint.h>

/* Parses exactly YYYY-MM-DD (a real date, years 1900..2199) into days since 1970-01-01.  Returns 0 or -EINVAL. */
int date_parse(const char *s, int32_t *ret_days);

/* Writes days since 1970-01-01 as YYYY-MM-DD and a NUL into buf. */
void date_format(int32_t days, char buf[static 11]);
