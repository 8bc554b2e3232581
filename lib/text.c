/* text.c — UTF-8 (RFC 3629), names and printable text, with GNU libunistring. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "interim/text.h"

bool text_utf8(const char *s) {
        return u8_check((const uint8_t *)s, strlen(s)) == NULL;
}

/* Whether a character beyond ASCII may be in a name: nothing blank, a control, a format character or otherwise invisible. */
static bool visible(ucs4_t c) {
        return !uc_is_property_white_space(c) && !uc_is_general_category(c, UC_CONTROL) &&
               !uc_is_general_category(c, UC_FORMAT) && !uc_is_property_default_ignorable_code_point(c);
}

/* Whether the n bytes of well-formed UTF-8 at s are in Normalization Form C. */
static bool nfc(const uint8_t *s, size_t n) {
        uint8_t buf[256];
        size_t len = sizeof(buf);
        uint8_t *normal = u8_normalize(UNINORM_NFC, s, n, buf, &len);
        bool same = normal && len == n && memcmp(normal, s, n) == 0;
        if (normal != buf)
                free(normal);
        return same;
}

bool text_name(const char *s, size_t n) {
        const uint8_t *p = (const uint8_t *)s, *end = p + n;
        bool ascii = true;
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
                if (len < 0 || !visible(c))
                        return false;
                ascii = false;
                p += len;
        }
        /* One spelling of each name: "e" and U+0301 is refused for U+00E9, which prints alike. */
        return ascii || nfc((const uint8_t *)s, n);
}

/* Whether a character beyond ASCII prints in a line of text as itself. */
static bool printable(ucs4_t c) {
        return !uc_is_general_category(c, UC_CONTROL) && !uc_is_general_category(c, UC_FORMAT) &&
               !uc_is_general_category(c, UC_LINE_SEPARATOR) && !uc_is_general_category(c, UC_PARAGRAPH_SEPARATOR);
}

char *text_printable(char *s) {
        uint8_t *in = (uint8_t *)s, *out = in, *end = in + strlen(s);
        while (in < end) {
                if (*in < 0x80) {
                        *out++ = *in < 0x20 || *in == 0x7f ? '?' : *in;
                        in++;
                        continue;
                }
                ucs4_t c;
                int len = u8_mbtoucr(&c, in, (size_t)(end - in));
                if (len > 0 && printable(c)) {
                        memmove(out, in, (size_t)len);
                        out += len;
                        in += len;
                } else {
                        /* One '?' for a character that does not print, and one for each byte of a broken one. */
                        *out++ = '?';
                        in += len > 0 ? len : 1;
                }
        }
        *out = '\0';
        return s;
}
