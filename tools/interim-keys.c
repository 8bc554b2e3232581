/* interim-keys.c — CurveZMQ keys for interimd: a party's key pair and role, the daemon's pair, the list of authorized keys. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "keys.h"

static void usage(FILE *f) {
        fputs("Usage: interim-keys new NAME --role ROLE --dir KEYDIR [--out DIR]\n"
              "           ROLE: site:SITE[,trials=T1;T2] | dsmb | open\n"
              "           writes KEYDIR/NAME.pub (public key and role, for the daemon)\n"
              "           and DIR/NAME.key (the key pair, mode 0600, for the party; DIR defaults to .)\n"
              "       interim-keys server --dir DIR\n"
              "           writes DIR/server.key (the daemon's pair, mode 0600) and DIR/server.pub\n"
              "       interim-keys list --dir KEYDIR\n",
              f);
}

/* Writes DIR/NAME.key with the pair and KEYDIR/NAME.pub with the public half and role. */
static int make(const char *name, const char *role, const char *keydir, const char *outdir) {
        KeyFile pair = { 0 };
        snprintf(pair.role, sizeof(pair.role), "%s", role);
        if (zmq_curve_keypair(pair.public_key, pair.secret_key) < 0) {
                fprintf(stderr, "interim-keys: %s\n", zmq_strerror(errno));
                return EXIT_FAILURE;
        }
        KeyFile pub = pair;
        pub.secret_key[0] = '\0';
        char secret_path[4096], public_path[4096];
        snprintf(secret_path, sizeof(secret_path), "%s/%s.key", outdir, name);
        snprintf(public_path, sizeof(public_path), "%s/%s.pub", keydir, name);
        int r = key_file_write(secret_path, &pair, 0600);
        const char *failed = secret_path;
        if (r == 0) {
                r = key_file_write(public_path, &pub, 0644);
                failed = public_path;
        }
        if (r < 0) {
                fprintf(stderr, "interim-keys: %s: %s\n", failed, strerror(-r));
                return EXIT_FAILURE;
        }
        printf("%s %s %s\n", name, pub.public_key, role);
        return EXIT_SUCCESS;
}

static int list(const char *keydir) {
        Keys *k = NULL;
        char *error = NULL;
        int r = keys_load(&k, keydir, &error);
        if (r < 0) {
                fprintf(stderr, "interim-keys: %s\n", error ? error : strerror(-r));
                free(error);
                return EXIT_FAILURE;
        }
        for (size_t i = 0; i < k->n; i++)
                printf("%s %s %s\n", k->keys[i].name, k->keys[i].file.public_key, k->keys[i].file.role);
        keys_free(k);
        return EXIT_SUCCESS;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "role", required_argument, NULL, 'r' },
                { "dir", required_argument, NULL, 'd' },
                { "out", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *role = NULL, *dir = NULL, *out = ".";
        int opt;
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
                switch (opt) {
                case 'r':
                        role = optarg;
                        break;
                case 'd':
                        dir = optarg;
                        break;
                case 'o':
                        out = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        const char *command = optind < argc ? argv[optind] : "";
        int n_args = argc - optind;
        if (dir && strcmp(command, "new") == 0 && n_args == 2 && role) {
                RoleKind kind = role_kind(role);
                if (kind == ROLE_INVALID || kind == ROLE_SERVER) {
                        fprintf(stderr, "interim-keys: bad role '%s': expected site:SITE[,trials=T1;T2], dsmb or open\n",
                                role);
                        return 2;
                }
                const char *name = argv[optind + 1];
                /* The name becomes two file names and the sender column of the store. */
                if (!name[0] || strlen(name) >= 64 || name[0] == '.' ||
                    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(name) ||
                    strcmp(name, "server") == 0) {
                        fprintf(stderr, "interim-keys: bad name '%s': expected up to 63 letters, digits, '.', '_', '-'"
                                        " (not server)\n", name);
                        return 2;
                }
                return make(name, role, dir, out);
        }
        if (dir && strcmp(command, "server") == 0 && n_args == 1 && !role)
                return make("server", "server", dir, dir);
        if (dir && strcmp(command, "list") == 0 && n_args == 1 && !role)
                return list(dir);
        usage(stderr);
        return 2;
}
