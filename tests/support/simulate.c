/* simulate.c — seeded simulated trials for tests and benchmarks. */
#include <math.h>
#include <stdlib.h>

#include "simulate.h"

/* splitmix64: a fixed, portable stream. */
static double uniform(uint64_t *state) {
        uint64_t z = (*state += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

void simulate_trial(size_t n, size_t arms, size_t strata, int unit, uint64_t seed, SurvTable *ret) {
        int32_t *time = malloc((n + 1) * sizeof(*time));
        uint8_t *outcome = malloc(n + 1);
        uint16_t *arm = malloc((n + 1) * sizeof(*arm));
        uint16_t *stratum = malloc((n + 1) * sizeof(*stratum));
        if (!time || !outcome || !arm || !stratum)
                abort();
        for (size_t i = 0; i < n; i++) {
                arm[i] = (uint16_t)(i % arms);
                stratum[i] = (uint16_t)(uniform(&seed) * (double)strata);
                double rate = log(2) / 2500 * (0.7 + 0.35 * stratum[i]) * pow(0.8, arm[i]);
                double event = -log(uniform(&seed)) / rate;
                double lost = -log(uniform(&seed)) / (0.02 / 365);
                double end = fmin(lost, 3000 - 1000 * uniform(&seed));
                outcome[i] = event <= end ? OUTCOME_EVENT : OUTCOME_CENSORED;
                time[i] = (int32_t)floor(fmin(event, end) / unit);
        }
        if (survtable_init(ret, strata, arms) < 0 ||
            survtable_from_records(ret, n, time, outcome, arm, stratum) < 0)
                abort();
        free(time);
        free(outcome);
        free(arm);
        free(stratum);
}
