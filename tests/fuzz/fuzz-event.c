/* fuzz-event.c — libFuzzer target: messages from sites decoded, judged, applied and recorded by the daemon's own path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "decide.h"
#include "fuzz.h"
#include "store.h"
#include "trials.h"

/*
 * An input is a run of messages, each a 2-byte big-endian length and that many bytes
 * (the last one takes what is left), decided in order in one store batch against fresh
 * trials, so that retractions, duplicates and follow-up find what came before them.
 * The batch is rolled back at the end: nothing reaches the disk.
 *
 * Besides the sanitizers, three properties are checked: every decision packs a
 * decodable Ack and never fails the store; every endpoint's live risk set gives the
 * table computed from scratch; and replaying the batch's rows rebuilds the same tables.
 */

static const char config_text[] =
        "[daemon]\n"
        "state_dir = %s/state\n"
        "ingest = ipc://%s/ingest\n"
        "[trial GBSG]\n"
        "arms = control, hormone\n"
        "strata = g1, g2\n"
        "[endpoint GBSG os]\n"
        "events = death\n"
        "[endpoint GBSG pfs]\n"
        "events = progression, death\n"
        "[endpoint GBSG lrp]\n"
        "events = progression:locoregional\n"
        "competing = death\n"
        "[trial SOLO]\n"
        "arms = a, b, c\n"
        "[endpoint SOLO os]\n"
        "events = death\n";

/* 2026-01-01 00:00 UTC: a fixed arrival time keeps every run of an input the same. */
#define FUZZ_NOW INT64_C(1767225600000000)

static char dir[64];
static Config *config;
static Store *store;

static void cleanup(void) {
        store_free(store);
        config_free(config);
        const char *const names[] = { "state/interimd.db-wal", "state/interimd.db-shm", "state/interimd.db",
                                      "state/interimd.lock", "state", "interimd.ini", "" };
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
                char path[128];
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                remove(path);
        }
}

static void fail(const char *what) {
        fprintf(stderr, "fuzz-event: %s\n", what);
        abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        char path[128], *error = NULL;
        snprintf(dir, sizeof(dir), "%s/fuzz-event-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (!mkdtemp(dir))
                fail("no temporary directory");
        atexit(cleanup);
        snprintf(path, sizeof(path), "%s/interimd.ini", dir);
        FILE *f = fopen(path, "w");
        if (!f)
                fail("cannot write the configuration");
        fprintf(f, config_text, dir, dir);
        fclose(f);
        if (config_load(&config, path, &error) < 0 || store_open(&store, config->state_dir, &error) < 0)
                fail(error ? error : "cannot open the configuration or the store");
        return 0;
}

static bool tables_equal(const SurvTable *a, const SurvTable *b) {
        size_t width = a->n_strata * a->n_arms;
        if (a->n_times != b->n_times)
                return false;
        /* An empty table may have no rows allocated at all. */
        if (a->n_times == 0)
                return true;
        return memcmp(a->time, b->time, a->n_times * sizeof(*a->time)) == 0 &&
               memcmp(a->count, b->count, a->n_times * width * OUTCOME_KINDS * sizeof(*a->count)) == 0 &&
               memcmp(a->n_risk, b->n_risk, a->n_times * width * sizeof(*a->n_risk)) == 0;
}

/* Checks each endpoint of live against its own from-scratch table and against replayed's live table. */
static void check_tables(const Trials *live, const Trials *replayed) {
        for (size_t i = 0; i < live->n; i++) {
                const Trial *t = live->trial[i];
                const TrialSpec *spec = trial_spec(t);
                size_t n_strata = spec->n_strata ? spec->n_strata : 1;
                for (size_t e = 0; e < spec->n_endpoints; e++) {
                        SurvTable a, b, c;
                        if (survtable_init(&a, n_strata, spec->n_arms) < 0 ||
                            survtable_init(&b, n_strata, spec->n_arms) < 0 ||
                            survtable_init(&c, n_strata, spec->n_arms) < 0 || riskset_table(trial_riskset(t, e), &a) < 0 ||
                            trial_table_as_of(t, e, INT32_MAX, &b) < 0 ||
                            riskset_table(trial_riskset(replayed->trial[i], e), &c) < 0)
                                fail("out of memory");
                        if (!tables_equal(&a, &b))
                                fail("the live risk set differs from the table computed from scratch");
                        if (!tables_equal(&a, &c))
                                fail("the replayed store gives other tables than the live trials");
                        survtable_deinit(&a);
                        survtable_deinit(&b);
                        survtable_deinit(&c);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Trials *trials = NULL, *replayed = NULL;
        uint32_t changed[2] = { 0 };
        if (trials_new(&trials, config) < 0 || trials_new(&replayed, config) < 0 || store_begin(store) < 0)
                fail("cannot start");
        while (size >= 2) {
                size_t len = (size_t)data[0] << 8 | data[1];
                data += 2;
                size -= 2;
                if (len > size)
                        len = size;
                const Received m = { .data = data, .len = len, .sender = "fuzz", .now = FUZZ_NOW };
                uint8_t ack[DECIDE_ACK_MAX];
                int n = decide_message(trials, store, &m, changed, ack);
                if (n < 0)
                        fail(store_error(store));
                Interim__Ack *decoded = interim__ack__unpack(NULL, (size_t)n, ack);
                if (!decoded)
                        fail("the Ack does not decode");
                interim__ack__free_unpacked(decoded, NULL);
                data += len;
                size -= len;
        }
        size_t n_replayed;
        char *error = NULL;
        if (trials_replay(replayed, store, &n_replayed, &error) < 0)
                fail(error ? error : "the batch does not replay");
        check_tables(trials, replayed);
        store_rollback(store);
        trials_free(replayed);
        trials_free(trials);
        return 0;
}
