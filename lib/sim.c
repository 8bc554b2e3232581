/* sim.c — seeded simulation of a trial's follow-up events with constant cause-specific hazards. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "interim/date.h"
#include "interim/sim.h"

#define DAYS_PER_MONTH (365.25 / 12)
#define DAYS_3Y (3 * 365.25)

void sim_params_e2108(SimParams *ret) {
        *ret = (SimParams){
                .seed = 2108,
                .n_patients = 256,
                .n_sites = 12,
                .n_arms = 2,
                .arms = { "systemic", "surgery" },
                .allocation = { 131.0 / 256, 125.0 / 256 },
                .n_strata = 3,
                .strata = { "hr", "her2", "tnbc" },
                .stratum_share = { 0.56, 0.33, 0.11 },
                .contact_every = 91,
                .os_median_months = { 54, 54 },
                .lrp_3y = { 0.26, 0.10 },
                .distant_median_months = { 22, 22 },
                .withdraw_share = 0.03,
        };
        (void)date_parse("2011-02-01", &ret->accrual_start);
        (void)date_parse("2015-07-31", &ret->accrual_end);
        (void)date_parse("2019-12-31", &ret->followup_end);
}

/*
 * The locoregional hazard giving cumulative incidence p at 3 years next to a death
 * hazard h_d: p = h/(h+h_d) (1 - exp(-(h+h_d) 3y)) is increasing in h; bisect.
 */
static double lrp_hazard(double p, double h_d) {
        double lo = 0, hi = 1;
        for (int i = 0; i < 200; i++) {
                double h = (lo + hi) / 2;
                double cif = h / (h + h_d) * (1 - exp(-(h + h_d) * DAYS_3Y));
                if (cif < p)
                        lo = h;
                else
                        hi = h;
        }
        return (lo + hi) / 2;
}

static size_t draw(gsl_rng *rng, const double *share, size_t n) {
        double u = gsl_rng_uniform(rng), acc = 0;
        for (size_t i = 0; i + 1 < n; i++) {
                acc += share[i];
                if (u < acc)
                        return i;
        }
        return n - 1;
}

static int cmp_event(const void *a, const void *b) {
        const SimEvent *x = a, *y = b;
        if (x->date != y->date)
                return (x->date > y->date) - (x->date < y->date);
        if (x->patient != y->patient)
                return (x->patient > y->patient) - (x->patient < y->patient);
        return (x->kind > y->kind) - (x->kind < y->kind);
}

typedef struct {
        SimEvent *v;
        size_t n, cap;
} Events;

static int push(Events *ev, int32_t date, uint32_t patient, uint16_t site, EventKind kind, size_t arm, size_t stratum) {
        if (ev->n == ev->cap) {
                size_t cap = ev->cap ? 2 * ev->cap : 1024;
                SimEvent *v = realloc(ev->v, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                ev->v = v;
                ev->cap = cap;
        }
        ev->v[ev->n++] = (SimEvent){ .date = date, .patient = patient, .site = site, .kind = (uint8_t)kind,
                                     .arm = (uint8_t)arm, .stratum = (uint8_t)stratum };
        return 0;
}

/*
 * Randomization list: round(allocation x n) patients per arm (the last arm takes what
 * is left), shuffled, as a trial's blocked randomization fills its arms exactly.
 */
static uint8_t *randomization(const SimParams *p, gsl_rng *rng) {
        uint8_t *arm = malloc(p->n_patients);
        if (!arm)
                return NULL;
        size_t i = 0;
        for (size_t a = 0; a < p->n_arms; a++) {
                size_t k = a + 1 == p->n_arms ? p->n_patients - i : (size_t)lround(p->allocation[a] * p->n_patients);
                for (size_t j = 0; j < k && i < p->n_patients; j++)
                        arm[i++] = (uint8_t)a;
        }
        gsl_ran_shuffle(rng, arm, p->n_patients, 1);
        return arm;
}

/* All events of one patient randomized on date r to arm. */
static int simulate_patient(const SimParams *p, gsl_rng *rng, uint32_t id, int32_t r, size_t arm, Events *ev) {
        size_t stratum = draw(rng, p->stratum_share, p->n_strata);
        uint16_t site = (uint16_t)(id % p->n_sites);
        double h_d = log(2) / (p->os_median_months[arm] * DAYS_PER_MONTH);
        double h_m = log(2) / (p->distant_median_months[arm] * DAYS_PER_MONTH);
        double h_l = lrp_hazard(p->lrp_3y[arm], h_d);
        int32_t death = r + (int32_t)gsl_ran_exponential(rng, 1 / h_d);
        int32_t lrp = r + (int32_t)gsl_ran_exponential(rng, 1 / h_l);
        int32_t distant = r + (int32_t)gsl_ran_exponential(rng, 1 / h_m);
        int32_t end = p->followup_end < death ? p->followup_end : death;
        int32_t withdraw = INT32_MAX;
        if (gsl_rng_uniform(rng) < p->withdraw_share)
                withdraw = r + 1 + (int32_t)gsl_rng_uniform_int(rng, (unsigned long)(end - r) + 1);
        int32_t stop = end < withdraw ? end : withdraw;

        int ret = push(ev, r, id, site, EVENT_ENROLL, arm, stratum);
        for (int32_t c = r + p->contact_every; ret == 0 && c < stop; c += p->contact_every)
                ret = push(ev, c, id, site, EVENT_CONTACT, 0, 0);
        if (ret == 0 && lrp <= stop)
                ret = push(ev, lrp, id, site, EVENT_PROGRESSION_LOCOREGIONAL, 0, 0);
        if (ret == 0 && distant <= stop)
                ret = push(ev, distant, id, site, EVENT_PROGRESSION_DISTANT, 0, 0);
        if (ret == 0 && withdraw <= end)
                ret = push(ev, withdraw, id, site, EVENT_WITHDRAW, 0, 0);
        else if (ret == 0 && death <= p->followup_end)
                ret = push(ev, death, id, site, EVENT_DEATH, 0, 0);
        return ret;
}

int sim_generate(const SimParams *p, SimEvent **ret_events, size_t *ret_n) {
        if (p->n_patients == 0 || p->n_patients > UINT32_MAX || p->n_sites == 0 || p->n_sites > UINT16_MAX ||
            p->n_arms == 0 || p->n_arms > SIM_MAX_ARMS || p->n_strata == 0 || p->n_strata > SIM_MAX_STRATA ||
            p->accrual_end < p->accrual_start || p->followup_end < p->accrual_end || p->contact_every <= 0)
                return -EINVAL;
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!rng)
                return -ENOMEM;
        gsl_rng_set(rng, (unsigned long)p->seed);
        Events ev = { 0 };
        uint8_t *arm = randomization(p, rng);
        int r = arm ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < p->n_patients; i++) {
                int32_t date = p->accrual_start +
                               (int32_t)gsl_rng_uniform_int(rng, (unsigned long)(p->accrual_end - p->accrual_start) + 1);
                r = simulate_patient(p, rng, (uint32_t)i, date, arm[i], &ev);
        }
        free(arm);
        gsl_rng_free(rng);
        if (r < 0) {
                free(ev.v);
                return r;
        }
        qsort(ev.v, ev.n, sizeof(*ev.v), cmp_event);
        /* Number patients in order of enrollment, as a trial's registration would. */
        uint32_t *number = malloc(p->n_patients * sizeof(*number));
        if (!number) {
                free(ev.v);
                return -ENOMEM;
        }
        uint32_t next = 0;
        for (size_t i = 0; i < ev.n; i++) {
                if (ev.v[i].kind == EVENT_ENROLL)
                        number[ev.v[i].patient] = next++;
                ev.v[i].patient = number[ev.v[i].patient];
        }
        free(number);
        *ret_events = ev.v;
        *ret_n = ev.n;
        return 0;
}
