/* test-svgplot.c — the drawings: well-formed SVG, a curve per arm, the number at risk, bands, incidence, monitoring, files. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "fullstats.h"
#include "svgmon.h"
#include "svgplot.h"

/* ---- reading the drawings ---- */

static char *draw(int (*fn)(FILE *, const Interim__Statistics *), const Interim__Statistics *s) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        assert_int_equal(fn(f, s), 0);
        assert_int_equal(fclose(f), 0);
        return text;
}

/*
 * Well-formed for what the drawings use: one <svg> element holding every other, each
 * tag closed in order, and text without a bare '<' or an '&' that starts no entity.
 */
static void check_well_formed(const char *text) {
        assert_true(strncmp(text, "<svg ", 5) == 0);
        char stack[64][32];
        size_t depth = 0;
        bool closed = false;
        for (const char *p = text; *p; p++) {
                if (*p == '&')
                        assert_true(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 || strncmp(p, "&gt;", 4) == 0);
                if (*p != '<')
                        continue;
                assert_false(closed);
                const char *end = strchr(p, '>');
                assert_non_null(end);
                char name[32];
                bool closing = p[1] == '/';
                size_t len = strcspn(p + 1 + closing, " />");
                assert_true(len > 0 && len < sizeof(name));
                memcpy(name, p + 1 + closing, len);
                name[len] = '\0';
                if (closing) {
                        assert_true(depth > 0);
                        assert_string_equal(stack[--depth], name);
                        closed = depth == 0;
                } else if (end[-1] != '/') {
                        assert_true(depth < 64);
                        snprintf(stack[depth++], sizeof(stack[0]), "%s", name);
                }
                p = end;
        }
        assert_true(closed);
        assert_string_equal(text + strlen(text) - 7, "</svg>\n");
}

static size_t count(const char *text, const char *what) {
        size_t n = 0;
        for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
                n++;
        return n;
}

/* The contents of the <text> elements after `from`, joined by '|'. */
static void texts_after(const char *text, const char *from, char *buf, size_t size) {
        const char *p = strstr(text, from);
        assert_non_null(p);
        buf[0] = '\0';
        while ((p = strstr(p, "<text "))) {
                p = strchr(p, '>') + 1;
                size_t len = (size_t)(strstr(p, "</text>") - p), used = strlen(buf);
                assert_true(used + len + 2 < size);
                snprintf(buf + used, size - used, "%s%.*s", used ? "|" : "", (int)len, p);
        }
}

/* The step line of a series drawn in colour. */
#define STEPS(colour) "stroke=\"" colour "\" stroke-width=\"2\""

static void no_incidence(Interim__Statistics *s) {
        for (size_t a = 0; a < s->n_arms; a++)
                s->arms[a]->n_cif = 0;
        s->gray = NULL;
}

/* ---- tests ---- */

static void test_survival(void **state) {
        Interim__Statistics *s = fullstats();
        no_incidence(s);
        char *svg = draw(svgplot_curves, s);
        check_well_formed(svg);
        assert_non_null(strstr(svg, "TRIAL \u00b7 os"));
        assert_non_null(strstr(svg, "Survival probability"));
        assert_non_null(strstr(svg, "Months since randomization"));
        assert_non_null(strstr(svg, "estimates with 95% pointwise confidence bands (log-log) \u00b7 as of 2024-01-31"));
        /* The two arms, not the pooled one: a curve, a band and censoring ticks each. */
        assert_int_equal(count(svg, STEPS("#0072B2")), 1);
        assert_int_equal(count(svg, STEPS("#D55E00")), 1);
        assert_int_equal(count(svg, STEPS("#009E73")), 0);
        assert_int_equal(count(svg, "fill-opacity=\"0.14\""), 2);
        assert_int_equal(count(svg, "stroke-width=\"1.3\""), 2);
        /* The median of control (400 days = 13.1 months) dashed; that of new not reached. */
        assert_int_equal(count(svg, "stroke-dasharray"), 2);
        assert_non_null(strstr(svg, "control: 10 patients, 3 events; median 13.1 months (3.1\u201323.0)"));
        assert_non_null(strstr(svg, "new: 10 patients, 3 events; median not reached"));
        assert_non_null(strstr(svg, "HR new vs control 0.70 (0.47\u20131.04), p = 0.076"));
        assert_non_null(strstr(svg, "Log-rank p = 0.048 (stratified)"));
        /*
         * Ticks every 2 months to 14 (the last exit is day 410): at risk at days 0, 60.9,
         * 121.8 ... 426.1, read off rows at days 0, 30, 95, 400 (new: 10 later).
         */
        char texts[1024];
        texts_after(svg, ">Number at risk<", texts, sizeof(texts));
        assert_string_equal(texts, "control|10|8|7|7|7|7|7|0|new|10|8|7|7|7|7|7|0");
        free(svg);
}

/* R's warnings about the Cox fit follow its hazard ratio. */
static void test_cox_warnings(void **state) {
        Interim__Statistics *s = fullstats();
        no_incidence(s);
        s->cox->converged = false;
        s->cox->terms[0]->may_be_infinite = true;
        char *svg = draw(svgplot_curves, s);
        check_well_formed(svg);
        assert_non_null(strstr(svg, "HR new vs control 0.70 (0.47\u20131.04), p = 0.076; coefficient may be infinite; "
                                    "did not converge<"));
        free(svg);
}

static void test_incidence(void **state) {
        Interim__Statistics *s = fullstats();
        char *svg = draw(svgplot_curves, s);
        check_well_formed(svg);
        assert_non_null(strstr(svg, "Cumulative incidence"));
        assert_int_equal(count(svg, STEPS("#0072B2")), 1);
        assert_int_equal(count(svg, STEPS("#D55E00")), 1);
        /* No survival bands, medians or censoring ticks: they belong to the Kaplan–Meier curve. */
        assert_int_equal(count(svg, "fill-opacity"), 0);
        assert_int_equal(count(svg, "stroke-dasharray"), 0);
        assert_int_equal(count(svg, "stroke-width=\"1.3\""), 0);
        assert_non_null(strstr(svg, "control: 10 patients, 3 events, 2 competing events"));
        assert_non_null(strstr(svg, "Cause-specific HR new vs control 0.70"));
        assert_non_null(strstr(svg, "Log-rank p = 0.048 (stratified); Gray's test p = 0.110"));
        /* Up to the highest incidence, 0.3, in steps of 0.05. */
        char texts[4096];
        texts_after(svg, "<svg", texts, sizeof(texts));
        assert_non_null(strstr(texts, "|0.00|0.05|0.10|0.15|0.20|0.25|0.30|"));
        assert_null(strstr(texts, "0.35"));
        free(svg);
}

static void test_pooled_and_empty(void **state) {
        Interim__Statistics *s = fullstats();
        no_incidence(s);
        s->n_arms = 1;
        s->arms += 2;
        s->logrank = NULL;
        s->cox = NULL;
        char *svg = draw(svgplot_curves, s);
        check_well_formed(svg);
        /* The pooled arm alone is drawn, in the first colour. */
        assert_int_equal(count(svg, STEPS("#0072B2")), 1);
        assert_non_null(strstr(svg, "all: 10 patients"));
        assert_null(strstr(svg, "Log-rank"));
        free(svg);

        /* No patients yet: the axes, a month long, and zeros at risk. */
        s->arms[0]->n_curve = 0;
        s->arms[0]->n = 0;
        svg = draw(svgplot_curves, s);
        check_well_formed(svg);
        char texts[256];
        texts_after(svg, ">Number at risk<", texts, sizeof(texts));
        assert_string_equal(texts, "all|0|0");
        free(svg);
}

static void test_escaped(void **state) {
        Interim__Statistics *s = fullstats();
        s->trial = "R&D<1>";
        s->arms[0]->arm = "a&b";
        char *svg = draw(svgplot_curves, s);
        check_well_formed(svg);
        assert_non_null(strstr(svg, "R&amp;D&lt;1&gt; \u00b7 os"));
        assert_non_null(strstr(svg, ">a&amp;b<"));
        free(svg);
}

static void test_monitoring(void **state) {
        Interim__Statistics *s = fullstats();
        char *svg = draw(svgmon_draw, s);
        check_well_formed(svg);
        assert_non_null(strstr(svg, "TRIAL \u00b7 os \u00b7 group-sequential monitoring"));
        assert_non_null(strstr(svg, "6 of 10 events, information fraction 0.600, alpha spent 0.0039"));
        assert_non_null(strstr(svg, "new vs control: z = 2.40, efficacy bound crossed; conditional power 0.31 (current trend), 0.74 (design)"));
        assert_non_null(strstr(svg, "Information fraction"));
        /* The look marked; the bounds and z drawn through it and now; no futility bound now. */
        assert_int_equal(count(svg, ">Look 1<"), 2);
        assert_non_null(strstr(svg, ">Efficacy<"));
        assert_non_null(strstr(svg, ">Futility<"));
        assert_non_null(strstr(svg, ">Observed z<"));
        assert_int_equal(count(svg, "<circle"), 1 + 2 + 1 + 2);
        /* The table: the look, then now. */
        char texts[2048];
        texts_after(svg, ">HR repeated CI<", texts, sizeof(texts));
        assert_string_equal(texts, "Look 1|2023-06-30|4|0.400|0.80|3.360|-0.200|0.00039|(0.30\u20131.90)|"
                                   "Now|2024-01-31|6|0.600|2.40|2.340|\u2013|0.0039|");
        free(svg);

        /* Events far past the plan: the axis to 8.7 ticks every 1, not every 0.1 (labels 7 px apart). */
        s->monitoring->information_fraction = 8.63;
        svg = draw(svgmon_draw, s);
        check_well_formed(svg);
        texts_after(svg, "<svg", texts, sizeof(texts));
        assert_non_null(strstr(texts, "|0|1|2|3|4|5|6|7|8|"));
        assert_null(strstr(texts, "|0.1|"));
        free(svg);

        s->monitoring = NULL;
        FILE *f = fopen("/dev/null", "w");
        assert_int_equal(svgmon_draw(f, s), -EINVAL);
        fclose(f);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

/* The names in dir, sorted, joined by '|'. */
static void listing(const char *dir, char *buf, size_t size) {
        struct dirent **names;
        int n = scandir(dir, &names, NULL, alphasort);
        assert_true(n >= 0);
        buf[0] = '\0';
        for (int i = 0; i < n; i++) {
                /* Hidden names too: a temporary file left behind would be one. */
                if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0) {
                        size_t used = strlen(buf);
                        int w = snprintf(buf + used, size - used, "%s%s", used ? "|" : "", names[i]->d_name);
                        assert_true(w > 0 && (size_t)w < size - used);
                }
                free(names[i]);
        }
        free(names);
}

static void test_files(void **state) {
        char dir[] = "/tmp/test-svgplot-XXXXXX";
        assert_non_null(mkdtemp(dir));
        Interim__Statistics *s = fullstats();
        assert_int_equal(svgplot_write(dir, s), 0);
        /* Written again over the old ones; nothing else left behind. */
        assert_int_equal(svgplot_write(dir, s), 0);
        s->monitoring = NULL;
        s->trial = "A/B";
        assert_int_equal(svgplot_write(dir, s), 0);
        char names[256];
        listing(dir, names, sizeof(names));
        assert_string_equal(names, "A_B-os.svg|TRIAL-os-monitoring.svg|TRIAL-os.svg");

        char path[128];
        snprintf(path, sizeof(path), "%s/TRIAL-os.svg", dir);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        FILE *f = fopen(path, "r");
        char head[8] = "";
        assert_non_null(fgets(head, sizeof(head), f));
        fclose(f);
        assert_string_equal(head, "<svg xm");

        snprintf(path, sizeof(path), "%s/missing", dir);
        assert_int_equal(svgplot_write(path, s), -ENOENT);
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_survival),
                cmocka_unit_test(test_cox_warnings),
                cmocka_unit_test(test_incidence),
                cmocka_unit_test(test_pooled_and_empty),
                cmocka_unit_test(test_escaped),
                cmocka_unit_test(test_monitoring),
                cmocka_unit_test(test_files),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
