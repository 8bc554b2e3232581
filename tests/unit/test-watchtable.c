/* test-watchtable.c — the text table: each arm's row, the comparisons and the monitoring, rounded and named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fullstats.h"
#include "watchtable.h"

static char *table(const Interim__Statistics *s) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        watchtable_print(f, s);
        assert_int_equal(fclose(f), 0);
        return text;
}

static void test_full(void **state) {
        char *t = table(fullstats());
        static const char *const lines[] = {
                "TRIAL/os  as of 2024-01-31  (seq 42)  95% intervals, log-log limits\n",
                "  arm          n  events  censored competing  median days (limits)         S(365)\n",
                "  control     10       3         5         2  400 (95, 700.5)               0.700\n",
                "  new         10       3         5         2  NR (95, NR)                   0.700\n",
                "  all         10       3         5         2  402 (95, 700.5)               0.700\n",
                "  log-rank: chi-square 3.900 on 1 df, p = 0.048, stratified\n",
                "  Cox model (efron ties, stratified): likelihood ratio p = 0.075, score p = 0.077, Wald p = 0.079\n",
                "  HR new vs control: 0.700 (0.470, 1.040), p = 0.076\n",
                "  RMST to day 730, new - control: 1.0 (-77.4, 79.4) days, p = 0.980\n",
                "  Gray's test: 2.500 on 1 df, p = 0.110\n",
                "  monitoring: 6 of 10 events, information fraction 0.600, alpha spent 0.0039, efficacy bound 2.340, futility bound NA\n",
                "    new vs control: z 2.400, efficacy bound crossed; conditional power 0.310 (current trend), 0.740 (design)\n",
                "    look 1 (2023-06-30): 4 events, information fraction 0.400, z 0.800, efficacy bound 3.360, futility bound -0.200, "
                "alpha spent 0.00039, HR repeated CI (0.300, 1.900)\n",
        };
        char want[4096] = "";
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
                strcat(want, lines[i]);
        assert_string_equal(t, want);
        free(t);
}

static void test_decisions(void **state) {
        Interim__Statistics *s = fullstats();
        Interim__Comparison *c = s->monitoring->comparisons[0];
        c->crossed = false;
        char *t = table(s);
        assert_non_null(strstr(t, "z 2.400, continue;"));
        free(t);
        /* The comparison's own bound decides, not the first comparison's of the block. */
        s->monitoring->has_futility_bound = 1;
        s->monitoring->futility_bound = 2.5;
        t = table(s);
        assert_non_null(strstr(t, "z 2.400, continue;"));
        free(t);
        c->has_futility_bound = 1;
        c->futility_bound = 2.4;
        t = table(s);
        assert_non_null(strstr(t, "z 2.400, at or below the futility bound;"));
        free(t);
        /* From an older daemon a comparison has no bounds of its own: the block's decide. */
        c->has_events = c->has_futility_bound = 0;
        s->monitoring->futility_bound = 2.4;
        t = table(s);
        assert_non_null(strstr(t, "z 2.400, at or below the futility bound;"));
        free(t);
        /* Tiny p-values are not shown as 0. */
        s->logrank->p = 1e-12;
        t = table(s);
        assert_non_null(strstr(t, "1 df, p < 0.0001, stratified"));
        free(t);
}

/* Three arms: each comparison with its own events, information, bounds and looks. */
static void test_comparisons(void **state) {
        Interim__Statistics *s = fullstats();
        Interim__Monitoring *m = s->monitoring;
        static Interim__Comparison other, *both[2];
        other = *m->comparisons[0];
        other.arm = "third";
        other.crossed = false;
        other.z = -0.5;
        other.events = 5;
        other.information_fraction = 0.5;
        other.efficacy_bound = 2.8;
        other.n_looks = 0;
        both[0] = m->comparisons[0];
        both[1] = &other;
        m->n_comparisons = 2;
        m->comparisons = both;
        char *t = table(s);
        static const char *const lines =
                "    new vs control: 6 events, information fraction 0.600, efficacy bound 2.340, futility bound NA; "
                "z 2.400, efficacy bound crossed; conditional power 0.310 (current trend), 0.740 (design)\n"
                "      look 1 (2023-06-30): 4 events, information fraction 0.400, z 0.800, efficacy bound 3.360, "
                "futility bound -0.200, alpha spent 0.00039, HR repeated CI (0.300, 1.900)\n"
                "    third vs control: 5 events, information fraction 0.500, efficacy bound 2.800, futility bound NA; "
                "z -0.500, continue; conditional power 0.310 (current trend), 0.740 (design)\n";
        const char *at = strstr(t, "    new vs control");
        assert_non_null(at);
        assert_string_equal(at, lines); /* and the block's own look line is not repeated */
        free(t);
}

/* R's warnings about the Cox fit follow the numbers they are about. */
static void test_cox_warnings(void **state) {
        Interim__Statistics *s = fullstats();
        s->cox->converged = false;
        s->cox->terms[0]->may_be_infinite = true;
        char *t = table(s);
        assert_non_null(strstr(t, "  Cox model (efron ties, stratified): likelihood ratio p = 0.075, score p = 0.077, "
                                  "Wald p = 0.079; ran out of iterations and did not converge\n"
                                  "  HR new vs control: 0.700 (0.470, 1.040), p = 0.076; coefficient may be infinite\n"));
        free(t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_decisions),
                cmocka_unit_test(test_comparisons),
                cmocka_unit_test(test_cox_warnings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
