// SHA-1 for SSO cache names; SHA-256 and HMAC-SHA256 are built in Signing/Digest.swift on the EVP API directly.
#ifndef ECR_SESSIONS_CCRYPTO_SHIM_H
#define ECR_SESSIONS_CCRYPTO_SHIM_H

#include <openssl/evp.h>

/// SHA-1 of `length` bytes into `digest` (20 bytes). Returns 1 on success. Not for security: the AWS CLI names its
/// SSO token cache files by the SHA-1 of the session name or start URL.
static inline int ecr_sha1(const void *data, size_t length, unsigned char *digest) {
    unsigned int digest_length = 0;
    return EVP_Digest(data, length, digest, &digest_length, EVP_sha1(), NULL);
}

#endif
