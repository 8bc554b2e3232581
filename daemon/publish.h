/* publish.h — the PUB sockets: each topic's statistics, arm-level to the DSMB and pooled to the open channel, and heartbeats. */
#pragma once

#include <stdint.h>

#include "config.h"
#include "topics.h"
#include "zap.h"

/* How often a heartbeat goes out on both sockets. */
#define PUBLISH_HEARTBEAT_MS 1000

/* Messages queued for one subscriber before the socket drops its publications (it resynchronises). */
#define PUBLISH_HWM 100

/* How long closing waits for publications still queued to reach their subscribers. */
#define PUBLISH_LINGER_MS 1000

/*
 * The largest message a subscriber may send: a subscription is one byte and a topic
 * prefix (a topic is at most 64 + 1 + 64 bytes), and CURVE's handshake takes a few
 * hundred.  libzmq keeps every subscription; a longer one drops the subscriber's
 * connection instead.
 */
#define PUBLISH_MAX_SUBSCRIPTION 1024

typedef struct Publisher Publisher;

/*
 * Binds a PUB socket at c->publish (arm-level) and one at c->publish_open (pooled),
 * those configured, CURVE servers when zap is set (arm-level for dsmb keys only).
 * started (microseconds since 1970) goes into every heartbeat.  Returns 0 or a negative
 * errno, with the endpoint that failed in *ret_endpoint.
 */
int publish_new(Publisher **ret, void *zmq_context, const Config *c, const Zap *zap, int64_t started,
                const char **ret_endpoint);

/* Closes the sockets, giving queued publications at most PUBLISH_LINGER_MS to go out; accepts NULL. */
void publish_free(Publisher *p);

/*
 * Sends the topics updated last (ts->updated): each as two frames, its name and its
 * Statistics, arm-level on publish and pooled on publish_open.  Never blocks: a
 * subscriber that is behind by PUBLISH_HWM messages loses publications.
 */
void publish_topics(Publisher *p, const Topics *ts);

/* Sends a heartbeat (topic TOPIC_HEARTBEAT, an interim.Heartbeat) on both sockets; now in microseconds since 1970. */
void publish_heartbeat(Publisher *p, int64_t now);
