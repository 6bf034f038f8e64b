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
// The next finished transfer's handle, with its result in `result`; NULL when none has finished since the last call.
CURL *ecr_curl_multi_next_done(CURLM *multi, CURLcode *result);

#endif
