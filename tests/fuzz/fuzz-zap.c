/* fuzz-zap.c — libFuzzer target: ZAP requests answered by the daemon's own decision, against a fixed key set. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "zapkeys.h"
#include "zapreq.h"

/*
 * An input is a request's frames, each a 2-byte big-endian length and that many bytes
 * (the last one takes what is left), answered against the keys of zapkeys.h.
 *
 * Besides the sanitizers, the answer is checked: "500" exactly when the frames are no
 * ZAP 1.0 request, its request id echoed; "200" only for an authorized key's CURVE
 * request, with that key's role as User-Id and its name as the one metadata property;
 * a refusal carries neither.
 */

#define FRAMES_MAX 16

static Keys keys;
static struct KeyEntry entries[ZAPKEYS_N];

static void fail(const char *what) {
        fprintf(stderr, "fuzz-zap: %s\n", what);
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        zapkeys_init(&keys, entries);
        return 0;
}

static bool frame_is(const ZapFrame *f, const char *text) {
        return f->size == strlen(text) && memcmp(f->data, text, f->size) == 0;
}

static void check_admitted(const ZapAnswer *a, const ZapFrame *frames) {
        const struct KeyEntry *key = keys_find(&keys, a->public_key);
        if (!key || !frame_is(&frames[5], "CURVE") || frames[6].size != 32)
                fail("admitted without an authorized CURVE key");
        if (strcmp(a->user_id, key->file.role) != 0)
                fail("the User-Id is not the key's role");
        size_t len = strlen(key->name);
        const uint8_t *m = a->metadata;
        if (a->metadata_size != 1 + 8 + 4 + len || m[0] != 8 || memcmp(m + 1, "Key-Name", 8) != 0 ||
            ((size_t)m[9] << 24 | (size_t)m[10] << 16 | (size_t)m[11] << 8 | m[12]) != len || memcmp(m + 13, key->name, len) != 0)
                fail("the metadata is not Key-Name = the key's name");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ZapFrame frames[FRAMES_MAX] = { 0 };
        size_t n = 0;
        while (size >= 2 && n < FRAMES_MAX) {
                size_t len = (size_t)data[0] << 8 | data[1];
                data += 2;
                size -= 2;
                if (len > size)
                        len = size;
                frames[n++] = (ZapFrame){ data, len };
                data += len;
                size -= len;
        }
        ZapAnswer a;
        zap_request_answer(&keys, frames, n, &a);
        bool request = n == ZAP_REQUEST_FRAMES && frame_is(&frames[0], "1.0");
        if ((strcmp(a.status, "500") == 0) == request)
                fail("500 for a request, or another status for frames that are none");
        if (n >= 2 ? a.request_id.data != frames[1].data || a.request_id.size != frames[1].size : a.request_id.size != 0)
                fail("the request id is not echoed");
        if (strcmp(a.status, "200") == 0)
                check_admitted(&a, frames);
        else if (a.user_id[0] || a.metadata_size)
                fail("a refusal with a User-Id or metadata");
        if (strlen(a.text) == 0)
                fail("an answer without a reason");
        return 0;
}
