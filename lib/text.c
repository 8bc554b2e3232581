/* text.c — UTF-8 (RFC 3629) and names, checked with GNU libunistring. */
#include <stdint.h>
#include <string.h>
#include <unictype.h>
#include <unistr.h>

#include "interim/text.h"

bool text_utf8(const char *s) {
        return u8_check((const uint8_t *)s, strlen(s)) == NULL;
}

bool text_name(const char *s, size_t n) {
        const uint8_t *p = (const uint8_t *)s, *end = p + n;
        if (n == 0)
                return false;
        while (p < end) {
                /* ASCII, the usual case, without a look-up: its blanks and controls are U+0000..U+0020 and U+007F. */
                if (*p < 0x80) {
                        if (*p <= 0x20 || *p == 0x7f)
                                return false;
                        p++;
                        continue;
                }
                ucs4_t c;
                int len = u8_mbtoucr(&c, p, (size_t)(end - p));
                if (len < 0 || uc_is_property_white_space(c) || uc_is_general_category(c, UC_CONTROL) ||
                    uc_is_general_category(c, UC_FORMAT))
                        return false;
                p += len;
        }
        return true;
}
