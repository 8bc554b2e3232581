/* svgmon.c — the monitoring drawing: each look and now as a stage with its information, bounds and z; lines, regions, table. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "svg.h"
#include "svgmon.h"
#include "watchfmt.h"

#define WIDTH 760.0
#define PLOT_HEIGHT 300.0
#define LEFT 76.0
#define RIGHT 96.0  /* room for the names of the lines at their ends */
#define LINE 18.0
#define Z_LIMIT 8.0 /* early O'Brien–Fleming bounds are huge: the drawing is cut there */

#define EFFICACY "#B2182B"
#define FUTILITY "#2166AC"
#define OBSERVED "#111111"

/* A recorded look, or now (the last stage). */
typedef struct Stage {
        char label[16];
        const char *cut;
        uint32_t events;
        bool has_info, has_efficacy, has_futility, has_z, has_spent;
        double info, efficacy, futility, z, spent;
        const Interim__Limits *rci;
} Stage;

typedef enum { EFFICACY_BOUND, FUTILITY_BOUND, Z } Which;

static bool stage_value(const Stage *st, Which w, double *ret) {
        bool has = st->has_info && (w == EFFICACY_BOUND ? st->has_efficacy : w == FUTILITY_BOUND ? st->has_futility : st->has_z);
        *ret = w == EFFICACY_BOUND ? st->efficacy : w == FUTILITY_BOUND ? st->futility : st->z;
        return has;
}

/* The looks, then now; now's z only when there is one comparison (the looks' z is of the comparison). */
static void stages_build(const Interim__Statistics *s, Stage *st) {
        const Interim__Monitoring *m = s->monitoring;
        for (size_t i = 0; i < m->n_looks; i++) {
                const Interim__MonitoringLook *l = m->looks[i];
                st[i] = (Stage){ .cut = l->data_cut, .events = l->events,
                                 .has_info = l->has_information_fraction, .info = l->information_fraction,
                                 .has_efficacy = l->has_efficacy_bound, .efficacy = l->efficacy_bound,
                                 .has_futility = l->has_futility_bound, .futility = l->futility_bound,
                                 .has_z = l->has_z, .z = l->z, .has_spent = l->has_alpha_spent, .spent = l->alpha_spent,
                                 .rci = l->hr_rci };
                snprintf(st[i].label, sizeof(st[i].label), "Look %u", l->look);
        }
        const Interim__Comparison *c = m->n_comparisons == 1 ? m->comparisons[0] : NULL;
        st[m->n_looks] = (Stage){ .label = "Now", .cut = s->as_of, .events = m->events,
                                  .has_info = m->has_information_fraction, .info = m->information_fraction,
                                  .has_efficacy = m->has_efficacy_bound, .efficacy = m->efficacy_bound,
                                  .has_futility = m->has_futility_bound, .futility = m->futility_bound,
                                  .has_z = c && c->has_z, .z = c ? c->z : 0, .has_spent = m->has_alpha_spent,
                                  .spent = m->alpha_spent };
}

/* The frame: information from 0 to at least 1; z over every value drawn, within ±Z_LIMIT. */
static void frame_fit(SvgFrame *fr, const Stage *st, size_t n, const Interim__Monitoring *m) {
        double lo = -1, hi = 3, v;
        fr->x_max = 1;
        for (size_t i = 0; i < n; i++) {
                for (Which w = EFFICACY_BOUND; w <= Z; w++)
                        if (stage_value(&st[i], w, &v)) {
                                lo = fmin(lo, v);
                                hi = fmax(hi, v);
                        }
                if (st[i].has_info)
                        fr->x_max = fmax(fr->x_max, ceil(st[i].info * 10 - 1e-9) / 10);
        }
        for (size_t i = 0; i < m->n_comparisons; i++)
                if (m->comparisons[i]->has_z) {
                        lo = fmin(lo, m->comparisons[i]->z);
                        hi = fmax(hi, m->comparisons[i]->z);
                }
        fr->y_min = floor(fmax(lo, -Z_LIMIT));
        fr->y_max = ceil(fmin(hi + 0.5, Z_LIMIT));
}

/* ---- the lines ---- */

/* The line of one value through the looks, dashed on to now (whose numbers move with each event). */
static void series_line(FILE *f, const SvgFrame *fr, const Stage *st, size_t n, Which w, const char *colour, double width) {
        double v;
        bool started = false;
        size_t last = SIZE_MAX;
        fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" d=\"", colour, width);
        for (size_t i = 0; i + 1 < n; i++)
                if (stage_value(&st[i], w, &v)) {
                        fprintf(f, "%c%.2f %.2f", started ? 'L' : 'M', svg_x(fr, st[i].info), svg_y(fr, v));
                        started = true;
                        last = i;
                }
        fputs("\"/>\n", f);
        if (last != SIZE_MAX && stage_value(&st[n - 1], w, &v)) {
                double from;
                stage_value(&st[last], w, &from);
                fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-dasharray=\"6 4\" "
                           "d=\"M%.2f %.2fL%.2f %.2f\"/>\n",
                        colour, width, svg_x(fr, st[last].info), svg_y(fr, from), svg_x(fr, st[n - 1].info), svg_y(fr, v));
        }
}

/* Points at the stages: filled at the looks, open now. */
static void markers(FILE *f, const SvgFrame *fr, const Stage *st, size_t n, Which w, const char *colour) {
        double v;
        for (size_t i = 0; i < n; i++)
                if (stage_value(&st[i], w, &v))
                        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"/>\n",
                                svg_x(fr, st[i].info), svg_y(fr, v), i + 1 < n ? colour : "#fff", colour);
}

/* The region beyond a bound, shaded from the bound to the edge of the frame (to = its y). */
static void region(FILE *f, const SvgFrame *fr, const Stage *st, size_t n, Which w, double to, const char *colour) {
        double v, first_x = NAN, last_x = NAN;
        fprintf(f, "<path fill=\"%s\" fill-opacity=\"0.07\" stroke=\"none\" d=\"", colour);
        for (size_t i = 0; i < n; i++)
                if (stage_value(&st[i], w, &v)) {
                        if (isnan(first_x)) {
                                first_x = svg_x(fr, st[i].info);
                                fprintf(f, "M%.2f %.2f", first_x, svg_y(fr, to));
                        }
                        last_x = svg_x(fr, st[i].info);
                        fprintf(f, "L%.2f %.2f", last_x, svg_y(fr, v));
                }
        if (!isnan(last_x))
                fprintf(f, "L%.2f %.2fZ", last_x, svg_y(fr, to));
        fputs("\"/>\n", f);
}

/* The name of a line right of its last point. */
static void end_label(FILE *f, const SvgFrame *fr, const Stage *st, size_t n, Which w, const char *text, const char *colour) {
        double v;
        for (size_t i = n; i-- > 0;)
                if (stage_value(&st[i], w, &v)) {
                        char style[64];
                        snprintf(style, sizeof(style), "font-size=\"11\" font-weight=\"bold\" fill=\"%s\"", colour);
                        svg_text(f, svg_x(fr, st[i].info) + 9, svg_y(fr, fmax(fmin(v, fr->y_max), fr->y_min)) + 4, "start",
                                 style, "%s", text);
                        return;
                }
}

/* A dotted vertical line at each look, named at the top. */
static void look_marks(FILE *f, const SvgFrame *fr, const Stage *st, size_t n_looks) {
        for (size_t i = 0; i < n_looks; i++) {
                if (!st[i].has_info)
                        continue;
                double x = svg_x(fr, st[i].info);
                fprintf(f, "<path d=\"M%.2f %.2fV%.2f\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n", x,
                        fr->top, fr->top + fr->height);
                svg_text(f, x, fr->top - 6, "middle", SVG_SMALL, "%s", st[i].label);
        }
}

/* Each comparison now, in its arm's colour, when there are several (one is the observed line's end). */
static void comparison_marks(FILE *f, const SvgFrame *fr, const Interim__Statistics *s) {
        const Interim__Monitoring *m = s->monitoring;
        for (size_t i = 0; m->n_comparisons > 1 && m->has_information_fraction && i < m->n_comparisons; i++)
                if (m->comparisons[i]->has_z)
                        fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4.5\" fill=\"%s\"/>\n", svg_x(fr, m->information_fraction),
                                svg_y(fr, m->comparisons[i]->z), svg_colour(i + 1));
}

static void draw_lines(FILE *f, const SvgFrame *fr, const Stage *st, size_t n, const Interim__Statistics *s) {
        svg_clip_begin(f, fr, "plot");
        region(f, fr, st, n, EFFICACY_BOUND, fr->y_max, EFFICACY);
        region(f, fr, st, n, FUTILITY_BOUND, fr->y_min, FUTILITY);
        if (fr->y_min < 0 && fr->y_max > 0)
                fprintf(f, "<path d=\"M%.2f %.2fH%.2f\" stroke=\"#999\" stroke-width=\"1\"/>\n", fr->left, svg_y(fr, 0),
                        fr->left + fr->width);
        series_line(f, fr, st, n, EFFICACY_BOUND, EFFICACY, 2);
        series_line(f, fr, st, n, FUTILITY_BOUND, FUTILITY, 2);
        series_line(f, fr, st, n, Z, OBSERVED, 1.8);
        markers(f, fr, st, n, EFFICACY_BOUND, EFFICACY);
        markers(f, fr, st, n, FUTILITY_BOUND, FUTILITY);
        markers(f, fr, st, n, Z, OBSERVED);
        comparison_marks(f, fr, s);
        svg_clip_end(f);
        end_label(f, fr, st, n, EFFICACY_BOUND, "Efficacy", EFFICACY);
        end_label(f, fr, st, n, FUTILITY_BOUND, "Futility", FUTILITY);
        end_label(f, fr, st, n, Z, "Observed z", OBSERVED);
}

/* ---- the words ---- */

/* Where the plot starts under the header. */
static double header_height(const Interim__Monitoring *m) {
        return 76 + LINE * (double)m->n_comparisons + 20;
}

/* Title, subtitle and a line per comparison. */
static void header(FILE *f, const Interim__Statistics *s) {
        const Interim__Monitoring *m = s->monitoring;
        WatchText frac, spent;
        svg_text(f, 12, 30, "start", SVG_TITLE, "%s \u00b7 %s \u00b7 group-sequential monitoring", s->trial, s->endpoint);
        svg_text(f, 12, 49, "start", SVG_SUBTITLE, "As of %s (publication %llu): %u of %.0f events, information fraction %s, alpha spent %s",
                 s->as_of, (unsigned long long)s->seq, m->events, m->planned_events,
                 watchfmt_num(frac, m->has_information_fraction, m->information_fraction, 'f', 3, "NA"),
                 watchfmt_num(spent, m->has_alpha_spent, m->alpha_spent, 'g', 3, "NA"));
        double y = 76;
        for (size_t i = 0; i < m->n_comparisons; i++, y += LINE) {
                const Interim__Comparison *c = m->comparisons[i];
                const Interim__ConditionalPower *cp = c->conditional_power;
                WatchText z, trend, design;
                const char *colour = m->n_comparisons > 1 ? svg_colour(i + 1) : OBSERVED;
                fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"/>\n", 18.0, y - 4, colour);
                svg_text(f, 30, y, "start", SVG_LABEL, "%s vs %s: z = %s, %s; conditional power %s (current trend), %s (design)",
                         c->arm, s->n_arms > 0 ? s->arms[0]->arm : "control", watchfmt_num(z, c->has_z, c->z, 'f', 2, "NA"),
                         watchfmt_decision(m, c),
                         watchfmt_num(trend, cp && cp->has_current_trend, cp ? cp->current_trend : 0, 'f', 2, "NA"),
                         watchfmt_num(design, cp && cp->has_design, cp ? cp->design : 0, 'f', 2, "NA"));
        }
}

/* The stages as a table: the numbers behind the points. */
static void stage_table(FILE *f, const Stage *st, size_t n, double top) {
        static const struct {
                const char *title;
                double x;
                const char *anchor;
        } col[] = { { "", 12, "start" },          { "Data cut", 72, "start" },     { "Events", 204, "end" },
                    { "Information", 290, "end" }, { "z", 340, "end" },            { "Efficacy bound", 450, "end" },
                    { "Futility bound", 550, "end" }, { "Alpha spent", 640, "end" }, { "HR repeated CI", 660, "start" } };
        for (size_t c = 0; c < sizeof(col) / sizeof(col[0]); c++)
                svg_text(f, col[c].x, top, col[c].anchor, SVG_HEADING, "%s", col[c].title);
        for (size_t i = 0; i < n; i++) {
                const Stage *s = &st[i];
                double y = top + LINE * (double)(i + 1);
                WatchText v[7];
                const char *cells[] = {
                        s->label, s->cut, watchfmt_num(v[0], true, s->events, 'f', 0, ""),
                        watchfmt_num(v[1], s->has_info, s->info, 'f', 3, "NA"), watchfmt_num(v[2], s->has_z, s->z, 'f', 2, "\u2013"),
                        watchfmt_num(v[3], s->has_efficacy, s->efficacy, 'f', 3, "\u2013"),
                        watchfmt_num(v[4], s->has_futility, s->futility, 'f', 3, "\u2013"),
                        watchfmt_num(v[5], s->has_spent, s->spent, 'g', 3, "NA"),
                        s->rci ? watchfmt_limits(v[6], s->rci->has_lower, s->rci->lower, s->rci->has_upper, s->rci->upper,
                                                 'f', 2, "NA", "\u2013")
                               : "",
                };
                for (size_t c = 0; c < sizeof(col) / sizeof(col[0]); c++)
                        svg_text(f, col[c].x, y, col[c].anchor, SVG_SMALL, "%s", cells[c]);
        }
}

/* The information-fraction axis: a step of 0.1, 0.2, 0.5, 1, 2, 5, ... with at most 12 of them from 0 to x_max (past 1 when the events outran the plan). */
static SvgAxis fraction_axis(const SvgFrame *fr) {
        static const double factor[] = { 2, 2.5, 2 };
        double step = 0.1;
        for (size_t i = 0; (fr->x_max - fr->x_min) / step > 12; i = (i + 1) % 3)
                step *= factor[i];
        return (SvgAxis){ step, 1, step < 1 ? 1 : 0, "Information fraction (events / planned events)" };
}

int svgmon_draw(FILE *f, const Interim__Statistics *s) {
        const Interim__Monitoring *m = s->monitoring;
        if (!m)
                return -EINVAL;
        size_t n = m->n_looks + 1;
        Stage *st = calloc(n, sizeof(*st));
        if (!st)
                return -ENOMEM;
        stages_build(s, st);
        double top = header_height(m);
        SvgFrame fr = { LEFT, top, WIDTH - LEFT - RIGHT, PLOT_HEIGHT, 0, 1, 0, 0 };
        frame_fit(&fr, st, n, m);
        SvgAxis x = fraction_axis(&fr);
        SvgAxis y = { fr.y_max - fr.y_min > 10 ? 2 : 1, 1, 0, "z (positive: experimental arm better)" };
        double height = top + PLOT_HEIGHT + 66 + LINE * (double)(n + 1) + 10;
        svg_begin(f, WIDTH, height);
        header(f, s);
        svg_axes(f, &fr, &x, &y);
        look_marks(f, &fr, st, m->n_looks);
        draw_lines(f, &fr, st, n, s);
        stage_table(f, st, n, top + PLOT_HEIGHT + 64);
        svg_end(f);
        free(st);
        return ferror(f) ? -EIO : 0;
}
