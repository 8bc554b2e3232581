/* test-wire.c — encoded messages whose string fields hold a NUL, found wherever the schema puts a string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "interim.pb-c.h"
#include "wire.h"

static const SiteEvent enrollment = { .site = "site-1", .seq = 300, .patient = "P0001", .date = "2011-03-02",
                                      .kind = "enroll", .arm = "surgery", .stratum = "tnbc" };

/* Encodes ev, turns the first 'X' of the bytes into a NUL and says whether the strings are whole. */
static bool whole_after_nul(SiteEvent ev) {
        uint8_t buf[512];
        size_t len = harness_encode(&ev, buf, sizeof(buf));
        assert_true(len > 0);
        uint8_t *x = memchr(buf, 'X', len);
        assert_non_null(x);
        *x = 0;
        /* protobuf-c decodes it all the same: only the walk sees the NUL. */
        Interim__Event *e = interim__event__unpack(NULL, len, buf);
        assert_non_null(e);
        interim__event__free_unpacked(e, NULL);
        return wire_strings_whole(&interim__event__descriptor, buf, len);
}

static void test_whole(void **state) {
        (void)state;
        uint8_t buf[512];
        size_t len = harness_encode(&enrollment, buf, sizeof(buf));
        assert_true(wire_strings_whole(&interim__event__descriptor, buf, len));
        /* A death's empty body is encoded with length 00: a NUL byte, but in no text. */
        SiteEvent death = { .site = "site-1", .seq = 300, .patient = "P0001", .date = "2014-01-01", .kind = "death" };
        len = harness_encode(&death, buf, sizeof(buf));
        assert_non_null(memchr(buf, 0, len));
        assert_true(wire_strings_whole(&interim__event__descriptor, buf, len));
        assert_true(wire_strings_whole(&interim__event__descriptor, buf, 0)); /* the empty Event */
}

static void test_nul_in_a_text(void **state) {
        (void)state;
        SiteEvent ev[6];
        for (size_t i = 0; i < 6; i++)
                ev[i] = enrollment;
        ev[0].patient = "DXx";
        ev[1].site = "G2Xzz";
        ev[2].date = "2011-03-02Xjunk";
        ev[3].trial = "GBSGX";
        /* In a field of a message within the Event: enroll's arm and stratum. */
        ev[4].arm = "aXjunk";
        ev[5].stratum = "tnbcX";
        for (size_t i = 0; i < 6; i++)
                assert_false(whole_after_nul(ev[i]));
}

/* A field the schema does not have may hold anything: protobuf-c keeps it as bytes. */
static void test_unknown_field(void **state) {
        (void)state;
        uint8_t buf[512];
        size_t len = harness_encode(&enrollment, buf, sizeof(buf));
        const uint8_t unknown[] = { 0xfa, 0x3e, 0x03, 'a', 0x00, 'b' }; /* field 1007, length-delimited */
        memcpy(buf + len, unknown, sizeof(unknown));
        len += sizeof(unknown);
        Interim__Event *e = interim__event__unpack(NULL, len, buf);
        assert_non_null(e);
        interim__event__free_unpacked(e, NULL);
        assert_true(wire_strings_whole(&interim__event__descriptor, buf, len));
}

/* What cannot be walked is not whole: cut short, a length beyond the end, a group. */
static void test_unwalkable(void **state) {
        (void)state;
        uint8_t buf[512];
        size_t len = harness_encode(&enrollment, buf, sizeof(buf));
        assert_false(wire_strings_whole(&interim__event__descriptor, buf, len - 1));
        const uint8_t too_long[] = { 0x12, 0x7f, 's' };
        assert_false(wire_strings_whole(&interim__event__descriptor, too_long, sizeof(too_long)));
        const uint8_t varint_cut[] = { 0x20, 0xff };
        assert_false(wire_strings_whole(&interim__event__descriptor, varint_cut, sizeof(varint_cut)));
        const uint8_t group[] = { 0x0b, 0x0c };
        assert_false(wire_strings_whole(&interim__event__descriptor, group, sizeof(group)));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_whole),
                cmocka_unit_test(test_nul_in_a_text),
                cmocka_unit_test(test_unknown_field),
                cmocka_unit_test(test_unwalkable),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
