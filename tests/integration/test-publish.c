/* test-publish.c — interimd's publications, snapshots, heartbeats, sequence numbers, reload and service notifications, over ipc. */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <zmq.h>

#include "config.h"
#include "event.h"
#include "fixture.h"
#include "interim/date.h"
#include "interim/summary.h"
#include "publish.h"
#include "snapshot.h"
#include "statistics.pb-c.h"
#include "topics.h"
#include "trials.h"

#define INTERVAL_MS 300

/* @INTERVAL@ is replaced by the publication interval. */
static const char config_template[] =
        "[daemon]\n"
        "state_dir = @DIR@/state\n"
        "ingest = ipc://@DIR@/ingest\n"
        "snapshot = ipc://@DIR@/snapshot\n"
        "publish = ipc://@DIR@/publish\n"
        "publish_open = ipc://@DIR@/open\n"
        "publish_interval_ms = @INTERVAL@\n"
        "batch_max = 8\n"
        "[trial GBSG]\n"
        "arms = control, hormone\n"
        "strata = g1, g2\n"
        "landmarks = 30, 100\n"
        "rmst_tau = 200\n"
        "[endpoint GBSG os]\n"
        "events = death\n"
        "[endpoint GBSG pfs]\n"
        "events = progression, death\n"
        "[design GBSG]\n"
        "endpoint = os\n"
        "planned_events = 40\n"
        "hazard_ratio = 0.7\n"
        "[trial SOLO]\n"
        "arms = a, b, c\n"
        "ci = log\n"
        "rmst_tau = 150\n"
        "[endpoint SOLO os]\n"
        "events = death\n"
        "[endpoint SOLO lrp]\n"
        "events = progression:locoregional\n"
        "competing = death\n"
        "[design SOLO]\n"
        "endpoint = os\n"
        "planned_events = 30\n"
        "hazard_ratio = 0.6\n";

/* The configuration with another publication interval. */
static const char *config_text(int interval_ms) {
        static char text[sizeof(config_template) + 16];
        char ms[16];
        snprintf(ms, sizeof(ms), "%d", interval_ms);
        const char *at = strstr(config_template, "@INTERVAL@");
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - config_template), config_template, ms,
                 at + strlen("@INTERVAL@"));
        return text;
}

static int setup(void **state) {
        *state = harness_new(config_text(INTERVAL_MS));
        return 0;
}

static int setup_slow(void **state) {
        *state = harness_new(config_text(2000));
        return 0;
}

/* The notification socket kept for the test, and a watchdog of 200 ms. */
static int setup_notified(void **state) {
        *state = harness_new_notified(config_text(INTERVAL_MS), 200000);
        return 0;
}

static int teardown(void **state) {
        assert_int_equal(harness_free(*state), 0);
        return 0;
}

/* ---- the same trials in the test: every accepted event applied, statistics from scratch ---- */

typedef struct Mirror {
        Config *config;
        Trials *trials;
        size_t n;
        uint8_t (*events)[512]; /* every event applied, encoded, to apply again after a reload */
        size_t *len;
} Mirror;

/* Applies an encoded event to the mirror's trials; a retraction's target is found among the m->n events kept. */
static void mirror_apply(Mirror *m, const uint8_t *buf, size_t len) {
        Interim__Event *e = interim__event__unpack(NULL, len, buf), *target = NULL;
        assert_non_null(e);
        ParsedEvent p, q;
        assert_int_equal(event_parse(e, &p), INTERIM__REASON__REASON_NONE);
        for (size_t i = 0; e->body_case == INTERIM__EVENT__BODY_RETRACT && !target && i < m->n; i++) {
                target = interim__event__unpack(NULL, m->len[i], m->events[i]);
                assert_non_null(target);
                if (strcmp(target->site, e->site) == 0 && target->site_seq == e->retract->site_seq)
                        assert_int_equal(event_parse(target, &q), INTERIM__REASON__REASON_NONE);
                else {
                        interim__event__free_unpacked(target, NULL);
                        target = NULL;
                }
        }
        assert_true(e->body_case != INTERIM__EVENT__BODY_RETRACT || target);
        size_t index;
        Trial *t = trials_find(m->trials, e->trial, &index);
        assert_non_null(t);
        assert_int_equal(event_apply(t, &p, target ? &q : NULL, event_today((int64_t)time(NULL) * 1000000)), 0);
        if (target)
                interim__event__free_unpacked(target, NULL);
        interim__event__free_unpacked(e, NULL);
}

/* Builds the trials of the fixture's configuration file and applies every event kept. */
static void mirror_load(Mirror *m, const Fixture *f) {
        char *error = NULL;
        trials_free(m->trials);
        config_free(m->config);
        assert_int_equal(config_load(&m->config, f->config, &error), 0);
        assert_int_equal(trials_new(&m->trials, m->config), 0);
        for (size_t i = 0; i < m->n; i++)
                mirror_apply(m, m->events[i], m->len[i]);
}

static Mirror *mirror_new(const Fixture *f) {
        Mirror *m = calloc(1, sizeof(*m));
        mirror_load(m, f);
        return m;
}

static void mirror_free(Mirror *m) {
        trials_free(m->trials);
        config_free(m->config);
        free(m->events);
        free(m->len);
        free(m);
}

static void mirror_add(Mirror *m, Ev ev) {
        m->events = realloc(m->events, (m->n + 1) * sizeof(*m->events));
        m->len = realloc(m->len, (m->n + 1) * sizeof(*m->len));
        m->len[m->n] = encode(ev, m->events[m->n], sizeof(m->events[m->n]));
        mirror_apply(m, m->events[m->n], m->len[m->n]);
        m->n++;
}

/* Statistics of a topic "TRIAL/ENDPOINT" from the trial's facts up to cut, computed from scratch. */
static const TrialSpec *mirror_summary(Mirror *m, const char *topic, int32_t cut, Summary *ret, size_t *ret_endpoint) {
        for (size_t i = 0; i < m->config->n_trials; i++) {
                const TrialConfig *tc = &m->config->trials[i];
                size_t len = strlen(tc->spec.name);
                if (strncmp(topic, tc->spec.name, len) != 0 || topic[len] != '/')
                        continue;
                for (size_t e = 0; e < tc->spec.n_endpoints; e++) {
                        if (strcmp(topic + len + 1, tc->spec.endpoints[e].name) != 0)
                                continue;
                        SurvTable table;
                        assert_int_equal(summary_init(ret, &tc->spec, e, &tc->report), 0);
                        if (tc->has_design && tc->design.endpoint == e)
                                assert_int_equal(summary_set_design(ret, &tc->design.gsd), 0);
                        assert_int_equal(survtable_init(&table, ret->n_strata, ret->n_arms), 0);
                        assert_int_equal(trial_table_as_of(m->trials->trial[i], e, cut, &table), 0);
                        size_t n_looks;
                        const TrialLook *looks = trial_looks(m->trials->trial[i], &n_looks);
                        while (n_looks > 0 && looks[n_looks - 1].cut > cut)
                                n_looks--;
                        assert_int_equal(summary_compute(ret, &table, looks, n_looks), 0);
                        survtable_deinit(&table);
                        *ret_endpoint = e;
                        return &tc->spec;
                }
        }
        fail_msg("no topic %s in the configuration", topic);
        return NULL;
}

/* ---- comparing the wire with the library, number by number ---- */

static char where[128]; /* what is being compared, for failure messages */

/* An optional number of the wire must be absent where the library has NaN, and exactly its value elsewhere. */
static void check_number(bool has, double got, double want, const char *field) {
        if (isnan(want) ? has : !has || got != want)
                fail_msg("%s %s: %s%.17g on the wire, %.17g expected", where, field, has ? "" : "absent ", got, want);
}

#define CHECK(msg, field, want) check_number((msg)->has_##field, (msg)->field, (want), #field)

static void check_exact(double got, double want, const char *field) {
        check_number(true, got, want, field);
}

static void check_interval(const Interim__Interval *i, const KmQuantile *q) {
        assert_non_null(i);
        CHECK(i, estimate, q->time);
        CHECK(i, lower, q->lower);
        CHECK(i, upper, q->upper);
}

static void check_cif(const Interim__ArmStatistics *m, const CifCurve *c, bool competing) {
        assert_int_equal(m->n_cif, competing ? c->n : 0);
        for (size_t i = 0; i < m->n_cif; i++) {
                assert_int_equal(m->cif[i]->time, c->time[i]);
                CHECK(m->cif[i], estimate, c->estimate[i]);
                CHECK(m->cif[i], variance, c->variance[i]);
        }
}

static void check_arm(const Interim__ArmStatistics *m, const ArmSummary *a, const char *name, const Summary *s) {
        const ReportOptions *opt = &s->opt;
        check_cif(m, &a->cif, s->has_competing);
        assert_string_equal(m->arm, name);
        snprintf(where, sizeof(where), "arm %s", name);
        assert_int_equal(m->n, a->n);
        assert_int_equal(m->events, a->events);
        assert_int_equal(m->censored, a->censored);
        assert_int_equal(m->competing, a->competing);
        check_interval(m->median, &a->median);
        assert_non_null(m->quartiles);
        check_interval(m->quartiles->q25, &a->q25);
        check_interval(m->quartiles->q75, &a->q75);
        CHECK(m, followup_median, a->followup.time);
        const KmCurve *c = &a->curve;
        assert_int_equal(m->n_curve, c->n_rows);
        for (size_t i = 0; i < c->n_rows; i++) {
                const Interim__CurvePoint *p = m->curve[i];
                snprintf(where, sizeof(where), "arm %s curve row %zu", name, i);
                assert_int_equal(p->time, c->time[i]);
                assert_int_equal(p->n_risk, c->n_risk[i]);
                assert_int_equal(p->n_event, c->n_event[i]);
                assert_int_equal(p->n_censor, c->n_censor[i]);
                check_exact(p->surv, c->surv[i], "surv");
                CHECK(p, std_err, c->std_err[i]);
                CHECK(p, lower, c->lower[i]);
                CHECK(p, upper, c->upper[i]);
        }
        assert_int_equal(m->n_landmarks, opt->n_landmarks);
        for (size_t l = 0; l < opt->n_landmarks; l++) {
                const Interim__LandmarkPoint *p = m->landmarks[l];
                snprintf(where, sizeof(where), "arm %s landmark %d", name, opt->landmarks[l]);
                assert_int_equal(p->time, opt->landmarks[l]);
                assert_int_equal(p->n_risk, a->landmark[l].n_risk);
                CHECK(p, surv, a->landmark[l].surv);
                CHECK(p, std_err, a->landmark[l].std_err);
                CHECK(p, lower, a->landmark[l].lower);
                CHECK(p, upper, a->landmark[l].upper);
        }
        if (opt->rmst_tau == 0) {
                assert_null(m->rmst);
                return;
        }
        assert_non_null(m->rmst);
        snprintf(where, sizeof(where), "arm %s rmst", name);
        check_exact(m->rmst->tau, opt->rmst_tau, "tau");
        CHECK(m->rmst, estimate, a->rmst.rmean);
        CHECK(m->rmst, std_err, a->rmst.std_err);
}

/* The pooled form: the one arm "all", and not one number that compares arms. */
static void check_pooled_only(const Interim__Statistics *m) {
        assert_int_equal(m->n_arms, 1);
        assert_string_equal(m->arms[0]->arm, "all");
        assert_null(m->logrank);
        assert_null(m->cox);
        assert_null(m->gray);
        assert_int_equal(m->n_rmst_diff, 0);
        if (m->monitoring) {
                assert_int_equal(m->monitoring->n_comparisons, 0);
                for (size_t i = 0; i < m->monitoring->n_looks; i++) {
                        assert_false(m->monitoring->looks[i]->has_z);
                        assert_null(m->monitoring->looks[i]->hr_rci);
                }
        }
}

static void check_cox(const Interim__Cox *m, const Summary *s, const TrialSpec *spec) {
        assert_non_null(m);
        snprintf(where, sizeof(where), "cox");
        assert_string_equal(m->ties, s->opt.ties == COX_BRESLOW ? "breslow" : "efron");
        assert_int_equal(m->stratified, s->opt.stratified);
        CHECK(m, lr_p, s->cox.lrt.p);
        CHECK(m, score_p, s->cox.score.p);
        CHECK(m, wald_p, s->cox.wald.p);
        assert_int_equal(m->n_terms, s->n_arms - 1);
        /* Without patients in the control arm, no term is against it: listed without numbers. */
        const CoxTerm none = { .coef = NAN, .se = NAN, .hr = NAN, .lower = NAN, .upper = NAN, .p = NAN };
        for (size_t i = 0; i < m->n_terms; i++) {
                const CoxTerm *t = s->arm[0].n > 0 ? &s->cox.term[i] : &none;
                assert_string_equal(m->terms[i]->arm, spec->arms[i + 1]);
                CHECK(m->terms[i], coef, t->coef);
                CHECK(m->terms[i], se, t->se);
                CHECK(m->terms[i], hr, t->hr);
                CHECK(m->terms[i], lower, t->lower);
                CHECK(m->terms[i], upper, t->upper);
                CHECK(m->terms[i], p, t->p);
                /* R's warning goes with the numbers: absent where they are. */
                assert_int_equal(m->terms[i]->has_may_be_infinite, s->arm[0].n > 0);
                assert_int_equal(m->terms[i]->may_be_infinite, t->infinite);
        }
        assert_true(m->has_converged && m->has_iterations);
        assert_int_equal(m->converged, s->cox.converged);
        assert_int_equal(m->iterations, s->cox.iter);
}

/* A number of the monitoring block: absent unless finite. */
static void check_finite(bool has, double got, double want, const char *field) {
        check_number(has, got, isfinite(want) ? want : NAN, field);
}

#define CHECK_FINITE(msg, field, want) check_finite((msg)->has_##field, (msg)->field, (want), #field)

/* A comparison's information, bounds now and recorded looks, as published. */
#define CHECK_NOW(p, c)                                                                       \
        do {                                                                                  \
                const GsdBounds *b_ = &(c)->state.bounds;                                     \
                CHECK_FINITE(p, information_fraction, (c)->state.fraction);                   \
                CHECK_FINITE(p, efficacy_bound, b_->efficacy[(c)->state.now]);                \
                CHECK_FINITE(p, futility_bound, b_->futility[(c)->state.now]);                \
                CHECK_FINITE(p, alpha_spent, b_->alpha_spent[(c)->state.now]);                \
        } while (0)

static void check_looks(Interim__MonitoringLook **looks, size_t n, const Summary *s, const Comparison *c, bool pooled) {
        assert_int_equal(n, s->monitoring.n_looks);
        const GsdBounds *b = &c->state.bounds;
        for (size_t i = 0; i < n; i++) {
                const Interim__MonitoringLook *l = looks[i];
                snprintf(where, sizeof(where), "monitoring of arm %zu, look %zu", c->arm, i);
                assert_int_equal(l->look, s->monitoring.look_number[i]);
                assert_int_equal(l->events, (uint32_t)c->look_events[i]);
                /* A look that is not an analysis has no bounds. */
                size_t k = c->looks_valid ? c->look_analysis[i] : MONITORING_NO_ANALYSIS;
                bool analysis = k != MONITORING_NO_ANALYSIS;
                CHECK_FINITE(l, efficacy_bound, analysis ? b->efficacy[k] : NAN);
                CHECK_FINITE(l, alpha_spent, analysis ? b->alpha_spent[k] : NAN);
                CHECK_FINITE(l, information_fraction, analysis ? b->fraction[k] : NAN);
                if (pooled)
                        continue;
                CHECK_FINITE(l, z, c->look_z[i]);
                /* A look that is not an analysis has no RCI block at all. */
                if (!analysis) {
                        assert_null(l->hr_rci);
                        continue;
                }
                assert_non_null(l->hr_rci);
                CHECK_FINITE(l->hr_rci, lower, c->state.rci_lower[k]);
                CHECK_FINITE(l->hr_rci, upper, c->state.rci_upper[k]);
        }
}

static void check_monitoring(const Interim__Monitoring *m, const Summary *s, const TrialSpec *spec, bool pooled) {
        /* Pooled, a trial of three arms has none: the first comparison's events would be arm-level numbers. */
        if (!s->monitored || (pooled && spec->n_arms > 2)) {
                assert_null(m);
                return;
        }
        assert_non_null(m);
        snprintf(where, sizeof(where), "monitoring");
        const Comparison *c = &s->monitoring.cmp[0];
        assert_int_equal(m->events, (uint32_t)c->events);
        check_exact(m->planned_events, s->monitoring.design.planned_events, "planned_events");
        if (c->valid)
                CHECK_NOW(m, c);
        check_looks(m->looks, m->n_looks, s, c, pooled);
        if (pooled)
                return;
        assert_int_equal(m->n_comparisons, s->monitoring.n_comparisons);
        for (size_t i = 0; i < m->n_comparisons; i++) {
                const Comparison *k = &s->monitoring.cmp[i];
                const Interim__Comparison *p = m->comparisons[i];
                snprintf(where, sizeof(where), "monitoring comparison %zu", i);
                assert_string_equal(p->arm, spec->arms[k->arm]);
                assert_int_equal(p->crossed, k->valid && k->state.action == GSD_REJECT);
                assert_true(p->has_events);
                assert_int_equal(p->events, (uint32_t)k->events);
                check_looks(p->looks, p->n_looks, s, k, false);
                /* The log-rank z now, also when there is no look now. */
                CHECK_FINITE(p, z, k->now.z);
                if (!k->valid)
                        continue;
                CHECK_FINITE(p->conditional_power, design, k->state.cp_design);
                CHECK_FINITE(p->conditional_power, current_trend, k->state.cp_trend);
                CHECK_NOW(p, k);
        }
}

static void check_comparisons(const Interim__Statistics *m, const Summary *s, const TrialSpec *spec) {
        if (!s->compared) {
                assert_null(m->logrank);
                assert_null(m->cox);
                assert_int_equal(m->n_rmst_diff, 0);
                return;
        }
        check_cox(m->cox, s, spec);
        if (s->has_competing) {
                assert_non_null(m->gray);
                snprintf(where, sizeof(where), "gray");
                CHECK(m->gray, stat, s->gray.stat);
                CHECK(m->gray, p, s->gray.p);
                assert_int_equal(m->gray->df, (int32_t)s->gray.df);
        } else
                assert_null(m->gray);
        assert_non_null(m->logrank);
        snprintf(where, sizeof(where), "logrank");
        CHECK(m->logrank, chisq, s->logrank.chisq);
        CHECK(m->logrank, p, s->logrank.p);
        assert_int_equal(m->logrank->df, s->logrank.df);
        assert_int_equal(m->logrank->stratified, s->opt.stratified);
        assert_int_equal(m->n_rmst_diff, s->opt.rmst_tau > 0 ? s->n_arms - 1 : 0);
        for (size_t i = 0; i < m->n_rmst_diff; i++) {
                const Interim__RmstDiff *d = m->rmst_diff[i];
                const KmRmstDiff *want = &s->rmst_diff[i + 1];
                snprintf(where, sizeof(where), "rmst_diff %s", spec->arms[i + 1]);
                assert_string_equal(d->arm, spec->arms[i + 1]);
                CHECK(d, diff, want->diff);
                CHECK(d, lower, want->lower);
                CHECK(d, upper, want->upper);
                CHECK(d, p, want->p);
        }
}

/*
 * Checks a topic's Statistics against the statistics computed from scratch from the
 * mirror's facts up to cut (INT32_MAX: all), in the given form, as of the day as_of.
 */
static void check_statistics(Mirror *m, const char *topic, const Interim__Statistics *msg, int32_t cut, bool pooled,
                             const char *as_of) {
        Summary s;
        size_t endpoint;
        const TrialSpec *spec = mirror_summary(m, topic, cut, &s, &endpoint);
        assert_string_equal(msg->trial, spec->name);
        assert_string_equal(msg->endpoint, spec->endpoints[endpoint].name);
        assert_string_equal(msg->as_of, as_of);
        assert_true(msg->has_conf_level);
        assert_true(msg->conf_level == s.opt.conf_level);
        assert_string_equal(msg->conf_type, km_conf_type_name(s.opt.ci));
        if (pooled) {
                check_pooled_only(msg);
                check_arm(msg->arms[0], &s.arm[s.n_arms], "all", &s);
        } else {
                assert_int_equal(msg->n_arms, s.n_arms + 1);
                for (size_t a = 0; a <= s.n_arms; a++)
                        check_arm(msg->arms[a], &s.arm[a], a < s.n_arms ? spec->arms[a] : "all", &s);
                check_comparisons(msg, &s, spec);
        }
        check_monitoring(msg->monitoring, &s, spec, pooled);
        summary_deinit(&s);
}

/* ---- events ---- */

typedef struct Counter {
        uint64_t site_seq, store_seq;
} Counter;

static void feed(Fixture *f, Mirror *m, Counter *c, Ev ev) {
        ev.seq = ++c->site_seq;
        accepted(f, ev, ++c->store_seq);
        mirror_add(m, ev);
}

/*
 * Patients first .. first + n - 1 of a trial: enrolled over the first 120 days, then
 * deaths, progressions of both kinds, contacts and withdrawals, with tied days.  Each
 * event is passed to send().
 */
static void cohort(const char *trial, int first, int n, void (*send)(Ev ev, void *userdata), void *userdata) {
        static const char *const solo_arms[] = { "a", "b", "c" };
        bool gbsg = strcmp(trial, "GBSG") == 0;
        for (int i = first; i < first + n; i++) {
                char patient[16];
                snprintf(patient, sizeof(patient), "%c%03d", trial[0], i);
                int e = (i * 7) % 120, k = i % 5;
                Ev ev = { .trial = trial, .patient = patient, .date = day(e), .kind = "enroll",
                          .arm = gbsg ? (i % 2 ? "hormone" : "control") : solo_arms[i % 3],
                          .stratum = gbsg ? (i % 5 < 2 ? "g2" : "g1") : "" };
                send(ev, userdata);
                ev = (Ev){ .trial = trial, .patient = patient };
                if (k == 0)
                        ev.date = day(e + 10 + (i * 13) % 150), ev.kind = "death";
                else if (k == 1)
                        ev.date = day(e + 5 + (i * 11) % 90), ev.kind = "locoregional";
                else if (k == 2)
                        ev.date = day(e + 200), ev.kind = "contact";
                else if (k == 3)
                        ev.date = day(e + 1 + (i * 17) % 120), ev.kind = "distant";
                else
                        ev.date = day(e + 40 + i % 30), ev.kind = "withdraw";
                send(ev, userdata);
                if (k == 1) {
                        ev.date = day(e + 65 + (i * 11) % 90), ev.kind = "death";
                        send(ev, userdata);
                }
        }
}

typedef struct Feeder {
        Fixture *f;
        Mirror *m;
        Counter *c;
} Feeder;

static void feed_one(Ev ev, void *userdata) {
        Feeder *fd = userdata;
        feed(fd->f, fd->m, fd->c, ev);
}

static void feed_cohort(Fixture *f, Mirror *m, Counter *c, const char *trial, int first, int n) {
        Feeder fd = { f, m, c };
        cohort(trial, first, n, feed_one, &fd);
}

/* ---- subscribers ---- */

/* Receives a two-frame message (topic, body) within timeout_ms.  Returns false when none came. */
static bool receive_two(void *socket, int timeout_ms, char *topic, size_t size, zmq_msg_t *body) {
        zmq_pollitem_t item = { .socket = socket, .events = ZMQ_POLLIN };
        if (zmq_poll(&item, 1, timeout_ms) != 1)
                return false;
        int n = zmq_recv(socket, topic, size - 1, 0);
        assert_true(n >= 0 && (size_t)n < size);
        topic[n] = '\0';
        int more;
        size_t more_size = sizeof(more);
        zmq_getsockopt(socket, ZMQ_RCVMORE, &more, &more_size);
        assert_true(more);
        zmq_msg_init(body);
        assert_true(zmq_msg_recv(body, socket, 0) >= 0);
        assert_false(zmq_msg_more(body));
        return true;
}

static Interim__Heartbeat *receive_heartbeat(void *sub, int timeout_ms) {
        char topic[64];
        zmq_msg_t body;
        for (;;) {
                if (!receive_two(sub, timeout_ms, topic, sizeof(topic), &body))
                        return NULL;
                Interim__Heartbeat *hb = NULL;
                if (strcmp(topic, TOPIC_HEARTBEAT) == 0)
                        hb = interim__heartbeat__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
                zmq_msg_close(&body);
                if (hb)
                        return hb;
        }
}

/* A SUB socket on the named PUB socket for topics under prefix, and heartbeats; returns once a heartbeat came (it is subscribed). */
static void *sub_open(Fixture *f, const char *name, const char *prefix) {
        void *sub = harness_connect(f, ZMQ_SUB, name);
        assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, prefix, strlen(prefix)), 0);
        assert_int_equal(zmq_setsockopt(sub, ZMQ_SUBSCRIBE, TOPIC_HEARTBEAT, strlen(TOPIC_HEARTBEAT)), 0);
        Interim__Heartbeat *hb = receive_heartbeat(sub, WAIT_MS);
        assert_non_null(hb);
        interim__heartbeat__free_unpacked(hb, NULL);
        return sub;
}

/* Every publication of one topic received. */
typedef struct Seen {
        char topic[64];
        size_t n;
        uint64_t seq[256];
        Interim__Statistics *last;
} Seen;

typedef struct Publications {
        size_t n;
        Seen topic[8];
} Publications;

static Seen *seen_find(Publications *p, const char *topic) {
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->topic[i].topic, topic) == 0)
                        return &p->topic[i];
        return NULL;
}

/* Receives statistics until none came for quiet_ms (heartbeats do not count). */
static void collect(void *sub, int quiet_ms, Publications *ret) {
        char topic[64];
        zmq_msg_t body;
        struct timespec last, now;
        clock_gettime(CLOCK_MONOTONIC, &last);
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                int left = quiet_ms - (int)((now.tv_sec - last.tv_sec) * 1000 + (now.tv_nsec - last.tv_nsec) / 1000000);
                if (left <= 0 || !receive_two(sub, left, topic, sizeof(topic), &body))
                        return;
                if (strcmp(topic, TOPIC_HEARTBEAT) == 0) {
                        zmq_msg_close(&body);
                        continue;
                }
                Interim__Statistics *s = interim__statistics__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
                zmq_msg_close(&body);
                assert_non_null(s);
                Seen *seen = seen_find(ret, topic);
                if (!seen) {
                        assert_true(ret->n < 8);
                        seen = &ret->topic[ret->n++];
                        snprintf(seen->topic, sizeof(seen->topic), "%s", topic);
                }
                assert_true(seen->n < 256);
                seen->seq[seen->n++] = s->seq;
                if (seen->last)
                        interim__statistics__free_unpacked(seen->last, NULL);
                seen->last = s;
                clock_gettime(CLOCK_MONOTONIC, &last);
        }
}

static void publications_free(Publications *p) {
        for (size_t i = 0; i < p->n; i++)
                interim__statistics__free_unpacked(p->topic[i].last, NULL);
        *p = (Publications){ 0 };
}

/* Waits for publications to stop: a few intervals without any. */
#define QUIET_MS (3 * INTERVAL_MS + 300)

/* Returns once the daemon has published everything fed so far. */
static void settle(Fixture *f) {
        void *sub = sub_open(f, "publish", "");
        Publications p = { 0 };
        collect(sub, QUIET_MS, &p);
        publications_free(&p);
        harness_close(f, sub);
}

/* ---- snapshots ---- */

typedef struct Snap {
        size_t n;
        char topic[8][64];
        Interim__Statistics *stats[8];
        Interim__SnapshotEnd *end;
        Interim__SnapshotError *error;
} Snap;

static void *snap_open(Fixture *f) {
        return harness_connect(f, ZMQ_DEALER, "snapshot");
}

/* Reads an answer up to its end marker or error. */
static void snap_receive(void *dealer, Snap *ret) {
        *ret = (Snap){ 0 };
        char topic[64];
        zmq_msg_t body;
        while (receive_two(dealer, WAIT_MS, topic, sizeof(topic), &body)) {
                const uint8_t *data = zmq_msg_data(&body);
                size_t size = zmq_msg_size(&body);
                if (strcmp(topic, TOPIC_SNAPSHOT_END) == 0)
                        ret->end = interim__snapshot_end__unpack(NULL, size, data);
                else if (strcmp(topic, TOPIC_SNAPSHOT_ERROR) == 0)
                        ret->error = interim__snapshot_error__unpack(NULL, size, data);
                else {
                        assert_true(ret->n < 8);
                        snprintf(ret->topic[ret->n], sizeof(ret->topic[0]), "%s", topic);
                        ret->stats[ret->n] = interim__statistics__unpack(NULL, size, data);
                        assert_non_null(ret->stats[ret->n]);
                        ret->n++;
                }
                zmq_msg_close(&body);
                if (ret->end || ret->error)
                        return;
        }
        fail_msg("no end to the snapshot");
}

static void snap_request(void *dealer, const char *prefix, const char *cut, bool arm_level, Snap *ret) {
        Interim__SnapshotRequest req = INTERIM__SNAPSHOT_REQUEST__INIT;
        req.prefix = (char *)prefix;
        req.data_cut = (char *)(cut ? cut : "");
        req.arm_level = arm_level;
        uint8_t buf[256];
        size_t n = interim__snapshot_request__pack(&req, buf);
        assert_int_equal(zmq_send(dealer, buf, n, 0), (int)n);
        snap_receive(dealer, ret);
}

static void snap_free(Snap *s) {
        for (size_t i = 0; i < s->n; i++)
                interim__statistics__free_unpacked(s->stats[i], NULL);
        if (s->end)
                interim__snapshot_end__free_unpacked(s->end, NULL);
        if (s->error)
                interim__snapshot_error__free_unpacked(s->error, NULL);
        *s = (Snap){ 0 };
}

/* Checks that a snapshot holds exactly the topics named, in order, each with the seq its end marker gives. */
static void check_snap_topics(const Snap *s, const char *const *topics, size_t n) {
        assert_null(s->error);
        assert_non_null(s->end);
        assert_int_equal(s->n, n);
        assert_int_equal(s->end->n_topics, n);
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(s->topic[i], topics[i]);
                assert_string_equal(s->end->topics[i]->topic, topics[i]);
                assert_int_equal(s->stats[i]->seq, s->end->topics[i]->seq);
        }
}

static const char *const all_topics[] = { "GBSG/os", "GBSG/pfs", "SOLO/os", "SOLO/lrp" };

/* ---- tests ---- */

static void test_publications(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        void *full = sub_open(f, "publish", "GBSG/");
        void *open = sub_open(f, "open", "GBSG/");
        void *snap = snap_open(f);

        /* Published once at start. */
        Snap s;
        snap_request(snap, "GBSG/", NULL, true, &s);
        check_snap_topics(&s, all_topics, 2);
        assert_int_equal(s.end->topics[0]->seq, 1);
        assert_int_equal(s.end->topics[1]->seq, 1);
        check_statistics(m, "GBSG/os", s.stats[0], INT32_MAX, false, day(400));
        assert_int_equal(s.stats[0]->arms[2]->n, 0);
        snap_free(&s);

        uint64_t last[2] = { 1, 1 };
        for (int round = 0; round < 2; round++) {
                /* A look before any event: recorded, but no analysis of the design (it spends no alpha). */
                if (round == 0)
                        feed(f, m, &c, (Ev){ .trial = "GBSG", .kind = "look", .look = 1, .date = day(0) });
                feed_cohort(f, m, &c, "GBSG", round * 30, 30);
                if (round == 0) /* a formal look at the first data cut */
                        feed(f, m, &c, (Ev){ .trial = "GBSG", .kind = "look", .look = 2, .date = day(150) });
                Publications pf = { 0 }, po = { 0 };
                collect(full, QUIET_MS, &pf);
                collect(open, INTERVAL_MS, &po); /* already queued */
                assert_int_equal(pf.n, 2);
                assert_int_equal(po.n, 2);
                for (size_t t = 0; t < 2; t++) {
                        Seen *a = seen_find(&pf, all_topics[t]), *p = seen_find(&po, all_topics[t]);
                        assert_non_null(a);
                        assert_non_null(p);
                        /* Consecutive from where the snapshot (or the round before) left, the same numbers on both channels. */
                        assert_true(a->n >= 1);
                        assert_int_equal(p->n, a->n);
                        for (size_t i = 0; i < a->n; i++) {
                                assert_int_equal(a->seq[i], last[t] + 1 + i);
                                assert_int_equal(p->seq[i], a->seq[i]);
                        }
                        last[t] = a->seq[a->n - 1];
                        check_statistics(m, all_topics[t], a->last, INT32_MAX, false, day(400));
                        check_statistics(m, all_topics[t], p->last, INT32_MAX, true, day(400));
                }
                /* Real numbers went out: a median, limits, a log-rank test. */
                Interim__Statistics *pfs = seen_find(&pf, "GBSG/pfs")->last;
                assert_int_equal(pfs->arms[2]->n, 30 * (round + 1));
                assert_true(pfs->arms[2]->median->has_estimate && pfs->arms[2]->median->has_lower);
                assert_true(pfs->logrank->has_chisq && pfs->logrank->has_p);
                assert_true(pfs->cox->n_terms == 1 && pfs->cox->terms[0]->has_hr);
                /* os is the design's endpoint: monitored, with the looks of the first round, the empty one without bounds. */
                Interim__Statistics *os = seen_find(&pf, "GBSG/os")->last;
                assert_non_null(os->monitoring);
                assert_int_equal(os->monitoring->n_looks, 2);
                assert_int_equal(os->monitoring->looks[0]->events, 0);
                assert_false(os->monitoring->looks[0]->has_z || os->monitoring->looks[0]->has_efficacy_bound ||
                             os->monitoring->looks[0]->has_alpha_spent);
                assert_true(os->monitoring->looks[1]->events > 0);
                assert_true(os->monitoring->looks[1]->has_z && os->monitoring->looks[1]->has_efficacy_bound);
                assert_true(os->monitoring->has_information_fraction && os->monitoring->has_efficacy_bound);
                assert_int_equal(os->monitoring->n_comparisons, 1);
                assert_non_null(os->monitoring->comparisons[0]->conditional_power);
                assert_int_equal(pfs->n_rmst_diff, 1);

                /* The next round continues the numbers. */
                snap_request(snap, "GBSG/", NULL, false, &s);
                check_snap_topics(&s, all_topics, 2);
                for (size_t t = 0; t < 2; t++) {
                        assert_int_equal(s.end->topics[t]->seq, last[t]);
                        check_statistics(m, all_topics[t], s.stats[t], INT32_MAX, true, day(400));
                }
                snap_free(&s);
                publications_free(&pf);
                publications_free(&po);
        }
        harness_close(f, full);
        harness_close(f, open);
        harness_close(f, snap);
        mirror_free(m);
}

typedef struct Burst {
        Fixture *f;
        Mirror *m;
        uint64_t sent;
} Burst;

static void send_only(Ev ev, void *userdata) {
        Burst *b = userdata;
        ev.seq = ++b->sent;
        send_event(b->f, ev);
        mirror_add(b->m, ev);
}

/* Collects publications until quiet for quiet_ms; each GBSG topic must have come once, with seq and n patients in all. */
static void expect_once(void *sub, int quiet_ms, Mirror *m, uint64_t seq, uint32_t n, bool pooled) {
        Publications p = { 0 };
        collect(sub, quiet_ms, &p);
        assert_int_equal(p.n, 2);
        for (size_t t = 0; t < 2; t++) {
                Seen *s = seen_find(&p, all_topics[t]);
                assert_non_null(s);
                assert_int_equal(s->n, 1);
                assert_int_equal(s->seq[0], seq);
                assert_int_equal(s->last->arms[s->last->n_arms - 1]->n, n); /* "all" */
                check_statistics(m, all_topics[t], s->last, INT32_MAX, pooled, day(400));
        }
        publications_free(&p);
}

/* The publication interval is 2 s here: the leading edge comes at once, the trailing edge at the interval's end. */
static void test_coalescing(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        void *full = sub_open(f, "publish", "");
        void *open = sub_open(f, "open", "");
        /* A change after a quiet interval goes out at once, long before the interval could end. */
        feed(f, m, &c, (Ev){ .trial = "GBSG", .patient = "G000", .date = day(0), .kind = "enroll", .arm = "control",
                             .stratum = "g1" });
        expect_once(full, 1000, m, 2, 1, false);
        expect_once(open, 100, m, 2, 1, true);

        /* Events sent without waiting, in several batches, within the interval: one publication at its end, with all of them. */
        Burst b = { f, m, c.site_seq };
        cohort("GBSG", 1, 25, send_only, &b);
        for (uint64_t i = c.site_seq + 1; i <= b.sent; i++)
                check_ack(receive_ack(f, WAIT_MS), "site-1", i, INTERIM__ACK_STATUS__ACCEPTED, INTERIM__REASON__REASON_NONE,
                          i);
        assert_true(b.sent > 8 * 3);
        c.site_seq = c.store_seq = b.sent;
        expect_once(full, 4000, m, 3, 26, false);
        expect_once(open, 100, m, 3, 26, true);

        /* A stop publishes what waits for its interval: a leading edge, then a change that has to wait, then SIGTERM. */
        feed(f, m, &c, (Ev){ .trial = "GBSG", .patient = "G026", .date = day(30), .kind = "enroll", .arm = "hormone",
                             .stratum = "g2" });
        feed(f, m, &c, (Ev){ .trial = "GBSG", .patient = "G027", .date = day(31), .kind = "enroll", .arm = "control",
                             .stratum = "g2" });
        dealer_close(f);
        assert_int_equal(daemon_stop(f, SIGTERM), 0);
        Publications pf = { 0 };
        collect(full, 1000, &pf);
        for (size_t t = 0; t < 2; t++) {
                Seen *a = seen_find(&pf, all_topics[t]);
                assert_non_null(a);
                assert_int_equal(a->n, 2);
                assert_int_equal(a->seq[0], 4);
                assert_int_equal(a->seq[1], 5);
                assert_int_equal(a->last->arms[2]->n, 28);
                check_statistics(m, all_topics[t], a->last, INT32_MAX, false, day(400));
        }
        publications_free(&pf);
        harness_close(f, full);
        harness_close(f, open);
        daemon_start(f);
        dealer_open(f);
        mirror_free(m);
}

/*
 * Waits for the publications of what was fed to end (one of them topic's: its statistics
 * are computed by then), then takes topic's snapshot.
 */
static void latest(void *full, void *snap, const char *topic, Snap *ret) {
        Publications pf = { 0 };
        collect(full, QUIET_MS, &pf);
        assert_non_null(seen_find(&pf, topic));
        publications_free(&pf);
        snap_request(snap, topic, NULL, true, ret);
}

/* SOLO with patients in arms b and c only: the log-rank and the Cox model's tests compare them, no Cox term is against a. */
static void test_no_control(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        void *full = sub_open(f, "publish", "SOLO/os");
        void *snap = snap_open(f);
        static const char *const arms[] = { "b", "c", "b", "c", "b", "c" };
        char patient[8];
        for (int i = 0; i < 6; i++) {
                snprintf(patient, sizeof(patient), "N%d", i);
                feed(f, m, &c, (Ev){ .trial = "SOLO", .patient = patient, .date = day(i), .kind = "enroll", .arm = arms[i] });
        }
        for (int i = 0; i < 4; i++) {
                snprintf(patient, sizeof(patient), "N%d", i);
                feed(f, m, &c, (Ev){ .trial = "SOLO", .patient = patient, .date = day(20 + 13 * i), .kind = "death" });
        }
        Snap s;
        latest(full, snap, "SOLO/os", &s);
        check_snap_topics(&s, all_topics + 2, 1);
        check_statistics(m, "SOLO/os", s.stats[0], INT32_MAX, false, day(400));
        const Interim__Cox *cox = s.stats[0]->cox;
        assert_non_null(cox);
        assert_int_equal(cox->n_terms, 2);
        for (size_t i = 0; i < 2; i++)
                assert_false(cox->terms[i]->has_coef || cox->terms[i]->has_hr || cox->terms[i]->has_p);
        assert_true(cox->has_lr_p && s.stats[0]->logrank->has_p);
        snap_free(&s);
        harness_close(f, full);
        harness_close(f, snap);
        mirror_free(m);
}

/*
 * R's warnings about a Cox fit go out with it: while the hormone arm has no deaths its
 * coefficient may be infinite (R: "Loglik converged before variable 1"), and once it
 * has one, not.
 */
static void test_cox_warnings(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        void *full = sub_open(f, "publish", "GBSG/os");
        void *snap = snap_open(f);
        /*
         * The set edge-armnoevent of tests/reference/cox (R: 20 iterations, converged,
         * coefficient -21.07 that may be infinite): W0-W5 control, W6-W9 hormone, all in
         * stratum g1.
         */
        static const int days[] = { 1, 2, 2, 4, 5, 6, 3, 4, 7, 8 }, died[] = { 1, 1, 1, 0, 1, 0, 0, 0, 0, 0 };
        char patient[8];
        for (int i = 0; i < 10; i++) {
                snprintf(patient, sizeof(patient), "W%d", i);
                feed(f, m, &c, (Ev){ .trial = "GBSG", .patient = patient, .date = day(0), .kind = "enroll",
                                     .arm = i < 6 ? "control" : "hormone", .stratum = "g1" });
                feed(f, m, &c, (Ev){ .trial = "GBSG", .patient = patient, .date = day(days[i]),
                                     .kind = died[i] ? "death" : "contact" });
        }
        Snap s;
        latest(full, snap, "GBSG/os", &s);
        check_statistics(m, "GBSG/os", s.stats[0], INT32_MAX, false, day(400));
        const Interim__Cox *cox = s.stats[0]->cox;
        assert_true(cox->has_converged && cox->converged);
        assert_true(cox->terms[0]->has_may_be_infinite && cox->terms[0]->may_be_infinite);
        assert_true(cox->has_iterations && cox->iterations == 20);
        assert_true(cox->terms[0]->has_coef && cox->terms[0]->coef < -20);
        snap_free(&s);

        /* A hormone death where both arms are at risk: W6, seen on day 3, dies that day. */
        feed(f, m, &c, (Ev){ .trial = "GBSG", .patient = "W6", .date = day(3), .kind = "death" });
        latest(full, snap, "GBSG/os", &s);
        check_statistics(m, "GBSG/os", s.stats[0], INT32_MAX, false, day(400));
        cox = s.stats[0]->cox;
        assert_true(cox->has_converged && cox->converged);
        assert_true(cox->terms[0]->has_may_be_infinite && !cox->terms[0]->may_be_infinite);
        snap_free(&s);
        harness_close(f, full);
        harness_close(f, snap);
        mirror_free(m);
}

static void test_heartbeats(void **state) {
        Fixture *f = *state;
        const char *names[] = { "publish", "open" };
        for (int i = 0; i < 2; i++) {
                void *sub = sub_open(f, names[i], "NOTHING");
                Interim__Heartbeat *hb[3];
                for (int k = 0; k < 3; k++) {
                        hb[k] = receive_heartbeat(sub, 2 * PUBLISH_HEARTBEAT_MS);
                        assert_non_null(hb[k]);
                        assert_int_equal(hb[k]->interval_ms, PUBLISH_HEARTBEAT_MS);
                }
                int64_t now = (int64_t)time(NULL) * 1000000;
                for (int k = 0; k < 3; k++) {
                        assert_int_equal(hb[k]->started, hb[0]->started);
                        assert_true(hb[k]->started <= hb[k]->time);
                        assert_true(llabs(hb[k]->time - now) < 10 * 1000000);
                        /* About one second apart. */
                        if (k > 0) {
                                int64_t gap = hb[k]->time - hb[k - 1]->time;
                                assert_true(gap > 500000 && gap < 2000000);
                        }
                }
                for (int k = 0; k < 3; k++)
                        interim__heartbeat__free_unpacked(hb[k], NULL);
                harness_close(f, sub);
        }
        /*
         * A subscription longer than any topic drops the subscriber's connection (libzmq
         * would keep it, however large): its heartbeats stop coming, another's do not.
         */
        char huge[2 * PUBLISH_MAX_SUBSCRIPTION];
        memset(huge, 'x', sizeof(huge));
        for (int i = 0; i < 2; i++) {
                void *sub = sub_open(f, names[i], "NOTHING");
                void *greedy = harness_connect(f, ZMQ_SUB, names[i]);
                assert_int_equal(zmq_setsockopt(greedy, ZMQ_SUBSCRIBE, TOPIC_HEARTBEAT, strlen(TOPIC_HEARTBEAT)), 0);
                assert_int_equal(zmq_setsockopt(greedy, ZMQ_SUBSCRIBE, huge, sizeof(huge)), 0);
                Interim__Heartbeat *none = receive_heartbeat(greedy, 3 * PUBLISH_HEARTBEAT_MS);
                assert_null(none);
                Interim__Heartbeat *hb = receive_heartbeat(sub, 2 * PUBLISH_HEARTBEAT_MS);
                assert_non_null(hb);
                interim__heartbeat__free_unpacked(hb, NULL);
                harness_close(f, greedy);
                harness_close(f, sub);
        }
}

static void test_snapshots(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        void *full = sub_open(f, "publish", "");
        void *snap = snap_open(f);
        feed_cohort(f, m, &c, "GBSG", 0, 20);
        feed_cohort(f, m, &c, "SOLO", 0, 24);
        Publications pf = { 0 };
        collect(full, QUIET_MS, &pf);
        assert_int_equal(pf.n, 4);

        /* Every topic, each at the seq of its last publication (the Clone pattern's state). */
        Snap s;
        snap_request(snap, "", NULL, true, &s);
        check_snap_topics(&s, all_topics, 4);
        for (size_t t = 0; t < 4; t++) {
                const Seen *seen = seen_find(&pf, all_topics[t]);
                assert_int_equal(s.stats[t]->seq, seen->seq[seen->n - 1]);
                check_statistics(m, all_topics[t], s.stats[t], INT32_MAX, false, day(400));
        }
        /* Three arms, and competing events counted. */
        assert_int_equal(s.stats[3]->n_arms, 4);
        assert_true(s.stats[3]->arms[3]->competing > 0);
        assert_int_equal(s.stats[3]->n_rmst_diff, 2);
        assert_string_equal(s.end->prefix, "");
        assert_true(s.end->arm_level);
        snap_free(&s);

        snap_request(snap, "SOLO/", NULL, false, &s);
        check_snap_topics(&s, all_topics + 2, 2);
        assert_false(s.end->arm_level);
        for (size_t t = 0; t < 2; t++)
                check_statistics(m, all_topics[2 + t], s.stats[t], INT32_MAX, true, day(400));
        snap_free(&s);

        snap_request(snap, "SOLO/l", NULL, true, &s);
        check_snap_topics(&s, all_topics + 3, 1);
        snap_free(&s);
        snap_request(snap, "NOPE", NULL, true, &s);
        check_snap_topics(&s, NULL, 0);
        snap_free(&s);

        publications_free(&pf);
        harness_close(f, full);
        harness_close(f, snap);
        mirror_free(m);
}

static void test_data_cut(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        void *snap = snap_open(f);
        feed_cohort(f, m, &c, "GBSG", 0, 30);
        feed_cohort(f, m, &c, "SOLO", 0, 24);
        const int days[] = { -5, 40, 90, 150, 250, 400 };
        for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++) {
                char cut_text[11];
                int32_t cut;
                snprintf(cut_text, sizeof(cut_text), "%s", day(days[d]));
                assert_int_equal(date_parse(cut_text, &cut), 0);
                for (int pooled = 0; pooled < 2; pooled++) {
                        Snap s;
                        snap_request(snap, "", cut_text, !pooled, &s);
                        assert_string_equal(s.end->data_cut, cut_text);
                        check_snap_topics(&s, all_topics, 4);
                        for (size_t t = 0; t < 4; t++) {
                                /* A historical view: seq 0, as of the cut. */
                                assert_int_equal(s.stats[t]->seq, 0);
                                check_statistics(m, all_topics[t], s.stats[t], cut, pooled, cut_text);
                        }
                        /* The cut sees only the patients enrolled by then. */
                        uint32_t n = s.stats[0]->arms[s.stats[0]->n_arms - 1]->n;
                        if (days[d] < 0)
                                assert_int_equal(n, 0);
                        else if (days[d] == 40)
                                assert_true(n > 0 && n < 30);
                        else if (days[d] >= 150)
                                assert_int_equal(n, 30);
                        snap_free(&s);
                }
        }
        harness_close(f, snap);
        mirror_free(m);
}

/*
 * A death retracted after a look leaves fewer events than the look had: no look now
 * (no information, bounds or conditional power now), but the log-rank z now is there.
 */
static void test_z_without_look_now(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        void *snap = snap_open(f);
        feed_cohort(f, m, &c, "GBSG", 0, 30);
        feed(f, m, &c, (Ev){ .trial = "GBSG", .kind = "look", .look = 1, .date = day(300) });
        /* The cohort's first patient: enrolled (site_seq 1), dead (2). */
        feed(f, m, &c, (Ev){ .trial = "GBSG", .kind = "retract", .target = 2 });
        char today[11];
        int32_t cut;
        snprintf(today, sizeof(today), "%s", day(400));
        assert_int_equal(date_parse(today, &cut), 0);
        Snap s;
        snap_request(snap, "GBSG/os", today, true, &s);
        assert_int_equal(s.n, 1);
        const Interim__Monitoring *mon = s.stats[0]->monitoring;
        assert_non_null(mon);
        assert_int_equal(mon->n_looks, 1);
        assert_true(mon->events < mon->looks[0]->events);
        assert_false(mon->has_information_fraction || mon->has_efficacy_bound);
        assert_int_equal(mon->n_comparisons, 1);
        assert_true(mon->comparisons[0]->has_z);
        assert_null(mon->comparisons[0]->conditional_power);
        check_statistics(m, "GBSG/os", s.stats[0], cut, false, today);
        snap_free(&s);
        harness_close(f, snap);
        mirror_free(m);
}

/*
 * A run of requests with a data cut is computed one per turn of the daemon's loop: an
 * event sent once the first is being answered is acknowledged before the run ends
 * (answered all in one turn, the event waited for all of them).
 */
static void test_data_cut_turns(void **state) {
        enum { PATIENTS = 20000, REQUESTS = SNAPSHOT_BATCH };
        Fixture *f = *state;
        char patient[16];
        for (int i = 0; i < PATIENTS; i++) {
                snprintf(patient, sizeof(patient), "T%05d", i);
                send_event(f, (Ev){ .seq = (uint64_t)i + 1, .patient = patient, .date = day(i % 300), .kind = "enroll",
                                    .arm = i % 2 ? "hormone" : "control", .stratum = i % 3 ? "g1" : "g2" });
        }
        for (int i = 0; i < PATIENTS; i++) {
                Interim__Ack *ack = receive_ack(f, WAIT_MS);
                assert_non_null(ack);
                assert_int_equal(ack->status, INTERIM__ACK_STATUS__ACCEPTED);
                interim__ack__free_unpacked(ack, NULL);
        }
        void *snap = snap_open(f);
        Interim__SnapshotRequest req = INTERIM__SNAPSHOT_REQUEST__INIT;
        req.prefix = "";
        req.data_cut = (char *)day(200);
        uint8_t buf[64];
        size_t n = interim__snapshot_request__pack(&req, buf);
        for (int i = 0; i < REQUESTS; i++)
                assert_int_equal(zmq_send(snap, buf, n, 0), (int)n);
        /* The first answer is coming: the daemon is in its turn of data cuts. */
        zmq_pollitem_t items[2] = { { .socket = snap, .events = ZMQ_POLLIN }, { .socket = f->dealer, .events = ZMQ_POLLIN } };
        assert_int_equal(zmq_poll(items, 1, WAIT_MS), 1);
        send_event(f, (Ev){ .seq = PATIENTS + 1, .patient = "T-last", .date = day(300), .kind = "enroll",
                            .arm = "control", .stratum = "g1" });
        int ends = 0, ends_before_ack = -1;
        while (ends < REQUESTS || ends_before_ack < 0) {
                assert_true(zmq_poll(items, 2, WAIT_MS) > 0);
                if (items[1].revents & ZMQ_POLLIN) {
                        check_ack(receive_ack(f, WAIT_MS), "site-1", PATIENTS + 1, INTERIM__ACK_STATUS__ACCEPTED,
                                  INTERIM__REASON__REASON_NONE, PATIENTS + 1);
                        ends_before_ack = ends;
                }
                if (items[0].revents & ZMQ_POLLIN) {
                        char topic[64];
                        zmq_msg_t body;
                        assert_true(receive_two(snap, WAIT_MS, topic, sizeof(topic), &body));
                        zmq_msg_close(&body);
                        assert_string_not_equal(topic, TOPIC_SNAPSHOT_ERROR);
                        ends += strcmp(topic, TOPIC_SNAPSHOT_END) == 0;
                }
        }
        print_message("acknowledged after %d of %d data cuts\n", ends_before_ack, REQUESTS);
        assert_true(ends_before_ack < REQUESTS);
        harness_close(f, snap);
}

static void test_bad_requests(void **state) {
        Fixture *f = *state;
        void *snap = snap_open(f);
        Snap s;
        const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0x07 };
        assert_int_equal(zmq_send(snap, garbage, sizeof(garbage), 0), (int)sizeof(garbage));
        snap_receive(snap, &s);
        assert_non_null(s.error);
        assert_string_equal(s.error->reason, "not a SnapshotRequest: expected one frame holding an interim.SnapshotRequest");
        snap_free(&s);
        /* Prefix "GBSG\0/": protobuf-c would read "GBSG". Field 1, 6 bytes; then arm_level (field 3) true. */
        const uint8_t nul[] = { 0x0a, 0x06, 'G', 'B', 'S', 'G', 0x00, '/', 0x18, 0x01 };
        assert_int_equal(zmq_send(snap, nul, sizeof(nul), 0), (int)sizeof(nul));
        snap_receive(snap, &s);
        assert_non_null(s.error);
        assert_int_equal(s.n, 0);
        assert_string_equal(s.error->reason, "the prefix or data_cut holds a NUL byte");
        snap_free(&s);

        snap_request(snap, "GBSG/", "2024-02-30", true, &s);
        assert_non_null(s.error);
        assert_int_equal(s.n, 0);
        assert_string_equal(s.error->reason, "bad data_cut '2024-02-30': expected a date YYYY-MM-DD");
        snap_free(&s);
        /* A day to come (two: no midnight between here and the daemon can make it today). */
        char tomorrow[11];
        int32_t asked = (int32_t)(time(NULL) / 86400);
        date_format(asked + 2, tomorrow);
        snap_request(snap, "GBSG/", tomorrow, true, &s);
        assert_non_null(s.error);
        assert_int_equal(s.n, 0);
        /* Today as the daemon saw it: the day before the request or after the answer. */
        char want[2][160], today[11];
        for (int i = 0; i < 2; i++) {
                date_format(i == 0 ? asked : (int32_t)(time(NULL) / 86400), today);
                snprintf(want[i], sizeof(want[i]),
                         "data_cut %s is in the future (today is %s, UTC): ask without one for the live statistics",
                         tomorrow, today);
        }
        if (strcmp(s.error->reason, want[0]) != 0)
                assert_string_equal(s.error->reason, want[1]);
        snap_free(&s);

        assert_int_equal(zmq_send(snap, "x", 1, ZMQ_SNDMORE), 1);
        assert_int_equal(zmq_send(snap, "y", 1, 0), 1);
        snap_receive(snap, &s);
        assert_non_null(s.error);
        snap_free(&s);

        /* The daemon still answers, on both sockets. */
        snap_request(snap, "GBSG/os", NULL, true, &s);
        check_snap_topics(&s, all_topics, 1);
        snap_free(&s);
        accepted(f, (Ev){ .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" }, 1);
        harness_close(f, snap);
}

/* A snapshot of every topic: their seqs into seq[4], each checked against the mirror. */
static void snapshot_all(Fixture *f, Mirror *m, uint64_t seq[4]) {
        void *snap = snap_open(f);
        Snap s;
        snap_request(snap, "", NULL, true, &s);
        check_snap_topics(&s, all_topics, 4);
        for (size_t t = 0; t < 4; t++) {
                seq[t] = s.stats[t]->seq;
                check_statistics(m, all_topics[t], s.stats[t], INT32_MAX, false, day(400));
        }
        snap_free(&s);
        harness_close(f, snap);
}

static void test_restart(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        feed_cohort(f, m, &c, "GBSG", 0, 20);
        feed_cohort(f, m, &c, "SOLO", 0, 12);
        settle(f);
        uint64_t before[4], after[4];
        snapshot_all(f, m, before);

        /* A clean stop: the replayed statistics are the same, each topic published once more at start. */
        dealer_close(f);
        assert_int_equal(daemon_stop(f, SIGTERM), 0);
        daemon_start(f);
        dealer_open(f);
        snapshot_all(f, m, after);
        for (size_t t = 0; t < 4; t++)
                assert_int_equal(after[t], before[t] + 1);

        void *full = sub_open(f, "publish", "GBSG/os");
        Publications pf = { 0 };
        feed(f, m, &c, (Ev){ .patient = "G002", .date = day(390), .kind = "contact" });
        collect(full, QUIET_MS, &pf);
        assert_int_equal(pf.n, 1);
        assert_int_equal(pf.topic[0].n, 1);
        assert_int_equal(pf.topic[0].seq[0], before[0] + 2);
        publications_free(&pf);
        harness_close(f, full);

        /* A hard kill: the numbers resume from how far the store let them go, never back. */
        dealer_close(f);
        assert_int_equal(daemon_stop(f, SIGKILL), 128 + SIGKILL);
        daemon_start(f);
        dealer_open(f);
        snapshot_all(f, m, after);
        for (size_t t = 0; t < 4; t++)
                assert_int_equal(after[t], before[t] + TOPIC_SEQ_AHEAD + 1);
        mirror_free(m);
}

static const char reload_text[] =
        "[daemon]\n"
        "state_dir = @DIR@/state\n"
        "ingest = ipc://@DIR@/ingest\n"
        "snapshot = ipc://@DIR@/snapshot\n"
        "publish = ipc://@DIR@/publish\n"
        "publish_open = ipc://@DIR@/open\n"
        "[trial GBSG]\n"
        "arms = control, hormone, extra\n"
        "strata = g1, g2\n"
        "[endpoint GBSG os]\n"
        "events = death\n"
        "[endpoint GBSG pfs]\n"
        "events = progression, death\n"
        "[trial NEW]\n"
        "arms = x, y\n"
        "[endpoint NEW os]\n"
        "events = death\n"
        "[trial SOLO]\n"
        "arms = a, b, c\n"
        "landmarks = 50\n"
        "[endpoint SOLO os]\n"
        "events = death\n"
        "[endpoint SOLO lrp]\n"
        "events = progression:locoregional\n"
        "competing = death\n"
        "[endpoint SOLO pfs]\n"
        "events = progression, death\n";

/* A Statistics message packed with its sequence number 0 (the caller frees it). */
static uint8_t *packed_without_seq(Interim__Statistics *st, size_t *ret_len) {
        uint64_t seq = st->seq;
        st->seq = 0;
        *ret_len = interim__statistics__get_packed_size(st);
        uint8_t *buf = malloc(*ret_len);
        assert_non_null(buf);
        interim__statistics__pack(st, buf);
        st->seq = seq;
        return buf;
}

/* Asks for snapshots until one has n topics. */
static void snap_wait(void *snap, size_t n, Snap *ret) {
        for (int tries = 0; tries < WAIT_MS / 50; tries++) {
                snap_request(snap, "", NULL, true, ret);
                if (ret->n == n)
                        return;
                snap_free(ret);
                usleep(50000);
        }
        fail_msg("no snapshot with %zu topics", n);
}

static void test_reload(void **state) {
        Fixture *f = *state;
        Mirror *m = mirror_new(f);
        Counter c = { 0 };
        feed_cohort(f, m, &c, "SOLO", 0, 15);
        uint64_t solo_events = c.store_seq;
        feed_cohort(f, m, &c, "GBSG", 0, 6);
        settle(f);
        void *snap = snap_open(f);
        uint64_t before[4];
        snapshot_all(f, m, before);

        /* A file that does not parse changes nothing. */
        harness_write_config(f, "[daemon]\nstate_dir = @DIR@/state\n[trial X]\narms = a\n");
        assert_int_equal(kill(f->pid, SIGHUP), 0);
        Snap s;
        for (int tries = 0; tries < WAIT_MS / 50 && !harness_log_contains(f, "reload refused"); tries++)
                usleep(50000);
        assert_true(harness_log_contains(f, "reload refused, the configuration stays as it was"));
        uint64_t same[4];
        snapshot_all(f, m, same);
        assert_memory_equal(same, before, sizeof(same));

        /* A new trial and a new endpoint are taken; GBSG's changed arms are not. */
        harness_write_config(f, reload_text);
        assert_int_equal(kill(f->pid, SIGHUP), 0);
        snap_wait(snap, 6, &s);
        assert_true(harness_log_contains(f, "reload: trial GBSG refused, its arms changed; it stays as it was"));
        assert_true(harness_log_contains(f, "reload: trial NEW added"));
        assert_true(harness_log_contains(f, "reload: endpoint SOLO pfs added"));
        const char *const topics[] = { "GBSG/os", "GBSG/pfs", "NEW/os", "SOLO/os", "SOLO/lrp", "SOLO/pfs" };
        check_snap_topics(&s, topics, 6);
        /* GBSG as it was: its two arms, its statistics, published again. */
        assert_int_equal(s.stats[0]->n_arms, 3);
        check_statistics(m, "GBSG/os", s.stats[0], INT32_MAX, false, day(400));
        assert_int_equal(s.stats[0]->seq, before[0] + 1);
        assert_int_equal(s.stats[2]->seq, 1);
        assert_int_equal(s.stats[2]->arms[2]->n, 0);
        /* SOLO with its new options and new endpoint, rebuilt from the store. */
        assert_int_equal(s.stats[3]->seq, before[2] + 1);
        assert_int_equal(s.stats[5]->seq, 1);
        mirror_load(m, f);
        for (size_t t = 3; t < 6; t++)
                check_statistics(m, topics[t], s.stats[t], INT32_MAX, false, day(400));
        assert_int_equal(s.stats[5]->arms[3]->n, 15);
        assert_int_equal(s.stats[3]->arms[0]->n_landmarks, 1);
        /* Only SOLO, given an endpoint, was built again from the store; GBSG and NEW were not replayed. */
        char line[64];
        snprintf(line, sizeof(line), "reload: 3 trials, %" PRIu64 " events replayed", solo_events);
        assert_true(harness_log_contains(f, line));
        uint64_t first[6];
        for (size_t t = 0; t < 6; t++)
                first[t] = s.stats[t]->seq;
        uint8_t *gbsg[2];
        size_t gbsg_len[2];
        for (size_t t = 0; t < 2; t++)
                gbsg[t] = packed_without_seq(s.stats[t], &gbsg_len[t]);
        snap_free(&s);

        /* The same file again: every trial is kept as it runs, nothing is replayed, all is published again. */
        assert_int_equal(kill(f->pid, SIGHUP), 0);
        for (int tries = 0; tries < WAIT_MS / 50 && !harness_log_contains(f, "reload: 3 trials, 0 events replayed");
             tries++)
                usleep(50000);
        assert_true(harness_log_contains(f, "reload: 3 trials, 0 events replayed"));
        snap_wait(snap, 6, &s);
        check_snap_topics(&s, topics, 6);
        for (size_t t = 0; t < 6; t++)
                assert_int_equal(s.stats[t]->seq, first[t] + 1);
        /* GBSG, kept as it ran: what it published before, checked above (the mirror now reads its refused arms). */
        for (size_t t = 0; t < 2; t++) {
                size_t len;
                uint8_t *again = packed_without_seq(s.stats[t], &len);
                assert_int_equal(len, gbsg_len[t]);
                assert_memory_equal(again, gbsg[t], len);
                free(again);
                free(gbsg[t]);
        }
        for (size_t t = 2; t < 6; t++)
                check_statistics(m, topics[t], s.stats[t], INT32_MAX, false, day(400));
        snap_free(&s);

        /* Events of the new trial are taken; the refused arm stays unknown. */
        accepted(f, (Ev){ .trial = "NEW", .seq = ++c.site_seq, .patient = "N1", .date = day(1), .kind = "enroll",
                          .arm = "y", .stratum = "" },
                 ++c.store_seq);
        rejected(f, (Ev){ .seq = ++c.site_seq, .patient = "G900", .date = day(1), .kind = "enroll", .arm = "extra" },
                 INTERIM__REASON__UNKNOWN_ARM);
        harness_close(f, snap);
        mirror_free(m);
}

static void test_notify(void **state) {
        Fixture *f = *state;
        char buf[512];
        /* Half the interval: several keep-alives within a second. */
        for (int i = 0; i < 3; i++)
                assert_true(notify_wait(f, "WATCHDOG=1", 1000, buf, sizeof(buf)));
        accepted(f, (Ev){ .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" }, 1);
        rejected(f, (Ev){ .seq = 2, .patient = "P2", .date = day(0), .kind = "enroll", .arm = "placebo" },
                 INTERIM__REASON__UNKNOWN_ARM);
        /* Four topics at start, then the two of GBSG. */
        assert_true(notify_wait(f, "STATUS=1 patients, 1 events stored, 1 rejections, 6 publications", WAIT_MS, buf,
                                sizeof(buf)));
        assert_int_equal(daemon_stop(f, SIGTERM), 0);
        assert_true(notify_wait(f, "STOPPING=1", WAIT_MS, buf, sizeof(buf)));

        /* Without WatchdogSec, no keep-alives. */
        f->watchdog_usec = 0;
        daemon_start(f);
        assert_false(notify_wait(f, "WATCHDOG=1", 500, buf, sizeof(buf)));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_publications, setup, teardown),
                cmocka_unit_test_setup_teardown(test_coalescing, setup_slow, teardown),
                cmocka_unit_test_setup_teardown(test_no_control, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cox_warnings, setup, teardown),
                cmocka_unit_test_setup_teardown(test_heartbeats, setup, teardown),
                cmocka_unit_test_setup_teardown(test_snapshots, setup, teardown),
                cmocka_unit_test_setup_teardown(test_data_cut, setup, teardown),
                cmocka_unit_test_setup_teardown(test_data_cut_turns, setup, teardown),
                cmocka_unit_test_setup_teardown(test_z_without_look_now, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reload, setup, teardown),
                cmocka_unit_test_setup_teardown(test_notify, setup_notified, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
