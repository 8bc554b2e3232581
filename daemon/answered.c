/* answered.c — per site, the highest site_seq answered so far, in an array sorted by site for binary search. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answered.h"

void answered_clear(Answered *a) {
        for (size_t i = 0; i < a->n; i++)
                free(a->site[i].site);
        free(a->site);
        *a = (Answered){ 0 };
}

/* The index of site, or where it would go, in *ret; returns whether it is there. */
static int find(const Answered *a, const char *site, size_t *ret) {
        size_t lo = 0, hi = a->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(a->site[mid].site, site);
                if (c == 0) {
                        *ret = mid;
                        return 1;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret = lo;
        return 0;
}

int64_t answered_max(const Answered *a, const char *site) {
        size_t i;
        return find(a, site, &i) ? a->site[i].max : 0;
}

int answered_note(Answered *a, const char *site, int64_t site_seq) {
        size_t i;
        if (find(a, site, &i)) {
                if (site_seq > a->site[i].max)
                        a->site[i].max = site_seq;
                return 0;
        }
        if (a->n == a->capacity) {
                size_t capacity = a->capacity ? 2 * a->capacity : 16;
                AnsweredSite *grown = realloc(a->site, capacity * sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                a->site = grown;
                a->capacity = capacity;
        }
        char *copy = strdup(site);
        if (!copy)
                return -ENOMEM;
        memmove(&a->site[i + 1], &a->site[i], (a->n - i) * sizeof(*a->site));
        a->site[i] = (AnsweredSite){ .site = copy, .max = site_seq };
        a->n++;
        return 0;
}
