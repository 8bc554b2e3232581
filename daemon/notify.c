/* notify.c — every sd_* call of the daemon. */
#include <stdbool.h>
#include <systemd/sd-daemon.h>

#include "notify.h"

void notify_ready(const char *status) {
        (void)sd_notifyf(false, "READY=1\nSTATUS=%s", status);
}

void notify_reloading(void) {
        (void)sd_notify(false, "RELOADING=1");
}

void notify_stopping(void) {
        (void)sd_notify(false, "STOPPING=1");
}

void notify_status(const char *status) {
        (void)sd_notifyf(false, "STATUS=%s", status);
}

uint64_t notify_watchdog_usec(void) {
        uint64_t usec = 0;
        return sd_watchdog_enabled(false, &usec) > 0 ? usec : 0;
}

void notify_watchdog(void) {
        (void)sd_notify(false, "WATCHDOG=1");
}
