/* sha256.h: SHA-256 (FIPS 180-4), for audit digests of command output. */
#ifndef CADE_SHA256_H
#define CADE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t	h[8];
	uint64_t	len;
	uint8_t		block[64];
	size_t		used;
};

void	sha256_init(struct sha256 *);
void	sha256_update(struct sha256 *, const void *, size_t);
void	sha256_final(struct sha256 *, uint8_t out[32]);
/* Hex digest of a whole buffer into out (65 bytes with NUL). */
void	sha256_hex(const void *, size_t, char out[65]);

#endif
