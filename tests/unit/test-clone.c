/* test-clone.c — the monitor's copy without sockets: snapshot and held publications, gaps, silence, restarts, timeouts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clone.h"
#include "interim.pb-c.h"

/* What the callbacks saw. */
typedef struct Log {
        size_t n_topics;
        char topic[32][32];
        uint64_t seq[32];      /* 0: the topic is gone */
        size_t n_states;
        CloneState state[16];
        CloneReason reason[16];
        char detail[16][192];
} Log;

static void on_topic(const char *topic, const Interim__Statistics *s, void *userdata) {
        Log *log = userdata;
        assert_true(log->n_topics < 32);
        snprintf(log->topic[log->n_topics], sizeof(log->topic[0]), "%s", topic);
        log->seq[log->n_topics++] = s ? s->seq : 0;
}

static void on_state(CloneState state, CloneReason reason, const char *detail, void *userdata) {
        Log *log = userdata;
        assert_true(log->n_states < 16);
        log->state[log->n_states] = state;
        log->reason[log->n_states] = reason;
        snprintf(log->detail[log->n_states++], sizeof(log->detail[0]), "%s", detail);
}

static const CloneCallbacks callbacks = { on_topic, on_state };

/* ---- messages, packed as they come off the wire ---- */

typedef struct Packed {
        uint8_t data[256];
        size_t size;
} Packed;

/* Statistics of topic "TRIAL/ENDPOINT" at seq; its one arm has n = 10 * seq, to tell the versions apart. */
static Packed statistics(const char *topic, uint64_t seq) {
        char trial[32];
        snprintf(trial, sizeof(trial), "%s", topic);
        char *slash = strchr(trial, '/');
        assert_non_null(slash);
        *slash = '\0';
        Interim__Statistics s = INTERIM__STATISTICS__INIT;
        Interim__ArmStatistics arm = INTERIM__ARM_STATISTICS__INIT, *arms[] = { &arm };
        Interim__Interval i = INTERIM__INTERVAL__INIT;
        Interim__Quartiles q = INTERIM__QUARTILES__INIT;
        q.q25 = q.q75 = arm.median = &i;
        arm.quartiles = &q;
        arm.arm = "all";
        arm.n = (uint32_t)(10 * seq);
        s.trial = trial;
        s.endpoint = slash + 1;
        s.seq = seq;
        s.as_of = "2024-01-01";
        s.n_arms = 1;
        s.arms = arms;
        Packed p;
        assert_true(interim__statistics__get_packed_size(&s) <= sizeof(p.data));
        p.size = interim__statistics__pack(&s, p.data);
        return p;
}

static Packed heartbeat(int64_t started) {
        Interim__Heartbeat hb = INTERIM__HEARTBEAT__INIT;
        hb.time = started + 1;
        hb.started = started;
        hb.interval_ms = 1000;
        Packed p;
        p.size = interim__heartbeat__pack(&hb, p.data);
        return p;
}

/* The end of the snapshot of prefix: n topics and their seqs. */
static Packed snapshot_end(const char *prefix, const char *const *topics, const uint64_t *seqs, size_t n) {
        Interim__SnapshotEnd end = INTERIM__SNAPSHOT_END__INIT;
        Interim__TopicSeq ts[8], *ptrs[8];
        assert_true(n <= 8);
        for (size_t i = 0; i < n; i++) {
                ts[i] = (Interim__TopicSeq)INTERIM__TOPIC_SEQ__INIT;
                ts[i].topic = (char *)topics[i];
                ts[i].seq = seqs[i];
                ptrs[i] = &ts[i];
        }
        end.prefix = (char *)prefix;
        end.arm_level = true;
        end.n_topics = n;
        end.topics = ptrs;
        Packed p;
        assert_true(interim__snapshot_end__get_packed_size(&end) <= sizeof(p.data));
        p.size = interim__snapshot_end__pack(&end, p.data);
        return p;
}

/* ---- driving the copy ---- */

static void publish(Clone *c, const char *topic, uint64_t seq, int64_t now) {
        Packed p = statistics(topic, seq);
        assert_int_equal(clone_publication(c, topic, p.data, p.size, now), 0);
}

static void beat(Clone *c, int64_t started, int64_t now) {
        Packed p = heartbeat(started);
        assert_int_equal(clone_publication(c, CLONE_TOPIC_HEARTBEAT, p.data, p.size, now), 0);
}

/* A whole snapshot of one prefix: each topic at its seq, then the end listing them. */
static void answer(Clone *c, const char *prefix, const char *const *topics, const uint64_t *seqs, size_t n, int64_t now) {
        for (size_t i = 0; i < n; i++) {
                Packed p = statistics(topics[i], seqs[i]);
                assert_int_equal(clone_snapshot(c, topics[i], p.data, p.size, now, NULL), 0);
        }
        Packed end = snapshot_end(prefix, topics, seqs, n);
        assert_int_equal(clone_snapshot(c, CLONE_TOPIC_END, end.data, end.size, now, NULL), 0);
}

/* The seq of a topic in the copy (the n of its arm agrees), or 0 when it is not there. */
static uint64_t seq_of(const Clone *c, const char *topic) {
        for (size_t i = 0; i < clone_count(c); i++) {
                const Interim__Statistics *s;
                if (strcmp(clone_topic(c, i, &s), topic) == 0) {
                        assert_int_equal(s->arms[0]->n, 10 * s->seq);
                        return s->seq;
                }
        }
        return 0;
}

static const char *const topics_ab[] = { "T/a", "T/b" };

/* A copy of every topic, live at T/a seq 5 and T/b seq 3 after a heartbeat at time 0 (started 77). */
static Clone *live_copy(Log *log) {
        Clone *c;
        assert_int_equal(clone_new(&c, NULL, 0, &callbacks, log), 0);
        beat(c, 77, 0);
        assert_true(clone_take_request(c));
        const uint64_t seqs[] = { 5, 3 };
        answer(c, "", topics_ab, seqs, 2, 10);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        *log = (Log){ 0 };
        return c;
}

/* ---- tests ---- */

static void test_snapshot_and_held(void **state) {
        Log log = { 0 };
        Clone *c;
        assert_int_equal(clone_new(&c, NULL, 0, &callbacks, &log), 0);
        size_t n;
        const char *const *prefixes = clone_prefixes(c, &n);
        assert_int_equal(n, 1);
        assert_string_equal(prefixes[0], "");

        /* Nothing is asked for until the subscription shows it works. */
        assert_int_equal(clone_state(c), CLONE_WAITING);
        assert_false(clone_take_request(c));
        assert_int_equal(clone_deadline(c), INT64_MAX);
        beat(c, 77, 0);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_int_equal(log.reason[0], CLONE_START);
        assert_true(clone_take_request(c));
        assert_false(clone_take_request(c));

        /* Publications while the snapshot comes are held: some older than it, some newer. */
        publish(c, "T/a", 5, 1);
        publish(c, "T/b", 3, 2);
        publish(c, "T/a", 6, 3);
        publish(c, "T/a", 7, 4);
        publish(c, "T/c", 1, 5);
        assert_int_equal(clone_count(c), 0);
        const uint64_t seqs[] = { 6, 3 };
        answer(c, "", topics_ab, seqs, 2, 6);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(seq_of(c, "T/a"), 7);
        assert_int_equal(seq_of(c, "T/b"), 3);
        assert_int_equal(seq_of(c, "T/c"), 1);
        /* The snapshot's topics, then the held ones newer than it, in order; then the news that it is live. */
        assert_int_equal(log.n_topics, 4);
        const char *const order[] = { "T/a", "T/b", "T/a", "T/c" };
        const uint64_t order_seq[] = { 6, 3, 7, 1 };
        for (size_t i = 0; i < 4; i++) {
                assert_string_equal(log.topic[i], order[i]);
                assert_int_equal(log.seq[i], order_seq[i]);
        }
        assert_int_equal(log.state[log.n_states - 1], CLONE_LIVE);

        /* Live: the next of a topic is applied. */
        publish(c, "T/b", 4, 7);
        assert_int_equal(seq_of(c, "T/b"), 4);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        clone_free(c);
}

static void test_gap(void **state) {
        Log log;
        Clone *c = live_copy(&log);
        publish(c, "T/a", 6, 100);
        assert_int_equal(seq_of(c, "T/a"), 6);
        assert_false(clone_take_request(c));

        /* seq 8 after 6: the socket dropped one, perhaps others' last too.  The copy stays shown meanwhile. */
        publish(c, "T/a", 8, 200);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_int_equal(log.reason[log.n_states - 1], CLONE_GAP);
        assert_string_equal(log.detail[log.n_states - 1], "T/a: seq 8 after 6");
        assert_true(clone_take_request(c));
        assert_int_equal(seq_of(c, "T/a"), 6);

        /* A topic going back is a gap too (a daemon whose store started again). */
        const uint64_t seqs[] = { 9, 3 };
        publish(c, "T/a", 10, 210);
        answer(c, "", topics_ab, seqs, 2, 220);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(seq_of(c, "T/a"), 10);
        publish(c, "T/b", 2, 230);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_int_equal(log.reason[log.n_states - 1], CLONE_GAP);
        clone_free(c);
}

static void test_gap_among_held(void **state) {
        Log log;
        Clone *c = live_copy(&log);
        publish(c, "T/a", 9, 100);
        assert_true(clone_take_request(c));
        /* Held: 7 follows the snapshot's 6, 9 does not. */
        publish(c, "T/a", 7, 110);
        publish(c, "T/a", 9, 120);
        const uint64_t seqs[] = { 6, 3 };
        answer(c, "", topics_ab, seqs, 2, 130);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_int_equal(log.reason[log.n_states - 1], CLONE_GAP);
        assert_string_equal(log.detail[log.n_states - 1], "T/a: seq 9 after 7");
        assert_true(clone_take_request(c));
        assert_int_equal(seq_of(c, "T/a"), 7);
        /* The next snapshot starts from nothing held. */
        const uint64_t later[] = { 9, 3 };
        answer(c, "", topics_ab, later, 2, 140);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(seq_of(c, "T/a"), 9);
        clone_free(c);
}

static void test_silence(void **state) {
        Log log;
        Clone *c = live_copy(&log);
        /* The heartbeat came at 0: three intervals of silence end at 3000. */
        assert_int_equal(clone_deadline(c), CLONE_SILENT_BEATS * 1000);
        beat(c, 77, 1000);
        assert_int_equal(clone_deadline(c), 1000 + CLONE_SILENT_BEATS * 1000);
        clone_tick(c, 3999);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        clone_tick(c, 4000);
        assert_int_equal(clone_state(c), CLONE_WAITING);
        assert_int_equal(log.reason[log.n_states - 1], CLONE_SILENCE);
        assert_string_equal(log.detail[log.n_states - 1], "no heartbeat for 3.0 s");
        /* Nothing to ask a silent daemon; the copy stays shown. */
        assert_false(clone_take_request(c));
        assert_int_equal(clone_deadline(c), INT64_MAX);
        assert_int_equal(seq_of(c, "T/a"), 5);
        clone_tick(c, 60000);
        assert_int_equal(clone_state(c), CLONE_WAITING);

        /* It speaks again: a new snapshot, whatever was published meanwhile. */
        beat(c, 77, 61000);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_true(clone_take_request(c));
        const uint64_t seqs[] = { 12, 3 };
        answer(c, "", topics_ab, seqs, 2, 61010);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(seq_of(c, "T/a"), 12);
        clone_free(c);
}

static void test_silence_while_syncing(void **state) {
        Log log;
        Clone *c = live_copy(&log);
        publish(c, "T/a", 7, 100);
        assert_true(clone_take_request(c));
        clone_tick(c, 2999);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        clone_tick(c, 3000);
        assert_int_equal(clone_state(c), CLONE_WAITING);
        assert_int_equal(log.reason[log.n_states - 1], CLONE_SILENCE);
        /* An answer to the abandoned request is not taken. */
        const uint64_t seqs[] = { 7, 3 };
        answer(c, "", topics_ab, seqs, 2, 3100);
        assert_int_equal(clone_state(c), CLONE_WAITING);
        assert_int_equal(seq_of(c, "T/a"), 5);
        /* A publication shows the subscription works as well as a heartbeat does. */
        publish(c, "T/a", 8, 3200);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_true(clone_take_request(c));
        clone_free(c);
}

static void test_restart(void **state) {
        Log log;
        Clone *c = live_copy(&log);
        beat(c, 77, 500);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        beat(c, 78, 900);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_int_equal(log.reason[log.n_states - 1], CLONE_RESTART);
        assert_true(clone_take_request(c));
        clone_free(c);
}

static void test_snapshot_timeout(void **state) {
        Log log = { 0 };
        Clone *c;
        assert_int_equal(clone_new(&c, NULL, 0, &callbacks, &log), 0);
        /* A copy without a subscription asks at once, and watches no heartbeat. */
        clone_sync(c, 1000);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_true(clone_take_request(c));
        assert_int_equal(clone_deadline(c), 1000 + CLONE_SNAPSHOT_TIMEOUT_MS);
        /* Each part that comes puts the timeout off. */
        Packed p = statistics("T/a", 4);
        assert_int_equal(clone_snapshot(c, "T/a", p.data, p.size, 3000, NULL), 0);
        assert_int_equal(clone_deadline(c), 3000 + CLONE_SNAPSHOT_TIMEOUT_MS);
        clone_tick(c, 3000 + CLONE_SNAPSHOT_TIMEOUT_MS - 1);
        assert_false(clone_take_request(c));
        clone_tick(c, 3000 + CLONE_SNAPSHOT_TIMEOUT_MS);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_int_equal(log.reason[log.n_states - 1], CLONE_NO_SNAPSHOT);
        assert_true(clone_take_request(c));
        /* The part received before is forgotten: an end listing it does not complete the new snapshot. */
        const uint64_t seqs[] = { 4 };
        Packed end = snapshot_end("", topics_ab, seqs, 1);
        assert_int_equal(clone_snapshot(c, CLONE_TOPIC_END, end.data, end.size, 9000, NULL), 0);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_int_equal(log.reason[log.n_states - 1], CLONE_NO_SNAPSHOT);
        assert_string_equal(log.detail[log.n_states - 1], "snapshot of '' without T/a at seq 4");
        assert_true(clone_take_request(c));
        answer(c, "", topics_ab, seqs, 1, 9100);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(seq_of(c, "T/a"), 4);
        clone_free(c);
}

static void test_prefixes(void **state) {
        Log log = { 0 };
        Clone *c;
        const char *const prefixes[] = { "A/", "B/x" };
        assert_int_equal(clone_new(&c, prefixes, 2, &callbacks, &log), 0);
        size_t n;
        const char *const *got = clone_prefixes(c, &n);
        assert_int_equal(n, 2);
        assert_string_equal(got[1], "B/x");
        clone_sync(c, 0);
        assert_true(clone_take_request(c));
        /* Complete only with an end for each prefix. */
        const char *const a[] = { "A/os", "A/pfs" }, *const b[] = { "B/x" };
        const uint64_t sa[] = { 2, 3 }, sb[] = { 9 };
        answer(c, "A/", a, sa, 2, 10);
        assert_int_equal(clone_state(c), CLONE_SYNCING);
        assert_int_equal(clone_count(c), 0);
        answer(c, "B/x", b, sb, 1, 20);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(clone_count(c), 3);
        assert_int_equal(seq_of(c, "B/x"), 9);
        clone_free(c);
}

static void test_topics_come_and_go(void **state) {
        Log log;
        Clone *c = live_copy(&log);
        /* A topic added by a reload comes first as a publication: all of its statistics, taken as they are. */
        publish(c, "T/new", 1, 100);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(seq_of(c, "T/new"), 1);
        /* A topic a new snapshot lacks is gone, and said to be; one unchanged is not news. */
        publish(c, "T/a", 9, 200);
        assert_true(clone_take_request(c));
        log = (Log){ 0 };
        const char *const kept[] = { "T/b", "T/new" };
        const uint64_t seqs[] = { 3, 2 };
        answer(c, "", kept, seqs, 2, 210);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(clone_count(c), 2);
        assert_int_equal(seq_of(c, "T/a"), 0);
        assert_int_equal(log.n_topics, 2);
        assert_string_equal(log.topic[0], "T/a");
        assert_int_equal(log.seq[0], 0);
        assert_string_equal(log.topic[1], "T/new");
        assert_int_equal(log.seq[1], 2);
        clone_free(c);
}

static void test_bad_messages(void **state) {
        Log log;
        Clone *c = live_copy(&log);
        const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0x07 };
        assert_int_equal(clone_publication(c, "T/a", garbage, sizeof(garbage), 100), -EBADMSG);
        assert_int_equal(clone_publication(c, CLONE_TOPIC_HEARTBEAT, garbage, sizeof(garbage), 100), -EBADMSG);
        assert_int_equal(clone_state(c), CLONE_LIVE);
        assert_int_equal(seq_of(c, "T/a"), 5);

        /* A refused request: its reason goes to the caller. */
        publish(c, "T/a", 8, 200);
        Interim__SnapshotError e = INTERIM__SNAPSHOT_ERROR__INIT;
        e.reason = "bad data_cut";
        uint8_t buf[64];
        size_t size = interim__snapshot_error__pack(&e, buf);
        char *why = NULL;
        assert_int_equal(clone_snapshot(c, CLONE_TOPIC_ERROR, buf, size, 210, &why), -EPROTO);
        assert_string_equal(why, "bad data_cut");
        free(why);
        assert_int_equal(clone_snapshot(c, "T/a", garbage, sizeof(garbage), 220, NULL), -EBADMSG);
        clone_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_snapshot_and_held),
                cmocka_unit_test(test_gap),
                cmocka_unit_test(test_gap_among_held),
                cmocka_unit_test(test_silence),
                cmocka_unit_test(test_silence_while_syncing),
                cmocka_unit_test(test_restart),
                cmocka_unit_test(test_snapshot_timeout),
                cmocka_unit_test(test_prefixes),
                cmocka_unit_test(test_topics_come_and_go),
                cmocka_unit_test(test_bad_messages),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
