/* notify.h — the daemon's messages to the service manager (sd_notify); nothing outside systemd. */
#pragma once

/* Tells the service manager the daemon has rebuilt its state and bound its sockets. */
void notify_ready(const char *status);

/* Tells the service manager the daemon is shutting down. */
void notify_stopping(void);
