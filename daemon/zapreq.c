/* zapreq.c — one ZAP request's answer: the frames checked, the key looked up, its role matched to the socket's domain. */
#include <stdbool.h>
#include <string.h>
#include <zmq.h>

#include "zap.h"
#include "zapreq.h"

/* Whether a role may use the sockets of a domain. */
static bool role_admitted(const char *role, const char *domain) {
        RoleKind kind = role_kind(role);
        if (strcmp(domain, ZAP_INGEST) == 0)
                return kind == ROLE_SITE;
        if (strcmp(domain, ZAP_PUBLISH) == 0)
                return kind == ROLE_DSMB;
        if (strcmp(domain, ZAP_PUBLISH_OPEN) == 0)
                return kind == ROLE_SITE || kind == ROLE_DSMB || kind == ROLE_OPEN;
        if (strcmp(domain, ZAP_SNAPSHOT) == 0)
                return kind == ROLE_DSMB || kind == ROLE_OPEN;
        return false;
}

static bool frame_is(const ZapFrame *f, const char *text) {
        return f->size == strlen(text) && memcmp(f->data, text, f->size) == 0;
}

/* Writes the one metadata property Key-Name = name. */
static size_t metadata_write(uint8_t *out, const char *name) {
        size_t len = strlen(name), n = 0;
        out[n++] = 8;
        memcpy(out + n, "Key-Name", 8);
        n += 8;
        for (int i = 3; i >= 0; i--)
                out[n++] = (uint8_t)(len >> (8 * i));
        memcpy(out + n, name, len);
        return n + len;
}

void zap_request_answer(const Keys *keys, const ZapFrame *frames, size_t n, ZapAnswer *ret) {
        *ret = (ZapAnswer){ .request_id = { "", 0 }, .status = "400", .user_id = "" };
        if (n >= 2)
                ret->request_id = frames[1];
        if (n != ZAP_REQUEST_FRAMES || !frame_is(&frames[0], "1.0")) {
                ret->status = "500";
                ret->text = "malformed request";
                return;
        }
        if (frames[2].size < sizeof(ret->domain) && !memchr(frames[2].data, '\0', frames[2].size))
                memcpy(ret->domain, frames[2].data, frames[2].size);
        if (!frame_is(&frames[5], "CURVE") || frames[6].size != 32) {
                ret->text = "not a CURVE request";
                return;
        }
        zmq_z85_encode(ret->public_key, frames[6].data, 32);
        const struct KeyEntry *key = keys_find(keys, ret->public_key);
        if (!key) {
                ret->text = "unknown key";
                return;
        }
        if (!role_admitted(key->file.role, ret->domain)) {
                ret->text = "role not admitted to this socket";
                return;
        }
        ret->status = "200";
        ret->text = "OK";
        ret->user_id = key->file.role;
        ret->metadata_size = metadata_write(ret->metadata, key->name);
}
