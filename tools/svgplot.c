/* svgplot.c — the curves drawing: bands, steps, censoring ticks, medians, legend, number at risk; and writing the files. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svg.h"
#include "svgmon.h"
#include "svgplot.h"
#include "watchfmt.h"

#define WIDTH 760.0
#define PLOT_HEIGHT 300.0
#define MARGIN_RIGHT 30.0
#define LINE 18.0            /* a line of the legend and of the table */
#define DAYS_PER_MONTH 30.4375
#define MAX_TEST_LINES 12
#define NAME_SHOWN 32         /* characters of an arm's name in the table: the margin has room for them */

/* What one drawing shows. */
typedef struct Curves {
        const Interim__Statistics *s;
        size_t n;  /* arms drawn: s->arms[0 .. n - 1] (the pooled arm only when it is the only one) */
        bool cif;  /* cumulative incidence instead of survival */
        char tests[MAX_TEST_LINES][160];
        size_t n_tests;
} Curves;

static void curves_init(Curves *c, const Interim__Statistics *s) {
        *c = (Curves){ .s = s, .n = s->n_arms > 1 ? s->n_arms - 1 : s->n_arms };
        for (size_t a = 0; a < c->n; a++)
                c->cif = c->cif || s->arms[a]->n_cif > 0;
}

/* The last day with an exit in any arm drawn. */
static double last_day(const Curves *c) {
        double last = 0;
        for (size_t a = 0; a < c->n; a++) {
                const Interim__ArmStatistics *arm = c->s->arms[a];
                if (arm->n_curve > 0 && arm->curve[arm->n_curve - 1]->time > last)
                        last = arm->curve[arm->n_curve - 1]->time;
        }
        return last;
}

/* Months, a tick every 1, 2, 3, 6 months or 1, 2, 3, 5, 10 years, at most 10 of them; the frame's end in *ret_end (days). */
static SvgAxis time_axis(double last, double *ret_end) {
        static const double steps[] = { 1, 2, 3, 6, 12, 24, 36, 60, 120 };
        const size_t n = sizeof(steps) / sizeof(steps[0]);
        double months = fmax(last, DAYS_PER_MONTH) / DAYS_PER_MONTH;
        size_t i = 0;
        while (i + 1 < n && months / steps[i] > 10)
                i++;
        *ret_end = ceil(months / steps[i] - 1e-9) * steps[i] * DAYS_PER_MONTH;
        return (SvgAxis){ steps[i] * DAYS_PER_MONTH, DAYS_PER_MONTH, 0, "Months since randomization" };
}

/* The cumulative incidence axis: up to the highest estimate, rounded up to a tenth. */
static SvgAxis incidence_axis(const Curves *c, double *ret_end) {
        double top = 0;
        for (size_t a = 0; a < c->n; a++)
                for (size_t i = 0; i < c->s->arms[a]->n_cif; i++) {
                        const Interim__CifPoint *p = c->s->arms[a]->cif[i];
                        if (p->has_estimate && p->estimate > top)
                                top = p->estimate;
                }
        *ret_end = fmin(1, fmax(0.1, ceil(top * 10 - 1e-9) / 10));
        bool fine = *ret_end <= 0.5;
        return (SvgAxis){ fine ? 0.05 : 0.1, 1, fine ? 2 : 1, "Cumulative incidence" };
}

/* Patients whose follow-up reaches day t: at risk just before the first exit at or after t. */
static uint32_t at_risk(const Interim__ArmStatistics *a, double t) {
        for (size_t i = 0; i < a->n_curve; i++)
                if (a->curve[i]->time >= t)
                        return a->curve[i]->n_risk;
        return 0;
}

/* ---- the curves ---- */

static bool has_band(const Interim__CurvePoint *p) {
        return p->has_lower && p->has_upper;
}

/* The confidence band of rows first .. last, each limit held until the next row: upper forward, lower back. */
static void band_run(FILE *f, const SvgFrame *fr, const Interim__ArmStatistics *a, size_t first, size_t last) {
        double end = last + 1 < a->n_curve ? a->curve[last + 1]->time : a->curve[last]->time;
        fprintf(f, "M%.2f %.2f", svg_x(fr, a->curve[first]->time), svg_y(fr, a->curve[first]->upper));
        for (size_t i = first; i < last; i++)
                fprintf(f, "H%.2fV%.2f", svg_x(fr, a->curve[i + 1]->time), svg_y(fr, a->curve[i + 1]->upper));
        fprintf(f, "H%.2fV%.2f", svg_x(fr, end), svg_y(fr, a->curve[last]->lower));
        for (size_t i = last; i > first; i--)
                fprintf(f, "H%.2fV%.2f", svg_x(fr, a->curve[i]->time), svg_y(fr, a->curve[i - 1]->lower));
        fprintf(f, "H%.2fZ", svg_x(fr, a->curve[first]->time));
}

/* The band wherever both limits exist (not before the first event, nor where the curve reaches 0). */
static void km_band(FILE *f, const SvgFrame *fr, const Interim__ArmStatistics *a, const char *colour) {
        fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.14\" stroke=\"none\" d=\"", colour);
        for (size_t i = 0; i < a->n_curve;) {
                if (!has_band(a->curve[i])) {
                        i++;
                        continue;
                }
                size_t last = i;
                while (last + 1 < a->n_curve && has_band(a->curve[last + 1]))
                        last++;
                band_run(f, fr, a, i, last);
                i = last + 1;
        }
        fputs("\"/>\n", f);
}

static void km_steps(FILE *f, const SvgFrame *fr, const Interim__ArmStatistics *a, const char *colour) {
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"miter\" d=\"M%.2f %.2f", colour,
                svg_x(fr, 0), svg_y(fr, 1));
        for (size_t i = 0; i < a->n_curve; i++)
                fprintf(f, "H%.2fV%.2f", svg_x(fr, a->curve[i]->time), svg_y(fr, a->curve[i]->surv));
        fputs("\"/>\n", f);
}

/* A short vertical tick on the curve at each time with a censoring. */
static void censor_ticks(FILE *f, const SvgFrame *fr, const Interim__ArmStatistics *a, const char *colour) {
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.3\" d=\"", colour);
        for (size_t i = 0; i < a->n_curve; i++)
                if (a->curve[i]->n_censor > 0)
                        fprintf(f, "M%.2f %.2fv9", svg_x(fr, a->curve[i]->time), svg_y(fr, a->curve[i]->surv) - 4.5);
        fputs("\"/>\n", f);
}

static void cif_steps(FILE *f, const SvgFrame *fr, const Interim__ArmStatistics *a, const char *colour) {
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"M%.2f %.2f", colour, svg_x(fr, 0), svg_y(fr, 0));
        for (size_t i = 0; i < a->n_cif; i++)
                if (a->cif[i]->has_estimate)
                        fprintf(f, "H%.2fV%.2f", svg_x(fr, a->cif[i]->time), svg_y(fr, a->cif[i]->estimate));
        /* Held to the last exit of the arm, as the survival curve is. */
        if (a->n_curve > 0)
                fprintf(f, "H%.2f", svg_x(fr, a->curve[a->n_curve - 1]->time));
        fputs("\"/>\n", f);
}

/* Dashed: across at 0.5 to the longest median, and down from each arm's median. */
static void median_lines(FILE *f, const SvgFrame *fr, const Curves *c) {
        double longest = -1;
        for (size_t a = 0; a < c->n; a++) {
                const Interim__Interval *m = c->s->arms[a]->median;
                if (!m->has_estimate)
                        continue;
                longest = fmax(longest, m->estimate);
                fprintf(f, "<path d=\"M%.2f %.2fV%.2f\" stroke=\"%s\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n",
                        svg_x(fr, m->estimate), svg_y(fr, 0.5), svg_y(fr, 0), svg_colour(a));
        }
        if (longest >= 0)
                fprintf(f, "<path d=\"M%.2f %.2fH%.2f\" stroke=\"#777\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"/>\n",
                        svg_x(fr, 0), svg_y(fr, 0.5), svg_x(fr, longest));
}

static void draw_curves(FILE *f, const SvgFrame *fr, const Curves *c) {
        svg_clip_begin(f, fr, "plot");
        for (size_t a = 0; a < c->n && !c->cif; a++)
                km_band(f, fr, c->s->arms[a], svg_colour(a));
        if (!c->cif)
                median_lines(f, fr, c);
        for (size_t a = 0; a < c->n; a++) {
                const Interim__ArmStatistics *arm = c->s->arms[a];
                if (c->cif)
                        cif_steps(f, fr, arm, svg_colour(a));
                else {
                        km_steps(f, fr, arm, svg_colour(a));
                        censor_ticks(f, fr, arm, svg_colour(a));
                }
        }
        svg_clip_end(f);
}

/* ---- the words ---- */

/* One arm's line of the legend. */
static void arm_words(const Curves *c, const Interim__ArmStatistics *a, char *buf, size_t size) {
        int n = snprintf(buf, size, "%s: %u patients, %u events", a->arm, a->n, a->events);
        if (n < 0 || (size_t)n >= size)
                return;
        char *rest = buf + n;
        size_t room = size - (size_t)n;
        const Interim__Interval *m = a->median;
        WatchText est, lim;
        if (c->cif)
                snprintf(rest, room, ", %u competing events", a->competing);
        else if (!m->has_estimate)
                snprintf(rest, room, "; median not reached");
        else
                snprintf(rest, room, "; median %s months %s", watchfmt_num(est, true, m->estimate / DAYS_PER_MONTH, 'f', 1, "NR"),
                         watchfmt_limits(lim, m->has_lower, m->lower / DAYS_PER_MONTH, m->has_upper,
                                         m->upper / DAYS_PER_MONTH, 'f', 1, "NR", "\u2013"));
}

static void add_test(Curves *c, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void add_test(Curves *c, const char *format, ...) {
        if (c->n_tests == MAX_TEST_LINES)
                return;
        va_list ap;
        va_start(ap, format);
        vsnprintf(c->tests[c->n_tests++], sizeof(c->tests[0]), format, ap);
        va_end(ap);
}

/* The legend's lines under the arms: the hazard ratios and the tests the message holds. */
static void test_words(Curves *c) {
        const Interim__Statistics *s = c->s;
        WatchText hr, lim, p, q;
        for (size_t i = 0; s->cox && i < s->cox->n_terms; i++) {
                const Interim__CoxTerm *t = s->cox->terms[i];
                /* R's warnings about the fit, as the table gives them (shorter: a legend line is short). */
                add_test(c, "%sHR %s vs %s %s %s, %s%s%s", c->cif ? "Cause-specific " : "", t->arm, s->arms[0]->arm,
                         watchfmt_num(hr, t->has_hr, t->hr, 'f', 2, "NA"),
                         watchfmt_limits(lim, t->has_lower, t->lower, t->has_upper, t->upper, 'f', 2, "NA", "\u2013"),
                         watchfmt_p(p, t->has_p, t->p), t->may_be_infinite ? "; coefficient may be infinite" : "",
                         s->cox->has_converged && !s->cox->converged ? "; did not converge" : "");
        }
        if (s->logrank && s->gray)
                add_test(c, "Log-rank %s%s; Gray's test %s", watchfmt_p(p, s->logrank->has_p, s->logrank->p),
                         s->logrank->stratified ? " (stratified)" : "", watchfmt_p(q, s->gray->has_p, s->gray->p));
        else if (s->logrank)
                add_test(c, "Log-rank %s%s", watchfmt_p(p, s->logrank->has_p, s->logrank->p),
                         s->logrank->stratified ? " (stratified)" : "");
        else if (s->gray)
                add_test(c, "Gray's test %s", watchfmt_p(q, s->gray->has_p, s->gray->p));
}

/* Title, subtitle and legend; returns where the plot may start. */
static double header(FILE *f, const Curves *c, double left) {
        const Interim__Statistics *s = c->s;
        char what[128] = "Cumulative incidence of the event, competing events accounted for";
        if (!c->cif && s->has_conf_level && s->conf_type)
                snprintf(what, sizeof(what), "Kaplan\u2013Meier estimates with %g%% pointwise confidence bands (%s)",
                         100 * s->conf_level, s->conf_type);
        else if (!c->cif)
                snprintf(what, sizeof(what), "Kaplan\u2013Meier estimates with pointwise confidence bands");
        svg_text(f, left, 30, "start", SVG_TITLE, "%s \u00b7 %s", s->trial, s->endpoint);
        svg_text(f, left, 49, "start", SVG_SUBTITLE, "%s \u00b7 as of %s \u00b7 publication %llu", what, s->as_of,
                 (unsigned long long)s->seq);
        double y = 76;
        for (size_t a = 0; a < c->n; a++, y += LINE) {
                char words[256];
                arm_words(c, s->arms[a], words, sizeof(words));
                fprintf(f, "<path d=\"M%.1f %.1fh22\" stroke=\"%s\" stroke-width=\"2.5\"/>\n", left, y - 4, svg_colour(a));
                svg_text(f, left + 30, y, "start", SVG_LABEL, "%s", words);
        }
        for (size_t i = 0; i < c->n_tests; i++, y += LINE)
                svg_text(f, left, y, "start", SVG_LABEL, "%s", c->tests[i]);
        return y + 4;
}

/* The number at risk in each arm at each tick of the time axis, under it. */
static void risk_table(FILE *f, const SvgFrame *fr, const SvgAxis *x, const Curves *c, double top) {
        svg_text(f, 12, top, "start", SVG_HEADING, "Number at risk");
        size_t n_ticks = svg_ticks(x, fr->x_min, fr->x_max);
        for (size_t a = 0; a < c->n; a++) {
                double y = top + LINE * (double)(a + 1);
                const Interim__ArmStatistics *arm = c->s->arms[a];
                char fill[32];
                snprintf(fill, sizeof(fill), "font-size=\"11\" fill=\"%s\"", svg_colour(a));
                svg_text(f, 12, y, "start", fill, "%.*s", NAME_SHOWN, arm->arm);
                for (size_t i = 0; i < n_ticks; i++) {
                        double t = fr->x_min + (double)i * x->step;
                        svg_text(f, svg_x(fr, t), y, "middle", SVG_SMALL, "%u", at_risk(arm, t));
                }
        }
}

/* The left margin: room for the y axis, and for the arms' names in the table left of the first count. */
static double left_margin(const Curves *c) {
        double left = 76;
        for (size_t a = 0; a < c->n; a++)
                left = fmax(left, 12 + svg_text_width(c->s->arms[a]->arm, 11) + 36);
        return fmin(left, WIDTH / 3);
}

int svgplot_curves(FILE *f, const Interim__Statistics *s) {
        Curves c;
        curves_init(&c, s);
        test_words(&c);
        double left = left_margin(&c);
        double top = 76 + LINE * (double)(c.n + c.n_tests) + 6;
        double height = top + PLOT_HEIGHT + 70 + LINE * (double)c.n + 20;
        SvgFrame fr = { left, top, WIDTH - left - MARGIN_RIGHT, PLOT_HEIGHT, 0, 0, 0, 1 };
        SvgAxis x = time_axis(last_day(&c), &fr.x_max);
        SvgAxis y = { 0.2, 1, 1, "Survival probability" };
        if (c.cif)
                y = incidence_axis(&c, &fr.y_max);
        svg_begin(f, WIDTH, height);
        header(f, &c, 12);
        svg_axes(f, &fr, &x, &y);
        draw_curves(f, &fr, &c);
        risk_table(f, &fr, &x, &c, top + PLOT_HEIGHT + 66);
        svg_end(f);
        return ferror(f) ? -EIO : 0;
}

/* ---- the files ---- */

/* Draws into DIR/name through a temporary file renamed into place.  Returns 0 or a negative errno. */
static int write_file(const char *dir, const char *name, int (*draw)(FILE *, const Interim__Statistics *),
                      const Interim__Statistics *s) {
        char path[PATH_MAX], tmp[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
            snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        int fd = mkstemp(tmp);
        if (fd < 0)
                return -errno;
        FILE *f = fdopen(fd, "w");
        if (!f) {
                int r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        int r = draw(f, s);
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

int svgplot_write(const char *dir, const Interim__Statistics *s) {
        char name[NAME_MAX - 16];
        /* A name may hold a '/': not in a file's name. */
        snprintf(name, sizeof(name), "%s-%s", s->trial, s->endpoint);
        for (char *p = name; *p; p++)
                if (*p == '/')
                        *p = '_';
        char file[NAME_MAX];
        snprintf(file, sizeof(file), "%s.svg", name);
        int r = write_file(dir, file, svgplot_curves, s);
        if (r == 0 && s->monitoring) {
                snprintf(file, sizeof(file), "%s-monitoring.svg", name);
                r = write_file(dir, file, svgmon_draw, s);
        }
        return r;
}
