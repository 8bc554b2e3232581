/* test-interimd.c — the interimd binary over ZeroMQ: acknowledgements, every refusal, duplicates, restarts. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "fixture.h"
#include "store.h"

static const char config_text[] =
        "[daemon]\n"
        "state_dir = @DIR@/state\n"
        "ingest = ipc://@DIR@/ingest\n"
        "max_message_bytes = 1024\n"
        "batch_max = 4\n"
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

static int setup(void **state) {
        *state = harness_new(config_text);
        return 0;
}

static int teardown(void **state) {
        assert_int_equal(harness_free(*state), 0);
        return 0;
}

/* ---- tests ---- */

static void test_accept_and_duplicate(void **state) {
        Fixture *f = *state;
        Ev enroll = { .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" };
        accepted(f, enroll, 1);
        /* Resent: the first answer again, and nothing stored twice. */
        expect(f, enroll, INTERIM__ACK_STATUS__DUPLICATE, INTERIM__REASON__REASON_NONE, 1);
        accepted(f, (Ev){ .seq = 2, .patient = "P1", .date = day(10), .kind = "contact" }, 2);
        accepted(f, (Ev){ .site = "site-2", .seq = 1, .patient = "P2", .date = day(3), .kind = "enroll", .arm = "hormone",
                          .stratum = "g2" },
                 3);
        expect(f, enroll, INTERIM__ACK_STATUS__DUPLICATE, INTERIM__REASON__REASON_NONE, 1);

        /* A refusal is final too: resent, it gets the same reason and words. */
        Ev bad = { .seq = 3, .patient = "P3", .date = day(1), .kind = "enroll", .arm = "placebo" };
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
        accepted(f, (Ev){ .seq = ++seq, .patient = "P1", .date = day(0), .kind = "enroll" }, ++stored);
        accepted(f, (Ev){ .seq = ++seq, .patient = "P1", .date = day(20), .kind = "contact" }, ++stored);
        accepted(f, (Ev){ .seq = ++seq, .patient = "P2", .date = day(0), .kind = "enroll", .arm = "hormone" }, ++stored);
        accepted(f, (Ev){ .seq = ++seq, .patient = "P2", .date = day(50), .kind = "death" }, ++stored);
        accepted(f, (Ev){ .seq = ++seq, .patient = "P3", .date = day(5), .kind = "enroll", .stratum = "g2" }, ++stored);
        const uint64_t withdraw_p3 = ++seq;
        accepted(f, (Ev){ .seq = withdraw_p3, .patient = "P3", .date = day(30), .kind = "withdraw" }, ++stored);
        accepted(f, (Ev){ .seq = ++seq, .patient = "P4", .date = day(0), .kind = "enroll" }, ++stored);
        accepted(f, (Ev){ .seq = ++seq, .patient = "P4", .date = day(100), .kind = "locoregional" }, ++stored);
        accepted(f, (Ev){ .trial = "SOLO", .seq = ++seq, .patient = "S1", .date = day(0), .kind = "enroll", .arm = "b" },
                 ++stored);

        rejected(f, (Ev){ .trial = "NOPE", .seq = ++seq, .patient = "P9", .date = day(1), .kind = "enroll" },
                 INTERIM__REASON__UNKNOWN_TRIAL);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P9", .date = "2024-02-30", .kind = "enroll" },
                 INTERIM__REASON__BAD_DATE);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P9", .date = day(1) }, INTERIM__REASON__MALFORMED);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P1", .date = day(1), .kind = "unspecified" },
                 INTERIM__REASON__MALFORMED);
        rejected(f, (Ev){ .trial = "", .seq = ++seq, .patient = "P1", .date = day(1), .kind = "contact" },
                 INTERIM__REASON__MALFORMED);
        rejected(f, (Ev){ .seq = ++seq, .date = day(1), .kind = "look", .look = 0 }, INTERIM__REASON__MALFORMED);
        rejected(f, (Ev){ .seq = ++seq, .kind = "retract", .target = 0 }, INTERIM__REASON__MALFORMED);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P9", .date = day(1), .kind = "enroll", .arm = "placebo" },
                 INTERIM__REASON__UNKNOWN_ARM);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P9", .date = day(1), .kind = "enroll", .stratum = "g9" },
                 INTERIM__REASON__UNKNOWN_STRATUM);
        rejected(f, (Ev){ .trial = "SOLO", .seq = ++seq, .patient = "S9", .date = day(1), .kind = "enroll", .arm = "a",
                          .stratum = "g1" },
                 INTERIM__REASON__UNKNOWN_STRATUM);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P9", .date = day(1), .kind = "enroll", .stratum = "" },
                 INTERIM__REASON__MISSING_STRATUM);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P9", .date = day(1), .kind = "contact" },
                 INTERIM__REASON__NOT_ENROLLED);
        rejected(f, (Ev){ .trial = "SOLO", .seq = ++seq, .patient = "P1", .date = day(1), .kind = "contact" },
                 INTERIM__REASON__NOT_ENROLLED);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P1", .date = day(2), .kind = "enroll" },
                 INTERIM__REASON__ENROLLED_TWICE);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P1", .date = day(-1), .kind = "contact" },
                 INTERIM__REASON__BEFORE_RANDOMIZATION);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P2", .date = day(60), .kind = "contact" },
                 INTERIM__REASON__AFTER_DEATH);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P3", .date = day(40), .kind = "distant" },
                 INTERIM__REASON__AFTER_WITHDRAWAL);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P1", .date = day(402), .kind = "contact" },
                 INTERIM__REASON__FUTURE_DATE);
        rejected(f, (Ev){ .seq = ++seq, .kind = "retract", .target = 1 }, INTERIM__REASON__HAS_FOLLOWUP);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P 9", .date = day(1), .kind = "enroll" },
                 INTERIM__REASON__BAD_PATIENT);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P4", .date = day(50), .kind = "death" },
                 INTERIM__REASON__CONTRADICTS_LATER);
        rejected(f, (Ev){ .seq = ++seq, .patient = "P2", .date = day(50), .kind = "death" },
                 INTERIM__REASON__DUPLICATE_FACT);
        rejected(f, (Ev){ .seq = ++seq, .date = day(200), .kind = "look", .look = 2 }, INTERIM__REASON__LOOK_ORDER);
        const uint64_t look = ++seq;
        accepted(f, (Ev){ .seq = look, .date = day(200), .kind = "look", .look = 1 }, ++stored);
        rejected(f, (Ev){ .seq = ++seq, .date = day(100), .kind = "look", .look = 2 }, INTERIM__REASON__LOOK_ORDER);
        rejected(f, (Ev){ .seq = ++seq, .date = day(402), .kind = "look", .look = 2 }, INTERIM__REASON__FUTURE_DATE);

        /* Retractions: of nothing, of a refused event, of another site's or trial's event, of a look. */
        rejected(f, (Ev){ .seq = ++seq, .kind = "retract", .target = 999 }, INTERIM__REASON__RETRACT_UNKNOWN);
        rejected(f, (Ev){ .seq = ++seq, .kind = "retract", .target = 10 }, INTERIM__REASON__RETRACT_UNKNOWN);
        rejected(f, (Ev){ .site = "site-2", .seq = 1, .kind = "retract", .target = 1 }, INTERIM__REASON__RETRACT_UNKNOWN);
        rejected(f, (Ev){ .trial = "SOLO", .seq = ++seq, .kind = "retract", .target = 1 },
                 INTERIM__REASON__RETRACT_UNKNOWN);
        rejected(f, (Ev){ .seq = ++seq, .kind = "retract", .target = look }, INTERIM__REASON__RETRACT_INVALID);

        /* Taking back P3's withdrawal lets later follow-up in; twice, or a retraction of it, is refused. */
        const uint64_t retraction = ++seq;
        accepted(f, (Ev){ .seq = retraction, .kind = "retract", .target = withdraw_p3 }, ++stored);
        accepted(f, (Ev){ .seq = ++seq, .patient = "P3", .date = day(40), .kind = "distant" }, ++stored);
        rejected(f, (Ev){ .seq = ++seq, .kind = "retract", .target = withdraw_p3 }, INTERIM__REASON__RETRACT_INVALID);
        rejected(f, (Ev){ .seq = ++seq, .kind = "retract", .target = retraction }, INTERIM__REASON__RETRACT_INVALID);
        /* An enrollment without follow-up can be taken back, and the patient enrolled anew. */
        accepted(f, (Ev){ .trial = "SOLO", .seq = ++seq, .kind = "retract", .target = 9 }, ++stored);
        accepted(f, (Ev){ .trial = "SOLO", .seq = ++seq, .patient = "S1", .date = day(2), .kind = "enroll", .arm = "a" },
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
        accepted(f, (Ev){ .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" }, 1);

        /* No usable key: not answered by key, never taken for a duplicate. */
        for (int i = 0; i < 2; i++) {
                send_event(f, (Ev){ .seq = 0, .patient = "P2", .date = day(0), .kind = "enroll" });
                check_ack(receive_ack(f, WAIT_MS), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);
        }
        send_event(f, (Ev){ .site = "site 1", .seq = 2, .patient = "P2", .date = day(0), .kind = "enroll" });
        check_ack(receive_ack(f, WAIT_MS), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);

        /* A frame after the event. */
        uint8_t buf[512];
        frames[0] = buf;
        sizes[0] = encode((Ev){ .seq = 2, .patient = "P2", .date = day(0), .kind = "enroll" }, buf, sizeof(buf));
        frames[1] = "x";
        sizes[1] = 1;
        check_ack(send_frames(f, frames, sizes, 2), "", 0, INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__MALFORMED, 0);

        /* REQ-style envelope: an empty frame, then the event; the answer comes back the same way. */
        frames[0] = "";
        sizes[0] = 0;
        frames[1] = buf;
        sizes[1] = encode((Ev){ .seq = 3, .patient = "P2", .date = day(0), .kind = "enroll" }, buf, sizeof(buf));
        check_ack(send_frames(f, frames, sizes, 2), "site-1", 3, INTERIM__ACK_STATUS__ACCEPTED,
                  INTERIM__REASON__REASON_NONE, 2);

        /* A frame over max_message_bytes: libzmq drops the connection; the sender reconnects and resends. */
        static uint8_t big[2048];
        assert_int_equal(zmq_send(f->dealer, big, sizeof(big), 0), (int)sizeof(big));
        assert_null(receive_ack(f, 300));
        Ev next = { .seq = 4, .patient = "P3", .date = day(0), .kind = "enroll" };
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
                send_event(f, (Ev){ .seq = i, .patient = patient, .date = day((int)i), .kind = "enroll",
                                    .arm = i % 2 ? "control" : "hormone", .stratum = i % 3 ? "g1" : "g2" });
        }
        for (uint64_t i = 1; i <= N; i++)
                check_ack(receive_ack(f, WAIT_MS), "site-1", i, INTERIM__ACK_STATUS__ACCEPTED,
                          INTERIM__REASON__REASON_NONE, i);
        assert_null(receive_ack(f, 100));
}

/* Counts the events of a store, checking its chains. */
static int count_event(const StoreEvent *e, void *userdata) {
        (*(int64_t *)userdata)++;
        return 0;
}

static void test_restart(void **state) {
        Fixture *f = *state;
        accepted(f, (Ev){ .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" }, 1);
        accepted(f, (Ev){ .seq = 2, .patient = "P1", .date = day(30), .kind = "contact" }, 2);
        rejected(f, (Ev){ .seq = 3, .patient = "P2", .date = day(0), .kind = "enroll", .arm = "placebo" },
                 INTERIM__REASON__UNKNOWN_ARM);
        accepted(f, (Ev){ .seq = 4, .date = day(100), .kind = "look", .look = 1 }, 3);
        accepted(f, (Ev){ .seq = 5, .patient = "P1", .date = day(90), .kind = "death" }, 4);
        accepted(f, (Ev){ .seq = 6, .kind = "retract", .target = 5 }, 5);
        dealer_close(f);
        assert_int_equal(daemon_stop(f, SIGTERM), 0);

        /* The store holds what was acknowledged, and its chains verify. */
        Store *store = NULL;
        char *error = NULL, state_dir[96];
        snprintf(state_dir, sizeof(state_dir), "%s/state", f->dir);
        assert_int_equal(store_open(&store, state_dir, &error), 0);
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
        expect(f, (Ev){ .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" }, INTERIM__ACK_STATUS__DUPLICATE,
               INTERIM__REASON__REASON_NONE, 1);
        expect(f, (Ev){ .seq = 3, .patient = "P2", .date = day(0), .kind = "enroll", .arm = "placebo" },
               INTERIM__ACK_STATUS__DUPLICATE, INTERIM__REASON__UNKNOWN_ARM, 0);
        rejected(f, (Ev){ .seq = 7, .patient = "P1", .date = day(1), .kind = "enroll" }, INTERIM__REASON__ENROLLED_TWICE);
        rejected(f, (Ev){ .seq = 8, .date = day(100), .kind = "look", .look = 1 }, INTERIM__REASON__LOOK_ORDER);
        rejected(f, (Ev){ .seq = 9, .kind = "retract", .target = 5 }, INTERIM__REASON__RETRACT_INVALID);
        /* The death was taken back before the restart: later follow-up is allowed. */
        accepted(f, (Ev){ .seq = 10, .patient = "P1", .date = day(120), .kind = "contact" }, 6);
        accepted(f, (Ev){ .seq = 11, .date = day(150), .kind = "look", .look = 2 }, 7);
}

static void test_kill(void **state) {
        Fixture *f = *state;
        /* A stream of events, and a hard kill while batches are being stored. */
        enum { N = 200, ACKED = 50 };
        uint64_t acked[N + 1] = { 0 };
        for (uint64_t i = 1; i <= N; i++) {
                char patient[16];
                snprintf(patient, sizeof(patient), "K%03u", (unsigned)i);
                send_event(f, (Ev){ .seq = i, .patient = patient, .date = day(1), .kind = "enroll" });
        }
        for (int got = 0; got < ACKED; got++) {
                Interim__Ack *ack = receive_ack(f, WAIT_MS);
                assert_non_null(ack);
                assert_int_equal(ack->status, INTERIM__ACK_STATUS__ACCEPTED);
                acked[ack->site_seq] = ack->store_seq;
                interim__ack__free_unpacked(ack, NULL);
        }
        assert_int_equal(daemon_stop(f, SIGKILL), 128 + SIGKILL);
        dealer_close(f);

        /* Everything acknowledged survived, at its place; the rest is stored at most once. */
        daemon_start(f);
        dealer_open(f);
        bool seen[N + 1] = { false };
        for (uint64_t i = 1; i <= N; i++) {
                char patient[16];
                snprintf(patient, sizeof(patient), "K%03u", (unsigned)i);
                send_event(f, (Ev){ .seq = i, .patient = patient, .date = day(1), .kind = "enroll" });
                Interim__Ack *ack = receive_ack(f, WAIT_MS);
                assert_non_null(ack);
                assert_int_equal(ack->site_seq, i);
                if (acked[i]) {
                        assert_int_equal(ack->status, INTERIM__ACK_STATUS__DUPLICATE);
                        assert_int_equal(ack->store_seq, acked[i]);
                } else
                        assert_true(ack->status == INTERIM__ACK_STATUS__DUPLICATE ||
                                    ack->status == INTERIM__ACK_STATUS__ACCEPTED);
                assert_int_equal(ack->reason, INTERIM__REASON__REASON_NONE);
                assert_true(ack->store_seq >= 1 && ack->store_seq <= N);
                assert_false(seen[ack->store_seq]);
                seen[ack->store_seq] = true;
                interim__ack__free_unpacked(ack, NULL);
        }
}

static void test_check_config(void **state) {
        Fixture *f = *state;
        char out[1024], want[1024];
        const char *good[] = { "interimd", "--check-config", f->config, NULL };
        assert_int_equal(run_interimd(good, out, sizeof(out)), 0);
        snprintf(want, sizeof(want), "%s: valid, 2 trials\n", f->config);
        assert_string_equal(out, want);

        char bad[128];
        snprintf(bad, sizeof(bad), "%s/bad.ini", f->dir);
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
                cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_kill, setup, teardown),
                cmocka_unit_test_setup_teardown(test_check_config, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
