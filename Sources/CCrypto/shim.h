// The two primitives SigV4 needs from OpenSSL's libcrypto, SHA-256 and HMAC-SHA256, and SHA-1 for SSO cache names.
#ifndef ECR_SESSIONS_CCRYPTO_SHIM_H
#define ECR_SESSIONS_CCRYPTO_SHIM_H

#include <openssl/evp.h>
#include <openssl/hmac.h>

/// SHA-256 of `length` bytes into `digest` (32 bytes). Returns 1 on success.
static inline int ecr_sha256(const void *data, size_t length, unsigned char *digest) {
    unsigned int digest_length = 0;
    return EVP_Digest(data, length, digest, &digest_length, EVP_sha256(), NULL);
}

/// HMAC-SHA256 of `length` bytes under `key` into `mac` (32 bytes). Returns 1 on success.
static inline int ecr_hmac_sha256(const void *key, size_t key_length, const void *data, size_t length,
                                  unsigned char *mac) {
    unsigned int mac_length = 0;
    return HMAC(EVP_sha256(), key, (int)key_length, data, length, mac, &mac_length) != NULL;
}

/// SHA-1 of `length` bytes into `digest` (20 bytes). Returns 1 on success. Not for security: the AWS CLI names its
/// SSO token cache files by the SHA-1 of the session name or start URL.
static inline int ecr_sha1(const void *data, size_t length, unsigned char *digest) {
    unsigned int digest_length = 0;
    return EVP_Digest(data, length, digest, &digest_length, EVP_sha1(), NULL);
}

#endif
