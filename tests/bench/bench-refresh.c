/* bench-refresh.c — cost of events, patient moves, table reads and monitored refreshes, by trial size. */
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
/* The last events of the stream, applied one at a time with a refresh after each. */
#define LIVE_EVENTS 1000
/* One from-scratch refresh per this many live ones: rebuilding from every patient is slow. */
#define SCRATCH_EVERY 50
/* Patients enrolled after the stream, one at a time with a refresh after each. */
#define ENROLLMENTS 100

static const EndpointSpec endpoints[] = {
        { "os", EVENT_BIT(EVENT_DEATH), 0 },
        { "pfs", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL) | EVENT_BIT(EVENT_PROGRESSION_DISTANT) | EVENT_BIT(EVENT_DEATH), 0 },
        { "lrp", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL), EVENT_BIT(EVENT_DEATH) },
};

/* Applies events [from, to) of the simulated stream. */
static void apply(Trial *t, const SimParams *p, const SimEvent *ev, size_t from, size_t to) {
        char id[32];
        for (size_t i = from; i < to; i++) {
                snprintf(id, sizeof(id), "P%07u", ev[i].patient);
                TrialEvent e = { .kind = ev[i].kind, .patient = id, .date = ev[i].date,
                                 .arm = p->arms[ev[i].arm], .stratum = p->strata[ev[i].stratum] };
                if (trial_apply(t, &e, INT32_MAX - 1) != 0) {
                        fprintf(stderr, "simulated event %zu refused\n", i);
                        exit(1);
                }
        }
}

/* The live refreshes of one way of refreshing: all of them, and those that redid something. */
typedef struct Refreshes {
        double all[RUNS * LIVE_EVENTS], redo[RUNS * LIVE_EVENTS];
        size_t n_all, n_redo;
} Refreshes;

/* Microseconds to refresh s. */
static double refresh_us(Summary *s, const Trial *t) {
        double t0 = bench_now_ns();
        (void)summary_refresh(s, t);
        return (bench_now_ns() - t0) / 1e3;
}

/* Notes a refresh of us microseconds; redo: the event before it changed the endpoint's table. */
static void note(Refreshes *r, double us, bool redo) {
        r->all[r->n_all++] = us;
        if (redo)
                r->redo[r->n_redo++] = us;
}

int main(void) {
        numeric_init();
        Worker *worker;
        if (worker_new(&worker) < 0)
                return 1;
        printf("| patients | events | apply ns/event | move ns | table us (live) | table us (from scratch) | refresh us (live) | refresh us (live, 2 threads) | refresh us (all recomputed) | refresh us (from scratch) | bytes/patient |\n");
        printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        static Refreshes one[4], two[4]; /* by size: on one thread, with the worker */
        static double first[2][4][RUNS], enrolled[2][4][RUNS * ENROLLMENTS]; /* [one thread, worker][size] */
        static double rescratch[RUNS * (LIVE_EVENTS / SCRATCH_EVERY)], recompute[RUNS * (LIVE_EVENTS / SCRATCH_EVERY)];
        size_t size = 0;
        for (size_t n_patients = 1000; n_patients <= 1000000; n_patients *= 10) {
                SimParams p;
                sim_params_e2108(&p);
                p.n_patients = n_patients;
                p.n_sites = n_patients / 20 + 1;
                SimEvent *ev;
                size_t n_ev;
                if (sim_generate(&p, &ev, &n_ev) < 0 || n_ev <= LIVE_EVENTS)
                        return 1;
                size_t held = n_ev - LIVE_EVENTS, n_rescratch = 0;
                TrialSpec spec = { .name = "bench", .n_arms = 2, .arms = (char **)p.arms, .n_strata = 3,
                                   .strata = (char **)p.strata, .n_endpoints = 3, .endpoints = (EndpointSpec *)endpoints };
                double apply_ns[RUNS], move[RUNS], inc[RUNS], scratch[RUNS], bytes = 0;
                for (int run = 0; run < RUNS; run++) {
                        struct mallinfo2 m0 = mallinfo2();
                        Trial *t;
                        if (trial_new(&t, &spec) < 0)
                                return 1;
                        /*
                         * Two formal looks on the way, after a third and two thirds of the held
                         * events; neither their time nor their frozen tables' memory is counted.
                         */
                        double t0 = bench_now_ns(), looks_ns = 0, looks_bytes = 0;
                        for (uint32_t look = 1; look <= 3; look++) {
                                apply(t, &p, ev, held * (look - 1) / 3, held * look / 3);
                                double l0 = bench_now_ns();
                                struct mallinfo2 b0 = mallinfo2();
                                int32_t cut = ev[held * look / 3 - 1].date;
                                if (look < 3 && trial_look(t, look, cut, INT32_MAX - 1) != TRIAL_OK)
                                        return 1;
                                looks_bytes += (double)(mallinfo2().uordblks - b0.uordblks);
                                looks_ns += bench_now_ns() - l0;
                        }
                        apply_ns[run] = (bench_now_ns() - t0 - looks_ns) / (double)held;

                        /* Raw moves: one patient out of a day and into another, in the OS risk set. */
                        RiskSet *rs = (RiskSet *)trial_riskset(t, 0);
                        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
                        const size_t moves = 1000000;
                        t0 = bench_now_ns();
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

                        /*
                         * Full refreshes of the competing-risk endpoint (every statistic, 2 arms x
                         * 3 strata, monitored under a group-sequential design with the two looks),
                         * each after one more event of the stream: two live ones, from the risk
                         * set, one on this thread and one with the worker (in turns first), and
                         * now and then the from-scratch one, on this thread, from a table rebuilt
                         * from every patient, in a summary of its own (timed also without the
                         * rebuild: every statistic recomputed, nothing reused).
                         */
                        ReportOptions opt = { .stratified = true, .ci = KM_CONF_LOGLOG, .conf_level = 0.95,
                                              .n_landmarks = 3, .landmarks = { 365, 730, 1095 }, .rmst_tau = 1825 };
                        GsdDesign design = { .sides = 1, .alpha = 0.025, .beta = 0.2,
                                             .efficacy = { GSD_LAN_DEMETS_OBF }, .futility = GSD_FUTILITY_NONE,
                                             .planned_events = 0.3 * (double)n_patients, .hazard_ratio = 0.4,
                                             .allocation = 1 };
                        Summary live, live2, batch;
                        if (summary_init(&live, &spec, 2, &opt) < 0 || summary_init(&live2, &spec, 2, &opt) < 0 ||
                            summary_init(&batch, &spec, 2, &opt) < 0 || summary_set_design(&live, &design) < 0 ||
                            summary_set_design(&live2, &design) < 0 || summary_set_design(&batch, &design) < 0)
                                return 1;
                        summary_set_worker(&live2, worker);
                        first[0][size][run] = refresh_us(&live, t);
                        first[1][size][run] = refresh_us(&live2, t);
                        for (size_t i = held; i < n_ev; i++) {
                                apply(t, &p, ev, i, i + 1);
                                double us2 = i % 2 ? refresh_us(&live2, t) : 0, us1 = refresh_us(&live, t);
                                if (i % 2 == 0)
                                        us2 = refresh_us(&live2, t);
                                SurvCells all = survtable_cells(&live.table, SURV_ALL, SURV_ALL);
                                bool redo = survtable_first_change(live.changed, all) != SURV_UNCHANGED;
                                note(&one[size], us1, redo);
                                note(&two[size], us2, redo);
                                if ((i - held) % SCRATCH_EVERY != 0)
                                        continue;
                                size_t n_looks;
                                const TrialLook *looks = trial_looks(t, &n_looks);
                                t0 = bench_now_ns();
                                (void)trial_table_as_of(t, 2, INT32_MAX, &tab);
                                double t1 = bench_now_ns();
                                (void)summary_compute(&batch, &tab, looks, n_looks);
                                recompute[n_rescratch] = (bench_now_ns() - t1) / 1e3;
                                rescratch[n_rescratch++] = (bench_now_ns() - t0) / 1e3;
                        }
                        /*
                         * Patients enrolled on the stream's last day: each changes its cell
                         * from day 0.  Their own memory is not counted per patient.
                         */
                        double enroll_bytes = 0;
                        for (size_t k = 0; k < ENROLLMENTS; k++) {
                                char id[32];
                                snprintf(id, sizeof(id), "N%07zu", k);
                                TrialEvent e = { .kind = EVENT_ENROLL, .patient = id, .date = ev[n_ev - 1].date,
                                                 .arm = p.arms[k % 2], .stratum = p.strata[k % 3] };
                                struct mallinfo2 e0 = mallinfo2();
                                if (trial_apply(t, &e, INT32_MAX - 1) != TRIAL_OK)
                                        return 1;
                                enroll_bytes += (double)(mallinfo2().uordblks - e0.uordblks);
                                double us2 = k % 2 ? refresh_us(&live2, t) : 0, us1 = refresh_us(&live, t);
                                if (k % 2 == 0)
                                        us2 = refresh_us(&live2, t);
                                enrolled[0][size][run * ENROLLMENTS + k] = us1;
                                enrolled[1][size][run * ENROLLMENTS + k] = us2;
                        }
                        summary_deinit(&live);
                        summary_deinit(&live2);
                        summary_deinit(&batch);
                        survtable_deinit(&tab);
                        bytes = ((double)(mallinfo2().uordblks - m0.uordblks) - looks_bytes - enroll_bytes) /
                                (double)n_patients;
                        trial_free(t);
                }
                printf("| %zu | %zu | %.0f | %.1f | %.1f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", n_patients, n_ev,
                       bench_median(apply_ns, RUNS), bench_median(move, RUNS), bench_median(inc, RUNS),
                       bench_median(scratch, RUNS), bench_median(one[size].all, one[size].n_all),
                       bench_median(two[size].all, two[size].n_all), bench_median(recompute, n_rescratch),
                       bench_median(rescratch, n_rescratch), bytes);
                fflush(stdout);
                free(ev);
                size++;
        }
        printf("\nLive refreshes after the events that changed the endpoint's table (us)\n\n");
        printf("| patients | refreshes | p25 | median | p75 | p25, 2 threads | median, 2 threads | p75, 2 threads |\n");
        printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        size = 0;
        for (size_t n_patients = 1000; n_patients <= 1000000; n_patients *= 10, size++) {
                Refreshes *a = &one[size], *b = &two[size];
                printf("| %zu | %zu of %zu | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", n_patients, a->n_redo, a->n_all,
                       bench_quantile(a->redo, a->n_redo, 0.25), bench_median(a->redo, a->n_redo),
                       bench_quantile(a->redo, a->n_redo, 0.75), bench_quantile(b->redo, b->n_redo, 0.25),
                       bench_median(b->redo, b->n_redo), bench_quantile(b->redo, b->n_redo, 0.75));
        }
        printf("\nA summary's first refresh, and refreshes after an enrollment (us, medians)\n\n");
        printf("| patients | first refresh | first refresh, 2 threads | after an enrollment | after an enrollment, 2 threads |\n");
        printf("| ---: | ---: | ---: | ---: | ---: |\n");
        size = 0;
        for (size_t n_patients = 1000; n_patients <= 1000000; n_patients *= 10, size++)
                printf("| %zu | %.0f | %.0f | %.0f | %.0f |\n", n_patients, bench_median(first[0][size], RUNS),
                       bench_median(first[1][size], RUNS), bench_median(enrolled[0][size], RUNS * ENROLLMENTS),
                       bench_median(enrolled[1][size], RUNS * ENROLLMENTS));
        worker_free(worker);
        return 0;
}
