/* refdata.h — reading the R-generated reference CSV files and comparing values to them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "interim/survtable.h"

/* A CSV file read whole: a header row naming columns, then text cells. */
typedef struct RefTable {
        size_t n_rows, n_cols;
        char **names; /* [n_cols] */
        char **cells; /* [n_rows][n_cols] */
} RefTable;

/* Reads tests/reference/NAME (relative to $INTERIM_REFDIR); fails the test if it cannot. */
RefTable *reftable_load(const char *name);

/* Frees a table; accepts NULL. */
void reftable_free(RefTable *rt);

/* Index of a column by name; fails the test if it is missing. */
size_t reftable_col(const RefTable *rt, const char *name);

/* The text of a cell. */
const char *reftable_str(const RefTable *rt, size_t row, const char *col);

/* A cell as a number: "NA" and "" give NaN, "Inf"/"-Inf" infinities. */
double reftable_num(const RefTable *rt, size_t row, const char *col);

/*
 * The end of the run of rows from row on that agree in every column named in cols (a
 * NULL-terminated list): the first row after it, or n_rows.
 */
size_t reftable_group_end(const RefTable *rt, size_t row, const char *const *cols);

/*
 * Loads tests/reference/data/NAME.csv (columns time, status, arm, stratum: R's
 * export of a public data set) into a sealed table; arms and strata are counted
 * from the largest index present unless n_arms / n_strata are nonzero.
 */
void refdata_load_table(const char *name, size_t n_strata, size_t n_arms, SurvTable *ret);

/*
 * The data set a test is working on, for tests that walk reference rows grouped by
 * set: refset_get() loads the named set (refdata_load_table with dimensions from the
 * data) unless it is the one already held.  Zero-initialize; refset_done() frees.
 */
typedef struct RefSet {
        char name[64];
        SurvTable table;
        bool loaded;
} RefSet;

/* The table of set name, loaded unless s holds it already. */
const SurvTable *refset_get(RefSet *s, const char *name);

/* Frees the set's table and zeroes s. */
void refset_done(RefSet *s);

/*
 * True when actual equals expected to rel relative tolerance (absolute below 1e-300);
 * NaN matches NaN (R's NA) and infinities match themselves.
 */
bool ref_close(double actual, double expected, double rel);

/* Fails the test, naming the value (printf format and arguments), when not ref_close. */
#define assert_ref(actual, expected, rel, ...) \
        ref_assert_close((actual), (expected), (rel), __FILE__, __LINE__, __VA_ARGS__)

/* assert_ref() at the caller's file and line. */
void ref_assert_close(double actual, double expected, double rel, const char *file, int line,
                      const char *what, ...) __attribute__((format(printf, 6, 7)));

/* Fails the test when actual and expected differ by more than tol (NaN matches NaN). */
#define assert_abs(actual, expected, tol, ...) \
        ref_assert_abs((actual), (expected), (tol), __FILE__, __LINE__, __VA_ARGS__)

/* assert_abs() at the caller's file and line. */
void ref_assert_abs(double actual, double expected, double tol, const char *file, int line,
                    const char *what, ...) __attribute__((format(printf, 6, 7)));

/* The relative tolerance every published number is held to. */
#define REF_TOL 1e-9
