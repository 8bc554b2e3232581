/* config-values.c — the values of the configuration's keys read and checked: names, numbers, yes or no, days, event kinds, spending functions, addresses. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-values.h"
#include "interim/text.h"

bool config_name_valid(const char *s, size_t n) {
        return n <= NAME_MAX_LEN && text_name(s, n) && !memchr(s, ',', n) && !memchr(s, '[', n) && !memchr(s, ']', n);
}

bool config_split_list(Parser *p, const char *value, bool (*item)(Parser *, const char *, size_t, void *),
                       void *data) {
        const char *s = value;
        for (;;) {
                while (*s == ' ' || *s == '\t')
                        s++;
                size_t n = strcspn(s, ",");
                size_t len = n;
                while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                        len--;
                if (!item(p, s, len, data))
                        return false;
                if (s[n] == '\0')
                        return true;
                s += n + 1;
        }
}

typedef struct NameList {
        const char *key;
        const char *value;
        size_t n;
        char **names;
} NameList;

static void names_free(char **names, size_t n) {
        for (size_t i = 0; names && i < n; i++)
                free(names[i]);
        free(names);
}

static bool name_item(Parser *p, const char *s, size_t len, void *data) {
        NameList *l = data;
        if (!config_name_valid(s, len)) {
                bad_value(p, l->key, l->value, "comma-separated names of UTF-8 characters without blanks, control or format characters");
                return false;
        }
        for (size_t i = 0; i < l->n; i++)
                if (strlen(l->names[i]) == len && memcmp(l->names[i], s, len) == 0) {
                        fail(p, p->line, "%.*s listed twice in %s", (int)len, s, l->key);
                        return false;
                }
        char **names = realloc(l->names, (l->n + 1) * sizeof(*names));
        if (names)
                l->names = names;
        char *name = names ? strndup(s, len) : NULL;
        if (!name) {
                p->out_of_memory = true;
                return false;
        }
        l->names[l->n++] = name;
        return true;
}

bool config_parse_names(Parser *p, const char *key, const char *value, size_t min, char ***ret, size_t *ret_n) {
        NameList l = { .key = key, .value = value };
        if (!config_split_list(p, value, name_item, &l)) {
                names_free(l.names, l.n);
                return false;
        }
        if (l.n < min) {
                names_free(l.names, l.n);
                char expected[64];
                snprintf(expected, sizeof(expected), "at least %zu comma-separated names", min);
                bad_value(p, key, value, expected);
                return false;
        }
        *ret = l.names;
        *ret_n = l.n;
        return true;
}

static bool parse_uint(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
                        return false;
                v = v * 10 + (uint64_t)(s[i] - '0');
        }
        if (v < min || v > max)
                return false;
        *ret = v;
        return true;
}

bool config_parse_number(const char *s, double *ret) {
        char *end;
        if (*s == '\0' || *s == ' ' || *s == '\t')
                return false;
        /* Decimal only: strtod() would take "0x2" too. */
        if (strpbrk(s, "xX"))
                return false;
        errno = 0;
        double v = strtod(s, &end);
        if (*end != '\0' || errno != 0 || !isfinite(v))
                return false;
        *ret = v;
        return true;
}

bool config_parse_count(Parser *p, const char *key, const char *value, uint64_t min, uint64_t max,
                        const char *expected, uint64_t *ret) {
        if (!parse_uint(value, strlen(value), min, max, ret)) {
                bad_value(p, key, value, expected);
                return false;
        }
        return true;
}

bool config_parse_open_range(Parser *p, const char *key, const char *value, double lo, double hi,
                             const char *expected, double *ret) {
        double v;
        if (!config_parse_number(value, &v) || !(v > lo && v < hi)) {
                bad_value(p, key, value, expected);
                return false;
        }
        *ret = v;
        return true;
}

bool config_parse_bool(Parser *p, const char *key, const char *value, bool *ret) {
        if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
                *ret = true;
        else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
                *ret = false;
        else {
                bad_value(p, key, value, "yes or no");
                return false;
        }
        return true;
}

bool config_parse_choice(Parser *p, const char *key, const char *value, const char *const *words,
                         const char *expected, int *ret) {
        for (int i = 0; words[i]; i++)
                if (strcmp(value, words[i]) == 0) {
                        *ret = i;
                        return true;
                }
        bad_value(p, key, value, expected);
        return false;
}

bool config_day_item(Parser *p, const char *s, size_t len, void *data) {
        DayList *l = data;
        ReportOptions *r = l->report;
        uint64_t day;
        if (!parse_uint(s, len, 1, DAYS_MAX, &day) ||
            (r->n_landmarks > 0 && (int32_t)day <= r->landmarks[r->n_landmarks - 1])) {
                bad_value(p, "landmarks", l->value, "ascending days from 1 to 100000, comma-separated");
                return false;
        }
        if (r->n_landmarks == REPORT_MAX_LANDMARKS) {
                fail(p, p->line, "more than %d landmarks", REPORT_MAX_LANDMARKS);
                return false;
        }
        r->landmarks[r->n_landmarks++] = (int32_t)day;
        return true;
}

const char *const config_kind_names[EVENT_KINDS] = {
        [EVENT_PROGRESSION_LOCOREGIONAL] = "progression:locoregional",
        [EVENT_PROGRESSION_DISTANT] = "progression:distant",
        [EVENT_DEATH] = "death",
};

bool config_kind_item(Parser *p, const char *s, size_t len, void *data) {
        KindList *l = data;
        if (len == strlen("progression") && memcmp(s, "progression", len) == 0) {
                l->bits |= EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL) | EVENT_BIT(EVENT_PROGRESSION_DISTANT);
                return true;
        }
        for (int k = 0; k < EVENT_KINDS; k++)
                if (config_kind_names[k] && strlen(config_kind_names[k]) == len &&
                    memcmp(s, config_kind_names[k], len) == 0) {
                        l->bits |= EVENT_BIT(k);
                        return true;
                }
        bad_value(p, l->key, l->value,
                  "death, progression, progression:locoregional or progression:distant, comma-separated");
        return false;
}

bool config_parse_spending(Parser *p, const char *key, const char *value, bool futility, DesignOptions *d) {
        const char *expected = futility ? "none, z:Z, obf, pocock, hsd:GAMMA or kd:RHO"
                                        : "obf, pocock, hsd:GAMMA or kd:RHO";
        GsdSpending s = { 0 };
        double v = 0;
        if (strcmp(value, "obf") == 0)
                s.family = GSD_LAN_DEMETS_OBF;
        else if (strcmp(value, "pocock") == 0)
                s.family = GSD_LAN_DEMETS_POCOCK;
        else if (strncmp(value, "hsd:", 4) == 0 && config_parse_number(value + 4, &v) && v != 0 && v >= -10 && v <= 5)
                s = (GsdSpending){ GSD_HWANG_SHIH_DECANI, v };
        /* rpact's bounds for the Kim-DeMets rho, [0.4, 8], as for the Hwang-Shih-DeCani gamma. */
        else if (strncmp(value, "kd:", 3) == 0 && config_parse_number(value + 3, &v) && v >= 0.4 && v <= 8)
                s = (GsdSpending){ GSD_KIM_DEMETS, v };
        else if (futility && strcmp(value, "none") == 0) {
                d->gsd.futility = GSD_FUTILITY_NONE;
                return true;
        } else if (futility && strncmp(value, "z:", 2) == 0 && config_parse_number(value + 2, &v)) {
                d->gsd.futility = GSD_FUTILITY_FIXED;
                d->gsd.futility_z = v;
                return true;
        } else {
                bad_value(p, key, value, expected);
                return false;
        }
        if (futility) {
                d->gsd.futility = GSD_FUTILITY_BETA;
                d->gsd.futility_spending = s;
        } else
                d->gsd.efficacy = s;
        return true;
}

bool config_tcp_host(const char *address, char *host, size_t host_size) {
        const char *colon = strrchr(address, ':');
        uint64_t port;
        if (!colon || colon == address || (size_t)(colon - address) >= host_size ||
            !parse_uint(colon + 1, strlen(colon + 1), 1, 65535, &port))
                return false;
        memcpy(host, address, (size_t)(colon - address));
        host[colon - address] = '\0';
        return true;
}

bool config_parse_address(Parser *p, const char *key, const char *value, char **ret) {
        char host[256];
        bool valid = !strpbrk(value, " \t") &&
                     ((strncmp(value, "tcp://", 6) == 0 && config_tcp_host(value + 6, host, sizeof(host))) ||
                      (strncmp(value, "ipc://", 6) == 0 && value[6] != '\0'));
        if (!valid) {
                bad_value(p, key, value,
                          "a ZeroMQ endpoint tcp://HOST:PORT (a port from 1 to 65535) or ipc://PATH, such as"
                          " tcp://127.0.0.1:5570 or ipc:///run/interimd/ingest");
                return false;
        }
        free(*ret);
        *ret = dup_or_fail(p, value);
        return *ret != NULL;
}
