/* config.c — reading the INI configuration (inih) into a Config, with a file:line:reason for every error. */
#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "config-values.h"

/* ---- keys ---- */

/* Finds the key among the section's keys and checks it was not given before: its index, or -1 (reported). */
static int key_index(Parser *p, const char *const *keys, const char *name) {
        for (int i = 0; keys[i]; i++)
                if (strcmp(keys[i], name) == 0) {
                        if (p->seen & (1u << i)) {
                                fail(p, p->line, "%s given twice in [%s]", name, p->section_name);
                                return -1;
                        }
                        p->seen |= 1u << i;
                        return i;
                }
        fail(p, p->line, "unknown key %s in [%s]", name, p->section_name);
        return -1;
}

static void daemon_key(Parser *p, const char *name, const char *value) {
        static const char *const keys[] = { "state_dir", "ingest", "snapshot", "publish", "publish_open",
                                            "publish_interval_ms", "max_message_bytes", "batch_max",
                                            "keys", "secret_key", NULL };
        Config *c = p->config;
        uint64_t v;
        switch (key_index(p, keys, name)) {
        case 0:
                if (value[0] != '/') {
                        bad_value(p, name, value, "an absolute directory path");
                        return;
                }
                c->state_dir = dup_or_fail(p, value);
                return;
        case 1:
                config_parse_address(p, name, value, &c->ingest);
                return;
        case 2:
                config_parse_address(p, name, value, &c->snapshot);
                return;
        case 3:
                config_parse_address(p, name, value, &c->publish);
                return;
        case 4:
                config_parse_address(p, name, value, &c->publish_open);
                return;
        case 5:
                if (config_parse_count(p, name, value, 1, 60000, "milliseconds from 1 to 60000", &v))
                        c->publish_interval_ms = (uint32_t)v;
                return;
        case 6:
                if (config_parse_count(p, name, value, 256, 16u << 20, "bytes from 256 to 16777216", &v))
                        c->max_message_bytes = (size_t)v;
                return;
        case 7:
                if (config_parse_count(p, name, value, 1, 65536, "a count from 1 to 65536", &v))
                        c->batch_max = (size_t)v;
                return;
        case 8:
        case 9:
                if (value[0] != '/')
                        bad_value(p, name, value, "an absolute path");
                else if (name[0] == 'k')
                        c->keys_dir = dup_or_fail(p, value);
                else
                        c->secret_key = dup_or_fail(p, value);
                return;
        }
}

static void trial_key(Parser *p, const char *name, const char *value) {
        static const char *const keys[] = { "arms", "strata", "stratified", "ci", "conf_level",
                                            "ties", "landmarks", "rmst_tau", NULL };
        static const char *const ties_words[] = { "efron", "breslow", NULL };
        TrialConfig *t = &p->config->trials[p->trial];
        ReportOptions *r = &t->report;
        int choice;
        uint64_t v;
        switch (key_index(p, keys, name)) {
        case 0:
                if (config_parse_names(p, name, value, 2, &t->spec.arms, &t->spec.n_arms))
                        for (size_t a = 0; a < t->spec.n_arms; a++)
                                if (strcmp(t->spec.arms[a], "all") == 0)
                                        fail(p, p->line, "an arm may not be named all: the statistics call all arms pooled so");
                return;
        case 1:
                config_parse_names(p, name, value, 1, &t->spec.strata, &t->spec.n_strata);
                return;
        case 2:
                config_parse_bool(p, name, value, &r->stratified);
                p->lines[p->trial].stratified = p->line;
                return;
        case 3:
                /* Not "none", which km_conf_type_from_name() knows too: the curves are published with their limits. */
                choice = km_conf_type_from_name(value);
                if (choice < 0 || choice == KM_CONF_NONE)
                        bad_value(p, name, value, "log-log, log or plain");
                else
                        r->ci = (KmConfType)choice;
                return;
        case 4:
                config_parse_open_range(p, name, value, 0, 1, "a number between 0 and 1", &r->conf_level);
                return;
        case 5:
                if (config_parse_choice(p, name, value, ties_words, "efron or breslow", &choice))
                        r->ties = (CoxTies)choice;
                return;
        case 6:
                config_split_list(p, value, config_day_item, &(DayList){ .value = value, .report = r });
                return;
        case 7:
                if (config_parse_count(p, name, value, 1, DAYS_MAX, "days from 1 to 100000", &v))
                        r->rmst_tau = (int32_t)v;
                return;
        }
}

static void endpoint_key(Parser *p, const char *name, const char *value) {
        static const char *const keys[] = { "events", "competing", NULL };
        EndpointSpec *e = &p->config->trials[p->trial].spec.endpoints[p->endpoint];
        int i = key_index(p, keys, name);
        if (i < 0)
                return;
        KindList l = { .key = name, .value = value };
        if (!config_split_list(p, value, config_kind_item, &l))
                return;
        *(i == 0 ? &e->events : &e->competing) = l.bits;
        uint32_t both = e->events & e->competing;
        for (int k = 0; both && k < EVENT_KINDS; k++)
                if (both & EVENT_BIT(k)) {
                        fail(p, p->line, "%s is both an event and a competing event of endpoint %s",
                             config_kind_names[k], e->name);
                        return;
                }
}

static void design_key(Parser *p, const char *name, const char *value) {
        static const char *const keys[] = { "endpoint", "planned_events", "alpha", "sides", "spending",
                                            "futility", "beta", "hazard_ratio", "allocation", NULL };
        DesignOptions *d = &p->config->trials[p->trial].design;
        TrialLines *l = &p->lines[p->trial];
        double v;
        uint64_t u;
        switch (key_index(p, keys, name)) {
        case 0:
                l->design_endpoint = p->line;
                l->design_endpoint_name = dup_or_fail(p, value);
                return;
        case 1:
                /* Not necessarily whole: rpact's maxNumberOfEvents is not. */
                l->has_planned_events = config_parse_number(value, &v) && v >= 1 && v <= 1e6;
                if (l->has_planned_events)
                        d->gsd.planned_events = v;
                else
                        bad_value(p, name, value, "a number of events from 1 to 1000000");
                return;
        case 2:
                config_parse_open_range(p, name, value, 0, 0.5, "a number between 0 and 0.5", &d->gsd.alpha);
                return;
        case 3:
                if (config_parse_count(p, name, value, 1, 2, "1 or 2", &u))
                        d->gsd.sides = (int)u;
                return;
        case 4:
                config_parse_spending(p, name, value, false, d);
                return;
        case 5:
                l->futility = p->line;
                config_parse_spending(p, name, value, true, d);
                return;
        case 6:
                config_parse_open_range(p, name, value, 0, 0.5, "a number between 0 and 0.5", &d->gsd.beta);
                return;
        case 7:
                if (!config_parse_number(value, &v) || v <= 0 || v == 1) {
                        bad_value(p, name, value, "a positive number other than 1");
                        return;
                }
                d->gsd.hazard_ratio = v;
                l->has_hazard_ratio = true;
                return;
        case 8:
                config_parse_open_range(p, name, value, 0, INFINITY, "a positive number", &d->gsd.allocation);
                return;
        }
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        Parser *p = user;
        if (stopped(p))
                return 0;
        switch (p->section) {
        case SECTION_NONE:
                fail(p, p->line, "%s given before any section", name);
                break;
        case SECTION_DAEMON:
                daemon_key(p, name, value);
                break;
        case SECTION_TRIAL:
                trial_key(p, name, value);
                break;
        case SECTION_ENDPOINT:
                endpoint_key(p, name, value);
                break;
        case SECTION_DESIGN:
                design_key(p, name, value);
                break;
        }
        return !stopped(p);
}

/* ---- sections ---- */

static TrialConfig *trial_find(const Config *c, const char *name, size_t *ret_index) {
        for (size_t i = 0; i < c->n_trials; i++)
                if (strcmp(c->trials[i].spec.name, name) == 0) {
                        *ret_index = i;
                        return &c->trials[i];
                }
        return NULL;
}

/* Whether a trial or endpoint name can stand in a topic "TRIAL/ENDPOINT" (refused with a message if not). */
static bool topic_part(Parser *p, const char *what, const char *name) {
        if (!strchr(name, '/'))
                return true;
        fail(p, p->line, "%s name %s has a '/': topics are TRIAL/ENDPOINT", what, name);
        return false;
}

static void trial_open(Parser *p, const char *name) {
        Config *c = p->config;
        size_t i;
        if (!topic_part(p, "trial", name))
                return;
        if (trial_find(c, name, &i)) {
                fail(p, p->line, "section [%s] given twice", p->section_name);
                return;
        }
        TrialConfig *trials = realloc(c->trials, (c->n_trials + 1) * sizeof(*trials));
        if (trials)
                c->trials = trials;
        TrialLines *lines = realloc(p->lines, (c->n_trials + 1) * sizeof(*lines));
        if (lines)
                p->lines = lines;
        EndpointSpec *endpoints = calloc(TRIAL_MAX_ENDPOINTS, sizeof(*endpoints));
        char *copy = strdup(name);
        if (!trials || !lines || !endpoints || !copy) {
                free(endpoints);
                free(copy);
                p->out_of_memory = true;
                return;
        }
        p->trial = c->n_trials++;
        p->lines[p->trial] = (TrialLines){ .header = p->line };
        c->trials[p->trial] = (TrialConfig){
                .spec = { .name = copy, .endpoints = endpoints },
                .report = { .ci = KM_CONF_LOGLOG, .conf_level = 0.95, .ties = COX_EFRON },
        };
        p->section = SECTION_TRIAL;
}

/* The trial a later section refers to, which must be defined above it. */
static TrialConfig *trial_above(Parser *p, const char *name) {
        TrialConfig *t = trial_find(p->config, name, &p->trial);
        if (!t)
                fail(p, p->line, "section [%s] before its [trial %s]", p->section_name, name);
        return t;
}

static void endpoint_open(Parser *p, const char *trial, const char *name) {
        TrialConfig *t = trial_above(p, trial);
        if (!t || !topic_part(p, "endpoint", name))
                return;
        TrialSpec *s = &t->spec;
        for (size_t i = 0; i < s->n_endpoints; i++)
                if (strcmp(s->endpoints[i].name, name) == 0) {
                        fail(p, p->line, "section [%s] given twice", p->section_name);
                        return;
                }
        if (s->n_endpoints == TRIAL_MAX_ENDPOINTS) {
                fail(p, p->line, "more than %d endpoints in trial %s", TRIAL_MAX_ENDPOINTS, trial);
                return;
        }
        char *copy = dup_or_fail(p, name);
        if (!copy)
                return;
        p->endpoint = s->n_endpoints++;
        s->endpoints[p->endpoint] = (EndpointSpec){ .name = copy };
        p->lines[p->trial].endpoints[p->endpoint] = p->line;
        p->section = SECTION_ENDPOINT;
}

static void design_open(Parser *p, const char *trial) {
        TrialConfig *t = trial_above(p, trial);
        if (!t)
                return;
        if (t->has_design) {
                fail(p, p->line, "section [%s] given twice", p->section_name);
                return;
        }
        t->has_design = true;
        t->design = (DesignOptions){ .gsd = { .alpha = 0.025, .sides = 1, .efficacy = { GSD_LAN_DEMETS_OBF }, .beta = 0.2,
                                               .allocation = 1 } };
        p->lines[p->trial].design = p->line;
        p->section = SECTION_DESIGN;
}

/* Starts the section of a header line "[words]" (after any BOM); s points at the '['. */
static void section_open(Parser *p, const char *s) {
        const char *end = strchr(s, ']');
        if (!end) {
                fail(p, p->line, "section header without ]");
                return;
        }
        /* After the ], only blanks and a comment: inih would drop "garbage" from "[trial T]garbage" unseen. */
        const char *rest = end + 1 + strspn(end + 1, " \t");
        if (!strchr(";#\r\n", *rest)) {
                fail(p, p->line, "text after the section header's ]");
                return;
        }
        char words[4][NAME_MAX_LEN + 1];
        size_t n = 0;
        bool valid = true;
        for (const char *w = s + 1; w < end;) {
                size_t len = strcspn(w, " \t]");
                if (len > 0) {
                        valid = valid && n < 4 && config_name_valid(w, len);
                        if (valid)
                                snprintf(words[n], sizeof(words[n]), "%.*s", (int)len, w);
                        n++;
                }
                w += len;
                w += strspn(w, " \t");
        }
        snprintf(p->section_name, sizeof(p->section_name), "%.*s", (int)(end - s - 1), s + 1);
        p->seen = 0;
        p->section = SECTION_NONE;
        if (valid && n == 1 && strcmp(words[0], "daemon") == 0) {
                if (p->daemon_line)
                        fail(p, p->line, "section [daemon] given twice");
                p->daemon_line = p->line;
                p->section = SECTION_DAEMON;
        } else if (valid && n == 2 && strcmp(words[0], "trial") == 0)
                trial_open(p, words[1]);
        else if (valid && n == 3 && strcmp(words[0], "endpoint") == 0)
                endpoint_open(p, words[1], words[2]);
        else if (valid && n == 2 && strcmp(words[0], "design") == 0)
                design_open(p, words[1]);
        else
                fail(p, p->line, "unknown section [%s]: expected [daemon], [trial NAME], [endpoint TRIAL NAME] or "
                     "[design TRIAL]", p->section_name);
}

/*
 * inih's line reader (fgets) with line counting, so that the handler knows where it is, and
 * with the sections opened here, so that a section without keys is still seen.
 */
static char *reader(char *buf, int size, void *stream) {
        Parser *p = stream;
        if (stopped(p) || !fgets(buf, size, p->file))
                return NULL;
        p->line++;
        size_t n = strlen(buf);
        bool cut = n > 0 && buf[n - 1] != '\n' && !feof(p->file);
        size_t text = n;
        if (text > 0 && buf[text - 1] == '\n')
                text--;
        if (text > 0 && buf[text - 1] == '\r')
                text--;
        /* One limit whatever ends the line: the buffer must hold a CR, an LF and a NUL too. */
        if (cut || text > (size_t)size - 3) {
                fail(p, p->line, "line longer than %d characters", size - 3);
                return NULL;
        }
        const char *s = buf;
        if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
                s += 3;
        if (*s == ' ' || *s == '\t') {
                s += strspn(s, " \t");
                /* inih would take it as the continuation of the previous value. */
                if (*s != '\0' && !strchr(";#\r\n", *s)) {
                        fail(p, p->line, "line starts with a blank (values continued on a new line are not supported)");
                        return NULL;
                }
        }
        if (*s == '[')
                section_open(p, s);
        return stopped(p) ? NULL : buf;
}

/* ---- the whole file ---- */

static void check_trial(Parser *p, size_t i) {
        TrialConfig *t = &p->config->trials[i];
        const TrialLines *l = &p->lines[i];
        if (t->spec.n_arms == 0)
                fail(p, l->header, "[trial %s] needs arms", t->spec.name);
        if (t->spec.n_endpoints == 0)
                fail(p, l->header, "[trial %s] needs at least one [endpoint %s NAME]", t->spec.name, t->spec.name);
        if (l->stratified == 0)
                t->report.stratified = t->spec.n_strata > 0;
        else if (t->report.stratified && t->spec.n_strata == 0)
                fail(p, l->stratified, "stratified = yes but trial %s has no strata", t->spec.name);
        for (size_t e = 0; e < t->spec.n_endpoints; e++)
                if (t->spec.endpoints[e].events == 0)
                        fail(p, l->endpoints[e], "[endpoint %s %s] needs events", t->spec.name,
                             t->spec.endpoints[e].name);
        if (!t->has_design)
                return;
        DesignOptions *d = &t->design;
        if (!l->design_endpoint_name)
                fail(p, l->design, "[design %s] needs endpoint", t->spec.name);
        else {
                size_t e = 0;
                while (e < t->spec.n_endpoints && strcmp(t->spec.endpoints[e].name, l->design_endpoint_name) != 0)
                        e++;
                if (e == t->spec.n_endpoints)
                        fail(p, l->design_endpoint, "trial %s has no endpoint %s", t->spec.name,
                             l->design_endpoint_name);
                d->endpoint = e;
        }
        if (!l->has_planned_events)
                fail(p, l->design, "[design %s] needs planned_events", t->spec.name);
        if (d->gsd.futility != GSD_FUTILITY_NONE && d->gsd.sides != 1)
                fail(p, l->futility, "futility bounds need sides = 1");
        if (!l->has_hazard_ratio)
                fail(p, l->design, "[design %s] needs hazard_ratio", t->spec.name);
}

/* Whether an endpoint (checked by config_parse_address()) stays on this machine: ipc://, or tcp:// to a loopback address. */
static bool endpoint_local(const char *endpoint) {
        char host[256];
        struct in_addr a;
        if (strncmp(endpoint, "ipc://", 6) == 0)
                return true;
        if (!config_tcp_host(endpoint + 6, host, sizeof(host)))
                return false;
        /* 127.0.0.0/8 written as an address: "127.0.0.1.example.com" is a name, resolved elsewhere. */
        return strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
               (inet_pton(AF_INET, host, &a) == 1 && ntohl(a.s_addr) >> 24 == 127);
}

/* Without keys nobody is authenticated: then every socket must stay on this machine. */
static void check_security(Parser *p) {
        Config *c = p->config;
        if (!c->keys_dir != !c->secret_key) {
                fail(p, p->daemon_line, "[daemon] needs both keys and secret_key, or neither");
                return;
        }
        if (c->keys_dir)
                return;
        const char *const endpoints[] = { c->ingest, c->snapshot, c->publish, c->publish_open };
        for (size_t i = 0; i < sizeof(endpoints) / sizeof(*endpoints); i++)
                if (endpoints[i] && !endpoint_local(endpoints[i]))
                        fail(p, p->daemon_line,
                             "%s is reachable from other machines: without keys and secret_key, endpoints must be"
                             " ipc:// or loopback tcp://",
                             endpoints[i]);
}

/* Each socket its own endpoint: a second bind to an ipc path takes it from the first, whose clients then hang. */
static void check_endpoints_distinct(Parser *p) {
        const Config *c = p->config;
        const char *const names[] = { "ingest", "snapshot", "publish", "publish_open" };
        const char *const endpoints[] = { c->ingest, c->snapshot, c->publish, c->publish_open };
        for (size_t i = 0; i < 4; i++)
                for (size_t j = i + 1; j < 4; j++)
                        if (endpoints[i] && endpoints[j] && strcmp(endpoints[i], endpoints[j]) == 0)
                                fail(p, p->daemon_line, "%s and %s are the same endpoint, %s", names[i], names[j],
                                     endpoints[i]);
}

static void check_config(Parser *p) {
        Config *c = p->config;
        if (!p->daemon_line)
                fail(p, 0, "no [daemon] section");
        else if (!c->state_dir)
                fail(p, p->daemon_line, "[daemon] needs state_dir");
        else if (!c->ingest)
                fail(p, p->daemon_line, "[daemon] needs ingest");
        else {
                check_security(p);
                check_endpoints_distinct(p);
        }
        if (c->n_trials == 0)
                fail(p, 0, "no [trial NAME] section");
        for (size_t i = 0; i < c->n_trials; i++)
                check_trial(p, i);
}

void config_trial_deinit(TrialConfig *t) {
        if (t)
                trial_spec_deinit(&t->spec);
}

int config_trial_copy(TrialConfig *ret, const TrialConfig *t) {
        *ret = *t;
        int r = trial_spec_copy(&ret->spec, &t->spec);
        if (r < 0)
                *ret = (TrialConfig){ 0 };
        return r;
}

void config_free(Config *c) {
        if (!c)
                return;
        free(c->state_dir);
        free(c->ingest);
        free(c->snapshot);
        free(c->publish);
        free(c->publish_open);
        free(c->keys_dir);
        free(c->secret_key);
        for (size_t i = 0; i < c->n_trials; i++)
                config_trial_deinit(&c->trials[i]);
        free(c->trials);
        free(c);
}

int config_load(Config **ret, const char *path, char **ret_error) {
        Parser p = { .path = path };
        int r = -ENOMEM;
        *ret_error = NULL;
        p.config = calloc(1, sizeof(*p.config));
        if (!p.config)
                return -ENOMEM;
        *p.config = (Config){ .publish_interval_ms = 100, .max_message_bytes = 65536, .batch_max = 256 };
        p.file = fopen(path, "re");
        if (!p.file) {
                r = -errno;
                fail(&p, 0, "%s", strerror(errno));
                goto done;
        }
        int line = ini_parse_stream(reader, &p, handler, &p);
        if (ferror(p.file))
                fail(&p, 0, "read error");
        if (line > 0)
                fail(&p, (unsigned)line, "expected [section] or key = value");
        if (!stopped(&p))
                check_config(&p);
        if (p.out_of_memory)
                goto done;
        r = p.error ? -EINVAL : 0;
done:
        if (p.file)
                fclose(p.file);
        for (size_t i = 0; p.lines && i < p.config->n_trials; i++)
                free(p.lines[i].design_endpoint_name);
        free(p.lines);
        if (r < 0) {
                config_free(p.config);
                *ret_error = p.error;
        } else
                *ret = p.config;
        return r;
}
