/* bench-gsd.c — time to recompute every boundary of K equally spaced looks, with and without futility, and to refresh a monitor. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "interim/gsd.h"
#include "interim/numeric.h"

#define RUNS 31

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* The median over RUNS calls of gsd_bounds() for K equally spaced looks, in ms. */
static double median_ms(const GsdDesign *d, size_t k) {
        double t[GSD_MAX_LOOKS], ms[RUNS];
        for (size_t i = 0; i < k; i++)
                t[i] = (double)(i + 1) / k;
        for (int r = 0; r < RUNS; r++) {
                GsdBounds b;
                struct timespec start, end;
                clock_gettime(CLOCK_MONOTONIC, &start);
                if (gsd_bounds(d, k, t, &b) < 0) {
                        fprintf(stderr, "gsd_bounds failed for K = %zu\n", k);
                        exit(1);
                }
                clock_gettime(CLOCK_MONOTONIC, &end);
                ms[r] = (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6;
        }
        qsort(ms, RUNS, sizeof(*ms), cmp_double);
        return ms[RUNS / 2];
}

/*
 * The median over RUNS refreshes of a monitor with K - 2 recorded looks (equally
 * spaced over the planned events), for a look made now between the last and the final
 * one: the work of each publication.
 */
static double refresh_ms(const GsdDesign *d, size_t k) {
        double events[GSD_MAX_LOOKS], z[GSD_MAX_LOOKS], ms[RUNS];
        for (size_t i = 0; i + 2 < k; i++) {
                events[i] = d->planned_events * (i + 1) / k;
                z[i] = 0.5 * (i + 1);
        }
        GsdMonitor *m;
        if (gsd_monitor_new(&m, d, k - 2, events, z) < 0) {
                fprintf(stderr, "gsd_monitor_new failed for K = %zu\n", k);
                exit(1);
        }
        for (int r = 0; r < RUNS; r++) {
                GsdState st;
                struct timespec start, end;
                clock_gettime(CLOCK_MONOTONIC, &start);
                if (gsd_monitor_state(m, d->planned_events * (k - 1.5) / k, 2.0, &st) < 0) {
                        fprintf(stderr, "gsd_monitor_state failed for K = %zu\n", k);
                        exit(1);
                }
                clock_gettime(CLOCK_MONOTONIC, &end);
                ms[r] = (end.tv_sec - start.tv_sec) * 1e3 + (end.tv_nsec - start.tv_nsec) / 1e6;
        }
        gsd_monitor_free(m);
        qsort(ms, RUNS, sizeof(*ms), cmp_double);
        return ms[RUNS / 2];
}

int main(void) {
        numeric_init();
        GsdDesign plain = { .sides = 1, .alpha = 0.025, .efficacy = { GSD_LAN_DEMETS_OBF, 0 },
                            .planned_events = 300, .hazard_ratio = 0.7, .allocation = 1 };
        GsdDesign futility = plain;
        futility.futility = GSD_FUTILITY_BETA;
        futility.beta = 0.2;
        futility.futility_spending = (GsdSpending){ GSD_LAN_DEMETS_OBF, 0 };

        printf("One-sided O'Brien-Fleming alpha 0.025, K equally spaced looks; median of %d runs, ms.\n", RUNS);
        printf("bounds: gsd_bounds() for all K looks; refresh: gsd_monitor_state() with K - 2 looks recorded.\n");
        printf("%3s  %14s  %22s  %14s  %22s\n", "K", "bounds", "bounds + bsOF futility", "refresh",
               "refresh + bsOF futility");
        for (size_t k = 2; k <= 10; k++)
                printf("%3zu  %14.3f  %22.3f  %14.3f  %22.3f\n", k, median_ms(&plain, k),
                       median_ms(&futility, k), refresh_ms(&plain, k), refresh_ms(&futility, k));
        return 0;
}
