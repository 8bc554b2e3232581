/* daemon.h — interimd's life: rebuild the trials from the store, bind the sockets, publish and serve until a signal. */
#pragma once

#include "config.h"

/*
 * Runs the daemon with configuration c, read from config_path, until SIGTERM or SIGINT
 * (then exits once the batch in hand is stored and acknowledged).  SIGHUP reads the
 * file's trials again (reload_merge()): c's trials change then, and stay c's.  Logs
 * why it stops.  Returns the process exit status: EXIT_SUCCESS after a signal,
 * EXIT_FAILURE when it cannot start or its store fails (a restart replays the store
 * and rebuilds the state).
 */
int daemon_run(const char *config_path, Config *c);
