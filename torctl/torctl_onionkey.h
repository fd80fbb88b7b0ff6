/*
 * torctl_onionkey.h - v3 onion service keys: generate, store, load, import
 * from tor (hs_ed25519_secret_key, ADD_ONION blobs), derive the .onion name.
 * Owns: the 64-byte expanded ed25519 secret of one key (wiped on free).
 * Never: talks to tor, logs, or writes a key file readable by others.
 *
 * File format: exactly tor's hs_ed25519_secret_key, 96 bytes:
 *   "== ed25519v1-secret: type0 ==" padded with NULs to 32 bytes, then the
 *   expanded secret key: 32-byte clamped scalar a || 32-byte PRF secret
 *   (SHA-512(seed) with a clamped, as tor stores it).
 * An operator can copy the file into a HiddenServiceDir and back.
 */
#ifndef GW_TORCTL_TORCTL_ONIONKEY_H
#define GW_TORCTL_TORCTL_ONIONKEY_H

#include <stddef.h>
#include <stdint.h>

struct torctl_onionkey;			/* opaque */

#define TORCTL_ONION_ID_LEN	56	/* base32 service id, no ".onion" */
#define TORCTL_ONION_ADDR_LEN	62	/* id + ".onion" */
#define TORCTL_ONIONKEY_FILE_LEN 96
#define TORCTL_ONIONKEY_BLOB_MAX 128	/* "ED25519-V3:" + 88 base64 + NUL */

/* Make a fresh key from OpenSSL's RNG. Store it in *out (caller frees) and
 * return 0, or a negative enum torctl_err and leave *out NULL. */
int	torctl_onionkey_generate(struct torctl_onionkey **out);

/* Derive the key from a 32-byte ed25519 seed (RFC 8032 private key). */
int	torctl_onionkey_from_seed(const uint8_t seed[32],
	    struct torctl_onionkey **out);

/* Use a 64-byte expanded secret (scalar || PRF secret) as is; the scalar
 * must have its low 3 bits and bit 255 clear (as SHA-512 clamping and
 * vanity generators leave it) or TORCTL_ERR_KEY is returned. */
int	torctl_onionkey_from_expanded(const uint8_t sk[64],
	    struct torctl_onionkey **out);

/* Load a key file in the format above (ours or tor's). Return 0, or
 * TORCTL_ERR_IO (errno kept), TORCTL_ERR_KEY (wrong size or header). */
int	torctl_onionkey_load(const char *path, struct torctl_onionkey **out);

/* Write 'k' to 'path' with mode 0600, atomically (temp file, fsync,
 * rename). Return 0 or TORCTL_ERR_IO (errno kept). */
int	torctl_onionkey_save(const struct torctl_onionkey *k,
	    const char *path);

/* Import an ADD_ONION key: "ED25519-V3:<base64 of 64 bytes>" or just the
 * base64. Return 0, TORCTL_ERR_KEY or TORCTL_ERR_NOMEM. */
int	torctl_onionkey_from_blob(const char *blob, size_t len,
	    struct torctl_onionkey **out);

/* Write "ED25519-V3:<base64>" (NUL-terminated) into buf. Return 0 or
 * TORCTL_ERR_TOOBIG if buflen < TORCTL_ONIONKEY_BLOB_MAX. Wipe buf after
 * use: it is the secret key. */
int	torctl_onionkey_to_blob(const struct torctl_onionkey *k, char *buf,
	    size_t buflen);

/* The 32-byte ed25519 public key. */
void	torctl_onionkey_pubkey(const struct torctl_onionkey *k,
	    uint8_t pk[32]);

/* Write the 56-character service id (no ".onion"), NUL-terminated. Return 0
 * or TORCTL_ERR_TOOBIG if buflen <= TORCTL_ONION_ID_LEN. */
int	torctl_onionkey_service_id(const struct torctl_onionkey *k, char *buf,
	    size_t buflen);

/* Service id of a v3 public key (rend-spec: base32(pk || checksum[0..1] ||
 * 0x03), checksum = SHA3-256(".onion checksum" || pk || 0x03)). */
int	torctl_onion_service_id(const uint8_t pk[32], char *buf,
	    size_t buflen);

/* Wipe and free. NULL is a no-op. */
void	torctl_onionkey_free(struct torctl_onionkey *k);

#endif /* GW_TORCTL_TORCTL_ONIONKEY_H */
