// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
#ifndef ECR_SESSIONS_CSQLITE_SHIM_H
#define ECR_SESSIONS_CSQLITE_SHIM_H

#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

// What a connection's busy handler needs: how long one wait for a lock may last, and when the current one began.
struct ecr_sqlite3_busy_wait {
    int milliseconds;
    struct timespec started;
};

// Retries every 0.5 to 2 ms until `milliseconds` have passed since the wait began. SQLite's own handler
// (sqlite3_busy_timeout) sleeps up to 100 ms between tries: with eight processes writing at once, a waiter slept
// through every moment the lock was free and ran out its timeout while the others took turns.
static inline int ecr_sqlite3_busy_wait_handler(void *context, int count) {
    struct ecr_sqlite3_busy_wait *wait = (struct ecr_sqlite3_busy_wait *)context;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (count == 0) wait->started = now;
    long elapsed = (now.tv_sec - wait->started.tv_sec) * 1000 + (now.tv_nsec - wait->started.tv_nsec) / 1000000;
    if (elapsed >= wait->milliseconds) return 0;
    usleep(500 + (unsigned)(count % 4) * 500);
    return 1;
}

static inline int ecr_sqlite3_busy_wait(sqlite3 *database, struct ecr_sqlite3_busy_wait *wait) {
    return sqlite3_busy_handler(database, ecr_sqlite3_busy_wait_handler, wait);
}

static inline int ecr_sqlite3_bind_text_transient(sqlite3_stmt *statement, int index, const char *text) {
    return sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT);
}

// sqlite3_config is variadic. With no buffer and no page count, a connection allocates its page cache a page at a
// time as it reads, instead of 20 pages at once that it writes through at the first read: a cache read of a few pages
// touches less new memory. Before SQLite initialises (the first open); afterwards it is refused with SQLITE_MISUSE.
static inline int ecr_sqlite3_config_page_cache_on_demand(void) {
    return sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)0, 0, 0);
}

#endif
