/* answered.c — per site, the highest site_seq answered so far, in a hash table of the sites' names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "answered.h"

void answered_clear(Answered *a) {
        for (size_t i = 0; i < a->capacity; i++)
                free(a->slot[i].site);
        free(a->slot);
        *a = (Answered){ 0 };
}

/* The slot of site, or the free slot where it goes; a holds at least one slot. */
static AnsweredSite *slot_of(const Answered *a, const char *site) {
        uint64_t h;
        crypto_shorthash((unsigned char *)&h, (const unsigned char *)site, strlen(site), a->key);
        size_t mask = a->capacity - 1;
        for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
                AnsweredSite *s = &a->slot[i];
                if (!s->site || strcmp(s->site, site) == 0)
                        return s;
        }
}

/* Doubles the table (16 slots at first, when its key is drawn at random), placing every site again. */
static int grow(Answered *a) {
        Answered bigger = { .n = a->n, .capacity = a->capacity ? 2 * a->capacity : 16 };
        bigger.slot = calloc(bigger.capacity, sizeof(*bigger.slot));
        if (!bigger.slot)
                return -ENOMEM;
        if (a->capacity)
                memcpy(bigger.key, a->key, sizeof(a->key));
        else
                crypto_shorthash_keygen(bigger.key);
        for (size_t i = 0; i < a->capacity; i++)
                if (a->slot[i].site)
                        *slot_of(&bigger, a->slot[i].site) = a->slot[i];
        free(a->slot);
        *a = bigger;
        return 0;
}

AnsweredSite *answered_find(const Answered *a, const char *site) {
        if (a->n == 0)
                return NULL;
        AnsweredSite *s = slot_of(a, site);
        return s->site ? s : NULL;
}

int64_t answered_max(const Answered *a, const char *site) {
        const AnsweredSite *s = answered_find(a, site);
        return s ? s->max : 0;
}

int answered_note(Answered *a, const char *site, int64_t site_seq) {
        AnsweredSite *s = a->capacity ? slot_of(a, site) : NULL;
        if (s && s->site) {
                if (site_seq > s->max)
                        s->max = site_seq;
                return 0;
        }
        if (2 * (a->n + 1) > a->capacity) {
                int r = grow(a);
                if (r < 0)
                        return r;
                s = slot_of(a, site);
        }
        char *copy = strdup(site);
        if (!copy)
                return -ENOMEM;
        *s = (AnsweredSite){ .site = copy, .max = site_seq };
        a->n++;
        return 0;
}
