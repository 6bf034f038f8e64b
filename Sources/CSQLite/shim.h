// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
#ifndef ECR_SESSIONS_CSQLITE_SHIM_H
#define ECR_SESSIONS_CSQLITE_SHIM_H

#include <sqlite3.h>

static inline int ecr_sqlite3_bind_text_transient(sqlite3_stmt *statement, int index, const char *text) {
    return sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT);
}

#endif
