/* backup.c — interimd --backup: a consistent copy of a store, taken while the daemon may be writing it, and checked. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "backup.h"
#include "store.h"

/* fsync()s the file or directory at path.  Returns 0 or a negative errno. */
static int sync_path(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = fsync(fd) < 0 ? -errno : 0;
        close(fd);
        return r;
}

/* Sets *ret_error to "what: strerror(-r)" and returns r. */
static int fail(char **ret_error, int r, const char *what) {
        if (asprintf(ret_error, "%s: %s", what, strerror(-r)) < 0)
                *ret_error = NULL;
        return r;
}

/* Removes a partial copy's directory and what SQLite may have left in it. */
static void remove_partial(const char *dir) {
        static const char *const names[] = { "interimd.db", "interimd.db-journal" };
        char path[4300];
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                (void)unlink(path);
        }
        (void)rmdir(dir);
}

/*
 * Copies the store s into the new directory partial, and renames that to dest.
 * Returns 0 or a negative errno, with *ret_error set.
 */
static int copy_into(Store *s, const char *state_dir, const char *partial, const char *dest, char **ret_error) {
        char path[4300], parent[4200];
        snprintf(path, sizeof(path), "%s/interimd.db", partial);
        /* Made here, for its mode: SQLite would make it readable by all, and its journal takes the file's. */
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
                return fail(ret_error, -errno, path);
        close(fd);
        char *why = NULL;
        int r = store_copy(s, path, &why);
        if (r < 0) {
                if (asprintf(ret_error, "copy of %s to %s: %s", state_dir, path, why ? why : strerror(-r)) < 0)
                        *ret_error = NULL;
                free(why);
                return r;
        }
        if ((r = sync_path(path)) < 0)
                return fail(ret_error, r, path);
        if ((r = sync_path(partial)) < 0)
                return fail(ret_error, r, partial);
        /* Never over a directory made meanwhile (rename() would take the place of an empty one). */
        if (renameat2(AT_FDCWD, partial, AT_FDCWD, dest, RENAME_NOREPLACE) < 0)
                return fail(ret_error, -errno, dest);
        snprintf(parent, sizeof(parent), "%s", dest);
        if ((r = sync_path(dirname(parent))) < 0)
                return fail(ret_error, r, dest);
        return 0;
}

int backup_store(const char *state_dir, const char *dest, FILE *out, char **ret_error) {
        char to[4096], partial[4200];
        struct stat st;
        *ret_error = NULL;
        size_t n = strlen(dest);
        while (n > 1 && dest[n - 1] == '/')
                n--;
        if (n >= sizeof(to))
                return fail(ret_error, -ENAMETOOLONG, dest);
        memcpy(to, dest, n);
        to[n] = '\0';
        if (lstat(to, &st) == 0)
                return fail(ret_error, -EEXIST, to);
        Store *s = NULL;
        int r = store_open_readonly(&s, state_dir, ret_error);
        if (r < 0)
                return r;
        /*
         * The copy is made in a directory of its own beside dest and renamed to dest when
         * whole: dest never holds part of a copy, which a daemon would take for a store
         * whose creation a crash cut short and begin anew.
         */
        snprintf(partial, sizeof(partial), "%s.partial-XXXXXX", to);
        if (!mkdtemp(partial))
                r = fail(ret_error, -errno, to);
        else if ((r = copy_into(s, state_dir, partial, to, ret_error)) < 0)
                remove_partial(partial);
        store_free(s);
        if (r < 0)
                return r;
        /* Checked as --verify would, read-only: the copy keeps its one file. */
        if ((r = store_open_readonly(&s, to, ret_error)) < 0)
                return r;
        r = audit_verify_store(s, to, out, ret_error);
        if (r == 0) {
                /* The head, to compare with the one the daemon logs at each start, and to keep apart from the copy. */
                int64_t head;
                uint8_t hash[STORE_HASH_BYTES];
                char hex[2 * STORE_HASH_BYTES + 1];
                store_head(s, &head, hash);
                fprintf(out, "%s: events head %" PRId64 " %s\n", to, head, sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash)));
        }
        store_free(s);
        return r;
}
