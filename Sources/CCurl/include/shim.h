// libcurl, opened with dlopen on the first request instead of linked: linking it made every command, also those
// that never send a request (--help, status, an idle refresh), load and relocate its ~30 shared libraries.
// Only curl's header-only types and constants come from <curl/curl.h>; every call goes through the functions
// below, each mapping one curl API 1-to-1 (the logic lives in Swift, HTTP/CurlTransport.swift). The variadic
// curl_easy_setopt and curl_easy_getinfo are called here, in C, through correctly typed variadic pointers: Swift
// cannot call them, and a non-variadic cast would break the calling convention on Apple arm64.
#ifndef ECR_SESSIONS_CCURL_SHIM_H
#define ECR_SESSIONS_CCURL_SHIM_H

#include <curl/curl.h>
#include <stddef.h>
#ifdef __linux__
// For the transport's event loop (System/EventPoll.swift): Glibc's module map has neither header.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif

// Opens the first of `names` that loads, resolves the functions below from it and runs curl_global_init, once per
// process (thread-safe; later calls find it ready). Returns 1 when libcurl is ready. Returns 0 when none of `names`
// could be used, with why in `error` (NUL-terminated, truncated to `error_size`). Needs a successful call before
// any other function here.
int ecr_curl_load(const char *const *names, int count, char *error, size_t error_size);

CURL *ecr_curl_easy_init(void);
void ecr_curl_easy_cleanup(CURL *handle);
void ecr_curl_easy_reset(CURL *handle);
CURLcode ecr_curl_easy_perform(CURL *handle);
const char *ecr_curl_easy_strerror(CURLcode code);
struct curl_slist *ecr_curl_slist_append(struct curl_slist *list, const char *string);
void ecr_curl_slist_free_all(struct curl_slist *list);

CURLcode ecr_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ecr_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ecr_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ecr_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ecr_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
// A blob (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB), copied by curl: PEM held in memory.
CURLcode ecr_curl_setopt_blob(CURL *handle, CURLoption option, void *data, size_t length);

typedef size_t (*ecr_curl_write_callback)(char *data, size_t size, size_t count, void *context);

CURLcode ecr_curl_setopt_write_function(CURL *handle, CURLoption option, ecr_curl_write_callback callback);
CURLcode ecr_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);

// The multi interface, for many transfers on one thread (curl_multi_poll without extra descriptors).
CURLM *ecr_curl_multi_init(void);
CURLMcode ecr_curl_multi_add_handle(CURLM *multi, CURL *handle);
CURLMcode ecr_curl_multi_remove_handle(CURLM *multi, CURL *handle);
CURLMcode ecr_curl_multi_perform(CURLM *multi, int *running);
CURLMcode ecr_curl_multi_poll(CURLM *multi, int timeout_ms);
CURLMcode ecr_curl_multi_wakeup(CURLM *multi);
CURLMcode ecr_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);
// The socket interface: curl says which sockets to watch for what (`what` is CURL_POLL_IN, _OUT, _INOUT or _REMOVE)
// and when it next needs a call (`timeout_ms`, -1 for none); the caller's event loop watches them and calls
// ecr_curl_multi_socket_action for each ready socket (CURL_CSELECT_IN, _OUT, _ERR) or CURL_SOCKET_TIMEOUT.
typedef int (*ecr_curl_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *context,
                                       void *socket_context);
typedef int (*ecr_curl_timer_callback)(CURLM *multi, long timeout_ms, void *context);
CURLMcode ecr_curl_multi_setopt_socket_function(CURLM *multi, ecr_curl_socket_callback callback, void *context);
CURLMcode ecr_curl_multi_setopt_timer_function(CURLM *multi, ecr_curl_timer_callback callback, void *context);
CURLMcode ecr_curl_multi_socket_action(CURLM *multi, curl_socket_t socket, int events, int *running);
// The next finished transfer's handle, with its result in `result`; NULL when none has finished since the last call.
CURL *ecr_curl_multi_next_done(CURLM *multi, CURLcode *result);

#endif
