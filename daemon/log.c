/* log.c — log lines on stderr for journald. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "interim/text.h"
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
        /* Names from the network or a file may hold what a terminal would act on: shown as '?'. */
        size_t end = n + strlen(text_printable(line + n));
        line[end] = '\n';
        /* One write per line, so lines of concurrent writers never interleave. */
        fwrite(line, 1, end + 1, stderr);
        fflush(stderr);
}
