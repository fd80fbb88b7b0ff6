/*
 * torctl_onionkey.c - v3 onion keys in tor's hs_ed25519_secret_key format,
 * ADD_ONION blobs, and the service id (rend-spec-v3 6: onion address).
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "torctl/torctl.h"
#include "torctl/torctl_ed25519.h"
#include "torctl/torctl_onionkey.h"

#define KEY_HEADER	"== ed25519v1-secret: type0 =="
#define KEY_HEADER_LEN	32		/* header string padded with NULs */
#define BLOB_PREFIX	"ED25519-V3:"

/* Owned by whoever created it; wiped by torctl_onionkey_free(). */
struct torctl_onionkey {
	uint8_t	sk[64];			/* clamped scalar || PRF secret */
	uint8_t	pk[32];
};

void
torctl_onionkey_free(struct torctl_onionkey *k)
{
	if (k == NULL)
		return;
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

int
torctl_onionkey_from_expanded(const uint8_t sk[64],
    struct torctl_onionkey **out)
{
	struct torctl_onionkey	*k;

	*out = NULL;
	/* tor's ed25519 code needs bit 255 clear; a cofactor-cleared scalar
	 * has its low 3 bits clear (vanity generators keep both). */
	if ((sk[0] & 7) != 0 || (sk[31] & 0x80) != 0)
		return TORCTL_ERR_KEY;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return TORCTL_ERR_NOMEM;
	memcpy(k->sk, sk, 64);
	torctl_ed25519_scalarmult_base(k->pk, k->sk);
	*out = k;
	return 0;
}

int
torctl_onionkey_from_seed(const uint8_t seed[32],
    struct torctl_onionkey **out)
{
	uint8_t	h[64];
	int	r;

	SHA512(seed, 32, h);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	r = torctl_onionkey_from_expanded(h, out);
	OPENSSL_cleanse(h, sizeof(h));
	return r;
}

int
torctl_onionkey_generate(struct torctl_onionkey **out)
{
	EVP_PKEY_CTX		*ctx = NULL;
	EVP_PKEY		*pkey = NULL;
	struct torctl_onionkey	*k = NULL;
	uint8_t			 seed[32], pk[32];
	size_t			 n;
	int			 r = TORCTL_ERR_NOMEM;

	*out = NULL;
	if ((ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &pkey) <= 0)
		goto out;
	n = sizeof(seed);
	if (EVP_PKEY_get_raw_private_key(pkey, seed, &n) != 1 || n != 32)
		goto out;
	n = sizeof(pk);
	if (EVP_PKEY_get_raw_public_key(pkey, pk, &n) != 1 || n != 32)
		goto out;
	if ((r = torctl_onionkey_from_seed(seed, &k)) != 0)
		goto out;
	/* Our scalar multiplication must agree with OpenSSL's. */
	if (CRYPTO_memcmp(pk, k->pk, 32) != 0) {
		r = TORCTL_ERR_KEY;
		goto out;
	}
	*out = k;
	k = NULL;				/* transferred */
	r = 0;
 out:
	OPENSSL_cleanse(seed, sizeof(seed));
	torctl_onionkey_free(k);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int
torctl_onionkey_load(const char *path, struct torctl_onionkey **out)
{
	uint8_t		buf[TORCTL_ONIONKEY_FILE_LEN + 1];
	uint8_t		hdr[KEY_HEADER_LEN];
	size_t		got = 0;
	ssize_t		n;
	int		fd, r, e;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return TORCTL_ERR_IO;
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			OPENSSL_cleanse(buf, sizeof(buf));
			errno = e;
			return TORCTL_ERR_IO;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, KEY_HEADER, strlen(KEY_HEADER));
	if (got != TORCTL_ONIONKEY_FILE_LEN ||
	    memcmp(buf, hdr, KEY_HEADER_LEN) != 0) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return TORCTL_ERR_KEY;
	}
	r = torctl_onionkey_from_expanded(buf + KEY_HEADER_LEN, out);
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

/* Make the rename durable: fsync the directory holding 'path'. Best
 * effort; the key file itself is already synced. */
static void
sync_parent(const char *path)
{
	char		*dir;
	const char	*slash = strrchr(path, '/');
	int		 fd;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
torctl_onionkey_save(const struct torctl_onionkey *k, const char *path)
{
	uint8_t		 buf[TORCTL_ONIONKEY_FILE_LEN];
	char		*tmp = NULL;
	size_t		 plen = strlen(path), off = 0;
	ssize_t		 n;
	int		 fd = -1, r = TORCTL_ERR_IO, e = 0;

	if ((tmp = malloc(plen + 16)) == NULL)
		return TORCTL_ERR_NOMEM;
	snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
	/* mkstemp creates the file 0600. */
	if ((fd = mkstemp(tmp)) == -1) {
		e = errno;
		free(tmp);
		errno = e;
		return TORCTL_ERR_IO;
	}
	memset(buf, 0, sizeof(buf));
	memcpy(buf, KEY_HEADER, strlen(KEY_HEADER));
	memcpy(buf + KEY_HEADER_LEN, k->sk, 64);
	if (fchmod(fd, 0600) != 0)
		goto out;
	while (off < sizeof(buf)) {
		n = write(fd, buf + off, sizeof(buf) - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	sync_parent(path);
	r = 0;
 out:
	e = errno;
	OPENSSL_cleanse(buf, sizeof(buf));
	if (fd != -1)
		close(fd);
	if (r != 0)
		unlink(tmp);
	free(tmp);
	errno = e;
	return r;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64val(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

int
torctl_onionkey_from_blob(const char *blob, size_t len,
    struct torctl_onionkey **out)
{
	uint8_t		sk[66];
	uint32_t	acc = 0;
	size_t		i, n = 0, bits = 0;
	int		v, r;

	*out = NULL;
	if (len >= strlen(BLOB_PREFIX) &&
	    memcmp(blob, BLOB_PREFIX, strlen(BLOB_PREFIX)) == 0) {
		blob += strlen(BLOB_PREFIX);
		len -= strlen(BLOB_PREFIX);
	}
	while (len > 0 && blob[len - 1] == '=')
		len--;
	/* 64 bytes are 86 base64 characters (+ "=="). */
	if (len != 86)
		return TORCTL_ERR_KEY;
	for (i = 0; i < len; i++) {
		if ((v = b64val(blob[i])) < 0) {
			OPENSSL_cleanse(sk, sizeof(sk));
			return TORCTL_ERR_KEY;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			sk[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* The 4 leftover bits must be zero (canonical encoding). */
	if ((acc & ((1u << bits) - 1)) != 0 || n != 64) {
		OPENSSL_cleanse(sk, sizeof(sk));
		return TORCTL_ERR_KEY;
	}
	r = torctl_onionkey_from_expanded(sk, out);
	OPENSSL_cleanse(sk, sizeof(sk));
	acc = 0;
	return r;
}

int
torctl_onionkey_to_blob(const struct torctl_onionkey *k, char *buf,
    size_t buflen)
{
	const uint8_t	*s = k->sk;
	size_t		 i, o;
	uint32_t	 v;

	if (buflen < TORCTL_ONIONKEY_BLOB_MAX)
		return TORCTL_ERR_TOOBIG;
	memcpy(buf, BLOB_PREFIX, strlen(BLOB_PREFIX));
	o = strlen(BLOB_PREFIX);
	for (i = 0; i + 3 <= 63; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		buf[o++] = b64[v >> 18 & 63];
		buf[o++] = b64[v >> 12 & 63];
		buf[o++] = b64[v >> 6 & 63];
		buf[o++] = b64[v & 63];
	}
	v = (uint32_t)s[63] << 16;		/* 64 = 21 * 3 + 1 */
	buf[o++] = b64[v >> 18 & 63];
	buf[o++] = b64[v >> 12 & 63];
	buf[o++] = '=';
	buf[o++] = '=';
	buf[o] = '\0';
	return 0;
}

void
torctl_onionkey_pubkey(const struct torctl_onionkey *k, uint8_t pk[32])
{
	memcpy(pk, k->pk, 32);
}

int
torctl_onion_service_id(const uint8_t pk[32], char *buf, size_t buflen)
{
	static const char	 b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	static const char	 label[] = ".onion checksum";
	uint8_t			 in[35], h[32];
	unsigned		 hlen = sizeof(h);
	EVP_MD_CTX		*ctx;
	size_t			 i, o = 0, bits = 0;
	uint32_t		 acc = 0;
	int			 ok;

	if (buflen <= TORCTL_ONION_ID_LEN)
		return TORCTL_ERR_TOOBIG;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return TORCTL_ERR_NOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha3_256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, label, sizeof(label) - 1) == 1 &&
	    EVP_DigestUpdate(ctx, pk, 32) == 1 &&
	    EVP_DigestUpdate(ctx, "\x03", 1) == 1 &&
	    EVP_DigestFinal_ex(ctx, h, &hlen) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return TORCTL_ERR_NOMEM;
	memcpy(in, pk, 32);
	in[32] = h[0];
	in[33] = h[1];
	in[34] = 0x03;
	for (i = 0; i < sizeof(in); i++) {	/* 35 bytes = 56 x 5 bits */
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			buf[o++] = b32[(acc >> bits) & 31];
		}
	}
	buf[o] = '\0';
	return 0;
}

int
torctl_onionkey_service_id(const struct torctl_onionkey *k, char *buf,
    size_t buflen)
{
	return torctl_onion_service_id(k->pk, buf, buflen);
}
