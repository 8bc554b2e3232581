/* test-feeder.c — events in flight to a ROUTER of the test's: in file order also after the connection is lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "feeder.h"
#include "harness.h"
#include "interim.pb-c.h"

typedef struct Fixture {
        void *zmq, *dealer, *router;
        char endpoint[64];
} Fixture;

/* The test's ROUTER never answers. */
static void on_answer(size_t line, const Interim__Ack *ack, void *userdata) {
        (void)line;
        (void)ack;
        (void)userdata;
        fail_msg("an answer no one sent");
}

/* A ROUTER on the endpoint, as a daemon (re)started there would be. */
static void *router_open(Fixture *f) {
        void *r = zmq_socket(f->zmq, ZMQ_ROUTER);
        int linger = 0;
        zmq_setsockopt(r, ZMQ_LINGER, &linger, sizeof(linger));
        assert_int_equal(zmq_bind(r, f->endpoint), 0);
        return r;
}

/* The next event the ROUTER gets, the feeder running meanwhile (its sends wait for the connection): its site_seq. */
static uint64_t router_next(Fixture *f, Feeder *feeder) {
        zmq_pollitem_t item = { .socket = f->router, .events = ZMQ_POLLIN };
        int ready = 0;
        for (int waited = 0; ready == 0 && waited < 10000; waited += 20) {
                assert_true(feeder_run(feeder, 0) >= 0);
                ready = zmq_poll(&item, 1, 20);
        }
        assert_int_equal(ready, 1);
        zmq_msg_t identity, payload;
        zmq_msg_init(&identity);
        zmq_msg_init(&payload);
        assert_true(zmq_msg_recv(&identity, f->router, 0) >= 0);
        assert_true(zmq_msg_recv(&payload, f->router, 0) >= 0);
        Interim__Event *e = interim__event__unpack(NULL, zmq_msg_size(&payload), zmq_msg_data(&payload));
        assert_non_null(e);
        uint64_t seq = e->site_seq;
        interim__event__free_unpacked(e, NULL);
        zmq_msg_close(&identity);
        zmq_msg_close(&payload);
        return seq;
}

static void add(Feeder *feeder, uint64_t seq) {
        SiteEvent ev = { .site = "S01", .seq = seq, .patient = "P1", .date = "2012-01-01",
                         .kind = seq == 1 ? "enroll" : "death" };
        FeedRow row = { .line = seq + 1, .site = "S01", .seq = seq, .data = malloc(256) };
        row.len = harness_encode(&ev, row.data, 256);
        assert_true(row.len > 0);
        assert_int_equal(feeder_add(feeder, &row), 0);
}

/*
 * An enrollment sent, then the daemon gone before reading it, and back: the death
 * added after the new connection is up must not overtake the enrollment's resend (it
 * would be refused for good: patient not enrolled).
 */
static void test_order_after_lost_connection(void **state) {
        (void)state;
        Fixture f = { .zmq = zmq_ctx_new() };
        snprintf(f.endpoint, sizeof(f.endpoint), "ipc:///tmp/test-feeder-%d", (int)getpid());
        f.router = router_open(&f);
        f.dealer = zmq_socket(f.zmq, ZMQ_DEALER);
        int linger = 0, immediate = 1;
        zmq_setsockopt(f.dealer, ZMQ_LINGER, &linger, sizeof(linger));
        zmq_setsockopt(f.dealer, ZMQ_IMMEDIATE, &immediate, sizeof(immediate));
        assert_int_equal(zmq_connect(f.dealer, f.endpoint), 0);
        Feeder *feeder = NULL;
        assert_int_equal(feeder_new(&feeder, f.zmq, f.dealer, 16, on_answer, &f), 0);
        usleep(200000); /* connected */

        add(feeder, 1);
        usleep(100000);
        zmq_close(f.router); /* the daemon dies with the enrollment unread */
        usleep(100000);
        f.router = router_open(&f);
        usleep(500000); /* the DEALER has reconnected; the enrollment's resend is not due yet */
        add(feeder, 2);
        assert_int_equal(router_next(&f, feeder), 1);
        assert_int_equal(router_next(&f, feeder), 2);
        assert_int_equal(feeder_unanswered(feeder), 2);

        feeder_free(feeder);
        zmq_close(f.dealer);
        zmq_close(f.router);
        zmq_ctx_term(f.zmq);
        unlink(f.endpoint + strlen("ipc://"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order_after_lost_connection),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
