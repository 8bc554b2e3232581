/* test-security.c — interimd with CURVE keys: who is admitted to which socket, and what each role may send or receive. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <zmq.h>

#include "fixture.h"
#include "keys.h"
#include "store.h"
#include "publish.h"
#include "topics.h"

/* How long a refused client waits to be sure nothing comes. */
#define SILENCE_MS 1500

/* The keys of every test: made once by interim-keys. */
static char keydir[64], strangers[96];

static const char config_head[] =
        "[daemon]\n"
        "state_dir = @DIR@/state\n"
        "ingest = ipc://@DIR@/ingest\n"
        "publish = ipc://@DIR@/publish\n"
        "publish_open = ipc://@DIR@/publish_open\n"
        "snapshot = ipc://@DIR@/snapshot\n"
        "publish_interval_ms = 10\n";
static const char config_trials[] =
        "[trial GBSG]\n"
        "arms = control, hormone\n"
        "strata = g1, g2\n"
        "[endpoint GBSG os]\n"
        "events = death\n"
        "[trial SOLO]\n"
        "arms = a, b\n"
        "[endpoint SOLO os]\n"
        "events = death\n";

/* Runs the tool named by environment variable env with args; returns its exit status, with its standard output in out. */
static int run_tool(const char *env, const char *const *args, char *out, size_t size) {
        char path[] = "/tmp/test-security-out-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        unlink(path);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fd, STDOUT_FILENO);
                execv(getenv(env), (char *const *)args);
                _exit(127);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        ssize_t n = pread(fd, out, size - 1, 0);
        assert_true(n >= 0);
        out[n] = '\0';
        close(fd);
        return WEXITSTATUS(status);
}

static void run_keys(const char *const *args) {
        char out[512];
        assert_int_equal(run_tool("INTERIM_KEYS", args, out, sizeof(out)), 0);
}

static void make_key(const char *name, const char *role, const char *dir) {
        const char *args[] = { "interim-keys", "new", name, "--role", role, "--dir", dir, "--out", dir, NULL };
        run_keys(args);
}

static int keys_setup(void **state) {
        snprintf(keydir, sizeof(keydir), "/tmp/test-security-XXXXXX");
        assert_non_null(mkdtemp(keydir));
        snprintf(strangers, sizeof(strangers), "%s/strangers", keydir);
        assert_int_equal(mkdir(strangers, 0700), 0);
        const char *server[] = { "interim-keys", "server", "--dir", keydir, NULL };
        run_keys(server);
        make_key("site1", "site:site-1", keydir);
        make_key("site2", "site:site-2,trials=SOLO", keydir);
        make_key("dsmb", "dsmb", keydir);
        make_key("open", "open", keydir);
        make_key("stranger", "site:site-1", strangers);
        return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int keys_teardown(void **state) {
        nftw(keydir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static int setup_curve(void **state) {
        char config[2048];
        snprintf(config, sizeof(config), "%skeys = %s\nsecret_key = %s/server.key\n%s", config_head, keydir, keydir,
                 config_trials);
        *state = harness_new(config);
        return 0;
}

static int setup_plain(void **state) {
        char config[2048];
        snprintf(config, sizeof(config), "%s%s", config_head, config_trials);
        *state = harness_new(config);
        return 0;
}

static int teardown(void **state) {
        assert_int_equal(harness_free(*state), 0);
        return 0;
}

/* A socket of type on the daemon's socket name, a CURVE client with key (keydir/KEY.key; NULL: plain). */
static void *client(Fixture *f, int type, const char *name, const char *dir, const char *key) {
        assert_true(f->n_sockets < sizeof(f->sockets) / sizeof(f->sockets[0]));
        void *s = zmq_socket(f->zmq, type);
        assert_non_null(s);
        f->sockets[f->n_sockets++] = s;
        int linger = 0;
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
        if (key) {
                char pair[128], server[128], *error = NULL;
                snprintf(pair, sizeof(pair), "%s/%s.key", dir, key);
                snprintf(server, sizeof(server), "%s/server.pub", keydir);
                assert_int_equal(key_client_secure(s, pair, server, &error), 0);
        }
        if (type == ZMQ_SUB)
                assert_int_equal(zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0), 0);
        char endpoint[128];
        harness_endpoint(f, name, endpoint, sizeof(endpoint));
        assert_int_equal(zmq_connect(s, endpoint), 0);
        return s;
}

/* Sends an event from a site's socket and checks the acknowledgement. */
static void send_as(Fixture *f, void *dealer, Ev ev, Interim__AckStatus status, Interim__Reason reason, uint64_t seq) {
        f->dealer = dealer;
        expect(f, ev, status, reason, seq);
}

/* Sends an event from a socket the daemon does not admit: no acknowledgement comes. */
static void unanswered(Fixture *f, void *dealer) {
        f->dealer = dealer;
        send_event(f, (Ev){ .seq = 99, .patient = "X", .date = day(0), .kind = "enroll" });
        assert_null(receive_ack(f, SILENCE_MS));
}

/* Whether a subscriber gets a message (a heartbeat at least) within two heartbeats. */
static bool hears(void *sub) {
        zmq_pollitem_t item = { .socket = sub, .events = ZMQ_POLLIN };
        return zmq_poll(&item, 1, 2 * PUBLISH_HEARTBEAT_MS + 500) == 1;
}

/*
 * Sends a snapshot request and reads the answer to its last frame pair: its topic ("[end]" or
 * "[error]") in ret_topic, its body in ret_body; returns the body's length.
 */
static size_t snapshot_ask(void *dealer, bool arm_level, char *ret_topic, uint8_t *ret_body, size_t size) {
        Interim__SnapshotRequest req = INTERIM__SNAPSHOT_REQUEST__INIT;
        req.prefix = "";
        req.data_cut = "";
        req.arm_level = arm_level;
        uint8_t buf[64];
        size_t n = interim__snapshot_request__pack(&req, buf);
        assert_int_equal(zmq_send(dealer, buf, n, 0), (int)n);
        int timeout = WAIT_MS;
        zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &timeout, sizeof(timeout));
        for (;;) {
                char topic[64];
                int got = zmq_recv(dealer, topic, sizeof(topic) - 1, 0);
                assert_true(got >= 0);
                topic[got] = '\0';
                got = zmq_recv(dealer, ret_body, size, 0);
                assert_true(got >= 0);
                if (topic[0] == '[') {
                        snprintf(ret_topic, 64, "%s", topic);
                        return (size_t)got;
                }
        }
}

/* ---- tests ---- */

static void test_sites(void **state) {
        Fixture *f = *state;
        void *site1 = client(f, ZMQ_DEALER, "ingest", keydir, "site1");
        void *site2 = client(f, ZMQ_DEALER, "ingest", keydir, "site2");
        send_as(f, site1, (Ev){ .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" },
                INTERIM__ACK_STATUS__ACCEPTED, INTERIM__REASON__REASON_NONE, 1);
        /* Site 1's key speaking for site 2: refused, and the key (site-2, 1) stays site 2's own. */
        send_as(f, site1, (Ev){ .site = "site-2", .seq = 1, .patient = "Q1", .date = day(0), .kind = "enroll" },
                INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__SITE_NOT_ALLOWED, 0);
        /* Site 2's key is for trial SOLO only. */
        send_as(f, site2, (Ev){ .site = "site-2", .seq = 1, .patient = "Q1", .date = day(0), .kind = "enroll" },
                INTERIM__ACK_STATUS__REJECTED, INTERIM__REASON__SITE_NOT_ALLOWED, 0);
        send_as(f, site2,
                (Ev){ .trial = "SOLO", .site = "site-2", .seq = 1, .patient = "Q1", .date = day(0), .kind = "enroll",
                      .arm = "a", .stratum = "" },
                INTERIM__ACK_STATUS__ACCEPTED, INTERIM__REASON__REASON_NONE, 2);

        /* The store names each sender by its key. */
        assert_int_equal(daemon_stop(f, SIGTERM), 0);
        Store *store = NULL;
        char *error = NULL, state_dir[96];
        snprintf(state_dir, sizeof(state_dir), "%s/state", f->dir);
        assert_int_equal(store_open(&store, state_dir, &error), 0);
        assert_int_equal(store_rejections(store), 2);
        store_free(store);
        char out[2048];
        const char *args[] = { "interimd", "--export", state_dir, "--trial", "GBSG", NULL };
        assert_int_equal(run_interimd(args, out, sizeof(out)), 0);
        const char *line = strchr(out, '\n') + 1;
        assert_non_null(strstr(line, "\",\"site1\",\"accepted\",\"1\",\"\",\"GBSG\",\"site-1\",\"1\",\"P1\",\"enroll\""));
        line = strchr(line, '\n') + 1;
        assert_non_null(strstr(line, "\",\"site1\",\"rejected\",\"\",\"1\",\"GBSG\",\"\",\"\",\"\",\"\",\"\",\"\","
                                     "\"SITE_NOT_ALLOWED\""));
        line = strchr(line, '\n') + 1;
        assert_non_null(strstr(line, "\",\"site2\",\"rejected\",\"\",\"2\",\"GBSG\",\"\",\"\",\"\",\"\",\"\",\"\","
                                     "\"SITE_NOT_ALLOWED\""));
        assert_string_equal(strchr(line, '\n'), "\n");
        daemon_start(f);
}

static void test_refused_keys(void **state) {
        Fixture *f = *state;
        /* A key not in the directory, no key at all, and keys whose roles do not send events. */
        unanswered(f, client(f, ZMQ_DEALER, "ingest", strangers, "stranger"));
        unanswered(f, client(f, ZMQ_DEALER, "ingest", NULL, NULL));
        unanswered(f, client(f, ZMQ_DEALER, "ingest", keydir, "dsmb"));
        unanswered(f, client(f, ZMQ_DEALER, "ingest", keydir, "open"));
        assert_true(harness_log_contains(f, "on ingest: unknown key"));
        assert_true(harness_log_contains(f, "on ingest: role not admitted to this socket"));
        /* The site key still gets through afterwards. */
        send_as(f, client(f, ZMQ_DEALER, "ingest", keydir, "site1"),
                (Ev){ .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" }, INTERIM__ACK_STATUS__ACCEPTED,
                INTERIM__REASON__REASON_NONE, 1);
}

static void test_channels(void **state) {
        Fixture *f = *state;
        /* Arm-level statistics: dsmb only.  Pooled: every client key. */
        assert_true(hears(client(f, ZMQ_SUB, "publish", keydir, "dsmb")));
        assert_false(hears(client(f, ZMQ_SUB, "publish", keydir, "open")));
        assert_false(hears(client(f, ZMQ_SUB, "publish", keydir, "site1")));
        assert_false(hears(client(f, ZMQ_SUB, "publish", NULL, NULL)));
        assert_true(hears(client(f, ZMQ_SUB, "publish_open", keydir, "open")));
        assert_true(hears(client(f, ZMQ_SUB, "publish_open", keydir, "site1")));
        assert_false(hears(client(f, ZMQ_SUB, "publish_open", strangers, "stranger")));
}

static void test_snapshots(void **state) {
        Fixture *f = *state;
        char topic[64];
        uint8_t body[1 << 16];
        void *open = client(f, ZMQ_DEALER, "snapshot", keydir, "open");
        snapshot_ask(open, false, topic, body, sizeof(body));
        assert_string_equal(topic, TOPIC_SNAPSHOT_END);
        size_t n = snapshot_ask(open, true, topic, body, sizeof(body));
        assert_string_equal(topic, TOPIC_SNAPSHOT_ERROR);
        Interim__SnapshotError *e = interim__snapshot_error__unpack(NULL, n, body);
        assert_non_null(e);
        assert_string_equal(e->reason, "arm-level snapshots are for dsmb keys only");
        interim__snapshot_error__free_unpacked(e, NULL);

        void *dsmb = client(f, ZMQ_DEALER, "snapshot", keydir, "dsmb");
        snapshot_ask(dsmb, true, topic, body, sizeof(body));
        assert_string_equal(topic, TOPIC_SNAPSHOT_END);
        /* Sites send events; they do not read statistics from the snapshot socket. */
        /* The arm-level answer is on record, with its recipient; the refused one is not. */
        assert_int_equal(daemon_stop(f, SIGTERM), 0);
        char state_dir[96], out[512], want[512];
        snprintf(state_dir, sizeof(state_dir), "%s/state", f->dir);
        const char *args[] = { "interimd", "--verify", state_dir, NULL };
        assert_int_equal(run_interimd(args, out, sizeof(out)), 0);
        snprintf(want, sizeof(want), "%s: 0 events, 0 rejections and 1 arm-level snapshots verified\n", state_dir);
        assert_string_equal(out, want);
        sqlite3 *db;
        sqlite3_stmt *st;
        snprintf(want, sizeof(want), "%s/interimd.db", state_dir);
        assert_int_equal(sqlite3_open(want, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT recipient, prefix, data_cut FROM disclosures", -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "dsmb");
        assert_string_equal((const char *)sqlite3_column_text(st, 1), "");
        assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
        sqlite3_finalize(st);
        sqlite3_close(db);
        daemon_start(f);

        void *site = client(f, ZMQ_DEALER, "snapshot", keydir, "site1");
        Interim__SnapshotRequest req = INTERIM__SNAPSHOT_REQUEST__INIT;
        uint8_t buf[64];
        n = interim__snapshot_request__pack(&req, buf);
        zmq_send(site, buf, n, ZMQ_DONTWAIT);
        zmq_pollitem_t item = { .socket = site, .events = ZMQ_POLLIN };
        assert_int_equal(zmq_poll(&item, 1, SILENCE_MS), 0);
}

/* interim-keys: the files it wrote, their modes, the list, and what it refuses. */
static void test_keys_tool(void **state) {
        char out[2048], path[128];
        const char *list[] = { "interim-keys", "list", "--dir", keydir, NULL };
        assert_int_equal(run_tool("INTERIM_KEYS", list, out, sizeof(out)), 0);
        const char *names[] = { "dsmb", "open", "server", "site1", "site2" };
        const char *roles[] = { "dsmb", "open", "server", "site:site-1", "site:site-2,trials=SOLO" };
        const char *line = out;
        for (size_t i = 0; i < 5; i++) {
                char name[16], public_key[64], role[64];
                assert_int_equal(sscanf(line, "%15s %63s %63s", name, public_key, role), 3);
                assert_string_equal(name, names[i]);
                assert_int_equal(strlen(public_key), KEY_Z85_LEN);
                assert_string_equal(role, roles[i]);
                KeyFile pair;
                char *error = NULL;
                snprintf(path, sizeof(path), "%s/%s.key", keydir, names[i]);
                assert_int_equal(key_file_read(path, &pair, &error), 0);
                assert_string_equal(pair.public_key, public_key);
                assert_int_equal(strlen(pair.secret_key), KEY_Z85_LEN);
                struct stat st;
                assert_int_equal(stat(path, &st), 0);
                assert_int_equal(st.st_mode & 0777, 0600);
                line = strchr(line, '\n') + 1;
        }
        assert_string_equal(line, "");

        const char *bad_role[] = { "interim-keys", "new", "x", "--role", "admin", "--dir", keydir, NULL };
        assert_int_equal(run_tool("INTERIM_KEYS", bad_role, out, sizeof(out)), 2);
        const char *bad_name[] = { "interim-keys", "new", "../x", "--role", "open", "--dir", keydir, NULL };
        assert_int_equal(run_tool("INTERIM_KEYS", bad_name, out, sizeof(out)), 2);
        const char *again[] = { "interim-keys", "new", "open", "--role", "open", "--dir", keydir, "--out", keydir, NULL };
        assert_int_equal(run_tool("INTERIM_KEYS", again, out, sizeof(out)), 1);
}

/* interim-feed with a site's key pair and the daemon's public key. */
static void test_feed(void **state) {
        Fixture *f = *state;
        char csv[256], pair[128], stranger[128], server[128], endpoint[128], out[512];
        snprintf(csv, sizeof(csv), "%s/site1.csv", f->dir);
        FILE *c = fopen(csv, "w");
        assert_non_null(c);
        fprintf(c, "site,seq,trial,patient,type,date,arm,stratum,detail\n"
                   "site-1,1,GBSG,P1,enroll,%s,control,g1,\n"
                   "site-2,1,GBSG,Q1,enroll,%s,control,g1,\n",
                day(0), day(0));
        fclose(c);
        snprintf(pair, sizeof(pair), "%s/site1.key", keydir);
        snprintf(stranger, sizeof(stranger), "%s/stranger.key", strangers);
        snprintf(server, sizeof(server), "%s/server.pub", keydir);
        harness_endpoint(f, "ingest", endpoint, sizeof(endpoint));
        const char *args[] = { "interim-feed", "--connect", endpoint, "--key", pair, "--server-key", server,
                               "--timeout", "2", csv, NULL };
        assert_int_equal(run_tool("INTERIM_FEED", args, out, sizeof(out)), 1);
        char want[512];
        snprintf(want, sizeof(want), "%s: 1 accepted, 0 duplicates, 1 rejected, 0 invalid rows\n", csv);
        assert_string_equal(out, want);
        args[4] = stranger;
        assert_int_equal(run_tool("INTERIM_FEED", args, out, sizeof(out)), 3);
        snprintf(want, sizeof(want), "%s: 0 accepted, 0 duplicates, 0 rejected, 0 invalid rows, 2 unacknowledged\n",
                 csv);
        assert_string_equal(out, want);
        /* A key pair that cannot be read, or a public key given as the pair: usage (2), not "no answer" (3), and nothing fed. */
        char missing[300];
        snprintf(missing, sizeof(missing), "%s/none.key", keydir);
        args[4] = missing;
        assert_int_equal(run_tool("INTERIM_FEED", args, out, sizeof(out)), 2);
        assert_string_equal(out, "");
        args[4] = server;
        assert_int_equal(run_tool("INTERIM_FEED", args, out, sizeof(out)), 2);
        assert_string_equal(out, "");
        args[4] = pair;

        /*
         * An event that fits the daemon's 65536 bytes in the clear but not once CURVE has
         * added its 33: refused as an invalid row, and the next row still goes through.
         */
        size_t len = 65400;
        char *patient = malloc(65536);
        uint8_t *encoded = malloc(65536);
        for (size_t bytes = 0; bytes <= 65536 - 20; len++) {
                memset(patient, 'P', len);
                patient[len] = '\0';
                bytes = harness_encode(&(SiteEvent){ .trial = "GBSG", .site = "site-1", .seq = 2, .patient = patient,
                                                     .date = day(1), .kind = "contact" },
                                       encoded, 65536);
                assert_true(bytes > 0);
        }
        free(encoded);
        c = fopen(csv, "w");
        assert_non_null(c);
        fprintf(c, "site,seq,trial,patient,type,date,arm,stratum,detail\n"
                   "site-1,2,GBSG,%s,contact,%s,,,\n"
                   "site-1,3,GBSG,P1,contact,%s,,,\n",
                patient, day(1), day(2));
        fclose(c);
        free(patient);
        args[4] = pair;
        assert_int_equal(run_tool("INTERIM_FEED", args, out, sizeof(out)), 1);
        snprintf(want, sizeof(want), "%s: 1 accepted, 0 duplicates, 0 rejected, 1 invalid rows\n", csv);
        assert_string_equal(out, want);
}

/* interim-watch --once with a dsmb or an open key pair: the snapshot its role may have, or the daemon's refusal. */
static void test_watch(void **state) {
        Fixture *f = *state;
        char pair[128], server[128], endpoint[128], out[8192];
        snprintf(server, sizeof(server), "%s/server.pub", keydir);
        harness_endpoint(f, "snapshot", endpoint, sizeof(endpoint));
        const char *args[] = { "interim-watch", "--connect", endpoint, "--key", pair, "--server-key", server,
                               "--once", "--json", NULL, NULL };
        snprintf(pair, sizeof(pair), "%s/dsmb.key", keydir);
        assert_int_equal(run_tool("INTERIM_WATCH", args, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "\"arm\":\"hormone\""));
        snprintf(pair, sizeof(pair), "%s/open.key", keydir);
        assert_int_equal(run_tool("INTERIM_WATCH", args, out, sizeof(out)), 1);
        args[9] = "--pooled";
        assert_int_equal(run_tool("INTERIM_WATCH", args, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "\"arm\":\"all\""));
        assert_null(strstr(out, "\"arm\":\"hormone\""));
}

/* A CURVE client and a plain server, or a plain client and a CURVE server, never talk. */
static void test_mechanisms(void **state) {
        Fixture *f = *state;
        unanswered(f, client(f, ZMQ_DEALER, "ingest", keydir, "site1"));
        assert_false(hears(client(f, ZMQ_SUB, "publish", keydir, "dsmb")));
        /* The plain daemon answers plain clients. */
        send_as(f, client(f, ZMQ_DEALER, "ingest", NULL, NULL),
                (Ev){ .seq = 1, .patient = "P1", .date = day(0), .kind = "enroll" }, INTERIM__ACK_STATUS__ACCEPTED,
                INTERIM__REASON__REASON_NONE, 1);
        assert_true(harness_log_contains(f, "no keys configured: nobody is authenticated"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keys_tool),
                cmocka_unit_test_setup_teardown(test_sites, setup_curve, teardown),
                cmocka_unit_test_setup_teardown(test_refused_keys, setup_curve, teardown),
                cmocka_unit_test_setup_teardown(test_channels, setup_curve, teardown),
                cmocka_unit_test_setup_teardown(test_snapshots, setup_curve, teardown),
                cmocka_unit_test_setup_teardown(test_feed, setup_curve, teardown),
                cmocka_unit_test_setup_teardown(test_watch, setup_curve, teardown),
                cmocka_unit_test_setup_teardown(test_mechanisms, setup_plain, teardown),
        };
        return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
