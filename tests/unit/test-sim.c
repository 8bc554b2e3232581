/* test-sim.c — the simulated E2108-like trial meets its published design figures and is reproducible. */
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

#include "interim/numeric.h"
#include "interim/sim.h"
#include "interim/summary.h"

#define MONTH (365.25 / 12)

static const EndpointSpec endpoints[] = {
        { "os", EVENT_BIT(EVENT_DEATH), 0 },
        { "lrp", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL), EVENT_BIT(EVENT_DEATH) },
};

static Trial *feed(const SimParams *p) {
        SimEvent *ev;
        size_t n;
        assert_int_equal(sim_generate(p, &ev, &n), 0);
        TrialSpec spec = { .name = "E2108", .n_arms = 2, .arms = (char **)p->arms, .n_strata = 3,
                           .strata = (char **)p->strata, .n_endpoints = 2, .endpoints = (EndpointSpec *)endpoints };
        Trial *t;
        assert_int_equal(trial_new(&t, &spec), 0);
        char id[16];
        for (size_t i = 0; i < n; i++) {
                snprintf(id, sizeof(id), "P%u", ev[i].patient);
                TrialEvent e = { .kind = ev[i].kind, .patient = id, .date = ev[i].date,
                                 .arm = p->arms[ev[i].arm], .stratum = p->strata[ev[i].stratum] };
                assert_int_equal(trial_apply(t, &e, INT32_MAX - 1), TRIAL_OK);
        }
        free(ev);
        return t;
}

/* The design: 256 randomized, 131 systemic therapy and 125 early locoregional therapy. */
static void test_e2108_size(void **state) {
        SimParams p;
        sim_params_e2108(&p);
        Trial *t = feed(&p);
        assert_int_equal(trial_enrolled(t, 0), 131);
        assert_int_equal(trial_enrolled(t, 1), 125);
        trial_free(t);
}

/*
 * On a large trial with the same design the estimates land on the targets: median OS
 * 54 months in both arms, 3-year locoregional progression 26% vs 10%, HR+/HER2- the
 * largest stratum.  Sampling error at 40,000 patients is well inside the margins.
 */
static void test_e2108_targets(void **state) {
        SimParams p;
        sim_params_e2108(&p);
        p.n_patients = 40000;
        p.n_sites = 200;
        Trial *t = feed(&p);
        ReportOptions opt = { .ci = KM_CONF_LOGLOG, .conf_level = 0.95 };
        Summary os, lrp;
        assert_int_equal(summary_init(&os, trial_spec(t), 0, &opt), 0);
        assert_int_equal(summary_init(&lrp, trial_spec(t), 1, &opt), 0);
        assert_int_equal(summary_refresh(&os, t), 0);
        assert_int_equal(summary_refresh(&lrp, t), 0);
        for (size_t a = 0; a < 2; a++) {
                double median = os.arm[a].median.time / MONTH;
                assert_true(fabs(median - 54) < 2.5);
        }
        double est, var;
        cif_at(&lrp.arm[0].cif, 1096, &est, &var);
        assert_true(fabs(est - 0.26) < 0.015);
        cif_at(&lrp.arm[1].cif, 1096, &est, &var);
        assert_true(fabs(est - 0.10) < 0.015);
        size_t hr = 0, all = 0;
        for (size_t s = 0; s < 3; s++)
                for (size_t a = 0; a < 2; a++) {
                        all += survtable_size(&os.table, s, a);
                        hr += s == 0 ? survtable_size(&os.table, s, a) : 0;
                }
        assert_true(fabs((double)hr / (double)all - 0.56) < 0.02);
        summary_deinit(&os);
        summary_deinit(&lrp);
        trial_free(t);
}

static void test_reproducible(void **state) {
        SimParams p;
        sim_params_e2108(&p);
        SimEvent *a, *b, *c;
        size_t na, nb, nc;
        assert_int_equal(sim_generate(&p, &a, &na), 0);
        assert_int_equal(sim_generate(&p, &b, &nb), 0);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof(*a));
        p.seed++;
        assert_int_equal(sim_generate(&p, &c, &nc), 0);
        assert_true(nc != na || memcmp(a, c, na * sizeof(*a)) != 0);
        /* Calendar order, each patient's enrollment first. */
        for (size_t i = 1; i < na; i++)
                assert_true(a[i].date >= a[i - 1].date);
        free(a);
        free(b);
        free(c);
        p.n_patients = 0;
        assert_int_equal(sim_generate(&p, &a, &na), -EINVAL);
}

int main(void) {
        numeric_init();
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_e2108_size),
                cmocka_unit_test(test_e2108_targets),
                cmocka_unit_test(test_reproducible),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
