/* checkpoint.c — a thread with its own SQLite connection running passive checkpoints when the writer's log grows. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "checkpoint.h"
#include "log.h"

struct Checkpointer {
        sqlite3 *db; /* the thread's own connection */
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        bool asked, stop;
        int warn_at; /* the writer's: the log's length to warn of next */
};

/*
 * The writer's log hook: called in the writer's thread after each commit, with the frames
 * in the log.  The thread copies the frames while the writer goes on, but the log can
 * start again from its beginning only once a checkpoint has copied every frame, which a
 * thread racing the commits rarely manages.  So at twice the mark the writer finishes
 * the copy itself: by then only the frames since the thread's last pass are left.
 */
static int on_commit(void *userdata, sqlite3 *db, const char *name, int frames) {
        Checkpointer *c = userdata;
        if (frames >= c->warn_at) {
                log_warning("store: the write-ahead log holds %d pages: another connection's open transaction keeps "
                            "them from being copied back, and the log grows until it ends",
                            frames);
                c->warn_at = 2 * frames;
        } else if (frames < CHECKPOINT_PAGES && c->warn_at > CHECKPOINT_WARN_PAGES) {
                log_notice("store: the write-ahead log was copied back and starts again from its beginning");
                c->warn_at = CHECKPOINT_WARN_PAGES;
        }
        if (frames >= 2 * CHECKPOINT_PAGES) {
                /* Busy while the thread's pass runs: the next commit tries again. */
                (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        } else if (frames >= CHECKPOINT_PAGES) {
                pthread_mutex_lock(&c->lock);
                c->asked = true;
                pthread_cond_signal(&c->wake);
                pthread_mutex_unlock(&c->lock);
        }
        return SQLITE_OK;
}

static void *run(void *userdata) {
        Checkpointer *c = userdata;
        pthread_mutex_lock(&c->lock);
        for (;;) {
                while (!c->asked && !c->stop)
                        pthread_cond_wait(&c->wake, &c->lock);
                if (c->stop)
                        break;
                c->asked = false;
                pthread_mutex_unlock(&c->lock);
                /* Passive: copies what no reader needs, never blocks the writer.  A busy try is retried at the next ask. */
                int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
                if (rc != SQLITE_OK && rc != SQLITE_BUSY)
                        log_warning("store: checkpoint: %s", sqlite3_errmsg(c->db));
                pthread_mutex_lock(&c->lock);
        }
        pthread_mutex_unlock(&c->lock);
        return NULL;
}

int checkpointer_new(Checkpointer **ret, sqlite3 *db, const char *path) {
        Checkpointer *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        int rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        /* A connection learns that the file is in WAL mode only once it reads it. */
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(c->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
                sqlite3_close(c->db);
                free(c);
                return rc == SQLITE_NOMEM ? -ENOMEM : -EIO;
        }
        c->warn_at = CHECKPOINT_WARN_PAGES;
        pthread_mutex_init(&c->lock, NULL);
        pthread_cond_init(&c->wake, NULL);
        int r = pthread_create(&c->thread, NULL, run, c);
        if (r != 0) {
                pthread_cond_destroy(&c->wake);
                pthread_mutex_destroy(&c->lock);
                sqlite3_close(c->db);
                free(c);
                return -r;
        }
        /* Replaces the hook of the writer's own automatic checkpoints. */
        sqlite3_wal_hook(db, on_commit, c);
        *ret = c;
        return 0;
}

void checkpointer_free(Checkpointer *c) {
        if (!c)
                return;
        pthread_mutex_lock(&c->lock);
        c->stop = true;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->thread, NULL);
        pthread_cond_destroy(&c->wake);
        pthread_mutex_destroy(&c->lock);
        sqlite3_close(c->db);
        free(c);
}
