/* wire.h — what protobuf-c's decoding lets through: a NUL inside a string field, where its C strings end early. */
#pragma once

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether no string field of the encoded message (len bytes at data, of type d, its
 * messages' fields included) holds a NUL byte.  protobuf-c decodes a string into a
 * NUL-terminated copy, so "P1\0x" would read as "P1": another identifier than the one
 * sent.  Meant for a message protobuf-c decoded; anything it cannot walk is not whole.
 */
bool wire_strings_whole(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len);
