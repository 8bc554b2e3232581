/* bench-cif.c — time per call of the cumulative incidence curves and Gray's test on a simulated trial. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "interim/cif.h"
#include "interim/numeric.h"

#define PATIENTS 100000
#define ARMS 2
#define STRATA 3
#define FOLLOW_UP 1826 /* days: five years */
#define BATCHES 21
#define REPS 100

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static double median(double batch[BATCHES]) {
        qsort(batch, BATCHES, sizeof(*batch), cmp_double);
        return batch[BATCHES / 2];
}

/* A fixed xorshift stream, so that every run times the same trial. */
static uint32_t next(uint64_t *s) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return (uint32_t)(*s >> 32);
}

static int simulate(SurvTable *t) {
        int32_t *time = malloc(PATIENTS * sizeof(*time));
        uint8_t *outcome = malloc(PATIENTS);
        uint16_t *arm = malloc(PATIENTS * sizeof(*arm));
        uint16_t *stratum = malloc(PATIENTS * sizeof(*stratum));
        int r = -1;
        if (time && outcome && arm && stratum) {
                uint64_t s = 0x9e3779b97f4a7c15u;
                for (size_t i = 0; i < PATIENTS; i++) {
                        time[i] = (int32_t)(next(&s) % FOLLOW_UP);
                        uint32_t u = next(&s) % 100;
                        outcome[i] = u < 30 ? OUTCOME_EVENT : u < 45 ? OUTCOME_COMPETING : OUTCOME_CENSORED;
                        arm[i] = (uint16_t)(next(&s) % ARMS);
                        stratum[i] = (uint16_t)(next(&s) % STRATA);
                }
                r = survtable_init(t, STRATA, ARMS);
                if (r == 0)
                        r = survtable_from_records(t, PATIENTS, time, outcome, arm, stratum);
        }
        free(time);
        free(outcome);
        free(arm);
        free(stratum);
        return r;
}

int main(void) {
        numeric_init();
        SurvTable t;
        if (simulate(&t) < 0) {
                fprintf(stderr, "cannot build the table\n");
                return 1;
        }
        CifCurve c;
        cif_init(&c);
        GrayWork w;
        gray_init(&w);
        GrayTest g;
        printf("%d patients, %d arms x %d strata, %zu distinct days; microseconds per call, "
               "best of %d batches of %d (median)\n", PATIENTS, ARMS, STRATA, t.n_times, BATCHES, REPS);

        for (int arm = SURV_ALL; arm < ARMS; arm++) {
                double best = INFINITY, batch[BATCHES];
                for (int b = 0; b < BATCHES; b++) {
                        double t0 = now();
                        for (int i = 0; i < REPS; i++)
                                cif_estimate(&t, arm, &c);
                        batch[b] = 1e6 * (now() - t0) / REPS;
                        best = fmin(best, batch[b]);
                }
                printf("cif_estimate arm %-3d %8.1f (%6.1f)  %zu rows\n", arm, best, median(batch), c.n);
        }
        for (int stratified = 0; stratified < 2; stratified++) {
                double best = INFINITY, batch[BATCHES];
                for (int b = 0; b < BATCHES; b++) {
                        double t0 = now();
                        for (int i = 0; i < REPS; i++)
                                gray_test(&t, stratified, 0, &w, &g);
                        batch[b] = 1e6 * (now() - t0) / REPS;
                        best = fmin(best, batch[b]);
                }
                printf("gray_test %-10s %8.1f (%6.1f)  stat %.4g, p %.4g\n", stratified ? "stratified" : "pooled",
                       best, median(batch), g.stat, g.p);
        }
        gray_deinit(&w);
        cif_deinit(&c);
        survtable_deinit(&t);
        return 0;
}
