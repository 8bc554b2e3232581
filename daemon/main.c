/* main.c — interimd's command line: run the daemon, or only check a configuration file. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interim/numeric.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "trials.h"

static void usage(FILE *f) {
        fputs("Usage: interimd --config FILE        run the daemon\n"
              "       interimd --check-config FILE  check the configuration file and exit\n"
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

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "check-config", required_argument, NULL, 'C' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { 0 },
        };
        const char *config = NULL, *check_path = NULL;
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
        if (optind < argc || !config == !check_path) {
                usage(stderr);
                return 2;
        }
        return check_path ? check(check_path) : run(config);
}
