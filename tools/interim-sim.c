/* interim-sim.c — writes a simulated trial's follow-up events as the feeder's CSV, in calendar order. */
#include <csv.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interim/date.h"
#include "interim/numeric.h"
#include "interim/sim.h"
#include "interim/text.h"

#define MAX_LOOKS 16

static void usage(FILE *f) {
        SimParams p;
        sim_params_e2108(&p);
        fprintf(f, "Usage: interim-sim [--patients N] [--sites S] [--seed N] [--trial NAME] [--looks DATES|none]\n"
                   "Writes an E2108-like trial's event stream as CSV on standard output (interim-feed's format).\n"
                   "  --patients N   patients randomized (default %zu, at most 10000000)\n"
                   "  --sites S      sites S01, S02, ... sending them (default %zu, at most 9999)\n"
                   "  --seed N       the random stream (default %llu): the same seed, the same events\n"
                   "  --trial NAME   the trial column (default E2108)\n"
                   "  --looks DATES  formal interim looks (data cuts, sent by site S01) at these ascending\n"
                   "                 dates, none after today (default 2015-12-31,2017-12-31), or none\n",
                p.n_patients, p.n_sites, (unsigned long long)p.seed);
}

/*
 * Parses "none" or ascending comma-separated YYYY-MM-DD dates, none after today (the
 * daemon refuses a date to come).  Returns their count or -EINVAL.
 */
static int parse_looks(const char *s, int32_t *ret) {
        if (strcmp(s, "none") == 0)
                return 0;
        int32_t today = (int32_t)(time(NULL) / 86400);
        int n = 0;
        for (const char *p = s;; p += 11) {
                char date[11];
                if (n == MAX_LOOKS || strlen(p) < 10)
                        return -EINVAL;
                memcpy(date, p, 10);
                date[10] = 0;
                if (date_parse(date, &ret[n]) < 0 || ret[n] > today || (n > 0 && ret[n] <= ret[n - 1]))
                        return -EINVAL;
                n++;
                if (p[10] == 0)
                        return n;
                if (p[10] != ',')
                        return -EINVAL;
        }
}

static int parse_count(const char *s, unsigned long max, size_t *ret) {
        char *end;
        /* strtoul() would take "-1" for ULONG_MAX. */
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || end == s || v == 0 || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static const char *type_name(EventKind k) {
        switch (k) {
        case EVENT_ENROLL:
                return "enroll";
        case EVENT_CONTACT:
                return "contact";
        case EVENT_PROGRESSION_LOCOREGIONAL:
        case EVENT_PROGRESSION_DISTANT:
                return "progression";
        case EVENT_DEATH:
                return "death";
        case EVENT_WITHDRAW:
                return "withdraw";
        default:
                return "?";
        }
}

/* Writes one cell, quoted by libcsv only when it holds a comma, quote or line break. */
static void field(const char *s, bool last) {
        if (strpbrk(s, ",\"\r\n"))
                csv_fwrite(stdout, s, strlen(s));
        else
                fputs(s, stdout);
        fputc(last ? '\n' : ',', stdout);
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "patients", required_argument, NULL, 'n' }, { "sites", required_argument, NULL, 's' },
                { "seed", required_argument, NULL, 'r' },     { "trial", required_argument, NULL, 't' },
                { "looks", required_argument, NULL, 'l' },    { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int32_t looks[MAX_LOOKS];
        int n_looks = parse_looks("2015-12-31,2017-12-31", looks);
        SimParams p;
        sim_params_e2108(&p);
        const char *trial = "E2108";
        size_t seed;
        int c;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                int r = 0;
                switch (c) {
                case 'n':
                        r = parse_count(optarg, 10000000, &p.n_patients);
                        break;
                case 's':
                        r = parse_count(optarg, 9999, &p.n_sites);
                        break;
                case 'r':
                        r = parse_count(optarg, ULONG_MAX, &seed);
                        p.seed = seed;
                        break;
                case 't':
                        /* As the daemon's configuration takes it: a name, and no '/' (topics are TRIAL/ENDPOINT). */
                        trial = optarg;
                        if (strlen(trial) > 64 || !text_name(trial, strlen(trial)) || strpbrk(trial, "/,[]")) {
                                fprintf(stderr, "interim-sim: --trial takes a trial name (1 to 64 bytes of UTF-8 without"
                                                " blanks, invisible characters, '/', ',', '[' or ']'), not '%s'\n", trial);
                                return 2;
                        }
                        break;
                case 'l':
                        n_looks = parse_looks(optarg, looks);
                        if (n_looks < 0) {
                                fprintf(stderr, "interim-sim: --looks takes 'none' or ascending dates "
                                                "YYYY-MM-DD, none after today, separated by commas, not '%s'\n", optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
                if (r < 0) {
                        fprintf(stderr, "interim-sim: --%s takes a positive whole number, not '%s'\n",
                                opts[c == 'n' ? 0 : c == 's' ? 1 : 2].name, optarg);
                        return 2;
                }
        }
        if (optind != argc) {
                usage(stderr);
                return 2;
        }
        numeric_init();
        SimEvent *ev;
        size_t n;
        if (sim_generate(&p, &ev, &n) < 0) {
                fprintf(stderr, "interim-sim: cannot simulate: out of memory\n");
                return 1;
        }
        uint64_t *seq = calloc(p.n_sites, sizeof(*seq));
        if (!seq)
                return 1;
        int width = snprintf(NULL, 0, "%zu", p.n_patients);
        fputs("site,seq,trial,patient,type,date,arm,stratum,detail\n", stdout);
        int look = 0;
        for (size_t i = 0; i <= n; i++) {
                /* A look comes once every event of its data cut is out. */
                while (look < n_looks && (i == n || ev[i].date > looks[look])) {
                        char sq[24], date[11], number[12];
                        snprintf(sq, sizeof(sq), "%" PRIu64, ++seq[0]);
                        date_format(looks[look], date);
                        snprintf(number, sizeof(number), "%d", ++look);
                        printf("S01,%s,", sq);
                        field(trial, false);
                        printf(",look,%s,,,%s\n", date, number);
                }
                if (i == n)
                        break;
                const SimEvent *e = &ev[i];
                char site[16], sq[24], patient[32], date[11];
                snprintf(site, sizeof(site), "S%02d", e->site + 1);
                snprintf(sq, sizeof(sq), "%" PRIu64, ++seq[e->site]);
                snprintf(patient, sizeof(patient), "P%0*u", width < 4 ? 4 : width, e->patient + 1);
                date_format(e->date, date);
                bool enroll = e->kind == EVENT_ENROLL;
                field(site, false);
                field(sq, false);
                field(trial, false);
                field(patient, false);
                field(type_name(e->kind), false);
                field(date, false);
                field(enroll ? p.arms[e->arm] : "", false);
                field(enroll ? p.strata[e->stratum] : "", false);
                field(e->kind == EVENT_PROGRESSION_LOCOREGIONAL ? "locoregional"
                      : e->kind == EVENT_PROGRESSION_DISTANT   ? "distant"
                                                                : "",
                      true);
        }
        free(seq);
        free(ev);
        return fflush(stdout) == 0 ? 0 : 1;
}
