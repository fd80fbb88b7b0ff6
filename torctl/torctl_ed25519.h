/*
 * torctl_ed25519.h - the one piece of curve arithmetic OpenSSL does not
 * offer: the ed25519 public key A = a*B of an already expanded secret
 * scalar a (tor stores keys expanded, OpenSSL wants the seed).
 * Owns: nothing. Never: branches or indexes on secret bits.
 */
#ifndef GW_TORCTL_TORCTL_ED25519_H
#define GW_TORCTL_TORCTL_ED25519_H

#include <stdint.h>

/* Store the encoded point a*B (RFC 8032 5.1.2) in pk. 'a' is a 256-bit
 * little-endian scalar; it is used as is (no clamping, no reduction). */
void	torctl_ed25519_scalarmult_base(uint8_t pk[32], const uint8_t a[32]);

#endif /* GW_TORCTL_TORCTL_ED25519_H */
