/* watchjson.c — protobuf-c messages to JSON by walking their descriptors: one rule per field type, none per field. */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "watchjson.h"

static json_t *message_json(const ProtobufCMessage *m);

/* The size of one element of a repeated field, or 0 for a type the wire does not use. */
static size_t element_size(ProtobufCType type) {
        switch (type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_UINT32:
                return 4;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_DOUBLE:
                return 8;
        case PROTOBUF_C_TYPE_BOOL:
                return sizeof(protobuf_c_boolean);
        case PROTOBUF_C_TYPE_STRING:
        case PROTOBUF_C_TYPE_MESSAGE:
                return sizeof(void *);
        default:
                return 0;
        }
}

/* One value of field fd stored at p; NULL when out of memory or of a type the wire does not use. */
static json_t *value_json(const ProtobufCFieldDescriptor *fd, const void *p) {
        switch (fd->type) {
        case PROTOBUF_C_TYPE_INT32:
                return json_integer(*(const int32_t *)p);
        case PROTOBUF_C_TYPE_UINT32:
                return json_integer(*(const uint32_t *)p);
        case PROTOBUF_C_TYPE_INT64:
                return json_integer(*(const int64_t *)p);
        case PROTOBUF_C_TYPE_UINT64:
                /* Sequence numbers and counts: far below 2^63. */
                return json_integer((json_int_t) * (const uint64_t *)p);
        case PROTOBUF_C_TYPE_DOUBLE: {
                double v = *(const double *)p;
                return isfinite(v) ? json_real(v) : json_null();
        }
        case PROTOBUF_C_TYPE_BOOL:
                return json_boolean(*(const protobuf_c_boolean *)p);
        case PROTOBUF_C_TYPE_STRING:
                return json_string(*(char *const *)p);
        case PROTOBUF_C_TYPE_MESSAGE:
                return message_json(*(const ProtobufCMessage *const *)p);
        default:
                return NULL;
        }
}

static json_t *repeated_json(const ProtobufCFieldDescriptor *fd, const uint8_t *items, size_t n) {
        size_t size = element_size(fd->type);
        json_t *a = size ? json_array() : NULL;
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, value_json(fd, items + i * size)) < 0) {
                        json_decref(a);
                        a = NULL;
                }
        return a;
}

/* Sets the JSON of field fd of message base in o; an absent block adds nothing.  Returns 0 or -ENOMEM. */
static int field_json(const ProtobufCFieldDescriptor *fd, const uint8_t *base, json_t *o) {
        const void *p = base + fd->offset;
        json_t *v;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED)
                v = repeated_json(fd, *(const uint8_t *const *)p, *(const size_t *)(base + fd->quantifier_offset));
        else if (fd->type == PROTOBUF_C_TYPE_MESSAGE && !*(const void *const *)p)
                return 0;
        else if (fd->type == PROTOBUF_C_TYPE_STRING && !*(const void *const *)p)
                v = json_null();
        else if (fd->label == PROTOBUF_C_LABEL_OPTIONAL && fd->quantifier_offset &&
                 !*(const protobuf_c_boolean *)(base + fd->quantifier_offset))
                v = json_null();
        else
                v = value_json(fd, p);
        return v && json_object_set_new(o, fd->name, v) == 0 ? 0 : -ENOMEM;
}

static json_t *message_json(const ProtobufCMessage *m) {
        const ProtobufCMessageDescriptor *d = m->descriptor;
        json_t *o = json_object();
        for (unsigned i = 0; o && i < d->n_fields; i++)
                if (field_json(&d->fields[i], (const uint8_t *)m, o) < 0) {
                        json_decref(o);
                        o = NULL;
                }
        return o;
}

json_t *watchjson_statistics(const Interim__Statistics *s) {
        return message_json(&s->base);
}

int watchjson_print(FILE *f, const Interim__Statistics *s) {
        json_t *j = watchjson_statistics(s);
        if (!j)
                return -ENOMEM;
        int r = json_dumpf(j, f, WATCHJSON_FLAGS) == 0 && fputc('\n', f) != EOF ? 0 : -EIO;
        json_decref(j);
        return r;
}
