/* check_torctl_onionkey.c - onion keys: curve arithmetic against OpenSSL and
 * RFC 8032, file format, ADD_ONION blobs, service ids tor gave us. */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "tests/check_torctl.h"
#include "torctl/torctl.h"
#include "torctl/torctl_ed25519.h"
#include "torctl/torctl_onionkey.h"

/* Recorded from tor 0.4.9.11: ADD_ONION NEW:ED25519-V3 answered with this
 * PrivateKey and ServiceID. */
#define TOR_BLOB "ED25519-V3:KAHBKVjsvwAAK27wahgiCmeRwbhMtiIKTS1/Z/oQoUaQte7w" \
	"SB5uNDA/G1Jfx4e0vb2ji8rcpASsjOyetvwCgQ=="
#define TOR_ID	"v6fg3ydqzgjkmnxig7w66ufbl7tt5yhxzf4aiyo5eea7q3x6ctx5d2ad"

static void
unhex(const char *s, uint8_t *out)
{
	size_t	i;

	for (i = 0; s[2 * i] != '\0'; i++) {
		unsigned v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

START_TEST(test_rfc8032_vector)
{
	struct torctl_onionkey	*k;
	uint8_t			 seed[32], pk[32], want[32];

	/* RFC 8032 7.1 TEST 1 */
	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    seed);
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	    want);
	ck_assert_int_eq(torctl_onionkey_from_seed(seed, &k), 0);
	torctl_onionkey_pubkey(k, pk);
	ck_assert_mem_eq(pk, want, 32);
	torctl_onionkey_free(k);
}
END_TEST

START_TEST(test_scalar_edges)
{
	uint8_t	a[32], pk[32], want[32];

	memset(a, 0, sizeof(a));
	torctl_ed25519_scalarmult_base(pk, a);		/* identity */
	memset(want, 0, sizeof(want));
	want[0] = 1;
	ck_assert_mem_eq(pk, want, 32);
	a[0] = 1;					/* B itself */
	torctl_ed25519_scalarmult_base(pk, a);
	memset(want, 0x66, sizeof(want));
	want[0] = 0x58;
	ck_assert_mem_eq(pk, want, 32);
}
END_TEST

/* 200 random seeds: our a*B equals OpenSSL's public key. */
START_TEST(test_against_openssl)
{
	struct torctl_onionkey	*k;
	EVP_PKEY		*pkey;
	uint8_t			 seed[32], pk[32], ours[32];
	size_t			 n;
	int			 i;

	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(RAND_bytes(seed, sizeof(seed)), 1);
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
		    seed, sizeof(seed));
		ck_assert_ptr_nonnull(pkey);
		n = sizeof(pk);
		ck_assert_int_eq(EVP_PKEY_get_raw_public_key(pkey, pk, &n), 1);
		EVP_PKEY_free(pkey);
		ck_assert_int_eq(torctl_onionkey_from_seed(seed, &k), 0);
		torctl_onionkey_pubkey(k, ours);
		ck_assert_mem_eq(ours, pk, 32);
		torctl_onionkey_free(k);
	}
}
END_TEST

START_TEST(test_tor_blob)
{
	struct torctl_onionkey	*k;
	char			 id[TORCTL_ONION_ID_LEN + 1];
	char			 blob[TORCTL_ONIONKEY_BLOB_MAX];

	ck_assert_int_eq(torctl_onionkey_from_blob(TOR_BLOB, strlen(TOR_BLOB),
	    &k), 0);
	ck_assert_int_eq(torctl_onionkey_service_id(k, id, sizeof(id)), 0);
	ck_assert_str_eq(id, TOR_ID);
	ck_assert_int_eq(torctl_onionkey_service_id(k, id, TORCTL_ONION_ID_LEN),
	    TORCTL_ERR_TOOBIG);
	ck_assert_int_eq(torctl_onionkey_to_blob(k, blob, sizeof(blob)), 0);
	ck_assert_str_eq(blob, TOR_BLOB);
	ck_assert_int_eq(torctl_onionkey_to_blob(k, blob, 64),
	    TORCTL_ERR_TOOBIG);
	torctl_onionkey_free(k);
	/* bare base64 without prefix or padding */
	ck_assert_int_eq(torctl_onionkey_from_blob(&TOR_BLOB[11],
	    strlen(TOR_BLOB) - 13, &k), 0);
	ck_assert_int_eq(torctl_onionkey_service_id(k, id, sizeof(id)), 0);
	ck_assert_str_eq(id, TOR_ID);
	torctl_onionkey_free(k);
}
END_TEST

START_TEST(test_bad_blobs)
{
	struct torctl_onionkey	*k = (struct torctl_onionkey *)1;
	char			 b[160];

	ck_assert_int_eq(torctl_onionkey_from_blob("", 0, &k), TORCTL_ERR_KEY);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(torctl_onionkey_from_blob("ED25519-V3:AAAA", 15, &k),
	    TORCTL_ERR_KEY);
	snprintf(b, sizeof(b), "%s", TOR_BLOB);
	b[20] = '!';					/* not base64 */
	ck_assert_int_eq(torctl_onionkey_from_blob(b, strlen(b), &k),
	    TORCTL_ERR_KEY);
	snprintf(b, sizeof(b), "%s", TOR_BLOB);
	b[strlen(b) - 3] = 'R';				/* stray low bits */
	ck_assert_int_eq(torctl_onionkey_from_blob(b, strlen(b), &k),
	    TORCTL_ERR_KEY);
	snprintf(b, sizeof(b), "%s", TOR_BLOB);
	b[11] = '/';		/* first byte 0xfc..: low 3 bits not clear */
	b[12] = '/';
	ck_assert_int_eq(torctl_onionkey_from_blob(b, strlen(b), &k),
	    TORCTL_ERR_KEY);
	/* the same length with an embedded NUL */
	snprintf(b, sizeof(b), "%s", TOR_BLOB);
	b[30] = '\0';
	ck_assert_int_eq(torctl_onionkey_from_blob(b, strlen(TOR_BLOB), &k),
	    TORCTL_ERR_KEY);
}
END_TEST

START_TEST(test_file_roundtrip)
{
	struct torctl_onionkey	*k, *k2;
	char			 dir[] = "/tmp/check_torctl_XXXXXX", path[256];
	char			 id[64], id2[64];
	uint8_t			 buf[200];
	struct stat		 st;
	int			 fd;
	ssize_t			 n;

	memset(buf, 0, sizeof(buf));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hs_ed25519_secret_key", dir);
	ck_assert_int_eq(torctl_onionkey_generate(&k), 0);
	ck_assert_int_eq(torctl_onionkey_save(k, path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, TORCTL_ONIONKEY_FILE_LEN);
	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	ck_assert_int_eq(n, 96);
	ck_assert_mem_eq(buf, "== ed25519v1-secret: type0 ==\0\0\0", 32);
	ck_assert_int_eq(torctl_onionkey_load(path, &k2), 0);
	torctl_onionkey_service_id(k, id, sizeof(id));
	torctl_onionkey_service_id(k2, id2, sizeof(id2));
	ck_assert_str_eq(id, id2);
	ck_assert_uint_eq(strlen(id), 56);
	torctl_onionkey_free(k2);
	/* overwrite is atomic and keeps 0600 */
	ck_assert_int_eq(torctl_onionkey_save(k, path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	torctl_onionkey_free(k);

	/* wrong header */
	buf[3] = 'X';
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, buf, 96), 96);
	close(fd);
	ck_assert_int_eq(torctl_onionkey_load(path, &k2), TORCTL_ERR_KEY);
	/* truncated */
	buf[3] = 'e';
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, buf, 95), 95);
	close(fd);
	ck_assert_int_eq(torctl_onionkey_load(path, &k2), TORCTL_ERR_KEY);
	/* too long */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, buf, 97), 97);
	close(fd);
	ck_assert_int_eq(torctl_onionkey_load(path, &k2), TORCTL_ERR_KEY);
	unlink(path);
	errno = 0;
	ck_assert_int_eq(torctl_onionkey_load(path, &k2), TORCTL_ERR_IO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_ptr_null(k2);
	/* saving into a missing directory fails and leaves nothing */
	snprintf(path, sizeof(path), "%s/nodir/key", dir);
	ck_assert_int_eq(torctl_onionkey_generate(&k), 0);
	ck_assert_int_eq(torctl_onionkey_save(k, path), TORCTL_ERR_IO);
	torctl_onionkey_free(k);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(test_service_id)
{
	uint8_t	pk[32];
	char	id[TORCTL_ONION_ID_LEN + 1];

	/* The identity point's id ends in the version 3 ("d" after the
	 * checksum); all ids are 56 lowercase base32 characters. */
	memset(pk, 0, sizeof(pk));
	ck_assert_int_eq(torctl_onion_service_id(pk, id, sizeof(id)), 0);
	ck_assert_uint_eq(strlen(id), 56);
	ck_assert_int_eq(id[55], 'd');
	ck_assert_uint_eq(strspn(id, "abcdefghijklmnopqrstuvwxyz234567"), 56);
	ck_assert_int_eq(strncmp(id, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    51), 0);
	torctl_onionkey_free(NULL);
}
END_TEST

Suite *
torctl_onionkey_suite(void)
{
	Suite	*s = suite_create("torctl_onionkey");
	TCase	*tc = tcase_create("keys");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_rfc8032_vector);
	tcase_add_test(tc, test_scalar_edges);
	tcase_add_test(tc, test_against_openssl);
	tcase_add_test(tc, test_tor_blob);
	tcase_add_test(tc, test_bad_blobs);
	tcase_add_test(tc, test_file_roundtrip);
	tcase_add_test(tc, test_service_id);
	suite_add_tcase(s, tc);
	return s;
}
