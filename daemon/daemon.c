/* daemon.c — interimd's start-up, main loop, reload and shutdown. */
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
#include "event.h"
#include "ingest.h"
#include "log.h"
#include "notify.h"
#include "publish.h"
#include "reload.h"
#include "snapshot.h"
#include "store.h"
#include "topics.h"
#include "trials.h"
#include "zap.h"

typedef struct Daemon {
        const char *config_path;
        Config *config;
        Trials *trials;
        Store *store;
        Topics *topics;
        Worker *worker;     /* runs part of each refresh */
        void *zmq;
        Ingest *ingest;
        Publisher *publisher;
        Snapshot *snapshot; /* NULL when not configured */
        Zap *zap;           /* NULL without keys */
        int signal_fd;
        uint32_t *changed;  /* [trials->n]: endpoints moved since the last refresh */
        int64_t started;    /* microseconds since 1970 */
        uint64_t publications;
        int64_t watchdog_ms; /* keep-alive period: half the service manager's interval; 0 for none */
        int64_t next_tick;   /* heartbeat and status (ms, monotonic clock) */
        int64_t next_watchdog;
        char status[256];
} Daemon;

static int64_t now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Time for timers: the monotonic clock in milliseconds, which no clock change moves. */
static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Called after each committed batch.  changed[t] has bit i set for each endpoint i of
 * trial t whose risk set (or looks) the batch moved: a topic quiet for an interval is
 * published at once, one published less than an interval ago at the interval's end,
 * with whatever else moves it until then.
 */
static void batch_committed(Daemon *d) {
        topics_mark(d->topics, d->changed, now_ms(), d->config->publish_interval_ms);
        memset(d->changed, 0, d->trials->n * sizeof(*d->changed));
}

/* Refreshes and publishes every topic due.  Returns 0, or a negative errno when the store failed. */
static int refresh_and_publish(Daemon *d, int64_t now) {
        int r = topics_update(d->topics, d->trials, d->store, now, event_today(now_us()));
        if (r < 0)
                return r;
        if (d->publisher)
                publish_topics(d->publisher, d->topics);
        d->publications += d->topics->n_updated;
        return 0;
}

/* The service manager's status line: counts, sent when they changed. */
static void status_update(Daemon *d) {
        size_t patients = 0;
        for (size_t i = 0; i < d->trials->n; i++)
                patients += trial_enrolled(d->trials->trial[i], SURV_ALL);
        int64_t events;
        uint8_t hash[STORE_HASH_BYTES];
        store_head(d->store, &events, hash);
        char status[sizeof(d->status)];
        snprintf(status, sizeof(status), "%zu patients, %lld events stored, %lld rejections, %llu publications",
                 patients, (long long)events, (long long)store_rejections(d->store),
                 (unsigned long long)d->publications);
        if (strcmp(status, d->status) != 0) {
                memcpy(d->status, status, sizeof(status));
                notify_status(status);
        }
}

/*
 * Blocks SIGTERM, SIGINT and SIGHUP (in every thread started later) and reads them from
 * a signalfd instead.  Ignores SIGPIPE: a log reader that goes away (stderr a pipe) must
 * not kill the daemon; its lines are then lost.
 */
static int signals_take(Daemon *d) {
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return -errno;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        return d->signal_fd < 0 ? -errno : 0;
}

/* Rebuilds the trials and their topics from the store.  Returns 0 or a negative errno (logged). */
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
        r = worker_new(&d->worker);
        if (r < 0) {
                log_error("refresh thread: %s", strerror(-r));
                return r;
        }
        r = topics_new(&d->topics, c, d->trials, d->store, d->worker, NULL);
        if (r < 0)
                log_error("topics: %s", strerror(-r));
        return r;
}

/* Binds every configured socket.  Returns 0 or a negative errno (logged). */
static int start_sockets(Daemon *d) {
        const Config *c = d->config;
        const char *endpoint = c->ingest;
        char *error = NULL;
        int r = zap_new(&d->zap, d->zmq, c, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                free(error);
                return r;
        }
        if (!d->zap)
                log_notice("no keys configured: nobody is authenticated, sockets are local only (ipc:// and loopback)");
        r = ingest_new(&d->ingest, d->zmq, c, d->zap, d->trials, d->store);
        if (r == 0)
                r = publish_new(&d->publisher, d->zmq, c, d->zap, d->started, &endpoint);
        if (r == 0 && c->snapshot) {
                endpoint = c->snapshot;
                r = snapshot_new(&d->snapshot, d->zmq, c, d->zap);
        }
        if (r < 0)
                log_error("%s: %s", endpoint, zmq_strerror(-r));
        return r;
}

/*
 * Takes the trials of next (merged by reload_merge()): keeps those unchanged as they
 * run, builds those given endpoints again from the store (trials_reload()), and makes
 * new topics, all published at once.  Nothing changes unless all of it succeeds.
 * Returns 0 or a negative errno (logged).
 */
static int rebuild(Daemon *d, Config *next) {
        Trials *trials = NULL;
        Topics *topics = NULL;
        char *error = NULL;
        size_t n = 0;
        uint32_t *changed = calloc(next->n_trials, sizeof(*changed));
        int r = changed ? trials_reload(&trials, d->trials, next, d->store, &n, &error) : -ENOMEM;
        if (r == 0)
                r = topics_new(&topics, next, trials, d->store, d->worker, d->topics);
        if (r < 0) {
                log_error("reload refused, the trials stay as they were: %s",
                          error ? error : r == -EINVAL ? "a trial definition is inconsistent" : strerror(-r));
                free(error);
                free(changed);
                trials_free(trials);
                return r;
        }
        /* The ingest socket holds d->trials: it takes the new content. */
        trials_adopt(trials, d->trials);
        Trials old = *d->trials;
        *d->trials = *trials;
        *trials = old;
        trials_free(trials);
        TrialConfig *tc = d->config->trials;
        size_t n_tc = d->config->n_trials;
        d->config->trials = next->trials;
        d->config->n_trials = next->n_trials;
        next->trials = tc;
        next->n_trials = n_tc;
        free(d->changed);
        d->changed = changed;
        topics_free(d->topics);
        d->topics = topics;
        log_notice("reload: %zu trial%s, %zu events replayed", d->trials->n, d->trials->n == 1 ? "" : "s", n);
        return 0;
}

/* SIGHUP: reads the configuration's trials again; the [daemon] section is read only at start. */
static void reload(Daemon *d) {
        notify_reloading();
        Config *next = NULL;
        char *error = NULL;
        int r = config_load(&next, d->config_path, &error);
        if (r < 0) {
                log_error("reload refused, the configuration stays as it was: %s", error ? error : strerror(-r));
                free(error);
        } else if ((r = reload_merge(d->config, next)) < 0)
                log_error("reload: %s", strerror(-r));
        else
                (void)rebuild(d, next);
        config_free(next);
        notify_ready(d->status);
}

/* Handles the signals read from the signalfd.  Returns true when the daemon is to stop. */
static bool signals_read(Daemon *d) {
        struct signalfd_siginfo si;
        while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                if (si.ssi_signo != SIGHUP) {
                        log_notice("%s: stopping", strsignal((int)si.ssi_signo));
                        return true;
                }
                log_notice("%s: reloading the trials of %s", strsignal((int)si.ssi_signo), d->config_path);
                reload(d);
        }
        return false;
}

/* Publishes what is due, beats the heart and the watchdog; returns when next to wake (ms, monotonic), or -1 after a store failure. */
static int64_t timers_run(Daemon *d) {
        int64_t now = now_ms();
        int r = refresh_and_publish(d, now);
        if (r < 0) {
                log_crit("publication abandoned: %s (store: %s); exiting", strerror(-r), store_error(d->store));
                return -1;
        }
        if (now >= d->next_tick) {
                if (d->publisher)
                        publish_heartbeat(d->publisher, now_us());
                status_update(d);
                d->next_tick = now + PUBLISH_HEARTBEAT_MS;
        }
        int64_t wake = topics_next_due(d->topics);
        if (wake > d->next_tick)
                wake = d->next_tick;
        if (d->watchdog_ms) {
                if (now >= d->next_watchdog) {
                        notify_watchdog();
                        d->next_watchdog = now + d->watchdog_ms;
                }
                if (wake > d->next_watchdog)
                        wake = d->next_watchdog;
        }
        return wake;
}

/* On SIGTERM or SIGINT, after the batch in hand: what waits for its interval goes out now.  Returns the exit status. */
static int stop_publishing(Daemon *d) {
        int64_t now = now_ms();
        topics_expedite(d->topics, now);
        int r = refresh_and_publish(d, now);
        if (r < 0) {
                log_error("last publication abandoned: %s (store: %s)", strerror(-r), store_error(d->store));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

static int serve(Daemon *d) {
        zmq_pollitem_t items[4] = {
                { .fd = d->signal_fd, .events = ZMQ_POLLIN },
                { .socket = ingest_socket(d->ingest), .events = ZMQ_POLLIN },
                { .socket = zap_socket(d->zap), .events = ZMQ_POLLIN },
                { .socket = d->snapshot ? snapshot_socket(d->snapshot) : NULL, .events = ZMQ_POLLIN },
        };
        int n_items = 2 + !!d->zap + !!d->snapshot;
        if (!d->zap)
                items[2] = items[3];
        for (;;) {
                int64_t wake = timers_run(d);
                if (wake < 0)
                        return EXIT_FAILURE;
                int64_t now = now_ms();
                if (zmq_poll(items, n_items, wake > now ? (long)(wake - now) : 0) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error("poll: %s", zmq_strerror(errno));
                        return EXIT_FAILURE;
                }
                if (items[1].revents & ZMQ_POLLIN) {
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
                /* Handshakes first: a client admitted now may be the next to send. */
                if (d->zap && (items[2].revents & ZMQ_POLLIN))
                        zap_serve(d->zap);
                if (d->snapshot && (items[n_items - 1].revents & ZMQ_POLLIN))
                        snapshot_serve(d->snapshot, d->topics, d->trials, d->store, now_us());
                if ((items[0].revents & ZMQ_POLLIN) && signals_read(d))
                        return stop_publishing(d);
        }
}

int daemon_run(const char *config_path, Config *c) {
        Daemon d = { .config_path = config_path, .config = c, .signal_fd = -1, .started = now_us() };
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
        if (start_sockets(&d) < 0)
                goto done;
        /* Every topic is published once before anyone is told the daemon is ready. */
        if (timers_run(&d) < 0)
                goto done;
        uint64_t watchdog = notify_watchdog_usec();
        d.watchdog_ms = watchdog ? (int64_t)(watchdog / 2000 > 0 ? watchdog / 2000 : 1) : 0;
        notify_ready(d.status);
        log_notice("ready: ingest on %s; %zu trial%s, %zu topic%s; %s", c->ingest, d.trials->n,
                   d.trials->n == 1 ? "" : "s", d.topics->n, d.topics->n == 1 ? "" : "s", d.status);
        status = serve(&d);
        notify_stopping();
        /* The next start continues every topic's numbers from its last publication. */
        if (status == EXIT_SUCCESS && (r = topics_store_seqs(d.topics, d.store)) < 0)
                log_error("sequence numbers not stored: %s (store: %s)", strerror(-r), store_error(d.store));
done:
        snapshot_free(d.snapshot);
        publish_free(d.publisher);
        ingest_free(d.ingest);
        zap_free(d.zap);
        if (d.zmq)
                zmq_ctx_term(d.zmq);
        topics_free(d.topics);
        worker_free(d.worker);
        store_free(d.store);
        trials_free(d.trials);
        free(d.changed);
        if (d.signal_fd >= 0)
                close(d.signal_fd);
        return status;
}
