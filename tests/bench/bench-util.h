/* bench-util.h — timing helpers shared by the benchmark programs: monotonic clock and medians. */
#pragma once

#include <math.h>
#include <stdlib.h>
#include <time.h>

/* Monotonic time in nanoseconds. */
static inline double bench_now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* Median of n values (sorts them). */
static inline double bench_median(double *v, size_t n) {
        qsort(v, n, sizeof(*v), bench_cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The p-quantile (0 < p <= 1) of n values by the nearest rank (sorts them). */
static inline double bench_quantile(double *v, size_t n, double p) {
        qsort(v, n, sizeof(*v), bench_cmp_double);
        size_t rank = (size_t)ceil(p * (double)n);
        return v[rank > 0 ? rank - 1 : 0];
}
