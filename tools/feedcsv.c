/* feedcsv.c — the feeder's CSV: libcsv fed line by line (for line numbers), the header's columns, rows made Events. */
#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "feedcsv.h"
#include "feedkeys.h"
#include "interim.pb-c.h"
#include "interim/text.h"

typedef enum {
        COL_SITE,
        COL_SEQ,
        COL_TRIAL,
        COL_PATIENT,
        COL_TYPE,
        COL_DATE,
        COL_ARM,
        COL_STRATUM,
        COL_DETAIL,
        N_COLUMNS,
} Column;

static const char *const column_names[N_COLUMNS] = {
        "site", "seq", "trial", "patient", "type", "date", "arm", "stratum", "detail",
};

/* Whether a type of row leaves a column empty (the default), may fill it, or must. */
enum { UNUSED, OPTIONAL, REQUIRED };

typedef struct RowType {
        const char *name;
        Interim__Event__BodyCase body;
        uint8_t use[N_COLUMNS]; /* of patient, date, arm, stratum, detail; the others are always required */
} RowType;

#define FOLLOWUP [COL_PATIENT] = REQUIRED, [COL_DATE] = REQUIRED
static const RowType row_types[] = {
        { "enroll", INTERIM__EVENT__BODY_ENROLL, { FOLLOWUP, [COL_ARM] = REQUIRED, [COL_STRATUM] = OPTIONAL } },
        { "contact", INTERIM__EVENT__BODY_CONTACT, { FOLLOWUP } },
        { "progression", INTERIM__EVENT__BODY_PROGRESSION, { FOLLOWUP, [COL_DETAIL] = REQUIRED } },
        { "death", INTERIM__EVENT__BODY_DEATH, { FOLLOWUP } },
        { "withdraw", INTERIM__EVENT__BODY_WITHDRAW, { FOLLOWUP } },
        /* The daemon does not use a retraction's patient and date; they are kept when given. */
        { "retract", INTERIM__EVENT__BODY_RETRACT,
          { [COL_PATIENT] = OPTIONAL, [COL_DATE] = OPTIONAL, [COL_DETAIL] = REQUIRED } },
        { "look", INTERIM__EVENT__BODY_LOOK, { [COL_DATE] = REQUIRED, [COL_DETAIL] = OPTIONAL } },
};
#undef FOLLOWUP
#define N_ROW_TYPES (sizeof(row_types) / sizeof(*row_types))

/* The last look number of a trial in the file, for looks without one. */
typedef struct TrialLooks {
        char *trial;
        uint32_t last;
} TrialLooks;

struct FeedCsv {
        FILE *f;
        struct csv_parser parser;
        char *line; /* getline's buffer: one physical line at a time */
        size_t line_size;
        size_t line_no;
        uint64_t bytes;
        bool open;          /* a record has begun and not yet ended */
        size_t record_line; /* where it began */

        bool header_done;
        bool have[N_COLUMNS];
        Column column_of[N_COLUMNS]; /* by position in the header */

        /* The record being read: its cells as offsets into text. */
        size_t n_fields;
        size_t cell[N_COLUMNS];
        char *text;
        size_t text_len, text_size;
        bool nul; /* a cell holds a NUL byte */

        FeedRow *ready; /* rows read and not yet handed out: ready[first..n_ready) */
        size_t first, n_ready, ready_size;
        int error;      /* 0, or what feedcsv_next() returns once the rows before it are out */
        FeedRow failure; /* line and description of -EBADMSG */
        bool eof;

        TrialLooks *looks;
        size_t n_looks;
        FeedKeys keys;    /* of the rows sent */
        size_t max_bytes; /* the longest message the daemon takes */
};

int feedcsv_new(FeedCsv **ret, FILE *f, size_t max_bytes) {
        FeedCsv *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->f = f;
        c->max_bytes = max_bytes;
        if (csv_init(&c->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

void feedcsv_free(FeedCsv *c) {
        if (!c)
                return;
        csv_free(&c->parser);
        for (size_t i = c->first; i < c->n_ready; i++)
                free(c->ready[i].data);
        for (size_t i = 0; i < c->n_looks; i++)
                free(c->looks[i].trial);
        free(c->looks);
        feedkeys_clear(&c->keys);
        free(c->ready);
        free(c->text);
        free(c->line);
        free(c);
}

uint64_t feedcsv_bytes_read(const FeedCsv *c) {
        return c->bytes;
}

/* Writes a description on one line: what from the file would not print as itself is shown as '?' (text_printable()). */
static void describe(char error[static FEEDCSV_ERROR_MAX], const char *format, va_list ap) {
        vsnprintf(error, FEEDCSV_ERROR_MAX, format, ap);
        text_printable(error);
}

/* Stops reading: the rest of the file cannot be read (the first reason found is kept). */
static void fail(FeedCsv *c, size_t line, const char *format, ...) {
        if (c->error)
                return;
        c->error = -EBADMSG;
        c->failure.line = line;
        va_list ap;
        va_start(ap, format);
        describe(c->failure.error, format, ap);
        va_end(ap);
}

static void invalid(FeedRow *row, const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        describe(row->error, format, ap);
        va_end(ap);
}

/* Maps a header cell to its column.  A tenth cell is unknown or repeated, so pos < N_COLUMNS where it is kept. */
static void header_field(FeedCsv *c, size_t pos, const char *s, size_t len) {
        Column k = 0;
        while (k < N_COLUMNS && !(strlen(column_names[k]) == len && memcmp(column_names[k], s, len) == 0))
                k++;
        if (k == N_COLUMNS)
                fail(c, c->record_line,
                     "unknown column '%.*s' (the columns are site, seq, trial, patient, type, date, arm, stratum, detail)",
                     (int)(len < 64 ? len : 64), s);
        else if (c->have[k])
                fail(c, c->record_line, "column '%s' named twice", column_names[k]);
        else {
                c->have[k] = true;
                c->column_of[pos] = k;
        }
}

static void on_field(void *s, size_t len, void *data) {
        FeedCsv *c = data;
        size_t pos = c->n_fields++;
        if (c->error)
                return;
        if (!c->header_done) {
                header_field(c, pos, s, len);
                return;
        }
        if (pos >= N_COLUMNS)
                return;
        if (c->text_len + len + 1 > c->text_size) {
                size_t size = 2 * (c->text_len + len + 1);
                char *text = realloc(c->text, size);
                if (!text) {
                        c->error = -ENOMEM;
                        return;
                }
                c->text = text;
                c->text_size = size;
        }
        if (memchr(s, '\0', len))
                c->nul = true;
        c->cell[c->column_of[pos]] = c->text_len;
        memcpy(c->text + c->text_len, s, len);
        c->text_len += len;
        c->text[c->text_len++] = '\0';
}

/* Reads a whole number from 1 to max, digits only. */
static bool parse_number(const char *s, uint64_t max, uint64_t *ret) {
        if (*s < '0' || *s > '9')
                return false;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v < 1 || v > max)
                return false;
        *ret = v;
        return true;
}

/*
 * The daemon answers an event without a usable key with an empty site, an answer no
 * row could be matched to; so the key is checked here as the daemon checks it.
 */
static bool site_valid(const char *site) {
        size_t n = strlen(site);
        return n <= FEEDCSV_SITE_MAX && text_name(site, n);
}

/* The number of a look: given (from 1), or when 0, one after the trial's previous look in the file. */
static int look_number(FeedCsv *c, const char *trial, uint32_t given, uint32_t *ret) {
        size_t i = 0;
        while (i < c->n_looks && strcmp(c->looks[i].trial, trial) != 0)
                i++;
        if (i == c->n_looks) {
                TrialLooks *looks = realloc(c->looks, (c->n_looks + 1) * sizeof(*looks));
                if (!looks)
                        return -ENOMEM;
                c->looks = looks;
                looks[i] = (TrialLooks){ .trial = strdup(trial) };
                if (!looks[i].trial)
                        return -ENOMEM;
                c->n_looks++;
        }
        *ret = c->looks[i].last = given ? given : c->looks[i].last + 1;
        return 0;
}

/* A row's values read from its cells. */
typedef struct RowValues {
        const RowType *type;
        uint64_t seq;
        Interim__ProgressionKind kind; /* progression */
        uint64_t target;               /* retract */
        uint32_t look;                 /* look */
} RowValues;

/* A row's Event and the body it points to. */
typedef struct EventParts {
        Interim__Event e;
        Interim__Enroll enroll;
        Interim__Contact contact;
        Interim__Progression progression;
        Interim__Death death;
        Interim__Withdraw withdraw;
        Interim__Retract retract;
        Interim__Look look;
} EventParts;

/* Builds the Event of a row (cells v, values x) in p, pointing into v. */
static void event_fill(const char *const *v, const RowValues *x, EventParts *p) {
        *p = (EventParts){ .e = INTERIM__EVENT__INIT,
                           .enroll = INTERIM__ENROLL__INIT,
                           .contact = INTERIM__CONTACT__INIT,
                           .progression = INTERIM__PROGRESSION__INIT,
                           .death = INTERIM__DEATH__INIT,
                           .withdraw = INTERIM__WITHDRAW__INIT,
                           .retract = INTERIM__RETRACT__INIT,
                           .look = INTERIM__LOOK__INIT };
        Interim__Event *e = &p->e;
        e->trial = (char *)v[COL_TRIAL];
        e->site = (char *)v[COL_SITE];
        e->site_seq = x->seq;
        e->patient = (char *)v[COL_PATIENT];
        e->date = (char *)v[COL_DATE];
        e->body_case = x->type->body;
        switch (x->type->body) {
        case INTERIM__EVENT__BODY_ENROLL:
                p->enroll.arm = (char *)v[COL_ARM];
                p->enroll.stratum = (char *)v[COL_STRATUM];
                e->enroll = &p->enroll;
                break;
        case INTERIM__EVENT__BODY_CONTACT:
                e->contact = &p->contact;
                break;
        case INTERIM__EVENT__BODY_PROGRESSION:
                p->progression.kind = x->kind;
                e->progression = &p->progression;
                break;
        case INTERIM__EVENT__BODY_DEATH:
                e->death = &p->death;
                break;
        case INTERIM__EVENT__BODY_WITHDRAW:
                e->withdraw = &p->withdraw;
                break;
        case INTERIM__EVENT__BODY_RETRACT:
                p->retract.site_seq = x->target;
                e->retract = &p->retract;
                break;
        default:
                p->look.look = x->look;
                e->look = &p->look;
                break;
        }
}

/* Checks a row's cells (v, by column).  Returns 1 and its values, 0 (invalid: the reason in row), or -ENOMEM. */
static int check(FeedCsv *c, const char *const *v, FeedRow *row, RowValues *ret) {
        static const Column always[] = { COL_SITE, COL_SEQ, COL_TRIAL, COL_TYPE };
        for (size_t i = 0; i < sizeof(always) / sizeof(*always); i++)
                if (!v[always[i]][0]) {
                        invalid(row, "missing %s", column_names[always[i]]);
                        return 0;
                }
        if (!site_valid(v[COL_SITE])) {
                invalid(row, "bad site '%.64s': 1 to %d bytes of UTF-8 without blanks, control or format characters", v[COL_SITE],
                        FEEDCSV_SITE_MAX);
                return 0;
        }
        *ret = (RowValues){ 0 };
        if (!parse_number(v[COL_SEQ], INT64_MAX, &ret->seq)) {
                invalid(row, "bad seq '%.32s': expected a whole number from 1 to %" PRId64, v[COL_SEQ], INT64_MAX);
                return 0;
        }
        const RowType *t = row_types;
        while (t < row_types + N_ROW_TYPES && strcmp(t->name, v[COL_TYPE]) != 0)
                t++;
        if (t == row_types + N_ROW_TYPES) {
                invalid(row, "unknown type '%.32s' (expected enroll, contact, progression, death, withdraw, retract or look)",
                        v[COL_TYPE]);
                return 0;
        }
        ret->type = t;
        for (Column k = COL_PATIENT; k < N_COLUMNS; k++) {
                if (k == COL_TYPE)
                        continue;
                if (t->use[k] == REQUIRED && !v[k][0]) {
                        invalid(row, "missing %s for %s", column_names[k], t->name);
                        return 0;
                }
                if (t->use[k] == UNUSED && v[k][0]) {
                        invalid(row, "%s '%.32s' does not belong in a %s row", column_names[k], v[k], t->name);
                        return 0;
                }
        }
        const char *detail = v[COL_DETAIL];
        uint64_t look = 0;
        switch (t->body) {
        case INTERIM__EVENT__BODY_PROGRESSION:
                ret->kind = strcmp(detail, "locoregional") == 0 ? INTERIM__PROGRESSION_KIND__LOCOREGIONAL
                            : strcmp(detail, "distant") == 0    ? INTERIM__PROGRESSION_KIND__DISTANT
                                                                : INTERIM__PROGRESSION_KIND__PROGRESSION_UNSPECIFIED;
                if (!ret->kind) {
                        invalid(row, "bad progression kind '%.32s': expected locoregional or distant", detail);
                        return 0;
                }
                break;
        case INTERIM__EVENT__BODY_RETRACT:
                if (!parse_number(detail, INT64_MAX, &ret->target)) {
                        invalid(row, "bad seq to retract '%.32s': expected a whole number from 1 to %" PRId64, detail,
                                INT64_MAX);
                        return 0;
                }
                break;
        case INTERIM__EVENT__BODY_LOOK:
                if (detail[0] && !parse_number(detail, UINT32_MAX, &look)) {
                        invalid(row, "bad look number '%.32s': expected a whole number from 1 to %" PRIu32, detail,
                                UINT32_MAX);
                        return 0;
                }
                break;
        default:
                break;
        }
        /*
         * The daemon's socket drops a longer message with the connection, and the
         * acknowledgements on it.  A look numbered here is counted with the longest number.
         */
        RowValues sized = *ret;
        if (t->body == INTERIM__EVENT__BODY_LOOK)
                sized.look = look ? (uint32_t)look : UINT32_MAX;
        EventParts parts;
        event_fill(v, &sized, &parts);
        size_t len = interim__event__get_packed_size(&parts.e);
        if (len > c->max_bytes) {
                invalid(row, "the event is %zu bytes encoded, more than the %zu the daemon takes (--max-bytes)", len,
                        c->max_bytes);
                return 0;
        }
        /* The daemon answers a key once: a second event under it would come back as the first one's duplicate. */
        size_t earlier;
        int r = feedkeys_take(&c->keys, v[COL_SITE], ret->seq, row->line, &earlier);
        if (r == 0)
                invalid(row, "seq %" PRIu64 " of site %s is already line %zu's: each event needs its own seq", ret->seq,
                        v[COL_SITE], earlier);
        if (r <= 0)
                return r;
        if (t->body == INTERIM__EVENT__BODY_LOOK)
                return look_number(c, v[COL_TRIAL], (uint32_t)look, &ret->look) < 0 ? -ENOMEM : 1;
        return 1;
}

/* Encodes a checked row's Event into row; returns 0 or -ENOMEM. */
static int encode(const char *const *v, const RowValues *x, FeedRow *row) {
        EventParts p;
        event_fill(v, x, &p);
        row->len = interim__event__get_packed_size(&p.e);
        row->data = malloc(row->len);
        if (!row->data)
                return -ENOMEM;
        interim__event__pack(&p.e, row->data);
        snprintf(row->site, sizeof(row->site), "%s", v[COL_SITE]);
        row->seq = x->seq;
        return 0;
}

/* A data record has ended: queue it as a row. */
static void record_row(FeedCsv *c) {
        if (c->n_ready == c->ready_size) {
                size_t size = c->ready_size ? 2 * c->ready_size : 16;
                FeedRow *ready = realloc(c->ready, size * sizeof(*ready));
                if (!ready) {
                        c->error = -ENOMEM;
                        return;
                }
                c->ready = ready;
                c->ready_size = size;
        }
        FeedRow *row = &c->ready[c->n_ready++];
        *row = (FeedRow){ .line = c->record_line };
        if (c->n_fields != N_COLUMNS)
                invalid(row, "%zu fields where the header has %d", c->n_fields, N_COLUMNS);
        else if (c->nul)
                invalid(row, "a field holds a NUL byte");
        else {
                const char *v[N_COLUMNS];
                Column bad = N_COLUMNS;
                for (Column k = 0; k < N_COLUMNS; k++)
                        if (!text_utf8(v[k] = c->text + c->cell[k]) && bad == N_COLUMNS)
                                bad = k;
                RowValues x;
                /* An Event's texts are protobuf strings: UTF-8. */
                int r = 0;
                if (bad < N_COLUMNS)
                        invalid(row, "%s is not UTF-8", column_names[bad]);
                else
                        r = check(c, v, row, &x);
                if (r > 0)
                        r = encode(v, &x, row);
                if (r < 0) {
                        c->error = -ENOMEM;
                        c->n_ready--;
                }
        }
}

static void on_record(int terminator, void *data) {
        FeedCsv *c = data;
        if (!c->error && !c->header_done) {
                for (Column k = 0; k < N_COLUMNS; k++)
                        if (!c->have[k])
                                fail(c, c->record_line, "no column '%s' in the header", column_names[k]);
                c->header_done = true;
        } else if (!c->error)
                record_row(c);
        c->open = false;
        c->n_fields = 0;
        c->text_len = 0;
        c->nul = false;
}

/* Whether a line holds anything but blanks and line ends: libcsv skips lines that do not. */
static bool has_content(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
                        return true;
        return false;
}

/*
 * Parses one more physical line.  libcsv does not count lines, so it is given one
 * at a time: a record begins on the first line with content after the previous
 * record ended (a quoted field may carry it over several lines).
 */
static void read_line(FeedCsv *c) {
        errno = 0;
        ssize_t n = getline(&c->line, &c->line_size, c->f);
        if (n < 0) {
                if (!feof(c->f))
                        c->error = errno ? -errno : -EIO;
                else if (csv_fini(&c->parser, on_field, on_record, c) != 0)
                        fail(c, c->record_line, "a quoted field is not closed at the end of the file");
                else if (!c->header_done)
                        fail(c, 1, "no header line");
                c->eof = true;
                return;
        }
        const char *s = c->line;
        c->bytes += (uint64_t)n;
        if (++c->line_no == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
                s += 3;
                n -= 3;
        }
        if (!c->open && has_content(s, (size_t)n)) {
                c->open = true;
                c->record_line = c->line_no;
        }
        if (csv_parse(&c->parser, s, (size_t)n, on_field, on_record, c) != (size_t)n) {
                if (csv_error(&c->parser) == CSV_EPARSE)
                        fail(c, c->line_no, "bad quoting: a quote inside an unquoted field, or text after a closing quote; "
                             "the rest of the file is not read");
                else
                        c->error = -ENOMEM;
        }
}

int feedcsv_next(FeedCsv *c, FeedRow *ret) {
        while (c->first == c->n_ready && !c->error && !c->eof)
                read_line(c);
        if (c->first < c->n_ready) {
                *ret = c->ready[c->first++];
                if (c->first == c->n_ready)
                        c->first = c->n_ready = 0;
                return 1;
        }
        if (c->error == -EBADMSG)
                *ret = c->failure;
        return c->error;
}
