/* bench-refresh.c — cost of applying events, moving patients and reading an endpoint's table, by trial size. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "bench-util.h"
#include "interim/numeric.h"
#include "interim/sim.h"
#include "interim/summary.h"
#include "interim/trial.h"

#define RUNS 5

static const EndpointSpec endpoints[] = {
        { "os", EVENT_BIT(EVENT_DEATH), 0 },
        { "pfs", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL) | EVENT_BIT(EVENT_PROGRESSION_DISTANT) | EVENT_BIT(EVENT_DEATH), 0 },
        { "lrp", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL), EVENT_BIT(EVENT_DEATH) },
};

/* Applies the whole simulated stream; returns nanoseconds per event. */
static double apply_all(Trial *t, const SimParams *p, const SimEvent *ev, size_t n) {
        char id[32];
        double t0 = bench_now_ns();
        for (size_t i = 0; i < n; i++) {
                snprintf(id, sizeof(id), "P%07u", ev[i].patient);
                TrialEvent e = { .kind = ev[i].kind, .patient = id, .date = ev[i].date,
                                 .arm = p->arms[ev[i].arm], .stratum = p->strata[ev[i].stratum] };
                if (trial_apply(t, &e, INT32_MAX - 1) != 0) {
                        fprintf(stderr, "simulated event %zu refused\n", i);
                        exit(1);
                }
        }
        return (bench_now_ns() - t0) / (double)n;
}

int main(void) {
        numeric_init();
        printf("| patients | events | apply ns/event | move ns | table us (live) | table us (from scratch) | refresh us (live) | refresh us (from scratch) | bytes/patient |\n");
        printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (size_t n_patients = 1000; n_patients <= 1000000; n_patients *= 10) {
                SimParams p;
                sim_params_e2108(&p);
                p.n_patients = n_patients;
                p.n_sites = n_patients / 20 + 1;
                SimEvent *ev;
                size_t n_ev;
                if (sim_generate(&p, &ev, &n_ev) < 0)
                        return 1;
                TrialSpec spec = { .name = "bench", .n_arms = 2, .arms = (char **)p.arms, .n_strata = 3,
                                   .strata = (char **)p.strata, .n_endpoints = 3, .endpoints = (EndpointSpec *)endpoints };
                double apply[RUNS], move[RUNS], inc[RUNS], scratch[RUNS], refresh[RUNS], rescratch[RUNS], bytes = 0;
                for (int run = 0; run < RUNS; run++) {
                        struct mallinfo2 m0 = mallinfo2();
                        Trial *t;
                        if (trial_new(&t, &spec) < 0)
                                return 1;
                        apply[run] = apply_all(t, &p, ev, n_ev);
                        bytes = (double)(mallinfo2().uordblks - m0.uordblks) / (double)n_patients;

                        /* Raw moves: one patient out of a day and into another, in the OS risk set. */
                        RiskSet *rs = (RiskSet *)trial_riskset(t, 0);
                        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
                        const size_t moves = 1000000;
                        double t0 = bench_now_ns();
                        for (size_t i = 0; i < moves; i++) {
                                size_t s = gsl_rng_uniform_int(rng, 3), a = gsl_rng_uniform_int(rng, 2);
                                int32_t day = (int32_t)gsl_rng_uniform_int(rng, 3000);
                                (void)riskset_add(rs, s, a, day, OUTCOME_EVENT);
                                riskset_remove(rs, s, a, day, OUTCOME_EVENT);
                        }
                        move[run] = (bench_now_ns() - t0) / moves / 2;
                        gsl_rng_free(rng);

                        SurvTable tab;
                        if (survtable_init(&tab, 3, 2) < 0)
                                return 1;
                        (void)riskset_table(rs, &tab); /* warm: the daemon reuses its table */
                        t0 = bench_now_ns();
                        (void)riskset_table(rs, &tab);
                        inc[run] = (bench_now_ns() - t0) / 1e3;
                        t0 = bench_now_ns();
                        (void)trial_table_as_of(t, 0, INT32_MAX, &tab);
                        scratch[run] = (bench_now_ns() - t0) / 1e3;

                        /* A full refresh of the competing-risk endpoint: every statistic, 2 arms x 3 strata. */
                        ReportOptions opt = { .stratified = true, .ci = KM_CONF_LOGLOG, .conf_level = 0.95,
                                              .n_landmarks = 3, .landmarks = { 365, 730, 1095 }, .rmst_tau = 1825 };
                        Summary sum;
                        if (summary_init(&sum, &spec, 2, &opt) < 0 || summary_refresh(&sum, t) < 0)
                                return 1;
                        t0 = bench_now_ns();
                        (void)summary_refresh(&sum, t);
                        refresh[run] = (bench_now_ns() - t0) / 1e3;
                        t0 = bench_now_ns();
                        (void)trial_table_as_of(t, 2, INT32_MAX, &tab);
                        (void)summary_compute(&sum, &tab, NULL, 0);
                        rescratch[run] = (bench_now_ns() - t0) / 1e3;
                        summary_deinit(&sum);
                        survtable_deinit(&tab);
                        trial_free(t);
                }
                printf("| %zu | %zu | %.0f | %.1f | %.1f | %.0f | %.0f | %.0f | %.0f |\n", n_patients, n_ev,
                       bench_median(apply, RUNS), bench_median(move, RUNS), bench_median(inc, RUNS),
                       bench_median(scratch, RUNS), bench_median(refresh, RUNS), bench_median(rescratch, RUNS), bytes);
                fflush(stdout);
                free(ev);
        }
        return 0;
}
