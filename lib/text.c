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
        if (n == 0 || u8_check(p, n))
                return false;
        while (p < end) {
                ucs4_t c;
                p += u8_mbtouc_unsafe(&c, p, (size_t)(end - p));
                if (uc_is_property_white_space(c) || uc_is_general_category(c, UC_CONTROL) ||
                    uc_is_general_category(c, UC_FORMAT))
                        return false;
        }
        return true;
}
