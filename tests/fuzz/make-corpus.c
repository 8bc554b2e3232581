/* make-corpus.c — writes the fuzz targets' seed corpora: runs of encoded events, and ZAP requests, one file each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "zap.h"
#include "zapkeys.h"

/* A seed: its file name and its events (up to the first without a site_seq). */
typedef struct Seed {
        const char *name;
        SiteEvent events[12];
        const char *raw; /* bytes that are not an Event, sent first as a message of their own */
} Seed;

#define ENROLL(s, p, d) { .seq = s, .patient = p, .date = d, .kind = "enroll" }
#define FACT(s, p, d, k) { .seq = s, .patient = p, .date = d, .kind = k }

static const Seed seeds[] = {
        { .name = "enroll", .events = { ENROLL(1, "P1", "2024-01-10") } },
        { .name = "story", .events = { ENROLL(1, "P1", "2024-01-10"), FACT(2, "P1", "2024-04-10", "contact"),
                     FACT(3, "P1", "2024-06-01", "locoregional"), FACT(4, "P1", "2024-08-01", "distant"),
                     FACT(5, "P1", "2025-02-01", "death") } },
        { .name = "retractions", .events = { ENROLL(1, "P1", "2024-01-10"), FACT(2, "P1", "2024-03-01", "contact"),
                           { .seq = 3, .kind = "retract", .target = 1 }, { .seq = 4, .kind = "retract", .target = 2 },
                           { .seq = 5, .kind = "retract", .target = 4 }, FACT(6, "P1", "2024-05-01", "withdraw"),
                           FACT(7, "P1", "2024-06-01", "contact"), { .seq = 8, .kind = "retract", .target = 6 },
                           FACT(9, "P1", "2024-06-01", "contact") } },
        { .name = "reenroll", .events = { ENROLL(1, "P1", "2024-01-10"), { .seq = 2, .kind = "retract", .target = 1 },
                        { .seq = 3, .patient = "P1", .date = "2024-01-12", .kind = "enroll", .arm = "hormone",
                          .stratum = "g2" } } },
        { .name = "looks", .events = { ENROLL(1, "P1", "2024-01-10"), ENROLL(2, "P2", "2024-02-10"), FACT(3, "P1", "2024-09-01", "death"),
                     { .seq = 4, .date = "2024-10-01", .kind = "look", .look = 1 },
                     { .seq = 5, .date = "2024-09-01", .kind = "look", .look = 2 },
                     { .seq = 6, .date = "2025-10-01", .kind = "look", .look = 2 },
                     { .seq = 7, .date = "2030-01-01", .kind = "look", .look = 3 },
                     { .seq = 8, .kind = "retract", .target = 4 } } },
        { .name = "duplicates", .events = { ENROLL(1, "P1", "2024-01-10"), ENROLL(1, "P1", "2024-01-10"),
                          { .seq = 2, .patient = "P2", .date = "2024-01-10", .kind = "enroll", .arm = "placebo" },
                          { .seq = 2, .patient = "P2", .date = "2024-01-10", .kind = "enroll" } } },
        { .name = "refusals", .events = { { .trial = "NOPE", .seq = 1, .patient = "P1", .date = "2024-01-10", .kind = "enroll" },
                        ENROLL(2, "P1", "2024-02-30"), { .seq = 3, .patient = "P1", .date = "2024-01-10" },
                        { .seq = 4, .patient = "P1", .date = "2024-01-10", .kind = "enroll", .stratum = "g9" },
                        { .seq = 5, .patient = "P 1", .date = "2024-01-10", .kind = "enroll" },
                        ENROLL(6, "P1", "2027-01-10"), FACT(7, "P9", "2024-01-10", "contact"),
                        FACT(8, "P1", "2024-01-10", "unspecified"), { .seq = 9, .kind = "retract", .target = 0 },
                        { .seq = 10, .date = "2024-01-10", .kind = "look", .look = 0 },
                        { .trial = "", .seq = 11, .patient = "P1", .date = "2024-01-10", .kind = "enroll" },
                        { .site = "site 1", .seq = 12, .patient = "P1", .date = "2024-01-10", .kind = "enroll" } } },
        { .name = "followup-rules", .events = { ENROLL(1, "P1", "2024-01-10"), FACT(2, "P1", "2024-01-01", "contact"),
                              FACT(3, "P1", "2024-05-01", "contact"), FACT(4, "P1", "2024-04-01", "death"),
                              FACT(5, "P1", "2024-06-01", "death"), FACT(6, "P1", "2024-06-01", "death"),
                              FACT(7, "P1", "2024-07-01", "contact"), ENROLL(8, "P1", "2024-01-10") } },
        { .name = "solo", .events = { { .trial = "SOLO", .seq = 1, .patient = "S1", .date = "2024-01-10", .kind = "enroll", .arm = "c" },
                    { .trial = "SOLO", .seq = 2, .patient = "S1", .date = "2024-03-10", .kind = "withdraw" },
                    { .trial = "SOLO", .seq = 3, .patient = "S1", .date = "2024-04-10", .kind = "contact" },
                    { .trial = "SOLO", .seq = 4, .patient = "S2", .date = "2024-01-10", .kind = "enroll", .arm = "a",
                      .stratum = "g1" },
                    { .trial = "SOLO", .seq = 5, .kind = "retract", .target = 1 },
                    { .trial = "GBSG", .seq = 6, .kind = "retract", .target = 2 } } },
        { .name = "competing", .events = { ENROLL(1, "P1", "2024-01-10"), FACT(2, "P1", "2024-08-01", "death"),
                         FACT(3, "P1", "2024-08-01", "locoregional"), ENROLL(4, "P2", "2024-01-10"),
                         FACT(5, "P2", "2024-03-01", "locoregional"), FACT(6, "P2", "2024-03-01", "distant") } },
        { .name = "sites", .events = { ENROLL(1, "P1", "2024-01-10"), { .site = "site-2", .seq = 1, .kind = "retract", .target = 1 },
                     { .site = "site-2", .seq = 2, .patient = "P1", .date = "2024-02-10", .kind = "contact" },
                     { .site = "site-2", .seq = 3, .kind = "retract", .target = 2 } } },
        { .name = "garbage", .events = { ENROLL(1, "P1", "2024-01-10") }, .raw = "\xff\xff\xff\x07" },
};

/* A ZAP seed: the CURVE request of the key of letter on domain, with a frame replaced or the frames cut. */
typedef struct ZapSeed {
        const char *name;
        char letter;
        const char *domain;
        int frame;           /* the frame replaced by text (0 is the version; -1: none) */
        const char *text;
        size_t n;            /* how many frames are written (0: all) */
} ZapSeed;

static const ZapSeed zap_seeds[] = {
        { .name = "dsmb-publish", .letter = 'D', .domain = ZAP_PUBLISH, .frame = -1 },
        { .name = "site-ingest", .letter = 'S', .domain = ZAP_INGEST, .frame = -1 },
        { .name = "open-publish", .letter = 'O', .domain = ZAP_PUBLISH, .frame = -1 },
        { .name = "unknown-key", .letter = 'X', .domain = ZAP_SNAPSHOT, .frame = -1 },
        { .name = "plain", .letter = 'D', .domain = ZAP_PUBLISH, .frame = 5, .text = "PLAIN" },
        { .name = "version", .letter = 'D', .domain = ZAP_PUBLISH, .frame = 0, .text = "2.0" },
        { .name = "truncated", .letter = 'D', .domain = ZAP_PUBLISH, .frame = -1, .n = 4 },
};

/* Appends one message (2-byte big-endian length, then the bytes) to f. */
static void put(FILE *f, const uint8_t *bytes, size_t n) {
        fputc((int)(n >> 8), f);
        fputc((int)(n & 0xff), f);
        fwrite(bytes, 1, n, f);
}

static FILE *seed_open(const char *dir, const char *name) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "wb");
        if (!f)
                perror(path);
        return f;
}

int main(int argc, char **argv) {
        if (argc != 3) {
                fprintf(stderr, "Usage: make-corpus EVENT_DIR ZAP_DIR\n");
                return 2;
        }
        for (size_t i = 0; i < sizeof(seeds) / sizeof(*seeds); i++) {
                const Seed *s = &seeds[i];
                FILE *f = seed_open(argv[1], s->name);
                if (!f)
                        return 1;
                if (s->raw)
                        put(f, (const uint8_t *)s->raw, strlen(s->raw));
                for (size_t j = 0; j < sizeof(s->events) / sizeof(*s->events) && s->events[j].seq; j++) {
                        uint8_t buf[512];
                        put(f, buf, harness_encode(&s->events[j], buf, sizeof(buf)));
                }
                fclose(f);
        }
        for (size_t i = 0; i < sizeof(zap_seeds) / sizeof(*zap_seeds); i++) {
                const ZapSeed *s = &zap_seeds[i];
                ZapFrame frames[ZAP_REQUEST_FRAMES];
                uint8_t key[32];
                zapkeys_request(frames, key, s->letter, s->domain);
                if (s->frame >= 0)
                        frames[s->frame] = (ZapFrame){ s->text, strlen(s->text) };
                FILE *f = seed_open(argv[2], s->name);
                if (!f)
                        return 1;
                for (size_t j = 0; j < (s->n ? s->n : ZAP_REQUEST_FRAMES); j++)
                        put(f, frames[j].data, frames[j].size);
                fclose(f);
        }
        return 0;
}
