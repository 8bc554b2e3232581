/* bench-ingest.c — interimd's ingest: acknowledged events per second and event-to-publication latency beside raw ZeroMQ, a durable echo and the store alone, memory per patient, replay at start. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "bench-util.h"
#include "event.h"
#include "harness.h"
#include "interim/date.h"
#include "statistics.pb-c.h"
#include "store.h"

#define RUNS 5
#define THROUGHPUT_EVENTS 200000 /* per run, shared among the sites */
#define WINDOW 512               /* events a site keeps in flight */
#define MAX_SITES 8
#define MEMORY_PATIENTS 1000000
#define REPLAY_EVENTS 1000000
#define SMALL_EVENTS 1000   /* the second trial's, in the reloads */
#define COUNT_EVENTS 40000  /* events whose instructions are counted, from MAX_SITES sites */
#define LATENCY_RATE 1000   /* events per second */
#define LATENCY_EVENTS 5000 /* per run */
#define STORE_BATCH 256     /* interimd's default batch_max */

static const char config_text[] =
        "[daemon]\n"
        "state_dir = %s\n"
        "ingest = %s\n"
        "%s"
        "[trial E2108]\n"
        "arms = systemic, locoregional\n"
        "strata = hr, her2, tn\n"
        "landmarks = 365, 730, 1095\n"
        "[endpoint E2108 os]\n"
        "events = death\n"
        "[endpoint E2108 pfs]\n"
        "events = progression, death\n"
        "[endpoint E2108 lrp]\n"
        "events = progression:locoregional\n"
        "competing = death\n";

/* One site's events, encoded before the clock starts. */
typedef struct Stream {
        uint8_t *bytes;
        size_t *offset; /* [n + 1]: event i is bytes[offset[i] .. offset[i + 1]) */
        size_t n;
} Stream;

/*
 * Site i's stream of n events: each patient is enrolled, seen twice and dies (story = 4),
 * or is only enrolled (story = 1).  Every event is one the trial accepts.
 */
static void stream_make(Stream *s, size_t site, size_t n, size_t story) {
        static const char *const kinds[] = { "enroll", "contact", "contact", "death" };
        static const char *const arms[] = { "systemic", "locoregional" };
        static const char *const strata[] = { "hr", "her2", "tn" };
        int32_t today = (int32_t)(time(NULL) / 86400);
        size_t cap = n * 64;
        *s = (Stream){ .bytes = malloc(cap), .offset = malloc((n + 1) * sizeof(size_t)), .n = n };
        char site_name[16], patient[32], date[11];
        snprintf(site_name, sizeof(site_name), "site-%02zu", site);
        s->offset[0] = 0;
        for (size_t i = 0; i < n; i++) {
                size_t p = i / story, step = i % story;
                snprintf(patient, sizeof(patient), "S%02zu-%07zu", site, p);
                date_format(today - 1000 + (int32_t)(p % 500) + 90 * (int32_t)step, date);
                SiteEvent ev = { .trial = "E2108", .site = site_name, .seq = i + 1, .patient = patient, .date = date,
                                 .kind = kinds[step], .arm = arms[p % 2], .stratum = strata[p % 3] };
                if (s->offset[i] + 256 > cap && !(s->bytes = realloc(s->bytes, cap *= 2)))
                        abort();
                s->offset[i + 1] = s->offset[i] + harness_encode(&ev, s->bytes + s->offset[i], 256);
        }
}

static void streams_free(Stream *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(s[i].bytes);
                free(s[i].offset);
        }
}

/*
 * Sends every stream on its own DEALER to endpoint, with WINDOW events of each in
 * flight, and takes every answer (each must be an ACCEPTED Ack).  Returns the answered
 * events per second, from the first send to the last answer.
 */
static double drive(void *zmq, const char *endpoint, const Stream *streams, size_t n_sites) {
        void *socket[MAX_SITES];
        zmq_pollitem_t items[MAX_SITES];
        size_t sent[MAX_SITES] = { 0 }, acked[MAX_SITES] = { 0 }, total = 0, done = 0;
        for (size_t i = 0; i < n_sites; i++) {
                socket[i] = zmq_socket(zmq, ZMQ_DEALER);
                int linger = 0;
                zmq_setsockopt(socket[i], ZMQ_LINGER, &linger, sizeof(linger));
                if (zmq_connect(socket[i], endpoint) < 0)
                        abort();
                items[i] = (zmq_pollitem_t){ .socket = socket[i], .events = ZMQ_POLLIN };
                total += streams[i].n;
        }
        double t0 = bench_now_ns();
        while (done < total) {
                for (size_t i = 0; i < n_sites; i++) {
                        const Stream *s = &streams[i];
                        for (; sent[i] < s->n && sent[i] - acked[i] < WINDOW; sent[i]++)
                                if (zmq_send(socket[i], s->bytes + s->offset[sent[i]],
                                             s->offset[sent[i] + 1] - s->offset[sent[i]], ZMQ_DONTWAIT) < 0)
                                        break;
                }
                if (zmq_poll(items, (int)n_sites, HARNESS_WAIT_MS) <= 0) {
                        fprintf(stderr, "bench-ingest: no answer from %s\n", endpoint);
                        exit(1);
                }
                for (size_t i = 0; i < n_sites; i++) {
                        Interim__Ack *ack;
                        while (harness_recv_ack(socket[i], 0, &ack) == 1) {
                                if (ack->status != INTERIM__ACK_STATUS__ACCEPTED) {
                                        fprintf(stderr, "bench-ingest: event refused: %s\n", ack->text);
                                        exit(1);
                                }
                                interim__ack__free_unpacked(ack, NULL);
                                acked[i]++;
                                done++;
                        }
                }
        }
        double seconds = (bench_now_ns() - t0) / 1e9;
        for (size_t i = 0; i < n_sites; i++)
                zmq_close(socket[i]);
        return (double)total / seconds;
}

/* ---- endpoints ---- */

/* A free TCP port on the loopback interface. */
static int free_port(void) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || getsockname(fd, (struct sockaddr *)&a, &len) < 0)
                abort();
        close(fd);
        return ntohs(a.sin_port);
}

/* The endpoint of a transport ("tcp" or "ipc") in directory dir. */
static void endpoint_of(const char *transport, const char *dir, char *buf, size_t size) {
        if (strcmp(transport, "tcp") == 0)
                snprintf(buf, size, "tcp://127.0.0.1:%d", free_port());
        else
                snprintf(buf, size, "ipc://%s/ingest", dir);
}

/* ---- the baselines: a ROUTER that answers each message with an Ack of the usual size ---- */

/*
 * The echo ROUTER, in its own context and thread as the daemon is in its own process.
 * The raw echo answers each message as it comes.  The durable echo is the least any
 * server that acknowledges only what is on disk must do: it takes what has arrived (up
 * to STORE_BATCH messages, as interimd's batch), appends their bytes to a log file with
 * one write, syncs it with one fdatasync, and only then answers each; its log starts
 * again from its beginning at ECHO_LOG_BYTES, as SQLite's log does after a checkpoint.
 */
typedef struct Echo {
        void *zmq;
        void *socket;
        void *pub;  /* NULL, or a PUB socket each message received is also sent on */
        int log_fd; /* the durable echo's log; -1 for the raw echo */
        char dir[32];
        pthread_t thread;
} Echo;

#define ECHO_LOG_BYTES (4 << 20)
#define ECHO_MESSAGE_MAX 512 /* the benchmark's events are smaller */

/* Appends the payloads of a batch to the echo's log at *at and syncs it. */
static void echo_log(Echo *e, zmq_msg_t *payload, size_t n, uint8_t *buf, off_t *at) {
        size_t len = 0;
        for (size_t i = 0; i < n; i++) {
                if (zmq_msg_size(&payload[i]) > ECHO_MESSAGE_MAX)
                        abort();
                memcpy(buf + len, zmq_msg_data(&payload[i]), zmq_msg_size(&payload[i]));
                len += zmq_msg_size(&payload[i]);
        }
        if (*at + (off_t)len > ECHO_LOG_BYTES)
                *at = 0;
        if (pwrite(e->log_fd, buf, len, *at) != (ssize_t)len || fdatasync(e->log_fd) < 0)
                abort();
        *at += (off_t)len;
}

static void *echo_run(void *userdata) {
        Echo *e = userdata;
        Interim__Ack ack = INTERIM__ACK__INIT;
        ack.site = "site-00";
        ack.site_seq = 100000;
        ack.status = INTERIM__ACK_STATUS__ACCEPTED;
        ack.text = "accepted";
        ack.store_seq = 100000;
        uint8_t reply[64];
        size_t reply_len = interim__ack__pack(&ack, reply);
        size_t batch_max = e->log_fd >= 0 ? STORE_BATCH : 1;
        zmq_msg_t *id = malloc(STORE_BATCH * sizeof(*id)), *payload = malloc(STORE_BATCH * sizeof(*payload));
        uint8_t *buf = malloc((size_t)STORE_BATCH * ECHO_MESSAGE_MAX);
        off_t at = 0;
        if (!id || !payload || !buf)
                abort();
        for (size_t i = 0; i < STORE_BATCH; i++) {
                zmq_msg_init(&id[i]);
                zmq_msg_init(&payload[i]);
        }
        /* Until echo_stop() shuts the context down: the first of a batch waits, the others are what has arrived. */
        for (;;) {
                size_t n = 0;
                while (n < batch_max && zmq_msg_recv(&id[n], e->socket, n ? ZMQ_DONTWAIT : 0) >= 0 &&
                       zmq_msg_recv(&payload[n], e->socket, 0) >= 0)
                        n++;
                if (n == 0)
                        break;
                if (e->log_fd >= 0)
                        echo_log(e, payload, n, buf, &at);
                for (size_t i = 0; i < n; i++) {
                        /* A lost answer would stall the client: a failure is the benchmark's end (but at shutdown). */
                        if ((zmq_msg_send(&id[i], e->socket, ZMQ_SNDMORE) < 0 ||
                             zmq_send(e->socket, reply, reply_len, 0) < 0) && errno != ETERM)
                                abort();
                        if (e->pub)
                                zmq_msg_send(&payload[i], e->pub, 0);
                }
        }
        for (size_t i = 0; i < STORE_BATCH; i++) {
                zmq_msg_close(&id[i]);
                zmq_msg_close(&payload[i]);
        }
        free(id);
        free(payload);
        free(buf);
        zmq_close(e->socket);
        if (e->pub)
                zmq_close(e->pub);
        return NULL;
}

/*
 * Starts an echo ROUTER, durable or raw, in a new directory e->dir (its log, an ipc
 * socket), on an endpoint of transport returned in endpoint; and a PUB at pub_endpoint
 * unless it is NULL.
 */
static void echo_start(Echo *e, const char *transport, char *endpoint, size_t size, const char *pub_endpoint,
                       bool durable) {
        snprintf(e->dir, sizeof(e->dir), "/tmp/bench-echo-XXXXXX");
        if (!mkdtemp(e->dir))
                abort();
        endpoint_of(transport, e->dir, endpoint, size);
        char log[64];
        snprintf(log, sizeof(log), "%s/log", e->dir);
        e->log_fd = durable ? open(log, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
        e->zmq = zmq_ctx_new();
        e->socket = zmq_socket(e->zmq, ZMQ_ROUTER);
        e->pub = pub_endpoint ? zmq_socket(e->zmq, ZMQ_PUB) : NULL;
        /* As interimd's ingest: a batch of answers never finds the queue "full" (a ROUTER would drop them). */
        int hwm = 65536, mandatory = 1;
        if ((durable && e->log_fd < 0) || zmq_setsockopt(e->socket, ZMQ_SNDHWM, &hwm, sizeof(hwm)) < 0 ||
            zmq_setsockopt(e->socket, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof(mandatory)) < 0 ||
            zmq_bind(e->socket, endpoint) < 0 ||
            (e->pub && zmq_bind(e->pub, pub_endpoint) < 0) || pthread_create(&e->thread, NULL, echo_run, e) != 0)
                abort();
}

static void echo_stop(Echo *e) {
        zmq_ctx_shutdown(e->zmq);
        pthread_join(e->thread, NULL);
        zmq_ctx_term(e->zmq);
        if (e->log_fd >= 0)
                close(e->log_fd);
        char path[64];
        snprintf(path, sizeof(path), "%s/ingest", e->dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/log", e->dir);
        unlink(path);
        rmdir(e->dir);
}

/* ---- the daemon ---- */

/*
 * Makes a new state directory and configuration for interimd, ingesting at an endpoint
 * of transport (returned in buf), with the further [daemon] lines of extra.
 */
static void daemon_prepare(Harness *h, const char *transport, char *endpoint, size_t size, const char *extra) {
        if (harness_init(h, "bench-ingest", INTERIMD_PATH) < 0)
                abort();
        endpoint_of(transport, h->dir, endpoint, size);
        FILE *f = fopen(h->config, "w");
        fprintf(f, config_text, h->state, endpoint, extra);
        fclose(f);
}

/* Starts h's daemon, or exits with its log. */
static void daemon_start(Harness *h) {
        if (harness_start(h) < 0) {
                harness_print_log(h);
                exit(1);
        }
}

/* daemon_prepare(), then daemon_start(). */
static void daemon_new_with(Harness *h, const char *transport, char *endpoint, size_t size, const char *extra) {
        daemon_prepare(h, transport, endpoint, size, extra);
        daemon_start(h);
}

static void daemon_new(Harness *h, const char *transport, char *endpoint, size_t size) {
        daemon_new_with(h, transport, endpoint, size, "");
}

static void daemon_done(Harness *h) {
        if (h->pid && harness_stop(h, SIGTERM) != 0) {
                harness_print_log(h);
                exit(1);
        }
        harness_cleanup(h);
}

/* The resident set of a process, in bytes. */
static double rss_bytes(pid_t pid) {
        char path[64], line[256];
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        FILE *f = fopen(path, "r");
        double kb = 0;
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "VmRSS: %lf kB", &kb) == 1)
                        break;
        if (f)
                fclose(f);
        return kb * 1024;
}

/* CPU time (user and system, all threads) a process has used, in seconds. */
static double cpu_seconds(pid_t pid) {
        char path[64];
        unsigned long utime = 0, stime = 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        /* Fields 14 and 15, after the command in parentheses (which has no blank here). */
        if (!f || fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
                abort();
        fclose(f);
        return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* ---- the store alone: interimd's durable record, without decisions, risk sets or sockets ---- */

/* The rows interimd stores for a stream's events, each unpacked before the clock starts. */
typedef struct Rows {
        Interim__Event **event;
        StoreEvent *row;
        size_t n;
} Rows;

static void rows_make(Rows *r, const Stream *s) {
        *r = (Rows){ .event = malloc(s->n * sizeof(*r->event)), .row = malloc(s->n * sizeof(*r->row)), .n = s->n };
        for (size_t i = 0; i < s->n; i++) {
                const uint8_t *bytes = s->bytes + s->offset[i];
                size_t len = s->offset[i + 1] - s->offset[i];
                Interim__Event *e = r->event[i] = interim__event__unpack(NULL, len, bytes);
                ParsedEvent parsed;
                if (!e || event_parse(e, &parsed) != INTERIM__REASON__REASON_NONE)
                        abort();
                r->row[i] = (StoreEvent){ .server_time = (int64_t)(bench_now_ns() / 1e3), .sender = "127.0.0.1",
                                          .trial = e->trial, .site = e->site, .site_seq = (int64_t)e->site_seq,
                                          .patient = e->patient, .kind = parsed.kind, .date = e->date,
                                          .payload = bytes, .payload_len = len };
        }
}

static void rows_free(Rows *r) {
        for (size_t i = 0; i < r->n; i++)
                interim__event__free_unpacked(r->event[i], NULL);
        free(r->event);
        free(r->row);
}

/* A new, empty store in its own temporary directory (h keeps the directory). */
static Store *store_new(Harness *h) {
        Store *store;
        char *error = NULL;
        if (harness_init(h, "bench-store", INTERIMD_PATH) < 0 || mkdir(h->state, 0700) < 0 ||
            store_open(&store, h->state, &error) < 0) {
                fprintf(stderr, "bench-ingest: store: %s\n", error ? error : "cannot create");
                exit(1);
        }
        return store;
}

/* Stores rows [from, to) in one transaction, as interimd stores a batch (not inlined: callgrind counts it by name). */
__attribute__((noinline)) static void store_rows(Store *store, const Rows *r, size_t from, size_t to) {
        int64_t seq;
        if (store_begin(store) < 0)
                abort();
        for (size_t i = from; i < to; i++)
                if (store_append_event(store, &r->row[i], &seq) < 0)
                        abort();
        if (store_commit(store) < 0)
                abort();
}

/* This process's CPU time so far, all its threads, in seconds. */
static double process_cpu_seconds(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Events per second the store alone takes from one writer thread, in batches of
 * interimd's default batch_max, with its CPU time per event (its checkpoint thread's
 * included): the part of ingest no socket or decision can make faster.
 */
static double store_alone(const Rows *r, double *ret_cpu_us) {
        Harness h;
        Store *store = store_new(&h);
        double t0 = bench_now_ns(), cpu0 = process_cpu_seconds();
        for (size_t i = 0; i < r->n; i += STORE_BATCH)
                store_rows(store, r, i, i + STORE_BATCH < r->n ? i + STORE_BATCH : r->n);
        double seconds = (bench_now_ns() - t0) / 1e9;
        *ret_cpu_us = (process_cpu_seconds() - cpu0) / (double)r->n * 1e6;
        store_free(store);
        harness_cleanup(&h);
        return (double)r->n / seconds;
}

/* The store alone at a steady LATENCY_RATE, one event per transaction: each commit's time (ns) into commit_ns. */
static void store_paced(const Rows *r, double *commit_ns) {
        Harness h;
        Store *store = store_new(&h);
        double t0 = bench_now_ns();
        for (size_t i = 0; i < r->n; i++) {
                double next = t0 + (double)i * 1e9 / LATENCY_RATE, now;
                while ((now = bench_now_ns()) < next)
                        usleep((useconds_t)((next - now) / 1e3));
                store_rows(store, r, i, i + 1);
                commit_ns[i] = bench_now_ns() - now;
        }
        store_free(store);
        harness_cleanup(&h);
}

/* ---- the measures ---- */

/* Events per second through an echo ROUTER, raw or durable, with the sites' streams. */
static double drive_echo(void *zmq, const char *transport, const Stream *streams, size_t n_sites, bool durable) {
        Echo e;
        char endpoint[128];
        echo_start(&e, transport, endpoint, sizeof(endpoint), NULL, durable);
        double rate = drive(zmq, endpoint, streams, n_sites);
        echo_stop(&e);
        return rate;
}

/*
 * Events per second through interimd and through the raw and the durable echo, medians
 * of RUNS runs taken in turn, and the CPU time per event of interimd (all its threads)
 * and of the sending client (this process: its thread and ZeroMQ's) in interimd's runs.
 */
static void throughput(void *zmq, const char *transport, size_t n_sites) {
        Stream streams[MAX_SITES];
        for (size_t i = 0; i < n_sites; i++)
                stream_make(&streams[i], i, THROUGHPUT_EVENTS / n_sites, 4);
        double daemon[RUNS], raw[RUNS], durable[RUNS], cpu[RUNS], client[RUNS];
        for (int run = 0; run < RUNS; run++) {
                Harness h;
                char endpoint[128];
                daemon_new(&h, transport, endpoint, sizeof(endpoint));
                double cpu0 = cpu_seconds(h.pid), client0 = process_cpu_seconds();
                daemon[run] = drive(zmq, endpoint, streams, n_sites);
                cpu[run] = (cpu_seconds(h.pid) - cpu0) / THROUGHPUT_EVENTS * 1e6;
                client[run] = (process_cpu_seconds() - client0) / THROUGHPUT_EVENTS * 1e6;
                daemon_done(&h);
                raw[run] = drive_echo(zmq, transport, streams, n_sites, false);
                durable[run] = drive_echo(zmq, transport, streams, n_sites, true);
        }
        double d = bench_median(daemon, RUNS), r = bench_median(raw, RUNS);
        printf("| acknowledged events/s, %s, %zu site%s | %.0f | %.0f | %.0f | %.0f%% | %.1f / %.1f us |\n", transport,
               n_sites, n_sites == 1 ? "" : "s", d, r, bench_median(durable, RUNS), 100 * d / r, bench_median(cpu, RUNS),
               bench_median(client, RUNS));
        fflush(stdout);
        streams_free(streams, n_sites);
}

/* The store alone, medians of RUNS runs over one site's throughput stream. */
static void throughput_store(void) {
        Stream stream;
        Rows rows;
        stream_make(&stream, 0, THROUGHPUT_EVENTS, 4);
        rows_make(&rows, &stream);
        double rate[RUNS], cpu[RUNS];
        for (int run = 0; run < RUNS; run++)
                rate[run] = store_alone(&rows, &cpu[run]);
        printf("| stored events/s, the store alone: one writer, batches of %d, no sockets | %.0f | | | | %.1f us |\n",
               STORE_BATCH, bench_median(rate, RUNS), bench_median(cpu, RUNS));
        fflush(stdout);
        rows_free(&rows);
        streams_free(&stream, 1);
}

/* ---- latency at a steady rate ---- */

/*
 * What the publications received so far count: for interimd the patients each of the
 * trial's three topics published last, for the echo its copies.
 */
typedef struct Seen {
        bool daemon;
        size_t patients[3]; /* os, pfs, lrp */
        size_t copies;
} Seen;

/*
 * Takes one more publication; returns how many events have been published: for
 * interimd the fewest patients of any topic (an enrollment moves all three).
 */
static size_t seen_add(Seen *seen, zmq_msg_t *body) {
        static const char *const topics[] = { "os", "pfs", "lrp" };
        if (!seen->daemon)
                return ++seen->copies;
        Interim__Statistics *st = interim__statistics__unpack(NULL, zmq_msg_size(body), zmq_msg_data(body));
        if (!st)
                abort();
        for (size_t i = 0; i < 3; i++)
                if (strcmp(st->endpoint, topics[i]) == 0)
                        seen->patients[i] = st->arms[st->n_arms - 1]->n;
        interim__statistics__free_unpacked(st, NULL);
        size_t n = seen->patients[0];
        for (size_t i = 1; i < 3; i++)
                if (seen->patients[i] < n)
                        n = seen->patients[i];
        return n;
}

/*
 * Sends the enrollments of s on a DEALER connected to endpoint at LATENCY_RATE a
 * second, on schedule, and times each from its send to its Ack (ack_ns) and to the
 * first message on a SUB of pub_endpoint that counts it (pub_ns); daemon tells whether
 * interimd or the echo answers.
 */
static void paced(void *zmq, const char *endpoint, const char *pub_endpoint, bool daemon, const Stream *s,
                  double *ack_ns, double *pub_ns) {
        void *dealer = zmq_socket(zmq, ZMQ_DEALER), *sub = zmq_socket(zmq, ZMQ_SUB);
        int linger = 0;
        zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof(linger));
        zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof(linger));
        zmq_setsockopt(sub, ZMQ_SUBSCRIBE, daemon ? "E2108/" : "", daemon ? 6 : 0);
        if (zmq_connect(dealer, endpoint) < 0 || zmq_connect(sub, pub_endpoint) < 0)
                abort();
        usleep(200000); /* the subscription reaches the PUB */
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        while (zmq_msg_recv(&msg, sub, ZMQ_DONTWAIT) >= 0) /* the publications at start */
                ;
        double *sent_at = malloc(s->n * sizeof(double));
        size_t sent = 0, acked = 0, covered = 0;
        Seen seen = { .daemon = daemon };
        zmq_pollitem_t items[2] = { { .socket = dealer, .events = ZMQ_POLLIN }, { .socket = sub, .events = ZMQ_POLLIN } };
        double t0 = bench_now_ns();
        while (acked < s->n || covered < s->n) {
                double now = bench_now_ns(), next = t0 + (double)sent * 1e9 / LATENCY_RATE;
                if (sent < s->n && now >= next) {
                        if (zmq_send(dealer, s->bytes + s->offset[sent], s->offset[sent + 1] - s->offset[sent], 0) < 0)
                                abort();
                        sent_at[sent++] = bench_now_ns();
                        continue;
                }
                long timeout = sent < s->n ? (long)((next - now) / 1e6) + 1 : HARNESS_WAIT_MS;
                if (zmq_poll(items, 2, timeout) < 0 || (sent == s->n && !items[0].revents && !items[1].revents)) {
                        fprintf(stderr, "bench-ingest: no answer or publication from %s\n", endpoint);
                        exit(1);
                }
                double at = bench_now_ns();
                Interim__Ack *ack;
                while (harness_recv_ack(dealer, 0, &ack) == 1) {
                        if (ack->status != INTERIM__ACK_STATUS__ACCEPTED && daemon) {
                                fprintf(stderr, "bench-ingest: event refused: %s\n", ack->text);
                                exit(1);
                        }
                        interim__ack__free_unpacked(ack, NULL);
                        ack_ns[acked] = at - sent_at[acked];
                        acked++;
                }
                /* interimd's publications are a topic frame, then the body; the echo's one frame. */
                while (zmq_msg_recv(&msg, sub, ZMQ_DONTWAIT) >= 0) {
                        if (daemon && zmq_msg_recv(&msg, sub, 0) < 0)
                                abort();
                        for (size_t n = seen_add(&seen, &msg); covered < n && covered < sent; covered++)
                                pub_ns[covered] = at - sent_at[covered];
                }
        }
        zmq_msg_close(&msg);
        free(sent_at);
        zmq_close(dealer);
        zmq_close(sub);
}

/* The p50 and p99 of n latencies (ns), in us, as a cell of the table. */
static void latency_cell(char *buf, size_t size, double *ns, size_t n) {
        snprintf(buf, size, "%.0f / %.0f us", bench_quantile(ns, n, 0.50) / 1e3, bench_quantile(ns, n, 0.99) / 1e3);
}

/* Prints the p50 and p99 of n latencies (ns) under a name: interimd's, the raw echo's, the durable echo's. */
static void latency_row(const char *name, double *daemon, double *raw, double *durable, size_t n) {
        char d[64], r[64], o[64];
        latency_cell(d, sizeof(d), daemon, n);
        latency_cell(r, sizeof(r), raw, n);
        latency_cell(o, sizeof(o), durable, n);
        printf("| %s, p50 / p99 | %s | %s | %s | | |\n", name, d, r, o);
}

/* Times an echo ROUTER, raw or durable, over tcp as paced() does, with a PUB forwarding each message. */
static void paced_echo(void *zmq, const Stream *s, bool durable, double *ack_ns, double *pub_ns) {
        Echo e;
        char endpoint[128], pub_endpoint[64];
        snprintf(pub_endpoint, sizeof(pub_endpoint), "tcp://127.0.0.1:%d", free_port());
        echo_start(&e, "tcp", endpoint, sizeof(endpoint), pub_endpoint, durable);
        paced(zmq, endpoint, pub_endpoint, false, s, ack_ns, pub_ns);
        echo_stop(&e);
}

/*
 * Event-to-acknowledgement and event-to-publication latency at a steady LATENCY_RATE
 * enrollments a second over tcp (publish_interval_ms = 1), beside the raw and the
 * durable echo ROUTER, which forward each message to a PUB as they answer it, and the
 * time the store alone takes to commit each event at that rate; RUNS runs of each,
 * taken in turn.
 */
static void latency(void *zmq) {
        Stream s;
        Rows rows;
        stream_make(&s, 0, LATENCY_EVENTS, 1);
        rows_make(&rows, &s);
        size_t n = RUNS * s.n;
        double *ack = malloc(n * sizeof(double)), *pub = malloc(n * sizeof(double));
        double *raw_ack = malloc(n * sizeof(double)), *raw_pub = malloc(n * sizeof(double));
        double *durable_ack = malloc(n * sizeof(double)), *durable_pub = malloc(n * sizeof(double));
        double *commit = malloc(n * sizeof(double));
        for (int run = 0; run < RUNS; run++) {
                Harness h;
                char endpoint[128], pub_endpoint[64], extra[128];
                snprintf(pub_endpoint, sizeof(pub_endpoint), "tcp://127.0.0.1:%d", free_port());
                snprintf(extra, sizeof(extra), "publish = %s\npublish_interval_ms = 1\n", pub_endpoint);
                daemon_new_with(&h, "tcp", endpoint, sizeof(endpoint), extra);
                paced(zmq, endpoint, pub_endpoint, true, &s, ack + run * s.n, pub + run * s.n);
                daemon_done(&h);
                paced_echo(zmq, &s, false, raw_ack + run * s.n, raw_pub + run * s.n);
                paced_echo(zmq, &s, true, durable_ack + run * s.n, durable_pub + run * s.n);
                store_paced(&rows, commit + run * s.n);
        }
        latency_row("event to acknowledgement, tcp, 1000 events/s", ack, raw_ack, durable_ack, n);
        latency_row("event to publication, tcp, 1000 events/s, publish_interval_ms = 1", pub, raw_pub, durable_pub, n);
        printf("| the store alone: one event per commit, 1000 events/s, p50 / p99 | %.0f / %.0f us | | | | |\n",
               bench_quantile(commit, n, 0.50) / 1e3, bench_quantile(commit, n, 0.99) / 1e3);
        fflush(stdout);
        free(commit);
        rows_free(&rows);
        free(ack);
        free(pub);
        free(raw_ack);
        free(raw_pub);
        free(durable_ack);
        free(durable_pub);
        streams_free(&s, 1);
}

/* Starts and stops interimd on a store RUNS times: medians of the time from exec to READY=1 and of the resident set then. */
static void restarts(Harness *h, double *ret_seconds, double *ret_rss) {
        double seconds[RUNS], rss[RUNS];
        for (int run = 0; run < RUNS; run++) {
                double t0 = bench_now_ns();
                if (harness_start(h) < 0) {
                        harness_print_log(h);
                        exit(1);
                }
                seconds[run] = (bench_now_ns() - t0) / 1e9;
                rss[run] = rss_bytes(h->pid);
                if (harness_stop(h, SIGTERM) != 0)
                        exit(1);
        }
        *ret_seconds = bench_median(seconds, RUNS);
        *ret_rss = bench_median(rss, RUNS);
}

/* How many lines of the daemon's log contain text. */
static size_t log_lines(const Harness *h, const char *text) {
        FILE *f = fopen(h->log, "r");
        char line[1024];
        size_t n = 0;
        while (f && fgets(line, sizeof(line), f))
                n += strstr(line, text) != NULL;
        if (f)
                fclose(f);
        return n;
}

/* Sends ev on dealer and waits for its Ack, which must be ACCEPTED; exits saying what failed otherwise. */
static void send_accepted(void *dealer, const SiteEvent *ev, const char *what) {
        uint8_t buf[256];
        size_t len = harness_encode(ev, buf, sizeof(buf));
        Interim__Ack *ack = NULL;
        if (zmq_send(dealer, buf, len, 0) < 0 || harness_recv_ack(dealer, HARNESS_WAIT_MS, &ack) != 1 ||
            ack->status != INTERIM__ACK_STATUS__ACCEPTED) {
                fprintf(stderr, "bench-ingest: %s\n", what);
                exit(1);
        }
        interim__ack__free_unpacked(ack, NULL);
}

/*
 * Seconds from a SIGHUP to the acknowledgement of an enrollment sent on dealer as soon
 * as the daemon logs that it reloads: how long a reload holds ingest up, the topics'
 * statistics computed again included (they are, before the next batch).
 */
static double reload_seconds(Harness *h, void *dealer, uint64_t seq) {
        char patient[32], date[11];
        snprintf(patient, sizeof(patient), "R%06" PRIu64, seq);
        date_format((int32_t)(time(NULL) / 86400), date);
        SiteEvent ev = { .trial = "E2108", .site = "site-reload", .seq = seq, .patient = patient, .date = date,
                         .kind = "enroll", .arm = "systemic", .stratum = "hr" };
        size_t started = log_lines(h, "reloading the trials");
        double t0 = bench_now_ns();
        kill(h->pid, SIGHUP);
        while (log_lines(h, "reloading the trials") == started) {
                if (bench_now_ns() - t0 > HARNESS_WAIT_MS * 1e6) {
                        harness_print_log(h);
                        exit(1);
                }
                usleep(100);
        }
        send_accepted(dealer, &ev, "no acknowledgement after a reload");
        double seconds = (bench_now_ns() - t0) / 1e9;
        usleep(200000); /* the publications of the reload leave before the next */
        return seconds;
}

/* Appends text to h's configuration file. */
static void config_append(const Harness *h, const char *text) {
        FILE *f = fopen(h->config, "a");
        if (!f)
                abort();
        fputs(text, f);
        fclose(f);
}

/* Enrolls SMALL_EVENTS patients in trial SMALL on dealer, each acknowledged before the next. */
static void small_fill(void *dealer) {
        char date[11];
        date_format((int32_t)(time(NULL) / 86400) - 1, date);
        for (uint64_t i = 1; i <= SMALL_EVENTS; i++) {
                char patient[32];
                snprintf(patient, sizeof(patient), "S%06" PRIu64, i);
                SiteEvent ev = { .trial = "SMALL", .site = "site-small", .seq = i, .patient = patient, .date = date,
                                 .kind = "enroll", .arm = i % 2 ? "a" : "b" };
                send_accepted(dealer, &ev, "trial SMALL: an enrollment not accepted");
        }
}

/*
 * Medians of RUNS reloads of the daemon on h (restarted, ingesting over ipc) timed by
 * reload_seconds(): with its configuration as it is (every trial kept as it runs), then
 * each adding an endpoint to the trial (which rebuilds it from the store), then, with a
 * second trial of SMALL_EVENTS events added, each adding an endpoint to that one (whose
 * events alone are read back).
 */
static void reloads(void *zmq, Harness *h, double *ret_unchanged, double *ret_endpoint, double *ret_small) {
        double unchanged[RUNS], endpoint[RUNS], small[RUNS];
        char address[128];
        if (harness_start(h) < 0) {
                harness_print_log(h);
                exit(1);
        }
        endpoint_of("ipc", h->dir, address, sizeof(address));
        void *dealer = zmq_socket(zmq, ZMQ_DEALER);
        int linger = 0;
        zmq_setsockopt(dealer, ZMQ_LINGER, &linger, sizeof(linger));
        if (zmq_connect(dealer, address) < 0)
                abort();
        uint64_t seq = 0;
        for (int run = 0; run < RUNS; run++)
                unchanged[run] = reload_seconds(h, dealer, ++seq);
        char text[128];
        for (int run = 0; run < RUNS; run++) {
                snprintf(text, sizeof(text), "[endpoint E2108 added%d]\nevents = death\n", run);
                config_append(h, text);
                endpoint[run] = reload_seconds(h, dealer, ++seq);
        }
        config_append(h, "[trial SMALL]\narms = a, b\n[endpoint SMALL os]\nevents = death\n");
        (void)reload_seconds(h, dealer, ++seq);
        small_fill(dealer);
        for (int run = 0; run < RUNS; run++) {
                snprintf(text, sizeof(text), "[endpoint SMALL added%d]\nevents = death\n", run);
                config_append(h, text);
                small[run] = reload_seconds(h, dealer, ++seq);
        }
        zmq_close(dealer);
        if (harness_stop(h, SIGTERM) != 0)
                exit(1);
        *ret_unchanged = bench_median(unchanged, RUNS);
        *ret_endpoint = bench_median(endpoint, RUNS);
        *ret_small = bench_median(small, RUNS);
}

/* Ingests n events, patients of story events each, from MAX_SITES sites into a new store; leaves the daemon stopped. */
static void fill(void *zmq, Harness *h, size_t n, size_t story, double *ret_rss_before, double *ret_rss_after) {
        Stream streams[MAX_SITES];
        for (size_t i = 0; i < MAX_SITES; i++)
                stream_make(&streams[i], i, n / MAX_SITES, story);
        char endpoint[128];
        daemon_new(h, "ipc", endpoint, sizeof(endpoint));
        *ret_rss_before = rss_bytes(h->pid);
        drive(zmq, endpoint, streams, MAX_SITES);
        *ret_rss_after = rss_bytes(h->pid);
        if (harness_stop(h, SIGTERM) != 0)
                exit(1);
        streams_free(streams, MAX_SITES);
}

/* Memory per enrolled patient, after ingest and after a replay, the time of that replay, and of reloads. */
static void memory_and_replay(void *zmq) {
        Harness h, empty;
        char endpoint[128];
        double before, after, seconds, rss, empty_seconds, empty_rss;
        daemon_new(&empty, "ipc", endpoint, sizeof(endpoint));
        if (harness_stop(&empty, SIGTERM) != 0)
                exit(1);
        restarts(&empty, &empty_seconds, &empty_rss);
        daemon_done(&empty);

        fill(zmq, &h, MEMORY_PATIENTS, 1, &before, &after);
        restarts(&h, &seconds, &rss);
        daemon_done(&h);
        printf("| memory per enrolled patient, %d enrolled, after ingest (RSS minus RSS at start) | %.0f B | | | | |\n",
               MEMORY_PATIENTS, (after - before) / MEMORY_PATIENTS);
        printf("| memory per enrolled patient, %d enrolled, after replay (RSS minus an empty store's) | %.0f B | | | | |\n",
               MEMORY_PATIENTS, (rss - empty_rss) / MEMORY_PATIENTS);
        printf("| replay at start, exec to READY=1: %d enrollments | %.2f s | | | | |\n", MEMORY_PATIENTS, seconds);
        fflush(stdout);

        fill(zmq, &h, REPLAY_EVENTS, 4, &before, &after);
        restarts(&h, &seconds, &rss);
        double unchanged, added, small;
        reloads(zmq, &h, &unchanged, &added, &small);
        daemon_done(&h);
        printf("| replay at start, exec to READY=1: %d events (enroll, 2 contacts, death) | %.2f s | | | | |\n",
               REPLAY_EVENTS, seconds);
        printf("| reload (SIGHUP) with %d events stored, configuration unchanged: SIGHUP to an event's acknowledgement | %.3f s | | | | |\n",
               REPLAY_EVENTS, unchanged);
        printf("| reload with %d events stored, adding an endpoint (the trial rebuilt from the store): the same | %.2f s | | | | |\n",
               REPLAY_EVENTS, added);
        printf("| reload with %d events stored, adding an endpoint to a second trial of %d events (only they replayed): the same | %.3f s | | | | |\n",
               REPLAY_EVENTS, SMALL_EVENTS, small);
        printf("| start with an empty store, exec to READY=1 | %.3f s | | | | |\n", empty_seconds);
        fflush(stdout);
}

/* ---- instructions per event, counted by valgrind's callgrind: a measure no other load on the machine moves ---- */

/* Where valgrind is, or NULL. */
static const char *valgrind_path(void) {
        static const char *const paths[] = { "/usr/bin/valgrind", "/usr/local/bin/valgrind" };
        for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++)
                if (access(paths[i], X_OK) == 0)
                        return paths[i];
        return NULL;
}

/* The instructions callgrind collected, from its output file at path. */
static double callgrind_total(const char *path) {
        FILE *f = fopen(path, "r");
        char line[256];
        double total = -1;
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "totals:", 7) == 0)
                        total = strtod(line + 7, NULL);
        if (f)
                fclose(f);
        if (total < 0) {
                fprintf(stderr, "bench-ingest: no totals in %s\n", path);
                exit(1);
        }
        return total;
}

/*
 * Instructions per event that interimd spends in its function fn and what fn calls
 * (valgrind's --toggle-collect), over COUNT_EVENTS events (patients enrolled, seen
 * twice, dead) sent over ipc from MAX_SITES sites, each keeping WINDOW in flight.
 */
static double daemon_instructions(void *zmq, const char *valgrind, const char *fn) {
        Harness h;
        char wrapper[300], out[300], endpoint[128];
        daemon_prepare(&h, "ipc", endpoint, sizeof(endpoint), "");
        snprintf(wrapper, sizeof(wrapper), "%s/interimd-counted", h.dir);
        snprintf(out, sizeof(out), "%s/callgrind.out", h.dir);
        FILE *f = fopen(wrapper, "w");
        fprintf(f, "#!/bin/sh\nexec %s -q --tool=callgrind --toggle-collect=%s --callgrind-out-file=%s %s \"$@\"\n",
                valgrind, fn, out, INTERIMD_PATH);
        fclose(f);
        chmod(wrapper, 0700);
        h.binary = wrapper;
        daemon_start(&h);
        Stream streams[MAX_SITES];
        for (size_t i = 0; i < MAX_SITES; i++)
                stream_make(&streams[i], i, COUNT_EVENTS / MAX_SITES, 4);
        drive(zmq, endpoint, streams, MAX_SITES);
        streams_free(streams, MAX_SITES);
        if (harness_stop(&h, SIGTERM) != 0) {
                harness_print_log(&h);
                exit(1);
        }
        double total = callgrind_total(out);
        harness_cleanup(&h);
        return total / COUNT_EVENTS;
}

/* `bench-ingest store-writer`, run under callgrind: the store alone stores COUNT_EVENTS events. */
static int store_writer(void) {
        Stream stream;
        Rows rows;
        Harness h;
        stream_make(&stream, 0, COUNT_EVENTS, 4);
        rows_make(&rows, &stream);
        Store *store = store_new(&h);
        for (size_t i = 0; i < rows.n; i += STORE_BATCH)
                store_rows(store, &rows, i, i + STORE_BATCH < rows.n ? i + STORE_BATCH : rows.n);
        store_free(store);
        harness_cleanup(&h);
        rows_free(&rows);
        streams_free(&stream, 1);
        return 0;
}

/* Instructions per event of the store alone's writer (store_rows(): appends and commits; its checkpoint thread not counted). */
static double store_instructions(const char *valgrind) {
        char self[4096], dir[] = "/tmp/bench-count-XXXXXX", out[64], option[96];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0 || !mkdtemp(dir))
                abort();
        self[n] = '\0';
        snprintf(out, sizeof(out), "%s/callgrind.out", dir);
        snprintf(option, sizeof(option), "--callgrind-out-file=%s", out);
        pid_t pid = fork();
        if (pid == 0) {
                execl(valgrind, "valgrind", "-q", "--tool=callgrind", "--toggle-collect=store_rows", option, self,
                      "store-writer", (char *)NULL);
                _exit(127);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "bench-ingest: the store alone under callgrind failed\n");
                exit(1);
        }
        double total = callgrind_total(out);
        unlink(out);
        rmdir(dir);
        return total / COUNT_EVENTS;
}

/* Instructions per event of interimd's ingest, of its store's appends, and of the store alone. */
static void instructions(void *zmq) {
        const char *valgrind = valgrind_path();
        if (!valgrind) {
                printf("| instructions per event: not counted, valgrind is not installed | | | | | |\n");
                return;
        }
        printf("| instructions per event (callgrind), interimd's ingest_batch(): receive, decide, store, commit, acknowledge; %d events from %d sites | %.0f | | | | |\n",
               COUNT_EVENTS, MAX_SITES, daemon_instructions(zmq, valgrind, "ingest_batch"));
        fflush(stdout);
        printf("| instructions per event, of which interimd's store_append_event(): hash and insert one row | %.0f | | | | |\n",
               daemon_instructions(zmq, valgrind, "store_append_event"));
        printf("| instructions per event, the store alone's writer: appends and commits, batches of %d | %.0f | | | | |\n",
               STORE_BATCH, store_instructions(valgrind));
        fflush(stdout);
}

/* Whether the measure named was asked for: all of them when no name is given. */
static bool wanted(int argc, char **argv, const char *name) {
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], name) == 0)
                        return true;
        return argc < 2;
}

/* bench-ingest [throughput] [latency] [memory] [instructions]: the measures named, or all. */
int main(int argc, char **argv) {
        if (argc == 2 && strcmp(argv[1], "store-writer") == 0)
                return store_writer();
        void *zmq = zmq_ctx_new();
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        printf("interimd ingest, %ld core%s; medians of %d runs; %d events per throughput run, %d in flight per site\n\n",
               cores, cores == 1 ? "" : "s", RUNS, THROUGHPUT_EVENTS, WINDOW);
        printf("| measure | interimd | raw ZeroMQ DEALER/ROUTER | durable echo: write, fdatasync, answer | interimd / raw | CPU per event: interimd / client |\n");
        printf("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        fflush(stdout);
        static const char *const transports[] = { "tcp", "ipc" };
        static const size_t sites[] = { 1, 8 };
        for (size_t t = 0; t < 2 && wanted(argc, argv, "throughput"); t++)
                for (size_t i = 0; i < 2; i++)
                        throughput(zmq, transports[t], sites[i]);
        if (wanted(argc, argv, "throughput"))
                throughput_store();
        if (wanted(argc, argv, "latency"))
                latency(zmq);
        if (wanted(argc, argv, "memory"))
                memory_and_replay(zmq);
        if (wanted(argc, argv, "instructions"))
                instructions(zmq);
        zmq_ctx_term(zmq);
        return 0;
}
