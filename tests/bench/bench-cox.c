/* bench-cox.c — microseconds per Cox fit on simulated trials of two arms and three strata. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "interim/cox.h"
#include "interim/numeric.h"
#include "simulate.h"

#define RUNS 101

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* Median microseconds of one fit (each run fits the table from scratch, as a refresh does). */
static double time_fit(CoxFit *fit, const SurvTable *t, CoxTies ties, bool stratified) {
        CoxOptions opt = { .ties = ties, .stratified = stratified, .conf_level = 0.95 };
        double us[RUNS];
        for (int r = 0; r < RUNS; r++) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                if (cox_fit(fit, t, &opt) < 0)
                        abort();
                clock_gettime(CLOCK_MONOTONIC, &b);
                us[r] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
        }
        qsort(us, RUNS, sizeof(*us), cmp_double);
        return us[RUNS / 2];
}

int main(void) {
        numeric_init();
        printf("Cox fit, 2 arms x 3 strata, times in days: median microseconds of %d fits\n\n", RUNS);
        printf("%9s %7s %6s %4s | %10s %10s | %10s %10s\n", "patients", "events", "times", "iter", "efron",
               "breslow", "efron", "breslow");
        printf("%9s %7s %6s %4s | %21s | %21s\n", "", "", "", "", "stratified", "not stratified");
        for (size_t n = 1000; n <= 1000000; n *= 10) {
                SurvTable t;
                CoxFit fit;
                simulate_trial(n, 2, 3, 1, 42, &t);
                if (cox_init(&fit, 2) < 0)
                        abort();
                double es = time_fit(&fit, &t, COX_EFRON, true);
                int iter = fit.iter;
                uint64_t events = fit.n_events;
                double bs = time_fit(&fit, &t, COX_BRESLOW, true);
                double e = time_fit(&fit, &t, COX_EFRON, false);
                double b = time_fit(&fit, &t, COX_BRESLOW, false);
                printf("%9zu %7llu %6zu %4d | %10.1f %10.1f | %10.1f %10.1f\n", n, (unsigned long long)events,
                       t.n_times, iter, es, bs, e, b);
                cox_deinit(&fit);
                survtable_deinit(&t);
        }
        return 0;
}
