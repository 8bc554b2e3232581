/* wire.c — a walk over a protobuf message's encoded fields (wire types of proto3), looking into its strings. */
#include <string.h>

#include "wire.h"

/* Reads a varint at *p, before end; returns whether there was one. */
static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *ret) {
        uint64_t v = 0;
        for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
                uint8_t b = *(*p)++;
                v |= (uint64_t)(b & 0x7f) << shift;
                if (!(b & 0x80)) {
                        *ret = v;
                        return true;
                }
        }
        return false;
}

bool wire_strings_whole(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len) {
        const uint8_t *p = data, *end = data + len;
        while (p < end) {
                uint64_t key, n;
                if (!varint(&p, end, &key))
                        return false;
                switch (key & 7) {
                case PROTOBUF_C_WIRE_TYPE_VARINT:
                        if (!varint(&p, end, &n))
                                return false;
                        break;
                case PROTOBUF_C_WIRE_TYPE_64BIT:
                        if (end - p < 8)
                                return false;
                        p += 8;
                        break;
                case PROTOBUF_C_WIRE_TYPE_32BIT:
                        if (end - p < 4)
                                return false;
                        p += 4;
                        break;
                case PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED: {
                        if (!varint(&p, end, &n) || n > (uint64_t)(end - p))
                                return false;
                        /* Fields the schema does not know are kept as bytes: only its own are looked into. */
                        const ProtobufCFieldDescriptor *f =
                                key >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3)) : NULL;
                        if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p, 0, n))
                                return false;
                        if (f && f->type == PROTOBUF_C_TYPE_MESSAGE && !wire_strings_whole(f->descriptor, p, n))
                                return false;
                        p += n;
                        break;
                }
                default: /* groups, which proto3 does not have */
                        return false;
                }
        }
        return true;
}
