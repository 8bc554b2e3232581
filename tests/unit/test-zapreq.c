/* test-zapreq.c — the ZAP handler's decision: which keys each domain admits, and the answer to frames that are no request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "zap.h"
#include "zapkeys.h"
#include "zapreq.h"

static Keys keys;
static struct KeyEntry entries[ZAPKEYS_N];

/* The answer to the CURVE request of the key of letter on domain. */
static ZapAnswer answer(char letter, const char *domain) {
        ZapFrame frames[ZAP_REQUEST_FRAMES];
        uint8_t key[32];
        zapkeys_request(frames, key, letter, domain);
        ZapAnswer a;
        zap_request_answer(&keys, frames, ZAP_REQUEST_FRAMES, &a);
        assert_memory_equal(a.request_id.data, "1", 1);
        assert_string_equal(a.domain, domain);
        return a;
}

static void assert_refused(ZapAnswer a, const char *status, const char *text) {
        assert_string_equal(a.status, status);
        assert_string_equal(a.text, text);
        assert_string_equal(a.user_id, "");
        assert_int_equal(a.metadata_size, 0);
}

static void test_admitted(void **state) {
        ZapAnswer a = answer('D', ZAP_PUBLISH);
        assert_string_equal(a.status, "200");
        assert_string_equal(a.user_id, "dsmb");
        assert_string_equal(a.public_key, entries[1].file.public_key);
        assert_int_equal(a.metadata_size, 1 + 8 + 4 + 4);
        assert_memory_equal(a.metadata, "\x08Key-Name\0\0\0\x04" "dsmb", a.metadata_size);
        a = answer('S', ZAP_INGEST);
        assert_string_equal(a.status, "200");
        assert_string_equal(a.user_id, "site:S01");
        assert_memory_equal(a.metadata, "\x08Key-Name\0\0\0\x05" "site1", a.metadata_size);
        assert_string_equal(answer('S', ZAP_PUBLISH_OPEN).user_id, "site:S01");
        assert_string_equal(answer('O', ZAP_PUBLISH_OPEN).user_id, "open");
        assert_string_equal(answer('O', ZAP_SNAPSHOT).user_id, "open");
        assert_string_equal(answer('D', ZAP_SNAPSHOT).user_id, "dsmb");
}

static void test_refused(void **state) {
        assert_refused(answer('X', ZAP_PUBLISH), "400", "unknown key");
        assert_refused(answer('O', ZAP_PUBLISH), "400", "role not admitted to this socket");
        assert_refused(answer('D', ZAP_INGEST), "400", "role not admitted to this socket");
        assert_refused(answer('S', ZAP_SNAPSHOT), "400", "role not admitted to this socket");
        assert_refused(answer('D', "elsewhere"), "400", "role not admitted to this socket");
}

static void test_bad_frames(void **state) {
        ZapFrame frames[ZAP_REQUEST_FRAMES + 1];
        uint8_t key[32];
        ZapAnswer a;
        zapkeys_request(frames, key, 'D', ZAP_PUBLISH);
        frames[5] = (ZapFrame){ "PLAIN", 5 };
        zap_request_answer(&keys, frames, ZAP_REQUEST_FRAMES, &a);
        assert_refused(a, "400", "not a CURVE request");
        assert_string_equal(a.public_key, "");
        zapkeys_request(frames, key, 'D', ZAP_PUBLISH);
        frames[6].size = 31;
        zap_request_answer(&keys, frames, ZAP_REQUEST_FRAMES, &a);
        assert_refused(a, "400", "not a CURVE request");
        zapkeys_request(frames, key, 'D', ZAP_PUBLISH);
        frames[0] = (ZapFrame){ "2.0", 3 };
        zap_request_answer(&keys, frames, ZAP_REQUEST_FRAMES, &a);
        assert_refused(a, "500", "malformed request");
        assert_memory_equal(a.request_id.data, "1", 1);
        /* Too few or too many frames, or none at all: nothing is read past them. */
        zapkeys_request(frames, key, 'D', ZAP_PUBLISH);
        frames[ZAP_REQUEST_FRAMES] = (ZapFrame){ "", 0 };
        const size_t counts[] = { 0, 1, 2, 6, ZAP_REQUEST_FRAMES + 1 };
        for (size_t i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
                zap_request_answer(&keys, frames, counts[i], &a);
                assert_refused(a, "500", "malformed request");
                assert_int_equal(a.request_id.size, counts[i] >= 2 ? 1 : 0);
        }
}

int main(void) {
        zapkeys_init(&keys, entries);
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_admitted),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_bad_frames),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
