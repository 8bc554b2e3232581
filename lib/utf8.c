/* utf8.c — a check that text is well-formed UTF-8 (RFC 3629). */
#include <stddef.h>
#include <stdint.h>

#include "interim/utf8.h"

bool utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *)s;
        while (*p) {
                if (*p < 0x80) {
                        p++;
                        continue;
                }
                size_t more;
                uint32_t c, least;
                if ((*p & 0xe0) == 0xc0)
                        more = 1, c = *p & 0x1f, least = 0x80;
                else if ((*p & 0xf0) == 0xe0)
                        more = 2, c = *p & 0x0f, least = 0x800;
                else if ((*p & 0xf8) == 0xf0)
                        more = 3, c = *p & 0x07, least = 0x10000;
                else
                        return false;
                /* A NUL, like any byte outside 0x80..0xbf, ends the sequence too early. */
                for (size_t i = 1; i <= more; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        c = c << 6 | (p[i] & 0x3f);
                }
                if (c < least || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                        return false;
                p += more + 1;
        }
        return true;
}
