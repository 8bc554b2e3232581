/* test-reload.c — which trial definitions of a configuration read again replace the running ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "reload.h"

static const char head[] = "[daemon]\nstate_dir = /tmp/x\ningest = ipc:///tmp/x\n";

/* The running trial T: two arms, two strata, two endpoints. */
static const char running[] =
        "[trial T]\narms = a, b\nstrata = s1, s2\nlandmarks = 30\n"
        "[endpoint T os]\nevents = death\n"
        "[endpoint T pfs]\nevents = progression, death\n"
        "[trial U]\narms = x, y\n[endpoint U os]\nevents = death\n";

static Config *load(const char *trials) {
        char path[64], text[2048];
        snprintf(path, sizeof(path), "/tmp/test-reload-XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        snprintf(text, sizeof(text), "%s%s", head, trials);
        size_t n = strlen(text);
        assert_int_equal(write(fd, text, n), (ssize_t)n);
        close(fd);
        Config *c = NULL;
        char *error = NULL;
        int r = config_load(&c, path, &error);
        unlink(path);
        if (error)
                print_error("%s\n", error);
        assert_int_equal(r, 0);
        return c;
}

/* Merges trials (the file read again) into the running configuration; returns the result. */
static Config *merge(const char *trials) {
        Config *c = load(running), *next = load(trials);
        assert_int_equal(reload_merge(c, next), 0);
        config_free(c);
        return next;
}

static const TrialConfig *find(const Config *c, const char *name, size_t index) {
        assert_true(index < c->n_trials);
        assert_string_equal(c->trials[index].spec.name, name);
        return &c->trials[index];
}

/* Whether T is the running definition (its two endpoints, landmark 30) rather than the one read. */
static void assert_running_t(const TrialConfig *t) {
        assert_int_equal(t->spec.n_arms, 2);
        assert_int_equal(t->spec.n_strata, 2);
        assert_string_equal(t->spec.strata[1], "s2");
        assert_int_equal(t->spec.n_endpoints, 2);
        assert_string_equal(t->spec.endpoints[1].name, "pfs");
        assert_int_equal(t->report.n_landmarks, 1);
        assert_int_equal(t->report.landmarks[0], 30);
}

static void test_compatible(void **state) {
        /* Options changed, an endpoint added at the end, a trial added, trials reordered: all taken. */
        Config *c = merge("[trial V]\narms = p, q\n[endpoint V os]\nevents = death\n"
                          "[trial U]\narms = x, y\n[endpoint U os]\nevents = death\n"
                          "[trial T]\narms = a, b\nstrata = s1, s2\nlandmarks = 60, 90\nrmst_tau = 100\n"
                          "[endpoint T os]\nevents = death\n"
                          "[endpoint T pfs]\nevents = progression, death\n"
                          "[endpoint T lrp]\nevents = progression:locoregional\ncompeting = death\n");
        assert_int_equal(c->n_trials, 3);
        find(c, "V", 0);
        find(c, "U", 1);
        const TrialConfig *t = find(c, "T", 2);
        assert_int_equal(t->spec.n_endpoints, 3);
        assert_int_equal(t->report.n_landmarks, 2);
        assert_int_equal(t->report.rmst_tau, 100);
        config_free(c);
}

static void test_incompatible(void **state) {
        static const char *const changed[] = {
                /* arms */
                "[trial T]\narms = a, b, c\nstrata = s1, s2\n[endpoint T os]\nevents = death\n"
                "[endpoint T pfs]\nevents = progression, death\n",
                "[trial T]\narms = b, a\nstrata = s1, s2\n[endpoint T os]\nevents = death\n"
                "[endpoint T pfs]\nevents = progression, death\n",
                /* strata */
                "[trial T]\narms = a, b\nstrata = s1\n[endpoint T os]\nevents = death\n"
                "[endpoint T pfs]\nevents = progression, death\n",
                /* an endpoint's events, or its competing events */
                "[trial T]\narms = a, b\nstrata = s1, s2\n[endpoint T os]\nevents = death\n"
                "[endpoint T pfs]\nevents = progression\n",
                "[trial T]\narms = a, b\nstrata = s1, s2\n[endpoint T os]\nevents = death\n"
                "[endpoint T pfs]\nevents = progression:distant\ncompeting = death\n",
                /* an endpoint removed, renamed, or one inserted before it */
                "[trial T]\narms = a, b\nstrata = s1, s2\n[endpoint T os]\nevents = death\n",
                "[trial T]\narms = a, b\nstrata = s1, s2\n[endpoint T os]\nevents = death\n"
                "[endpoint T efs]\nevents = progression, death\n",
                "[trial T]\narms = a, b\nstrata = s1, s2\n[endpoint T os]\nevents = death\n"
                "[endpoint T lrp]\nevents = progression:locoregional\n"
                "[endpoint T pfs]\nevents = progression, death\n",
        };
        for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
                char trials[1024];
                /* U changes its options alongside: taken, whatever happens to T. */
                snprintf(trials, sizeof(trials), "%s[trial U]\narms = x, y\nlandmarks = 7\n[endpoint U os]\nevents = death\n",
                         changed[i]);
                Config *c = merge(trials);
                assert_int_equal(c->n_trials, 2);
                assert_running_t(find(c, "T", 0));
                assert_int_equal(find(c, "U", 1)->report.landmarks[0], 7);
                config_free(c);
        }
}

static void test_removed(void **state) {
        /* A trial gone from the file stays, after the others. */
        Config *c = merge("[trial U]\narms = x, y\n[endpoint U os]\nevents = death\n");
        assert_int_equal(c->n_trials, 2);
        find(c, "U", 0);
        assert_running_t(find(c, "T", 1));
        config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_compatible),
                cmocka_unit_test(test_incompatible),
                cmocka_unit_test(test_removed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
