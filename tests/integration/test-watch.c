/* test-watch.c — interim-watch against interimd: JSON equal to the snapshot and to the library, the table, drawings, following live. */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <zmq.h>

#include "config.h"
#include "fixture.h"
#include "interim/summary.h"
#include "statistics.pb-c.h"
#include "watchjson.h"

static const char config_text[] =
        "[daemon]\n"
        "state_dir = @DIR@/state\n"
        "ingest = ipc://@DIR@/ingest\n"
        "snapshot = ipc://@DIR@/snapshot\n"
        "publish = ipc://@DIR@/publish\n"
        "publish_open = ipc://@DIR@/open\n"
        "publish_interval_ms = 100\n"
        "[trial GBSG]\n"
        "arms = control, hormone\n"
        "strata = g1, g2\n"
        "landmarks = 30, 100\n"
        "rmst_tau = 200\n"
        "[endpoint GBSG os]\n"
        "events = death\n"
        "[endpoint GBSG pfs]\n"
        "events = progression, death\n"
        "[trial SOLO]\n"
        "arms = a, b, c\n"
        "ci = log\n"
        "[endpoint SOLO os]\n"
        "events = death\n"
        "[endpoint SOLO lrp]\n"
        "events = progression:locoregional\n"
        "competing = death\n";

static const char *const all_topics[] = { "GBSG/os", "GBSG/pfs", "SOLO/os", "SOLO/lrp" };

/* The watcher following the daemon, if one runs: a failed test leaves it to the teardown. */
static pid_t following;

static int setup(void **state) {
        *state = harness_new(config_text);
        return 0;
}

static int teardown(void **state) {
        if (following > 0) {
                kill(following, SIGKILL);
                waitpid(following, NULL, 0);
                following = 0;
        }
        assert_int_equal(harness_free(*state), 0);
        return 0;
}

/* ---- patients, and their overall survival as records ---- */

#define MAX_PATIENTS 128

/* What was fed: the events' counters, and each patient's overall survival per trial. */
typedef struct Cohort {
        uint64_t site_seq, store_seq;
        size_t n[2];                        /* patients of GBSG, SOLO */
        int32_t time[2][MAX_PATIENTS];      /* days from enrollment to death or the last follow-up */
        uint8_t outcome[2][MAX_PATIENTS];
        uint16_t arm[2][MAX_PATIENTS], stratum[2][MAX_PATIENTS];
} Cohort;

static void feed(Fixture *f, Cohort *c, Ev ev) {
        ev.seq = ++c->site_seq;
        accepted(f, ev, ++c->store_seq);
}

/*
 * Enrolls n more patients of trial t (0 GBSG, 1 SOLO) over 120 days; then each dies,
 * progresses locoregionally and dies, is seen alive on day 200 of follow-up, or
 * withdraws, in turn.  Times tie across patients.
 */
static void cohort_feed(Fixture *f, Cohort *c, int t, size_t n) {
        static const char *const gbsg_arms[] = { "control", "hormone" }, *const solo_arms[] = { "a", "b", "c" };
        const char *trial = t == 0 ? "GBSG" : "SOLO";
        for (size_t k = 0; k < n; k++) {
                size_t i = c->n[t]++;
                assert_true(i < MAX_PATIENTS);
                char patient[16];
                snprintf(patient, sizeof(patient), "%c%03zu", trial[0], i);
                int e = (int)(i * 7) % 120;
                uint16_t arm = (uint16_t)(t == 0 ? i % 2 : i % 3), stratum = (uint16_t)(t == 0 && i % 5 < 2);
                feed(f, c, (Ev){ .trial = trial, .patient = patient, .date = day(e), .kind = "enroll",
                                 .arm = t == 0 ? gbsg_arms[arm] : solo_arms[arm],
                                 .stratum = t == 0 ? (stratum ? "g2" : "g1") : "" });
                int end;
                bool death = true;
                switch (i % 4) {
                case 0:
                        end = 10 + (int)(i * 13) % 150;
                        break;
                case 1:
                        feed(f, c, (Ev){ .trial = trial, .patient = patient, .date = day(e + 5 + (int)(i * 11) % 90),
                                         .kind = "locoregional" });
                        end = 150 + (int)i % 40;
                        break;
                case 2:
                        end = 200;
                        death = false;
                        break;
                default:
                        end = 40 + (int)i % 30;
                        death = false;
                }
                feed(f, c, (Ev){ .trial = trial, .patient = patient, .date = day(e + end),
                                 .kind = death ? "death" : i % 4 == 2 ? "contact" : "withdraw" });
                c->time[t][i] = end;
                c->outcome[t][i] = death ? OUTCOME_EVENT : OUTCOME_CENSORED;
                c->arm[t][i] = arm;
                c->stratum[t][i] = stratum;
        }
}

/* The library's statistics of trial t's overall survival (its first endpoint) from the records. */
static void cohort_summary(const Fixture *f, const Cohort *c, int t, Summary *ret) {
        Config *config;
        char *error = NULL;
        assert_int_equal(config_load(&config, f->config, &error), 0);
        const TrialConfig *tc = &config->trials[t];
        assert_int_equal(summary_init(ret, &tc->spec, 0, &tc->report), 0);
        SurvTable table;
        assert_int_equal(survtable_init(&table, ret->n_strata, ret->n_arms), 0);
        assert_int_equal(survtable_from_records(&table, c->n[t], c->time[t], c->outcome[t], c->arm[t], c->stratum[t]), 0);
        assert_int_equal(summary_compute(ret, &table, NULL, 0), 0);
        survtable_deinit(&table);
        config_free(config);
}

/* ---- running interim-watch ---- */

typedef struct Run {
        pid_t pid;
        char out[128], err[128];
} Run;

/* Starts interim-watch with --connect to the daemon's snapshot socket and the NULL-terminated args. */
static void watch_start(const Fixture *f, Run *r, const char *const *args) {
        char connect[128];
        harness_endpoint(f, "snapshot", connect, sizeof(connect));
        const char *argv[16] = { getenv("INTERIM_WATCH"), "--connect", connect };
        size_t n = 3;
        for (; *args; args++) {
                assert_true(n + 1 < 16);
                argv[n++] = *args;
        }
        static int runs;
        snprintf(r->out, sizeof(r->out), "%s/watch-%d.out", f->dir, runs);
        snprintf(r->err, sizeof(r->err), "%s/watch-%d.err", f->dir, runs++);
        r->pid = fork();
        assert_true(r->pid >= 0);
        if (r->pid == 0) {
                int out = open(r->out, O_WRONLY | O_CREAT | O_TRUNC, 0600), err = open(r->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
                if (out < 0 || err < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
                        _exit(127);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
}

static int watch_wait(Run *r) {
        int status;
        assert_int_equal(waitpid(r->pid, &status, 0), r->pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

/* The whole of a file (the caller frees it). */
static char *slurp(const char *path) {
        FILE *in = fopen(path, "r");
        assert_non_null(in);
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        char buf[4096];
        for (size_t n; (n = fread(buf, 1, sizeof(buf), in)) > 0;)
                fwrite(buf, 1, n, out);
        fclose(in);
        fclose(out);
        return text;
}

/* Runs interim-watch to its end; its output in *ret_out (freed by the caller); returns its exit status. */
static int watch(const Fixture *f, const char *const *args, char **ret_out) {
        Run r;
        watch_start(f, &r, args);
        int status = watch_wait(&r);
        *ret_out = slurp(r.out);
        char *err = slurp(r.err);
        if (status != 0)
                fprintf(stderr, "interim-watch exited with %d: %s", status, err);
        free(err);
        return status;
}

/* The JSON lines of an output, an object per topic "TRIAL/ENDPOINT" (the last line of each). */
static json_t *json_lines(const char *text) {
        json_t *topics = json_object();
        for (const char *line = text; *line;) {
                const char *end = strchr(line, '\n');
                assert_non_null(end);
                json_error_t error;
                json_t *j = json_loadb(line, (size_t)(end - line), 0, &error);
                if (!j)
                        fail_msg("not a JSON line: %s: %.*s", error.text, (int)(end - line), line);
                char topic[160];
                snprintf(topic, sizeof(topic), "%s/%s", json_string_value(json_object_get(j, "trial")),
                         json_string_value(json_object_get(j, "endpoint")));
                json_object_set_new(topics, topic, j);
                line = end + 1;
        }
        return topics;
}

/* The pooled arm's n of a topic in JSON lines. */
static json_int_t pooled_n(const json_t *topics, const char *topic) {
        json_t *arms = json_object_get(json_object_get(topics, topic), "arms");
        return arms ? json_integer_value(json_object_get(json_array_get(arms, json_array_size(arms) - 1), "n")) : -1;
}

/* ---- the daemon's own answer ---- */

/* The daemon's snapshot of every topic, each Statistics as JSON, by topic. */
static json_t *daemon_snapshot(Fixture *f, bool arm_level, const char *data_cut) {
        void *dealer = harness_connect(f, ZMQ_DEALER, "snapshot");
        Interim__SnapshotRequest req = INTERIM__SNAPSHOT_REQUEST__INIT;
        req.prefix = "";
        req.data_cut = (char *)data_cut;
        req.arm_level = arm_level;
        uint8_t buf[64];
        size_t n = interim__snapshot_request__pack(&req, buf);
        assert_int_equal(zmq_send(dealer, buf, n, 0), (int)n);
        json_t *topics = json_object();
        for (;;) {
                char topic[160];
                int len = zmq_recv(dealer, topic, sizeof(topic) - 1, 0);
                assert_true(len > 0);
                topic[len] = '\0';
                zmq_msg_t body;
                zmq_msg_init(&body);
                assert_true(zmq_msg_recv(&body, dealer, 0) >= 0);
                if (strcmp(topic, "[end]") == 0) {
                        zmq_msg_close(&body);
                        break;
                }
                Interim__Statistics *s = interim__statistics__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
                zmq_msg_close(&body);
                assert_non_null(s);
                json_object_set_new(topics, topic, watchjson_statistics(s));
                interim__statistics__free_unpacked(s, NULL);
        }
        harness_close(f, dealer);
        return topics;
}

/*
 * Waits until the daemon has published everything fed: its snapshot holds every
 * patient and stays the same over three publication intervals (a publication is due
 * one interval after the change that starts it).  Returns that snapshot.
 */
static json_t *settle(Fixture *f, const Cohort *c) {
        json_t *last = NULL;
        for (int tries = 0; tries < WAIT_MS / 300; tries++) {
                json_t *now = daemon_snapshot(f, true, "");
                bool done = last && json_equal(last, now);
                for (size_t t = 0; done && t < 4; t++)
                        done = pooled_n(now, all_topics[t]) == (json_int_t)c->n[t / 2];
                json_decref(last);
                if (done)
                        return now;
                last = now;
                usleep(300000);
        }
        fail_msg("the publications did not settle");
        return NULL;
}

/* ---- comparing with the library ---- */

/* A number of the JSON: null where the library has NaN, else exactly its value. */
static void check_number(const json_t *o, const char *key, double want, const char *where) {
        const json_t *v = json_object_get(o, key);
        if (!v)
                fail_msg("%s: no %s", where, key);
        if (isnan(want) ? !json_is_null(v) : json_number_value(v) != want || json_is_null(v))
                fail_msg("%s %s: %s, %.17g expected", where, key, json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)), want);
}

static void check_arm(const json_t *arm, const ArmSummary *a, const char *name, const ReportOptions *opt) {
        assert_string_equal(json_string_value(json_object_get(arm, "arm")), name);
        assert_int_equal(json_integer_value(json_object_get(arm, "n")), a->n);
        assert_int_equal(json_integer_value(json_object_get(arm, "events")), a->events);
        assert_int_equal(json_integer_value(json_object_get(arm, "censored")), a->censored);
        assert_int_equal(json_integer_value(json_object_get(arm, "competing")), a->competing);
        const json_t *median = json_object_get(arm, "median");
        check_number(median, "estimate", a->median.time, name);
        check_number(median, "lower", a->median.lower, name);
        check_number(median, "upper", a->median.upper, name);
        const json_t *curve = json_object_get(arm, "curve");
        assert_int_equal(json_array_size(curve), a->curve.n_rows);
        for (size_t i = 0; i < a->curve.n_rows; i++) {
                const json_t *row = json_array_get(curve, i);
                assert_int_equal(json_integer_value(json_object_get(row, "time")), a->curve.time[i]);
                check_number(row, "surv", a->curve.surv[i], name);
                check_number(row, "upper", a->curve.upper[i], name);
        }
        const json_t *landmarks = json_object_get(arm, "landmarks");
        assert_int_equal(json_array_size(landmarks), opt->n_landmarks);
        for (size_t l = 0; l < opt->n_landmarks; l++)
                check_number(json_array_get(landmarks, l), "surv", a->landmark[l].surv, name);
        if (opt->rmst_tau > 0)
                check_number(json_object_get(arm, "rmst"), "estimate", a->rmst.rmean, name);
        else
                assert_null(json_object_get(arm, "rmst"));
}

/* A topic's JSON against the library's statistics of the same patients. */
static void check_summary(const json_t *j, const Summary *s, const char *const *arm_names) {
        const json_t *arms = json_object_get(j, "arms");
        assert_int_equal(json_array_size(arms), s->n_arms + 1);
        for (size_t a = 0; a <= s->n_arms; a++)
                check_arm(json_array_get(arms, a), &s->arm[a], a < s->n_arms ? arm_names[a] : "all", &s->opt);
        const json_t *logrank = json_object_get(j, "logrank");
        check_number(logrank, "chisq", s->logrank.chisq, "logrank");
        check_number(logrank, "p", s->logrank.p, "logrank");
        assert_int_equal(json_integer_value(json_object_get(logrank, "df")), s->logrank.df);
        const json_t *diffs = json_object_get(j, "rmst_diff");
        assert_int_equal(json_array_size(diffs), s->opt.rmst_tau > 0 ? s->n_arms - 1 : 0);
        for (size_t i = 0; i < json_array_size(diffs); i++)
                check_number(json_array_get(diffs, i), "diff", s->rmst_diff[i + 1].diff, "rmst_diff");
        const json_t *terms = json_object_get(json_object_get(j, "cox"), "terms");
        assert_int_equal(json_array_size(terms), s->n_arms - 1);
        for (size_t i = 0; i < json_array_size(terms); i++) {
                check_number(json_array_get(terms, i), "hr", s->cox.term[i].hr, "cox");
                check_number(json_array_get(terms, i), "lower", s->cox.term[i].lower, "cox");
                check_number(json_array_get(terms, i), "upper", s->cox.term[i].upper, "cox");
        }
}

static void check_same(const json_t *got, const json_t *want) {
        if (!json_equal(got, want)) {
                char *a = json_dumps(got, WATCHJSON_FLAGS), *b = json_dumps(want, WATCHJSON_FLAGS);
                fail_msg("interim-watch printed\n%s\nthe daemon's snapshot is\n%s", a, b);
        }
}

/* ---- tests ---- */

static void test_json(void **state) {
        Fixture *f = *state;
        Cohort c = { 0 };
        cohort_feed(f, &c, 0, 40);
        cohort_feed(f, &c, 1, 30);
        json_t *want = settle(f, &c);

        static const char *const args[] = { "--once", "--json", NULL };
        char *out;
        assert_int_equal(watch(f, args, &out), 0);
        /* A line per topic, in the daemon's order. */
        for (size_t t = 0; t < 4; t++) {
                char start[64];
                snprintf(start, sizeof(start), "{\"trial\":\"%.4s\",\"endpoint\":\"%s\"", all_topics[t], all_topics[t] + 5);
                const char *line = out;
                for (size_t k = 0; k < t; k++)
                        line = strchr(line, '\n') + 1;
                assert_true(strncmp(line, start, strlen(start)) == 0);
        }
        json_t *got = json_lines(out);
        free(out);
        assert_int_equal(json_object_size(got), 4);

        /* Every key and number as the daemon answers it. */
        check_same(got, want);
        json_decref(want);

        /* And as the library computes it from the same patients. */
        static const char *const gbsg_arms[] = { "control", "hormone" }, *const solo_arms[] = { "a", "b", "c" };
        for (int t = 0; t < 2; t++) {
                Summary s;
                cohort_summary(f, &c, t, &s);
                check_summary(json_object_get(got, all_topics[2 * t]), &s, t == 0 ? gbsg_arms : solo_arms);
                summary_deinit(&s);
        }
        /* Real numbers went out: a median and its limits, a log-rank p. */
        const json_t *median = json_object_get(json_array_get(json_object_get(json_object_get(got, "GBSG/os"), "arms"), 2), "median");
        assert_true(json_is_real(json_object_get(median, "estimate")) && json_is_real(json_object_get(median, "lower")));
        assert_true(json_is_real(json_object_get(json_object_get(json_object_get(got, "SOLO/os"), "logrank"), "p")));
        json_decref(got);
}

static void test_pooled_and_prefixes(void **state) {
        Fixture *f = *state;
        Cohort c = { 0 };
        cohort_feed(f, &c, 0, 12);
        cohort_feed(f, &c, 1, 9);
        json_decref(settle(f, &c));

        /* The open channel's form: the one arm "all", nothing compared. */
        static const char *const pooled[] = { "--once", "--json", "--pooled", NULL };
        char *out;
        assert_int_equal(watch(f, pooled, &out), 0);
        json_t *got = json_lines(out), *want = daemon_snapshot(f, false, "");
        free(out);
        check_same(got, want);
        json_decref(want);
        const json_t *os = json_object_get(got, "GBSG/os");
        assert_int_equal(json_array_size(json_object_get(os, "arms")), 1);
        assert_null(json_object_get(os, "logrank"));
        json_decref(got);

        /* Prefixes: a trial, and an endpoint of the other. */
        static const char *const some[] = { "--once", "--json", "SOLO/", "GBSG/pfs", NULL };
        assert_int_equal(watch(f, some, &out), 0);
        got = json_lines(out);
        free(out);
        assert_int_equal(json_object_size(got), 3);
        assert_null(json_object_get(got, "GBSG/os"));
        assert_non_null(json_object_get(got, "GBSG/pfs"));
        assert_non_null(json_object_get(got, "SOLO/lrp"));
        json_decref(got);
}

/* --data-cut: the statistics as of a past date, as the daemon computes them from its store. */
static void test_data_cut(void **state) {
        Fixture *f = *state;
        Cohort c = { 0 };
        cohort_feed(f, &c, 0, 40);
        cohort_feed(f, &c, 1, 10);
        json_decref(settle(f, &c));
        char cut[11];
        snprintf(cut, sizeof(cut), "%s", day(60));
        const char *const args[] = { "--once", "--json", "--data-cut", cut, NULL };
        char *out;
        assert_int_equal(watch(f, args, &out), 0);
        json_t *got = json_lines(out), *want = daemon_snapshot(f, true, cut);
        free(out);
        check_same(got, want);
        json_decref(want);
        /* Only the patients enrolled by then: enrollments run over 120 days. */
        json_int_t n = pooled_n(got, "GBSG/os");
        assert_true(n > 0 && n < 40);
        assert_string_equal(json_string_value(json_object_get(json_object_get(got, "GBSG/os"), "as_of")), cut);
        json_decref(got);

        /* A cut that is not a date, or one asked while following the publications. */
        char publish[160];
        harness_endpoint(f, "publish", publish, sizeof(publish));
        const char *const bad[] = { "--once", "--data-cut", "2020-13-01", NULL },
                          *const live[] = { "--subscribe", publish, "--data-cut", cut, NULL };
        assert_int_equal(watch(f, bad, &out), 2);
        free(out);
        assert_int_equal(watch(f, live, &out), 2);
        free(out);
}

static void test_table(void **state) {
        Fixture *f = *state;
        Cohort c = { 0 };
        cohort_feed(f, &c, 0, 40);
        json_decref(settle(f, &c));
        static const char *const args[] = { "--once", "GBSG/os", NULL };
        char *out;
        assert_int_equal(watch(f, args, &out), 0);
        assert_true(strncmp(out, "GBSG/os  as of ", 15) == 0);
        assert_null(strstr(out, "GBSG/pfs"));
        Summary s;
        cohort_summary(f, &c, 0, &s);
        static const char *const names[] = { "control", "hormone", "all" };
        for (size_t a = 0; a <= s.n_arms; a++) {
                /* Each arm's row: its counts, then its median and limits as R prints them (NR: not reached). */
                const ArmSummary *arm = &s.arm[a];
                char row[160], median[3][32];
                const double m[3] = { arm->median.time, arm->median.lower, arm->median.upper };
                for (int i = 0; i < 3; i++)
                        snprintf(median[i], sizeof(median[i]), isnan(m[i]) ? "NR" : "%.6g", m[i]);
                snprintf(row, sizeof(row), "  %-7s %6u %7u %9u  %s (%s, %s)", names[a], arm->n, arm->events, arm->censored,
                         median[0], median[1], median[2]);
                if (!strstr(out, row))
                        fail_msg("no row '%s' in\n%s", row, out);
        }
        char logrank[64];
        snprintf(logrank, sizeof(logrank), "log-rank: chi-square %.3f on 1 df", s.logrank.chisq);
        assert_non_null(strstr(out, logrank));
        summary_deinit(&s);
        free(out);
}

/* The text of the first <text> element after `after` in svg. */
static const char *text_after(const char *svg, const char *after, char *buf, size_t size) {
        const char *p = strstr(svg, after);
        assert_non_null(p);
        p = strstr(p + strlen(after), "<text ");
        assert_non_null(p);
        p = strchr(p, '>') + 1;
        snprintf(buf, size, "%.*s", (int)(strcspn(p, "<")), p);
        return buf;
}

static void test_svg(void **state) {
        Fixture *f = *state;
        Cohort c = { 0 };
        cohort_feed(f, &c, 0, 30);
        cohort_feed(f, &c, 1, 30);
        json_t *snapshot = settle(f, &c);
        char dir[128];
        snprintf(dir, sizeof(dir), "%s/svg", f->dir);
        assert_int_equal(mkdir(dir, 0700), 0);
        const char *const args[] = { "--once", "--svg", dir, NULL };
        char *out;
        assert_int_equal(watch(f, args, &out), 0);
        free(out);
        static const char *const colours[] = { "#0072B2", "#D55E00", "#009E73" };
        for (size_t t = 0; t < 4; t++) {
                char path[256], name[64];
                snprintf(name, sizeof(name), "%s", all_topics[t]);
                name[4] = '-';
                snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
                char *svg = slurp(path);
                assert_true(strncmp(svg, "<svg ", 5) == 0);
                assert_string_equal(svg + strlen(svg) - 7, "</svg>\n");
                /* A step path per arm; the pooled one is not drawn. */
                const json_t *arms = json_object_get(json_object_get(snapshot, all_topics[t]), "arms");
                size_t n_arms = json_array_size(arms) - 1;
                for (size_t a = 0; a < 3; a++) {
                        char steps[64];
                        snprintf(steps, sizeof(steps), "stroke=\"%s\" stroke-width=\"2\"", colours[a]);
                        const char *found = strstr(svg, steps);
                        assert_true(a < n_arms ? found && !strstr(found + 1, steps) : !found);
                }
                /* The number at risk at time 0 is each arm's patients. */
                assert_non_null(strstr(svg, ">Number at risk<"));
                for (size_t a = 0; a < n_arms; a++) {
                        const json_t *arm = json_array_get(arms, a);
                        char label[32], got[32], want[32];
                        snprintf(label, sizeof(label), ">%s</text>", json_string_value(json_object_get(arm, "arm")));
                        snprintf(want, sizeof(want), "%lld", (long long)json_integer_value(json_object_get(arm, "n")));
                        assert_string_equal(text_after(strstr(svg, ">Number at risk<"), label, got, sizeof(got)), want);
                }
                free(svg);
        }
        json_decref(snapshot);
        /* No design: no monitoring drawing. */
        char path[192];
        snprintf(path, sizeof(path), "%s/GBSG-os-monitoring.svg", dir);
        assert_int_equal(access(path, F_OK), -1);
}

/* Reads interim-watch's JSON lines until the last of topic is want. */
static void wait_same(const Run *r, const char *topic, const json_t *want) {
        assert_non_null(want);
        for (int tries = 0; tries < WAIT_MS / 50; tries++) {
                char *text = slurp(r->out);
                /* A line may be half written: take the complete ones. */
                char *end = strrchr(text, '\n');
                json_t *topics = NULL;
                if (end) {
                        end[1] = '\0';
                        topics = json_lines(text);
                }
                free(text);
                bool same = topics && json_equal(json_object_get(topics, topic), want);
                json_decref(topics);
                if (same)
                        return;
                usleep(50000);
        }
        fail_msg("interim-watch did not show %s as the daemon does", topic);
}

/* Waits until the watcher's stderr holds text. */
static void wait_said(const Run *r, const char *text) {
        for (int tries = 0; tries < WAIT_MS / 50; tries++) {
                char *err = slurp(r->err);
                bool said = strstr(err, text) != NULL;
                free(err);
                if (said)
                        return;
                usleep(50000);
        }
        fail_msg("interim-watch did not say '%s'", text);
}

/* Feeds n more patients of GBSG, and waits for the watcher to show the daemon's statistics of topic. */
static void feed_and_see(Fixture *f, Cohort *c, size_t n, const Run *r, const char *topic) {
        cohort_feed(f, c, 0, n);
        json_t *want = settle(f, c);
        wait_same(r, topic, json_object_get(want, topic));
        json_decref(want);
}

/* Each topic's seqs in interim-watch's output go up by one from the first. */
static void check_consecutive(const Run *r) {
        char *text = slurp(r->out);
        json_int_t last[4] = { 0 };
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                json_t *j = json_loads(line, 0, NULL);
                assert_non_null(j);
                char topic[64];
                snprintf(topic, sizeof(topic), "%s/%s", json_string_value(json_object_get(j, "trial")),
                         json_string_value(json_object_get(j, "endpoint")));
                json_int_t seq = json_integer_value(json_object_get(j, "seq"));
                for (size_t t = 0; t < 4; t++)
                        if (strcmp(topic, all_topics[t]) == 0) {
                                if (last[t] && seq != last[t] + 1)
                                        fail_msg("%s: seq %lld after %lld", topic, (long long)seq, (long long)last[t]);
                                last[t] = seq;
                        }
                json_decref(j);
        }
        free(text);
}

static void test_live(void **state) {
        Fixture *f = *state;
        Cohort c = { 0 };
        char publish[128];
        harness_endpoint(f, "publish", publish, sizeof(publish));
        const char *const args[] = { "--subscribe", publish, "--json", "GBSG/", NULL };
        Run r;
        watch_start(f, &r, args);
        following = r.pid;
        /* The snapshot first: no patients yet. */
        feed_and_see(f, &c, 0, &r, "GBSG/os");

        /* Then each publication, as the events come. */
        feed_and_see(f, &c, 20, &r, "GBSG/os");
        feed_and_see(f, &c, 20, &r, "GBSG/pfs");
        check_consecutive(&r);
        char *out = slurp(r.out);
        assert_null(strstr(out, "SOLO"));
        free(out);

        /*
         * The daemon stops and starts again: the watcher takes a new snapshot, on the new
         * daemon's first heartbeat at the latest (a gap or silence may tell it first).
         */
        dealer_close(f);
        assert_int_equal(daemon_stop(f, SIGTERM), 0);
        daemon_start(f);
        dealer_open(f);
        wait_said(&r, "interim-watch: synchronising: the daemon started again\n");
        feed_and_see(f, &c, 5, &r, "GBSG/os");

        assert_int_equal(kill(r.pid, SIGTERM), 0);
        assert_int_equal(watch_wait(&r), 0);
        following = 0;
}

static void test_errors(void **state) {
        Fixture *f = *state;
        char *out;
        /* No daemon there: no answer in time. */
        char nowhere[160];
        harness_endpoint(f, "nothing", nowhere, sizeof(nowhere));
        Run r;
        const char *const args[] = { "--once", "--timeout", "0.3", NULL };
        watch_start(f, &r, args);
        assert_int_equal(watch_wait(&r), 0);
        const char *const none[] = { "--connect", nowhere, "--once", "--timeout", "0.3", NULL };
        assert_int_equal(watch(f, none, &out), 3);
        free(out);
        /* Following needs a subscription; a timeout is a number. */
        const char *const live[] = { "--json", NULL }, *const bad[] = { "--once", "--timeout", "soon", NULL };
        assert_int_equal(watch(f, live, &out), 2);
        free(out);
        assert_int_equal(watch(f, bad, &out), 2);
        free(out);
        /* A directory for the drawings must be there, checked before anything is asked. */
        const char *const no_dir[] = { "--once", "--svg", "/nonexistent", NULL };
        assert_int_equal(watch(f, no_dir, &out), 2);
        free(out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_json, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pooled_and_prefixes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_data_cut, setup, teardown),
                cmocka_unit_test_setup_teardown(test_table, setup, teardown),
                cmocka_unit_test_setup_teardown(test_svg, setup, teardown),
                cmocka_unit_test_setup_teardown(test_live, setup, teardown),
                cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
