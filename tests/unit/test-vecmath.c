/* test-vecmath.c — exp and log over arrays: libm's values to a few ulp, the same wherever a value stands. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vecmath.h"

#define N 1000

/* Within 4 ulp of the scalar function (glibc's bound for libmvec), NaN where it is, infinities equal. */
static void assert_close(double got, double want) {
        if (isnan(want)) {
                assert_true(isnan(got));
                return;
        }
        if (isinf(want) || want == 0) {
                assert_true(got == want);
                return;
        }
        assert_true(fabs(got - want) <= 4 * (nextafter(fabs(want), INFINITY) - fabs(want)));
}

static void check(void (*f)(double *, size_t), double (*scalar)(double), const double *x, size_t n) {
        double y[N];
        memcpy(y, x, n * sizeof(double));
        f(y, n);
        for (size_t i = 0; i < n; i++)
                assert_close(y[i], scalar(x[i]));
        /* Each value alone, at every offset in a short array: the same bits as in the long one. */
        for (size_t i = 0; i < n; i += 37)
                for (size_t len = 1; len <= 9; len++)
                        for (size_t at = 0; at < len; at++) {
                                double z[9];
                                for (size_t k = 0; k < len; k++)
                                        z[k] = 0.5;
                                z[at] = x[i];
                                f(z, len);
                                assert_memory_equal(&z[at], &y[i], sizeof(double));
                        }
}

static void test_exp(void **state) {
        double x[N];
        for (size_t i = 0; i < N; i++)
                x[i] = -700 + 1400.0 * (double)i / N + 1e-3 * (double)(i % 13);
        x[0] = 0, x[1] = -0.0, x[2] = NAN, x[3] = INFINITY, x[4] = -INFINITY, x[5] = 710, x[6] = -746, x[7] = 1e-300;
        check(vecmath_exp, exp, x, N);
}

static void test_log(void **state) {
        double x[N];
        for (size_t i = 0; i < N; i++)
                x[i] = ldexp(1 + (double)(i % 97) / 97, (int)(i % 200) - 100);
        x[0] = 0, x[1] = 1, x[2] = NAN, x[3] = INFINITY, x[4] = -1, x[5] = 1e-310, x[6] = 1 - 1e-16, x[7] = 0.5;
        check(vecmath_log, log, x, N);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exp),
                cmocka_unit_test(test_log),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
