/* refdata.c — loading reference CSV files with libcsv and comparing values to them. */
#include <csv.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "refdata.h"

typedef struct {
        RefTable *rt;
        char **row; /* cells of the row being read */
        size_t n_row, cap_row;
        size_t cap_cells;
        bool header_done;
} Reader;

static void *xrealloc(void *p, size_t n) {
        p = realloc(p, n);
        if (!p)
                fail_msg("out of memory");
        return p;
}

static void on_field(void *s, size_t len, void *data) {
        Reader *r = data;
        if (r->n_row == r->cap_row) {
                r->cap_row = r->cap_row ? 2 * r->cap_row : 16;
                r->row = xrealloc(r->row, r->cap_row * sizeof(*r->row));
        }
        char *v = xrealloc(NULL, len + 1);
        memcpy(v, s, len);
        v[len] = 0;
        r->row[r->n_row++] = v;
}

static void on_row(int c, void *data) {
        Reader *r = data;
        RefTable *rt = r->rt;
        if (!r->header_done) {
                rt->n_cols = r->n_row;
                rt->names = xrealloc(NULL, r->n_row * sizeof(*rt->names));
                memcpy(rt->names, r->row, r->n_row * sizeof(*r->row));
                r->header_done = true;
        } else {
                if (r->n_row != rt->n_cols)
                        fail_msg("reference row %zu has %zu cells, header has %zu", rt->n_rows + 1,
                                 r->n_row, rt->n_cols);
                size_t need = (rt->n_rows + 1) * rt->n_cols;
                if (need > r->cap_cells) {
                        r->cap_cells = 2 * need;
                        rt->cells = xrealloc(rt->cells, r->cap_cells * sizeof(*rt->cells));
                }
                memcpy(rt->cells + rt->n_rows * rt->n_cols, r->row, r->n_row * sizeof(*r->row));
                rt->n_rows++;
        }
        r->n_row = 0;
}

RefTable *reftable_load(const char *name) {
        const char *dir = getenv("INTERIM_REFDIR");
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/reference", name);
        FILE *f = fopen(path, "rb");
        if (!f)
                fail_msg("cannot open reference file %s", path);

        struct csv_parser p;
        if (csv_init(&p, CSV_APPEND_NULL) != 0)
                fail_msg("csv_init failed");
        Reader r = { .rt = xrealloc(NULL, sizeof(RefTable)) };
        *r.rt = (RefTable){ 0 };
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                if (csv_parse(&p, buf, n, on_field, on_row, &r) != n)
                        fail_msg("%s: %s", path, csv_strerror(csv_error(&p)));
        csv_fini(&p, on_field, on_row, &r);
        csv_free(&p);
        fclose(f);
        free(r.row);
        return r.rt;
}

void reftable_free(RefTable *rt) {
        if (!rt)
                return;
        for (size_t i = 0; i < rt->n_rows * rt->n_cols; i++)
                free(rt->cells[i]);
        for (size_t i = 0; i < rt->n_cols; i++)
                free(rt->names[i]);
        free(rt->cells);
        free(rt->names);
        free(rt);
}

size_t reftable_col(const RefTable *rt, const char *name) {
        for (size_t i = 0; i < rt->n_cols; i++)
                if (strcmp(rt->names[i], name) == 0)
                        return i;
        fail_msg("reference file has no column %s", name);
        return 0;
}

const char *reftable_str(const RefTable *rt, size_t row, const char *col) {
        return rt->cells[row * rt->n_cols + reftable_col(rt, col)];
}

double reftable_num(const RefTable *rt, size_t row, const char *col) {
        const char *s = reftable_str(rt, row, col);
        if (*s == 0 || strcmp(s, "NA") == 0 || strcmp(s, "NaN") == 0)
                return NAN;
        if (strcmp(s, "Inf") == 0)
                return INFINITY;
        if (strcmp(s, "-Inf") == 0)
                return -INFINITY;
        char *end;
        double v = strtod(s, &end);
        if (*end != 0)
                fail_msg("reference cell %s in column %s is not a number", s, col);
        return v;
}

size_t reftable_group_end(const RefTable *rt, size_t row, const char *const *cols) {
        size_t end = row + 1;
        for (; end < rt->n_rows; end++)
                for (const char *const *c = cols; *c; c++)
                        if (strcmp(reftable_str(rt, end, *c), reftable_str(rt, row, *c)) != 0)
                                return end;
        return end;
}

void refdata_load_table(const char *name, size_t n_strata, size_t n_arms, SurvTable *ret) {
        char file[512];
        snprintf(file, sizeof(file), "data/%s.csv", name);
        RefTable *rt = reftable_load(file);
        size_t n = rt->n_rows;
        int32_t *time = xrealloc(NULL, (n + 1) * sizeof(*time));
        uint8_t *outcome = xrealloc(NULL, n + 1);
        uint16_t *arm = xrealloc(NULL, (n + 1) * sizeof(*arm));
        uint16_t *stratum = xrealloc(NULL, (n + 1) * sizeof(*stratum));
        size_t max_arm = 0, max_stratum = 0;
        for (size_t i = 0; i < n; i++) {
                time[i] = (int32_t)reftable_num(rt, i, "time");
                outcome[i] = (uint8_t)reftable_num(rt, i, "status");
                arm[i] = (uint16_t)reftable_num(rt, i, "arm");
                stratum[i] = (uint16_t)reftable_num(rt, i, "stratum");
                if (arm[i] > max_arm)
                        max_arm = arm[i];
                if (stratum[i] > max_stratum)
                        max_stratum = stratum[i];
        }
        assert_int_equal(survtable_init(ret, n_strata ? n_strata : max_stratum + 1, n_arms ? n_arms : max_arm + 1), 0);
        assert_int_equal(survtable_from_records(ret, n, time, outcome, arm, stratum), 0);
        free(time);
        free(outcome);
        free(arm);
        free(stratum);
        reftable_free(rt);
}

const SurvTable *refset_get(RefSet *s, const char *name) {
        if (s->loaded && strcmp(s->name, name) == 0)
                return &s->table;
        refset_done(s);
        snprintf(s->name, sizeof(s->name), "%s", name);
        refdata_load_table(name, 0, 0, &s->table);
        s->loaded = true;
        return &s->table;
}

void refset_done(RefSet *s) {
        if (s->loaded)
                survtable_deinit(&s->table);
        *s = (RefSet){ 0 };
}

bool ref_close(double actual, double expected, double rel) {
        if (isnan(expected) || isnan(actual))
                return isnan(expected) && isnan(actual);
        if (isinf(expected) || isinf(actual))
                return actual == expected;
        double scale = fabs(expected);
        if (scale < 1e-300)
                return fabs(actual) < 1e-300;
        return fabs(actual - expected) <= rel * scale;
}

void ref_assert_close(double actual, double expected, double rel, const char *file, int line,
                      const char *what, ...) {
        if (ref_close(actual, expected, rel))
                return;
        char name[512];
        va_list ap;
        va_start(ap, what);
        vsnprintf(name, sizeof(name), what, ap);
        va_end(ap);
        print_error("%s:%d: %s = %.17g, reference %.17g (relative error %.3g)\n", file, line, name,
                    actual, expected, fabs(actual - expected) / fabs(expected));
        _fail(file, line);
}

void ref_assert_abs(double actual, double expected, double tol, const char *file, int line,
                    const char *what, ...) {
        if ((isnan(actual) && isnan(expected)) || actual == expected || fabs(actual - expected) <= tol)
                return;
        char name[512];
        va_list ap;
        va_start(ap, what);
        vsnprintf(name, sizeof(name), what, ap);
        va_end(ap);
        print_error("%s:%d: %s = %.17g, reference %.17g (absolute error %.3g)\n", file, line, name,
                    actual, expected, fabs(actual - expected));
        _fail(file, line);
}
