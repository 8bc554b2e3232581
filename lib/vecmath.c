/* vecmath.c — exp and log over arrays: glibc's vector functions (libmvec) on AVX2, else libm one value at a time. */
#include <math.h>
#include <string.h>

#include "vecmath.h"

static void apply_scalar(double (*f)(double), double *x, size_t n) {
        for (size_t i = 0; i < n; i++)
                x[i] = f(x[i]);
}

#if INTERIM_HAVE_MVEC
#include <immintrin.h>

/* libmvec's four-lane AVX2 variants, by their vector-ABI names; at most 4 ulp from the scalar ones. */
__attribute__((target("avx2"))) __m256d _ZGVdN4v_exp(__m256d x);
__attribute__((target("avx2"))) __m256d _ZGVdN4v_log(__m256d x);

/* Applies f four values at a time, the last few padded with ones: no value takes another path. */
__attribute__((target("avx2"))) static void apply_avx2(__m256d (*f)(__m256d), double *x, size_t n) {
        size_t i = 0;
        for (; i + 4 <= n; i += 4)
                _mm256_storeu_pd(x + i, f(_mm256_loadu_pd(x + i)));
        if (i == n)
                return;
        double tail[4] = { 1, 1, 1, 1 };
        memcpy(tail, x + i, (n - i) * sizeof(double));
        _mm256_storeu_pd(tail, f(_mm256_loadu_pd(tail)));
        memcpy(x + i, tail, (n - i) * sizeof(double));
}

void vecmath_exp(double *x, size_t n) {
        if (__builtin_cpu_supports("avx2"))
                apply_avx2(_ZGVdN4v_exp, x, n);
        else
                apply_scalar(exp, x, n);
}

void vecmath_log(double *x, size_t n) {
        if (__builtin_cpu_supports("avx2"))
                apply_avx2(_ZGVdN4v_log, x, n);
        else
                apply_scalar(log, x, n);
}
#else
void vecmath_exp(double *x, size_t n) {
        apply_scalar(exp, x, n);
}

void vecmath_log(double *x, size_t n) {
        apply_scalar(log, x, n);
}
#endif
