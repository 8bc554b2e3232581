/* powercut.c — an LD_PRELOAD module that keeps, beside a directory, each of its files as of its last fsync: what a power cut would leave. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * POWERCUT_WATCH names a directory, POWERCUT_KEEP another.  Whenever a regular file of
 * the first is synced (fsync, fdatasync), it is copied whole into the second before the
 * call returns; a rename or unlink there is done to the copy too (the program is taken
 * to sync the directory after, as SQLite and interimd do).  After a SIGKILL, the second
 * directory holds the files as a power cut at that moment would have left them, had
 * every write not yet synced been lost.
 */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* libc's functions, found before the program's threads start. */
static int (*real_fsync)(int), (*real_fdatasync)(int), (*real_rename)(const char *, const char *),
        (*real_unlink)(const char *);

__attribute__((constructor)) static void find_real(void) {
        *(void **)&real_fsync = dlsym(RTLD_NEXT, "fsync");
        *(void **)&real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
        *(void **)&real_rename = dlsym(RTLD_NEXT, "rename");
        *(void **)&real_unlink = dlsym(RTLD_NEXT, "unlink");
}

/* The copy's path of path when it lies directly in the watched directory, else false. */
static bool kept_path(const char *path, char *ret, size_t size) {
        const char *watch = getenv("POWERCUT_WATCH"), *keep = getenv("POWERCUT_KEEP");
        if (!watch || !keep)
                return false;
        size_t n = strlen(watch);
        if (strncmp(path, watch, n) != 0 || path[n] != '/' || strchr(path + n + 1, '/'))
                return false;
        return snprintf(ret, size, "%s/%s", keep, path + n + 1) < (int)size;
}

/* Copies the file behind fd, if it is a regular file of the watched directory, into the kept one. */
static void keep(int fd) {
        char link[64], path[PATH_MAX], to[PATH_MAX], tmp[PATH_MAX + 8];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof(path) - 1);
        struct stat st;
        /* A file unlinked already is nobody's after a cut (and its link reads "NAME (deleted)"). */
        if (n <= 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink == 0)
                return;
        path[n] = '\0';
        if (!kept_path(path, to, sizeof(to)))
                return;
        snprintf(tmp, sizeof(tmp), "%s.kept", to);
        int in = open(path, O_RDONLY | O_CLOEXEC), out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        off_t offset = 0;
        int error = in < 0 || out < 0 ? errno : 0;
        /* A file cut shorter meanwhile (by a writer that did not sync it) is kept as it is. */
        for (ssize_t sent = 1; !error && sent > 0 && offset < st.st_size;)
                if ((sent = sendfile(out, in, &offset, (size_t)(st.st_size - offset))) < 0)
                        error = errno;
        if (in >= 0)
                close(in);
        if (out >= 0)
                close(out);
        if (!error && real_rename(tmp, to) < 0)
                error = errno;
        if (error) {
                fprintf(stderr, "powercut: cannot keep %s: %s\n", path, strerror(error));
                abort();
        }
}

static int synced(int fd, int r) {
        if (r == 0) {
                int saved = errno;
                pthread_mutex_lock(&lock);
                keep(fd);
                pthread_mutex_unlock(&lock);
                errno = saved;
        }
        return r;
}

int fsync(int fd) {
        return synced(fd, real_fsync(fd));
}

int fdatasync(int fd) {
        return synced(fd, real_fdatasync(fd));
}

int rename(const char *from, const char *to) {
        int r = real_rename(from, to);
        char kept_from[PATH_MAX], kept_to[PATH_MAX];
        if (r == 0 && kept_path(from, kept_from, sizeof(kept_from)) && kept_path(to, kept_to, sizeof(kept_to))) {
                int saved = errno;
                pthread_mutex_lock(&lock);
                (void)real_rename(kept_from, kept_to);
                pthread_mutex_unlock(&lock);
                errno = saved;
        }
        return r;
}

int unlink(const char *path) {
        int r = real_unlink(path);
        char kept[PATH_MAX];
        if (r == 0 && kept_path(path, kept, sizeof(kept))) {
                int saved = errno;
                pthread_mutex_lock(&lock);
                (void)real_unlink(kept);
                pthread_mutex_unlock(&lock);
                errno = saved;
        }
        return r;
}
