/* fixture.h — the interimd binary run from a temporary directory for integration tests: start, stop, events, acknowledgements. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"
#include "interim.pb-c.h"

/* How long to wait for the daemon to start, answer or stop. */
#define WAIT_MS 10000

typedef struct Fixture {
        char dir[64];
        char config[128];
        char notify[96];
        char log[128];
        pid_t pid;
        int notify_fd;          /* the stand-in service manager's socket; -1 once closed */
        bool keep_notify;       /* daemon_start() leaves notify_fd open for the test to read */
        uint64_t watchdog_usec; /* when set, the daemon is started with WATCHDOG_USEC and its WATCHDOG_PID */
        void *zmq;
        void *dealer;           /* connected to the ingest socket */
        void *sockets[16];      /* every socket of the test, closed by harness_free() */
        size_t n_sockets;
} Fixture;

/*
 * Makes a temporary directory, writes the configuration config into it (each "@DIR@"
 * replaced by the directory), starts interimd on it and connects a DEALER to
 * ipc://DIR/ingest.  Fails the test on any error.
 */
Fixture *harness_new(const char *config);

/*
 * As harness_new(), but the notification socket stays open for the test to read
 * (notify_wait()), and with watchdog_usec > 0 the daemon is started with WATCHDOG_USEC
 * set to it and WATCHDOG_PID to its own pid, as systemd does for WatchdogSec=.
 */
Fixture *harness_new_notified(const char *config, uint64_t watchdog_usec);

/*
 * Stops the daemon with SIGTERM (printing its log unless it exited with 0), removes the
 * directory and frees f.  Returns the daemon's exit status as daemon_stop() does.
 */
int harness_free(Fixture *f);

/* Writes the configuration again (for a reload), "@DIR@" replaced as by harness_new(). */
void harness_write_config(Fixture *f, const char *config);

/* Whether the daemon's log holds the text. */
bool harness_log_contains(const Fixture *f, const char *text);

/*
 * Runs interimd (the binary named by $INTERIMD) with args (args[0] its name, NULL-terminated)
 * and waits for it; returns its exit status, with what it wrote to stdout and stderr in out.
 */
int run_interimd(const char *const *args, char *out, size_t out_size);

/* Starts interimd and waits for its READY=1. */
void daemon_start(Fixture *f);

/* Stops interimd with a signal; returns its exit status, 128 + the signal that ended it, or -1 if it had to be killed. */
int daemon_stop(Fixture *f, int signal);

/*
 * Reads the daemon's notifications (keep_notify) until one holds text; returns true,
 * with that datagram in buf, or false after timeout_ms.
 */
bool notify_wait(Fixture *f, const char *text, int timeout_ms, char *buf, size_t size);

/* ZeroMQ endpoint "ipc://DIR/name" of a socket of the test configurations. */
void harness_endpoint(const Fixture *f, const char *name, char *buf, size_t size);

/*
 * A socket of type connected to the daemon's socket "name" (see harness_endpoint()),
 * with no linger; closed by harness_close() or, at the latest, harness_free(), so
 * that a failed test never leaves the context unable to end.
 */
void *harness_connect(Fixture *f, int type, const char *name);

/* Closes a socket of harness_connect(). */
void harness_close(Fixture *f, void *socket);

/* Connects f->dealer to the ingest socket (harness_new() does), and closes it. */
void dealer_open(Fixture *f);
void dealer_close(Fixture *f);

/* An event to send (the harness's SiteEvent); unset fields take the harness's defaults. */
typedef SiteEvent Ev;

/* The date of day k of the test trial, which started 400 days ago. */
const char *day(int k);

/* Encodes an event; returns its length in buf. */
size_t encode(Ev ev, uint8_t *buf, size_t size);

/* Sends an event on f->dealer, without waiting for its acknowledgement. */
void send_event(Fixture *f, Ev ev);

/* Receives one acknowledgement (after an empty delimiter frame if one comes first), or NULL after timeout_ms. */
Interim__Ack *receive_ack(Fixture *f, int timeout_ms);

/* Checks an acknowledgement and frees it. */
void check_ack(Interim__Ack *ack, const char *site, uint64_t seq, Interim__AckStatus status, Interim__Reason reason,
               uint64_t store_seq);

/* Sends an event and checks its acknowledgement; accepted() and rejected() expect the one status. */
void expect(Fixture *f, Ev ev, Interim__AckStatus status, Interim__Reason reason, uint64_t store_seq);
void accepted(Fixture *f, Ev ev, uint64_t store_seq);
void rejected(Fixture *f, Ev ev, Interim__Reason reason);

/* Sends raw frames and returns the acknowledgement. */
Interim__Ack *send_frames(Fixture *f, const void *const *frames, const size_t *sizes, size_t n);
