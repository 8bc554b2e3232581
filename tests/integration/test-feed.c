/* test-feed.c — interim-feed against the interimd binary: answers per row, invalid rows, quoting, restarts, timeouts. */
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

#include "harness.h"
#include "store.h"

typedef struct Fixture {
        Harness h;
        char endpoint[96];
} Fixture;

static const char config_text[] =
        "[daemon]\n"
        "state_dir = %s\n"
        "ingest = %s\n"
        "batch_max = 16\n"
        "[trial E2108]\n"
        "arms = systemic, surgery\n"
        "strata = hr, her2, tnbc\n"
        "[endpoint E2108 os]\n"
        "events = death\n"
        "[endpoint E2108 lrp]\n"
        "events = progression:locoregional\n"
        "competing = death\n";

static const char header[] = "site,seq,trial,patient,type,date,arm,stratum,detail\n";

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));
        assert_int_equal(harness_init(&f->h, "test-feed", getenv("INTERIMD")), 0);
        snprintf(f->endpoint, sizeof(f->endpoint), "ipc://%s/ingest", f->h.dir);
        FILE *c = fopen(f->h.config, "w");
        fprintf(c, config_text, f->h.state, f->endpoint);
        fclose(c);
        assert_int_equal(harness_start(&f->h), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;
        int status = f->h.pid ? harness_stop(&f->h, SIGTERM) : 0;
        if (status != 0)
                harness_print_log(&f->h);
        harness_cleanup(&f->h);
        free(f);
        assert_int_equal(status, 0);
        return 0;
}

/* ---- files and processes in the test's directory ---- */

/* The path of a file in the test's directory (one of four buffers used in turn). */
static const char *in_dir(const Fixture *f, const char *name) {
        static char buf[4][128];
        static int next;
        char *s = buf[next++ % 4];
        snprintf(s, sizeof(buf[0]), "%s/%s", f->h.dir, name);
        return s;
}

static void write_file(const Fixture *f, const char *name, const char *text) {
        FILE *out = fopen(in_dir(f, name), "w");
        assert_non_null(out);
        assert_int_equal(fwrite(text, 1, strlen(text), out), strlen(text));
        assert_int_equal(fclose(out), 0);
}

static void read_file(const Fixture *f, const char *name, char *buf, size_t size) {
        FILE *in = fopen(in_dir(f, name), "r");
        assert_non_null(in);
        size_t n = fread(buf, 1, size, in);
        fclose(in);
        assert_true(n < size);
        buf[n] = '\0';
}

static int open_in_dir(const Fixture *f, const char *name, int flags) {
        int fd = open(in_dir(f, name), flags | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        return fd;
}

/* Starts argv in the test's directory with the given standard input, output and error. */
static pid_t spawn(const Fixture *f, const char *const *argv, int in, int out, int err) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (chdir(f->h.dir) < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
                    dup2(err, STDERR_FILENO) < 0)
                        _exit(127);
                execv(argv[0], (char *const *)argv);
                _exit(127);
        }
        return pid;
}

static int wait_exit(pid_t pid) {
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

/* How a run of interim-feed ended, and what it wrote. */
typedef struct Run {
        int status;
        char out[1024];
        char err[4096];
} Run;

/* Starts interim-feed --connect endpoint ARGS... reading input; feed_wait() collects it. */
static pid_t feed_start(const Fixture *f, const char *endpoint, const char *const *args, int input) {
        const char *argv[16] = { getenv("INTERIM_FEED"), "--connect", endpoint };
        size_t n = 3;
        while (*args && n + 1 < 16)
                argv[n++] = *args++;
        int out = open_in_dir(f, "feed.out", O_WRONLY | O_CREAT | O_TRUNC);
        int err = open_in_dir(f, "feed.err", O_WRONLY | O_CREAT | O_TRUNC);
        pid_t pid = spawn(f, argv, input, out, err);
        close(out);
        close(err);
        return pid;
}

static void feed_wait(const Fixture *f, pid_t pid, Run *ret) {
        ret->status = wait_exit(pid);
        read_file(f, "feed.out", ret->out, sizeof(ret->out));
        read_file(f, "feed.err", ret->err, sizeof(ret->err));
}

/* Runs interim-feed against the test's daemon to the end, with an empty standard input. */
static void feed(const Fixture *f, const char *const *args, Run *ret) {
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        feed_wait(f, feed_start(f, f->endpoint, args, devnull), ret);
        close(devnull);
}

/* ---- the store ---- */

typedef struct Listing {
        char text[65536];
        size_t len, n;
} Listing;

/* Lists an event as "STORE_SEQ SITE/SEQ KIND PATIENT DATE BODY[ retracted]", the body read back from its payload. */
static int list_event(const StoreEvent *e, void *userdata) {
        Listing *l = userdata;
        Interim__Event *ev = interim__event__unpack(NULL, e->payload_len, e->payload);
        assert_non_null(ev);
        char body[64] = "";
        if (ev->body_case == INTERIM__EVENT__BODY_ENROLL)
                snprintf(body, sizeof(body), " %s %s", ev->enroll->arm, ev->enroll->stratum);
        else if (ev->body_case == INTERIM__EVENT__BODY_RETRACT)
                snprintf(body, sizeof(body), " of %" PRIu64 " (store %" PRId64 ")", ev->retract->site_seq, e->retracts);
        else if (ev->body_case == INTERIM__EVENT__BODY_LOOK)
                snprintf(body, sizeof(body), " %" PRIu32, ev->look->look);
        int n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%" PRId64 " %s/%" PRId64 " %s %s %s%s%s\n", e->store_seq,
                 e->site, e->site_seq, e->kind, e->patient ? e->patient : "-", e->date ? e->date : "-", body,
                 e->retracted ? " retracted" : "");
        assert_true(n >= 0 && (size_t)n < sizeof(l->text) - l->len);
        l->len += (size_t)n;
        l->n++;
        interim__event__free_unpacked(ev, NULL);
        return 0;
}

static int count_event(const StoreEvent *e, void *userdata) {
        (*(size_t *)userdata)++;
        return 0;
}

/* Calls fn with each accepted event of the store (the daemon is not running), checking both hash chains first. */
static void replay_store(const Fixture *f, StoreEventFn fn, void *userdata) {
        Store *store = NULL;
        char *error = NULL;
        assert_int_equal(store_open(&store, f->h.state, &error), 0);
        const char *table = NULL;
        int64_t row = 0;
        assert_int_equal(store_verify(store, &table, &row), 0);
        assert_int_equal(store_replay(store, fn, userdata), 0);
        store_free(store);
}

static void list_store(const Fixture *f, Listing *ret) {
        *ret = (Listing){ 0 };
        replay_store(f, list_event, ret);
}

/* ---- tests ---- */

static void test_every_type(void **state) {
        Fixture *f = *state;
        char csv[1024];
        snprintf(csv, sizeof(csv),
                 "%s"
                 "S01,1,E2108,P0001,enroll,2011-03-02,systemic,tnbc,\n"
                 "S01,2,E2108,P0001,contact,2011-09-01,,,\n"
                 "S01,3,E2108,P0001,progression,2012-01-15,,,locoregional\n"
                 "S01,4,E2108,P0001,death,2013-02-01,,,\n"
                 "S01,5,E2108,P0001,retract,,,,3\n"
                 "S01,6,E2108,,look,2014-06-30,,,1\n"
                 "S02,1,E2108,P0002,enroll,2011-04-10,surgery,hr,\n"
                 "S02,2,E2108,P0002,progression,2011-12-01,,,distant\n"
                 "S02,3,E2108,P0002,withdraw,2012-06-30,,,\n"
                 "S02,4,E2108,,look,2015-01-31,,,\n",
                 header);
        write_file(f, "every.csv", csv);
        Run run;
        feed(f, (const char *[]){ "every.csv", NULL }, &run);
        assert_string_equal(run.err, "");
        assert_string_equal(run.out, "every.csv: 10 accepted, 0 duplicates, 0 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 0);

        /* Sent again: every row is a duplicate, and that is success. */
        feed(f, (const char *[]){ "--window", "3", "every.csv", NULL }, &run);
        assert_string_equal(run.err, "");
        assert_string_equal(run.out, "every.csv: 0 accepted, 10 duplicates, 0 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 0);

        /* Stored once each, as the rows say; the look without a number follows the trial's look 1. */
        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);
        Listing l;
        list_store(f, &l);
        assert_string_equal(l.text, "1 S01/1 enroll P0001 2011-03-02 systemic tnbc\n"
                                    "2 S01/2 contact P0001 2011-09-01\n"
                                    "3 S01/3 progression:locoregional P0001 2012-01-15 retracted\n"
                                    "4 S01/4 death P0001 2013-02-01\n"
                                    "5 S01/5 retract P0001 - of 3 (store 3)\n"
                                    "6 S01/6 look - 2014-06-30 1\n"
                                    "7 S02/1 enroll P0002 2011-04-10 surgery hr\n"
                                    "8 S02/2 progression:distant P0002 2011-12-01\n"
                                    "9 S02/3 withdraw P0002 2012-06-30\n"
                                    "10 S02/4 look - 2015-01-31 2\n");
}

static void test_rejected(void **state) {
        Fixture *f = *state;
        char csv[1024];
        snprintf(csv, sizeof(csv),
                 "%s"
                 "S01,1,E2108,P0001,enroll,2011-03-02,systemic,tnbc,\n"
                 "S01,2,E2108,P0001,contact,2011-03-01,,,\n"
                 "S01,3,E2108,P0002,enroll,2011-03-05,placebo,hr,\n"
                 "S01,4,E2108,P0001,contact,2011-06-01,,,\n"
                 "S01,5,E2108,P0003,contact,2011-06-01,,,\n"
                 "S01,6,E2108,P0004,enroll,2011-03-05,surgery,,\n"
                 "S01,7,NOPE,P0001,contact,2011-06-02,,,\n"
                 "S01,8,E2108,P0001,contact,2011-02-30,,,\n"
                 "S01,9,E2108,,look,2014-06-30,,,2\n",
                 header);
        write_file(f, "rejected.csv", csv);
        static const char refusals[] = "rejected.csv:3: date before randomization (BEFORE_RANDOMIZATION)\n"
                                       "rejected.csv:4: unknown arm (UNKNOWN_ARM)\n"
                                       "rejected.csv:6: patient not enrolled (NOT_ENROLLED)\n"
                                       "rejected.csv:7: stratum missing in a stratified trial (MISSING_STRATUM)\n"
                                       "rejected.csv:8: unknown trial (UNKNOWN_TRIAL)\n"
                                       "rejected.csv:9: date not a real YYYY-MM-DD (BAD_DATE)\n"
                                       "rejected.csv:10: look numbers must grow by one and data cuts may not go back "
                                       "(LOOK_ORDER)\n";
        Run run;
        feed(f, (const char *[]){ "rejected.csv", NULL }, &run);
        assert_string_equal(run.err, refusals);
        assert_string_equal(run.out, "rejected.csv: 2 accepted, 0 duplicates, 7 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 1);

        /* Sent again, a refusal is answered as a duplicate of itself: still not stored, still reported. */
        feed(f, (const char *[]){ "rejected.csv", NULL }, &run);
        assert_string_equal(run.err, refusals);
        assert_string_equal(run.out, "rejected.csv: 0 accepted, 2 duplicates, 7 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 1);
}

static void test_invalid(void **state) {
        Fixture *f = *state;
        char csv[2048];
        snprintf(csv, sizeof(csv),
                 "%s"
                 "S01,1,E2108,P0001,enroll,2011-03-02,systemic,tnbc,\n"
                 "S01,2,E2108,P0001,visit,2011-09-01,,,\n"
                 "S01,,E2108,P0001,contact,2011-09-01,,,\n"
                 "S01,3,E2108,P0001,contact,2011-09-01,,,,\n"
                 "S01,4,E2108,P0001,progression,2011-10-01,,,\n"
                 "S01,5,E2108,P0001,progression,2011-10-01,,,regional\n"
                 "S01,-6,E2108,P0001,contact,2011-10-01,,,\n"
                 "S 1,7,E2108,P0001,contact,2011-10-01,,,\n"
                 "S01,8,E2108,P0001,contact,2011-10-02,systemic,,\n"
                 "S01,9,E2108,,look,2012-01-01,,,0\n"
                 "S01,10,E2108,P0001,retract,,,,\n"
                 "S01,11,,P0001,contact,2011-10-03,,,\n"
                 "S01,12,E2108,P0001,contact,2011-10-04,,,\"two\n"
                 "lines\"\n"
                 "S01,13,E2108,P0001,death,,,,\n"
                 "\n"
                 "S01,14,E2108,P0001,contact,2011-12-01,,,\n"
                 "S01,9223372036854775808,E2108,P0001,contact,2011-12-02,,,\n"
                 "S01,1,E2108,P0002,enroll,2011-03-03,systemic,tnbc,\n"
                 "S02,1,E2108,P0002,enroll,2011-03-03,systemic,tnbc,\n"
                 "S01,2,E2108,P0002,contact,2011-09-01,,,\n"
                 "S01,14,E2108,P0001,contact,2011-12-01,,,\n"
                 "S01,15,E2108,P\xff\xfe,contact,2011-12-02,,,\n"
                 "S\xc2\xa0" "1,16,E2108,P0001,contact,2011-12-02,,,\n"
                 "S\xe2\x80\xae" "1,17,E2108,P0001,contact,2011-12-02,,,\n",
                 header);
        write_file(f, "invalid.csv", csv);
        Run run;
        feed(f, (const char *[]){ "invalid.csv", NULL }, &run);
        assert_string_equal(run.err,
                            "invalid.csv:3: unknown type 'visit' (expected enroll, contact, progression, death, withdraw, "
                            "retract or look)\n"
                            "invalid.csv:4: missing seq\n"
                            "invalid.csv:5: 10 fields where the header has 9\n"
                            "invalid.csv:6: missing detail for progression\n"
                            "invalid.csv:7: bad progression kind 'regional': expected locoregional or distant\n"
                            "invalid.csv:8: bad seq '-6': expected a whole number from 1 to 9223372036854775807\n"
                            "invalid.csv:9: bad site 'S 1': 1 to 64 bytes of UTF-8 without blanks, control or format characters\n"
                            "invalid.csv:10: arm 'systemic' does not belong in a contact row\n"
                            "invalid.csv:11: bad look number '0': expected a whole number from 1 to 4294967295\n"
                            "invalid.csv:12: missing detail for retract\n"
                            "invalid.csv:13: missing trial\n"
                            "invalid.csv:14: detail 'two?lines' does not belong in a contact row\n"
                            "invalid.csv:16: missing date for death\n"
                            "invalid.csv:19: bad seq '9223372036854775808': expected a whole number from 1 to "
                            "9223372036854775807\n"
                            "invalid.csv:20: seq 1 of site S01 is already line 2's: each event needs its own seq\n"
                            "invalid.csv:23: seq 14 of site S01 is already line 18's: each event needs its own seq\n"
                            "invalid.csv:24: patient is not UTF-8\n"
                            "invalid.csv:25: bad site 'S\xc2\xa0" "1': 1 to 64 bytes of UTF-8 without blanks, control or "
                            "format characters\n"
                            /* U+202E would turn what follows around on a terminal. */
                            "invalid.csv:26: bad site 'S?1': 1 to 64 bytes of UTF-8 without blanks, control or format "
                            "characters\n");
        /* Line 21 has another site's key; line 22 the seq of line 3, a row never sent. */
        assert_string_equal(run.out, "invalid.csv: 4 accepted, 0 duplicates, 0 rejected, 19 invalid rows\n");
        assert_int_equal(run.status, 1);

        /* A header with a column too many: nothing is read. */
        write_file(f, "extra.csv",
                   "site,seq,trial,patient,type,date,arm,stratum,detail,note\n"
                   "S01,20,E2108,P0001,contact,2011-12-05,,,,late\n");
        feed(f, (const char *[]){ "extra.csv", NULL }, &run);
        assert_string_equal(run.err, "extra.csv:1: unknown column 'note' (the columns are site, seq, trial, patient, "
                                     "type, date, arm, stratum, detail)\n");
        assert_string_equal(run.out, "extra.csv: 0 accepted, 0 duplicates, 0 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 1);

        /* Bad quoting stops the reading there; the rows before it are sent. */
        char quoting[512];
        snprintf(quoting, sizeof(quoting),
                 "%s"
                 "S01,21,E2108,P0001,contact,2011-12-06,,,\n"
                 "S01,22,E2108,P0001,\"contact\"x,2011-12-07,,,\n"
                 "S01,23,E2108,P0001,contact,2011-12-08,,,\n",
                 header);
        write_file(f, "quoting.csv", quoting);
        feed(f, (const char *[]){ "quoting.csv", NULL }, &run);
        assert_string_equal(run.err, "quoting.csv:3: bad quoting: a quote inside an unquoted field, or text after a "
                                     "closing quote; the rest of the file is not read\n");
        assert_string_equal(run.out, "quoting.csv: 1 accepted, 0 duplicates, 0 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 1);
}

static void test_quoting(void **state) {
        Fixture *f = *state;
        /* A byte order mark, CRLF line ends, columns in another order, quoted cells, a blank line, no last line end. */
        write_file(f, "excel.csv",
                   "\xef\xbb\xbf"
                   "type,\"date\",site,seq,trial,patient,arm,stratum,detail\r\n"
                   "enroll,2011-05-01,S07,1,E2108,\"P,1\",\"systemic\",her2,\r\n"
                   "\"progression\",2011-11-11,S07,2,E2108,\"P,1\",,,\"distant\"\r\n"
                   "\r\n"
                   "enroll,2011-05-03,\"S07\",3,E2108,\"P\"\"2\",surgery,tnbc,\r\n"
                   "look,2012-01-01,S07,4,E2108,,,,");
        Run run;
        feed(f, (const char *[]){ "excel.csv", NULL }, &run);
        assert_string_equal(run.err, "");
        assert_string_equal(run.out, "excel.csv: 4 accepted, 0 duplicates, 0 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 0);

        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);
        Listing l;
        list_store(f, &l);
        assert_string_equal(l.text, "1 S07/1 enroll P,1 2011-05-01 systemic her2\n"
                                    "2 S07/2 progression:distant P,1 2011-11-11\n"
                                    "3 S07/3 enroll P\"2 2011-05-03 surgery tnbc\n"
                                    "4 S07/4 look - 2012-01-01 1\n");
}

/* interim-sim refuses what would make rows the daemon refuses: a trial it cannot have, a look to come; and a negative seed. */
static void test_simulated_usage(void **state) {
        Fixture *f = *state;
        const char *const bad[][3] = {
                { "--trial", "a b" }, { "--trial", "bad/name" }, { "--trial", "T\xe2\x80\x8b" }, { "--trial", "" },
                { "--seed", "-1" },   { "--seed", "0" },         { "--looks", "2999-01-01" },
        };
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                const char *sim[] = { getenv("INTERIM_SIM"), "--patients", "10", bad[i][0], bad[i][1], NULL };
                assert_int_equal(wait_exit(spawn(f, sim, devnull, devnull, devnull)), 2);
        }
        const char *sim[] = { getenv("INTERIM_SIM"), "--patients", "10", "--trial", "Z\xc3\xbcrich", "--looks", "none", NULL };
        assert_int_equal(wait_exit(spawn(f, sim, devnull, devnull, devnull)), 0);
        close(devnull);
}

static void test_simulated_stdin(void **state) {
        Fixture *f = *state;
        /* interim-sim | interim-feed -, and the same stream kept in a file to count its rows. */
        const char *sim[] = { getenv("INTERIM_SIM"), "--patients", "300", NULL };
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        int file = open_in_dir(f, "sim.csv", O_WRONLY | O_CREAT | O_TRUNC);
        assert_int_equal(wait_exit(spawn(f, sim, devnull, file, STDERR_FILENO)), 0);
        close(file);
        int pipefd[2];
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        pid_t writer = spawn(f, sim, devnull, pipefd[1], STDERR_FILENO);
        pid_t feeder = feed_start(f, f->endpoint, (const char *[]){ "-", NULL }, pipefd[0]);
        close(pipefd[0]);
        close(pipefd[1]);
        close(devnull);
        assert_int_equal(wait_exit(writer), 0);
        Run run;
        feed_wait(f, feeder, &run);

        size_t rows = 0;
        int c;
        FILE *in = fopen(in_dir(f, "sim.csv"), "r");
        while ((c = getc(in)) != EOF)
                rows += c == '\n';
        fclose(in);
        rows--; /* the header */
        assert_true(rows > 3000);
        char want[128];
        snprintf(want, sizeof(want), "<stdin>: %zu accepted, 0 duplicates, 0 rejected, 0 invalid rows\n", rows);
        assert_string_equal(run.err, "");
        assert_string_equal(run.out, want);
        assert_int_equal(run.status, 0);

        /* The file again, by name: all duplicates. */
        feed(f, (const char *[]){ "sim.csv", NULL }, &run);
        snprintf(want, sizeof(want), "sim.csv: 0 accepted, %zu duplicates, 0 rejected, 0 invalid rows\n", rows);
        assert_string_equal(run.out, want);
        assert_int_equal(run.status, 0);

        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);
        size_t stored = 0;
        replay_store(f, count_event, &stored);
        assert_int_equal(stored, rows);
}

/* Writes enrollments first..last (site S09, seq = patient number) to fd. */
static void write_enrollments(int fd, int first, int last) {
        char row[128];
        for (int i = first; i <= last; i++) {
                int n = snprintf(row, sizeof(row), "S09,%d,E2108,R%04d,enroll,2012-01-%02d,%s,hr,\n", i, i, 1 + i % 28,
                                 i % 2 ? "systemic" : "surgery");
                assert_int_equal(write(fd, row, (size_t)n), n);
        }
}

static void test_daemon_restart(void **state) {
        Fixture *f = *state;
        enum { HALF = 300 };
        int pipefd[2];
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        pid_t feeder = feed_start(f, f->endpoint, (const char *[]){ "-", NULL }, pipefd[0]);
        close(pipefd[0]);
        assert_int_equal(write(pipefd[1], header, strlen(header)), (ssize_t)strlen(header));
        write_enrollments(pipefd[1], 1, HALF);
        usleep(500000);

        /* Killed mid-stream: the feeder has more to read, and keeps what was not answered. */
        assert_int_equal(harness_stop(&f->h, SIGKILL), 128 + SIGKILL);
        size_t stored = 0;
        replay_store(f, count_event, &stored);
        assert_true(stored >= 1 && stored <= HALF);
        write_enrollments(pipefd[1], HALF + 1, 2 * HALF);
        usleep(300000);
        assert_int_equal(harness_start(&f->h), 0);
        close(pipefd[1]);

        Run run;
        feed_wait(f, feeder, &run);
        assert_string_equal(run.err, "");
        size_t accepted, duplicates;
        assert_int_equal(sscanf(run.out, "<stdin>: %zu accepted, %zu duplicates, 0 rejected, 0 invalid rows\n", &accepted,
                                &duplicates),
                         2);
        assert_int_equal(accepted + duplicates, 2 * HALF);
        assert_int_equal(run.status, 0);

        /* Every row stored once (resends may change the order). */
        assert_int_equal(harness_stop(&f->h, SIGTERM), 0);
        Listing l;
        list_store(f, &l);
        assert_int_equal(l.n, 2 * HALF);
        bool seen[2 * HALF + 1] = { false };
        const char *line = l.text;
        for (int i = 1; i <= 2 * HALF; i++) {
                int store_seq, seq, patient;
                assert_int_equal(sscanf(line, "%d S09/%d enroll R%d ", &store_seq, &seq, &patient), 3);
                assert_int_equal(store_seq, i);
                assert_int_equal(patient, seq);
                assert_true(seq >= 1 && seq <= 2 * HALF);
                assert_false(seen[seq]);
                seen[seq] = true;
                line = strchr(line, '\n') + 1;
        }
}

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_no_daemon(void **state) {
        Fixture *f = *state;
        char csv[256], endpoint[128], want[256];
        snprintf(csv, sizeof(csv),
                 "%s"
                 "S01,1,E2108,P0001,enroll,2011-03-02,systemic,tnbc,\n"
                 "S01,2,E2108,P0001,contact,2011-09-01,,,\n",
                 header);
        write_file(f, "lost.csv", csv);
        snprintf(endpoint, sizeof(endpoint), "ipc://%s/nobody", f->h.dir);
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int64_t start = now_ms();
        Run run;
        feed_wait(f, feed_start(f, endpoint, (const char *[]){ "--timeout", "0.5", "lost.csv", NULL }, devnull), &run);
        int64_t elapsed = now_ms() - start;
        close(devnull);
        snprintf(want, sizeof(want), "interim-feed: no acknowledgement from %s for 0.5 s; giving up\n", endpoint);
        assert_string_equal(run.err, want);
        assert_string_equal(run.out, "lost.csv: 0 accepted, 0 duplicates, 0 rejected, 0 invalid rows, 2 unacknowledged\n");
        assert_int_equal(run.status, 3);
        assert_true(elapsed >= 500 && elapsed < 5000);
}

/* A daemon's answer text is shown as it would print: what a terminal would act on becomes '?'. */
static void test_answer_text(void **state) {
        Fixture *f = *state;
        char csv[256], endpoint[128];
        snprintf(csv, sizeof(csv), "%sS01,1,E2108,P0001,enroll,2011-03-02,systemic,tnbc,\n", header);
        write_file(f, "one.csv", csv);
        snprintf(endpoint, sizeof(endpoint), "ipc://%s/impostor", f->h.dir);
        void *zmq = zmq_ctx_new(), *router = zmq_socket(zmq, ZMQ_ROUTER);
        assert_int_equal(zmq_bind(router, endpoint), 0);
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        pid_t pid = feed_start(f, endpoint, (const char *[]){ "--timeout", "5", "one.csv", NULL }, devnull);
        close(devnull);
        char identity[256];
        uint8_t buf[512];
        int id_len = zmq_recv(router, identity, sizeof(identity), 0);
        int len = zmq_recv(router, buf, sizeof(buf), 0);
        assert_true(id_len > 0 && len > 0);
        Interim__Event *e = interim__event__unpack(NULL, (size_t)len, buf);
        assert_non_null(e);
        Interim__Ack ack = INTERIM__ACK__INIT;
        ack.site = e->site;
        ack.site_seq = e->site_seq;
        ack.status = INTERIM__ACK_STATUS__REJECTED;
        ack.reason = INTERIM__REASON__UNKNOWN_ARM;
        ack.text = "unknown arm\x1b[2J \xe2\x80\xae" "mra";
        size_t n = interim__ack__pack(&ack, buf);
        interim__event__free_unpacked(e, NULL);
        assert_int_equal(zmq_send(router, identity, (size_t)id_len, ZMQ_SNDMORE), id_len);
        assert_int_equal(zmq_send(router, buf, n, 0), (int)n);
        Run run;
        feed_wait(f, pid, &run);
        zmq_close(router);
        zmq_ctx_term(zmq);
        assert_string_equal(run.err, "one.csv:2: unknown arm?[2J ?mra (UNKNOWN_ARM)\n");
        assert_int_equal(run.status, 1);
}

static void test_progress(void **state) {
        Fixture *f = *state;
        char csv[512];
        snprintf(csv, sizeof(csv),
                 "%s"
                 "S01,1,E2108,P0001,enroll,2011-03-02,systemic,tnbc,\n"
                 "S01,2,E2108,P0001,contact,2011-02-01,,,\n",
                 header);
        write_file(f, "tty.csv", csv);
        /* With standard error on a terminal: a progress line, cleared before a message and at the end. */
        int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        assert_true(master >= 0);
        assert_int_equal(grantpt(master), 0);
        assert_int_equal(unlockpt(master), 0);
        int tty = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
        assert_true(tty >= 0);
        const char *argv[] = { getenv("INTERIM_FEED"), "--connect", f->endpoint, "tty.csv", NULL };
        int out = open_in_dir(f, "feed.out", O_WRONLY | O_CREAT | O_TRUNC);
        pid_t pid = spawn(f, argv, tty, out, tty);
        close(out);
        close(tty);
        assert_int_equal(wait_exit(pid), 1);
        char err[2048], out_text[256];
        size_t len = 0;
        ssize_t n;
        while ((n = read(master, err + len, sizeof(err) - 1 - len)) > 0)
                len += (size_t)n;
        close(master);
        err[len] = '\0';
        read_file(f, "feed.out", out_text, sizeof(out_text));
        assert_string_equal(out_text, "tty.csv: 1 accepted, 0 duplicates, 1 rejected, 0 invalid rows\n");
        /* The terminal turns a line end into CR LF. */
        assert_non_null(strstr(err, "tty.csv:3: date before randomization (BEFORE_RANDOMIZATION)\r\n"));
        /* Drawn (the whole file read: a full bar), and cleared after its last drawing. */
        const char *drawn = strstr(err, "\r[####################] ");
        assert_non_null(drawn);
        for (const char *next; (next = strstr(drawn + 1, "\r[")); drawn = next)
                ;
        assert_non_null(strstr(drawn, "/s\033[K\r\033[K"));
}

/* An event longer than a message may be is an invalid row: sending it would cost the connection and the answers on it. */
static void test_too_long(void **state) {
        Fixture *f = *state;
        enum { PATIENT_BYTES = 70000 };
        char *patient = malloc(PATIENT_BYTES + 1);
        memset(patient, 'P', PATIENT_BYTES);
        patient[PATIENT_BYTES] = '\0';
        size_t size = PATIENT_BYTES + 512;
        uint8_t *encoded = malloc(size);
        size_t bytes = harness_encode(&(SiteEvent){ .trial = "E2108", .site = "S01", .seq = 2, .patient = patient,
                                                    .date = "2011-09-01", .kind = "contact" },
                                      encoded, size);
        assert_true(bytes > PATIENT_BYTES);
        free(encoded);
        char *csv = malloc(size);
        snprintf(csv, size,
                 "%s"
                 "S01,1,E2108,P0001,enroll,2011-03-02,systemic,tnbc,\n"
                 "S01,2,E2108,%s,contact,2011-09-01,,,\n"
                 "S01,3,E2108,P0001,contact,2011-09-02,,,\n"
                 "S01,2,E2108,P0001,contact,2011-09-03,,,\n",
                 header, patient);
        write_file(f, "long.csv", csv);
        Run run;
        feed(f, (const char *[]){ "long.csv", NULL }, &run);
        char want[256];
        snprintf(want, sizeof(want),
                 "long.csv:3: the event is %zu bytes encoded, more than the 65536 the daemon takes (--max-bytes)\n",
                 bytes);
        assert_string_equal(run.err, want);
        /* The rows around it are stored, and its seq stays usable. */
        assert_string_equal(run.out, "long.csv: 3 accepted, 0 duplicates, 0 rejected, 1 invalid rows\n");
        assert_int_equal(run.status, 1);

        /* A daemon taking shorter messages: --max-bytes says so. */
        write_file(f, "short.csv", "site,seq,trial,patient,type,date,arm,stratum,detail\n"
                                   "S01,4,E2108,P0001,contact,2011-09-04,,,\n");
        feed(f, (const char *[]){ "--max-bytes", "256", "short.csv", NULL }, &run);
        assert_string_equal(run.out, "short.csv: 1 accepted, 0 duplicates, 0 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 0);
        feed(f, (const char *[]){ "--max-bytes", "100", "short.csv", NULL }, &run);
        assert_string_equal(run.err, "interim-feed: --max-bytes takes a whole number from 256 to 16777216, not '100'\n");
        assert_int_equal(run.status, 2);
        free(csv);
        free(patient);
}

static void test_usage(void **state) {
        Fixture *f = *state;
        write_file(f, "empty.csv", header);
        Run run;
        feed(f, (const char *[]){ "empty.csv", NULL }, &run);
        assert_string_equal(run.out, "empty.csv: 0 accepted, 0 duplicates, 0 rejected, 0 invalid rows\n");
        assert_int_equal(run.status, 0);

        feed(f, (const char *[]){ "--window", "0", "empty.csv", NULL }, &run);
        assert_string_equal(run.err, "interim-feed: --window takes a whole number from 1 to 32768, not '0'\n");
        assert_int_equal(run.status, 2);
        /* More in flight than the daemon keeps acknowledgements for would lose some. */
        feed(f, (const char *[]){ "--window", "32769", "empty.csv", NULL }, &run);
        assert_string_equal(run.err, "interim-feed: --window takes a whole number from 1 to 32768, not '32769'\n");
        assert_int_equal(run.status, 2);
        feed(f, (const char *[]){ "--timeout", "soon", "empty.csv", NULL }, &run);
        assert_string_equal(run.err, "interim-feed: --timeout takes a number of seconds above 0, not 'soon'\n");
        assert_int_equal(run.status, 2);
        feed(f, (const char *[]){ "missing.csv", NULL }, &run);
        assert_string_equal(run.err, "interim-feed: cannot open missing.csv: No such file or directory\n");
        assert_int_equal(run.status, 2);
        feed(f, (const char *[]){ "empty.csv", "empty.csv", NULL }, &run);
        assert_int_equal(run.status, 2);
        assert_non_null(strstr(run.err, "Usage: interim-feed --connect ENDPOINT"));
        feed(f, (const char *[]){ "--help", NULL }, &run);
        assert_int_equal(run.status, 0);
        assert_non_null(strstr(run.out, "Usage: interim-feed --connect ENDPOINT"));
        assert_string_equal(run.err, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_every_type, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rejected, setup, teardown),
                cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
                cmocka_unit_test_setup_teardown(test_quoting, setup, teardown),
                cmocka_unit_test_setup_teardown(test_simulated_usage, setup, teardown),
                cmocka_unit_test_setup_teardown(test_simulated_stdin, setup, teardown),
                cmocka_unit_test_setup_teardown(test_daemon_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_daemon, setup, teardown),
                cmocka_unit_test_setup_teardown(test_answer_text, setup, teardown),
                cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
                cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
                cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
