/* feeder.c — the window of events in flight: send, match acknowledgements by (site, seq), resend with backoff. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "feeder.h"

/* How soon an event that could not be handed to a connection is tried again. */
#define FEEDER_UNSENT_RETRY_MS 50

typedef struct Slot {
        size_t line;
        char site[FEEDCSV_SITE_MAX + 1];
        uint64_t seq;
        uint8_t *data; /* the packed Event; NULL once answered */
        size_t len;
        int64_t due;    /* when to send it again */
        int backoff_ms; /* the wait after its next send */
        bool sent;
        bool lost;      /* sent on a connection that has ended: to be sent again before any later event */
} Slot;

struct Feeder {
        void *socket;
        void *monitor;  /* PAIR: the socket's ZMQ_EVENT_DISCONNECTED events */
        /* A ring from the oldest unanswered event, slots[head], to the newest; answered ones stay until they are the oldest. */
        Slot *slots;
        size_t size, head, count;
        size_t unanswered, sent, lost;
        FeederAnswerFn fn;
        void *userdata;
};

int64_t feeder_clock_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int feeder_new(Feeder **ret, void *context, void *socket, size_t window, FeederAnswerFn fn, void *userdata) {
        Feeder *f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        *f = (Feeder){ .socket = socket, .size = window, .fn = fn, .userdata = userdata };
        f->slots = calloc(window, sizeof(*f->slots));
        /* One feeder a process: the monitor's address need not be unique beyond it. */
        static const char address[] = "inproc://feeder-monitor";
        int linger = 0;
        if (!f->slots) {
                feeder_free(f);
                return -ENOMEM;
        }
        if (zmq_socket_monitor(socket, address, ZMQ_EVENT_DISCONNECTED) < 0 || !(f->monitor = zmq_socket(context, ZMQ_PAIR)) ||
            zmq_setsockopt(f->monitor, ZMQ_LINGER, &linger, sizeof(linger)) < 0 || zmq_connect(f->monitor, address) < 0) {
                int r = -errno;
                feeder_free(f);
                return r;
        }
        *ret = f;
        return 0;
}

static Slot *slot_at(const Feeder *f, size_t i) {
        return &f->slots[(f->head + i) % f->size];
}

void feeder_free(Feeder *f) {
        if (!f)
                return;
        for (size_t i = 0; f->slots && i < f->count; i++)
                free(slot_at(f, i)->data);
        if (f->monitor) {
                zmq_socket_monitor(f->socket, NULL, 0);
                zmq_close(f->monitor);
        }
        free(f->slots);
        free(f);
}

bool feeder_full(const Feeder *f) {
        return f->count == f->size;
}

size_t feeder_unanswered(const Feeder *f) {
        return f->unanswered;
}

size_t feeder_sent(const Feeder *f) {
        return f->sent;
}

/*
 * Sends an event (again) and schedules the next try.  A send that cannot go (no
 * connection is up, or its queue is full) never reached the daemon: it is tried again
 * soon, without backing off.
 */
static bool transmit(Feeder *f, Slot *s, int64_t now) {
        if (zmq_send(f->socket, s->data, s->len, ZMQ_DONTWAIT) < 0) {
                s->due = now + FEEDER_UNSENT_RETRY_MS;
                return false;
        }
        if (!s->sent) {
                s->sent = true;
                f->sent++;
        }
        if (s->lost) {
                s->lost = false;
                f->lost--;
        }
        s->due = now + s->backoff_ms;
        s->backoff_ms = s->backoff_ms < FEEDER_BACKOFF_MAX_MS / 2 ? 2 * s->backoff_ms : FEEDER_BACKOFF_MAX_MS;
        return true;
}

/*
 * Takes the monitor's events: after a disconnection, every event sent and not answered
 * may never have reached the daemon, and goes again, in order, before any later one.
 * Otherwise a row sent on the new connection could overtake the rows lost with the old
 * (a death before its patient's enrollment), and be refused for good.
 */
static void watch_connection(Feeder *f) {
        zmq_msg_t frame;
        zmq_msg_init(&frame);
        while (zmq_msg_recv(&frame, f->monitor, ZMQ_DONTWAIT) >= 0) {
                bool more = zmq_msg_more(&frame);
                uint16_t event = 0;
                if (zmq_msg_size(&frame) >= sizeof(event))
                        memcpy(&event, zmq_msg_data(&frame), sizeof(event));
                /* The event's second frame names the endpoint. */
                while (more && zmq_msg_recv(&frame, f->monitor, 0) >= 0)
                        more = zmq_msg_more(&frame);
                if (event != ZMQ_EVENT_DISCONNECTED)
                        continue;
                for (size_t i = 0; i < f->count; i++) {
                        Slot *s = slot_at(f, i);
                        if (s->data && s->sent && !s->lost) {
                                s->lost = true;
                                f->lost++;
                        }
                }
        }
        zmq_msg_close(&frame);
}

int feeder_add(Feeder *f, FeedRow *row) {
        if (feeder_full(f))
                return -ENOBUFS;
        Slot *s = slot_at(f, f->count++);
        *s = (Slot){ .line = row->line, .seq = row->seq, .data = row->data, .len = row->len, .backoff_ms = FEEDER_BACKOFF_MS };
        memcpy(s->site, row->site, sizeof(s->site));
        row->data = NULL;
        f->unanswered++;
        /* Events reach the daemon in file order: one waits while an earlier one is unsent, or lost with a connection. */
        watch_connection(f);
        const Slot *before = f->count > 1 ? slot_at(f, f->count - 2) : NULL;
        int64_t now = feeder_clock_ms();
        if ((!before || before->sent) && f->lost == 0)
                transmit(f, s, now);
        else
                s->due = now;
        return 0;
}

/*
 * Gives an acknowledgement to the oldest unanswered event with its key; answers come
 * in order, so that is mostly the first slot.  Returns whether one took it (the
 * answer to a resend finds its event answered already).
 */
static bool answer(Feeder *f, const Interim__Ack *ack) {
        size_t i = 0;
        Slot *s = NULL;
        for (; i < f->count; i++) {
                s = slot_at(f, i);
                if (s->data && s->seq == ack->site_seq && strcmp(s->site, ack->site) == 0)
                        break;
        }
        if (i == f->count)
                return false;
        free(s->data);
        s->data = NULL;
        f->unanswered--;
        if (s->lost) {
                s->lost = false;
                f->lost--;
        }
        f->fn(s->line, ack, f->userdata);
        while (f->count > 0 && !f->slots[f->head].data) {
                f->head = (f->head + 1) % f->size;
                f->count--;
        }
        return true;
}

/* Takes every acknowledgement waiting; returns how many events they answered, or a negative errno. */
static int receive(Feeder *f) {
        int answered = 0;
        for (;;) {
                zmq_msg_t msg;
                zmq_msg_init(&msg);
                if (zmq_msg_recv(&msg, f->socket, ZMQ_DONTWAIT) < 0) {
                        int r = errno;
                        zmq_msg_close(&msg);
                        return r == EAGAIN || r == EINTR ? answered : -r;
                }
                /* An acknowledgement is a single frame: frames before the last of a message are passed over. */
                Interim__Ack *ack = zmq_msg_more(&msg) ? NULL
                                                       : interim__ack__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
                zmq_msg_close(&msg);
                if (ack && answer(f, ack))
                        answered++;
                interim__ack__free_unpacked(ack, NULL);
        }
}

int feeder_run(Feeder *f, int wait_ms) {
        int64_t now = feeder_clock_ms();
        for (size_t i = 0; i < f->count; i++) {
                const Slot *s = slot_at(f, i);
                if (s->data && s->due - now < wait_ms)
                        wait_ms = s->due > now ? (int)(s->due - now) : 0;
        }
        zmq_pollitem_t item = { .socket = f->socket, .events = ZMQ_POLLIN };
        if (zmq_poll(&item, 1, wait_ms) < 0 && errno != EINTR)
                return -errno;
        int answered = receive(f);
        if (answered < 0)
                return answered;
        /*
         * In order: a first send waits for every earlier one, and a resend (when due, or
         * at once for an event lost with its connection) goes back over every later event
         * sent (go-back-N), so that the daemon sees the events again in file order; it
         * answers repeats as duplicates.  A send that cannot go stops the round: none
         * after it may overtake it.
         */
        watch_connection(f);
        now = feeder_clock_ms();
        bool again = false;
        for (size_t i = 0; i < f->count; i++) {
                Slot *s = slot_at(f, i);
                if (!s->data)
                        continue;
                if (!s->sent && s->due > now)
                        break; /* waiting to be sent: so are the events after it */
                if (s->sent && !s->lost && !again && s->due > now)
                        continue;
                bool resend = s->sent;
                if (!transmit(f, s, now))
                        break;
                again = again || resend;
        }
        return answered;
}
