/* test-arena.c — Events unpacked into a caller's buffer: one that fits takes no malloc, one that does not spills and is freed. */
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "harness.h"
#include "interim.pb-c.h"

/* Whether the n bytes at p lie in the arena's buffer. */
static bool inside(const Arena *a, const void *p, size_t n) {
        return (const uint8_t *)p >= a->buf && (const uint8_t *)p + n <= a->buf + a->size;
}

static void test_fits(void **state) {
        (void)state;
        alignas(max_align_t) uint8_t space[1024];
        uint8_t payload[256];
        Arena a;
        arena_init(&a, space, sizeof(space));
        SiteEvent ev = { .site = "site-1", .seq = 7, .patient = "P0001", .date = "2011-03-02", .kind = "enroll",
                         .arm = "surgery", .stratum = "tnbc" };
        size_t len = harness_encode(&ev, payload, sizeof(payload));
        Interim__Event *first = NULL;
        for (int round = 0; round < 2; round++) {
                Interim__Event *e = interim__event__unpack(&a.allocator, len, payload);
                assert_non_null(e);
                /* Freed, the buffer is the next message's from its beginning. */
                if (round == 0)
                        first = e;
                else
                        assert_ptr_equal(e, first);
                assert_true(inside(&a, e, sizeof(*e)));
                assert_true(inside(&a, e->patient, strlen(e->patient) + 1));
                assert_true(inside(&a, e->enroll, sizeof(*e->enroll)));
                assert_string_equal(e->patient, "P0001");
                assert_string_equal(e->enroll->arm, "surgery");
                assert_int_equal(e->site_seq, 7);
                assert_int_equal(a.spilled, 0);
                assert_true(a.used > 0 && a.used <= a.size);
                arena_free_message(&a, (ProtobufCMessage *)e);
        }
}

/* A patient larger than the buffer comes from malloc, and is freed with the message (ASan would see a leak). */
static void test_spills(void **state) {
        (void)state;
        alignas(max_align_t) uint8_t space[256];
        static uint8_t payload[8192];
        char patient[4001];
        memset(patient, 'p', sizeof(patient) - 1);
        patient[sizeof(patient) - 1] = '\0';
        Arena a;
        arena_init(&a, space, sizeof(space));
        SiteEvent ev = { .site = "site-1", .seq = 8, .patient = patient, .date = "2011-03-02", .kind = "death" };
        size_t len = harness_encode(&ev, payload, sizeof(payload));
        Interim__Event *e = interim__event__unpack(&a.allocator, len, payload);
        assert_non_null(e);
        assert_true(a.spilled > 0);
        assert_false(inside(&a, e->patient, 1));
        assert_string_equal(e->patient, patient);
        assert_true(a.used <= a.size);
        arena_free_message(&a, (ProtobufCMessage *)e);
}

/* Bytes that do not decode, part of them taken from malloc first: protobuf-c gives that back (ASan would see a leak). */
static void test_garbage(void **state) {
        (void)state;
        alignas(max_align_t) uint8_t space[64];
        uint8_t payload[512];
        Arena a;
        arena_init(&a, space, sizeof(space));
        SiteEvent ev = { .site = "site-1", .seq = 9, .patient = "P0009-with-a-longer-identifier", .date = "2011-03-02",
                         .kind = "enroll", .arm = "surgery" };
        size_t len = harness_encode(&ev, payload, sizeof(payload));
        payload[len++] = 0x0a; /* a trial field whose length runs past the end */
        payload[len++] = 0x7f;
        assert_null(interim__event__unpack(&a.allocator, len, payload));
        assert_true(a.spilled > 0);
        arena_free_message(&a, NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fits),
                cmocka_unit_test(test_spills),
                cmocka_unit_test(test_garbage),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
