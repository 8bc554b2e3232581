/* arena.c — a bump allocator for protobuf-c, falling back to malloc for what does not fit. */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>

#include "arena.h"

static void *arena_alloc(void *data, size_t n) {
        Arena *a = data;
        size_t rounded = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
        if (rounded >= n && a->size - a->used >= rounded) {
                void *p = a->buf + a->used;
                a->used += rounded;
                return p;
        }
        a->spilled++;
        return malloc(n);
}

static void arena_release(void *data, void *p) {
        Arena *a = data;
        if ((uint8_t *)p < a->buf || (uint8_t *)p >= a->buf + a->size)
                free(p);
}

void arena_init(Arena *a, void *buf, size_t size) {
        *a = (Arena){ .allocator = { .alloc = arena_alloc, .free = arena_release, .allocator_data = a },
                      .buf = buf, .size = size };
}

void arena_free_message(Arena *a, ProtobufCMessage *m) {
        /* Only what came from malloc needs a walk of the message. */
        if (m && a->spilled > 0)
                protobuf_c_message_free_unpacked(m, &a->allocator);
        a->used = 0;
        a->spilled = 0;
}
