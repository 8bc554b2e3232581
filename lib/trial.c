/* trial.c — a trial's live state: patients and their facts, moved one at a time in each endpoint's risk set. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "interim/trial.h"

/* A fact packs its date (days since randomization) above its EventKind. */
#define FACT(kind, day) ((uint32_t)(day) << 3 | (uint32_t)(kind))
#define FACT_KIND(f) ((EventKind)((f)&7u))
#define FACT_DAY(f) ((int32_t)((f) >> 3))

typedef struct Patient {
        uint32_t id;         /* offset of the NUL-terminated identifier in Trial.ids */
        int32_t randomized;  /* date of randomization, days since 1970-01-01 */
        uint16_t arm;        /* ARM_NONE while not enrolled (an enrollment was retracted) */
        uint16_t stratum;
        uint16_t n_facts, cap_facts;
        uint32_t *facts;     /* every applied fact but the enrollment, FACT()-packed */
} Patient;

#define ARM_NONE UINT16_MAX

struct Trial {
        TrialSpec spec;
        size_t n_cells_strata; /* strata in the risk sets: at least one */
        RiskSet *risksets;     /* [spec.n_endpoints] */
        Patient *patients;
        size_t n_patients, cap_patients;
        size_t *enrolled;      /* [n_arms] */
        uint32_t *slots;       /* open-addressing table of patient index + 1; 0 is empty */
        size_t n_slots;        /* a power of two, at least twice n_patients */
        char *ids;
        size_t ids_len, ids_cap;
        TrialLook *looks;
        size_t n_looks;
};

static const char *const reject_text[TRIAL_REJECT_MAX] = {
        [TRIAL_OK] = "accepted",
        [TRIAL_REJECT_UNKNOWN_ARM] = "unknown arm",
        [TRIAL_REJECT_UNKNOWN_STRATUM] = "unknown stratum",
        [TRIAL_REJECT_MISSING_STRATUM] = "stratum missing in a stratified trial",
        [TRIAL_REJECT_NOT_ENROLLED] = "patient not enrolled",
        [TRIAL_REJECT_ENROLLED_TWICE] = "patient already enrolled",
        [TRIAL_REJECT_BEFORE_RANDOMIZATION] = "date before randomization",
        [TRIAL_REJECT_AFTER_DEATH] = "date after the patient's death",
        [TRIAL_REJECT_AFTER_WITHDRAWAL] = "date after the patient's withdrawal",
        [TRIAL_REJECT_FUTURE_DATE] = "date in the future",
        [TRIAL_REJECT_NO_SUCH_FACT] = "no such event to retract",
        [TRIAL_REJECT_HAS_FOLLOWUP] = "enrollment retracted while follow-up remains",
        [TRIAL_REJECT_BAD_PATIENT] = "patient identifier empty, too long or not a name (UTF-8 in NFC, nothing blank or invisible)",
        [TRIAL_REJECT_CONTRADICTS_LATER] = "contradicts later follow-up of the patient",
        [TRIAL_REJECT_DUPLICATE_FACT] = "patient already has this event",
        [TRIAL_REJECT_LOOK_ORDER] = "look numbers must grow by one and data cuts may not go back",
};

const char *trial_reject_str(TrialReject r) {
        if ((unsigned)r >= TRIAL_REJECT_MAX)
                return "unknown rejection";
        return reject_text[r];
}

/* ---- the spec ---- */

static void names_free(char **names, size_t n) {
        for (size_t i = 0; names && i < n; i++)
                free(names[i]);
        free(names);
}

void trial_spec_deinit(TrialSpec *s) {
        free(s->name);
        names_free(s->arms, s->n_arms);
        names_free(s->strata, s->n_strata);
        for (size_t i = 0; s->endpoints && i < s->n_endpoints; i++)
                free(s->endpoints[i].name);
        free(s->endpoints);
        *s = (TrialSpec){ 0 };
}

static int names_copy(char ***ret, char *const *src, size_t n) {
        if (n == 0)
                return 0;
        char **names = calloc(n, sizeof(*names));
        if (!names)
                return -ENOMEM;
        *ret = names;
        for (size_t i = 0; i < n; i++) {
                if (!src[i] || !*src[i])
                        return -EINVAL;
                for (size_t j = 0; j < i; j++)
                        if (strcmp(src[i], src[j]) == 0)
                                return -EINVAL;
                names[i] = strdup(src[i]);
                if (!names[i])
                        return -ENOMEM;
        }
        return 0;
}

bool trial_names_equal(char *const *a, size_t n_a, char *const *b, size_t n_b) {
        if (n_a != n_b)
                return false;
        for (size_t i = 0; i < n_a; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return true;
}

bool trial_spec_equal(const TrialSpec *a, const TrialSpec *b) {
        if (strcmp(a->name, b->name) != 0 || !trial_names_equal(a->arms, a->n_arms, b->arms, b->n_arms) ||
            !trial_names_equal(a->strata, a->n_strata, b->strata, b->n_strata) || a->n_endpoints != b->n_endpoints)
                return false;
        for (size_t i = 0; i < a->n_endpoints; i++) {
                const EndpointSpec *x = &a->endpoints[i], *y = &b->endpoints[i];
                if (strcmp(x->name, y->name) != 0 || x->events != y->events || x->competing != y->competing)
                        return false;
        }
        return true;
}

/* Copies src into dst, which may be left half made (its counts set, each pointer NULL or owned). */
static int spec_copy(TrialSpec *dst, const TrialSpec *src) {
        *dst = (TrialSpec){ .n_arms = src->n_arms, .n_strata = src->n_strata, .n_endpoints = src->n_endpoints };
        if (!src->name || !*src->name || src->n_arms == 0 || src->n_arms >= ARM_NONE ||
            src->n_strata >= UINT16_MAX || src->n_endpoints == 0 || src->n_endpoints > TRIAL_MAX_ENDPOINTS)
                return -EINVAL;
        dst->name = strdup(src->name);
        dst->endpoints = calloc(src->n_endpoints, sizeof(*dst->endpoints));
        if (!dst->name || !dst->endpoints)
                return -ENOMEM;
        int r = names_copy(&dst->arms, src->arms, src->n_arms);
        if (r == 0)
                r = names_copy(&dst->strata, src->strata, src->n_strata);
        for (size_t i = 0; r == 0 && i < src->n_endpoints; i++) {
                const EndpointSpec *e = &src->endpoints[i];
                const uint32_t allowed = EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL) |
                                         EVENT_BIT(EVENT_PROGRESSION_DISTANT) | EVENT_BIT(EVENT_DEATH);
                if (!e->name || !*e->name || e->events == 0 || (e->events & e->competing) ||
                    ((e->events | e->competing) & ~allowed))
                        return -EINVAL;
                for (size_t j = 0; j < i; j++)
                        if (strcmp(e->name, src->endpoints[j].name) == 0)
                                return -EINVAL;
                dst->endpoints[i] = *e;
                dst->endpoints[i].name = strdup(e->name);
                if (!dst->endpoints[i].name)
                        r = -ENOMEM;
        }
        return r;
}

int trial_spec_copy(TrialSpec *ret, const TrialSpec *src) {
        int r = spec_copy(ret, src);
        if (r < 0)
                trial_spec_deinit(ret);
        return r;
}

/* ---- life cycle ---- */

int trial_new(Trial **ret, const TrialSpec *spec) {
        Trial *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        int r = trial_spec_copy(&t->spec, spec);
        if (r < 0)
                goto fail;
        t->n_cells_strata = spec->n_strata ? spec->n_strata : 1;
        r = -ENOMEM;
        t->risksets = calloc(spec->n_endpoints, sizeof(*t->risksets));
        t->enrolled = calloc(spec->n_arms, sizeof(*t->enrolled));
        t->n_slots = 1024;
        t->slots = calloc(t->n_slots, sizeof(*t->slots));
        if (!t->risksets || !t->enrolled || !t->slots)
                goto fail;
        for (size_t i = 0; i < spec->n_endpoints; i++) {
                r = riskset_init(&t->risksets[i], t->n_cells_strata, spec->n_arms);
                if (r < 0)
                        goto fail;
        }
        *ret = t;
        return 0;
fail:
        trial_free(t);
        return r;
}

static void looks_tables_free(SurvTable *tables, size_t n) {
        for (size_t i = 0; tables && i < n; i++)
                survtable_deinit(&tables[i]);
        free(tables);
}

void trial_free(Trial *t) {
        if (!t)
                return;
        for (size_t i = 0; t->risksets && i < t->spec.n_endpoints; i++)
                riskset_deinit(&t->risksets[i]);
        free(t->risksets);
        for (size_t i = 0; i < t->n_patients; i++)
                free(t->patients[i].facts);
        free(t->patients);
        free(t->enrolled);
        free(t->slots);
        free(t->ids);
        for (size_t i = 0; i < t->n_looks; i++)
                looks_tables_free(t->looks[i].tables, t->spec.n_endpoints);
        free(t->looks);
        trial_spec_deinit(&t->spec);
        free(t);
}

const TrialSpec *trial_spec(const Trial *t) {
        return &t->spec;
}

size_t trial_enrolled(const Trial *t, int arm) {
        if (arm >= 0)
                return (size_t)arm < t->spec.n_arms ? t->enrolled[arm] : 0;
        size_t n = 0;
        for (size_t a = 0; a < t->spec.n_arms; a++)
                n += t->enrolled[a];
        return n;
}

const RiskSet *trial_riskset(const Trial *t, size_t endpoint) {
        return endpoint < t->spec.n_endpoints ? &t->risksets[endpoint] : NULL;
}

/* ---- patients by identifier ---- */

static uint64_t hash_id(const char *s) {
        uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
        return h;
}

/* The slot holding id, or the empty slot where it would go. */
static size_t slot_of(const Trial *t, const char *id) {
        size_t mask = t->n_slots - 1;
        for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask)
                if (t->slots[i] == 0 || strcmp(t->ids + t->patients[t->slots[i] - 1].id, id) == 0)
                        return i;
}

static Patient *patient_find(const Trial *t, const char *id) {
        uint32_t s = t->slots[slot_of(t, id)];
        return s ? &t->patients[s - 1] : NULL;
}

static bool patient_id_valid(const char *id) {
        size_t n = 0;
        for (; id && id[n]; n++)
                if ((unsigned char)id[n] <= ' ' || (unsigned char)id[n] == 0x7f)
                        return false;
        return n > 0 && n <= TRIAL_PATIENT_ID_MAX;
}

static int grow_slots(Trial *t) {
        size_t n = t->n_slots * 2;
        uint32_t *slots = calloc(n, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        free(t->slots);
        t->slots = slots;
        t->n_slots = n;
        for (size_t p = 0; p < t->n_patients; p++)
                t->slots[slot_of(t, t->ids + t->patients[p].id)] = (uint32_t)p + 1;
        return 0;
}

/* Adds a patient record (not yet enrolled) for id.  Returns it or NULL on ENOMEM. */
static Patient *patient_add(Trial *t, const char *id) {
        if (2 * (t->n_patients + 1) > t->n_slots && grow_slots(t) < 0)
                return NULL;
        size_t len = strlen(id) + 1;
        if (t->ids_len + len > t->ids_cap) {
                size_t cap = t->ids_cap ? 2 * t->ids_cap : 4096;
                while (cap < t->ids_len + len)
                        cap *= 2;
                char *ids = realloc(t->ids, cap);
                if (!ids)
                        return NULL;
                t->ids = ids;
                t->ids_cap = cap;
        }
        if (t->n_patients == t->cap_patients) {
                size_t cap = t->cap_patients ? 2 * t->cap_patients : 256;
                Patient *p = realloc(t->patients, cap * sizeof(*p));
                if (!p)
                        return NULL;
                t->patients = p;
                t->cap_patients = cap;
        }
        Patient *p = &t->patients[t->n_patients];
        *p = (Patient){ .id = (uint32_t)t->ids_len, .arm = ARM_NONE };
        memcpy(t->ids + t->ids_len, id, len);
        t->ids_len += len;
        t->slots[slot_of(t, id)] = (uint32_t)++t->n_patients;
        return p;
}

/* ---- outcomes ---- */

/* How a patient's follow-up for endpoint e ends, using the facts dated on or before cut (days since randomization). */
static void outcome_of(const Patient *p, const EndpointSpec *e, int32_t cut, int32_t *ret_day, Outcome *ret_outcome) {
        int32_t event = INT32_MAX, competing = INT32_MAX, last = 0;
        for (size_t i = 0; i < p->n_facts; i++) {
                EventKind k = FACT_KIND(p->facts[i]);
                int32_t day = FACT_DAY(p->facts[i]);
                if (day > cut)
                        continue;
                if ((e->events & EVENT_BIT(k)) && day < event)
                        event = day;
                if ((e->competing & EVENT_BIT(k)) && day < competing)
                        competing = day;
                if (day > last)
                        last = day;
        }
        /* An event of interest on the day of a competing event counts as the event. */
        if (event <= competing && event != INT32_MAX) {
                *ret_day = event;
                *ret_outcome = OUTCOME_EVENT;
        } else if (competing != INT32_MAX) {
                *ret_day = competing;
                *ret_outcome = OUTCOME_COMPETING;
        } else {
                *ret_day = last;
                *ret_outcome = OUTCOME_CENSORED;
        }
}

/* ---- rules ---- */

static bool stratum_index(const TrialSpec *s, const char *name, uint16_t *ret) {
        if (s->n_strata == 0) {
                *ret = 0;
                return !name || !*name;
        }
        for (size_t i = 0; i < s->n_strata; i++)
                if (strcmp(s->strata[i], name) == 0) {
                        *ret = (uint16_t)i;
                        return true;
                }
        return false;
}

static TrialReject check_enroll(const Trial *t, const Patient *p, const TrialEvent *e, uint16_t *ret_arm,
                                uint16_t *ret_stratum) {
        if (p && p->arm != ARM_NONE)
                return TRIAL_REJECT_ENROLLED_TWICE;
        size_t a = 0;
        while (a < t->spec.n_arms && (!e->arm || strcmp(t->spec.arms[a], e->arm) != 0))
                a++;
        if (a == t->spec.n_arms)
                return TRIAL_REJECT_UNKNOWN_ARM;
        *ret_arm = (uint16_t)a;
        if (t->spec.n_strata > 0 && (!e->stratum || !*e->stratum))
                return TRIAL_REJECT_MISSING_STRATUM;
        if (!stratum_index(&t->spec, e->stratum, ret_stratum))
                return TRIAL_REJECT_UNKNOWN_STRATUM;
        return TRIAL_OK;
}

static TrialReject check_followup(const Patient *p, EventKind kind, int32_t day) {
        if (day < 0)
                return TRIAL_REJECT_BEFORE_RANDOMIZATION;
        for (size_t i = 0; i < p->n_facts; i++) {
                EventKind k = FACT_KIND(p->facts[i]);
                int32_t d = FACT_DAY(p->facts[i]);
                if (k == kind && (kind == EVENT_DEATH || kind == EVENT_WITHDRAW))
                        return TRIAL_REJECT_DUPLICATE_FACT;
                if (k == EVENT_DEATH && day > d)
                        return TRIAL_REJECT_AFTER_DEATH;
                if (k == EVENT_WITHDRAW && day > d)
                        return TRIAL_REJECT_AFTER_WITHDRAWAL;
                if ((kind == EVENT_DEATH || kind == EVENT_WITHDRAW) && d > day)
                        return TRIAL_REJECT_CONTRADICTS_LATER;
        }
        return TRIAL_OK;
}

static TrialReject check(const Trial *t, const TrialEvent *e, int32_t today, Patient **ret_patient,
                         uint16_t *ret_arm, uint16_t *ret_stratum) {
        if (!patient_id_valid(e->patient))
                return TRIAL_REJECT_BAD_PATIENT;
        if (e->date > today)
                return TRIAL_REJECT_FUTURE_DATE;
        Patient *p = patient_find(t, e->patient);
        *ret_patient = p;
        if (e->kind == EVENT_ENROLL)
                return check_enroll(t, p, e, ret_arm, ret_stratum);
        if (!p || p->arm == ARM_NONE)
                return TRIAL_REJECT_NOT_ENROLLED;
        return check_followup(p, e->kind, e->date - p->randomized);
}

TrialReject trial_check(const Trial *t, const TrialEvent *e, int32_t today) {
        Patient *p;
        uint16_t arm, stratum;
        if ((unsigned)e->kind >= EVENT_KINDS)
                return TRIAL_REJECT_NO_SUCH_FACT;
        return check(t, e, today, &p, &arm, &stratum);
}

/* ---- moves ---- */

/* Reserves room so that moving p to any of its facts' days cannot fail. */
static int reserve_days(Trial *t, int32_t day) {
        for (size_t i = 0; i < t->spec.n_endpoints; i++) {
                int r = riskset_reserve(&t->risksets[i], day);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Where p stands in every endpoint's risk set. */
static void outcomes_of(const Trial *t, const Patient *p, int32_t *days, Outcome *outcomes) {
        for (size_t i = 0; i < t->spec.n_endpoints; i++)
                outcome_of(p, &t->spec.endpoints[i], INT32_MAX, &days[i], &outcomes[i]);
}

/* Moves p from the places in days/outcomes to where its facts now put it. */
static void move(Trial *t, const Patient *p, const int32_t *days, const Outcome *outcomes) {
        for (size_t i = 0; i < t->spec.n_endpoints; i++) {
                int32_t day;
                Outcome o;
                outcome_of(p, &t->spec.endpoints[i], INT32_MAX, &day, &o);
                if (day == days[i] && o == outcomes[i])
                        continue;
                riskset_remove(&t->risksets[i], p->stratum, p->arm, days[i], outcomes[i]);
                /* Cannot fail: reserve_days() covered the day. */
                (void)riskset_add(&t->risksets[i], p->stratum, p->arm, day, o);
        }
}

int trial_apply(Trial *t, const TrialEvent *e, int32_t today) {
        Patient *p;
        uint16_t arm = 0, stratum = 0;
        if ((unsigned)e->kind >= EVENT_KINDS)
                return TRIAL_REJECT_NO_SUCH_FACT;
        TrialReject why = check(t, e, today, &p, &arm, &stratum);
        if (why != TRIAL_OK)
                return why;

        if (e->kind == EVENT_ENROLL) {
                if (reserve_days(t, 0) < 0 || (!p && !(p = patient_add(t, e->patient))))
                        return -ENOMEM;
                p->arm = arm;
                p->stratum = stratum;
                p->randomized = e->date;
                for (size_t i = 0; i < t->spec.n_endpoints; i++)
                        (void)riskset_add(&t->risksets[i], stratum, arm, 0, OUTCOME_CENSORED);
                t->enrolled[arm]++;
                return TRIAL_OK;
        }

        int32_t day = e->date - p->randomized;
        if (p->n_facts == p->cap_facts) {
                if (p->cap_facts >= UINT16_MAX / 2)
                        return -ENOMEM;
                uint16_t cap = p->cap_facts ? 2 * p->cap_facts : 4;
                uint32_t *facts = realloc(p->facts, cap * sizeof(*facts));
                if (!facts)
                        return -ENOMEM;
                p->facts = facts;
                p->cap_facts = cap;
        }
        int r = reserve_days(t, day);
        if (r < 0)
                return r;
        int32_t days[TRIAL_MAX_ENDPOINTS];
        Outcome outcomes[TRIAL_MAX_ENDPOINTS];
        outcomes_of(t, p, days, outcomes);
        p->facts[p->n_facts++] = FACT(e->kind, day);
        move(t, p, days, outcomes);
        return TRIAL_OK;
}

int trial_retract(Trial *t, const TrialEvent *e) {
        Patient *p = patient_id_valid(e->patient) ? patient_find(t, e->patient) : NULL;
        if (!p || p->arm == ARM_NONE)
                return TRIAL_REJECT_NOT_ENROLLED;
        if (e->kind == EVENT_ENROLL) {
                if (e->date != p->randomized)
                        return TRIAL_REJECT_NO_SUCH_FACT;
                if (p->n_facts > 0)
                        return TRIAL_REJECT_HAS_FOLLOWUP;
                for (size_t i = 0; i < t->spec.n_endpoints; i++)
                        riskset_remove(&t->risksets[i], p->stratum, p->arm, 0, OUTCOME_CENSORED);
                t->enrolled[p->arm]--;
                p->arm = ARM_NONE;
                return TRIAL_OK;
        }
        uint32_t fact = FACT(e->kind, e->date - p->randomized);
        size_t i = 0;
        while (i < p->n_facts && (e->date < p->randomized || p->facts[i] != fact))
                i++;
        if (i == p->n_facts)
                return TRIAL_REJECT_NO_SUCH_FACT;
        int32_t days[TRIAL_MAX_ENDPOINTS];
        Outcome outcomes[TRIAL_MAX_ENDPOINTS];
        outcomes_of(t, p, days, outcomes);
        p->facts[i] = p->facts[--p->n_facts];
        move(t, p, days, outcomes);
        return TRIAL_OK;
}

/* ---- data cuts ---- */

int trial_table_as_of(const Trial *t, size_t endpoint, int32_t cut, SurvTable *ret) {
        if (endpoint >= t->spec.n_endpoints || ret->n_strata != t->n_cells_strata || ret->n_arms != t->spec.n_arms)
                return -EINVAL;
        size_t n = 0, cap = t->n_patients ? t->n_patients : 1;
        int32_t *time = malloc(cap * sizeof(*time));
        uint8_t *outcome = malloc(cap);
        uint16_t *arm = malloc(cap * sizeof(*arm));
        uint16_t *stratum = malloc(cap * sizeof(*stratum));
        int r = -ENOMEM;
        if (!time || !outcome || !arm || !stratum)
                goto done;
        for (size_t i = 0; i < t->n_patients; i++) {
                const Patient *p = &t->patients[i];
                if (p->arm == ARM_NONE || p->randomized > cut)
                        continue;
                Outcome o;
                int32_t within = cut == INT32_MAX ? INT32_MAX : cut - p->randomized;
                outcome_of(p, &t->spec.endpoints[endpoint], within, &time[n], &o);
                outcome[n] = (uint8_t)o;
                arm[n] = p->arm;
                stratum[n] = p->stratum;
                n++;
        }
        r = survtable_from_records(ret, n, time, outcome, arm, stratum);
done:
        free(time);
        free(outcome);
        free(arm);
        free(stratum);
        return r;
}

int trial_look(Trial *t, uint32_t number, int32_t cut, int32_t today) {
        if (cut > today)
                return TRIAL_REJECT_FUTURE_DATE;
        if (number != t->n_looks + 1 || (t->n_looks > 0 && cut < t->looks[t->n_looks - 1].cut))
                return TRIAL_REJECT_LOOK_ORDER;
        TrialLook *looks = realloc(t->looks, (t->n_looks + 1) * sizeof(*looks));
        if (!looks)
                return -ENOMEM;
        t->looks = looks;
        size_t n = t->spec.n_endpoints;
        SurvTable *tables = calloc(n, sizeof(*tables));
        if (!tables)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                int r = survtable_init(&tables[i], t->n_cells_strata, t->spec.n_arms);
                if (r == 0)
                        r = trial_table_as_of(t, i, cut, &tables[i]);
                if (r < 0) {
                        looks_tables_free(tables, n);
                        return r;
                }
        }
        t->looks[t->n_looks++] = (TrialLook){ .number = number, .cut = cut, .tables = tables };
        return TRIAL_OK;
}

const TrialLook *trial_looks(const Trial *t, size_t *ret_n) {
        *ret_n = t->n_looks;
        return t->looks;
}
