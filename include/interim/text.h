/* text.h — what text on the wire and in names must be: well-formed UTF-8, and for a name one spelling, nothing blank or invisible. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the NUL-terminated s is well-formed UTF-8, as a protobuf string must be: no
 * stray or missing continuation bytes, no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF.
 */
bool text_utf8(const char *s);

/*
 * Whether the n bytes at s make a name: at least one character, all of well-formed
 * UTF-8 in Normalization Form C, none of them blank (Unicode's White_Space: U+0020,
 * U+00A0, U+2028, ...), a control (Cc: U+0000..U+001F, U+007F..U+009F), a format
 * character (Cf: U+00AD, U+200B, U+202E, U+FEFF, ...) or otherwise invisible
 * (Default_Ignorable_Code_Point: U+034F, U+3164, U+FE0F, ...).  Two names that print
 * alike are then alike byte for byte, save for look-alike letters (Latin "a" and
 * Cyrillic "а").
 */
bool text_name(const char *s, size_t n);

/*
 * Rewrites the NUL-terminated s in place so that it prints on one line as it reads: each
 * byte not part of well-formed UTF-8, and each control (Cc: tab, newline, escape, the C1
 * controls U+0080..U+009F), format character (Cf: the bidirectional overrides U+202A..
 * U+202E and isolates U+2066..U+2069, U+200B, ...) and line or paragraph separator
 * (U+2028, U+2029) becomes one '?'.  Returns s.
 */
char *text_printable(char *s);
