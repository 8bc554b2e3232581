/* log.h — the daemon's log: one line per message on stderr, with a journald priority prefix. */
#pragma once

#include <systemd/sd-daemon.h>

/*
 * Writes one log line: prefix (SD_CRIT, SD_ERR, SD_WARNING, SD_NOTICE, SD_INFO) and the
 * formatted message.  What would not print as itself (text_printable(): controls,
 * bidirectional overrides, broken UTF-8, as a peer's strings may carry) becomes '?'.
 */
void log_line(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_crit(...) log_line(SD_CRIT, __VA_ARGS__)
#define log_error(...) log_line(SD_ERR, __VA_ARGS__)
#define log_warning(...) log_line(SD_WARNING, __VA_ARGS__)
#define log_notice(...) log_line(SD_NOTICE, __VA_ARGS__)
#define log_info(...) log_line(SD_INFO, __VA_ARGS__)
