/* config-internal.h — what config.c and config-values.c share: the state of a file's reading and its error reports. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

/* The kind of section the lines being read are in. */
typedef enum {
        SECTION_NONE,
        SECTION_DAEMON,
        SECTION_TRIAL,
        SECTION_ENDPOINT,
        SECTION_DESIGN,
} SectionKind;

/* What the final checks need to know about a trial beyond its TrialConfig: where things were said. */
typedef struct TrialLines {
        unsigned header;
        unsigned stratified; /* 0: stratified not given */
        unsigned endpoints[TRIAL_MAX_ENDPOINTS];
        unsigned design;
        unsigned design_endpoint;
        unsigned futility;
        char *design_endpoint_name;
        bool has_planned_events, has_hazard_ratio;
} TrialLines;

/* The state of one file's reading, and its first error. */
typedef struct Parser {
        const char *path;
        FILE *file;
        unsigned line;     /* the line inih is handling */
        char *error;       /* the first error; parsing stops there */
        bool out_of_memory;
        Config *config;
        TrialLines *lines; /* [config->n_trials] */
        unsigned daemon_line;
        SectionKind section;
        char section_name[256]; /* "trial GBSG", for messages */
        size_t trial;           /* of the current trial, endpoint or design section */
        size_t endpoint;
        uint32_t seen;          /* keys of the current section already given */
} Parser;

/* Whether reading stops: an error recorded, or memory ran out. */
static inline bool stopped(const Parser *p) {
        return p->error || p->out_of_memory;
}

/* Records the first error: "PATH:LINE: reason", or "PATH: reason" for line 0. */
__attribute__((format(printf, 3, 4))) static inline void fail(Parser *p, unsigned line, const char *fmt, ...) {
        if (stopped(p))
                return;
        char reason[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        int r = line ? asprintf(&p->error, "%s:%u: %s", p->path, line, reason)
                     : asprintf(&p->error, "%s: %s", p->path, reason);
        if (r < 0) {
                p->error = NULL;
                p->out_of_memory = true;
        }
}

/* Records "bad value 'VALUE' for KEY: expected EXPECTED" at the current line. */
static inline void bad_value(Parser *p, const char *key, const char *value, const char *expected) {
        fail(p, p->line, "bad value '%s' for %s: expected %s", value, key, expected);
}

/* A copy of s, or NULL with out_of_memory set. */
static inline char *dup_or_fail(Parser *p, const char *s) {
        char *d = strdup(s);
        if (!d)
                p->out_of_memory = true;
        return d;
}
