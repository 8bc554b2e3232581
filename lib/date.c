/* date.c — conversion between YYYY-MM-DD and days since 1970-01-01. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "interim/date.h"

/* Days from civil date (Hinnant's algorithm), valid for the whole proleptic Gregorian calendar. */
static int32_t days_from_civil(int y, int m, int d) {
        y -= m <= 2;
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
        static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return days[m - 1] + (m == 2 && leap);
}

int date_parse(const char *s, int32_t *ret_days) {
        int v[3] = { 0 };
        const int width[3] = { 4, 2, 2 };
        for (int f = 0; f < 3; f++) {
                for (int i = 0; i < width[f]; i++, s++) {
                        if (*s < '0' || *s > '9')
                                return -EINVAL;
                        v[f] = v[f] * 10 + (*s - '0');
                }
                if (*s != (f < 2 ? '-' : '\0'))
                        return -EINVAL;
                s++;
        }
        if (v[0] < 1900 || v[0] > 2199 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > days_in_month(v[0], v[1]))
                return -EINVAL;
        *ret_days = days_from_civil(v[0], v[1], v[2]);
        return 0;
}

void date_format(int32_t days, char buf[static 11]) {
        int z = days + 719468;
        int era = (z >= 0 ? z : z - 146096) / 146097;
        int doe = z - era * 146097;
        int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int mp = (5 * doy + 2) / 153;
        int d = doy - (153 * mp + 2) / 5 + 1;
        int m = mp + (mp < 10 ? 3 : -9);
        int y = yoe + era * 400 + (m <= 2);
        char tmp[40]; /* room for any int, so the compiler sees no truncation */
        snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, d);
        memcpy(buf, tmp, 10);
        buf[10] = 0;
}
