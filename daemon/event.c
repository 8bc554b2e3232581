/* event.c — from a wire Event to a trial's facts, retractions and looks. */
#include <errno.h>
#include <string.h>

#include "event.h"
#include "interim/date.h"
#include "interim/text.h"

bool event_has_key(const Interim__Event *e) {
        /* The site goes back in the Ack, a protobuf string: UTF-8. */
        size_t n = strlen(e->site);
        return n <= EVENT_SITE_MAX && text_name(e->site, n) && e->site_seq >= 1 && e->site_seq <= INT64_MAX;
}

/* The fact a body states, or EVENT_KINDS when the body is not a fact. */
static EventKind fact_kind(const Interim__Event *e) {
        switch (e->body_case) {
        case INTERIM__EVENT__BODY_ENROLL:
                return EVENT_ENROLL;
        case INTERIM__EVENT__BODY_CONTACT:
                return EVENT_CONTACT;
        case INTERIM__EVENT__BODY_PROGRESSION:
                switch (e->progression->kind) {
                case INTERIM__PROGRESSION_KIND__LOCOREGIONAL:
                        return EVENT_PROGRESSION_LOCOREGIONAL;
                case INTERIM__PROGRESSION_KIND__DISTANT:
                        return EVENT_PROGRESSION_DISTANT;
                default:
                        return EVENT_KINDS;
                }
        case INTERIM__EVENT__BODY_DEATH:
                return EVENT_DEATH;
        case INTERIM__EVENT__BODY_WITHDRAW:
                return EVENT_WITHDRAW;
        default:
                return EVENT_KINDS;
        }
}

static const char *const fact_names[EVENT_KINDS] = {
        [EVENT_ENROLL] = "enroll",
        [EVENT_CONTACT] = "contact",
        [EVENT_PROGRESSION_LOCOREGIONAL] = "progression:locoregional",
        [EVENT_PROGRESSION_DISTANT] = "progression:distant",
        [EVENT_DEATH] = "death",
        [EVENT_WITHDRAW] = "withdraw",
};

Interim__Reason event_parse(const Interim__Event *e, ParsedEvent *ret) {
        *ret = (ParsedEvent){ 0 };
        if (!e->trial[0])
                return INTERIM__REASON__MALFORMED;
        if (e->body_case == INTERIM__EVENT__BODY_RETRACT) {
                if (e->retract->site_seq < 1 || e->retract->site_seq > INT64_MAX)
                        return INTERIM__REASON__MALFORMED;
                ret->action = ACTION_RETRACT;
                ret->kind = "retract";
                ret->target = e->retract->site_seq;
                return INTERIM__REASON__REASON_NONE;
        }
        if (e->body_case == INTERIM__EVENT__BODY_LOOK) {
                if (e->look->look < 1)
                        return INTERIM__REASON__MALFORMED;
                ret->action = ACTION_LOOK;
                ret->kind = "look";
                ret->look = e->look->look;
        } else {
                EventKind k = fact_kind(e);
                if (k == EVENT_KINDS)
                        return INTERIM__REASON__MALFORMED;
                ret->action = ACTION_FACT;
                ret->kind = fact_names[k];
                ret->fact = (TrialEvent){ .kind = k, .patient = e->patient };
                if (k == EVENT_ENROLL) {
                        ret->fact.arm = e->enroll->arm;
                        ret->fact.stratum = e->enroll->stratum;
                }
        }
        if (date_parse(e->date, &ret->fact.date) < 0)
                return INTERIM__REASON__BAD_DATE;
        return INTERIM__REASON__REASON_NONE;
}

int event_apply(Trial *t, const ParsedEvent *e, const ParsedEvent *target, int32_t today) {
        switch (e->action) {
        case ACTION_FACT:
                return trial_apply(t, &e->fact, today);
        case ACTION_RETRACT:
                return trial_retract(t, &target->fact);
        case ACTION_LOOK:
                return trial_look(t, e->look, e->fact.date, today);
        }
        return -EINVAL;
}

int event_load(const StoreEvent *row, void *userdata) {
        StoredEvent *s = userdata;
        stored_event_deinit(s);
        s->store_seq = row->store_seq;
        s->retracted = row->retracted;
        arena_init(&s->arena, s->space, sizeof(s->space));
        s->event = interim__event__unpack(&s->arena.allocator, row->payload_len, row->payload);
        if (!s->event || event_parse(s->event, &s->parsed) != INTERIM__REASON__REASON_NONE)
                return -EBADMSG;
        return 0;
}

void stored_event_deinit(StoredEvent *s) {
        if (!s)
                return;
        arena_free_message(&s->arena, (ProtobufCMessage *)s->event);
        *s = (StoredEvent){ 0 };
}

int32_t event_today(int64_t server_time) {
        return (int32_t)(server_time / INT64_C(86400000000));
}

const char *reason_str(Interim__Reason r) {
        switch (r) {
        case INTERIM__REASON__MALFORMED:
                return "not a decodable Event, or a required field missing";
        case INTERIM__REASON__UNKNOWN_TRIAL:
                return "unknown trial";
        case INTERIM__REASON__BAD_DATE:
                return "date not a real YYYY-MM-DD";
        case INTERIM__REASON__RETRACT_UNKNOWN:
                return "no accepted event of this site and trial with that site_seq";
        case INTERIM__REASON__RETRACT_INVALID:
                return "the event retracted is a retraction, a look, or already retracted";
        case INTERIM__REASON__SITE_NOT_ALLOWED:
                return "the sender may not speak for this site or trial";
        default:
                return trial_reject_str((TrialReject)r);
        }
}
