/* notify.h — the daemon's messages to the service manager (sd_notify); nothing outside systemd. */
#pragma once

#include <stdint.h>

/* Tells the service manager the daemon has rebuilt its state and bound its sockets. */
void notify_ready(const char *status);

/* Tells the service manager the daemon is reading its configuration again; notify_ready() ends it. */
void notify_reloading(void);

/* Tells the service manager the daemon is shutting down. */
void notify_stopping(void);

/* Sets the one-line status the service manager shows. */
void notify_status(const char *status);

/*
 * The interval in microseconds within which the service manager expects a keep-alive
 * (WatchdogSec=, for this process), or 0 when it expects none.
 */
uint64_t notify_watchdog_usec(void);

/* The keep-alive: the main loop still turns. */
void notify_watchdog(void);
