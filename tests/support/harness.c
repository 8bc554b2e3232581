/* harness.c — start, stop and talk to the interimd binary from a temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "harness.h"
#include "interim/date.h"

int harness_init(Harness *h, const char *name, const char *binary) {
        *h = (Harness){ .binary = binary };
        if ((size_t)snprintf(h->dir, sizeof(h->dir), "/tmp/%s-XXXXXX", name) >= sizeof(h->dir))
                return -ENAMETOOLONG;
        if (!mkdtemp(h->dir))
                return -errno;
        snprintf(h->config, sizeof(h->config), "%s/interimd.ini", h->dir);
        snprintf(h->state, sizeof(h->state), "%s/state", h->dir);
        snprintf(h->notify, sizeof(h->notify), "%s/notify", h->dir);
        snprintf(h->log, sizeof(h->log), "%s/interimd.log", h->dir);
        return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

void harness_cleanup(Harness *h) {
        if (h->pid > 0)
                (void)harness_stop(h, SIGKILL);
        if (h->dir[0])
                nftw(h->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Waits for READY=1 on fd while the daemon lives; other notifications (STATUS=...) are passed over. */
static int wait_ready(Harness *h, int fd) {
        for (int waited = 0; waited < HARNESS_WAIT_MS; waited += 20) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                if (poll(&p, 1, 20) == 1) {
                        char message[512];
                        ssize_t n = recv(fd, message, sizeof(message) - 1, 0);
                        if (n < 0)
                                return -errno;
                        message[n] = '\0';
                        if (strstr(message, "READY=1"))
                                return 0;
                        continue;
                }
                int status;
                if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
                        h->pid = 0;
                        return -EPROTO;
                }
        }
        return -ETIMEDOUT;
}

int harness_start(Harness *h) {
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", h->notify);
        unlink(h->notify);
        int r = 0;
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                r = -errno;
        else if ((h->pid = fork()) < 0) {
                r = -errno;
                h->pid = 0;
        } else if (h->pid == 0) {
                int log = open(h->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
                dup2(log, STDERR_FILENO);
                setenv("NOTIFY_SOCKET", h->notify, 1);
                execl(h->binary, "interimd", "--config", h->config, (char *)NULL);
                _exit(127);
        } else
                r = wait_ready(h, fd);
        close(fd);
        return r;
}

int harness_stop(Harness *h, int signal) {
        int status;
        kill(h->pid, signal);
        for (int waited = 0; waited < HARNESS_WAIT_MS; waited += 5) {
                if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
                        h->pid = 0;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
                usleep(5000);
        }
        kill(h->pid, SIGKILL);
        waitpid(h->pid, &status, 0);
        h->pid = 0;
        return -1;
}

void harness_print_log(const Harness *h) {
        char line[1024];
        FILE *log = fopen(h->log, "r");
        while (log && fgets(line, sizeof(line), log))
                fputs(line, stderr);
        if (log)
                fclose(log);
}

size_t harness_encode(const SiteEvent *ev, uint8_t *buf, size_t size) {
        Interim__Event e = INTERIM__EVENT__INIT;
        Interim__Enroll enroll = INTERIM__ENROLL__INIT;
        Interim__Contact contact = INTERIM__CONTACT__INIT;
        Interim__Progression progression = INTERIM__PROGRESSION__INIT;
        Interim__Death death = INTERIM__DEATH__INIT;
        Interim__Withdraw withdraw = INTERIM__WITHDRAW__INIT;
        Interim__Retract retract = INTERIM__RETRACT__INIT;
        Interim__Look look = INTERIM__LOOK__INIT;
        e.trial = (char *)(ev->trial ? ev->trial : "GBSG");
        e.site = (char *)(ev->site ? ev->site : "site-1");
        e.site_seq = ev->seq;
        e.patient = (char *)(ev->patient ? ev->patient : "");
        e.date = (char *)(ev->date ? ev->date : "");
        const char *k = ev->kind ? ev->kind : "";
        if (strcmp(k, "enroll") == 0) {
                e.body_case = INTERIM__EVENT__BODY_ENROLL;
                e.enroll = &enroll;
                enroll.arm = (char *)(ev->arm ? ev->arm : "control");
                enroll.stratum = (char *)(ev->stratum ? ev->stratum : strcmp(e.trial, "GBSG") == 0 ? "g1" : "");
        } else if (strcmp(k, "contact") == 0) {
                e.body_case = INTERIM__EVENT__BODY_CONTACT;
                e.contact = &contact;
        } else if (strcmp(k, "locoregional") == 0 || strcmp(k, "distant") == 0 || strcmp(k, "unspecified") == 0) {
                e.body_case = INTERIM__EVENT__BODY_PROGRESSION;
                e.progression = &progression;
                progression.kind = k[0] == 'l'   ? INTERIM__PROGRESSION_KIND__LOCOREGIONAL
                                   : k[0] == 'd' ? INTERIM__PROGRESSION_KIND__DISTANT
                                                 : INTERIM__PROGRESSION_KIND__PROGRESSION_UNSPECIFIED;
        } else if (strcmp(k, "death") == 0) {
                e.body_case = INTERIM__EVENT__BODY_DEATH;
                e.death = &death;
        } else if (strcmp(k, "withdraw") == 0) {
                e.body_case = INTERIM__EVENT__BODY_WITHDRAW;
                e.withdraw = &withdraw;
        } else if (strcmp(k, "retract") == 0) {
                e.body_case = INTERIM__EVENT__BODY_RETRACT;
                e.retract = &retract;
                retract.site_seq = ev->target;
        } else if (strcmp(k, "look") == 0) {
                e.body_case = INTERIM__EVENT__BODY_LOOK;
                e.look = &look;
                look.look = ev->look;
        }
        if (interim__event__get_packed_size(&e) > size)
                return 0;
        return interim__event__pack(&e, buf);
}

int harness_run(const char *binary, const char *const *args, char *out, size_t out_size) {
        int pipefd[2];
        if (pipe(pipefd) < 0)
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                dup2(pipefd[1], STDOUT_FILENO);
                dup2(pipefd[1], STDERR_FILENO);
                close(pipefd[0]);
                execv(binary, (char *const *)args);
                _exit(127);
        }
        close(pipefd[1]);
        size_t n = 0;
        ssize_t got;
        while (pid > 0 && n + 1 < out_size && (got = read(pipefd[0], out + n, out_size - n - 1)) > 0)
                n += (size_t)got;
        out[n] = '\0';
        close(pipefd[0]);
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

const char *harness_day(int k) {
        static char buf[8][11];
        static int next;
        char *s = buf[next++ % 8];
        date_format((int32_t)(time(NULL) / 86400) - 400 + k, s);
        return s;
}

int harness_recv_ack(void *socket, int timeout_ms, Interim__Ack **ret) {
        zmq_pollitem_t item = { .socket = socket, .events = ZMQ_POLLIN };
        int n = zmq_poll(&item, 1, timeout_ms);
        if (n <= 0)
                return n < 0 ? -errno : 0;
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        int r = zmq_msg_recv(&msg, socket, 0) < 0 ? -errno : 0;
        if (r == 0 && zmq_msg_size(&msg) == 0 && zmq_msg_more(&msg) && zmq_msg_recv(&msg, socket, 0) < 0)
                r = -errno;
        if (r == 0 && !zmq_msg_more(&msg) &&
            (*ret = interim__ack__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg))))
                r = 1;
        else if (r == 0)
                r = -EBADMSG;
        zmq_msg_close(&msg);
        return r;
}
