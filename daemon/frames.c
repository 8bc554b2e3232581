/* frames.c — receiving a request and naming its sender; packing protobuf messages into zmq messages and sending them under a topic. */
#include <errno.h>
#include <string.h>

#include "frames.h"

int frames_receive(void *socket, zmq_msg_t *ret_identity, bool *ret_delimiter, zmq_msg_t *ret_payload, bool *ret_extra) {
        zmq_msg_init(ret_identity);
        zmq_msg_init(ret_payload);
        *ret_delimiter = false;
        *ret_extra = false;
        if (zmq_msg_recv(ret_identity, socket, ZMQ_DONTWAIT) < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        /* The other frames of a message arrive with its first. */
        bool have_payload = false;
        for (bool more = zmq_msg_more(ret_identity); more;) {
                zmq_msg_t frame;
                zmq_msg_init(&frame);
                if (zmq_msg_recv(&frame, socket, 0) < 0) {
                        zmq_msg_close(&frame);
                        return -errno;
                }
                more = zmq_msg_more(&frame);
                if (!have_payload && !*ret_delimiter && zmq_msg_size(&frame) == 0 && more)
                        *ret_delimiter = true;
                else if (!have_payload) {
                        zmq_msg_move(ret_payload, &frame);
                        have_payload = true;
                } else
                        *ret_extra = true;
                zmq_msg_close(&frame);
        }
        return 1;
}

const char *frames_sender(zmq_msg_t *msg, bool authenticated) {
        const char *s = authenticated ? zmq_msg_gets(msg, "Key-Name") : NULL;
        if (!s)
                s = zmq_msg_gets(msg, "Peer-Address");
        return s ? s : "";
}

int frames_pack(const ProtobufCMessage *m, zmq_msg_t *ret) {
        if (zmq_msg_init_size(ret, protobuf_c_message_get_packed_size(m)) < 0)
                return -ENOMEM;
        protobuf_c_message_pack(m, zmq_msg_data(ret));
        return 0;
}

int frames_send(void *socket, const char *topic, zmq_msg_t *body, int flags) {
        zmq_msg_t copy;
        zmq_msg_init(&copy);
        /* The content is reference-counted: a publication goes to every socket without a copy. */
        if (zmq_msg_copy(&copy, body) < 0)
                return -errno;
        /* Once the first frame is queued, libzmq takes the others of the message. */
        if (zmq_send(socket, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
            zmq_msg_send(&copy, socket, flags | ZMQ_DONTWAIT) < 0) {
                int r = -errno;
                zmq_msg_close(&copy);
                return r;
        }
        return 0;
}

int frames_send_message(void *socket, const char *topic, const ProtobufCMessage *m) {
        zmq_msg_t body;
        int r = frames_pack(m, &body);
        if (r < 0)
                return r;
        r = frames_send(socket, topic, &body, 0);
        zmq_msg_close(&body);
        return r;
}
