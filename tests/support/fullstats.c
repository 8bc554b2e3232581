/* fullstats.c — the full Statistics message of interim-watch's tests, built in static memory. */
#include <math.h>
#include <stdbool.h>

#include "fullstats.h"

#define ARMS 3
#define ROWS 4

static Interim__Interval interval(bool has_estimate, double estimate, bool has_lower, double lower, bool has_upper,
                                  double upper) {
        Interim__Interval i = INTERIM__INTERVAL__INIT;
        i.has_estimate = has_estimate;
        i.estimate = estimate;
        i.has_lower = has_lower;
        i.lower = lower;
        i.has_upper = has_upper;
        i.upper = upper;
        return i;
}

/* Arm a's curve: ROWS rows from 10 patients, two events and two censorings, the last row without limits. */
static void curve(size_t a, Interim__CurvePoint *rows, Interim__CurvePoint **ptrs) {
        static const int32_t time[ROWS] = { 0, 30, 95, 400 };
        static const uint32_t risk[ROWS] = { 10, 9, 8, 7 }, event[ROWS] = { 1, 1, 0, 1 }, censor[ROWS] = { 0, 0, 1, 1 };
        double surv = 1;
        for (size_t i = 0; i < ROWS; i++) {
                surv *= 1 - (double)event[i] / risk[i];
                rows[i] = (Interim__CurvePoint)INTERIM__CURVE_POINT__INIT;
                rows[i].time = time[i] + (int32_t)(10 * a);
                rows[i].n_risk = risk[i];
                rows[i].n_event = event[i];
                rows[i].n_censor = censor[i];
                rows[i].surv = surv;
                rows[i].has_std_err = rows[i].has_lower = rows[i].has_upper = i + 1 < ROWS;
                rows[i].std_err = a == 0 && i == 1 ? 0.1 + 0.2 : 0.05 * (double)(i + 1);
                rows[i].lower = surv * 0.8;
                rows[i].upper = fmin(1, surv * 1.1);
                ptrs[i] = &rows[i];
        }
}

/* The block's information, bounds and looks, which are its one comparison's. */
#define COMPARED(p)                                                                                \
        ((p).events = 6, (p).has_information_fraction = (p).has_alpha_spent = (p).has_efficacy_bound = true, \
         (p).information_fraction = 0.6, (p).alpha_spent = 0.0039, (p).efficacy_bound = 2.34, (p).n_looks = 1, \
         (p).looks = looks) /* fullstats()'s look */

Interim__Statistics *fullstats(void) {
        static const char *const names[ARMS] = { "control", "new", "all" };
        static Interim__Statistics s;
        static Interim__ArmStatistics arm[ARMS], *arms[ARMS];
        static Interim__Interval median[ARMS], q25[ARMS], q75[ARMS];
        static Interim__Quartiles quart[ARMS];
        static Interim__CurvePoint rows[ARMS][ROWS], *row_ptrs[ARMS][ROWS];
        static Interim__LandmarkPoint lm[ARMS], *lm_ptrs[ARMS][1];
        static Interim__Rmst rmst[ARMS];
        static Interim__CifPoint cif[ARMS][2], *cif_ptrs[ARMS][2];
        for (size_t a = 0; a < ARMS; a++) {
                arm[a] = (Interim__ArmStatistics)INTERIM__ARM_STATISTICS__INIT;
                arm[a].arm = (char *)names[a];
                arm[a].n = 10;
                arm[a].events = 3;
                arm[a].censored = 5;
                arm[a].competing = 2;
                median[a] = a == 1 ? interval(false, 0, true, 95, false, 0) : interval(true, 400 + a, true, 95, true, 700.5);
                q25[a] = interval(true, 30, true, 0, true, 95);
                q75[a] = interval(false, 0, false, 0, false, 0);
                quart[a] = (Interim__Quartiles)INTERIM__QUARTILES__INIT;
                quart[a].q25 = &q25[a];
                quart[a].q75 = &q75[a];
                arm[a].median = &median[a];
                arm[a].quartiles = &quart[a];
                curve(a, rows[a], row_ptrs[a]);
                arm[a].n_curve = ROWS;
                arm[a].curve = row_ptrs[a];
                lm[a] = (Interim__LandmarkPoint)INTERIM__LANDMARK_POINT__INIT;
                lm[a].time = 365;
                lm[a].n_risk = 7;
                lm[a].has_surv = lm[a].has_std_err = lm[a].has_lower = lm[a].has_upper = true;
                lm[a].surv = 0.7;
                lm[a].std_err = 0.12;
                lm[a].lower = 0.5;
                lm[a].upper = 0.85;
                lm_ptrs[a][0] = &lm[a];
                arm[a].n_landmarks = 1;
                arm[a].landmarks = lm_ptrs[a];
                rmst[a] = (Interim__Rmst)INTERIM__RMST__INIT;
                rmst[a].tau = 730;
                rmst[a].has_estimate = rmst[a].has_std_err = true;
                rmst[a].estimate = 500 + (double)a;
                rmst[a].std_err = 40;
                arm[a].rmst = &rmst[a];
                arm[a].has_followup_median = a != 2;
                arm[a].followup_median = 380;
                for (size_t i = 0; i < 2; i++) {
                        cif[a][i] = (Interim__CifPoint)INTERIM__CIF_POINT__INIT;
                        cif[a][i].time = 30 + 300 * (int32_t)i;
                        cif[a][i].has_estimate = cif[a][i].has_variance = true;
                        cif[a][i].estimate = 0.1 * (double)(i + 1 + a);
                        cif[a][i].variance = 0.001;
                        cif_ptrs[a][i] = &cif[a][i];
                }
                arm[a].n_cif = 2;
                arm[a].cif = cif_ptrs[a];
                arms[a] = &arm[a];
        }

        static Interim__LogRankTest logrank;
        logrank = (Interim__LogRankTest)INTERIM__LOG_RANK_TEST__INIT;
        logrank.has_chisq = logrank.has_p = true;
        logrank.chisq = 3.9;
        logrank.df = 1;
        logrank.p = 0.048;
        logrank.stratified = true;

        static Interim__Cox cox;
        static Interim__CoxTerm term, *terms[1];
        term = (Interim__CoxTerm)INTERIM__COX_TERM__INIT;
        term.arm = "new";
        term.has_coef = term.has_se = term.has_hr = term.has_lower = term.has_upper = term.has_p = true;
        term.coef = log(0.7);
        term.se = 0.2;
        term.hr = 0.7;
        term.lower = 0.47;
        term.upper = 1.04;
        term.p = 0.076;
        term.has_may_be_infinite = true;
        terms[0] = &term;
        cox = (Interim__Cox)INTERIM__COX__INIT;
        cox.ties = "efron";
        cox.stratified = true;
        cox.has_lr_p = cox.has_score_p = cox.has_wald_p = true;
        cox.lr_p = 0.075;
        cox.score_p = 0.077;
        cox.wald_p = 0.079;
        cox.has_converged = cox.has_iterations = true;
        cox.converged = true;
        cox.iterations = 4;
        cox.n_terms = 1;
        cox.terms = terms;

        static Interim__RmstDiff diff, *diffs[1];
        diff = (Interim__RmstDiff)INTERIM__RMST_DIFF__INIT;
        diff.arm = "new";
        diff.has_diff = diff.has_lower = diff.has_upper = diff.has_p = true;
        diff.diff = 1;
        diff.lower = -77.4;
        diff.upper = 79.4;
        diff.p = 0.98;
        diffs[0] = &diff;

        static Interim__GrayTest gray;
        gray = (Interim__GrayTest)INTERIM__GRAY_TEST__INIT;
        gray.has_stat = gray.has_p = true;
        gray.stat = 2.5;
        gray.df = 1;
        gray.p = 0.11;

        static Interim__Monitoring mon;
        static Interim__MonitoringLook look, *looks[1];
        static Interim__Limits rci;
        static Interim__Comparison cmp, *cmps[1];
        static Interim__ConditionalPower cp;
        rci = (Interim__Limits)INTERIM__LIMITS__INIT;
        rci.has_lower = rci.has_upper = true;
        rci.lower = 0.3;
        rci.upper = 1.9;
        look = (Interim__MonitoringLook)INTERIM__MONITORING_LOOK__INIT;
        look.look = 1;
        look.data_cut = "2023-06-30";
        look.events = 4;
        look.has_information_fraction = look.has_efficacy_bound = look.has_futility_bound = true;
        look.has_alpha_spent = look.has_z = true;
        look.information_fraction = 0.4;
        look.efficacy_bound = 3.36;
        look.futility_bound = -0.2;
        look.alpha_spent = 0.00039;
        look.z = 0.8;
        look.hr_rci = &rci;
        looks[0] = &look;
        cp = (Interim__ConditionalPower)INTERIM__CONDITIONAL_POWER__INIT;
        cp.has_current_trend = cp.has_design = true;
        cp.current_trend = 0.31;
        cp.design = 0.74;
        cmp = (Interim__Comparison)INTERIM__COMPARISON__INIT;
        cmp.arm = "new";
        cmp.has_z = true;
        cmp.z = 2.4;
        cmp.crossed = true;
        cmp.conditional_power = &cp;
        cmps[0] = &cmp;
        mon = (Interim__Monitoring)INTERIM__MONITORING__INIT;
        mon.planned_events = 10;
        COMPARED(cmp);
        cmp.has_events = true;
        COMPARED(mon);
        mon.n_comparisons = 1;
        mon.comparisons = cmps;

        s = (Interim__Statistics)INTERIM__STATISTICS__INIT;
        s.trial = "TRIAL";
        s.endpoint = "os";
        s.seq = 42;
        s.as_of = "2024-01-31";
        s.has_conf_level = true;
        s.conf_level = 0.95;
        s.conf_type = "log-log";
        s.n_arms = ARMS;
        s.arms = arms;
        s.logrank = &logrank;
        s.cox = &cox;
        s.n_rmst_diff = 1;
        s.rmst_diff = diffs;
        s.gray = &gray;
        s.monitoring = &mon;
        return &s;
}
