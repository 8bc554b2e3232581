/* test-riskset.c — incremental risk sets and tables equal a from-scratch computation after thousands of random moves. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "interim/trial.h"

#define N_PATIENTS 400
#define MAX_FACTS 64
#define TODAY 30000
#define START 15000

/* The test's own model of a patient: what was applied and not retracted. */
typedef struct {
        bool enrolled;
        int32_t randomized;
        uint16_t arm, stratum;
        size_t n;
        EventKind kind[MAX_FACTS];
        int32_t date[MAX_FACTS];
} Model;

static const EndpointSpec endpoints[] = {
        { "os", EVENT_BIT(EVENT_DEATH), 0 },
        { "pfs", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL) | EVENT_BIT(EVENT_PROGRESSION_DISTANT) | EVENT_BIT(EVENT_DEATH), 0 },
        { "lrp", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL), EVENT_BIT(EVENT_DEATH) | EVENT_BIT(EVENT_PROGRESSION_DISTANT) },
};

/* Endpoint outcome written plainly from the definition, independent of lib/trial.c. */
static void model_outcome(const Model *m, const EndpointSpec *e, int32_t *ret_time, uint8_t *ret_outcome) {
        int32_t best = -1, last = 0;
        uint8_t outcome = OUTCOME_CENSORED;
        for (size_t i = 0; i < m->n; i++) {
                int32_t day = m->date[i] - m->randomized;
                if (day > last)
                        last = day;
                bool is_event = e->events & EVENT_BIT(m->kind[i]);
                bool is_comp = e->competing & EVENT_BIT(m->kind[i]);
                if (!is_event && !is_comp)
                        continue;
                if (best < 0 || day < best || (day == best && is_event)) {
                        best = day;
                        outcome = is_event ? OUTCOME_EVENT : OUTCOME_COMPETING;
                }
        }
        *ret_time = best >= 0 ? best : last;
        *ret_outcome = best >= 0 ? outcome : OUTCOME_CENSORED;
}

static void assert_tables_equal(const SurvTable *a, const SurvTable *b) {
        assert_int_equal(a->n_times, b->n_times);
        size_t width = a->n_strata * a->n_arms;
        for (size_t i = 0; i < a->n_times; i++) {
                assert_int_equal(a->time[i], b->time[i]);
                assert_memory_equal(a->count + i * width * OUTCOME_KINDS, b->count + i * width * OUTCOME_KINDS,
                                    width * OUTCOME_KINDS * sizeof(uint32_t));
                assert_memory_equal(a->n_risk + i * width, b->n_risk + i * width, width * sizeof(uint32_t));
        }
}

static void check_against_model(Trial *t, const Model *models) {
        int32_t time[N_PATIENTS];
        uint8_t outcome[N_PATIENTS];
        uint16_t arm[N_PATIENTS], stratum[N_PATIENTS];
        for (size_t e = 0; e < 3; e++) {
                size_t n = 0;
                for (size_t p = 0; p < N_PATIENTS; p++) {
                        if (!models[p].enrolled)
                                continue;
                        model_outcome(&models[p], &endpoints[e], &time[n], &outcome[n]);
                        arm[n] = models[p].arm;
                        stratum[n] = models[p].stratum;
                        n++;
                }
                SurvTable scratch, live, cut;
                assert_int_equal(survtable_init(&scratch, 3, 3), 0);
                assert_int_equal(survtable_init(&live, 3, 3), 0);
                assert_int_equal(survtable_init(&cut, 3, 3), 0);
                assert_int_equal(survtable_from_records(&scratch, n, time, outcome, arm, stratum), 0);
                assert_int_equal(riskset_table(trial_riskset(t, e), &live), 0);
                assert_int_equal(trial_table_as_of(t, e, INT32_MAX, &cut), 0);
                assert_tables_equal(&live, &scratch);
                assert_tables_equal(&cut, &scratch);
                assert_int_equal(trial_riskset(t, e)->n_patients, n);
                survtable_deinit(&scratch);
                survtable_deinit(&live);
                survtable_deinit(&cut);
        }
}

static void test_random_moves(void **state) {
        static char *arms[] = { "control", "a", "b" };
        static char *strata[] = { "s1", "s2", "s3" };
        TrialSpec spec = { .name = "prop", .n_arms = 3, .arms = arms, .n_strata = 3, .strata = strata,
                           .n_endpoints = 3, .endpoints = (EndpointSpec *)endpoints };
        Trial *t;
        assert_int_equal(trial_new(&t, &spec), 0);
        static Model models[N_PATIENTS];
        memset(models, 0, sizeof(models));
        srand(2108);

        size_t applied = 0, retracted = 0, refused = 0;
        for (int step = 0; step < 20000; step++) {
                size_t p = (size_t)rand() % N_PATIENTS;
                Model *m = &models[p];
                char id[16];
                snprintf(id, sizeof(id), "P%04zu", p);
                int op = rand() % 10;
                TrialEvent e = { .patient = id };
                if (!m->enrolled) {
                        e.kind = EVENT_ENROLL;
                        e.date = START + rand() % 1500;
                        e.arm = arms[rand() % 3];
                        e.stratum = strata[rand() % 3];
                        assert_int_equal(trial_apply(t, &e, TODAY), TRIAL_OK);
                        *m = (Model){ .enrolled = true, .randomized = e.date };
                        for (uint16_t a = 0; a < 3; a++)
                                if (e.arm == arms[a])
                                        m->arm = a;
                        for (uint16_t s = 0; s < 3; s++)
                                if (e.stratum == strata[s])
                                        m->stratum = s;
                        applied++;
                } else if (op < 3 && m->n > 0) {
                        size_t i = (size_t)rand() % m->n;
                        e.kind = m->kind[i];
                        e.date = m->date[i];
                        assert_int_equal(trial_retract(t, &e), TRIAL_OK);
                        m->kind[i] = m->kind[m->n - 1];
                        m->date[i] = m->date[m->n - 1];
                        m->n--;
                        retracted++;
                } else if (op == 3 && m->n == 0) {
                        e.kind = EVENT_ENROLL;
                        e.date = m->randomized;
                        assert_int_equal(trial_retract(t, &e), TRIAL_OK);
                        m->enrolled = false;
                        retracted++;
                } else if (m->n < MAX_FACTS) {
                        static const EventKind kinds[] = { EVENT_CONTACT, EVENT_CONTACT, EVENT_CONTACT,
                                                           EVENT_PROGRESSION_LOCOREGIONAL, EVENT_PROGRESSION_DISTANT,
                                                           EVENT_DEATH, EVENT_WITHDRAW };
                        e.kind = kinds[rand() % 7];
                        e.date = m->randomized + rand() % 400 - 5; /* many ties, some before randomization */
                        int r = trial_apply(t, &e, TODAY);
                        assert_true(r >= 0);
                        if (r == TRIAL_OK) {
                                m->kind[m->n] = e.kind;
                                m->date[m->n] = e.date;
                                m->n++;
                                applied++;
                        } else
                                refused++;
                }
                if (step % 1000 == 999)
                        check_against_model(t, models);
        }
        /* The walk must have exercised every path. */
        assert_true(applied > 5000);
        assert_true(retracted > 1000);
        assert_true(refused > 500);
        trial_free(t);
}

/* The row of a table on day, or NULL. */
static const uint32_t *row_on(const SurvTable *t, int32_t day, const uint32_t **ret_risk) {
        size_t i = days_through(t->time, t->n_times, day);
        if (i == 0 || t->time[i - 1] != day)
                return NULL;
        size_t cells = t->n_strata * t->n_arms;
        *ret_risk = t->n_risk + (i - 1) * cells;
        return t->count + (i - 1) * cells * OUTCOME_KINDS;
}

/*
 * A table brought up to date by riskset_update() after random moves, additions and
 * removals equals one read afresh, and in each cell every row before the first day its
 * change map gives is as it was before the changes.
 */
static void test_update(void **state) {
        enum { S = 3, A = 2, CELLS = S * A, PATIENTS = 300 };
        struct { uint8_t stratum, arm, outcome; int32_t day; bool in; } p[PATIENTS] = { 0 };
        RiskSet rs;
        SurvTable live, before, fresh;
        assert_int_equal(riskset_init(&rs, S, A), 0);
        assert_int_equal(survtable_init(&live, S, A), 0);
        assert_int_equal(survtable_init(&before, S, A), 0);
        assert_int_equal(survtable_init(&fresh, S, A), 0);
        srand(42);
        assert_int_equal(riskset_table(&rs, &live), 0);
        uint64_t generation = rs.generation;
        size_t kept = 0, redone = 0;
        for (int round = 0; round < 400; round++) {
                assert_int_equal(riskset_table(&rs, &before), 0);
                /* A few changes between two updates, mostly moves to a later day, as follow-up comes in. */
                for (int k = rand() % 4; k >= 0; k--) {
                        size_t i = (size_t)rand() % PATIENTS;
                        bool add = !p[i].in || rand() % 8; /* a move, an addition, or now and then a removal */
                        if (p[i].in)
                                riskset_remove(&rs, p[i].stratum, p[i].arm, p[i].day, p[i].outcome);
                        if (add) {
                                if (!p[i].in) {
                                        p[i].stratum = (uint8_t)(rand() % S);
                                        p[i].arm = (uint8_t)(rand() % A);
                                        p[i].day = 0;
                                }
                                p[i].day += rand() % 200;
                                p[i].outcome = (uint8_t)(rand() % OUTCOME_KINDS);
                                assert_int_equal(riskset_add(&rs, p[i].stratum, p[i].arm, p[i].day, p[i].outcome), 0);
                        }
                        p[i].in = add;
                }
                int32_t changed[CELLS];
                assert_int_equal(riskset_update(&rs, generation, &live, changed), 0);
                generation = rs.generation;
                assert_int_equal(riskset_table(&rs, &fresh), 0);
                assert_tables_equal(&live, &fresh);
                assert_memory_equal(live.n_start, fresh.n_start, CELLS * sizeof(uint32_t));
                assert_memory_equal(live.margin, fresh.margin, live.n_times * (A + 1) * (OUTCOME_KINDS + 1) * 4);
                for (size_t c = 0; c < CELLS; c++) {
                        assert_true(changed[c] == SURV_UNCHANGED || changed[c] % SURV_BLOCK_DAYS == 0);
                        for (size_t i = 0; i < before.n_times && before.time[i] < changed[c]; i++) {
                                const uint32_t *risk, *k = row_on(&fresh, before.time[i], &risk);
                                const uint32_t *old = before.count + (i * CELLS + c) * OUTCOME_KINDS;
                                if (!k) { /* the day left the table: the cell had nothing there */
                                        assert_int_equal(old[0] + old[1] + old[2], 0);
                                        continue;
                                }
                                assert_memory_equal(k + c * OUTCOME_KINDS, old, OUTCOME_KINDS * sizeof(uint32_t));
                                assert_int_equal(risk[c], before.n_risk[i * CELLS + c]);
                                kept++;
                        }
                        redone += changed[c] != SURV_UNCHANGED;
                }
        }
        /* Both parts of the map were exercised. */
        assert_true(kept > 10000);
        assert_true(redone > 100);
        survtable_deinit(&live);
        survtable_deinit(&before);
        survtable_deinit(&fresh);
        riskset_deinit(&rs);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_random_moves),
                cmocka_unit_test(test_update),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
