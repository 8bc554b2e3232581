/* zap.h — CurveZMQ authentication: the daemon's ZAP handler, which admits the authorized keys to the sockets their roles may use. */
#pragma once

#include "config.h"

typedef struct Zap Zap;

/* The ZAP domains of the daemon's sockets: each admits its own roles. */
#define ZAP_INGEST "ingest"             /* site keys */
#define ZAP_PUBLISH "publish"           /* dsmb keys: arm-level statistics */
#define ZAP_PUBLISH_OPEN "publish_open" /* every client key */
#define ZAP_SNAPSHOT "snapshot"         /* dsmb and open keys (arm-level answers for dsmb only) */

/*
 * With keys configured (c->keys_dir and c->secret_key), reads the daemon's key pair and
 * the authorized keys and binds the ZAP handler's socket in zmq_context; without,
 * returns 0 and NULL in *ret.  Must be called before any server socket is bound.
 * Returns 0 or a negative errno, with a description in *ret_error (caller frees).
 */
int zap_new(Zap **ret, void *zmq_context, const Config *c, char **ret_error);

/* Closes the handler's socket; accepts NULL. */
void zap_free(Zap *z);

/* The handler's socket, to poll; NULL when z is NULL. */
void *zap_socket(const Zap *z);

/*
 * Makes socket (not yet bound) a CURVE server whose peers the handler admits under
 * domain.  A NULL z leaves the socket as it is.  Returns 0 or a negative errno.
 */
int zap_secure(const Zap *z, void *socket, const char *domain);

/* Answers every ZAP request waiting, without blocking. */
void zap_serve(Zap *z);
