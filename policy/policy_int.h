/*
 * policy_int.h - helpers shared between the policy library's files.
 * Owns: nothing; declarations only. Not for use outside policy/ (tests
 * may include it).
 */
#ifndef GW_POLICY_POLICY_INT_H
#define GW_POLICY_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

/* Strict dotted quad. Return 0 or POL_ERR_BAD_IPV4. */
int	pol_ipv4_parse(const char *s, size_t len, uint8_t out[4]);
/* RFC 4291 text (no brackets, no zone). Return 0 or POL_ERR_BAD_IPV6. */
int	pol_ipv6_parse(const char *s, size_t len, uint8_t out[16]);
/* RFC 5952 canonical text; bufsz >= 46. Return the length written. */
size_t	pol_ipv6_format(const uint8_t a[16], char *buf, size_t bufsz);
/* SipHash-2-4 of 'len' bytes under a 16-byte key. */
uint64_t pol_siphash24(const uint8_t key[16], const void *data, size_t len);

#endif /* GW_POLICY_POLICY_INT_H */
