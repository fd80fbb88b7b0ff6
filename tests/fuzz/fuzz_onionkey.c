/*
 * fuzz_onionkey.c - libFuzzer target for onion key input: key files
 * (tor's hs_ed25519_secret_key, which is also ours), ADD_ONION key blobs,
 * ed25519 seeds and expanded secrets.
 * Owns: one memfd per run holding the file bytes.
 * Input: byte 0 picks the mode (% 4), the rest is the payload:
 *   0 key file (loaded through torctl_onionkey_load on a memfd),
 *   1 ADD_ONION blob ("ED25519-V3:<base64>" or bare base64),
 *   2 a 32-byte seed (public key checked against OpenSSL's Ed25519),
 *   3 a 64-byte expanded secret.
 * Every key that loads must survive blob and file round trips with the same
 * public key, and its service id must decode (policy/) to that key.
 */
#include "config.h"

#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "policy/policy.h"
#include "torctl/torctl.h"
#include "torctl/torctl_onionkey.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Load 'len' bytes as a key file through a memfd (no disk, no name). */
static int
load_bytes(const uint8_t *buf, size_t len, struct torctl_onionkey **out)
{
	char	path[64];
	int	fd, r;

	*out = NULL;
	if ((fd = memfd_create("fuzz_onionkey", MFD_CLOEXEC)) == -1)
		return TORCTL_ERR_IO;
	if (len > 0 && write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return TORCTL_ERR_IO;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = torctl_onionkey_load(path, out);
	close(fd);
	return r;
}

/* A private directory for save/load round trips (tmpfs when there is one),
 * removed at exit. */
static char	tmpdir[64];

static void
rm_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		(void)rmdir(tmpdir);
}

static void
init(void)
{
	const char	*base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
			    "/tmp";

	snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz_onionkey.XXXXXX", base);
	if (mkdtemp(tmpdir) == NULL)
		tmpdir[0] = '\0';
	else
		atexit(rm_tmpdir);
}

/* What every loaded key promises. */
static void
check_key(const struct torctl_onionkey *k, int deep)
{
	struct torctl_onionkey	*k2 = NULL;
	uint8_t			 pk[32], pk2[32], dec[32];
	char			 blob[TORCTL_ONIONKEY_BLOB_MAX];
	char			 id[TORCTL_ONION_ADDR_LEN + 1];
	char			 path[sizeof(tmpdir) + 8];

	torctl_onionkey_pubkey(k, pk);
	/* blob round trip */
	if (torctl_onionkey_to_blob(k, blob, sizeof(blob)) != 0 ||
	    strncmp(blob, "ED25519-V3:", 11) != 0 || strlen(blob) != 11 + 88)
		abort();
	if (torctl_onionkey_from_blob(blob, strlen(blob), &k2) != 0)
		abort();
	torctl_onionkey_pubkey(k2, pk2);
	if (memcmp(pk, pk2, 32) != 0)
		abort();
	torctl_onionkey_free(k2);
	/* the bare base64 is accepted too */
	if (torctl_onionkey_from_blob(blob + 11, strlen(blob + 11), &k2) != 0)
		abort();
	torctl_onionkey_free(k2);
	/* file round trip (modes 0 and 1 only: a save costs an fsync) */
	if (deep && tmpdir[0] != '\0') {
		snprintf(path, sizeof(path), "%s/key", tmpdir);
		if (torctl_onionkey_save(k, path) != 0 ||
		    torctl_onionkey_load(path, &k2) != 0)
			abort();
		torctl_onionkey_pubkey(k2, pk2);
		if (memcmp(pk, pk2, 32) != 0)
			abort();
		torctl_onionkey_free(k2);
		(void)unlink(path);
	}
	/* service id: 56 chars, and policy decodes it to the same key */
	if (torctl_onionkey_service_id(k, id, sizeof(id)) != 0 ||
	    strlen(id) != TORCTL_ONION_ID_LEN)
		abort();
	memcpy(id + TORCTL_ONION_ID_LEN, ".onion", 7);
	if (pol_onion_decode(id, strlen(id), dec) != 0 ||
	    memcmp(dec, pk, 32) != 0)
		abort();
	/* too small a buffer is refused, not overrun */
	if (torctl_onionkey_service_id(k, id, TORCTL_ONION_ID_LEN) == 0 ||
	    torctl_onionkey_to_blob(k, blob, TORCTL_ONIONKEY_BLOB_MAX - 1) == 0)
		abort();
}

/* Ed25519 public key of a seed as OpenSSL computes it. */
static int
openssl_pub(const uint8_t seed[32], uint8_t pk[32])
{
	EVP_PKEY	*p;
	size_t		 n = 32;
	int		 ok;

	p = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (p == NULL)
		return -1;
	ok = EVP_PKEY_get_raw_public_key(p, pk, &n) == 1 && n == 32;
	EVP_PKEY_free(p);
	return ok ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct torctl_onionkey	*k = NULL;
	uint8_t			 buf[64], pk[32], ref[32];
	char			*copy;
	static int		 inited;
	int			 r;

	if (!inited) {
		inited = 1;
		init();
	}
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		r = load_bytes(data + 1, size - 1, &k);
		if (r == 0 && size - 1 != TORCTL_ONIONKEY_FILE_LEN)
			abort();		/* only exact-size files load */
		break;
	case 1:
		/* exact-size heap copy: ASan sees any read past the end */
		if ((copy = malloc(size - 1 ? size - 1 : 1)) == NULL)
			return 0;
		memcpy(copy, data + 1, size - 1);
		r = torctl_onionkey_from_blob(copy, size - 1, &k);
		free(copy);
		break;
	case 2:
		memset(buf, 0, sizeof(buf));
		memcpy(buf, data + 1, size - 1 < 32 ? size - 1 : 32);
		r = torctl_onionkey_from_seed(buf, &k);
		if (r != 0)
			abort();		/* every seed makes a key */
		torctl_onionkey_pubkey(k, pk);
		if (openssl_pub(buf, ref) == 0 && memcmp(pk, ref, 32) != 0)
			abort();		/* our scalarmult disagrees */
		break;
	default:
		memset(buf, 0, sizeof(buf));
		memcpy(buf, data + 1, size - 1 < 64 ? size - 1 : 64);
		r = torctl_onionkey_from_expanded(buf, &k);
		if (r == 0 && ((buf[0] & 7) != 0 || (buf[31] & 0x80) != 0))
			abort();		/* an unclamped scalar loaded */
		break;
	}
	if ((r == 0) != (k != NULL))
		abort();			/* *out set iff success */
	if (k != NULL)
		check_key(k, data[0] % 4 < 2);
	torctl_onionkey_free(k);
	return 0;
}
