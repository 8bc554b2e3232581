/* svg.c — SVG primitives: the document, text, axes and ticks, written by hand (a drawing, not a parsed format). */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "svg.h"

#define FONT "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"

double svg_x(const SvgFrame *fr, double x) {
        return fr->left + (x - fr->x_min) / (fr->x_max - fr->x_min) * fr->width;
}

double svg_y(const SvgFrame *fr, double y) {
        return fr->top + (fr->y_max - y) / (fr->y_max - fr->y_min) * fr->height;
}

size_t svg_ticks(const SvgAxis *a, double min, double max) {
        /* A little slack: a last tick computed as 0.30000000000000004 against a maximum of 0.3 still counts. */
        return (size_t)floor((max - min) / a->step + 1e-9) + 1;
}

void svg_begin(FILE *f, double width, double height) {
        fprintf(f,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                "font-family=\"%s\">\n"
                "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
                width, height, width, height, FONT);
}

void svg_end(FILE *f) {
        fputs("</svg>\n", f);
}

static void escaped(FILE *f, const char *s) {
        for (; *s; s++)
                switch (*s) {
                case '&':
                        fputs("&amp;", f);
                        break;
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                default:
                        fputc(*s, f);
                }
}

void svg_text(FILE *f, double x, double y, const char *anchor, const char *style, const char *format, ...) {
        char buf[512];
        va_list ap;
        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>", x, y, anchor, style);
        escaped(f, buf);
        fputs("</text>\n", f);
}

double svg_text_width(const char *text, double size) {
        /* Characters, not bytes: UTF-8 continuation bytes do not count. */
        size_t n = 0;
        for (const unsigned char *s = (const unsigned char *)text; *s; s++)
                n += (*s & 0xc0) != 0x80;
        return (double)n * size * SVG_CHAR_WIDTH;
}

static void grid_and_ticks(FILE *f, const SvgFrame *fr, const SvgAxis *a, bool vertical) {
        double min = vertical ? fr->y_min : fr->x_min, max = vertical ? fr->y_max : fr->x_max;
        size_t n = svg_ticks(a, min, max);
        double bottom = fr->top + fr->height;
        for (size_t i = 0; i < n; i++) {
                double v = min + (double)i * a->step;
                char label[32];
                snprintf(label, sizeof(label), "%.*f", a->decimals, v / a->unit);
                if (vertical) {
                        double y = svg_y(fr, v);
                        fprintf(f, "<path d=\"M%.1f %.1fH%.1f\" stroke=\"#e4e4e4\" stroke-width=\"1\"/>\n", fr->left, y,
                                fr->left + fr->width);
                        fprintf(f, "<path d=\"M%.1f %.1fh-5\" stroke=\"#444\"/>\n", fr->left, y);
                        svg_text(f, fr->left - 8, y + 4, "end", SVG_SMALL, "%s", label);
                } else {
                        double x = svg_x(fr, v);
                        fprintf(f, "<path d=\"M%.1f %.1fv5\" stroke=\"#444\"/>\n", x, bottom);
                        svg_text(f, x, bottom + 18, "middle", SVG_SMALL, "%s", label);
                }
        }
}

void svg_axes(FILE *f, const SvgFrame *fr, const SvgAxis *x, const SvgAxis *y) {
        double bottom = fr->top + fr->height;
        grid_and_ticks(f, fr, y, true);
        grid_and_ticks(f, fr, x, false);
        fprintf(f, "<path d=\"M%.1f %.1fV%.1fH%.1f\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\"/>\n", fr->left,
                fr->top, bottom, fr->left + fr->width);
        svg_text(f, fr->left + fr->width / 2, bottom + 38, "middle", SVG_LABEL, "%s", x->title);
        fprintf(f, "<g transform=\"translate(%.1f %.1f) rotate(-90)\">\n", fr->left - 46, fr->top + fr->height / 2);
        svg_text(f, 0, 0, "middle", SVG_LABEL, "%s", y->title);
        fputs("</g>\n", f);
}

void svg_clip_begin(FILE *f, const SvgFrame *fr, const char *id) {
        fprintf(f, "<clipPath id=\"%s\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n", id,
                fr->left, fr->top - 2, fr->width + 2, fr->height + 4);
        fprintf(f, "<g clip-path=\"url(#%s)\">\n", id);
}

void svg_clip_end(FILE *f) {
        fputs("</g>\n", f);
}

const char *svg_colour(size_t i) {
        static const char *const palette[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000" };
        return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}
