// Typed wrappers for libcurl's variadic calls, which Swift cannot call directly.
// Each maps one curl API 1-to-1; the logic lives in Swift (HTTP/CurlTransport.swift).
#ifndef ECR_SESSIONS_CCURL_SHIM_H
#define ECR_SESSIONS_CCURL_SHIM_H

#include <curl/curl.h>

static inline CURLcode ecr_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ecr_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ecr_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ecr_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ecr_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

// A blob (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB), copied by curl: PEM held in memory.
static inline CURLcode ecr_curl_setopt_blob(CURL *handle, CURLoption option, void *data, size_t length) {
    struct curl_blob blob = {data, length, CURL_BLOB_COPY};
    return curl_easy_setopt(handle, option, &blob);
}

typedef size_t (*ecr_curl_write_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode ecr_curl_setopt_write_function(CURL *handle, CURLoption option, ecr_curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode ecr_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
