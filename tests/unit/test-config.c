/* test-config.c — reading the daemon's configuration file: a full file, and every kind of error with its line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

/* Writes text to a fresh temporary file and returns its path (static storage). */
static const char *write_file(const char *text) {
        static char path[64];
        snprintf(path, sizeof(path), "/tmp/test-config-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        size_t n = strlen(text);
        assert_int_equal(write(fd, text, n), (ssize_t)n);
        close(fd);
        return path;
}

static Config *load_ok(const char *text) {
        const char *path = write_file(text);
        Config *c = NULL;
        char *error = NULL;
        int r = config_load(&c, path, &error);
        unlink(path);
        if (error)
                print_error("%s\n", error);
        assert_int_equal(r, 0);
        assert_null(error);
        return c;
}

/* Loads text and checks the error is exactly "PATH:" followed by expected ("LINE: reason" or " reason"). */
static void assert_error(const char *text, const char *expected) {
        const char *path = write_file(text);
        Config *c = NULL;
        char *error = NULL;
        int r = config_load(&c, path, &error);
        unlink(path);
        assert_int_equal(r, -EINVAL);
        assert_null(c);
        assert_non_null(error);
        char want[1024];
        snprintf(want, sizeof(want), "%s:%s", path, expected);
        assert_string_equal(error, want);
        free(error);
}

static const char full[] =
        "; the motivating trial\n"
        "[daemon]\n"
        "state_dir = /var/lib/interimd      ; the embedded SQLite store lives here\n"
        "ingest    = tcp://127.0.0.1:5570   ; ROUTER: sites send events, get acks\n"
        "snapshot  = tcp://127.0.0.1:5571\n"
        "publish   = tcp://127.0.0.1:5572\n"
        "publish_open = tcp://127.0.0.1:5573\n"
        "publish_interval_ms = 250\n"
        "max_message_bytes = 4096\n"
        "batch_max = 32\n"
        "\n"
        "[trial GBSG]\n"
        "arms = control, hormone            ; the first is the control arm\n"
        "strata = g1, g2, g3\n"
        "stratified = no\n"
        "ci = plain\n"
        "conf_level = 0.9\n"
        "ties = breslow\n"
        "landmarks = 365, 730, 1095\n"
        "rmst_tau = 1825\n"
        "[endpoint GBSG os]\n"
        "events = death\n"
        "[endpoint GBSG pfs]\n"
        "events = progression, death\n"
        "[endpoint GBSG lrp]\n"
        "events = progression:locoregional\n"
        "competing = death, progression:distant\n"
        "[design GBSG]                      ; optional: group-sequential monitoring\n"
        "endpoint = pfs\n"
        "planned_events = 300\n"
        "alpha = 0.05\n"
        "sides = 1\n"
        "spending = hsd:-4\n"
        "futility = kd:3\n"
        "beta = 0.1\n"
        "hazard_ratio = 0.7\n"
        "[trial E2108]\n"
        "arms = systemic, surgery, radiation\n"
        "[endpoint E2108 os]\n"
        "events = death\n";

static void test_full(void **state) {
        Config *c = load_ok(full);
        assert_string_equal(c->state_dir, "/var/lib/interimd");
        assert_string_equal(c->ingest, "tcp://127.0.0.1:5570");
        assert_string_equal(c->snapshot, "tcp://127.0.0.1:5571");
        assert_string_equal(c->publish, "tcp://127.0.0.1:5572");
        assert_string_equal(c->publish_open, "tcp://127.0.0.1:5573");
        assert_int_equal(c->publish_interval_ms, 250);
        assert_int_equal(c->max_message_bytes, 4096);
        assert_int_equal(c->batch_max, 32);
        assert_int_equal(c->n_trials, 2);

        const TrialConfig *t = &c->trials[0];
        assert_string_equal(t->spec.name, "GBSG");
        assert_int_equal(t->spec.n_arms, 2);
        assert_string_equal(t->spec.arms[0], "control");
        assert_string_equal(t->spec.arms[1], "hormone");
        assert_int_equal(t->spec.n_strata, 3);
        assert_string_equal(t->spec.strata[2], "g3");
        assert_false(t->report.stratified);
        assert_int_equal(t->report.ci, KM_CONF_PLAIN);
        assert_true(t->report.conf_level == 0.9);
        assert_int_equal(t->report.ties, COX_BRESLOW);
        assert_int_equal(t->report.n_landmarks, 3);
        assert_int_equal(t->report.landmarks[0], 365);
        assert_int_equal(t->report.landmarks[2], 1095);
        assert_int_equal(t->report.rmst_tau, 1825);

        assert_int_equal(t->spec.n_endpoints, 3);
        assert_string_equal(t->spec.endpoints[0].name, "os");
        assert_int_equal(t->spec.endpoints[0].events, EVENT_BIT(EVENT_DEATH));
        assert_int_equal(t->spec.endpoints[0].competing, 0);
        assert_int_equal(t->spec.endpoints[1].events, EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL) |
                                                              EVENT_BIT(EVENT_PROGRESSION_DISTANT) |
                                                              EVENT_BIT(EVENT_DEATH));
        assert_string_equal(t->spec.endpoints[2].name, "lrp");
        assert_int_equal(t->spec.endpoints[2].events, EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL));
        assert_int_equal(t->spec.endpoints[2].competing,
                         EVENT_BIT(EVENT_DEATH) | EVENT_BIT(EVENT_PROGRESSION_DISTANT));

        assert_true(t->has_design);
        assert_int_equal(t->design.endpoint, 1);
        assert_true(t->design.gsd.planned_events == 300);
        assert_true(t->design.gsd.alpha == 0.05);
        assert_int_equal(t->design.gsd.sides, 1);
        assert_int_equal(t->design.gsd.efficacy.family, GSD_HWANG_SHIH_DECANI);
        assert_true(t->design.gsd.efficacy.param == -4);
        assert_int_equal(t->design.gsd.futility, GSD_FUTILITY_BETA);
        assert_int_equal(t->design.gsd.futility_spending.family, GSD_KIM_DEMETS);
        assert_true(t->design.gsd.futility_spending.param == 3);
        assert_true(t->design.gsd.beta == 0.1);
        assert_true(t->design.gsd.hazard_ratio == 0.7);

        /* The second trial takes every default. */
        t = &c->trials[1];
        assert_string_equal(t->spec.name, "E2108");
        assert_int_equal(t->spec.n_arms, 3);
        assert_string_equal(t->spec.arms[2], "radiation");
        assert_int_equal(t->spec.n_strata, 0);
        assert_false(t->report.stratified);
        assert_int_equal(t->report.ci, KM_CONF_LOGLOG);
        assert_true(t->report.conf_level == 0.95);
        assert_int_equal(t->report.ties, COX_EFRON);
        assert_int_equal(t->report.n_landmarks, 0);
        assert_int_equal(t->report.rmst_tau, 0);
        assert_false(t->has_design);

        /* Every trial definition is one the library takes. */
        for (size_t i = 0; i < c->n_trials; i++) {
                Trial *trial = NULL;
                assert_int_equal(trial_new(&trial, &c->trials[i].spec), 0);
                trial_free(trial);
        }
        config_free(c);
}

/* Lines 1-3: a [daemon] section that is complete. */
#define DAEMON "[daemon]\nstate_dir = /var/lib/interimd\ningest = ipc:///run/interimd/ingest\n"
/* Lines 4-7: a trial with one endpoint. */
#define TRIAL "[trial T]\narms = a, b\n[endpoint T os]\nevents = death\n"

static void test_defaults(void **state) {
        Config *c = load_ok(DAEMON "[trial T]\narms = a, b\nstrata = s1, s2\n"
                                   "[endpoint T os]\nevents = death\n"
                                   "[design T]\nendpoint = os\nplanned_events = 120\nfutility = z:0\nhazard_ratio = 0.75\n");
        assert_null(c->snapshot);
        assert_null(c->publish);
        assert_null(c->publish_open);
        assert_int_equal(c->publish_interval_ms, 100);
        assert_int_equal(c->max_message_bytes, 65536);
        assert_int_equal(c->batch_max, 256);
        const TrialConfig *t = &c->trials[0];
        assert_true(t->report.stratified); /* by default when there are strata */
        assert_true(t->design.gsd.alpha == 0.025);
        assert_int_equal(t->design.gsd.sides, 1);
        assert_int_equal(t->design.gsd.efficacy.family, GSD_LAN_DEMETS_OBF);
        assert_int_equal(t->design.gsd.futility, GSD_FUTILITY_FIXED);
        assert_true(t->design.gsd.futility_z == 0);
        assert_true(t->design.gsd.beta == 0.2);
        assert_true(t->design.gsd.hazard_ratio == 0.75);
        assert_true(t->design.gsd.allocation == 1);
        config_free(c);
        config_free(NULL);
        config_trial_deinit(NULL);
}

static void test_file_errors(void **state) {
        Config *c = NULL;
        char *error = NULL;
        assert_int_equal(config_load(&c, "/nonexistent/interimd.ini", &error), -ENOENT);
        assert_string_equal(error, "/nonexistent/interimd.ini: No such file or directory");
        free(error);

        assert_error("[daemon]\nstate_dir /var/lib\n", "2: expected [section] or key = value");
        assert_error(DAEMON "[trial T]\narms = a, b\n  c\n", "6: line starts with a blank (values continued on a "
                                                          "new line are not supported)");
        char longline[400];
        snprintf(longline, sizeof(longline), DAEMON "[trial T]\narms = a, %0250d\n", 7);
        assert_error(longline, "5: line longer than 197 characters");
        /* 197 characters and no more, ended by LF or by CRLF. */
        for (int crlf = 0; crlf <= 1; crlf++)
                for (int n = 197; n <= 198; n++) {
                        char text[512];
                        snprintf(text, sizeof(text), DAEMON TRIAL ";%.*s%s", n - 1,
                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                 crlf ? "\r\n" : "\n");
                        if (n == 197)
                                config_free(load_ok(text));
                        else
                                assert_error(text, "8: line longer than 197 characters");
                }
        assert_error("state_dir = /var/lib/interimd\n" DAEMON, "1: state_dir given before any section");
}

static void test_section_errors(void **state) {
        assert_error(DAEMON TRIAL "[daemons]\n", "8: unknown section [daemons]: expected [daemon], [trial NAME], "
                                                 "[endpoint TRIAL NAME] or [design TRIAL]");
        assert_error(DAEMON "[trial]\n", "4: unknown section [trial]: expected [daemon], [trial NAME], "
                                         "[endpoint TRIAL NAME] or [design TRIAL]");
        assert_error(DAEMON "[trial T\n", "4: section header without ]");
        assert_error(DAEMON "[trial T]garbage\n", "4: text after the section header's ]");
        assert_error(DAEMON "[trial GB]SG]\n", "4: text after the section header's ]");
        Config *c = load_ok(DAEMON "[trial T] ; a comment\narms = a, b\n[endpoint T os]\nevents = death\n");
        config_free(c);
        assert_error(DAEMON TRIAL "[daemon]\n", "8: section [daemon] given twice");
        assert_error(DAEMON TRIAL "[trial T]\n", "8: section [trial T] given twice");
        assert_error(DAEMON TRIAL "[endpoint T os]\n", "8: section [endpoint T os] given twice");
        assert_error(DAEMON "[endpoint T os]\nevents = death\n" TRIAL,
                     "4: section [endpoint T os] before its [trial T]");
        assert_error(DAEMON TRIAL "[design U]\n", "8: section [design U] before its [trial U]");
        assert_error(DAEMON "[trial T/1]\n", "4: trial name T/1 has a '/': topics are TRIAL/ENDPOINT");
        assert_error(DAEMON TRIAL "[endpoint T os/2]\n", "8: endpoint name os/2 has a '/': topics are TRIAL/ENDPOINT");
        assert_error(DAEMON TRIAL "[design T]\nendpoint = os\nplanned_events = 1\n[design T]\n",
                     "11: section [design T] given twice");
}

static void test_key_errors(void **state) {
        assert_error(DAEMON "port = 5570\n" TRIAL, "4: unknown key port in [daemon]");
        assert_error(DAEMON TRIAL "[trial U]\narms = a, b\nalpha = 0.05\n", "10: unknown key alpha in [trial U]");
        assert_error(DAEMON "ingest = tcp://127.0.0.1:1\n" TRIAL, "4: ingest given twice in [daemon]");
        assert_error("[daemon]\nstate_dir = var/lib\n", "2: bad value 'var/lib' for state_dir: expected an "
                                                        "absolute directory path");
#define ENDPOINT_EXPECTED                                                                                    \
        "expected a ZeroMQ endpoint tcp://HOST:PORT (a port from 1 to 65535) or ipc://PATH, such as tcp://127.0.0.1:5570" \
        " or ipc:///run/interimd/ingest"
        assert_error("[daemon]\ningest = 127.0.0.1:5570\n", "2: bad value '127.0.0.1:5570' for ingest: " ENDPOINT_EXPECTED);
        /* libzmq would bind 99999 as port 34463, and fail on a missing port only at start. */
        assert_error("[daemon]\ningest = tcp://127.0.0.1:99999\n",
                     "2: bad value 'tcp://127.0.0.1:99999' for ingest: " ENDPOINT_EXPECTED);
        assert_error("[daemon]\ningest = tcp://127.0.0.1\n", "2: bad value 'tcp://127.0.0.1' for ingest: " ENDPOINT_EXPECTED);
        assert_error("[daemon]\ningest = tcp://127.0.0.1:0\n", "2: bad value 'tcp://127.0.0.1:0' for ingest: " ENDPOINT_EXPECTED);
        assert_error("[daemon]\ningest = tcp://:5570\n", "2: bad value 'tcp://:5570' for ingest: " ENDPOINT_EXPECTED);
        assert_error("[daemon]\ningest = inproc://x\n", "2: bad value 'inproc://x' for ingest: " ENDPOINT_EXPECTED);
        assert_error("[daemon]\ningest = ipc://\n", "2: bad value 'ipc://' for ingest: " ENDPOINT_EXPECTED);
        assert_error(DAEMON "batch_max = 0\n", "4: bad value '0' for batch_max: expected a count from 1 to 65536");
        assert_error(DAEMON "max_message_bytes = 64k\n", "4: bad value '64k' for max_message_bytes: expected bytes "
                                                         "from 256 to 16777216");
        assert_error(DAEMON "[trial T]\narms = a\n", "5: bad value 'a' for arms: expected at least 2 "
                                                     "comma-separated names");
        assert_error(DAEMON "[trial T]\narms = a, a b\n", "5: bad value 'a, a b' for arms: expected comma-separated "
                                                          "names of UTF-8 characters without blanks, control or format characters");
        assert_error(DAEMON "[trial T]\narms = a, b\xc2\xa0" "c\n", "5: bad value 'a, b\xc2\xa0" "c' for arms: expected "
                                                                   "comma-separated names of UTF-8 characters without "
                                                                   "blanks, control or format characters");
        assert_error(DAEMON "[trial T]\narms = a, \xff\n", "5: bad value 'a, \xff' for arms: expected comma-separated "
                                                             "names of UTF-8 characters without blanks, control or "
                                                             "format characters");
        assert_error(DAEMON "[trial T]\narms = a, b, a\n", "5: a listed twice in arms");
        assert_error(DAEMON "[trial T]\nstrata = x,,y\n", "5: bad value 'x,,y' for strata: expected comma-separated "
                                                          "names of UTF-8 characters without blanks, control or format characters");
        assert_error(DAEMON "[trial T]\nconf_level = 1\n", "5: bad value '1' for conf_level: expected a number "
                                                           "between 0 and 1");
        assert_error(DAEMON "[trial T]\nci = loglog\n", "5: bad value 'loglog' for ci: expected log-log, log or "
                                                        "plain");
        assert_error(DAEMON "[trial T]\nci = none\n", "5: bad value 'none' for ci: expected log-log, log or plain");
        assert_error(DAEMON "[trial T]\nties = exact\n", "5: bad value 'exact' for ties: expected efron or breslow");
        assert_error(DAEMON "[trial T]\nstratified = maybe\n", "5: bad value 'maybe' for stratified: expected yes "
                                                               "or no");
        assert_error(DAEMON "[trial T]\nlandmarks = 365, 180\n", "5: bad value '365, 180' for landmarks: expected "
                                                                 "ascending days from 1 to 100000, comma-separated");
        assert_error(DAEMON "[trial T]\nlandmarks = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n",
                     "5: more than 16 landmarks");
        assert_error(DAEMON "[trial T]\nrmst_tau = -5\n", "5: bad value '-5' for rmst_tau: expected days from 1 to "
                                                          "100000");
        assert_error(DAEMON TRIAL "[endpoint T pfs]\nevents = relapse\n",
                     "9: bad value 'relapse' for events: expected death, progression, progression:locoregional or "
                     "progression:distant, comma-separated");
        assert_error(DAEMON TRIAL "[endpoint T lrp]\nevents = progression\ncompeting = death, progression:distant\n",
                     "10: progression:distant is both an event and a competing event of endpoint lrp");
        assert_error(DAEMON TRIAL "[design T]\nspending = obf:2\n", "9: bad value 'obf:2' for spending: expected "
                                                                    "obf, pocock, hsd:GAMMA or kd:RHO");
        assert_error(DAEMON TRIAL "[design T]\nfutility = kd:-1\n", "9: bad value 'kd:-1' for futility: expected "
                                                                    "none, z:Z, obf, pocock, hsd:GAMMA or kd:RHO");
        /* rpact refuses a Kim-DeMets rho outside [0.4, 8]. */
        assert_error(DAEMON TRIAL "[design T]\nspending = kd:0.3\n", "9: bad value 'kd:0.3' for spending: expected "
                                                                    "obf, pocock, hsd:GAMMA or kd:RHO");
        assert_error(DAEMON TRIAL "[design T]\nspending = kd:1e300\n", "9: bad value 'kd:1e300' for spending: expected "
                                                                       "obf, pocock, hsd:GAMMA or kd:RHO");
        assert_error(DAEMON TRIAL "[design T]\nsides = 3\n", "9: bad value '3' for sides: expected 1 or 2");
        assert_error(DAEMON TRIAL "[design T]\nalpha = 0.5\n", "9: bad value '0.5' for alpha: expected a number "
                                                               "between 0 and 0.5");
        assert_error(DAEMON TRIAL "[design T]\nhazard_ratio = 1\n", "9: bad value '1' for hazard_ratio: expected a "
                                                                    "positive number other than 1");
        assert_error(DAEMON TRIAL "[design T]\nplanned_events = many\n", "9: bad value 'many' for planned_events: "
                                                                         "expected a number of events from 1 to 1000000");
        assert_error(DAEMON TRIAL "[design T]\nplanned_events = 1e-300\n", "9: bad value '1e-300' for planned_events: "
                                                                           "expected a number of events from 1 to 1000000");
        assert_error(DAEMON TRIAL "[design T]\nplanned_events = 1e300\n", "9: bad value '1e300' for planned_events: "
                                                                          "expected a number of events from 1 to 1000000");
        /* strtod() reads hexadecimal too; a configuration is decimal. */
        assert_error(DAEMON TRIAL "[design T]\nspending = hsd:0x2\n", "9: bad value 'hsd:0x2' for spending: expected "
                                                                      "obf, pocock, hsd:GAMMA or kd:RHO");
        /* "all" is the pooled arm's name in the statistics. */
        assert_error(DAEMON "[trial T]\narms = control, all\n", "5: an arm may not be named all: the statistics call all"
                                                               " arms pooled so");
}

/* Sockets reachable from other machines need CURVE keys. */
static void test_security(void **state) {
        assert_error(DAEMON "publish = tcp://0.0.0.0:5572\n" TRIAL,
                     "1: tcp://0.0.0.0:5572 is reachable from other machines: without keys and secret_key, endpoints"
                     " must be ipc:// or loopback tcp://");
        assert_error("[daemon]\nstate_dir = /var/lib/interimd\ningest = tcp://eth0:5570\n" TRIAL,
                     "1: tcp://eth0:5570 is reachable from other machines: without keys and secret_key, endpoints"
                     " must be ipc:// or loopback tcp://");
        /* A name that starts like a loopback address is resolved like any other name. */
        assert_error(DAEMON "publish = tcp://127.0.0.1.example.com:5572\n" TRIAL,
                     "1: tcp://127.0.0.1.example.com:5572 is reachable from other machines: without keys and secret_key,"
                     " endpoints must be ipc:// or loopback tcp://");
        assert_error(DAEMON "keys = /etc/interimd/keys\n" TRIAL, "1: [daemon] needs both keys and secret_key, or neither");
        /* Two sockets on one ipc path: the second takes it from the first. */
        assert_error(DAEMON "snapshot = ipc:///run/interimd/ingest\n" TRIAL,
                     "1: ingest and snapshot are the same endpoint, ipc:///run/interimd/ingest");
        assert_error(DAEMON "publish = tcp://127.0.0.1:5572\npublish_open = tcp://127.0.0.1:5572\n" TRIAL,
                     "1: publish and publish_open are the same endpoint, tcp://127.0.0.1:5572");
        assert_error(DAEMON "secret_key = etc/server.key\n" TRIAL,
                     "4: bad value 'etc/server.key' for secret_key: expected an absolute path");

        Config *c = load_ok(DAEMON "snapshot = tcp://[::1]:5571\npublish_open = tcp://localhost:5573\n" TRIAL);
        assert_null(c->keys_dir);
        assert_null(c->secret_key);
        config_free(c);
        c = load_ok(DAEMON "publish = tcp://0.0.0.0:5572\nkeys = /etc/interimd/keys\n"
                           "secret_key = /run/credentials/interimd.service/server.key\n" TRIAL);
        assert_string_equal(c->keys_dir, "/etc/interimd/keys");
        assert_string_equal(c->secret_key, "/run/credentials/interimd.service/server.key");
        config_free(c);
}

static void test_inconsistent(void **state) {
        assert_error(TRIAL, " no [daemon] section");
        assert_error("[daemon]\ningest = tcp://127.0.0.1:5570\n" TRIAL, "1: [daemon] needs state_dir");
        assert_error("[daemon]\nstate_dir = /var/lib/interimd\n" TRIAL, "1: [daemon] needs ingest");
        assert_error(DAEMON, " no [trial NAME] section");
        assert_error(DAEMON "[trial T]\n[endpoint T os]\nevents = death\n", "4: [trial T] needs arms");
        assert_error(DAEMON "[trial T]\narms = a, b\n", "4: [trial T] needs at least one [endpoint T NAME]");
        assert_error(DAEMON TRIAL "[endpoint T pfs]\ncompeting = death\n", "8: [endpoint T pfs] needs events");
        assert_error(DAEMON "[trial T]\narms = a, b\nstratified = yes\n[endpoint T os]\nevents = death\n",
                     "6: stratified = yes but trial T has no strata");
        assert_error(DAEMON TRIAL "[design T]\nplanned_events = 10\n", "8: [design T] needs endpoint");
        assert_error(DAEMON TRIAL "[design T]\nendpoint = pfs\nplanned_events = 10\n", "9: trial T has no endpoint pfs");
        assert_error(DAEMON TRIAL "[design T]\nendpoint = os\n", "8: [design T] needs planned_events");
        assert_error(DAEMON TRIAL "[design T]\nendpoint = os\nplanned_events = 10\nfutility = z:0\nsides = 2\n",
                     "11: futility bounds need sides = 1");
        assert_error(DAEMON TRIAL "[design T]\nendpoint = os\nplanned_events = 10\nfutility = obf\n",
                     "8: [design T] needs hazard_ratio");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_file_errors),
                cmocka_unit_test(test_section_errors),
                cmocka_unit_test(test_key_errors),
                cmocka_unit_test(test_security),
                cmocka_unit_test(test_inconsistent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
