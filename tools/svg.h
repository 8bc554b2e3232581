/* svg.h — the few SVG primitives the drawings share: the document, escaped text, a plot frame with its axes, the palette. */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* Text styles, as attributes. */
#define SVG_TITLE "font-size=\"16\" font-weight=\"bold\" fill=\"#111\""
#define SVG_SUBTITLE "font-size=\"11.5\" fill=\"#555\""
#define SVG_LABEL "font-size=\"12\" fill=\"#222\""
#define SVG_SMALL "font-size=\"11\" fill=\"#333\""
#define SVG_HEADING "font-size=\"11\" font-weight=\"bold\" fill=\"#222\""

/* Rough width of text in the drawings' sans-serif face, for layout (px per character of size 1). */
#define SVG_CHAR_WIDTH 0.56

/* The plot area in the drawing (px) and the data at its edges. */
typedef struct SvgFrame {
        double left, top, width, height;
        double x_min, x_max, y_min, y_max;
} SvgFrame;

/* An axis: a tick every `step` (data units) from the frame's minimum, labelled value / unit with `decimals`. */
typedef struct SvgAxis {
        double step, unit;
        int decimals;
        const char *title;
} SvgAxis;

/* The drawing position of data x, y. */
double svg_x(const SvgFrame *fr, double x);
double svg_y(const SvgFrame *fr, double y);

/* Number of ticks of the axis over [min, max], the last at or just below max. */
size_t svg_ticks(const SvgAxis *a, double min, double max);

/* Opens the document (width x height px, white, sans-serif) and closes it. */
void svg_begin(FILE *f, double width, double height);
void svg_end(FILE *f);

/* Writes text at x, y: anchor "start", "middle" or "end", style attributes, printf format (escaped for XML). */
void svg_text(FILE *f, double x, double y, const char *anchor, const char *style, const char *format, ...)
        __attribute__((format(printf, 6, 7)));

/* Width of text of the given size, roughly. */
double svg_text_width(const char *text, double size);

/* Draws the frame's grid, its axes with ticks and labels, and the axis titles. */
void svg_axes(FILE *f, const SvgFrame *fr, const SvgAxis *x, const SvgAxis *y);

/* Starts a clip path named id around the frame, and the group drawn in it; svg_clip_end() closes the group. */
void svg_clip_begin(FILE *f, const SvgFrame *fr, const char *id);
void svg_clip_end(FILE *f);

/* A colour for series i: the Okabe–Ito palette, told apart in colour blindness and in print. */
const char *svg_colour(size_t i);
