/* test-keys.c — key files and roles: what each role allows, reading and writing key files, the directory of keys. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "keys.h"

static const char pub1[] = "S&NX+0o^g3B[p=A>+dPr}H]XDa-[RGFtSZ*KgS4:";
static const char sec1[] = "^a{DHgXAzP^f7ndlXtE8.#J(zKQ3yI!xm4i9<kr.";
static const char pub2[] = "pyj&}]B/bKrE37%8j6Zb3E=guR*5<E@s$R)V>g?<";

static void test_roles(void **state) {
        assert_int_equal(role_kind("site:S01"), ROLE_SITE);
        assert_int_equal(role_kind("site:S01,trials=E2108;GBSG"), ROLE_SITE);
        assert_int_equal(role_kind("dsmb"), ROLE_DSMB);
        assert_int_equal(role_kind("open"), ROLE_OPEN);
        assert_int_equal(role_kind("server"), ROLE_SERVER);
        assert_int_equal(role_kind("site:"), -EINVAL);
        assert_int_equal(role_kind("site:S01,trials="), -EINVAL);
        assert_int_equal(role_kind("site:S01,arms=a"), -EINVAL);
        assert_int_equal(role_kind("DSMB"), -EINVAL);
        /* The site must be one an event can carry: a name of at most 64 bytes. */
        assert_int_equal(role_kind("site:Z\xc3\xbcrich"), ROLE_SITE);
        assert_int_equal(role_kind("site:S\xc2\xa0" "1"), -EINVAL);
        assert_int_equal(role_kind("site:S\xff"), -EINVAL);
        assert_int_equal(role_kind("site:S1234567890123456789012345678901234567890123456789012345678901234"), -EINVAL);

        assert_true(role_allows("site:S01", "S01", "E2108"));
        assert_false(role_allows("site:S01", "S02", "E2108"));
        assert_false(role_allows("site:S01", "S0", "E2108"));
        assert_false(role_allows("site:S01", "S011", "E2108"));
        assert_true(role_allows("site:S01,trials=E2108;GBSG", "S01", "GBSG"));
        assert_true(role_allows("site:S01,trials=E2108;GBSG", "S01", "E2108"));
        assert_false(role_allows("site:S01,trials=E2108;GBSG", "S01", "E210"));
        assert_false(role_allows("site:S01,trials=E2108;GBSG", "S01", "SOLO"));
        assert_false(role_allows("dsmb", "S01", "E2108"));
        assert_false(role_allows("open", "S01", "E2108"));
}

typedef struct Dir {
        char path[64];
} Dir;

static void put(const Dir *d, const char *name, const char *text) {
        char path[128];
        snprintf(path, sizeof(path), "%s/%s", d->path, name);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void expect_read_error(const Dir *d, const char *text, const char *error_tail) {
        char path[128], want[256];
        put(d, "bad.key", text);
        snprintf(path, sizeof(path), "%s/bad.key", d->path);
        KeyFile k;
        char *error = NULL;
        assert_int_equal(key_file_read(path, &k, &error), -EINVAL);
        snprintf(want, sizeof(want), "%s:%s", path, error_tail);
        assert_string_equal(error, want);
        free(error);
        unlink(path);
}

static void test_files(void **state) {
        Dir d;
        snprintf(d.path, sizeof(d.path), "/tmp/test-keys-XXXXXX");
        assert_non_null(mkdtemp(d.path));
        char path[256];

        /* Written and read back: the pair private to its owner, the public half readable. */
        KeyFile pair = { 0 }, back;
        char *error = NULL;
        memcpy(pair.public_key, pub1, sizeof(pub1));
        memcpy(pair.secret_key, sec1, sizeof(sec1));
        snprintf(pair.role, sizeof(pair.role), "site:S01,trials=E2108");
        snprintf(path, sizeof(path), "%s/s01.key", d.path);
        assert_int_equal(key_file_write(path, &pair, 0600), 0);
        assert_int_equal(key_file_write(path, &pair, 0600), -EEXIST);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(key_file_read(path, &back, &error), 0);
        assert_string_equal(back.public_key, pub1);
        assert_string_equal(back.secret_key, sec1);
        assert_string_equal(back.role, "site:S01,trials=E2108");
        unlink(path);

        expect_read_error(&d, "public = abc\n", "1: a key is 40 characters of Z85");
        expect_read_error(&d, "role = dsmb\n", " no public key");
        expect_read_error(&d, "public = S&NX+0o^g3B[p=A>+dPr}H]XDa-[RGFtSZ*KgS4:\nrole = admin\n",
                          "2: role is site:SITE[,trials=T1;T2], dsmb, open or server");
        expect_read_error(&d, "[key]\npublic = x\n", "2: sections are not used in key files");

        /* The directory: every .pub, sorted, found by public key; nothing else read. */
        put(&d, "zeta.pub", "public = S&NX+0o^g3B[p=A>+dPr}H]XDa-[RGFtSZ*KgS4:\nrole = site:S01\n");
        put(&d, "dsmb.pub", "public = pyj&}]B/bKrE37%8j6Zb3E=guR*5<E@s$R)V>g?<\nrole = dsmb\n");
        put(&d, "notes.txt", "not a key\n");
        Keys *keys = NULL;
        assert_int_equal(keys_load(&keys, d.path, &error), 0);
        assert_int_equal(keys->n, 2);
        assert_string_equal(keys->keys[0].name, "dsmb");
        assert_string_equal(keys->keys[1].name, "zeta");
        assert_ptr_equal(keys_find(keys, pub1), &keys->keys[1]);
        assert_string_equal(keys_find(keys, pub2)->file.role, "dsmb");
        assert_null(keys_find(keys, "0000000000000000000000000000000000000000"));
        keys_free(keys);

        /* A .pub holding a secret is refused: secrets never go to the daemon's key directory. */
        put(&d, "leak.pub", "public = S&NX+0o^g3B[p=A>+dPr}H]XDa-[RGFtSZ*KgS4:\n"
                            "secret = ^a{DHgXAzP^f7ndlXtE8.#J(zKQ3yI!xm4i9<kr.\nrole = open\n");
        assert_int_equal(keys_load(&keys, d.path, &error), -EINVAL);
        snprintf(path, sizeof(path), "%s/leak.pub: a .pub file holds a public key and a role, no secret", d.path);
        assert_string_equal(error, path);
        free(error);
        snprintf(path, sizeof(path), "%s/leak.pub", d.path);
        unlink(path);

        /* The site's key again under another name and role: which role it has would depend on the names. */
        put(&d, "aa.pub", "public = S&NX+0o^g3B[p=A>+dPr}H]XDa-[RGFtSZ*KgS4:\nrole = dsmb\n");
        assert_int_equal(keys_load(&keys, d.path, &error), -EINVAL);
        snprintf(path, sizeof(path), "%s: aa.pub and zeta.pub hold the same public key: a key has one role", d.path);
        assert_string_equal(error, path);
        free(error);

        const char *names[] = { "zeta.pub", "dsmb.pub", "notes.txt", "aa.pub" };
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
                snprintf(path, sizeof(path), "%s/%s", d.path, names[i]);
                unlink(path);
        }
        rmdir(d.path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roles),
                cmocka_unit_test(test_files),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
