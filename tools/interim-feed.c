/* interim-feed.c — sends a site's events from a CSV file to interimd and reports the rows it refused. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "feedcsv.h"
#include "feeder.h"
#include "interim/text.h"
#include "keys.h"

enum {
        EXIT_STORED = 0,  /* every row accepted, or a duplicate of an accepted event */
        EXIT_REFUSED = 1, /* a row rejected by the daemon, or invalid */
        EXIT_USAGE = 2,
        EXIT_NO_ANSWER = 3, /* no connection, or no acknowledgement for --timeout */
};

#define WINDOW_DEFAULT 256
/* What the daemon lets a sender keep in flight: its acknowledgements can wait for it that long (README, Ingest). */
#define WINDOW_MAX 32768
#define TIMEOUT_DEFAULT_S 60.0
#define TIMEOUT_MAX_S 1e6
/*
 * What CURVE adds to a message on the wire (the MESSAGE command's name and flags, a
 * nonce and a MAC), which the daemon's size limit counts: an event must be that much
 * shorter when the feeder connects with a key.
 */
#define CURVE_MESSAGE_OVERHEAD 33

/* The range of the daemon's max_message_bytes. */
#define MAX_BYTES_MIN 256UL
#define MAX_BYTES_MAX 16777216UL

/* How often the progress line is redrawn. */
#define PROGRESS_MS 100

/* One run over a file: what was answered, and the progress line on a terminal. */
typedef struct Feed {
        const char *name; /* the file as messages name it */
        size_t accepted, duplicates, rejected, invalid;
        bool progress;    /* stderr is a terminal */
        bool drawn;       /* the progress line is on it */
        uint64_t size;    /* of a regular file, for the bar; 0 when unknown */
        int64_t start, drawn_at;
} Feed;

static void usage(FILE *f) {
        fprintf(f, "Usage: interim-feed --connect ENDPOINT [--window N] [--timeout SECONDS] [--max-bytes N]\n"
                   "                   [--key FILE --server-key FILE] FILE.csv\n"
                   "Sends a site's events from FILE.csv (- reads standard input) to interimd's ingest socket.\n"
                   "  --connect ENDPOINT  the daemon's ingest endpoint (tcp://HOST:PORT, ipc://PATH)\n"
                   "  --window N          events sent ahead of the oldest unacknowledged one (default %d, at most %d)\n"
                   "  --timeout SECONDS   give up after this long without progress (default %g)\n"
                   "  --max-bytes N       the daemon's max_message_bytes: a longer event is an invalid row (default %d;\n"
                   "                      with --key, 33 bytes less: what CURVE adds to a message)\n"
                   "  --key FILE          the site's key pair (interim-keys new): connect with CURVE\n"
                   "  --server-key FILE   the daemon's public key (its server.pub), with --key\n"
                   "Exit status: 0 every row stored, 1 a row rejected or invalid, 2 usage, 3 no answer.\n",
                WINDOW_DEFAULT, WINDOW_MAX, TIMEOUT_DEFAULT_S, FEEDCSV_MAX_BYTES_DEFAULT);
}

static void progress_clear(Feed *feed) {
        if (feed->drawn)
                fputs("\r\033[K", stderr);
        feed->drawn = false;
}

static void progress_draw(Feed *feed, const Feeder *feeder, const FeedCsv *csv) {
        int64_t now = feeder_clock_ms();
        if (!feed->progress || now - feed->drawn_at < PROGRESS_MS)
                return;
        feed->drawn_at = now;
        char bar[32] = "";
        if (feed->size) {
                uint64_t bytes = feedcsv_bytes_read(csv);
                int fill = (int)(20 * (bytes < feed->size ? bytes : feed->size) / feed->size);
                snprintf(bar, sizeof(bar), "[%.*s%*s] ", fill, "####################", 20 - fill, "");
        }
        size_t answered = feed->accepted + feed->duplicates + feed->rejected;
        double seconds = (double)(now - feed->start) / 1000;
        fprintf(stderr, "\r%s%zu sent, %zu acknowledged, %zu rejected, %.0f/s\033[K", bar, feeder_sent(feeder), answered,
                feed->rejected, seconds > 0 ? (double)answered / seconds : 0.0);
        feed->drawn = true;
}

/* Writes a line on stderr, under the progress line: the prefix (FILE:LINE, or the program's name), then the text. */
static void vreport(Feed *feed, const char *prefix, const char *format, va_list ap) {
        progress_clear(feed);
        fprintf(stderr, "%s: ", prefix);
        vfprintf(stderr, format, ap);
        fputc('\n', stderr);
}

/* Reports a row: FILE:LINE: what. */
static void report(Feed *feed, size_t line, const char *format, ...) {
        char prefix[512];
        snprintf(prefix, sizeof(prefix), "%s:%zu", feed->name, line);
        va_list ap;
        va_start(ap, format);
        vreport(feed, prefix, format, ap);
        va_end(ap);
}

/* Reports a failure of the run: interim-feed: what. */
static void complain(Feed *feed, const char *format, ...) {
        va_list ap;
        va_start(ap, format);
        vreport(feed, "interim-feed", format, ap);
        va_end(ap);
}

static void on_answer(size_t line, const Interim__Ack *ack, void *userdata) {
        Feed *feed = userdata;
        if (ack->status == INTERIM__ACK_STATUS__ACCEPTED)
                feed->accepted++;
        else if (ack->status == INTERIM__ACK_STATUS__DUPLICATE && ack->reason == INTERIM__REASON__REASON_NONE)
                feed->duplicates++;
        else {
                /* A duplicate with a reason repeats an earlier refusal: that row is not stored either. */
                feed->rejected++;
                const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(&interim__reason__descriptor, ack->reason);
                /* The daemon's words, shown as they would print (a peer's text may hold what a terminal acts on). */
                char text[256];
                snprintf(text, sizeof(text), "%s", ack->text[0] ? ack->text : "rejected");
                text_printable(text);
                if (v)
                        report(feed, line, "%s (%s)", text, v->name);
                else
                        report(feed, line, "%s (reason %d)", text, (int)ack->reason);
        }
}

static void summary(Feed *feed, size_t unanswered) {
        progress_clear(feed);
        printf("%s: %zu accepted, %zu duplicates, %zu rejected, %zu invalid rows", feed->name, feed->accepted,
               feed->duplicates, feed->rejected, feed->invalid);
        if (unanswered)
                printf(", %zu unacknowledged", unanswered);
        putchar('\n');
}

/*
 * Opens the DEALER connected to the daemon's ingest endpoint, a CURVE client when
 * key_path is set: all the socket's setup is here.  Returns the socket, or NULL with the
 * reason printed and the exit status in *ret_status (EXIT_USAGE when a key file cannot
 * be used).
 */
static void *socket_open(void *context, const char *endpoint, const char *key_path, const char *server_key_path,
                         int *ret_status) {
        void *s = zmq_socket(context, ZMQ_DEALER);
        /* While the daemon is away, sends fail and wait for their resend instead of queueing stale copies. */
        int linger = 0, immediate = 1, r = 0;
        char *error = NULL;
        *ret_status = EXIT_NO_ANSWER;
        if (s && key_path && (r = key_client_secure(s, key_path, server_key_path, &error)) < 0) {
                fprintf(stderr, "interim-feed: %s\n", error ? error : strerror(-r));
                free(error);
                zmq_close(s);
                *ret_status = EXIT_USAGE;
                return NULL;
        }
        if (s &&
            (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger)) < 0 ||
             zmq_setsockopt(s, ZMQ_IMMEDIATE, &immediate, sizeof(immediate)) < 0 || zmq_connect(s, endpoint) < 0))
                r = -errno;
        if (!s || r < 0) {
                fprintf(stderr, "interim-feed: cannot connect to %s: %s\n", endpoint, zmq_strerror(s ? -r : errno));
                if (s)
                        zmq_close(s);
                return NULL;
        }
        return s;
}

/*
 * Reads rows while the window has room: events are sent, invalid rows reported.
 * Returns whether a row was read; clears *reading at the end of the file, and sets
 * *broken when it could not be read to its end.
 */
static bool fill(Feed *feed, FeedCsv *csv, Feeder *feeder, bool *reading, bool *broken) {
        bool got = false;
        while (*reading && !feeder_full(feeder)) {
                FeedRow row;
                int r = feedcsv_next(csv, &row);
                if (r == 1) {
                        got = true;
                        if (row.data)
                                (void)feeder_add(feeder, &row);
                        else {
                                feed->invalid++;
                                report(feed, row.line, "%s", row.error);
                        }
                        continue;
                }
                *reading = false;
                *broken = r < 0;
                if (r == -EBADMSG)
                        report(feed, row.line, "%s", row.error);
                else if (r < 0)
                        complain(feed, "%s: %s", feed->name, strerror(-r));
        }
        return got;
}

/* Sends every row and waits for the answers; returns the exit status. */
static int feed_file(Feed *feed, FeedCsv *csv, Feeder *feeder, const char *endpoint, double timeout) {
        const int64_t timeout_ms = llround(timeout * 1000);
        int64_t progress_at = feeder_clock_ms();
        bool reading = true, broken = false;
        for (;;) {
                if (fill(feed, csv, feeder, &reading, &broken))
                        progress_at = feeder_clock_ms();
                if (!reading && feeder_unanswered(feeder) == 0)
                        break;
                int r = feeder_run(feeder, feed->progress ? PROGRESS_MS : 1000);
                if (r < 0) {
                        complain(feed, "%s: %s", endpoint, zmq_strerror(-r));
                        summary(feed, feeder_unanswered(feeder));
                        return EXIT_NO_ANSWER;
                }
                if (r > 0)
                        progress_at = feeder_clock_ms();
                else if (feeder_clock_ms() - progress_at >= timeout_ms) {
                        complain(feed, "no acknowledgement from %s for %g s; giving up", endpoint, timeout);
                        summary(feed, feeder_unanswered(feeder));
                        return EXIT_NO_ANSWER;
                }
                progress_draw(feed, feeder, csv);
        }
        summary(feed, 0);
        return broken || feed->rejected || feed->invalid ? EXIT_REFUSED : EXIT_STORED;
}

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "connect", required_argument, NULL, 'c' }, { "window", required_argument, NULL, 'w' },
                { "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
                { "key", required_argument, NULL, 'k' },     { "server-key", required_argument, NULL, 's' },
                { "max-bytes", required_argument, NULL, 'm' }, { 0 },
        };
        const char *endpoint = NULL, *key = NULL, *server_key = NULL;
        unsigned long window = WINDOW_DEFAULT, max_bytes = FEEDCSV_MAX_BYTES_DEFAULT;
        double timeout = TIMEOUT_DEFAULT_S;
        int c;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                char *end;
                errno = 0;
                switch (c) {
                case 'c':
                        endpoint = optarg;
                        break;
                case 'w':
                        window = strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg || optarg[0] == '-' || window < 1 || window > WINDOW_MAX) {
                                fprintf(stderr, "interim-feed: --window takes a whole number from 1 to %d, not '%s'\n",
                                        WINDOW_MAX, optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 't':
                        timeout = strtod(optarg, &end);
                        if (errno || *end || end == optarg || !(timeout > 0 && timeout <= TIMEOUT_MAX_S)) {
                                fprintf(stderr, "interim-feed: --timeout takes a number of seconds above 0, not '%s'\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'm':
                        max_bytes = strtoul(optarg, &end, 10);
                        if (errno || *end || end == optarg || optarg[0] == '-' || max_bytes < MAX_BYTES_MIN ||
                            max_bytes > MAX_BYTES_MAX) {
                                fprintf(stderr, "interim-feed: --max-bytes takes a whole number from %lu to %lu, not '%s'\n",
                                        MAX_BYTES_MIN, MAX_BYTES_MAX, optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'k':
                        key = optarg;
                        break;
                case 's':
                        server_key = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_STORED;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (!endpoint || optind + 1 != argc || !key != !server_key) {
                usage(stderr);
                return EXIT_USAGE;
        }
        const char *path = argv[optind];
        bool from_stdin = strcmp(path, "-") == 0;
        FILE *in = from_stdin ? stdin : fopen(path, "re");
        if (!in) {
                fprintf(stderr, "interim-feed: cannot open %s: %s\n", path, strerror(errno));
                return EXIT_USAGE;
        }
        Feed feed = { .name = from_stdin ? "<stdin>" : path, .progress = isatty(STDERR_FILENO),
                      .start = feeder_clock_ms() };
        struct stat st;
        if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
                feed.size = (uint64_t)st.st_size;

        int status = EXIT_NO_ANSWER;
        FeedCsv *csv = NULL;
        Feeder *feeder = NULL;
        void *context = zmq_ctx_new();
        void *socket = context ? socket_open(context, endpoint, key, server_key, &status) : NULL;
        size_t limit = max_bytes - (key ? CURVE_MESSAGE_OVERHEAD : 0);
        int r = 0;
        if (socket && ((r = feedcsv_new(&csv, in, limit)) < 0 ||
                       (r = feeder_new(&feeder, context, socket, window, on_answer, &feed)) < 0)) {
                fprintf(stderr, "interim-feed: cannot start: %s\n", strerror(-r));
                status = EXIT_REFUSED;
        } else if (socket)
                status = feed_file(&feed, csv, feeder, endpoint, timeout);
        feeder_free(feeder);
        feedcsv_free(csv);
        if (socket)
                zmq_close(socket);
        if (context)
                zmq_ctx_term(context);
        if (!from_stdin)
                fclose(in);
        return status;
}
