/* test-audit.c — interimd --verify, --export and --backup on stores written through the store's own API, then tampered with. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "fixture.h"
#include "store.h"

/* 2023-11-14T22:13:20Z */
#define T0 INT64_C(1700000000000000)

typedef struct Dir {
        char path[64];
        char db[96];
} Dir;

static const uint8_t payload[] = { 0x0a, 0x04, 'G', 'B', 'S', 'G' };

static StoreEvent event(const char *trial, int64_t site_seq, const char *patient, const char *kind, const char *date,
                        int64_t retracts) {
        return (StoreEvent){
                .server_time = T0 + 1500 * site_seq,
                .sender = "site-1",
                .trial = trial,
                .site = "site-1",
                .site_seq = site_seq,
                .patient = patient,
                .kind = kind,
                .date = date,
                .payload = payload,
                .payload_len = sizeof(payload),
                .retracts = retracts,
        };
}

static void append(Store *s, StoreEvent e) {
        int64_t seq;
        assert_int_equal(store_append_event(s, &e, &seq), 0);
}

static void reject(Store *s, int64_t server_time, const char *sender, const char *trial, const char *site,
                   int64_t site_seq, int reason, const char *text) {
        const StoreRejection j = {
                .server_time = server_time,
                .sender = sender,
                .trial = trial,
                .site = site,
                .site_seq = site_seq,
                .reason = reason,
                .text = text,
                .raw = payload,
                .raw_len = sizeof(payload),
        };
        assert_int_equal(store_append_rejection(s, &j), 0);
}

/*
 * Five events (one of another trial, a death later retracted) and three refusals (one
 * of a sender whose name needs quoting, one that named no trial).
 */
static int setup(void **state) {
        Dir *d = calloc(1, sizeof(*d));
        snprintf(d->path, sizeof(d->path), "/tmp/test-audit-XXXXXX");
        assert_non_null(mkdtemp(d->path));
        snprintf(d->db, sizeof(d->db), "%s/interimd.db", d->path);
        Store *s = NULL;
        char *error = NULL;
        assert_int_equal(store_open(&s, d->path, &error), 0);
        assert_int_equal(store_begin(s), 0);
        append(s, event("GBSG", 1, "P1", "enroll", "2023-01-05", 0));
        reject(s, T0 + 1500 * 2, "site-1", "GBSG", "site-1", 2, 1, "unknown arm");
        append(s, event("SOLO", 3, "S1", "enroll", "2023-02-01", 0));
        append(s, event("GBSG", 4, "P1", "death", "2023-06-30", 0));
        reject(s, T0 + 1500 * 4, "lab \"north\", 2", "GBSG", "site-2", 1, 37,
               "the sender may not speak for this site or trial");
        reject(s, T0 + 1500 * 5, "site-1", NULL, NULL, 0, 32, "malformed");
        append(s, event("GBSG", 6, "P1", "retract", NULL, 3));
        append(s, event("GBSG", 7, "P1", "contact", "2023-07-31", 0));
        const StoreDisclosure live = { .server_time = T0 + 20000, .recipient = "dsmb-chair", .prefix = "" };
        const StoreDisclosure cut = { .server_time = T0 + 30000, .recipient = "dsmb-stat", .prefix = "GBSG/",
                                      .data_cut = "2023-06-30" };
        assert_int_equal(store_append_disclosure(s, &live), 0);
        assert_int_equal(store_append_disclosure(s, &cut), 0);
        assert_int_equal(store_commit(s), 0);
        store_free(s);
        *state = d;
        return 0;
}

/* Removes a store directory made by a test and the files a store may have there; returns rmdir()'s result. */
static int remove_store_dir(const char *dir) {
        const char *names[] = { "interimd.db", "interimd.db-wal", "interimd.db-shm", "interimd.lock", "interimd.db.new" };
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
                char path[192];
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                unlink(path);
        }
        return rmdir(dir);
}

static int teardown(void **state) {
        Dir *d = *state;
        (void)remove_store_dir(d->path);
        free(d);
        return 0;
}

/* Runs SQL on the store file; returns the number of rows the last statement changed. */
static int sql(const Dir *d, const char *text) {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(d->db, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
        int n = sqlite3_changes(db);
        sqlite3_close(db);
        return n;
}

/* Changes one row as an intruder would: the append-only triggers dropped first. */
static void tamper(const Dir *d, const char *text) {
        char all[512];
        snprintf(all, sizeof(all),
                 "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;"
                 "DROP TRIGGER rejected_no_update; DROP TRIGGER rejected_no_delete;"
                 "DROP TRIGGER disclosures_no_update; DROP TRIGGER disclosures_no_delete; %s",
                 text);
        assert_int_equal(sql(d, all), 1);
}

static void expect_verify(const Dir *d, int status, const char *what) {
        char out[512], want[512];
        const char *args[] = { "interimd", "--verify", d->path, NULL };
        assert_int_equal(run_interimd(args, out, sizeof(out)), status);
        snprintf(want, sizeof(want), "%s: %s\n", d->path, what);
        assert_string_equal(out, want);
}

static void test_verify_intact(void **state) {
        expect_verify(*state, 0, "5 events, 3 rejections and 2 arm-level snapshots verified");
}

static void test_verify_one_byte(void **state) {
        /* 'P1' becomes 'P2' in the second event. */
        tamper(*state, "UPDATE events SET patient = 'P2' WHERE store_seq = 2");
        expect_verify(*state, 1, "table events, row 2, does not verify");
}

static void test_verify_blob_byte(void **state) {
        tamper(*state, "UPDATE rejected SET raw = x'0a0447425347ff' WHERE reject_seq = 1");
        expect_verify(*state, 1, "table rejected, row 1, does not verify");
}

static void test_verify_deleted(void **state) {
        tamper(*state, "DELETE FROM events WHERE store_seq = 3");
        expect_verify(*state, 1, "table events, row 3, does not verify");
}

static void test_verify_disclosure(void **state) {
        tamper(*state, "UPDATE disclosures SET recipient = 'open-key' WHERE disclosure_seq = 1");
        expect_verify(*state, 1, "table disclosures, row 1, does not verify");
}

/* A text cut short by a NUL hashes as the original text; SQL compares it whole (a resend would no longer be a duplicate). */
static void test_verify_nul(void **state) {
        tamper(*state, "UPDATE events SET site = site || char(0) || 'x' WHERE store_seq = 2");
        expect_verify(*state, 1, "table events, row 2, does not verify");
}

/* A value of another storage class that reads back the same: a blob for a text, a text led by the digits of an integer. */
static void test_verify_storage_class(void **state) {
        Dir *d = *state;
        tamper(d, "UPDATE events SET patient = CAST(patient AS BLOB) WHERE store_seq = 2");
        expect_verify(d, 1, "table events, row 2, does not verify");
        sql(d, "UPDATE events SET patient = CAST(patient AS TEXT) WHERE store_seq = 2");
        expect_verify(d, 0, "5 events, 3 rejections and 2 arm-level snapshots verified");
        sql(d, "UPDATE rejected SET server_time = server_time || 'x' WHERE reject_seq = 2");
        expect_verify(d, 1, "table rejected, row 2, does not verify");
}

/* A store that does not open: --verify and --export exit 1 and say why. */
static void expect_unopenable(const Dir *d, const char *why) {
        char out[512], want[512];
        snprintf(want, sizeof(want), "store %s: %s\n", d->path, why);
        const char *verify[] = { "interimd", "--verify", d->path, NULL };
        assert_int_equal(run_interimd(verify, out, sizeof(out)), 1);
        assert_string_equal(out, want);
        const char *export[] = { "interimd", "--export", d->path, "--trial", "GBSG", NULL };
        assert_int_equal(run_interimd(export, out, sizeof(out)), 1);
        assert_string_equal(out, want);
}

/* A last row that does not close its chain: the store does not open. */
static void test_verify_last_row(void **state) {
        tamper(*state, "UPDATE events SET hash = zeroblob(32) WHERE store_seq = 5");
        expect_unopenable(*state, "the last event does not close the hash chain");
}

/* The schema of version 3: the events' key checked against refusals by a trigger, every row in the retracts index. */
#define VERSION_3_SQL                                                                              \
        "DROP INDEX events_retracts; CREATE UNIQUE INDEX events_retracts ON events (retracts);"   \
        "CREATE TRIGGER events_key_once BEFORE INSERT ON events"                                   \
        " WHEN EXISTS (SELECT 1 FROM rejected WHERE site = NEW.site AND site_seq = NEW.site_seq)" \
        " BEGIN SELECT RAISE(ABORT, 'site_seq already answered'); END;"

/* Checks a store opened (and so upgraded) by --verify, which says `what`: version 4 and its schema. */
static void expect_version_4(const Dir *d, const char *what) {
        expect_verify(d, 0, what);
        sqlite3 *db;
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_open(d->db, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT (SELECT user_version FROM pragma_user_version),"
                                            " (SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                                            " AND tbl_name = 'disclosures'),"
                                            " (SELECT count(*) FROM sqlite_master WHERE name = 'events_key_once'),"
                                            " (SELECT sql LIKE '%WHERE retracts IS NOT NULL' FROM sqlite_master"
                                            " WHERE name = 'events_retracts')",
                                            -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 4);
        assert_int_equal(sqlite3_column_int(st, 1), 2); /* append-only, as in a new store */
        assert_int_equal(sqlite3_column_int(st, 2), 0);
        assert_int_equal(sqlite3_column_int(st, 3), 1);
        sqlite3_finalize(st);
        sqlite3_close(db);
}

/* A store of schema version 3 is upgraded when opened. */
static void test_version_3(void **state) {
        sql(*state, VERSION_3_SQL "PRAGMA user_version = 3");
        expect_version_4(*state, "5 events, 3 rejections and 2 arm-level snapshots verified");
}

/* A store of schema version 2 (before disclosures were recorded) takes the new table too. */
static void test_version_2(void **state) {
        sql(*state, VERSION_3_SQL "DROP TABLE disclosures; PRAGMA user_version = 2");
        expect_version_4(*state, "5 events, 3 rejections and 0 arm-level snapshots verified");
}

static void test_verify_no_store(void **state) {
        Dir *d = *state;
        char out[512], want[512], missing[96];
        snprintf(missing, sizeof(missing), "%s/none", d->path);
        const char *args[] = { "interimd", "--verify", missing, NULL };
        assert_int_equal(run_interimd(args, out, sizeof(out)), 1);
        snprintf(want, sizeof(want), "store %s: No such file or directory\n", missing);
        assert_string_equal(out, want);
        assert_int_equal(access(missing, F_OK), -1); /* and none was made */
}

/* A store cut to nothing, or an empty SQLite file: not a store, and --verify does not make one of it. */
static void test_verify_empty_file(void **state) {
        Dir *d = *state;
        assert_int_equal(truncate(d->db, 0), 0);
        expect_unopenable(d, "not an interimd store");
        struct stat st;
        assert_int_equal(stat(d->db, &st), 0);
        assert_int_equal(st.st_size, 0);
}

static void test_export(void **state) {
        Dir *d = *state;
        char out[4096];
        const char *args[] = { "interimd", "--export", d->path, "--trial", "GBSG", NULL };
        assert_int_equal(run_interimd(args, out, sizeof(out)), 0);
        assert_string_equal(
                out,
                "\"server_time\",\"sender\",\"status\",\"store_seq\",\"reject_seq\",\"trial\",\"site\",\"site_seq\","
                "\"patient\",\"kind\",\"date\",\"retracts\",\"reason\",\"text\"\n"
                "\"2023-11-14T22:13:20.001500Z\",\"site-1\",\"accepted\",\"1\",\"\",\"GBSG\",\"site-1\",\"1\","
                "\"P1\",\"enroll\",\"2023-01-05\",\"\",\"\",\"\"\n"
                "\"2023-11-14T22:13:20.003000Z\",\"site-1\",\"rejected\",\"\",\"1\",\"GBSG\",\"site-1\",\"2\","
                "\"\",\"\",\"\",\"\",\"UNKNOWN_ARM\",\"unknown arm\"\n"
                "\"2023-11-14T22:13:20.006000Z\",\"site-1\",\"retracted\",\"3\",\"\",\"GBSG\",\"site-1\",\"4\","
                "\"P1\",\"death\",\"2023-06-30\",\"\",\"\",\"\"\n"
                "\"2023-11-14T22:13:20.006000Z\",\"lab \"\"north\"\", 2\",\"rejected\",\"\",\"2\",\"GBSG\",\"site-2\",\"1\","
                "\"\",\"\",\"\",\"\",\"SITE_NOT_ALLOWED\",\"the sender may not speak for this site or trial\"\n"
                "\"2023-11-14T22:13:20.009000Z\",\"site-1\",\"accepted\",\"4\",\"\",\"GBSG\",\"site-1\",\"6\","
                "\"P1\",\"retract\",\"\",\"3\",\"\",\"\"\n"
                "\"2023-11-14T22:13:20.010500Z\",\"site-1\",\"accepted\",\"5\",\"\",\"GBSG\",\"site-1\",\"7\","
                "\"P1\",\"contact\",\"2023-07-31\",\"\",\"\",\"\"\n");

        const char *other[] = { "interimd", "--export", d->path, "--trial", "SOLO", NULL };
        assert_int_equal(run_interimd(other, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "\n\"2023-11-14T22:13:20.004500Z\",\"site-1\",\"accepted\",\"2\",\"\",\"SOLO\","));
        assert_null(strstr(out, "GBSG"));

        const char *no_trial[] = { "interimd", "--export", d->path, NULL };
        assert_int_equal(run_interimd(no_trial, out, sizeof(out)), 2);
}

/* The names in directory dir, sorted, separated by spaces (a static buffer). */
static const char *entries(const char *dir) {
        static char list[1024];
        struct dirent **names;
        int n = scandir(dir, &names, NULL, alphasort);
        assert_true(n >= 0);
        list[0] = '\0';
        for (int i = 0; i < n; i++) {
                if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0) {
                        size_t len = strlen(list);
                        snprintf(list + len, sizeof(list) - len, "%s%s", len ? " " : "", names[i]->d_name);
                }
                free(names[i]);
        }
        free(names);
        return list;
}

/*
 * A copy taken while a writer holds a batch open: the committed rows, verified, with
 * the events' head; a store to go on from; never made over something that exists.
 */
static void test_backup(void **state) {
        Dir *d = *state;
        char dest[128], out[1024], want[1024], hex[2 * STORE_HASH_BYTES + 1];
        snprintf(dest, sizeof(dest), "%s/copy", d->path);
        const char *args[] = { "interimd", "--backup", d->path, dest, NULL };
        Store *s = NULL;
        char *error = NULL;
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES];
        /* One batch committed to the log (the writer still open), one not yet. */
        assert_int_equal(store_open(&s, d->path, &error), 0);
        assert_int_equal(store_begin(s), 0);
        append(s, event("GBSG", 8, "P1", "contact", "2023-08-31", 0));
        assert_int_equal(store_commit(s), 0);
        store_head(s, &head, hash);
        assert_int_equal(head, 6);
        assert_int_equal(store_begin(s), 0);
        append(s, event("GBSG", 9, "P1", "contact", "2023-09-30", 0));
        assert_int_equal(run_interimd(args, out, sizeof(out)), 0);
        snprintf(want, sizeof(want), "%s: 6 events, 3 rejections and 2 arm-level snapshots verified\n%s: events head 6 %s\n",
                 dest, dest, sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash)));
        assert_string_equal(out, want);
        assert_int_equal(store_commit(s), 0);
        store_free(s);
        /* One file, for the owner only (patients' data), and nothing else left beside it. */
        struct stat st;
        char copy_db[160];
        snprintf(copy_db, sizeof(copy_db), "%s/interimd.db", dest);
        assert_int_equal(stat(copy_db, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_string_equal(entries(dest), "interimd.db");
        assert_null(strstr(entries(d->path), "partial"));

        /* The copy, opened as the daemon would: the same head, and its chain goes on. */
        int64_t copy_head;
        uint8_t copy_hash[STORE_HASH_BYTES];
        assert_int_equal(store_open(&s, dest, &error), 0);
        store_head(s, &copy_head, copy_hash);
        assert_int_equal(copy_head, 6);
        assert_memory_equal(copy_hash, hash, sizeof(hash));
        assert_int_equal(store_begin(s), 0);
        append(s, event("GBSG", 10, "P1", "contact", "2023-10-31", 0));
        assert_int_equal(store_commit(s), 0);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(s, &table, &row), 0);
        store_head(s, &copy_head, copy_hash);
        assert_int_equal(copy_head, 7);
        store_free(s);

        /* Not over a directory that exists, the copy itself included. */
        assert_int_equal(run_interimd(args, out, sizeof(out)), 1);
        snprintf(want, sizeof(want), "%s: File exists\n", dest);
        assert_string_equal(out, want);
        assert_int_equal(remove_store_dir(dest), 0);
        /* Nor of a directory without a store, and nothing is made there. */
        char missing[96];
        snprintf(missing, sizeof(missing), "%s/none", d->path);
        const char *none[] = { "interimd", "--backup", missing, dest, NULL };
        assert_int_equal(run_interimd(none, out, sizeof(out)), 1);
        snprintf(want, sizeof(want), "store %s: No such file or directory\n", missing);
        assert_string_equal(out, want);
        assert_int_equal(access(missing, F_OK), -1);
        assert_int_equal(access(dest, F_OK), -1);
        /*
         * A copy that fails halfway (files limited to 8 KiB: SQLite's writes fail with
         * EFBIG) leaves neither dest nor its partial directory.  The writer stays open,
         * so that the reader finds the log's index whole and need not write it.
         */
        assert_int_equal(store_open(&s, d->path, &error), 0);
        struct rlimit unlimited, small = { 8192, 8192 };
        assert_int_equal(getrlimit(RLIMIT_FSIZE, &unlimited), 0);
        small.rlim_max = unlimited.rlim_max;
        void (*xfsz)(int) = signal(SIGXFSZ, SIG_IGN);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
        int status = run_interimd(args, out, sizeof(out));
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &unlimited), 0);
        signal(SIGXFSZ, xfsz);
        store_free(s);
        assert_int_equal(status, 1);
        snprintf(want, sizeof(want), "copy of %s to %s.partial-", d->path, dest);
        assert_int_equal(strncmp(out, want, strlen(want)), 0);
        assert_int_equal(access(dest, F_OK), -1);
        assert_null(strstr(entries(d->path), "partial"));
        /* Nor where dest's parent is missing. */
        char orphan[160];
        snprintf(orphan, sizeof(orphan), "%s/none/copy", d->path);
        const char *no_parent[] = { "interimd", "--backup", d->path, orphan, NULL };
        assert_int_equal(run_interimd(no_parent, out, sizeof(out)), 1);
        snprintf(want, sizeof(want), "%s: No such file or directory\n", orphan);
        assert_string_equal(out, want);
        assert_null(strstr(entries(d->path), "none"));
        const char *no_dest[] = { "interimd", "--backup", d->path, NULL };
        assert_int_equal(run_interimd(no_dest, out, sizeof(out)), 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_verify_intact, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_one_byte, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_blob_byte, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_deleted, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_disclosure, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_nul, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_storage_class, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_last_row, setup, teardown),
                cmocka_unit_test_setup_teardown(test_version_3, setup, teardown),
                cmocka_unit_test_setup_teardown(test_version_2, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_no_store, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_empty_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export, setup, teardown),
                cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
