/* keys.h — CurveZMQ key files: a party's public key and role (NAME.pub), a key pair (NAME.key), the directory of authorized keys. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

/* Length of a Z85-encoded CurveZMQ key, without its NUL. */
#define KEY_Z85_LEN 40

/* The longest role text ("site:S01,trials=T1;T2"). */
#define KEY_ROLE_MAX 256

/* What a key may do. */
typedef enum {
        ROLE_SITE,              /* submit events of one site (and, if listed, only for some trials) */
        ROLE_DSMB,              /* arm-level statistics and snapshots */
        ROLE_OPEN,              /* pooled statistics and snapshots only */
        ROLE_SERVER,            /* the daemon's own key: never a client */
        ROLE_INVALID = -EINVAL, /* no role: role_kind() of a text that is none */
} RoleKind;

/* One key file, as read: either half may be missing (empty). */
typedef struct KeyFile {
        char public_key[KEY_Z85_LEN + 1];
        char secret_key[KEY_Z85_LEN + 1];
        char role[KEY_ROLE_MAX];
} KeyFile;

/* The authorized public keys of a directory (every NAME.pub in it). */
typedef struct Keys {
        size_t n;
        struct KeyEntry {
                char name[64];
                KeyFile file;
        } *keys;
} Keys;

/*
 * Reads a key file (INI: public =, secret =, role =).  Each key present must be 40
 * characters of Z85 and each role valid (role_kind()).  Returns 0, -EINVAL with
 * "PATH: reason" in *ret_error (caller frees; NULL when out of memory), or another
 * negative errno.
 */
int key_file_read(const char *path, KeyFile *ret, char **ret_error);

/*
 * Writes a key file with mode mode (0600 for one with a secret key); the file must not
 * exist yet.  Empty fields are left out.  Returns 0 or a negative errno (-EEXIST).
 */
int key_file_write(const char *path, const KeyFile *k, unsigned mode);

/* Reads every NAME.pub of dir, sorted by name.  Returns as key_file_read(). */
int keys_load(Keys **ret, const char *dir, char **ret_error);

/* Frees the keys; accepts NULL. */
void keys_free(Keys *k);

/* The entry of a public key (Z85), or NULL. */
const struct KeyEntry *keys_find(const Keys *k, const char *public_key);

/*
 * Makes socket (not yet connected) a CURVE client with the key pair in key_path that
 * expects the server's public key in server_key_path.  Returns 0, or a negative errno
 * with a description in *ret_error (caller frees; NULL when out of memory).
 */
int key_client_secure(void *socket, const char *key_path, const char *server_key_path, char **ret_error);

/*
 * Checks a role text: "site:SITE" with an optional ",trials=T1;T2", "dsmb", "open" or
 * "server".  Returns its kind, or ROLE_INVALID (-EINVAL).
 */
RoleKind role_kind(const char *role);

/*
 * Whether a role lets its holder submit an event of site for trial: a site role of
 * that site whose trial list (if any) names the trial.
 */
bool role_allows(const char *role, const char *site, const char *trial);
