/* config.h — the daemon's configuration file: its sockets and store, and each trial's definition. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "interim/options.h"
#include "interim/trial.h"

/* One [trial] section with its [endpoint] and [design] sections. */
typedef struct TrialConfig {
        TrialSpec spec;
        ReportOptions report;
        bool has_design;
        DesignOptions design;
} TrialConfig;

/* The whole file: [daemon] and every trial, in file order. */
typedef struct Config {
        char *state_dir;
        char *ingest;
        char *snapshot;      /* NULL when not configured, as the two below */
        char *publish;
        char *publish_open;
        char *keys_dir;      /* directory of authorized public keys; NULL (with secret_key): no CURVE */
        char *secret_key;    /* the daemon's key pair */
        uint32_t publish_interval_ms;
        size_t max_message_bytes;
        size_t batch_max;
        size_t n_trials;
        TrialConfig *trials;
} Config;

/*
 * Reads and checks the configuration file at path.  On success returns 0 and the
 * configuration in *ret.  If the file is unreadable or wrong, returns -EINVAL (or the
 * errno of the failed open, negative) and, unless out of memory, a message
 * "PATH:LINE: reason" (or "PATH: reason") in *ret_error for the caller to free;
 * nothing of the file is kept then.
 */
int config_load(Config **ret, const char *path, char **ret_error);

/*
 * Copies a trial's definition into *ret.  Returns 0, -ENOMEM, or -EINVAL for a
 * definition that trial_new() would refuse (config_load() never returns one).
 */
int config_trial_copy(TrialConfig *ret, const TrialConfig *t);

/* Frees what a trial's definition holds (as config_free() does for each of its trials); accepts NULL and a zeroed one. */
void config_trial_deinit(TrialConfig *t);

/* Frees a configuration; accepts NULL. */
void config_free(Config *c);
