/* bench-util.h — timing helpers shared by the benchmark programs: monotonic clock and medians. */
#pragma once

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
