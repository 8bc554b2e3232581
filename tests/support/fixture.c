/* fixture.c — running interimd from a temporary directory, talking to its ingest socket, reading its notifications. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <zmq.h>

#include "fixture.h"
#include "interim/date.h"

/* ---- the daemon ---- */

int run_interimd(const char *const *args, char *out, size_t out_size) {
        int status = harness_run(getenv("INTERIMD"), args, out, out_size);
        assert_true(status >= 0);
        return status;
}


void harness_write_config(Fixture *f, const char *config) {
        FILE *c = fopen(f->config, "w");
        assert_non_null(c);
        for (const char *s = config; *s;) {
                const char *at = strstr(s, "@DIR@");
                size_t n = at ? (size_t)(at - s) : strlen(s);
                fwrite(s, 1, n, c);
                s += n;
                if (at) {
                        fputs(f->dir, c);
                        s += strlen("@DIR@");
                }
        }
        assert_int_equal(fclose(c), 0);
}

bool harness_log_contains(const Fixture *f, const char *text) {
        char line[1024];
        bool found = false;
        FILE *log = fopen(f->log, "r");
        while (log && !found && fgets(line, sizeof(line), log))
                found = strstr(line, text) != NULL;
        if (log)
                fclose(log);
        return found;
}

void harness_endpoint(const Fixture *f, const char *name, char *buf, size_t size) {
        snprintf(buf, size, "ipc://%s/%s", f->dir, name);
}

/* Receives one notification datagram into buf (NUL-terminated).  Returns false after timeout_ms. */
static bool notify_read(Fixture *f, int timeout_ms, char *buf, size_t size) {
        struct pollfd p = { .fd = f->notify_fd, .events = POLLIN };
        if (poll(&p, 1, timeout_ms) != 1)
                return false;
        ssize_t n = recv(f->notify_fd, buf, size - 1, 0);
        assert_true(n > 0);
        buf[n] = '\0';
        return true;
}

bool notify_wait(Fixture *f, const char *text, int timeout_ms, char *buf, size_t size) {
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &now);
                int left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
                if (left <= 0 || !notify_read(f, left, buf, size))
                        return false;
                if (strstr(buf, text))
                        return true;
        }
}

void daemon_start(Fixture *f) {
        if (f->notify_fd >= 0)
                close(f->notify_fd);
        f->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(f->notify_fd >= 0);
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->notify);
        unlink(f->notify);
        assert_int_equal(bind(f->notify_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);

        f->pid = fork();
        assert_true(f->pid >= 0);
        if (f->pid == 0) {
                int fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
                dup2(fd, STDERR_FILENO);
                setenv("NOTIFY_SOCKET", f->notify, 1);
                if (f->watchdog_usec) {
                        char value[32];
                        snprintf(value, sizeof(value), "%llu", (unsigned long long)f->watchdog_usec);
                        setenv("WATCHDOG_USEC", value, 1);
                        snprintf(value, sizeof(value), "%d", (int)getpid());
                        setenv("WATCHDOG_PID", value, 1);
                }
                execl(getenv("INTERIMD"), "interimd", "--config", f->config, (char *)NULL);
                _exit(127);
        }
        char message[512];
        assert_true(notify_wait(f, "READY=1", WAIT_MS, message, sizeof(message)));
        if (!f->keep_notify) {
                close(f->notify_fd);
                f->notify_fd = -1;
        }
}

int daemon_stop(Fixture *f, int signal) {
        kill(f->pid, signal);
        int status;
        for (int waited = 0; waited < WAIT_MS; waited += 10) {
                if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
                        f->pid = 0;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
                usleep(10000);
        }
        kill(f->pid, SIGKILL);
        waitpid(f->pid, &status, 0);
        f->pid = 0;
        return -1;
}

void *harness_connect(Fixture *f, int type, const char *name) {
        assert_true(f->n_sockets < sizeof(f->sockets) / sizeof(f->sockets[0]));
        void *s = zmq_socket(f->zmq, type);
        assert_non_null(s);
        f->sockets[f->n_sockets++] = s;
        int linger = 0;
        zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof(linger));
        char endpoint[128];
        harness_endpoint(f, name, endpoint, sizeof(endpoint));
        assert_int_equal(zmq_connect(s, endpoint), 0);
        return s;
}

void harness_close(Fixture *f, void *socket) {
        for (size_t i = 0; i < f->n_sockets; i++)
                if (f->sockets[i] == socket) {
                        zmq_close(socket);
                        f->sockets[i] = f->sockets[--f->n_sockets];
                        return;
                }
        fail_msg("not a socket of the test");
}

void dealer_open(Fixture *f) {
        f->dealer = harness_connect(f, ZMQ_DEALER, "ingest");
}

void dealer_close(Fixture *f) {
        harness_close(f, f->dealer);
        f->dealer = NULL;
}

Fixture *harness_new_notified(const char *config, uint64_t watchdog_usec) {
        Fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->notify_fd = -1;
        f->keep_notify = true;
        f->watchdog_usec = watchdog_usec;
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-interimd-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->config, sizeof(f->config), "%s/interimd.ini", f->dir);
        snprintf(f->notify, sizeof(f->notify), "%s/notify", f->dir);
        snprintf(f->log, sizeof(f->log), "%s/interimd.log", f->dir);
        harness_write_config(f, config);
        f->zmq = zmq_ctx_new();
        daemon_start(f);
        dealer_open(f);
        return f;
}

Fixture *harness_new(const char *config) {
        Fixture *f = harness_new_notified(config, 0);
        close(f->notify_fd);
        f->notify_fd = -1;
        f->keep_notify = false;
        return f;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

int harness_free(Fixture *f) {
        while (f->n_sockets > 0)
                zmq_close(f->sockets[--f->n_sockets]);
        zmq_ctx_term(f->zmq);
        int status = f->pid ? daemon_stop(f, SIGTERM) : 0;
        if (f->notify_fd >= 0)
                close(f->notify_fd);
        if (status != 0) {
                /* Show what the daemon said before it failed. */
                char line[1024];
                FILE *log = fopen(f->log, "r");
                while (log && fgets(line, sizeof(line), log))
                        fputs(line, stderr);
                if (log)
                        fclose(log);
        }
        nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
        free(f);
        return status;
}

/* ---- events and acknowledgements ---- */

/* The date of day k of the test trial, which started 400 days ago. */
const char *day(int k) {
        return harness_day(k);
}

size_t encode(Ev ev, uint8_t *buf, size_t size) {
        return harness_encode(&ev, buf, size);
}

void send_event(Fixture *f, Ev ev) {
        uint8_t buf[512];
        size_t n = encode(ev, buf, sizeof(buf));
        assert_int_equal(zmq_send(f->dealer, buf, n, 0), (int)n);
}

/* Receives one acknowledgement (after an empty delimiter frame if one comes first), or NULL after timeout_ms. */
Interim__Ack *receive_ack(Fixture *f, int timeout_ms) {
        zmq_pollitem_t item = { .socket = f->dealer, .events = ZMQ_POLLIN };
        if (zmq_poll(&item, 1, timeout_ms) != 1)
                return NULL;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        assert_true(zmq_msg_recv(&msg, f->dealer, 0) >= 0);
        if (zmq_msg_size(&msg) == 0 && zmq_msg_more(&msg))
                assert_true(zmq_msg_recv(&msg, f->dealer, 0) >= 0);
        assert_false(zmq_msg_more(&msg));
        Interim__Ack *ack = interim__ack__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
        zmq_msg_close(&msg);
        assert_non_null(ack);
        return ack;
}

/* Checks an acknowledgement and frees it. */
void check_ack(Interim__Ack *ack, const char *site, uint64_t seq, Interim__AckStatus status, Interim__Reason reason,
                      uint64_t store_seq) {
        assert_non_null(ack);
        assert_string_equal(ack->site, site);
        assert_int_equal(ack->site_seq, seq);
        assert_int_equal(ack->status, status);
        assert_int_equal(ack->reason, reason);
        assert_int_equal(ack->store_seq, store_seq);
        interim__ack__free_unpacked(ack, NULL);
}

void expect(Fixture *f, Ev ev, Interim__AckStatus status, Interim__Reason reason, uint64_t store_seq) {
        send_event(f, ev);
        check_ack(receive_ack(f, WAIT_MS), ev.site ? ev.site : "site-1", ev.seq, status, reason, store_seq);
}

void accepted(Fixture *f, Ev ev, uint64_t store_seq) {
        expect(f, ev, INTERIM__ACK_STATUS__ACCEPTED, INTERIM__REASON__REASON_NONE, store_seq);
}

void rejected(Fixture *f, Ev ev, Interim__Reason reason) {
        expect(f, ev, INTERIM__ACK_STATUS__REJECTED, reason, 0);
}

/* Sends raw frames and returns the acknowledgement. */
Interim__Ack *send_frames(Fixture *f, const void *const *frames, const size_t *sizes, size_t n) {
        for (size_t i = 0; i < n; i++)
                assert_int_equal(zmq_send(f->dealer, frames[i], sizes[i], i + 1 < n ? ZMQ_SNDMORE : 0), (int)sizes[i]);
        return receive_ack(f, WAIT_MS);
}

