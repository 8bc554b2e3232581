/* test-interimd.c — the interimd binary over ZeroMQ: acknowledgements, every refusal, duplicates, restarts. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"
#include "store.h"

#define WAIT_MS HARNESS_WAIT_MS

typedef struct Fixture {
        Harness h;
        void *zmq;
        void *dealer;
} Fixture;

static const char config_text[] =
        "[daemon]\n"
        "state_dir = %s\n"
        "ingest = ipc://%s/ingest\n"
        "max_message_bytes = 1024\n"
        "batch_max = %d\n"
        "[trial GBSG]\n"
        "arms = control, hormone\n"
        "strata = g1, g2\n"
        "[endpoint GBSG os]\n"
        "events = death\n"
        "[endpoint GBSG pfs]\n"
        "events = progression, death\n"
        "[trial SOLO]\n"
        "arms = a, b\n"
        "[endpoint SOLO os]\n"
        "events = death\n";

/* ---- the daemon ---- */

static void daemon_start(Fixture *f) {
        assert_int_equal(harness_start(&f->h), 0);
}

static void dealer_open(Fixture *f) {
        f->dealer = zmq_socket(f->zmq, ZMQ_DEALER);
        int linger = 0;
        zmq_setsockopt(f->dealer, ZMQ_LINGER, &linger, sizeof(linger));
        char endpoint[128];
        snprintf(endpoint, sizeof(endpoint), "ipc://%s/ingest", f->h.dir);
        assert_int_equal(zmq_connect(f->dealer, endpoint), 0);
}

static void dealer_close(Fixture *f) {
        zmq_close(f->dealer);
        f->dealer = NULL;
}

/* Writes the configuration: the trials above, and batches of at most batch_max events. */
static void config_write(Fixture *f, int batch_max) {
        FILE *c = fopen(f->h.config, "w");
        fprintf(c, config_text, f->h.state, f->h.dir, batch_max);
        fclose(c);
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        assert_int_equal(harness_init(&f->h, "test-interimd", getenv("INTERIMD")), 0);
        config_write(f, 4);
        f->zmq = zmq_ctx_new();
        daemon_start(f);
        dealer_open(f);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        if (f->dealer)
                dealer_close(f);
        zmq_ctx_term(f->zmq);
        int status = f->h.pid ? harness_stop(&f->h, SIGTERM) : 0;
        if (status != 0)
                harness_print_log(&f->h);
        harness_cleanup(&f->h);
        free(f);
        assert_int_equal(status, 0);
        return 0;
}

/* ---- events and acknowledgements ---- */

static size_t encode(SiteEvent ev, uint8_t *buf, size_t size) {
        size_t n = harness_encode(&ev, buf, size);
        assert_true(n > 0);
        return n;
}

static void send_event(Fixture *f, SiteEvent ev) {
        uint8_t buf[512];
        size_t n = encode(ev, buf, sizeof(buf));
        assert_int_equal(zmq_send(f->dealer, buf, n, 0), (int)n);
}

/* Receives one acknowledgement, or NULL after timeout_ms. */
static Interim__Ack *receive_ack(Fixture *f, int timeout_ms) {
        Interim__Ack *ack = NULL;
        assert_true(harness_recv_ack(f->dealer, timeout_ms, &ack) >= 0);
        return ack;
}

/* Checks an acknowledgement and frees it. */
static void check_ack(Interim__Ack *ack, const char *site, uint64_t seq, Interim__AckStatus status, Interim__Reason reason,
                      uint64_t store_seq) {
        assert_non_null(ack);
        assert_string_equal(ack->site, site);
        assert_int_equal(ack->site_seq, seq);
        assert_int_equal(ack->status, status);
        assert_int_equal(ack->reason, reason);
        assert_int_equal(ack->store_seq, store_seq);
        interim__ack__free_unpacked(ack, NULL);
}

static void expect(Fixture *f, SiteEvent ev, Interim__AckStatus status, Interim__Reason reason, uint64_t store_seq) {
        send_event(f, ev);
        check_ack(receive_ack(f, WAIT_MS), ev.site ? ev.site : "site-1", ev.seq, status, reason, store_seq);
}

static void accepted(Fixture *f, SiteEvent ev, uint64_t store_seq) {
        expect(f, ev, INTERIM__ACK_STATUS__ACCEPTED, INTERIM__REASON__REASON_NONE, store_seq);
}

static void rejected(Fixture *f, SiteEvent ev, Interim__Reason reason) {
        expect(f, ev, INTERIM__ACK_STATUS__REJECTED, reason, 0);
}

/* Sends raw frames and returns the acknowledgement. */
static Interim__Ack *send_frames(Fixture *f, const void *const *frames, const size_t *sizes, size_t n) {
        for (size_t i = 0; i < n; i++)
                assert_int_equal(zmq_send(f->dealer, frames[i], sizes[i], i + 1 < n ? ZMQ_SNDMORE : 0), (int)sizes[i]);
        return receive_ack(f, WAIT_MS);
}

/* ---- tests ---- */

static void test_accept_and_duplicate(void **state) {
        Fixture *f = *state;
        SiteEvent enroll = { .seq = 1, .patient = "P1", .date = harness_day(0), .kind = "enroll" };
        accepted(f, enroll, 1);
        /* Resent: the first answer again, and nothing stored twice. */
        expect(f, enroll, INTERIM__ACK_STATUS__DUPLICATE, INTERIM__REASON__REASON_NONE, 1);
        accepted(f, (SiteEvent){ .seq = 2, .patient = "P1", .date = harness_day(10), .kind = "contact" }, 2);
        accepted(f, (SiteEvent){ .site = "site-2", .seq = 1, .patient = "P2", .date = harness_day(3), .kind = "enroll", .arm = "hormone",
                          .stratum = "g2" },
                 3);
        expect(f, enroll, INTERIM__ACK_STATUS__DUPLICATE, INTERIM__REASON__REASON_NONE, 1);

        /* A refusal is final too: resent, it gets the same reason and words. */
        SiteEvent bad = { .seq = 3, .patient = "P3", .date = harness_day(1), .kind = "enroll", .arm = "placebo" };
        send_event(f, bad);
        Interim__Ack *ack = receive_ack(f, WAIT_MS);
        assert_string_equal(ack->text, "unknown arm");
        check_ack(ack, "site-1", 3, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__UNKNOWN_ARM, 0);
        bad.arm = "control"; /* corrected, but under the same key */
        send_event(f, bad);
        ack = receive_ack(f, WAIT_MS);
        assert_string_equal(ack->text, "unknown arm");
        check_ack(ack, "site-1", 3, INTERIM__ACK_STATUS__DUPLICATE, INTERIM__REASON__UNKNOWN_ARM, 0);
}

static void test_rejections(void **state) {
        Fixture *f = *state;
        uint64_t seq = 0, stored = 0;
        accepted(f, (SiteEvent){ .seq = ++seq, .patient = "P1", .date = harness_day(0), .kind = "enroll" }, ++stored);
        accepted(f, (SiteEvent){ .seq = ++seq, .patient = "P1", .date = harness_day(20), .kind = "contact" }, ++stored);
        accepted(f, (SiteEvent){ .seq = ++seq, .patient = "P2", .date = harness_day(0), .kind = "enroll", .arm = "hormone" }, ++stored);
        accepted(f, (SiteEvent){ .seq = ++seq, .patient = "P2", .date = harness_day(50), .kind = "death" }, ++stored);
        accepted(f, (SiteEvent){ .seq = ++seq, .patient = "P3", .date = harness_day(5), .kind = "enroll", .stratum = "g2" }, ++stored);
        const uint64_t withdraw_p3 = ++seq;
        accepted(f, (SiteEvent){ .seq = withdraw_p3, .patient = "P3", .date = harness_day(30), .kind = "withdraw" }, ++stored);
        accepted(f, (SiteEvent){ .seq = ++seq, .patient = "P4", .date = harness_day(0), .kind = "enroll" }, ++stored);
        accepted(f, (SiteEvent){ .seq = ++seq, .patient = "P4", .date = harness_day(100), .kind = "locoregional" }, ++stored);
        accepted(f, (SiteEvent){ .trial = "SOLO", .seq = ++seq, .patient = "S1", .date = harness_day(0), .kind = "enroll", .arm = "b" },
                 ++stored);

        rejected(f, (SiteEvent){ .trial = "NOPE", .seq = ++seq, .patient = "P9", .date = harness_day(1), .kind = "enroll" },
                 INTERIM__REASON__UNKNOWN_TRIAL);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P9", .date = "2024-02-30", .kind = "enroll" },
                 INTERIM__REASON__BAD_DATE);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P9", .date = harness_day(1) }, INTERIM__REASON__MALFORMED);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P1", .date = harness_day(1), .kind = "unspecified" },
                 INTERIM__REASON__MALFORMED);
        rejected(f, (SiteEvent){ .trial = "", .seq = ++seq, .patient = "P1", .date = harness_day(1), .kind = "contact" },
                 INTERIM__REASON__MALFORMED);
        rejected(f, (SiteEvent){ .seq = ++seq, .date = harness_day(1), .kind = "look", .look = 0 }, INTERIM__REASON__MALFORMED);
        rejected(f, (SiteEvent){ .seq = ++seq, .kind = "retract", .target = 0 }, INTERIM__REASON__MALFORMED);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P9", .date = harness_day(1), .kind = "enroll", .arm = "placebo" },
                 INTERIM__REASON__UNKNOWN_ARM);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P9", .date = harness_day(1), .kind = "enroll", .stratum = "g9" },
                 INTERIM__REASON__UNKNOWN_STRATUM);
        rejected(f, (SiteEvent){ .trial = "SOLO", .seq = ++seq, .patient = "S9", .date = harness_day(1), .kind = "enroll", .arm = "a",
                          .stratum = "g1" },
                 INTERIM__REASON__UNKNOWN_STRATUM);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P9", .date = harness_day(1), .kind = "enroll", .stratum = "" },
                 INTERIM__REASON__MISSING_STRATUM);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P9", .date = harness_day(1), .kind = "contact" },
                 INTERIM__REASON__NOT_ENROLLED);
        rejected(f, (SiteEvent){ .trial = "SOLO", .seq = ++seq, .patient = "P1", .date = harness_day(1), .kind = "contact" },
                 INTERIM__REASON__NOT_ENROLLED);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P1", .date = harness_day(2), .kind = "enroll" },
                 INTERIM__REASON__ENROLLED_TWICE);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P1", .date = harness_day(-1), .kind = "contact" },
                 INTERIM__REASON__BEFORE_RANDOMIZATION);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P2", .date = harness_day(60), .kind = "contact" },
                 INTERIM__REASON__AFTER_DEATH);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P3", .date = harness_day(40), .kind = "distant" },
                 INTERIM__REASON__AFTER_WITHDRAWAL);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P1", .date = harness_day(402), .kind = "contact" },
                 INTERIM__REASON__FUTURE_DATE);
        rejected(f, (SiteEvent){ .seq = ++seq, .kind = "retract", .target = 1 }, INTERIM__REASON__HAS_FOLLOWUP);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P 9", .date = harness_day(1), .kind = "enroll" },
                 INTERIM__REASON__BAD_PATIENT);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P\xff\xfe", .date = harness_day(1), .kind = "enroll" },
                 INTERIM__REASON__BAD_PATIENT);
        /* Blanks and invisible characters beyond ASCII: a no-break space, a right-to-left override. */
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P\xc2\xa0" "9", .date = harness_day(1), .kind = "enroll" },
                 INTERIM__REASON__BAD_PATIENT);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P\xe2\x80\xae" "9", .date = harness_day(1), .kind = "enroll" },
                 INTERIM__REASON__BAD_PATIENT);
        /* A retraction or a look does not use a patient, yet one given must be a name too. */
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "W 1", .kind = "retract", .target = 1 }, INTERIM__REASON__BAD_PATIENT);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "W\x01", .date = harness_day(1), .kind = "look", .look = 1 },
                 INTERIM__REASON__BAD_PATIENT);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P123456789012345678901234567890123456789012345678901234567890123X",
                                 .kind = "retract", .target = 1 },
                 INTERIM__REASON__BAD_PATIENT);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P4", .date = harness_day(50), .kind = "death" },
                 INTERIM__REASON__CONTRADICTS_LATER);
        rejected(f, (SiteEvent){ .seq = ++seq, .patient = "P2", .date = harness_day(50), .kind = "death" },
                 INTERIM__REASON__DUPLICATE_FACT);
        rejected(f, (SiteEvent){ .seq = ++seq, .date = harness_day(200), .kind = "look", .look = 2 }, INTERIM__REASON__LOOK_ORDER);
        const uint64_t look = ++seq;
        accepted(f, (SiteEvent){ .seq = look, .date = harness_day(200), .kind = "look", .look = 1 }, ++stored);
        rejected(f, (SiteEvent){ .seq = ++seq, .date = harness_day(100), .kind = "look", .look = 2 }, INTERIM__REASON__LOOK_ORDER);
        rejected(f, (SiteEvent){ .seq = ++seq, .date = harness_day(402), .kind = "look", .look = 2 }, INTERIM__REASON__FUTURE_DATE);

        /* Retractions: of nothing, of a refused event, of another site's or trial's event, of a look. */
        rejected(f, (SiteEvent){ .seq = ++seq, .kind = "retract", .target = 999 }, INTERIM__REASON__RETRACT_UNKNOWN);
        rejected(f, (SiteEvent){ .seq = ++seq, .kind = "retract", .target = 10 }, INTERIM__REASON__RETRACT_UNKNOWN);
        rejected(f, (SiteEvent){ .site = "site-2", .seq = 1, .kind = "retract", .target = 1 }, INTERIM__REASON__RETRACT_UNKNOWN);
        rejected(f, (SiteEvent){ .trial = "SOLO", .seq = ++seq, .kind = "retract", .target = 1 },
                 INTERIM__REASON__RETRACT_UNKNOWN);
        rejected(f, (SiteEvent){ .seq = ++seq, .kind = "retract", .target = look }, INTERIM__REASON__RETRACT_INVALID);

        /* Taking back P3's withdrawal lets later follow-up in; twice, or a retraction of it, is refused. */
        const uint64_t retraction = ++seq;
        accepted(f, (SiteEvent){ .seq = retraction, .kind = "retract", .target = withdraw_p3 }, ++stored);
        accepted(f, (SiteEvent){ .seq = ++seq, .patient = "P3", .date = harness_day(40), .kind = "distant" }, ++stored);
        rejected(f, (SiteEvent){ .seq = ++seq, .kind = "retract", .target = withdraw_p3 }, INTERIM__REASON__RETRACT_INVALID);
        rejected(f, (SiteEvent){ .seq = ++seq, .kind = "retract", .target = retraction }, INTERIM__REASON__RETRACT_INVALID);
        /* An enrollment without follow-up can be taken back, and the patient enrolled anew. */
        accepted(f, (SiteEvent){ .trial = "SOLO", .seq = ++seq, .kind = "retract", .target = 9 }, ++stored);
        accepted(f, (SiteEvent){ .trial = "SOLO", .seq = ++seq, .patient = "S1", .date = harness_day(2), .kind = "enroll", .arm = "a" },
                 ++stored);
}

static void test_malformed(void **state) {
        Fixture *f = *state;
        const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0x07 };
        const void *frames[3] = { garbage };
        size_t sizes[3] = { sizeof(garbage) };
        Interim__Ack *ack = send_frames(f, frames, sizes, 1);
        assert_string_equal(ack->text, "not a decodable Event, or a required field missing");
        check_ack(ack, "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);
        /* The daemon goes on answering. */
        accepted(f, (SiteEvent){ .seq = 1, .patient = "P1", .date = harness_day(0), .kind = "enroll" }, 1);

        /* No usable key: not answered by key, never taken for a duplicate. */
        for (int i = 0; i < 2; i++) {
                send_event(f, (SiteEvent){ .seq = 0, .patient = "P2", .date = harness_day(0), .kind = "enroll" });
                check_ack(receive_ack(f, WAIT_MS), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);
        }
        send_event(f, (SiteEvent){ .site = "site 1", .seq = 2, .patient = "P2", .date = harness_day(0), .kind = "enroll" });
        check_ack(receive_ack(f, WAIT_MS), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);
        /* A site that is not UTF-8 could not go back in the Ack, a protobuf string. */
        send_event(f, (SiteEvent){ .site = "S\xff", .seq = 2, .patient = "P2", .date = harness_day(0), .kind = "enroll" });
        check_ack(receive_ack(f, WAIT_MS), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);
        /* Nor is a site with a blank or an invisible character beyond ASCII: a zero-width space. */
        send_event(f, (SiteEvent){ .site = "S\xe2\x80\x8b" "1", .seq = 2, .patient = "P2", .date = harness_day(0), .kind = "enroll" });
        check_ack(receive_ack(f, WAIT_MS), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);

        /* A NUL in a text, which protobuf-c's C strings would end at ("P2\0x" read as "P2"): not an Event. */
        uint8_t buf[512];
        const SiteEvent with_nul[] = {
                { .seq = 2, .patient = "P2Xx", .date = harness_day(0), .kind = "enroll" },
                { .site = "site-1Xzz", .seq = 2, .patient = "P2", .date = harness_day(0), .kind = "enroll" },
                { .seq = 2, .patient = "P2", .date = harness_day(0), .kind = "enroll", .arm = "controlXjunk" },
        };
        for (size_t i = 0; i < sizeof(with_nul) / sizeof(*with_nul); i++) {
                frames[0] = buf;
                sizes[0] = encode(with_nul[i], buf, sizeof(buf));
                *(uint8_t *)memchr(buf, 'X', sizes[0]) = 0;
                check_ack(send_frames(f, frames, sizes, 1), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);
        }

        /* A frame after the event. */
        frames[0] = buf;
        sizes[0] = encode((SiteEvent){ .seq = 2, .patient = "P2", .date = harness_day(0), .kind = "enroll" }, buf, sizeof(buf));
        frames[1] = "x";
        sizes[1] = 1;
        check_ack(send_frames(f, frames, sizes, 2), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);

        /* REQ-style envelope: an empty frame, then the event; the answer comes back the same way. */
        frames[0] = "";
        sizes[0] = 0;
        frames[1] = buf;
        sizes[1] = encode((SiteEvent){ .seq = 3, .patient = "P2", .date = harness_day(0), .kind = "enroll" }, buf, sizeof(buf));
        check_ack(send_frames(f, frames, sizes, 2), "site-1", 3, INTERIM__ACK_STATUS__ACCEPTED,
                  INTERIM__REASON__REASON_NONE, 2);

        /* A frame over max_message_bytes: libzmq drops the connection; the sender reconnects and resends. */
        static uint8_t big[2048];
        assert_int_equal(zmq_send(f->dealer, big, sizeof(big), 0), (int)sizeof(big));
        assert_null(receive_ack(f, 300));
        SiteEvent next = { .seq = 4, .patient = "P3", .date = harness_day(0), .kind = "enroll" };
        ack = NULL;
        for (int tries = 0; tries < 50 && !ack; tries++) {
                send_event(f, next);
                ack = receive_ack(f, 200);
        }
        check_ack(ack, "site-1", 4, INTERIM__ACK_STATUS__ACCEPTED, INTERIM__REASON__REASON_NONE, 3);
        /* Any further answers to the resends are duplicates of the same answer. */
        while ((ack = receive_ack(f, 200)))
                check_ack(ack, "site-1", 4, INTERIM__ACK_STATUS__DUPLICATE, INTERIM__REASON__REASON_NONE, 3);
}

static void test_batches(void **state) {
        Fixture *f = *state;
        /* Sent without waiting: answered in batches of batch_max, in order, each once. */
        enum { N = 41 };
        for (uint64_t i = 1; i <= N; i++) {
                char patient[16];
                snprintf(patient, sizeof(patient), "B%02u", (unsigned)i);
                send_event(f, (SiteEvent){ .seq = i, .patient = patient, .date = harness_day((int)i), .kind = "enroll",
                                    .arm = i % 2 ? "control" : "hormone", .stratum = i % 3 ? "g1" : "g2" });
        }
        for (uint64_t i = 1; i <= N; i++)
                check_ack(receive_ack(f, WAIT_MS), "site-1", i, INTERIM__ACK_STATUS__ACCEPTED,
                          INTERIM__REASON__REASON_NONE, i);
        assert_null(receive_ack(f, 100));
}

static void test_acks_wait(void **state) {
        Fixture *f = *state;
        /* A site that keeps many events in flight and reads its answers late loses none of them:
         * more than the kernel's socket buffers hold wait in the daemon. */
        enum { N = 12000 };
        dealer_close(f);
        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);
        config_write(f, 256);
        daemon_start(f);
        dealer_open(f);
        for (uint64_t i = 1; i <= N; i++) {
                char patient[16];
                snprintf(patient, sizeof(patient), "W%05u", (unsigned)i);
                send_event(f, (SiteEvent){ .seq = i, .patient = patient, .date = harness_day(1), .kind = "enroll" });
        }
        /* Read nothing until the daemon has decided them all. */
        Store *store = NULL;
        char *error = NULL;
        StoreAnswer last = { 0 };
        assert_int_equal(store_open_readonly(&store, f->h.state, &error), 0);
        for (int waited = 0; store_answer(store, "site-1", N, &last) == 0 && waited < WAIT_MS; waited += 10)
                usleep(10000);
        store_free(store);
        assert_true(last.accepted);
        for (uint64_t i = 1; i <= N; i++)
                check_ack(receive_ack(f, WAIT_MS), "site-1", i, INTERIM__ACK_STATUS__ACCEPTED,
                          INTERIM__REASON__REASON_NONE, i);
}

/* Reads exactly n bytes from fd. */
static void read_all(int fd, uint8_t *buf, size_t n) {
        for (size_t got = 0; got < n;) {
                ssize_t r = read(fd, buf + got, n - got);
                assert_true(r > 0);
                got += (size_t)r;
        }
}

/* Reads one short ZMTP frame (command or message) into buf; returns its size. */
static size_t read_frame(int fd, uint8_t *buf) {
        uint8_t head[2];
        read_all(fd, head, 2);
        assert_int_equal(head[0] & 0x02, 0); /* short */
        read_all(fd, buf, head[1]);
        return head[1];
}

/* A ZMTP property: a name of one length byte, a value of four. */
static size_t property(uint8_t *out, const char *name, const char *value) {
        size_t n = strlen(name), v = strlen(value);
        out[0] = (uint8_t)n;
        memcpy(out + 1, name, n);
        out[1 + n] = out[2 + n] = out[3 + n] = 0;
        out[4 + n] = (uint8_t)v;
        memcpy(out + 5 + n, value, v);
        return 5 + n + v;
}

static int sender_of_row(const StoreEvent *e, void *userdata) {
        snprintf(userdata, 64, "%s", e->sender);
        return 0;
}

/*
 * Without keys nobody is authenticated, and a client's handshake may carry any
 * metadata, Key-Name among them (the raw ZMTP below): the store records the peer's
 * address, never a key name the client chose.
 */
static void test_sender_not_forged(void **state) {
        Fixture *f = *state;
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/ingest", f->h.dir);
        assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
        uint8_t greeting[64] = { 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 3, 0, 'N', 'U', 'L', 'L' };
        assert_int_equal(write(fd, greeting, sizeof(greeting)), (ssize_t)sizeof(greeting));
        uint8_t buf[256];
        read_all(fd, buf, 64);
        uint8_t ready[256] = { 0x04, 0, 5, 'R', 'E', 'A', 'D', 'Y' };
        size_t n = 8;
        n += property(ready + n, "Socket-Type", "DEALER");
        n += property(ready + n, "Key-Name", "dsmb-chair");
        ready[1] = (uint8_t)(n - 2);
        assert_int_equal(write(fd, ready, n), (ssize_t)n);
        read_frame(fd, buf); /* the daemon's READY */
        uint8_t message[256] = { 0x00 };
        size_t len = encode((SiteEvent){ .site = "site-9", .seq = 1, .patient = "F1", .date = harness_day(1), .kind = "enroll" },
                            message + 2, sizeof(message) - 2);
        message[1] = (uint8_t)len;
        assert_int_equal(write(fd, message, len + 2), (ssize_t)(len + 2));
        size_t got = read_frame(fd, buf);
        Interim__Ack *ack = interim__ack__unpack(NULL, got, buf);
        assert_non_null(ack);
        assert_int_equal(ack->status, INTERIM__ACK_STATUS__ACCEPTED);
        interim__ack__free_unpacked(ack, NULL);
        close(fd);
        Store *store = NULL;
        char *error = NULL, sender[64] = "(none)";
        assert_int_equal(store_open_readonly(&store, f->h.state, &error), 0);
        assert_int_equal(store_find(store, "site-9", 1, sender_of_row, sender), 1);
        store_free(store);
        /* Over ipc, libzmq's Peer-Address is the peer process's credentials: localhost:UID:GID:PID. */
        assert_string_not_equal(sender, "dsmb-chair");
        assert_memory_equal(sender, "localhost:", 10);
}

/* A reader of the log that has gone (a closed pipe on stderr): every line logged fails, and the daemon goes on. */
static void test_log_reader_gone(void **state) {
        Fixture *f = *state;
        dealer_close(f);
        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);
        char wrapper[160];
        snprintf(wrapper, sizeof(wrapper), "%s/interimd-no-reader", f->h.dir);
        FILE *w = fopen(wrapper, "w");
        assert_non_null(w);
        /* stderr becomes a pipe whose reading end the subshell closes at once. */
        fprintf(w, "#!/bin/bash\nexec 2> >(exec 0<&-)\nsleep 0.2\nexec %s \"$@\"\n", f->h.binary);
        fclose(w);
        assert_int_equal(chmod(wrapper, 0700), 0);
        const char *binary = f->h.binary;
        f->h.binary = wrapper;
        daemon_start(f); /* logs as it starts */
        dealer_open(f);
        assert_int_equal(kill(f->h.pid, SIGHUP), 0); /* a reload logs too */
        accepted(f, (SiteEvent){ .seq = 1, .patient = "P1", .date = harness_day(0), .kind = "enroll" }, 1);
        dealer_close(f);
        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);
        f->h.binary = binary;
        daemon_start(f);
        dealer_open(f);
}

/* Counts the events of a store, checking its chains. */
static int count_event(const StoreEvent *e, void *userdata) {
        (*(int64_t *)userdata)++;
        return 0;
}

static void test_restart(void **state) {
        Fixture *f = *state;
        accepted(f, (SiteEvent){ .seq = 1, .patient = "P1", .date = harness_day(0), .kind = "enroll" }, 1);
        accepted(f, (SiteEvent){ .seq = 2, .patient = "P1", .date = harness_day(30), .kind = "contact" }, 2);
        rejected(f, (SiteEvent){ .seq = 3, .patient = "P2", .date = harness_day(0), .kind = "enroll", .arm = "placebo" },
                 INTERIM__REASON__UNKNOWN_ARM);
        accepted(f, (SiteEvent){ .seq = 4, .date = harness_day(100), .kind = "look", .look = 1 }, 3);
        accepted(f, (SiteEvent){ .seq = 5, .patient = "P1", .date = harness_day(90), .kind = "death" }, 4);
        accepted(f, (SiteEvent){ .seq = 6, .kind = "retract", .target = 5 }, 5);
        dealer_close(f);
        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);

        /* The store holds what was acknowledged, and its chains verify. */
        Store *store = NULL;
        char *error = NULL;
        assert_int_equal(store_open(&store, f->h.state, &error), 0);
        const char *table = NULL;
        int64_t row = 0, n = 0;
        assert_int_equal(store_verify(store, &table, &row), 0);
        assert_int_equal(store_replay(store, count_event, &n), 0);
        assert_int_equal(n, 5);
        StoreAnswer answer;
        assert_int_equal(store_answer(store, "site-1", 3, &answer), 1);
        assert_false(answer.accepted);
        assert_int_equal(answer.reason, INTERIM__REASON__UNKNOWN_ARM);
        store_free(store);

        /* After a restart, the replayed state decides. */
        daemon_start(f);
        dealer_open(f);
        expect(f, (SiteEvent){ .seq = 1, .patient = "P1", .date = harness_day(0), .kind = "enroll" }, INTERIM__ACK_STATUS__DUPLICATE,
               INTERIM__REASON__REASON_NONE, 1);
        expect(f, (SiteEvent){ .seq = 3, .patient = "P2", .date = harness_day(0), .kind = "enroll", .arm = "placebo" },
               INTERIM__ACK_STATUS__DUPLICATE, INTERIM__REASON__UNKNOWN_ARM, 0);
        rejected(f, (SiteEvent){ .seq = 7, .patient = "P1", .date = harness_day(1), .kind = "enroll" }, INTERIM__REASON__ENROLLED_TWICE);
        rejected(f, (SiteEvent){ .seq = 8, .date = harness_day(100), .kind = "look", .look = 1 }, INTERIM__REASON__LOOK_ORDER);
        rejected(f, (SiteEvent){ .seq = 9, .kind = "retract", .target = 5 }, INTERIM__REASON__RETRACT_INVALID);
        /* The death was taken back before the restart: later follow-up is allowed. */
        accepted(f, (SiteEvent){ .seq = 10, .patient = "P1", .date = harness_day(120), .kind = "contact" }, 6);
        accepted(f, (SiteEvent){ .seq = 11, .date = harness_day(150), .kind = "look", .look = 2 }, 7);
}

/* Runs interimd with arguments; returns its exit status and what it wrote to stdout and stderr. */
static int run_interimd(const char *const *args, char *out, size_t out_size) {
        int status = harness_run(getenv("INTERIMD"), args, out, out_size);
        assert_true(status >= 0);
        return status;
}

static void test_check_config(void **state) {
        Fixture *f = *state;
        char out[1024], want[1024];
        const char *good[] = { "interimd", "--check-config", f->h.config, NULL };
        assert_int_equal(run_interimd(good, out, sizeof(out)), 0);
        snprintf(want, sizeof(want), "%s: valid, 2 trials\n", f->h.config);
        assert_string_equal(out, want);

        char bad[128];
        snprintf(bad, sizeof(bad), "%s/bad.ini", f->h.dir);
        FILE *c = fopen(bad, "w");
        fputs("[daemon]\nstate_dir = /tmp\ningest = ipc:///tmp/x\n[trial T]\narms = a, b\nties = exact\n", c);
        fclose(c);
        const char *check_bad[] = { "interimd", "--check-config", bad, NULL };
        assert_int_equal(run_interimd(check_bad, out, sizeof(out)), 1);
        snprintf(want, sizeof(want), "%s:6: bad value 'exact' for ties: expected efron or breslow\n", bad);
        assert_string_equal(out, want);

        /* The daemon refuses to start on it, saying why in the journal's terms. */
        const char *run_bad[] = { "interimd", "--config", bad, NULL };
        assert_int_equal(run_interimd(run_bad, out, sizeof(out)), 1);
        snprintf(want, sizeof(want), "<3>%s:6: bad value 'exact' for ties: expected efron or breslow\n", bad);
        assert_string_equal(out, want);

        const char *usage[] = { "interimd", NULL };
        assert_int_equal(run_interimd(usage, out, sizeof(out)), 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_accept_and_duplicate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rejections, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sender_not_forged, setup, teardown),
                cmocka_unit_test_setup_teardown(test_log_reader_gone, setup, teardown),
                cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
                cmocka_unit_test_setup_teardown(test_acks_wait, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_check_config, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
