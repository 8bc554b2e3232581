/* frames.h — protobuf messages in ZeroMQ frames: a request received and its sender, packing, and the two-frame messages (topic, body) sent to monitors. */
#pragma once

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <zmq.h>

/*
 * Receives one request on a ROUTER without waiting: the sender's identity, whether an
 * empty delimiter frame came before the payload (a REQ socket's envelope, to be sent
 * back the same way), and the payload; *ret_extra tells of frames after the payload.
 * *ret_identity and *ret_payload are initialised either way (the caller closes them).  Returns
 * 1, 0 when nothing is waiting, or a negative errno.
 */
int frames_receive(void *socket, zmq_msg_t *ret_identity, bool *ret_delimiter, zmq_msg_t *ret_payload, bool *ret_extra);

/*
 * Who sent a received message: the name of its key when CURVE authenticated it
 * (authenticated: the socket has a ZAP handler), else the peer's address, else "".
 * Without a handler a client may put any Key-Name into its own handshake.
 */
const char *frames_sender(zmq_msg_t *msg, bool authenticated);

/* Packs a protobuf-c message into a new zmq message.  Returns 0 or -ENOMEM. */
int frames_pack(const ProtobufCMessage *m, zmq_msg_t *ret);

/*
 * Sends the frames topic and body (shared, not copied: body stays the caller's) on
 * socket without blocking; flags may add ZMQ_SNDMORE to the body.  A ROUTER's caller
 * has sent the peer's identity first.  Returns 0, or a negative errno (-EAGAIN: the
 * peer's queue is full; nothing was sent).
 */
int frames_send(void *socket, const char *topic, zmq_msg_t *body, int flags);

/* Packs m and sends it as frames_send() does.  Returns as frames_send(), or -ENOMEM. */
int frames_send_message(void *socket, const char *topic, const ProtobufCMessage *m);
