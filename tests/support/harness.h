/* harness.h — the interimd binary run from tests and benchmarks: a private directory, start to READY=1, stop, events on the wire. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "interim.pb-c.h"

/* How long to wait for the daemon to start, answer or stop. */
#define HARNESS_WAIT_MS 10000

/* One daemon and its temporary directory: configuration, state, sockets, log. */
typedef struct Harness {
        char dir[64];
        char config[96];  /* dir/interimd.ini, written by the caller */
        char state[96];   /* dir/state: the daemon's state_dir */
        char notify[96];  /* dir/notify: its NOTIFY_SOCKET */
        char log[96];     /* dir/interimd.log: its stderr, appended */
        const char *binary;
        pid_t pid;        /* 0 when not running */
} Harness;

/*
 * Creates the directory /tmp/NAME-XXXXXX and fills in its paths.  binary is the
 * interimd executable (kept as a pointer).  Returns 0 or a negative errno.
 */
int harness_init(Harness *h, const char *name, const char *binary);

/* Stops a daemon still running (SIGKILL) and removes the directory with all it holds. */
void harness_cleanup(Harness *h);

/*
 * Starts interimd with --config h->config, its stderr appended to h->log, and waits
 * for its READY=1.  Returns 0, -ETIMEDOUT, -EPROTO (it sent something else or died)
 * or another negative errno.
 */
int harness_start(Harness *h);

/*
 * Sends the daemon a signal and waits for it to end.  Returns its exit status, 128 plus
 * the signal that ended it, or -1 if it had to be killed after HARNESS_WAIT_MS.
 */
int harness_stop(Harness *h, int signal);

/*
 * Runs binary with argv args (args[0] its name) to the end, its standard output and
 * error collected in out (NUL-terminated, cut to out_size).  Returns its exit status,
 * or -1 if it could not run or did not exit.
 */
int harness_run(const char *binary, const char *const *args, char *out, size_t out_size);

/* Copies the daemon's log to stderr (to show why it failed). */
void harness_print_log(const Harness *h);

/* An event as a site sends it; unset fields take the defaults noted. */
typedef struct SiteEvent {
        const char *trial;   /* "GBSG" */
        const char *site;    /* "site-1" */
        uint64_t seq;
        const char *patient;
        const char *date;
        const char *kind;    /* enroll, contact, locoregional, distant, unspecified, death, withdraw, retract, look; NULL: no body */
        const char *arm;     /* "control" */
        const char *stratum; /* "g1" for an enrollment in GBSG, else none */
        uint64_t target;     /* retract */
        uint32_t look;       /* look */
} SiteEvent;

/* Encodes an event into buf; returns its length, or 0 if it does not fit in size bytes. */
size_t harness_encode(const SiteEvent *ev, uint8_t *buf, size_t size);

/*
 * The date (YYYY-MM-DD) of day k of a trial that started 400 days before today.  The
 * text lives in one of eight buffers used in turn: good for a few calls in one expression.
 */
const char *harness_day(int k);

/*
 * Receives one acknowledgement on a DEALER socket (after an empty delimiter frame if
 * one comes first).  Returns 1 and the decoded Ack in *ret (free it with
 * interim__ack__free_unpacked), 0 when none came within timeout_ms, or a negative
 * errno (-EBADMSG: not one decodable Ack).
 */
int harness_recv_ack(void *socket, int timeout_ms, Interim__Ack **ret);
