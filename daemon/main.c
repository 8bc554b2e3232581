/* main.c — interimd's command line: run the daemon, check a configuration file, verify or export a store's audit trail, or copy a store. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interim/numeric.h"
#include "audit.h"
#include "backup.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "trials.h"

static void usage(FILE *f) {
        fputs("Usage: interimd --config FILE        run the daemon\n"
              "       interimd --check-config FILE  check the configuration file and exit\n"
              "       interimd --verify STATE_DIR   check the hash chains of a stopped daemon's store\n"
              "       interimd --export STATE_DIR --trial T\n"
              "                                     write the audit trail of trial T as CSV\n"
              "       interimd --backup STATE_DIR DEST\n"
              "                                     copy the store, running or not, into the new directory DEST\n"
              "       interimd --help | --version\n",
              f);
}

/* Checks what the daemon would: the file, then that the library takes every trial. */
static int check(const char *path) {
        Config *c = NULL;
        char *error = NULL;
        int r = config_load(&c, path, &error);
        if (r < 0) {
                fprintf(stderr, "%s\n", error ? error : strerror(-r));
                free(error);
                return EXIT_FAILURE;
        }
        Trials *trials = NULL;
        r = trials_new(&trials, c);
        if (r < 0)
                fprintf(stderr, "%s: %s\n", path, r == -EINVAL ? "a trial definition is inconsistent" : strerror(-r));
        else
                printf("%s: valid, %zu trial%s\n", path, c->n_trials, c->n_trials == 1 ? "" : "s");
        trials_free(trials);
        config_free(c);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int run(const char *path) {
        Config *c = NULL;
        char *error = NULL;
        int r = config_load(&c, path, &error);
        if (r < 0) {
                log_error("%s", error ? error : strerror(-r));
                free(error);
                return EXIT_FAILURE;
        }
        int status = daemon_run(path, c);
        config_free(c);
        return status;
}

/* --verify (trial and dest NULL), --export (trial) or --backup (dest): exit 0, or 1 with the reason on stderr. */
static int audit(const char *state_dir, const char *trial, const char *dest) {
        char *error = NULL;
        int r = trial  ? audit_export(state_dir, trial, stdout, &error)
                : dest ? backup_store(state_dir, dest, stdout, &error)
                       : audit_verify(state_dir, stdout, &error);
        /* A row that does not verify was reported on stdout; anything else, such as a chain whose end cannot be opened, is said here. */
        if (r < 0 && (error || r != -EBADMSG))
                fprintf(stderr, "%s\n", error ? error : strerror(-r));
        free(error);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "check-config", required_argument, NULL, 'C' },
                { "verify", required_argument, NULL, 'v' },
                { "export", required_argument, NULL, 'e' },
                { "backup", required_argument, NULL, 'b' },
                { "trial", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { 0 },
        };
        const char *config = NULL, *check_path = NULL, *verify = NULL, *export = NULL, *backup = NULL, *trial = NULL;
        int opt;
        numeric_init(); /* GSL reports failures as status codes instead of aborting */
        while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
                switch (opt) {
                case 'c':
                        config = optarg;
                        break;
                case 'C':
                        check_path = optarg;
                        break;
                case 'v':
                        verify = optarg;
                        break;
                case 'e':
                        export = optarg;
                        break;
                case 'b':
                        backup = optarg;
                        break;
                case 't':
                        trial = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                case 'V':
                        puts("interimd " INTERIMD_VERSION);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        int n_modes = !!config + !!check_path + !!verify + !!export + !!backup;
        /* --backup's DEST is the one argument left. */
        if (argc - optind != !!backup || n_modes != 1 || !export != !trial) {
                usage(stderr);
                return 2;
        }
        if (verify || export || backup)
                return audit(verify ? verify : export ? export : backup, trial, backup ? argv[optind] : NULL);
        return check_path ? check(check_path) : run(config);
}
