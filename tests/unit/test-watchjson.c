/* test-watchjson.c — the JSON of a publication: exactly the wire's keys, null for absent numbers, every digit kept. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fullstats.h"
#include "watchjson.h"

/* The keys of each object, in order: README.md's schema. */
static const char *const statistics_keys[] = { "trial", "endpoint", "seq", "as_of", "arms", "logrank", "cox", "rmst_diff",
                                               "gray", "monitoring", "conf_level", "conf_type", NULL };
static const char *const arm_keys[] = { "arm", "n", "events", "censored", "competing", "median", "quartiles", "curve",
                                        "landmarks", "rmst", "followup_median", "cif", NULL };
static const char *const interval_keys[] = { "estimate", "lower", "upper", NULL };
static const char *const quartiles_keys[] = { "q25", "q75", NULL };
static const char *const curve_keys[] = { "time", "n_risk", "n_event", "n_censor", "surv", "std_err", "lower", "upper", NULL };
static const char *const landmark_keys[] = { "time", "n_risk", "surv", "std_err", "lower", "upper", NULL };
static const char *const rmst_keys[] = { "tau", "estimate", "std_err", NULL };
static const char *const cif_keys[] = { "time", "estimate", "variance", NULL };
static const char *const logrank_keys[] = { "chisq", "df", "p", "stratified", NULL };
static const char *const cox_keys[] = { "ties", "stratified", "lr_p", "score_p", "terms", "wald_p", "converged", "iterations", NULL };
static const char *const term_keys[] = { "arm", "coef", "se", "hr", "lower", "upper", "p", "may_be_infinite", NULL };
static const char *const rmst_diff_keys[] = { "arm", "diff", "lower", "upper", "p", NULL };
static const char *const gray_keys[] = { "stat", "df", "p", NULL };
static const char *const monitoring_keys[] = { "events", "planned_events", "information_fraction", "alpha_spent",
                                               "efficacy_bound", "futility_bound", "looks", "comparisons", NULL };
static const char *const look_keys[] = { "look", "data_cut", "events", "information_fraction", "efficacy_bound",
                                         "futility_bound", "alpha_spent", "z", "hr_rci", NULL };
static const char *const limits_keys[] = { "lower", "upper", NULL };
static const char *const comparison_keys[] = { "arm", "z", "crossed", "conditional_power", "events", "information_fraction",
                                               "alpha_spent", "efficacy_bound", "futility_bound", "looks", NULL };
static const char *const power_keys[] = { "current_trend", "design", NULL };

static void check_keys(const json_t *o, const char *const *keys) {
        assert_true(json_is_object(o));
        size_t i = 0;
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)o, key, value) {
                assert_non_null(keys[i]);
                assert_string_equal(key, keys[i]);
                i++;
        }
        assert_null(keys[i]);
}

static json_t *at(const json_t *o, const char *path) {
        json_t *v = json_object_get(o, path);
        if (!v)
                fail_msg("no key %s", path);
        return v;
}

static json_t *item(const json_t *o, const char *key, size_t i) {
        json_t *v = json_array_get(at(o, key), i);
        assert_non_null(v);
        return v;
}

static void check_real(const json_t *o, const char *key, double want) {
        json_t *v = at(o, key);
        if (!json_is_real(v) || json_real_value(v) != want)
                fail_msg("%s: %.17g expected", key, want);
}

static void check_null(const json_t *o, const char *key) {
        if (!json_is_null(at(o, key)))
                fail_msg("%s: null expected", key);
}

/* The message as watchjson_print() writes it, read back. */
static json_t *printed(const Interim__Statistics *s, char **ret_text) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        assert_int_equal(watchjson_print(f, s), 0);
        assert_int_equal(fclose(f), 0);
        /* One line. */
        assert_true(size > 0);
        assert_int_equal(text[size - 1], '\n');
        assert_ptr_equal(strchr(text, '\n'), text + size - 1);
        json_error_t error;
        json_t *j = json_loads(text, 0, &error);
        if (!j)
                fail_msg("not JSON: %s", error.text);
        *ret_text = text;
        return j;
}

static void test_keys(void **state) {
        char *text;
        json_t *j = printed(fullstats(), &text);
        check_keys(j, statistics_keys);
        for (size_t a = 0; a < 3; a++) {
                json_t *arm = item(j, "arms", a);
                check_keys(arm, arm_keys);
                check_keys(at(arm, "median"), interval_keys);
                check_keys(at(arm, "quartiles"), quartiles_keys);
                check_keys(at(at(arm, "quartiles"), "q25"), interval_keys);
                check_keys(at(at(arm, "quartiles"), "q75"), interval_keys);
                assert_int_equal(json_array_size(at(arm, "curve")), 4);
                for (size_t i = 0; i < 4; i++)
                        check_keys(item(arm, "curve", i), curve_keys);
                check_keys(item(arm, "landmarks", 0), landmark_keys);
                check_keys(at(arm, "rmst"), rmst_keys);
                check_keys(item(arm, "cif", 1), cif_keys);
        }
        check_keys(at(j, "logrank"), logrank_keys);
        check_keys(at(j, "cox"), cox_keys);
        check_keys(item(at(j, "cox"), "terms", 0), term_keys);
        check_keys(item(j, "rmst_diff", 0), rmst_diff_keys);
        check_keys(at(j, "gray"), gray_keys);
        json_t *m = at(j, "monitoring");
        check_keys(m, monitoring_keys);
        check_keys(item(m, "looks", 0), look_keys);
        check_keys(at(item(m, "looks", 0), "hr_rci"), limits_keys);
        check_keys(item(m, "comparisons", 0), comparison_keys);
        check_keys(item(item(m, "comparisons", 0), "looks", 0), look_keys);
        check_keys(at(item(m, "comparisons", 0), "conditional_power"), power_keys);
        json_decref(j);
        free(text);
}

static void test_values(void **state) {
        char *text;
        json_t *j = printed(fullstats(), &text);
        assert_string_equal(json_string_value(at(j, "trial")), "TRIAL");
        assert_string_equal(json_string_value(at(j, "as_of")), "2024-01-31");
        assert_true(json_is_integer(at(j, "seq")));
        assert_int_equal(json_integer_value(at(j, "seq")), 42);
        check_real(j, "conf_level", 0.95);
        assert_string_equal(json_string_value(at(j, "conf_type")), "log-log");
        json_t *control = item(j, "arms", 0), *added = item(j, "arms", 1), *all = item(j, "arms", 2);
        assert_string_equal(json_string_value(at(added, "arm")), "new");
        assert_int_equal(json_integer_value(at(control, "competing")), 2);
        check_real(at(control, "median"), "estimate", 400);
        check_real(at(control, "median"), "upper", 700.5);
        /* Not reached: null, the limit that exists kept. */
        check_null(at(added, "median"), "estimate");
        check_real(at(added, "median"), "lower", 95);
        check_null(at(added, "median"), "upper");
        check_null(at(at(control, "quartiles"), "q75"), "estimate");
        check_real(control, "followup_median", 380);
        check_null(all, "followup_median");
        json_t *row = item(control, "curve", 3);
        assert_int_equal(json_integer_value(at(row, "time")), 400);
        assert_int_equal(json_integer_value(at(row, "n_censor")), 1);
        check_null(row, "std_err");
        check_null(row, "lower");
        check_real(item(added, "curve", 1), "surv", 0.9 * (1 - 1.0 / 9));
        check_real(item(all, "cif", 1), "estimate", 0.1 * 4);
        assert_true(json_is_true(at(at(j, "logrank"), "stratified")));
        assert_int_equal(json_integer_value(at(at(j, "logrank"), "df")), 1);
        check_real(item(at(j, "cox"), "terms", 0), "hr", 0.7);
        check_real(item(j, "rmst_diff", 0), "lower", -77.4);
        json_t *m = at(j, "monitoring");
        check_null(m, "futility_bound");
        check_real(m, "planned_events", 10);
        assert_string_equal(json_string_value(at(item(m, "looks", 0), "data_cut")), "2023-06-30");
        check_real(at(item(m, "looks", 0), "hr_rci"), "upper", 1.9);
        assert_true(json_is_true(at(item(m, "comparisons", 0), "crossed")));
        check_real(at(item(m, "comparisons", 0), "conditional_power"), "design", 0.74);
        json_decref(j);
        free(text);
}

static void test_precision(void **state) {
        char *text;
        json_t *j = printed(fullstats(), &text);
        /* Every number back exactly: 17 significant digits. */
        assert_non_null(strstr(text, "\"std_err\":0.30000000000000004"));
        check_real(item(item(j, "arms", 0), "curve", 1), "std_err", 0.1 + 0.2);
        check_real(item(at(j, "cox"), "terms", 0), "coef", log(0.7));
        json_decref(j);
        free(text);
}

static void test_absent_blocks(void **state) {
        Interim__Statistics *s = fullstats();
        /* The open channel's form: one arm, no comparisons; no restricted mean, no competing events. */
        s->n_arms = 1;
        s->arms += 2;
        s->arms[0]->rmst = NULL;
        s->arms[0]->n_cif = 0;
        s->logrank = NULL;
        s->cox = NULL;
        s->n_rmst_diff = 0;
        s->gray = NULL;
        s->monitoring = NULL;
        /* A number that is not finite cannot be JSON. */
        s->arms[0]->curve[0]->surv = INFINITY;
        char *text;
        json_t *j = printed(s, &text);
        static const char *const keys[] = { "trial", "endpoint", "seq", "as_of", "arms", "rmst_diff", "conf_level",
                                            "conf_type", NULL };
        check_keys(j, keys);
        assert_int_equal(json_array_size(at(j, "arms")), 1);
        assert_int_equal(json_array_size(at(j, "rmst_diff")), 0);
        json_t *arm = item(j, "arms", 0);
        assert_null(json_object_get(arm, "rmst"));
        assert_int_equal(json_array_size(at(arm, "cif")), 0);
        check_null(item(arm, "curve", 0), "surv");
        json_decref(j);
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keys),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_precision),
                cmocka_unit_test(test_absent_blocks),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
