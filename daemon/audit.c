/* audit.c — the audit trail read back from a stopped daemon's store: --verify and --export. */
#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "interim.pb-c.h"
#include "store.h"

/* Opens an existing store for reading it back: none is made where there is none, nor of an empty file. */
static int open_existing(Store **ret, const char *state_dir, char **ret_error) {
        char path[4096];
        *ret_error = NULL;
        if ((size_t)snprintf(path, sizeof(path), "%s/interimd.db", state_dir) >= sizeof(path))
                return -ENAMETOOLONG;
        if (access(path, R_OK) < 0) {
                int r = -errno;
                if (asprintf(ret_error, "store %s: %s", state_dir, strerror(errno)) < 0)
                        *ret_error = NULL;
                return r;
        }
        return store_open(ret, state_dir, ret_error);
}

int audit_verify_store(Store *s, const char *label, FILE *out, char **ret_error) {
        const char *table = NULL;
        int64_t row = 0, n_events;
        uint8_t hash[STORE_HASH_BYTES];
        *ret_error = NULL;
        int r = store_verify(s, &table, &row);
        if (r == -EBADMSG)
                fprintf(out, "%s: table %s, row %" PRId64 ", does not verify\n", label, table, row);
        else if (r == 0) {
                store_head(s, &n_events, hash);
                fprintf(out, "%s: %" PRId64 " events, %" PRId64 " rejections and %" PRId64 " arm-level snapshots verified\n",
                        label, n_events, store_rejections(s), store_disclosures(s));
        } else if (asprintf(ret_error, "store %s: %s", label, store_error(s)) < 0)
                *ret_error = NULL;
        return r;
}

int audit_verify(const char *state_dir, FILE *out, char **ret_error) {
        Store *s = NULL;
        int r = open_existing(&s, state_dir, ret_error);
        if (r == 0)
                r = audit_verify_store(s, state_dir, out, ret_error);
        store_free(s);
        return r;
}

/* ---- export ---- */

static const char *const export_header[] = {
        "server_time", "sender", "status", "store_seq", "reject_seq", "trial", "site", "site_seq",
        "patient", "kind", "date", "retracts", "reason", "text",
};
#define N_COLUMNS (sizeof(export_header) / sizeof(*export_header))

typedef struct Export {
        const char *trial;
        FILE *out;
} Export;

/* One CSV line of N_COLUMNS fields; NULL fields are empty. */
static int write_line(FILE *out, const char *const fields[N_COLUMNS]) {
        for (size_t i = 0; i < N_COLUMNS; i++) {
                if (i > 0 && fputc(',', out) == EOF)
                        return -EIO;
                const char *f = fields[i] ? fields[i] : "";
                if (csv_fwrite(out, f, strlen(f)) < 0)
                        return -EIO;
        }
        return fputc('\n', out) == EOF ? -EIO : 0;
}

/* Microseconds since 1970 as 2026-01-02T03:04:05.678901Z. */
static void format_time(int64_t usec, char buf[32]) {
        time_t sec = (time_t)(usec / 1000000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, 32 - n, ".%06dZ", (int)(usec % 1000000));
}

static const char *reason_name(int reason) {
        const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&interim__reason__descriptor, reason);
        return v ? v->name : "";
}

static int export_row(const StoreEvent *e, const StoreRejection *j, void *userdata) {
        Export *x = userdata;
        const char *trial = e ? e->trial : j->trial;
        if (!trial || strcmp(trial, x->trial) != 0)
                return 0;
        char time[32], seq[24], site_seq[24], retracts[24] = "";
        const char *fields[N_COLUMNS] = { time };
        format_time(e ? e->server_time : j->server_time, time);
        fields[1] = e ? e->sender : j->sender;
        fields[5] = trial;
        if (e) {
                snprintf(seq, sizeof(seq), "%" PRId64, e->store_seq);
                snprintf(site_seq, sizeof(site_seq), "%" PRId64, e->site_seq);
                if (e->retracts)
                        snprintf(retracts, sizeof(retracts), "%" PRId64, e->retracts);
                fields[2] = e->retracted ? "retracted" : "accepted";
                fields[3] = seq;
                fields[6] = e->site;
                fields[7] = site_seq;
                fields[8] = e->patient;
                fields[9] = e->kind;
                fields[10] = e->date;
                fields[11] = retracts;
        } else {
                snprintf(seq, sizeof(seq), "%" PRId64, j->reject_seq);
                snprintf(site_seq, sizeof(site_seq), "%" PRId64, j->site_seq);
                fields[2] = "rejected";
                fields[4] = seq;
                fields[6] = j->site;
                fields[7] = j->site ? site_seq : NULL;
                fields[12] = reason_name(j->reason);
                fields[13] = j->text;
        }
        return write_line(x->out, fields);
}

int audit_export(const char *state_dir, const char *trial, FILE *out, char **ret_error) {
        Store *s = NULL;
        int r = open_existing(&s, state_dir, ret_error);
        if (r < 0)
                return r;
        Export x = { .trial = trial, .out = out };
        r = write_line(out, export_header);
        if (r == 0)
                r = store_each_record(s, export_row, &x);
        if (r == 0 && fflush(out) == EOF)
                r = -EIO;
        if (r < 0 && r != -EIO && asprintf(ret_error, "store %s: %s", state_dir, store_error(s)) < 0)
                *ret_error = NULL;
        store_free(s);
        return r;
}
