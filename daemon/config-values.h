/* config-values.h — the values of the configuration's keys read and checked; a bad one is reported into the Parser. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config-internal.h"

/* Longest name of a trial, arm, stratum or endpoint. */
#define NAME_MAX_LEN 64

/* Longest day count accepted for landmarks and the RMST horizon: about 270 years. */
#define DAYS_MAX 100000

/* A name goes into topics and onto the wire: UTF-8, nothing blank or invisible, none of the list's and sections' marks. */
bool config_name_valid(const char *s, size_t n);

/*
 * Calls item(p, text, len, data) for each comma-separated item with blanks around it
 * trimmed; stops at the first that returns false.  Returns whether all returned true.
 */
bool config_split_list(Parser *p, const char *value, bool (*item)(Parser *, const char *, size_t, void *),
                       void *data);

/*
 * Reads key's value as at least min comma-separated names, each given once, into a new
 * array *ret (the caller frees each name and the array) of *ret_n.  Returns false if
 * it is not (reported) or out of memory.
 */
bool config_parse_names(Parser *p, const char *key, const char *value, size_t min, char ***ret, size_t *ret_n);

/* Reads a finite decimal number (no blanks before it, nothing after).  Returns false if s is not one. */
bool config_parse_number(const char *s, double *ret);

/* Reads an integer in [min, max], or reports the key's expectation. */
bool config_parse_count(Parser *p, const char *key, const char *value, uint64_t min, uint64_t max,
                        const char *expected, uint64_t *ret);

/* Reads a number in (lo, hi), or reports the key's expectation. */
bool config_parse_open_range(Parser *p, const char *key, const char *value, double lo, double hi,
                             const char *expected, double *ret);

/* Reads "yes" or "true", "no" or "false".  Returns false (reported) for anything else. */
bool config_parse_bool(Parser *p, const char *key, const char *value, bool *ret);

/* Index of value among the words (a NULL-terminated list), or reports the expectation. */
bool config_parse_choice(Parser *p, const char *key, const char *value, const char *const *words,
                         const char *expected, int *ret);

/* The landmarks being read, for config_day_item(). */
typedef struct DayList {
        const char *value;
        ReportOptions *report;
} DayList;

/* A config_split_list() item of landmarks: a day above the last, appended to the report of data (a DayList).  Returns false (reported) if not. */
bool config_day_item(Parser *p, const char *s, size_t len, void *data);

/* The names of the event kinds an endpoint may count, by EventKind (NULL for the others). */
extern const char *const config_kind_names[EVENT_KINDS];

/* The event kinds being read, for config_kind_item(). */
typedef struct KindList {
        const char *key;
        const char *value;
        uint32_t bits;
} KindList;

/*
 * A config_split_list() item of event kinds: a config_kind_names name or "progression" (both), added
 * to the bits of data (a KindList).  Returns false (reported) for another word.
 */
bool config_kind_item(Parser *p, const char *s, size_t len, void *data);

/* Reads "obf", "pocock", "hsd:GAMMA" or "kd:RHO" (with "none" and "z:Z" when futility is set) into d. */
bool config_parse_spending(Parser *p, const char *key, const char *value, bool futility, DesignOptions *d);

/* The host of a tcp:// endpoint's "HOST:PORT" (in host, of size host_size), with a port from 1 to 65535. */
bool config_tcp_host(const char *address, char *host, size_t host_size);

/*
 * tcp://HOST:PORT or ipc://PATH: what interimd binds (libzmq would take another port for
 * 99999, and other transports serve no one), copied into *ret (freeing what it held).
 * Returns false if it is not (reported) or out of memory.
 */
bool config_parse_address(Parser *p, const char *key, const char *value, char **ret);
