/* zapreq.h — the answer to one ZAP request (RFC 27), decided from its frames and the authorized keys alone. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

/* The frames of a ZAP request: version, request id, domain, address, identity, mechanism, credentials. */
#define ZAP_REQUEST_FRAMES 7

/* ZMTP metadata of an admitted key: name length (1 byte), "Key-Name", value length (4 bytes), the name. */
#define ZAP_METADATA_MAX (1 + 8 + 4 + sizeof(((struct KeyEntry *)0)->name))

/* One frame of a request: bytes that are not NUL-terminated. */
typedef struct ZapFrame {
        const void *data;
        size_t size;
} ZapFrame;

/* What to reply, and what to log when the key is refused. */
typedef struct ZapAnswer {
        ZapFrame request_id;   /* the request's own, echoed; empty when it has none */
        const char *status;    /* "200" admitted, "400" refused, "500" not a ZAP request */
        const char *text;      /* why, for the reply and the log */
        const char *user_id;   /* the admitted key's role, else "" */
        uint8_t metadata[ZAP_METADATA_MAX];
        size_t metadata_size;  /* 0 when refused */
        char domain[32];       /* the socket's domain, "" when unreadable */
        char public_key[KEY_Z85_LEN + 1]; /* the client's key (Z85), "" when there is none */
} ZapAnswer;

/*
 * Decides a request of n frames (all it had, even past the seven of a request) against
 * keys: a CURVE client whose key is in keys and whose role may use the domain's sockets
 * is admitted (status "200", its role as User-Id, its name as metadata Key-Name); any
 * other is refused ("400"), and frames that are no ZAP 1.0 request get "500".  The answer
 * points into frames and keys.
 */
void zap_request_answer(const Keys *keys, const ZapFrame *frames, size_t n, ZapAnswer *ret);
