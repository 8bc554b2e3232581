/* backup.c — interimd --backup: a consistent copy of a store, taken while the daemon may be writing it, and checked. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

int backup_store(const char *state_dir, const char *dest, FILE *out, char **ret_error) {
        char copy[4096], final[4096];
        *ret_error = NULL;
        if ((size_t)snprintf(copy, sizeof(copy), "%s/interimd.db.new", dest) >= sizeof(copy) ||
            (size_t)snprintf(final, sizeof(final), "%s/interimd.db", dest) >= sizeof(final))
                return fail(ret_error, -ENAMETOOLONG, dest);
        Store *s = NULL;
        int r = store_open_readonly(&s, state_dir, ret_error);
        if (r < 0)
                return r;
        /* A new directory: a copy never mixes with another store's files. */
        if (mkdir(dest, 0700) < 0) {
                r = fail(ret_error, -errno, dest);
                store_free(s);
                return r;
        }
        /* Made here, for its mode: SQLite would make it readable by all, and the journals it makes take the file's. */
        int fd = open(copy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
                r = fail(ret_error, -errno, copy);
                store_free(s);
                return r;
        }
        close(fd);
        char *why = NULL;
        r = store_copy(s, copy, &why);
        store_free(s);
        if (r < 0) {
                if (asprintf(ret_error, "copy of %s to %s: %s", state_dir, copy, why ? why : strerror(-r)) < 0)
                        *ret_error = NULL;
                free(why);
                return r;
        }
        if ((r = sync_path(copy)) < 0 || (rename(copy, final) < 0 && (r = -errno) < 0) || (r = sync_path(dest)) < 0)
                return fail(ret_error, r, final);
        r = audit_verify(dest, out, ret_error);
        if (r < 0)
                return r;
        /* The head, to compare with the one the daemon logs at each start, and to keep apart from the copy. */
        if ((r = store_open_readonly(&s, dest, ret_error)) < 0)
                return r;
        int64_t head;
        uint8_t hash[STORE_HASH_BYTES];
        char hex[2 * STORE_HASH_BYTES + 1];
        store_head(s, &head, hash);
        store_free(s);
        fprintf(out, "%s: events head %" PRId64 " %s\n", dest, head, sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash)));
        return 0;
}
