/* interim-watch.c — the monitor's side of interimd: a snapshot, then every publication, as a table, JSON lines or SVG drawings. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "clone.h"
#include "interim.pb-c.h"
#include "interim/date.h"
#include "keys.h"
#include "svgplot.h"
#include "watchjson.h"
#include "watchtable.h"

enum {
        EXIT_OK = 0,
        EXIT_ERROR = 1, /* the daemon refused the request, or output could not be written */
        EXIT_USAGE = 2,
        EXIT_NO_ANSWER = 3, /* --once: no complete snapshot within the timeout */
};

#define TIMEOUT_DEFAULT_S 10.0

/* Longest topic frame taken; longer ones are cut (names are at most 64 + 1 + 64 bytes). */
#define TOPIC_MAX 256

typedef struct Watch {
        const char *connect, *subscribe, *svg_dir;
        const char *data_cut; /* --once: the statistics as of this date, from the store; NULL: the live ones */
        const char *key, *server_key; /* CURVE: the client's key pair and the daemon's public key, or NULL */
        bool json, once, pooled;
        double timeout_s;
        bool redraw;     /* a terminal: the table is drawn again in place on each change */
        bool dirty;      /* something to draw again */
        bool stdout_failed; /* the JSON could not be written: the watcher stops */
        bool svg_failed;    /* a drawing could not be written: said each time; --once then exits 1 */
        char status[224];   /* the state, and why, for the terminal's status line */
        Clone *clone;
        void *zmq, *sub, *snap;
        int signal_fd;
} Watch;

static void usage(FILE *f) {
        fprintf(f, "Usage: interim-watch --connect SNAPSHOT_ENDPOINT --subscribe PUBLISH_ENDPOINT [OPTION...] [TOPIC...]\n"
                   "       interim-watch --connect SNAPSHOT_ENDPOINT --once [OPTION...] [TOPIC...]\n"
                   "Shows interimd's statistics of every topic (TRIAL/ENDPOINT) starting with a TOPIC prefix\n"
                   "(all without one): a snapshot, then each publication.\n"
                   "  --connect ENDPOINT    the daemon's snapshot endpoint (tcp://HOST:PORT, ipc://PATH)\n"
                   "  --subscribe ENDPOINT  the daemon's publish endpoint\n"
                   "  --pooled              ask for the pooled statistics of the open channel (publish_open)\n"
                   "  --json                one JSON object per line and publication instead of the table\n"
                   "  --svg DIR             after each change write DIR/TRIAL-ENDPOINT.svg (and -monitoring.svg)\n"
                   "  --once                print the snapshot and exit\n"
                   "  --data-cut DATE       with --once, the statistics as of YYYY-MM-DD, computed from the store\n"
                   "  --timeout SECONDS     with --once, give up after this long (default %g)\n"
                   "  --key FILE            a dsmb or open key pair (interim-keys new): connect with CURVE\n"
                   "  --server-key FILE     the daemon's public key (its server.pub), with --key\n"
                   "Exit status: 0 done, 1 refused or output failed, 2 usage, 3 no answer.\n",
                TIMEOUT_DEFAULT_S);
}

static int64_t clock_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- output ---- */

static void on_topic(const char *topic, const Interim__Statistics *s, void *userdata) {
        Watch *w = userdata;
        w->dirty = true;
        if (!s)
                return;
        if (w->json) {
                if (watchjson_print(stdout, s) < 0)
                        w->stdout_failed = true;
        } else if (!w->redraw) {
                watchtable_print(stdout, s);
                fputc('\n', stdout);
        }
        if (w->svg_dir) {
                int r = svgplot_write(w->svg_dir, s);
                if (r < 0) {
                        fprintf(stderr, "interim-watch: %s: drawing %s: %s\n", w->svg_dir, topic, strerror(-r));
                        w->svg_failed = true;
                }
        }
}

static const char *state_name(CloneState state) {
        switch (state) {
        case CLONE_WAITING:
                return "waiting for interimd";
        case CLONE_SYNCING:
                return "synchronising";
        case CLONE_LIVE:
                return "live";
        }
        return "?";
}

static void on_state(CloneState state, CloneReason reason, const char *detail, void *userdata) {
        Watch *w = userdata;
        w->dirty = true;
        if (state == CLONE_LIVE)
                snprintf(w->status, sizeof(w->status), "%s", state_name(state));
        else
                snprintf(w->status, sizeof(w->status), "%s (%s)", state_name(state), detail);
        /* The first snapshot is no news; a later one is, and so is a daemon gone quiet. */
        if (!w->redraw && state != CLONE_LIVE && reason != CLONE_START)
                fprintf(stderr, "interim-watch: %s: %s\n", state_name(state), detail);
}

/* Draws every topic again from the top of the terminal, under a status line. */
static void redraw(Watch *w) {
        char clock[16];
        time_t now = time(NULL);
        strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
        fputs("\033[H\033[2J", stdout);
        printf("interim-watch  %s  %s  (topics: %zu, %s)\n\n", w->connect, w->status, clone_count(w->clone), clock);
        for (size_t i = 0; i < clone_count(w->clone); i++) {
                const Interim__Statistics *s;
                clone_topic(w->clone, i, &s);
                watchtable_print(stdout, s);
                fputc('\n', stdout);
        }
}

/* ---- sockets ---- */

/*
 * Opens a socket of the given type connected to endpoint, a CURVE client when a key is
 * given.  Every socket option is set here.  Returns the socket, or NULL with errno set
 * (a key file's problem printed).
 */
static void *socket_open(const Watch *w, int type, const char *endpoint) {
        void *s = zmq_socket(w->zmq, type);
        int linger = 0, r = 0;
        char *error = NULL;
        if (s && w->key && (r = key_client_secure(s, w->key, w->server_key, &error)) < 0 && error)
                fprintf(stderr, "interim-watch: %s\n", error);
        free(error);
        if (s && r == 0 && (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) < 0 || zmq_connect(s, endpoint) < 0))
                r = -errno;
        if (s && r < 0) {
                zmq_close(s);
                errno = -r;
                return NULL;
        }
        return s;
}

/* The subscription: the prefixes and the heartbeats, before any snapshot is asked for. */
static int subscribe(Watch *w) {
        if (!(w->sub = socket_open(w, ZMQ_SUB, w->subscribe)))
                return -errno;
        size_t n;
        const char *const *prefixes = clone_prefixes(w->clone, &n);
        for (size_t i = 0; i < n; i++)
                if (zmq_setsockopt(w->sub, ZMQ_SUBSCRIBE, prefixes[i], strlen(prefixes[i])) < 0)
                        return -errno;
        if (zmq_setsockopt(w->sub, ZMQ_SUBSCRIBE, CLONE_TOPIC_HEARTBEAT, strlen(CLONE_TOPIC_HEARTBEAT)) < 0)
                return -errno;
        return 0;
}

/* Asks for a snapshot of each prefix on a new socket: an earlier request's answer cannot be read as this one's. */
static int request_snapshot(Watch *w) {
        if (w->snap)
                zmq_close(w->snap);
        if (!(w->snap = socket_open(w, ZMQ_DEALER, w->connect)))
                return -errno;
        size_t n;
        const char *const *prefixes = clone_prefixes(w->clone, &n);
        for (size_t i = 0; i < n; i++) {
                Interim__SnapshotRequest req = INTERIM__SNAPSHOT_REQUEST__INIT;
                req.prefix = (char *)prefixes[i];
                req.arm_level = !w->pooled;
                req.data_cut = (char *)(w->data_cut ? w->data_cut : "");
                uint8_t buf[512];
                size_t size = interim__snapshot_request__get_packed_size(&req);
                if (size > sizeof(buf))
                        return -E2BIG;
                interim__snapshot_request__pack(&req, buf);
                /* A DEALER queues while it connects; a full queue means a daemon long away, found by the timeout. */
                if (zmq_send(w->snap, buf, size, ZMQ_DONTWAIT) < 0 && errno != EAGAIN)
                        return -errno;
        }
        return 0;
}

/* Sends the snapshot requests the copy asks for, if any.  Returns 1 when it did, 0, or a negative errno. */
static int serve_request(Watch *w) {
        if (!clone_take_request(w->clone))
                return 0;
        int r = request_snapshot(w);
        return r < 0 ? r : 1;
}

/*
 * Receives one message (topic, body) without waiting; frames after the body are
 * dropped.  Returns 1 (body to be closed by the caller), 0 when nothing is waiting,
 * or a negative errno.
 */
static int receive(void *socket, char topic[TOPIC_MAX], zmq_msg_t *body) {
        int n = zmq_recv(socket, topic, TOPIC_MAX - 1, ZMQ_DONTWAIT);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        topic[n < TOPIC_MAX - 1 ? n : TOPIC_MAX - 1] = '\0';
        int more = 0;
        size_t more_size = sizeof(more);
        zmq_getsockopt(socket, ZMQ_RCVMORE, &more, &more_size);
        zmq_msg_init(body);
        if (!more)
                return 1;
        if (zmq_msg_recv(body, socket, 0) < 0) {
                int r = -errno;
                zmq_msg_close(body);
                return r;
        }
        /* The other frames of a message arrive with its first: these reads do not wait. */
        for (bool extra = zmq_msg_more(body); extra;) {
                zmq_msg_t frame;
                zmq_msg_init(&frame);
                extra = zmq_msg_recv(&frame, socket, 0) >= 0 && zmq_msg_more(&frame);
                zmq_msg_close(&frame);
        }
        return 1;
}

/* Takes every message waiting on socket (the subscription or the snapshot's).  Returns 0 or the exit status. */
static int drain(Watch *w, void *socket) {
        for (;;) {
                char topic[TOPIC_MAX], *error = NULL;
                zmq_msg_t body;
                int r = receive(socket, topic, &body);
                if (r <= 0) {
                        if (r < 0)
                                fprintf(stderr, "interim-watch: receiving: %s\n", zmq_strerror(-r));
                        return r < 0 ? EXIT_ERROR : EXIT_OK;
                }
                const uint8_t *data = zmq_msg_data(&body);
                size_t size = zmq_msg_size(&body);
                if (socket == w->sub)
                        r = clone_publication(w->clone, topic, data, size, clock_ms());
                else
                        r = clone_snapshot(w->clone, topic, data, size, clock_ms(), &error);
                zmq_msg_close(&body);
                if (r == -EPROTO) {
                        fprintf(stderr, "interim-watch: %s refused the snapshot: %s\n", w->connect, error ? error : "?");
                        free(error);
                        return EXIT_ERROR;
                }
                if (r == -EBADMSG)
                        fprintf(stderr, "interim-watch: %s: a message that does not decode, ignored\n", topic);
                else if (r < 0) {
                        fprintf(stderr, "interim-watch: %s\n", strerror(-r));
                        return EXIT_ERROR;
                }
                r = serve_request(w);
                if (r < 0) {
                        fprintf(stderr, "interim-watch: %s: %s\n", w->connect, zmq_strerror(-r));
                        return EXIT_ERROR;
                }
                /* A snapshot asked for again replaced this socket: what is left on it is stale. */
                if (r > 0 && socket != w->sub)
                        return EXIT_OK;
        }
}

/* ---- the loop ---- */

/* Follows the daemon until a signal (or, with --once, until the snapshot is in).  Returns the exit status. */
static int run(Watch *w) {
        int64_t give_up = w->once ? clock_ms() + (int64_t)(w->timeout_s * 1000) : INT64_MAX;
        for (;;) {
                int r = serve_request(w);
                if (r < 0) {
                        fprintf(stderr, "interim-watch: %s: %s\n", w->connect, zmq_strerror(-r));
                        return EXIT_ERROR;
                }
                if (w->once && clone_state(w->clone) == CLONE_LIVE)
                        return w->svg_failed ? EXIT_ERROR : EXIT_OK;
                if (w->dirty && w->redraw)
                        redraw(w);
                w->dirty = false;
                if (fflush(stdout) == EOF || w->stdout_failed) {
                        fprintf(stderr, "interim-watch: output failed\n");
                        return EXIT_ERROR;
                }
                int64_t now = clock_ms(), until = clone_deadline(w->clone);
                if (until > give_up)
                        until = give_up;
                if (now >= give_up) {
                        fprintf(stderr, "interim-watch: no complete snapshot from %s in %g s\n", w->connect, w->timeout_s);
                        return EXIT_NO_ANSWER;
                }
                /* Only the sockets there are: a NULL socket would be polled as descriptor 0. */
                zmq_pollitem_t items[3] = { { .fd = w->signal_fd, .events = ZMQ_POLLIN } };
                int n = 1, sub = -1, snap = -1;
                if (w->sub)
                        items[sub = n++] = (zmq_pollitem_t){ .socket = w->sub, .events = ZMQ_POLLIN };
                if (w->snap)
                        items[snap = n++] = (zmq_pollitem_t){ .socket = w->snap, .events = ZMQ_POLLIN };
                long timeout = until == INT64_MAX ? -1 : until > now ? (long)(until - now) : 0;
                if (zmq_poll(items, n, timeout) < 0 && errno != EINTR) {
                        fprintf(stderr, "interim-watch: poll: %s\n", zmq_strerror(errno));
                        return EXIT_ERROR;
                }
                if (items[0].revents & ZMQ_POLLIN)
                        return EXIT_OK;
                r = EXIT_OK;
                if (sub >= 0 && (items[sub].revents & ZMQ_POLLIN))
                        r = drain(w, w->sub);
                /* Draining the subscription may have replaced the snapshot socket: read the current one. */
                if (r == EXIT_OK && snap >= 0 && (items[snap].revents & ZMQ_POLLIN))
                        r = drain(w, w->snap);
                if (r != EXIT_OK)
                        return r;
                clone_tick(w->clone, clock_ms());
        }
}

/* SIGINT and SIGTERM end the loop through a descriptor it polls.  Returns the descriptor or a negative errno. */
static int signals_open(void) {
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        return fd < 0 ? -errno : fd;
}

static int parse_args(Watch *w, int argc, char **argv) {
        static const struct option opts[] = {
                { "connect", required_argument, NULL, 'c' }, { "subscribe", required_argument, NULL, 's' },
                { "pooled", no_argument, NULL, 'p' },        { "json", no_argument, NULL, 'j' },
                { "svg", required_argument, NULL, 'g' },     { "once", no_argument, NULL, 'o' },
                { "timeout", required_argument, NULL, 't' }, { "key", required_argument, NULL, 'k' },
                { "server-key", required_argument, NULL, 'K' }, { "help", no_argument, NULL, 'h' },
                { "data-cut", required_argument, NULL, 'd' }, { 0 },
        };
        int c;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                char *end;
                switch (c) {
                case 'c':
                        w->connect = optarg;
                        break;
                case 's':
                        w->subscribe = optarg;
                        break;
                case 'p':
                        w->pooled = true;
                        break;
                case 'j':
                        w->json = true;
                        break;
                case 'g':
                        w->svg_dir = optarg;
                        break;
                case 'o':
                        w->once = true;
                        break;
                case 'd': {
                        int32_t day;
                        if (date_parse(optarg, &day) < 0) {
                                fprintf(stderr, "interim-watch: --data-cut: a date YYYY-MM-DD, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        w->data_cut = optarg;
                        break;
                }
                case 't':
                        w->timeout_s = strtod(optarg, &end);
                        if (*end || end == optarg || !(w->timeout_s > 0 && w->timeout_s < 1e6)) {
                                fprintf(stderr, "interim-watch: --timeout: a number of seconds, not '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'k':
                        w->key = optarg;
                        break;
                case 'K':
                        w->server_key = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(EXIT_OK);
                default:
                        usage(stderr);
                        return -EINVAL;
                }
        }
        if (!w->connect || (!w->once && !w->subscribe)) {
                fprintf(stderr, "interim-watch: --connect is required, and --subscribe unless --once\n");
                usage(stderr);
                return -EINVAL;
        }
        /* A data cut is a fixed view: no publication follows it. */
        if (w->data_cut && !w->once) {
                fprintf(stderr, "interim-watch: --data-cut goes with --once\n");
                usage(stderr);
                return -EINVAL;
        }
        if (!w->key != !w->server_key) {
                fprintf(stderr, "interim-watch: --key and --server-key go together\n");
                usage(stderr);
                return -EINVAL;
        }
        if (w->svg_dir && access(w->svg_dir, W_OK | X_OK) < 0) {
                fprintf(stderr, "interim-watch: --svg %s: %s\n", w->svg_dir, strerror(errno));
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv) {
        Watch w = { .timeout_s = TIMEOUT_DEFAULT_S, .signal_fd = -1, .status = "waiting for interimd" };
        if (parse_args(&w, argc, argv) < 0)
                return EXIT_USAGE;
        w.redraw = !w.once && !w.json && isatty(STDOUT_FILENO);
        w.dirty = w.redraw;
        CloneCallbacks cb = { .topic = on_topic, .state = on_state };
        int r = clone_new(&w.clone, (const char *const *)argv + optind, (size_t)(argc - optind), &cb, &w);
        if (r < 0) {
                fprintf(stderr, "interim-watch: %s\n", strerror(-r));
                return EXIT_ERROR;
        }
        int status = EXIT_ERROR;
        w.zmq = zmq_ctx_new();
        if ((w.signal_fd = signals_open()) < 0)
                fprintf(stderr, "interim-watch: signals: %s\n", strerror(-w.signal_fd));
        else if (!w.once && (r = subscribe(&w)) < 0)
                fprintf(stderr, "interim-watch: %s: %s\n", w.subscribe, zmq_strerror(-r));
        else {
                if (w.once)
                        clone_sync(w.clone, clock_ms());
                status = run(&w);
        }
        if (w.sub)
                zmq_close(w.sub);
        if (w.snap)
                zmq_close(w.snap);
        zmq_ctx_term(w.zmq);
        if (w.signal_fd >= 0)
                close(w.signal_fd);
        clone_free(w.clone);
        return status;
}
