/* keys.c — CurveZMQ key files read with inih, and the roles they carry. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "event.h"
#include "interim/text.h"
#include "keys.h"

static bool site_part(const char *role, const char **ret_site, size_t *ret_len, const char **ret_trials) {
        if (strncmp(role, "site:", 5) != 0)
                return false;
        *ret_site = role + 5;
        const char *comma = strchr(*ret_site, ',');
        *ret_len = comma ? (size_t)(comma - *ret_site) : strlen(*ret_site);
        *ret_trials = NULL;
        if (comma) {
                if (strncmp(comma, ",trials=", 8) != 0)
                        return false;
                *ret_trials = comma + 8;
        }
        /* A site the daemon would take as an event's key: anything else could never send. */
        return *ret_len <= EVENT_SITE_MAX && text_name(*ret_site, *ret_len);
}

RoleKind role_kind(const char *role) {
        const char *site, *trials;
        size_t len;
        if (strcmp(role, "dsmb") == 0)
                return ROLE_DSMB;
        if (strcmp(role, "open") == 0)
                return ROLE_OPEN;
        if (strcmp(role, "server") == 0)
                return ROLE_SERVER;
        if (!site_part(role, &site, &len, &trials) || strpbrk(role, " \t\"") || (trials && (!*trials || strstr(trials, ";;"))))
                return ROLE_INVALID;
        return ROLE_SITE;
}

bool role_allows(const char *role, const char *site, const char *trial) {
        const char *own, *trials;
        size_t len;
        if (role_kind(role) != ROLE_SITE || !site_part(role, &own, &len, &trials))
                return false;
        if (strlen(site) != len || strncmp(site, own, len) != 0)
                return false;
        if (!trials)
                return true;
        size_t n = strlen(trial);
        for (const char *t = trials; *t;) {
                size_t m = strcspn(t, ";");
                if (m == n && strncmp(t, trial, n) == 0)
                        return true;
                t += m + (t[m] == ';');
        }
        return false;
}

static int fail(char **ret_error, int r, const char *path, unsigned line, const char *why) {
        int n = line ? asprintf(ret_error, "%s:%u: %s", path, line, why) : asprintf(ret_error, "%s: %s", path, why);
        if (n < 0)
                *ret_error = NULL;
        return r;
}

int key_client_secure(void *socket, const char *key_path, const char *server_key_path, char **ret_error) {
        KeyFile pair, server;
        int r = key_file_read(key_path, &pair, ret_error);
        if (r == 0 && !pair.secret_key[0])
                r = fail(ret_error, -EINVAL, key_path, 0, "no secret key: this is a .pub file, not a key pair");
        if (r == 0)
                r = key_file_read(server_key_path, &server, ret_error);
        /* Z85 text: 41 bytes with the NUL. */
        if (r == 0 && (zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, pair.public_key, KEY_Z85_LEN + 1) < 0 ||
                       zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, pair.secret_key, KEY_Z85_LEN + 1) < 0 ||
                       zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, server.public_key, KEY_Z85_LEN + 1) < 0))
                r = fail(ret_error, -errno, key_path, 0, zmq_strerror(errno));
        explicit_bzero(&pair, sizeof(pair));
        return r;
}

/* ---- files ---- */

typedef struct Reading {
        KeyFile *file;
        const char *why;
} Reading;

static bool z85_key(const char *s) {
        static const char z85[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
        return strlen(s) == KEY_Z85_LEN && strspn(s, z85) == KEY_Z85_LEN;
}

static int on_entry(void *userdata, const char *section, const char *name, const char *value) {
        Reading *r = userdata;
        char *field;
        size_t size;
        if (section[0]) {
                r->why = "sections are not used in key files";
                return 0;
        }
        if (strcmp(name, "public") == 0 || strcmp(name, "secret") == 0) {
                if (!z85_key(value)) {
                        r->why = "a key is 40 characters of Z85";
                        return 0;
                }
                field = name[0] == 'p' ? r->file->public_key : r->file->secret_key;
                size = KEY_Z85_LEN + 1;
        } else if (strcmp(name, "role") == 0) {
                if (role_kind(value) == ROLE_INVALID || strlen(value) >= KEY_ROLE_MAX) {
                        r->why = "role is site:SITE[,trials=T1;T2], dsmb, open or server";
                        return 0;
                }
                field = r->file->role;
                size = KEY_ROLE_MAX;
        } else {
                r->why = "unknown key (public, secret, role)";
                return 0;
        }
        if (field[0]) {
                r->why = "a key given twice";
                return 0;
        }
        snprintf(field, size, "%s", value);
        return 1;
}


int key_file_read(const char *path, KeyFile *ret, char **ret_error) {
        *ret = (KeyFile){ 0 };
        *ret_error = NULL;
        Reading r = { .file = ret };
        int line = ini_parse(path, on_entry, &r);
        if (line < 0)
                return fail(ret_error, line == -1 ? -errno : -ENOMEM, path, 0,
                            line == -1 ? strerror(errno) : "out of memory");
        if (line > 0)
                return fail(ret_error, -EINVAL, path, (unsigned)line, r.why ? r.why : "not key = value");
        if (!ret->public_key[0])
                return fail(ret_error, -EINVAL, path, 0, "no public key");
        return 0;
}

int key_file_write(const char *path, const KeyFile *k, unsigned mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        FILE *f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                return -errno;
        }
        fprintf(f, "public = %s\n", k->public_key);
        if (k->secret_key[0])
                fprintf(f, "secret = %s\n", k->secret_key);
        if (k->role[0])
                fprintf(f, "role = %s\n", k->role);
        return fclose(f) == 0 ? 0 : -errno;
}

static int by_name(const void *a, const void *b) {
        return strcmp(((const struct KeyEntry *)a)->name, ((const struct KeyEntry *)b)->name);
}

int keys_load(Keys **ret, const char *dir, char **ret_error) {
        *ret_error = NULL;
        DIR *d = opendir(dir);
        if (!d)
                return fail(ret_error, -errno, dir, 0, strerror(errno));
        Keys *k = calloc(1, sizeof(*k));
        int r = k ? 0 : -ENOMEM;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (len < 5 || strcmp(de->d_name + len - 4, ".pub") != 0)
                        continue;
                struct KeyEntry *grown = realloc(k->keys, (k->n + 1) * sizeof(*k->keys));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                k->keys = grown;
                struct KeyEntry *e = &k->keys[k->n];
                if (len - 4 >= sizeof(e->name)) {
                        r = fail(ret_error, -EINVAL, de->d_name, 0, "name too long");
                        break;
                }
                snprintf(e->name, sizeof(e->name), "%.*s", (int)(len - 4), de->d_name);
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                r = key_file_read(path, &e->file, ret_error);
                if (r == 0 && (e->file.secret_key[0] || !e->file.role[0]))
                        r = fail(ret_error, -EINVAL, path, 0, "a .pub file holds a public key and a role, no secret");
                if (r == 0)
                        k->n++;
        }
        closedir(d);
        if (r < 0) {
                keys_free(k);
                return r;
        }
        qsort(k->keys, k->n, sizeof(*k->keys), by_name);
        /* One role a key: with two, the first file found would decide which. */
        for (size_t i = 0; i < k->n; i++)
                for (size_t j = i + 1; j < k->n; j++)
                        if (strcmp(k->keys[i].file.public_key, k->keys[j].file.public_key) == 0) {
                                char why[300];
                                snprintf(why, sizeof(why), "%s.pub and %s.pub hold the same public key: a key has one role",
                                         k->keys[i].name, k->keys[j].name);
                                keys_free(k);
                                return fail(ret_error, -EINVAL, dir, 0, why);
                        }
        *ret = k;
        return 0;
}

void keys_free(Keys *k) {
        if (!k)
                return;
        free(k->keys);
        free(k);
}

const struct KeyEntry *keys_find(const Keys *k, const char *public_key) {
        for (size_t i = 0; i < k->n; i++)
                if (strcmp(k->keys[i].file.public_key, public_key) == 0)
                        return &k->keys[i];
        return NULL;
}
