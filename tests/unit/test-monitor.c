/* test-monitor.c — an endpoint's group-sequential monitoring from its tables and looks, against rpact. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "interim/monitor.h"
#include "interim/numeric.h"
#include "refdata.h"

/* One comparison's patients of a data set: arm `ctl` becomes 0, arm `exp` 1; one stratum. */
typedef struct {
        size_t n;
        int32_t time[2000];
        uint8_t status[2000];
        uint16_t arm[2000], stratum[2000];
} Records;

static void load_pair(const char *set, int ctl, int exp, Records *ret) {
        char name[64];
        snprintf(name, sizeof(name), "data/%s.csv", set);
        RefTable *rt = reftable_load(name);
        ret->n = 0;
        for (size_t i = 0; i < rt->n_rows; i++) {
                int arm = (int)reftable_num(rt, i, "arm");
                if (arm != ctl && arm != exp)
                        continue;
                assert_true(ret->n < 2000);
                ret->time[ret->n] = (int32_t)reftable_num(rt, i, "time");
                ret->status[ret->n] = reftable_num(rt, i, "status") == 1;
                ret->arm[ret->n] = arm == exp;
                ret->stratum[ret->n] = 0;
                ret->n++;
        }
        reftable_free(rt);
}

static int cmp_int32(const void *a, const void *b) {
        int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
        return (x > y) - (x < y);
}

/* The table of a data cut at the d-th event, as make-gsd.R's cut_at(): everyone still event-free then is censored. */
static void cut_table(const Records *r, int d, SurvTable *ret) {
        int32_t ev[2000], time[2000];
        uint8_t status[2000];
        size_t n_ev = 0;
        for (size_t i = 0; i < r->n; i++)
                if (r->status[i])
                        ev[n_ev++] = r->time[i];
        qsort(ev, n_ev, sizeof(*ev), cmp_int32);
        assert_true(d >= 1 && (size_t)d <= n_ev);
        int32_t tau = ev[d - 1];
        for (size_t i = 0; i < r->n; i++) {
                time[i] = r->time[i] < tau ? r->time[i] : tau;
                status[i] = r->status[i] && r->time[i] <= tau;
        }
        assert_int_equal(survtable_init(ret, 1, 2), 0);
        assert_int_equal(survtable_from_records(ret, r->n, time, status, r->arm, r->stratum), 0);
}

static GsdDesign design_of(const RefTable *rt, size_t row) {
        const char *type = reftable_str(rt, row, "type_of_design");
        GsdDesign d = { .sides = (int)reftable_num(rt, row, "sided"), .alpha = reftable_num(rt, row, "alpha"),
                        .beta = 0.2, .planned_events = reftable_num(rt, row, "planned_events"),
                        .hazard_ratio = reftable_num(rt, row, "hazard_ratio"),
                        .allocation = reftable_num(rt, row, "allocation") };
        d.efficacy.family = strcmp(type, "asOF") == 0    ? GSD_LAN_DEMETS_OBF
                            : strcmp(type, "asP") == 0   ? GSD_LAN_DEMETS_POCOCK
                            : strcmp(type, "asHSD") == 0 ? GSD_HWANG_SHIH_DECANI
                                                         : GSD_KIM_DEMETS;
        d.efficacy.param = reftable_num(rt, row, "gamma_a");
        double fut = reftable_num(rt, row, "futility_fixed");
        if (!isnan(fut)) {
                d.futility = GSD_FUTILITY_FIXED;
                d.futility_z = fut;
        }
        return d;
}

/*
 * Scenario `id` of tests/reference/gsd: the monitored comparison built from data cuts
 * at the looks' event counts and now, then every number against rpact.
 */
static void check_scenario(const char *id, const char *set, int ctl, int exp, const int *look_at, size_t n_looks,
                           int now_at) {
        RefTable *mon = reftable_load("gsd/monitor.csv");
        size_t row = 0;
        while (row < mon->n_rows && strcmp(reftable_str(mon, row, "scenario"), id) != 0)
                row++;
        assert_true(row < mon->n_rows);
        GsdDesign design = design_of(mon, row);

        Records *rec = malloc(sizeof(*rec));
        load_pair(set, ctl, exp, rec);
        SurvTable look_tables[4], now;
        TrialLook looks[4];
        for (size_t i = 0; i < n_looks; i++) {
                cut_table(rec, look_at[i], &look_tables[i]);
                looks[i] = (TrialLook){ .number = (uint32_t)i + 1, .cut = 15000 + (int32_t)i, .tables = &look_tables[i] };
        }
        cut_table(rec, now_at, &now);

        Monitoring m;
        assert_int_equal(monitoring_init(&m, &design, 2, false), 0);
        assert_int_equal(monitoring_update(&m, &now, NULL, looks, n_looks, 0), 0);
        const Comparison *c = &m.cmp[0];
        assert_true(c->valid);
        assert_ref(c->events, reftable_num(mon, row, "events_now"), REF_TOL, "%s events", id);
        assert_ref(c->now.z, reftable_num(mon, row, "z_now"), REF_TOL, "%s z", id);
        assert_ref(c->state.hazard_ratio, reftable_num(mon, row, "effect_size_now"), REF_TOL, "%s HR", id);
        assert_abs(c->state.cp_design, reftable_num(mon, row, "cp_design"), 2e-6, "%s cp design", id);
        assert_abs(c->state.cp_trend, reftable_num(mon, row, "cp_trend"), 2e-6, "%s cp trend", id);

        RefTable *lk = reftable_load("gsd/monitor-looks.csv");
        size_t k = 0;
        for (size_t i = 0; i < lk->n_rows; i++) {
                if (strcmp(reftable_str(lk, i, "scenario"), id) != 0)
                        continue;
                assert_true(k < c->state.bounds.n_looks);
                /* Boundaries to 1e-6 absolute, alpha spent to 1e-9 (rpact floors the last to 1e-8). */
                assert_abs(c->state.bounds.efficacy[k], reftable_num(lk, i, "critical_value"), 1e-6, "%s bound %zu", id, k);
                assert_abs(c->state.bounds.alpha_spent[k], reftable_num(lk, i, "alpha_spent"),
                           k + 1 == c->state.bounds.n_looks ? 2e-8 : 1e-9, "%s alpha spent %zu", id, k);
                if (k < n_looks) {
                        assert_ref(c->look_events[k], reftable_num(lk, i, "events"), REF_TOL, "%s look events", id);
                        assert_ref(c->look_z[k], reftable_num(lk, i, "z"), REF_TOL, "%s look z", id);
                        assert_ref(c->state.rci_lower[k], reftable_num(lk, i, "rci_lower"), 1e-6, "%s RCI lower", id);
                        assert_ref(c->state.rci_upper[k], reftable_num(lk, i, "rci_upper"), 1e-6, "%s RCI upper", id);
                }
                k++;
        }
        assert_int_equal(k, c->state.bounds.n_looks);
        reftable_free(lk);
        reftable_free(mon);
        monitoring_deinit(&m);
        for (size_t i = 0; i < n_looks; i++)
                survtable_deinit(&look_tables[i]);
        survtable_deinit(&now);
        free(rec);
}

static void test_colon_obf(void **state) {
        static const int looks[] = { 95, 190 };
        check_scenario("colon-lev5fu-of", "colon", 0, 2, looks, 2, 240);
}

static void test_colon_pocock_two_sided(void **state) {
        static const int looks[] = { 80, 160 };
        check_scenario("colon-lev5fu-p2", "colon", 0, 2, looks, 2, 200);
}

static void test_gbsg_hsd_futility(void **state) {
        static const int looks[] = { 100, 200 };
        check_scenario("gbsg-hsd-fix", "gbsg", 0, 1, looks, 2, 260);
}

static void test_veteran_first_look(void **state) {
        check_scenario("veteran-of-first", "veteran", 0, 1, NULL, 0, 60);
}

static void assert_same(double a, double b, const char *what, size_t k) {
        if (!(a == b || (isnan(a) && isnan(b))))
                fail_msg("%s %zu: %.17g != %.17g", what, k, a, b);
}

/* The bounds, alpha spent, fractions and RCIs of the first n looks of two states are the same. */
static void assert_same_looks(const GsdState *got, const GsdState *want, size_t n) {
        for (size_t k = 0; k < n; k++) {
                assert_same(got->bounds.efficacy[k], want->bounds.efficacy[k], "efficacy", k);
                assert_same(got->bounds.alpha_spent[k], want->bounds.alpha_spent[k], "alpha spent", k);
                assert_same(got->bounds.fraction[k], want->bounds.fraction[k], "fraction", k);
                assert_same(got->rci_lower[k], want->rci_lower[k], "RCI lower", k);
                assert_same(got->rci_upper[k], want->rci_upper[k], "RCI upper", k);
        }
}

/* The rpact-validated colon scenario: its design, and its tables empty, at days 95 and 190 (the looks) and 240 (now). */
typedef struct Colon {
        GsdDesign design;
        SurvTable empty, at95, at190, now;
} Colon;

static void colon_make(Colon *c) {
        RefTable *mon = reftable_load("gsd/monitor.csv");
        size_t row = 0;
        while (row < mon->n_rows && strcmp(reftable_str(mon, row, "scenario"), "colon-lev5fu-of") != 0)
                row++;
        assert_true(row < mon->n_rows);
        c->design = design_of(mon, row);
        reftable_free(mon);
        Records *rec = malloc(sizeof(*rec));
        load_pair("colon", 0, 2, rec);
        assert_int_equal(survtable_init(&c->empty, 1, 2), 0);
        assert_int_equal(survtable_seal(&c->empty), 0);
        cut_table(rec, 95, &c->at95);
        cut_table(rec, 190, &c->at190);
        cut_table(rec, 240, &c->now);
        free(rec);
}

static void colon_free(Colon *c) {
        survtable_deinit(&c->empty);
        survtable_deinit(&c->at95);
        survtable_deinit(&c->at190);
        survtable_deinit(&c->now);
}

/*
 * Looks that add no information (no events yet, or no more than the look before) are
 * not analyses: the comparison stays monitored, with the numbers of a monitor built
 * from the other looks alone.
 */
static void test_looks_without_information(void **state) {
        Colon colon;
        colon_make(&colon);
        TrialLook plain[2] = { { 1, 15000, &colon.at95 }, { 2, 15001, &colon.at190 } };
        TrialLook padded[4] = { { 1, 14000, &colon.empty }, { 2, 15000, &colon.at95 }, { 3, 15000, &colon.at95 }, { 4, 15001, &colon.at190 } };
        Monitoring a, b;
        assert_int_equal(monitoring_init(&a, &colon.design, 2, false), 0);
        assert_int_equal(monitoring_init(&b, &colon.design, 2, false), 0);
        assert_int_equal(monitoring_update(&a, &colon.now, NULL, plain, 2, 0), 0);
        assert_int_equal(monitoring_update(&b, &colon.now, NULL, padded, 4, 0), 0);
        const Comparison *ca = &a.cmp[0], *cb = &b.cmp[0];
        assert_true(ca->valid && cb->valid);
        assert_int_equal(cb->look_analysis[0], MONITORING_NO_ANALYSIS);
        assert_int_equal(cb->look_analysis[1], 0);
        assert_int_equal(cb->look_analysis[2], MONITORING_NO_ANALYSIS);
        assert_int_equal(cb->look_analysis[3], 1);
        assert_true(cb->look_events[0] == 0 && cb->look_events[1] == cb->look_events[2]);
        assert_int_equal(cb->state.bounds.n_looks, ca->state.bounds.n_looks);
        assert_same_looks(&cb->state, &ca->state, ca->state.bounds.n_looks);
        assert_same(cb->state.fraction, ca->state.fraction, "fraction now", 0);
        assert_same(cb->state.cp_design, ca->state.cp_design, "cp design", 0);
        assert_same(cb->state.cp_trend, ca->state.cp_trend, "cp trend", 0);
        assert_int_equal(cb->state.action, ca->state.action);
        monitoring_deinit(&a);
        monitoring_deinit(&b);
        colon_free(&colon);
}

/*
 * Up to GSD_MAX_LOOKS recorded looks are monitored, however few of them are analyses:
 * 18 looks without events before the two of the colon scenario give its numbers; one
 * look more than that leaves the comparison without monitoring.
 */
static void test_twenty_looks(void **state) {
        (void)state;
        Colon colon;
        colon_make(&colon);
        TrialLook plain[2] = { { 1, 15000, &colon.at95 }, { 2, 15001, &colon.at190 } };
        TrialLook padded[GSD_MAX_LOOKS + 1];
        for (uint32_t k = 0; k < GSD_MAX_LOOKS - 2; k++)
                padded[k] = (TrialLook){ k + 1, 14000 + (int32_t)k, &colon.empty };
        padded[GSD_MAX_LOOKS - 2] = (TrialLook){ GSD_MAX_LOOKS - 1, 15000, &colon.at95 };
        padded[GSD_MAX_LOOKS - 1] = (TrialLook){ GSD_MAX_LOOKS, 15001, &colon.at190 };
        padded[GSD_MAX_LOOKS] = (TrialLook){ GSD_MAX_LOOKS + 1, 15002, &colon.at190 };
        Monitoring a, b;
        assert_int_equal(monitoring_init(&a, &colon.design, 2, false), 0);
        assert_int_equal(monitoring_init(&b, &colon.design, 2, false), 0);
        assert_int_equal(monitoring_update(&a, &colon.now, NULL, plain, 2, 0), 0);
        assert_int_equal(monitoring_update(&b, &colon.now, NULL, padded, GSD_MAX_LOOKS, 0), 0);
        const Comparison *ca = &a.cmp[0], *cb = &b.cmp[0];
        assert_true(ca->valid && cb->valid && cb->looks_valid);
        assert_int_equal(b.n_looks, GSD_MAX_LOOKS);
        assert_int_equal(cb->look_analysis[GSD_MAX_LOOKS - 1], 1);
        assert_int_equal(cb->state.bounds.n_looks, ca->state.bounds.n_looks);
        assert_same_looks(&cb->state, &ca->state, ca->state.bounds.n_looks);
        assert_same(cb->state.cp_design, ca->state.cp_design, "cp design", 0);
        assert_int_equal(monitoring_update(&b, &colon.now, NULL, padded, GSD_MAX_LOOKS + 1, 0), 0);
        assert_false(cb->valid || cb->looks_valid);
        monitoring_deinit(&a);
        monitoring_deinit(&b);
        colon_free(&colon);
}

/*
 * With no events now (all retracted, or a data cut before them) there is no look to
 * make now, yet the recorded looks keep their bounds, alpha spent, actions and RCIs:
 * the same as with events now.
 */
static void test_looks_without_now(void **state) {
        (void)state;
        Colon colon;
        colon_make(&colon);
        TrialLook looks[2] = { { 1, 15000, &colon.at95 }, { 2, 15001, &colon.at190 } };
        Monitoring a, b;
        assert_int_equal(monitoring_init(&a, &colon.design, 2, false), 0);
        assert_int_equal(monitoring_init(&b, &colon.design, 2, false), 0);
        assert_int_equal(monitoring_update(&a, &colon.now, NULL, looks, 2, 0), 0);
        assert_int_equal(monitoring_update(&b, &colon.empty, NULL, looks, 2, 0), 0);
        const Comparison *ca = &a.cmp[0], *cb = &b.cmp[0];
        assert_true(ca->valid && ca->looks_valid);
        assert_false(cb->valid);
        assert_true(cb->looks_valid);
        assert_int_equal(cb->state.bounds.n_looks, 2); /* the recorded looks, nothing after them */
        assert_same_looks(&cb->state, &ca->state, 2);
        for (size_t k = 0; k < 2; k++) {
                assert_int_equal(cb->look_analysis[k], k);
                assert_same(cb->state.look_hazard_ratio[k], ca->state.look_hazard_ratio[k], "hazard ratio", k);
                assert_int_equal(cb->state.look_action[k], ca->state.look_action[k]);
        }
        assert_true(isnan(cb->state.fraction) && isnan(cb->state.z) && isnan(cb->state.cp_design));
        /* Fewer events now than at the last look (deaths before it retracted): no look now, the same looks. */
        assert_int_equal(monitoring_update(&b, &colon.at95, NULL, looks, 2, 0), 0);
        assert_true(cb->events > 0 && cb->events < cb->look_events[1] && isfinite(cb->now.z));
        assert_false(cb->valid);
        assert_true(cb->looks_valid);
        assert_same_looks(&cb->state, &ca->state, 2);
        /* Events again: numbers now, the looks' as before. */
        assert_int_equal(monitoring_update(&b, &colon.now, NULL, looks, 2, 0), 0);
        assert_true(cb->valid && cb->looks_valid);
        assert_same(cb->state.cp_trend, ca->state.cp_trend, "cp trend", 0);
        assert_same(cb->state.bounds.efficacy[cb->state.now], ca->state.bounds.efficacy[ca->state.now], "efficacy now", 0);
        monitoring_deinit(&a);
        monitoring_deinit(&b);
        colon_free(&colon);
}

/* No events yet leaves the comparison without numbers, whatever the looks. */
static void test_invalid(void **state) {
        GsdDesign d = { .sides = 1, .alpha = 0.025, .beta = 0.2, .efficacy = { GSD_LAN_DEMETS_OBF },
                        .planned_events = 100, .hazard_ratio = 0.7, .allocation = 1 };
        Monitoring m;
        assert_int_equal(monitoring_init(&m, &d, 1, false), -EINVAL);
        assert_int_equal(monitoring_init(&m, &d, 3, false), 0);
        SurvTable empty;
        assert_int_equal(survtable_init(&empty, 1, 3), 0);
        assert_int_equal(survtable_seal(&empty), 0);
        assert_int_equal(monitoring_update(&m, &empty, NULL, NULL, 0, 0), 0);
        assert_false(m.cmp[0].valid);
        assert_false(m.cmp[1].valid);
        /* Two looks, neither with events. */
        TrialLook looks[2] = { { 1, 15000, &empty }, { 2, 15001, &empty } };
        assert_int_equal(monitoring_update(&m, &empty, NULL, looks, 2, 0), 0);
        assert_false(m.cmp[0].valid);
        /* Listed, though neither is an analysis. */
        assert_true(m.cmp[0].looks_valid);
        assert_int_equal(m.cmp[0].look_analysis[0], MONITORING_NO_ANALYSIS);
        assert_int_equal(m.cmp[0].look_analysis[1], MONITORING_NO_ANALYSIS);
        monitoring_deinit(&m);
        survtable_deinit(&empty);
        d.alpha = 0.7;
        assert_int_equal(monitoring_init(&m, &d, 2, false), -EINVAL);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_colon_obf),
                cmocka_unit_test(test_colon_pocock_two_sided),
                cmocka_unit_test(test_gbsg_hsd_futility),
                cmocka_unit_test(test_veteran_first_look),
                cmocka_unit_test(test_looks_without_information),
                cmocka_unit_test(test_looks_without_now),
                cmocka_unit_test(test_twenty_looks),
                cmocka_unit_test(test_invalid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
