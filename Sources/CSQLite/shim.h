// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
#ifndef ECR_SESSIONS_CSQLITE_SHIM_H
#define ECR_SESSIONS_CSQLITE_SHIM_H

#include <sqlite3.h>

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
