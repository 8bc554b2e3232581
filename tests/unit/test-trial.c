/* test-trial.c — the trial state: event rules, endpoint outcomes, retractions, looks and data cuts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "interim/trial.h"

enum { OS, PFS, LRP };

static Trial *e2108(void) {
        static char *arms[] = { "systemic", "surgery" };
        static char *strata[] = { "hr", "her2", "tnbc" };
        static EndpointSpec endpoints[] = {
                { "os", EVENT_BIT(EVENT_DEATH), 0 },
                { "pfs", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL) | EVENT_BIT(EVENT_PROGRESSION_DISTANT) |
                                 EVENT_BIT(EVENT_DEATH), 0 },
                { "lrp", EVENT_BIT(EVENT_PROGRESSION_LOCOREGIONAL), EVENT_BIT(EVENT_DEATH) },
        };
        TrialSpec spec = { .name = "E2108", .n_arms = 2, .arms = arms, .n_strata = 3, .strata = strata,
                           .n_endpoints = 3, .endpoints = endpoints };
        Trial *t;
        assert_int_equal(trial_new(&t, &spec), 0);
        return t;
}

#define TODAY 20000

static int ev(Trial *t, EventKind kind, const char *patient, int32_t date) {
        TrialEvent e = { .kind = kind, .patient = patient, .date = date };
        return trial_apply(t, &e, TODAY);
}

static int enroll(Trial *t, const char *patient, int32_t date, const char *arm, const char *stratum) {
        TrialEvent e = { .kind = EVENT_ENROLL, .patient = patient, .date = date, .arm = arm, .stratum = stratum };
        return trial_apply(t, &e, TODAY);
}

static int retract(Trial *t, EventKind kind, const char *patient, int32_t date) {
        TrialEvent e = { .kind = kind, .patient = patient, .date = date };
        return trial_retract(t, &e);
}

/* The single row's cell count of the table for one endpoint, or asserts there is exactly one row at day. */
static void assert_only(Trial *t, size_t endpoint, int32_t day, size_t stratum, size_t arm, Outcome o) {
        SurvTable tab;
        assert_int_equal(survtable_init(&tab, 3, 2), 0);
        assert_int_equal(riskset_table(trial_riskset(t, endpoint), &tab), 0);
        assert_int_equal(tab.n_times, 1);
        assert_int_equal(tab.time[0], day);
        assert_int_equal(survtable_counts(&tab, 0, stratum, arm)[o], 1);
        survtable_deinit(&tab);
}

static void test_spec_rules(void **state) {
        char *arms[] = { "a", "a" };
        EndpointSpec ep = { "os", EVENT_BIT(EVENT_DEATH), EVENT_BIT(EVENT_DEATH) };
        TrialSpec spec = { .name = "T", .n_arms = 2, .arms = arms, .n_endpoints = 1, .endpoints = &ep };
        Trial *t = NULL;
        assert_int_equal(trial_new(&t, &spec), -EINVAL); /* duplicate arms */
        arms[1] = "b";
        assert_int_equal(trial_new(&t, &spec), -EINVAL); /* events and competing overlap */
        ep.competing = EVENT_BIT(EVENT_CONTACT);
        assert_int_equal(trial_new(&t, &spec), -EINVAL); /* contact is no endpoint event */
        ep.competing = 0;
        assert_int_equal(trial_new(&t, &spec), 0);
        assert_string_equal(trial_spec(t)->arms[1], "b");
        trial_free(t);
        trial_free(NULL);
}

static void test_spec_equal(void **state) {
        Trial *t = e2108();
        const TrialSpec *live = trial_spec(t);
        char *arms[] = { "systemic", "surgery" }, *strata[] = { "hr", "her2", "tnbc" };
        EndpointSpec endpoints[3];
        memcpy(endpoints, live->endpoints, sizeof(endpoints));
        TrialSpec spec = { .name = "E2108", .n_arms = 2, .arms = arms, .n_strata = 3, .strata = strata,
                           .n_endpoints = 3, .endpoints = endpoints };
        assert_true(trial_spec_equal(live, &spec));
        spec.name = "E2109";
        assert_false(trial_spec_equal(live, &spec));
        spec.name = "E2108";
        arms[1] = "Surgery";
        assert_false(trial_spec_equal(live, &spec));
        arms[1] = "surgery";
        spec.n_strata = 2;
        assert_false(trial_spec_equal(live, &spec));
        spec.n_strata = 3;
        spec.n_endpoints = 2; /* one endpoint fewer (or, read the other way, one added) */
        assert_false(trial_spec_equal(live, &spec));
        assert_false(trial_spec_equal(&spec, live));
        spec.n_endpoints = 3;
        endpoints[2].competing = 0; /* lrp no longer has death as a competing event */
        assert_false(trial_spec_equal(live, &spec));
        endpoints[2].competing = live->endpoints[2].competing;
        endpoints[1].name = "efs";
        assert_false(trial_spec_equal(live, &spec));
        endpoints[1].name = live->endpoints[1].name;
        assert_true(trial_spec_equal(&spec, live));
        trial_free(t);
}

static void test_spec_copy(void **state) {
        Trial *t = e2108();
        const TrialSpec *live = trial_spec(t);
        TrialSpec copy;
        assert_int_equal(trial_spec_copy(&copy, live), 0);
        assert_true(trial_spec_equal(&copy, live));
        assert_ptr_not_equal(copy.arms[0], live->arms[0]);
        assert_ptr_not_equal(copy.endpoints[2].name, live->endpoints[2].name);
        trial_spec_deinit(&copy);
        assert_null(copy.name);
        trial_spec_deinit(&copy); /* a zeroed one */
        /* Refused as trial_new() refuses it, and nothing kept. */
        char *arms[] = { "a", "a" };
        TrialSpec twice = *live;
        twice.arms = arms;
        assert_int_equal(trial_spec_copy(&copy, &twice), -EINVAL);
        assert_null(copy.name);
        assert_null(copy.arms);
        assert_null(copy.endpoints);
        assert_int_equal(copy.n_arms, 0);
        trial_free(t);
}

static void test_enroll_rules(void **state) {
        Trial *t = e2108();
        assert_int_equal(enroll(t, "P1", 15000, "chemo", "hr"), TRIAL_REJECT_UNKNOWN_ARM);
        assert_int_equal(enroll(t, "P1", 15000, "surgery", "luminal"), TRIAL_REJECT_UNKNOWN_STRATUM);
        assert_int_equal(enroll(t, "P1", 15000, "surgery", NULL), TRIAL_REJECT_MISSING_STRATUM);
        assert_int_equal(enroll(t, "", 15000, "surgery", "hr"), TRIAL_REJECT_BAD_PATIENT);
        assert_int_equal(enroll(t, "P 1", 15000, "surgery", "hr"), TRIAL_REJECT_BAD_PATIENT);
        assert_int_equal(enroll(t, "P1", TODAY + 1, "surgery", "hr"), TRIAL_REJECT_FUTURE_DATE);
        assert_int_equal(trial_enrolled(t, SURV_ALL), 0);
        assert_int_equal(enroll(t, "P1", 15000, "surgery", "hr"), TRIAL_OK);
        assert_int_equal(enroll(t, "P1", 15001, "systemic", "hr"), TRIAL_REJECT_ENROLLED_TWICE);
        assert_int_equal(trial_enrolled(t, 1), 1);
        assert_int_equal(trial_enrolled(t, 0), 0);
        assert_only(t, OS, 0, 0, 1, OUTCOME_CENSORED);
        trial_free(t);
}

static void test_followup_rules(void **state) {
        Trial *t = e2108();
        assert_int_equal(ev(t, EVENT_CONTACT, "P1", 15100), TRIAL_REJECT_NOT_ENROLLED);
        assert_int_equal(enroll(t, "P1", 15000, "systemic", "tnbc"), TRIAL_OK);
        assert_int_equal(ev(t, EVENT_CONTACT, "P1", 14999), TRIAL_REJECT_BEFORE_RANDOMIZATION);
        assert_int_equal(ev(t, EVENT_CONTACT, "P1", TODAY + 1), TRIAL_REJECT_FUTURE_DATE);
        assert_int_equal(ev(t, EVENT_CONTACT, "P1", 15300), TRIAL_OK);
        assert_int_equal(ev(t, EVENT_DEATH, "P1", 15200), TRIAL_REJECT_CONTRADICTS_LATER);
        assert_int_equal(ev(t, EVENT_WITHDRAW, "P1", 15200), TRIAL_REJECT_CONTRADICTS_LATER);
        assert_int_equal(ev(t, EVENT_DEATH, "P1", 15400), TRIAL_OK);
        assert_int_equal(ev(t, EVENT_DEATH, "P1", 15400), TRIAL_REJECT_DUPLICATE_FACT);
        assert_int_equal(ev(t, EVENT_CONTACT, "P1", 15401), TRIAL_REJECT_AFTER_DEATH);
        assert_int_equal(ev(t, EVENT_CONTACT, "P1", 15400), TRIAL_OK); /* same day as death */

        assert_int_equal(enroll(t, "P2", 15000, "surgery", "hr"), TRIAL_OK);
        assert_int_equal(ev(t, EVENT_WITHDRAW, "P2", 15050), TRIAL_OK);
        assert_int_equal(ev(t, EVENT_CONTACT, "P2", 15051), TRIAL_REJECT_AFTER_WITHDRAWAL);
        assert_int_equal(ev(t, EVENT_WITHDRAW, "P2", 15050), TRIAL_REJECT_DUPLICATE_FACT);

        /* trial_check() says the same and changes nothing. */
        TrialEvent e = { .kind = EVENT_CONTACT, .patient = "P2", .date = 15060 };
        assert_int_equal(trial_check(t, &e, TODAY), TRIAL_REJECT_AFTER_WITHDRAWAL);
        e.date = 15040;
        assert_int_equal(trial_check(t, &e, TODAY), TRIAL_OK);
        assert_string_equal(trial_reject_str(TRIAL_REJECT_AFTER_DEATH), "date after the patient's death");
        trial_free(t);
}

static void test_endpoint_outcomes(void **state) {
        Trial *t = e2108();
        assert_int_equal(enroll(t, "P1", 15000, "surgery", "her2"), TRIAL_OK);
        assert_int_equal(ev(t, EVENT_CONTACT, "P1", 15090), TRIAL_OK);
        assert_only(t, OS, 90, 1, 1, OUTCOME_CENSORED);
        assert_int_equal(ev(t, EVENT_PROGRESSION_DISTANT, "P1", 15200), TRIAL_OK);
        assert_only(t, OS, 200, 1, 1, OUTCOME_CENSORED); /* a progression is follow-up for OS */
        assert_only(t, PFS, 200, 1, 1, OUTCOME_EVENT);
        assert_only(t, LRP, 200, 1, 1, OUTCOME_CENSORED);
        assert_int_equal(ev(t, EVENT_DEATH, "P1", 15300), TRIAL_OK);
        assert_only(t, OS, 300, 1, 1, OUTCOME_EVENT);
        assert_only(t, PFS, 200, 1, 1, OUTCOME_EVENT); /* the first of its events */
        assert_only(t, LRP, 300, 1, 1, OUTCOME_COMPETING);
        /* A locoregional progression on the day of death is the event, not the competing one. */
        assert_int_equal(ev(t, EVENT_PROGRESSION_LOCOREGIONAL, "P1", 15300), TRIAL_OK);
        assert_only(t, LRP, 300, 1, 1, OUTCOME_EVENT);
        /* Retractions move the patient back. */
        assert_int_equal(retract(t, EVENT_PROGRESSION_LOCOREGIONAL, "P1", 15300), TRIAL_OK);
        assert_only(t, LRP, 300, 1, 1, OUTCOME_COMPETING);
        assert_int_equal(retract(t, EVENT_DEATH, "P1", 15300), TRIAL_OK);
        assert_only(t, OS, 200, 1, 1, OUTCOME_CENSORED);
        assert_int_equal(retract(t, EVENT_DEATH, "P1", 15300), TRIAL_REJECT_NO_SUCH_FACT);
        assert_int_equal(retract(t, EVENT_ENROLL, "P1", 15000), TRIAL_REJECT_HAS_FOLLOWUP);
        assert_int_equal(retract(t, EVENT_PROGRESSION_DISTANT, "P1", 15200), TRIAL_OK);
        assert_int_equal(retract(t, EVENT_CONTACT, "P1", 15090), TRIAL_OK);
        assert_only(t, PFS, 0, 1, 1, OUTCOME_CENSORED);
        assert_int_equal(retract(t, EVENT_ENROLL, "P1", 15001), TRIAL_REJECT_NO_SUCH_FACT);
        assert_int_equal(retract(t, EVENT_ENROLL, "P1", 15000), TRIAL_OK);
        assert_int_equal(trial_enrolled(t, SURV_ALL), 0);
        assert_int_equal(trial_riskset(t, OS)->n_patients, 0);
        assert_int_equal(ev(t, EVENT_CONTACT, "P1", 15090), TRIAL_REJECT_NOT_ENROLLED);
        /* Enrolling again after a retracted enrollment is allowed. */
        assert_int_equal(enroll(t, "P1", 15010, "systemic", "hr"), TRIAL_OK);
        assert_only(t, OS, 0, 0, 0, OUTCOME_CENSORED);
        trial_free(t);
}

static void test_looks_and_cuts(void **state) {
        Trial *t = e2108();
        assert_int_equal(enroll(t, "A", 15000, "surgery", "hr"), TRIAL_OK);
        assert_int_equal(enroll(t, "B", 15100, "systemic", "hr"), TRIAL_OK);
        assert_int_equal(ev(t, EVENT_DEATH, "A", 15150), TRIAL_OK);
        assert_int_equal(ev(t, EVENT_CONTACT, "B", 15180), TRIAL_OK);
        assert_int_equal(enroll(t, "C", 15300, "systemic", "tnbc"), TRIAL_OK);

        assert_int_equal(trial_look(t, 2, 15200, TODAY), TRIAL_REJECT_LOOK_ORDER);
        assert_int_equal(trial_look(t, 1, TODAY + 1, TODAY), TRIAL_REJECT_FUTURE_DATE);
        assert_int_equal(trial_look(t, 1, 15160, TODAY), TRIAL_OK);
        assert_int_equal(trial_look(t, 2, 15159, TODAY), TRIAL_REJECT_LOOK_ORDER);
        /* Late data dated before the cut does not change a recorded look. */
        assert_int_equal(ev(t, EVENT_CONTACT, "B", 15155), TRIAL_OK);
        size_t n;
        const TrialLook *looks = trial_looks(t, &n);
        assert_int_equal(n, 1);
        assert_int_equal(looks[0].number, 1);
        const SurvTable *os = &looks[0].tables[OS];
        /* At 15160: A died on day 150; B randomized 15100 has only day 0 (contact at 15180 is after the cut); C not yet randomized. */
        assert_int_equal(os->n_times, 2);
        assert_int_equal(os->time[0], 0);
        assert_int_equal(survtable_counts(os, 0, 0, 0)[OUTCOME_CENSORED], 1);
        assert_int_equal(os->time[1], 150);
        assert_int_equal(survtable_counts(os, 1, 0, 1)[OUTCOME_EVENT], 1);

        SurvTable now;
        assert_int_equal(survtable_init(&now, 3, 2), 0);
        assert_int_equal(trial_table_as_of(t, OS, 15160, &now), 0);
        assert_int_equal(now.n_times, 2);
        assert_int_equal(now.time[0], 55); /* B's contact of 15155 now counts */
        trial_free(t);
        survtable_deinit(&now);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_spec_rules),
                cmocka_unit_test(test_spec_equal),
                cmocka_unit_test(test_spec_copy),
                cmocka_unit_test(test_enroll_rules),
                cmocka_unit_test(test_followup_rules),
                cmocka_unit_test(test_endpoint_outcomes),
                cmocka_unit_test(test_looks_and_cuts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
