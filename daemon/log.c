/* log.c — log lines on stderr for journald. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

void log_line(const char *prefix, const char *fmt, ...) {
        char line[1024];
        size_t n = strlen(prefix);
        if (n >= sizeof(line) - 2)
                return;
        memcpy(line, prefix, n);
        size_t room = sizeof(line) - n - 1; /* the message and its NUL; the newline goes last */
        va_list ap;
        va_start(ap, fmt);
        int r = vsnprintf(line + n, room, fmt, ap);
        va_end(ap);
        if (r < 0)
                return;
        size_t end = n + ((size_t)r < room ? (size_t)r : room - 1);
        for (size_t i = n; i < end; i++)
                if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
                        line[i] = '?';
        line[end] = '\n';
        /* One write per line, so lines of concurrent writers never interleave. */
        fwrite(line, 1, end + 1, stderr);
        fflush(stderr);
}
