// See include/shim.h: libcurl's functions, resolved from the library on first use.
#include "shim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/// The libcurl functions the transport calls, with curl's own signatures (variadic where curl's are).
struct ecr_curl_api {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    void (*easy_reset)(CURL *handle);
    CURLcode (*easy_perform)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
    void (*slist_free_all)(struct curl_slist *list);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd *extra, unsigned int extra_count, int timeout_ms,
                            int *ready);
    CURLMcode (*multi_wakeup)(CURLM *multi);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *queued);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t socket, int events, int *running);
};

static struct ecr_curl_api api;
static int api_ready;
static pthread_mutex_t api_lock = PTHREAD_MUTEX_INITIALIZER;

/// Appends `text` to the NUL-terminated message in `error`, never past `error_size`.
static void append_error(char *error, size_t error_size, const char *text) {
    if (error == NULL || error_size == 0) return;
    size_t used = strnlen(error, error_size - 1);
    snprintf(error + used, error_size - used, "%s%s", used > 0 ? "; " : "", text);
}

/// Resolves every function into `resolved`; names the first missing one in `error` if any.
static int resolve(void *library, const char *name, struct ecr_curl_api *resolved, char *error, size_t error_size) {
    struct {
        const char *symbol;
        void **slot;
    } table[] = {
        {"curl_global_init", (void **)&resolved->global_init},
        {"curl_easy_init", (void **)&resolved->easy_init},
        {"curl_easy_cleanup", (void **)&resolved->easy_cleanup},
        {"curl_easy_reset", (void **)&resolved->easy_reset},
        {"curl_easy_perform", (void **)&resolved->easy_perform},
        {"curl_easy_strerror", (void **)&resolved->easy_strerror},
        {"curl_slist_append", (void **)&resolved->slist_append},
        {"curl_slist_free_all", (void **)&resolved->slist_free_all},
        {"curl_easy_setopt", (void **)&resolved->easy_setopt},
        {"curl_easy_getinfo", (void **)&resolved->easy_getinfo},
        {"curl_multi_init", (void **)&resolved->multi_init},
        {"curl_multi_add_handle", (void **)&resolved->multi_add_handle},
        {"curl_multi_remove_handle", (void **)&resolved->multi_remove_handle},
        {"curl_multi_perform", (void **)&resolved->multi_perform},
        {"curl_multi_poll", (void **)&resolved->multi_poll},
        {"curl_multi_wakeup", (void **)&resolved->multi_wakeup},
        {"curl_multi_info_read", (void **)&resolved->multi_info_read},
        {"curl_multi_setopt", (void **)&resolved->multi_setopt},
        {"curl_multi_socket_action", (void **)&resolved->multi_socket_action},
    };
    for (size_t index = 0; index < sizeof table / sizeof table[0]; index++) {
        *table[index].slot = dlsym(library, table[index].symbol);
        if (*table[index].slot == NULL) {
            char message[256];
            snprintf(message, sizeof message, "%s has no %s", name, table[index].symbol);
            append_error(error, error_size, message);
            return 0;
        }
    }
    return 1;
}

int ecr_curl_load(const char *const *names, int count, char *error, size_t error_size) {
    if (error != NULL && error_size > 0) error[0] = '\0';
    pthread_mutex_lock(&api_lock);
    int loaded = 0;
    for (int index = 0; index < count && !loaded; index++) {
        void *library = dlopen(names[index], RTLD_NOW | RTLD_LOCAL);
        if (library == NULL) {
            const char *reason = dlerror();
            append_error(error, error_size, reason != NULL ? reason : names[index]);
            continue;
        }
        struct ecr_curl_api resolved;
        if (!resolve(library, names[index], &resolved, error, error_size)) {
            dlclose(library);
            continue;
        }
        loaded = 1;
        if (api_ready) {
            // Ready from an earlier call: keep that one (its dlopen is never closed); drop this extra reference.
            dlclose(library);
        } else {
            api = resolved;
            api.global_init(CURL_GLOBAL_DEFAULT);
            api_ready = 1;
        }
    }
    pthread_mutex_unlock(&api_lock);
    return loaded;
}

CURL *ecr_curl_easy_init(void) { return api.easy_init(); }
void ecr_curl_easy_cleanup(CURL *handle) { api.easy_cleanup(handle); }
void ecr_curl_easy_reset(CURL *handle) { api.easy_reset(handle); }
CURLcode ecr_curl_easy_perform(CURL *handle) { return api.easy_perform(handle); }
const char *ecr_curl_easy_strerror(CURLcode code) { return api.easy_strerror(code); }

struct curl_slist *ecr_curl_slist_append(struct curl_slist *list, const char *string) {
    return api.slist_append(list, string);
}

void ecr_curl_slist_free_all(struct curl_slist *list) { api.slist_free_all(list); }

CURLcode ecr_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return api.easy_setopt(handle, option, value);
}

CURLcode ecr_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return api.easy_setopt(handle, option, value);
}

CURLcode ecr_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return api.easy_setopt(handle, option, value);
}

CURLcode ecr_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return api.easy_setopt(handle, option, value);
}

CURLcode ecr_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return api.easy_setopt(handle, option, value);
}

CURLcode ecr_curl_setopt_blob(CURL *handle, CURLoption option, void *data, size_t length) {
    struct curl_blob blob = {data, length, CURL_BLOB_COPY};
    return api.easy_setopt(handle, option, &blob);
}

CURLcode ecr_curl_setopt_write_function(CURL *handle, CURLoption option, ecr_curl_write_callback callback) {
    return api.easy_setopt(handle, option, callback);
}

CURLcode ecr_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return api.easy_getinfo(handle, info, value);
}

CURLM *ecr_curl_multi_init(void) { return api.multi_init(); }
CURLMcode ecr_curl_multi_add_handle(CURLM *multi, CURL *handle) { return api.multi_add_handle(multi, handle); }
CURLMcode ecr_curl_multi_remove_handle(CURLM *multi, CURL *handle) { return api.multi_remove_handle(multi, handle); }
CURLMcode ecr_curl_multi_perform(CURLM *multi, int *running) { return api.multi_perform(multi, running); }
CURLMcode ecr_curl_multi_poll(CURLM *multi, int timeout_ms) { return api.multi_poll(multi, NULL, 0, timeout_ms, NULL); }
CURLMcode ecr_curl_multi_wakeup(CURLM *multi) { return api.multi_wakeup(multi); }
CURLMcode ecr_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return api.multi_setopt(multi, option, value);
}

CURLMcode ecr_curl_multi_setopt_socket_function(CURLM *multi, ecr_curl_socket_callback callback, void *context) {
    CURLMcode code = api.multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, callback);
    return code != CURLM_OK ? code : api.multi_setopt(multi, CURLMOPT_SOCKETDATA, context);
}

CURLMcode ecr_curl_multi_setopt_timer_function(CURLM *multi, ecr_curl_timer_callback callback, void *context) {
    CURLMcode code = api.multi_setopt(multi, CURLMOPT_TIMERFUNCTION, callback);
    return code != CURLM_OK ? code : api.multi_setopt(multi, CURLMOPT_TIMERDATA, context);
}

CURLMcode ecr_curl_multi_socket_action(CURLM *multi, curl_socket_t socket, int events, int *running) {
    return api.multi_socket_action(multi, socket, events, running);
}

CURL *ecr_curl_multi_next_done(CURLM *multi, CURLcode *result) {
    int queued = 0;
    CURLMsg *message;
    while ((message = api.multi_info_read(multi, &queued)) != NULL) {
        if (message->msg == CURLMSG_DONE) {
            *result = message->data.result;
            return message->easy_handle;
        }
    }
    return NULL;
}
