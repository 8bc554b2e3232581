/* utf8.h — whether text is well-formed UTF-8, as a protobuf string must be. */
#pragma once

#include <stdbool.h>

/*
 * Whether the NUL-terminated s is well-formed UTF-8: no stray or missing continuation
 * bytes, no overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 */
bool utf8_valid(const char *s);
