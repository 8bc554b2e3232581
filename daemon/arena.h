/* arena.h — protobuf-c's allocator over a caller's buffer: a message that fits is unpacked without malloc and freed by forgetting it. */
#pragma once

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Arena {
        ProtobufCAllocator allocator; /* what to hand protobuf-c's unpack and free_unpacked */
        uint8_t *buf;
        size_t size, used;
        size_t spilled; /* allocations that did not fit, taken from malloc */
} Arena;

/* Makes an arena over the size bytes at buf (which should be aligned for any object). */
void arena_init(Arena *a, void *buf, size_t size);

/* Frees message m (NULL accepted), unpacked with a's allocator, and empties the arena for the next one. */
void arena_free_message(Arena *a, ProtobufCMessage *m);
