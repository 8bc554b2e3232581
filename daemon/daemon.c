/* daemon.c — interimd's start-up, main loop and shutdown. */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "daemon.h"
#include "ingest.h"
#include "log.h"
#include "notify.h"
#include "store.h"
#include "trials.h"

typedef struct Daemon {
        const Config *config;
        Trials *trials;
        Store *store;
        void *zmq;
        Ingest *ingest;
        int signal_fd;
        uint32_t *changed; /* [trials->n]: endpoints moved since the last refresh */
} Daemon;

static int64_t now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * Called after each committed batch.  changed[t] has bit i set for each endpoint i of
 * trial t whose risk set (or looks) the batch moved: the statistics refresh and its
 * coalesced publication (publish_interval_ms) attach here.  Until they do, the set is
 * only cleared.
 */
static void batch_committed(Daemon *d) {
        memset(d->changed, 0, d->trials->n * sizeof(*d->changed));
}

/* Blocks SIGTERM and SIGINT (in every thread started later) and reads them from a signalfd instead. */
static int signals_take(Daemon *d) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        return d->signal_fd < 0 ? -errno : 0;
}

/* Rebuilds the trials from the store.  Returns 0 or a negative errno (logged). */
static int start_state(Daemon *d) {
        const Config *c = d->config;
        char *error = NULL;
        int r = trials_new(&d->trials, c);
        if (r < 0) {
                log_error("configuration: %s", r == -EINVAL ? "a trial definition is inconsistent" : strerror(-r));
                return r;
        }
        d->changed = calloc(d->trials->n, sizeof(*d->changed));
        if (!d->changed)
                return -ENOMEM;
        r = store_open(&d->store, c->state_dir, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                free(error);
                return r;
        }
        size_t n = 0;
        r = trials_replay(d->trials, d->store, &n, &error);
        if (r < 0) {
                log_crit("store %s does not replay: %s", c->state_dir, error ? error : strerror(-r));
                free(error);
                return r;
        }
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES];
        char hex[2 * STORE_HASH_BYTES + 1];
        store_head(d->store, &head, hash);
        sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
        /* The head in the journal is an anchor outside the store: a truncated store cannot match it. */
        log_info("store %s: %zu events replayed, head %lld %s", c->state_dir, n, (long long)head, hex);
        return 0;
}

static int serve(Daemon *d) {
        zmq_pollitem_t items[] = {
                { .socket = ingest_socket(d->ingest), .events = ZMQ_POLLIN },
                { .fd = d->signal_fd, .events = ZMQ_POLLIN },
        };
        for (;;) {
                if (zmq_poll(items, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error("poll: %s", zmq_strerror(errno));
                        return EXIT_FAILURE;
                }
                if (items[0].revents & ZMQ_POLLIN) {
                        int n = ingest_batch(d->ingest, now_us(), d->changed);
                        if (n < 0) {
                                /* The trials may hold events the store does not: only a replay knows the truth. */
                                log_crit("batch abandoned, nothing acknowledged: %s (store: %s); exiting to replay",
                                         strerror(-n), store_error(d->store));
                                return EXIT_FAILURE;
                        }
                        if (n > 0)
                                batch_committed(d);
                }
                if (items[1].revents & ZMQ_POLLIN) {
                        struct signalfd_siginfo si;
                        if (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                                log_notice("%s: stopping", strsignal((int)si.ssi_signo));
                        return EXIT_SUCCESS;
                }
        }
}

int daemon_run(const Config *c) {
        Daemon d = { .config = c, .signal_fd = -1 };
        int status = EXIT_FAILURE;
        /* Before the ZeroMQ context exists, so that its threads never take the signals. */
        int r = signals_take(&d);
        if (r < 0) {
                log_error("signals: %s", strerror(-r));
                goto done;
        }
        if (start_state(&d) < 0)
                goto done;
        d.zmq = zmq_ctx_new();
        if (!d.zmq) {
                log_error("zeromq: %s", zmq_strerror(errno));
                goto done;
        }
        r = ingest_new(&d.ingest, d.zmq, c, d.trials, d.store);
        if (r < 0) {
                log_error("ingest %s: %s", c->ingest, zmq_strerror(-r));
                goto done;
        }
        char ready[512];
        snprintf(ready, sizeof(ready), "ingest on %s; %zu trial%s", c->ingest, d.trials->n, d.trials->n == 1 ? "" : "s");
        notify_ready(ready);
        log_notice("ready: %s", ready);
        status = serve(&d);
        notify_stopping();
done:
        ingest_free(d.ingest);
        if (d.zmq)
                zmq_ctx_term(d.zmq);
        store_free(d.store);
        trials_free(d.trials);
        free(d.changed);
        if (d.signal_fd >= 0)
                close(d.signal_fd);
        return status;
}
