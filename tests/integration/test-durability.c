/* test-durability.c — interimd killed (SIGKILL), or its power cut, at random moments of heavy ingest: what it acknowledged survives, once. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "config.h"
#include "harness.h"
#include "interim/date.h"
#include "store.h"
#include "trials.h"

#define ROUNDS 20
#define POWER_CUTS 10
#define SENDERS 4
#define WINDOW 64        /* events a sender keeps in flight */
#define STREAM 60000     /* longest stream of a sender; the kill comes first */
#define KILL_MIN_US 50000
#define KILL_MAX_US 400000

static const char config_text[] =
        "[daemon]\n"
        "state_dir = %s\n"
        "ingest = ipc://%s/ingest\n"
        "batch_max = 64\n"
        "[trial DUR]\n"
        "arms = a, b\n"
        "strata = s1, s2\n"
        "[endpoint DUR os]\n"
        "events = death\n"
        "[endpoint DUR pfs]\n"
        "events = progression, death\n";

/*
 * Each patient's story, six events in a row of one site: enrollment, contact, a refused
 * retraction of the enrollment, death, a refused contact after it, and the contact taken
 * back.  Sites have their own patients, so every answer is known whatever the order in
 * which the daemon interleaves the sites.
 */
#define STORY 6
static const Interim__Reason story_reason[STORY] = {
        [2] = INTERIM__REASON__HAS_FOLLOWUP,
        [4] = INTERIM__REASON__AFTER_DEATH,
};

/* The answer to one event: as acknowledged, or as found in the store. */
typedef struct Answer {
        bool accepted;
        Interim__Reason reason;
        uint64_t store_seq;
} Answer;

/* One site's DEALER and its stream, driven by its own thread. */
typedef struct Sender {
        char site[32];
        void *socket;
        size_t target;      /* how many of the stream's events to send, from its first */
        size_t sent;        /* events 0 .. sent-1 were handed to the socket, in order */
        size_t acked;       /* acknowledgements of events 0 .. acked-1 came back, in order */
        size_t answered;    /* before this phase, events 0 .. answered-1 had an answer in answer[] */
        uint64_t fresh_min; /* a store_seq given in this phase is above this */
        Answer answer[STREAM];
        const atomic_bool *stop;
        atomic_size_t *acks; /* every sender's acknowledgements in this phase */
        char failure[256];  /* what went wrong in the thread, where cmocka cannot assert */
} Sender;

typedef struct Fixture {
        Harness h;
        void *zmq;
        int32_t today;
        uint64_t base;   /* accepted events in the store before this round */
        Sender *senders; /* [SENDERS] */
        char kept[96];   /* with power cuts: the state's files as of their last sync */
        size_t sent_total, acked_total, unacked_stored;
} Fixture;

/* Event k (0-based, site_seq k + 1) of a site's stream, encoded into buf; returns its length. */
static size_t story_encode(const Fixture *f, const char *site, size_t k, uint8_t *buf, size_t size) {
        size_t p = k / STORY;
        uint64_t enrollment = p * STORY + 1;
        char patient[48], date[11];
        snprintf(patient, sizeof(patient), "%s-%zu", site, p);
        int32_t day = f->today - 400 + (int32_t)(p % 100);
        static const int32_t offset[STORY] = { 0, 10, 0, 20, 30, 0 };
        date_format(day + offset[k % STORY], date);
        SiteEvent ev = { .trial = "DUR", .site = site, .seq = k + 1, .patient = patient, .date = date };
        static const char *const kind[STORY] = { "enroll", "contact", "retract", "death", "contact", "retract" };
        ev.kind = kind[k % STORY];
        if (k % STORY == 0) {
                ev.arm = p % 2 ? "b" : "a";
                ev.stratum = p % 3 ? "s1" : "s2";
        } else if (k % STORY == 2 || k % STORY == 5) {
                ev.patient = NULL;
                ev.date = NULL;
                ev.target = enrollment + (k % STORY == 5);
        }
        return harness_encode(&ev, buf, size);
}

static const Fixture *fixture; /* for the sender threads' encoding */

__attribute__((format(printf, 2, 3))) static void sender_fail(Sender *s, const char *fmt, ...) {
        if (s->failure[0])
                return;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->failure, sizeof(s->failure), fmt, ap);
        va_end(ap);
}

/* Checks an acknowledgement against what event k must get, and keeps its answer. */
static void sender_check(Sender *s, const Interim__Ack *ack) {
        size_t k = s->acked;
        Interim__Reason want = story_reason[k % STORY];
        if (strcmp(ack->site, s->site) != 0 || ack->site_seq != k + 1) {
                sender_fail(s, "%s: acknowledgement of %s/%llu where %zu was next", s->site, ack->site,
                            (unsigned long long)ack->site_seq, k + 1);
                return;
        }
        if (k < s->answered) {
                /* Said once, said for good. */
                const Answer *a = &s->answer[k];
                if (ack->status != INTERIM__ACK_STATUS__DUPLICATE || ack->reason != a->reason ||
                    ack->store_seq != a->store_seq)
                        sender_fail(s, "%s/%zu: resent, got status %d reason %d store_seq %llu, not its first answer "
                                    "(reason %d, store_seq %llu)", s->site, k + 1, ack->status, ack->reason,
                                    (unsigned long long)ack->store_seq, a->reason, (unsigned long long)a->store_seq);
        } else {
                bool accept = want == INTERIM__REASON__REASON_NONE;
                if (ack->status != (accept ? INTERIM__ACK_STATUS__ACCEPTED : INTERIM__ACK_STATUS__REJECTED) ||
                    ack->reason != want || (accept ? ack->store_seq <= s->fresh_min : ack->store_seq != 0))
                        sender_fail(s, "%s/%zu: got status %d reason %d store_seq %llu, want reason %d above %llu",
                                    s->site, k + 1, ack->status, ack->reason, (unsigned long long)ack->store_seq, want,
                                    (unsigned long long)s->fresh_min);
                s->answer[k] = (Answer){ .accepted = accept, .reason = want, .store_seq = ack->store_seq };
        }
        s->acked++;
        atomic_fetch_add(s->acks, 1);
}

/* Takes the acknowledgements that come within timeout_ms (then those already waiting); returns how many. */
static size_t sender_take(Sender *s, int timeout_ms) {
        size_t n = 0;
        Interim__Ack *ack;
        int r;
        while ((r = harness_recv_ack(s->socket, n ? 0 : timeout_ms, &ack)) == 1) {
                sender_check(s, ack);
                interim__ack__free_unpacked(ack, NULL);
                n++;
        }
        if (r < 0)
                sender_fail(s, "%s: receiving: %s", s->site, zmq_strerror(-r));
        return n;
}

/* Sends the stream with WINDOW events in flight until all are acknowledged or *stop. */
static void *sender_run(void *userdata) {
        Sender *s = userdata;
        uint8_t buf[256];
        while (!atomic_load(s->stop) && s->acked < s->target && !s->failure[0]) {
                while (s->sent < s->target && s->sent - s->acked < WINDOW) {
                        size_t n = story_encode(fixture, s->site, s->sent, buf, sizeof(buf));
                        if (zmq_send(s->socket, buf, n, ZMQ_DONTWAIT) != (int)n)
                                break;
                        s->sent++;
                }
                sender_take(s, 10);
        }
        /* Acknowledgements already on their way when the daemon died still count. */
        while (sender_take(s, 50) > 0)
                ;
        return NULL;
}

/*
 * Runs every sender in its own thread; delay_us (0: none) after the first
 * acknowledgement, so that the kill falls within the ingest however slow the start,
 * kills the daemon.
 */
static void senders_run(Fixture *f, useconds_t delay_us) {
        atomic_bool stop = false;
        atomic_size_t acks = 0;
        pthread_t thread[SENDERS];
        char endpoint[128];
        snprintf(endpoint, sizeof(endpoint), "ipc://%s/ingest", f->h.dir);
        for (int i = 0; i < SENDERS; i++) {
                Sender *s = &f->senders[i];
                s->socket = zmq_socket(f->zmq, ZMQ_DEALER);
                int linger = 0;
                zmq_setsockopt(s->socket, ZMQ_LINGER, &linger, sizeof(linger));
                assert_int_equal(zmq_connect(s->socket, endpoint), 0);
                s->stop = &stop;
                s->acks = &acks;
                s->sent = s->acked = 0;
                assert_int_equal(pthread_create(&thread[i], NULL, sender_run, s), 0);
        }
        if (delay_us) {
                for (int waited_ms = 0; atomic_load(&acks) == 0; waited_ms++) {
                        assert_true(waited_ms < 30000);
                        usleep(1000);
                }
                usleep(delay_us);
                assert_int_equal(harness_stop(&f->h, SIGKILL), 128 + SIGKILL);
                atomic_store(&stop, true);
        }
        for (int i = 0; i < SENDERS; i++) {
                Sender *s = &f->senders[i];
                assert_int_equal(pthread_join(thread[i], NULL), 0);
                zmq_close(s->socket);
                if (s->failure[0])
                        fail_msg("%s", s->failure);
        }
}

/* ---- the store, read as the daemon left it ---- */

typedef struct Expected {
        const uint8_t *payload;
        size_t len;
        const char *patient; /* the story's patient, as the row names it (a retraction: its target's) */
        const char *kind;
        bool retracted;
} Expected;

static int row_matches(const StoreEvent *row, void *userdata) {
        const Expected *e = userdata;
        /* The whole row of an acknowledged or committed event: no part of a batch is missing. */
        assert_int_equal(row->payload_len, e->len);
        assert_memory_equal(row->payload, e->payload, e->len);
        assert_string_equal(row->patient, e->patient);
        assert_string_equal(row->kind, e->kind);
        assert_int_equal(row->retracted, e->retracted);
        return 0;
}

static int count_row(const StoreEvent *row, void *userdata) {
        (*(uint64_t *)userdata)++;
        return 0;
}

/*
 * Checks a sender's events in the store: each answered one holds its acknowledged answer
 * (or, unacknowledged, the one its story gives) with its whole row, and the answered
 * events are a prefix of those sent: batches are stored whole and in order.  Records
 * the answers for the resend.  Returns the number of the sender's events accepted.
 */
static uint64_t check_sender(Fixture *f, Store *store, Sender *s) {
        size_t k = 0;
        uint64_t accepted = 0;
        StoreAnswer a;
        for (; k < s->sent && store_answer(store, s->site, (int64_t)k + 1, &a) == 1; k++) {
                Interim__Reason want = story_reason[k % STORY];
                assert_int_equal(a.accepted, want == INTERIM__REASON__REASON_NONE);
                assert_int_equal(a.accepted ? INTERIM__REASON__REASON_NONE : a.reason, want);
                if (k < s->acked)
                        assert_int_equal(a.accepted ? (uint64_t)a.store_seq : 0, s->answer[k].store_seq);
                s->answer[k] = (Answer){ .accepted = a.accepted, .reason = want,
                                         .store_seq = a.accepted ? (uint64_t)a.store_seq : 0 };
                if (!a.accepted)
                        continue;
                accepted++;
                uint8_t buf[256];
                char patient[48];
                snprintf(patient, sizeof(patient), "%s-%zu", s->site, k / STORY);
                static const char *const kind[STORY] = { "enroll", "contact", NULL, "death", NULL, "retract" };
                /* The contact is taken back by the story's last event, if that is stored too. */
                StoreAnswer last;
                Expected e = {
                        .payload = buf,
                        .len = story_encode(f, s->site, k, buf, sizeof(buf)),
                        .patient = patient,
                        .kind = kind[k % STORY],
                        .retracted = k % STORY == 1 && store_answer(store, s->site, (int64_t)k + 5, &last) == 1,
                };
                assert_int_equal(store_find(store, s->site, (int64_t)k + 1, row_matches, &e), 1);
        }
        assert_true(k >= s->acked);
        f->unacked_stored += k - s->acked;
        s->answered = k;
        /* Nothing after the first event without an answer. */
        for (; k < s->sent; k++)
                assert_int_equal(store_answer(store, s->site, (int64_t)k + 1, &a), 0);
        return accepted;
}

/*
 * Opens the store read-only as the daemon left it and checks it: its chains, this
 * round's events, nothing stored twice (the events of earlier rounds and of this one
 * account for every row), and the daemon's rebuild of its trials from it.
 */
static void check_store(Fixture *f) {
        Store *store = NULL;
        char *error = NULL;
        assert_int_equal(store_open_readonly(&store, f->h.state, &error), 0);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(store, &table, &row), 0);
        uint64_t accepted = 0, rows = 0;
        for (int i = 0; i < SENDERS; i++)
                accepted += check_sender(f, store, &f->senders[i]);
        assert_int_equal(store_replay(store, count_row, &rows), 0);
        assert_int_equal(rows, f->base + accepted);

        /* The daemon's own rebuild of its state from this store goes through. */
        Config *c = NULL;
        Trials *trials = NULL;
        size_t replayed = 0;
        assert_int_equal(config_load(&c, f->h.config, &error), 0);
        assert_int_equal(trials_new(&trials, c), 0);
        assert_int_equal(trials_replay(trials, store, &replayed, &error), 0);
        assert_int_equal(replayed, rows);
        trials_free(trials);
        config_free(c);
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES];
        store_head(store, &head, hash);
        assert_int_equal(head, (int64_t)rows);
        store_free(store);
        for (int i = 0; i < SENDERS; i++)
                f->senders[i].fresh_min = (uint64_t)head;
}

/* ---- the rounds ---- */

/*
 * A fixture with the daemon started; with power_cuts, under the powercut module
 * ($INTERIM_POWERCUT), which keeps each synced file of its state in DIR/kept.
 */
static int start(void **state, bool power_cuts) {
        Fixture *f = calloc(1, sizeof(*f));
        f->senders = calloc(SENDERS, sizeof(*f->senders));
        assert_int_equal(harness_init(&f->h, "test-durability", getenv("INTERIMD")), 0);
        if (power_cuts) {
                const char *module = getenv("INTERIM_POWERCUT");
                assert_non_null(module);
                snprintf(f->kept, sizeof(f->kept), "%s/kept", f->h.dir);
                assert_int_equal(mkdir(f->kept, 0700), 0);
                assert_int_equal(mkdir(f->h.state, 0700), 0);
                /* An ASan build checks that its runtime comes before any other library. */
                char asan[512];
                const char *options = getenv("ASAN_OPTIONS");
                snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0", options ? options : "",
                         options ? ":" : "");
                setenv("ASAN_OPTIONS", asan, 1);
                setenv("LD_PRELOAD", module, 1);
                setenv("POWERCUT_WATCH", f->h.state, 1);
                setenv("POWERCUT_KEEP", f->kept, 1);
        }
        FILE *c = fopen(f->h.config, "w");
        fprintf(c, config_text, f->h.state, f->h.dir);
        fclose(c);
        f->today = (int32_t)(time(NULL) / 86400);
        f->zmq = zmq_ctx_new();
        fixture = f;
        assert_int_equal(harness_start(&f->h), 0);
        *state = f;
        return 0;
}

static int setup(void **state) {
        return start(state, false);
}

static int setup_power_cuts(void **state) {
        return start(state, true);
}

static int teardown(void **state) {
        Fixture *f = *state;
        zmq_ctx_term(f->zmq);
        int status = f->h.pid ? harness_stop(&f->h, SIGTERM) : 0;
        unsetenv("LD_PRELOAD");
        unsetenv("POWERCUT_WATCH");
        unsetenv("POWERCUT_KEEP");
        if (status != 0)
                harness_print_log(&f->h);
        harness_cleanup(&f->h);
        free(f->senders);
        free(f);
        assert_int_equal(status, 0);
        return 0;
}

/* Copies file from into to, a new file. */
static void copy_file(const char *from, const char *to) {
        int in = open(from, O_RDONLY | O_CLOEXEC);
        assert_true(in >= 0);
        int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(out >= 0);
        struct stat st;
        assert_int_equal(fstat(in, &st), 0);
        for (off_t offset = 0; offset < st.st_size;)
                assert_true(sendfile(out, in, &offset, (size_t)(st.st_size - offset)) > 0);
        close(in);
        close(out);
}

/*
 * After the kill, leaves in the state directory only what a power cut would have left:
 * each file as of its last sync (kept by the powercut module), none never synced.
 */
static void power_cut(Fixture *f) {
        DIR *d = opendir(f->h.state);
        assert_non_null(d);
        char path[512], kept[512];
        for (struct dirent *e; (e = readdir(d));)
                if (e->d_type == DT_REG) {
                        snprintf(path, sizeof(path), "%s/%s", f->h.state, e->d_name);
                        assert_int_equal(unlink(path), 0);
                }
        closedir(d);
        assert_non_null(d = opendir(f->kept));
        for (struct dirent *e; (e = readdir(d));) {
                size_t n = strlen(e->d_name);
                /* A copy the cut interrupted: the file's last sync had not returned. */
                if (e->d_type != DT_REG || (n > 5 && strcmp(e->d_name + n - 5, ".kept") == 0))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", f->h.state, e->d_name);
                snprintf(kept, sizeof(kept), "%s/%s", f->kept, e->d_name);
                copy_file(kept, path);
        }
        closedir(d);
}

/*
 * Each round: new sites stream their stories into the running daemon, which is killed
 * at a random moment (with power_cuts, the state is then cut back to what was synced);
 * the store is checked as it was left; the daemon restarts on it (replaying it) and
 * every site resends every event it sent: each answered event gets its first answer
 * back as a duplicate, the others are decided now, after everything already stored.
 */
static void rounds(Fixture *f, int n_rounds, bool power_cuts) {
        const char *seed_env = getenv("INTERIM_SEED");
        unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : (unsigned)time(NULL);
        print_message("seed %u (INTERIM_SEED replays it)\n", seed);
        srand(seed);
        uint64_t next_base = 0;
        for (int round = 0; round < n_rounds; round++) {
                size_t sent = 0, acked = 0;
                f->base = next_base;
                for (int i = 0; i < SENDERS; i++) {
                        Sender *s = &f->senders[i];
                        snprintf(s->site, sizeof(s->site), "r%02d-s%d", round, i);
                        s->target = STREAM;
                        s->answered = 0;
                        s->fresh_min = f->base;
                }
                senders_run(f, KILL_MIN_US + (useconds_t)(rand() % (KILL_MAX_US - KILL_MIN_US)));
                if (power_cuts)
                        power_cut(f);
                check_store(f);
                for (int i = 0; i < SENDERS; i++) {
                        sent += f->senders[i].sent;
                        acked += f->senders[i].acked;
                }
                /* The kill fell within the ingest: some events were acknowledged, some still in flight. */
                assert_true(acked > 0);
                assert_true(sent > acked);
                f->sent_total += sent;
                f->acked_total += acked;

                assert_int_equal(harness_start(&f->h), 0);
                for (int i = 0; i < SENDERS; i++)
                        f->senders[i].target = f->senders[i].sent;
                senders_run(f, 0);
                next_base = f->base;
                for (int i = 0; i < SENDERS; i++)
                        for (size_t k = 0; k < f->senders[i].sent; k++)
                                next_base += story_reason[k % STORY] == INTERIM__REASON__REASON_NONE;
        }
        /* After a clean stop, the last round is whole in the store. */
        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);
        check_store(f);
        for (int i = 0; i < SENDERS; i++)
                assert_int_equal(f->senders[i].answered, f->senders[i].sent);
        print_message("%d %s: %zu events sent, %zu acknowledged before it, %zu more stored unacknowledged\n",
                      n_rounds, power_cuts ? "power cuts" : "kills", f->sent_total, f->acked_total,
                      f->unacked_stored);
}

static void test_kill_during_ingest(void **state) {
        rounds(*state, ROUNDS, false);
}

/*
 * The daemon runs with the powercut module (INTERIM_POWERCUT), which keeps each file of
 * the state as of its last sync; after each kill the state is cut back to those copies.
 * An acknowledgement must have waited for the sync of its event.
 */
static void test_power_cut_during_ingest(void **state) {
        rounds(*state, POWER_CUTS, true);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_kill_during_ingest, setup, teardown),
                cmocka_unit_test_setup_teardown(test_power_cut_during_ingest, setup_power_cuts, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
