/* zapkeys.h — a ZAP key set without files for the tests and the fuzz target: each public key is 32 bytes of one letter. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "keys.h"
#include "zapreq.h"

#define ZAPKEYS_N 3

/* The authorized keys: the letter of their bytes, name and role.  Keys of other letters are nobody's. */
static const struct ZapKey {
        char letter;
        const char *name, *role;
} zapkeys[ZAPKEYS_N] = {
        { 'S', "site1", "site:S01" },
        { 'D', "dsmb", "dsmb" },
        { 'O', "open", "open" },
};

/* Makes keys the set, in entries. */
static inline void zapkeys_init(Keys *keys, struct KeyEntry entries[ZAPKEYS_N]) {
        for (size_t i = 0; i < ZAPKEYS_N; i++) {
                uint8_t key[32];
                memset(key, zapkeys[i].letter, sizeof(key));
                entries[i] = (struct KeyEntry){ 0 };
                snprintf(entries[i].name, sizeof(entries[i].name), "%s", zapkeys[i].name);
                snprintf(entries[i].file.role, sizeof(entries[i].file.role), "%s", zapkeys[i].role);
                zmq_z85_encode(entries[i].file.public_key, key, sizeof(key));
        }
        *keys = (Keys){ .n = ZAPKEYS_N, .keys = entries };
}

/* Fills frames with the CURVE request libzmq sends for the key of letter on domain's socket; key holds the key's bytes. */
static inline void zapkeys_request(ZapFrame frames[ZAP_REQUEST_FRAMES], uint8_t key[32], char letter, const char *domain) {
        memset(key, letter, 32);
        const ZapFrame f[ZAP_REQUEST_FRAMES] = {
                { "1.0", 3 }, { "1", 1 }, { domain, strlen(domain) }, { "", 0 }, { "", 0 }, { "CURVE", 5 }, { key, 32 },
        };
        memcpy(frames, f, sizeof(f));
}
