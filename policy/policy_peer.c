/*
 * policy_peer.c - peer classes: v3 onion decoding (rend-spec-v3
 * [ONIONADDRESS]), special-purpose IPv4/IPv6 ranges (IANA special-purpose
 * address registries) and special-use DNS names.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "policy/policy.h"
#include "policy/policy_int.h"

#define ONION_VERSION		3
#define ONION_RAW_LEN		35	/* pubkey(32) | checksum(2) | version */
#define ONION_CSUM_PREFIX	".onion checksum"

/* SHA3-256 fetched from the default provider once (an implicit fetch on
 * every EVP_Digest() call costs more than the hash itself). */
static EVP_MD		*sha3_md;
static pthread_once_t	 sha3_once = PTHREAD_ONCE_INIT;

static void
sha3_fetch(void)
{
	sha3_md = EVP_MD_fetch(NULL, "SHA3-256", NULL);
}

static int
onion_checksum(const uint8_t pubkey[POL_ONION_PUBKEY_LEN], uint8_t out[2])
{
	uint8_t		buf[sizeof(ONION_CSUM_PREFIX) - 1 +
			    POL_ONION_PUBKEY_LEN + 1];
	uint8_t		md[EVP_MAX_MD_SIZE];
	unsigned	mdlen = 0;

	memcpy(buf, ONION_CSUM_PREFIX, sizeof(ONION_CSUM_PREFIX) - 1);
	memcpy(buf + sizeof(ONION_CSUM_PREFIX) - 1, pubkey,
	    POL_ONION_PUBKEY_LEN);
	buf[sizeof(buf) - 1] = ONION_VERSION;
	if (pthread_once(&sha3_once, sha3_fetch) != 0 || sha3_md == NULL)
		return POL_ERR_CRYPTO;
	if (EVP_Digest(buf, sizeof(buf), md, &mdlen, sha3_md, NULL) != 1 ||
	    mdlen != 32)
		return POL_ERR_CRYPTO;
	out[0] = md[0];
	out[1] = md[1];
	return 0;
}

static int
b32val(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

int
pol_onion_decode(const char *s, size_t len,
    uint8_t pubkey[POL_ONION_PUBKEY_LEN])
{
	uint8_t		raw[ONION_RAW_LEN], csum[2];
	uint32_t	acc = 0;
	size_t		i, n = 0;
	int		bits = 0, v, r;

	if (s == NULL)
		return POL_ERR_INVAL;
	if (len > 6 && (memcmp(s + len - 6, ".onion", 6) == 0 ||
	    memcmp(s + len - 6, ".ONION", 6) == 0))
		len -= 6;
	if (len == POL_ONION_V2_B32_LEN)
		return POL_ERR_ONION_V2;
	if (len != POL_ONION_B32_LEN)
		return POL_ERR_ONION_LENGTH;
	for (i = 0; i < len; i++) {
		if ((v = b32val((unsigned char)s[i])) < 0)
			return POL_ERR_ONION_BASE32;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (uint8_t)(acc >> bits);
		}
	}
	/* 56 * 5 = 280 bits = 35 bytes exactly: nothing left over. */
	if (raw[ONION_RAW_LEN - 1] != ONION_VERSION)
		return POL_ERR_ONION_VERSION;
	if ((r = onion_checksum(raw, csum)) != 0)
		return r;
	if (csum[0] != raw[32] || csum[1] != raw[33])
		return POL_ERR_ONION_CHECKSUM;
	if (pubkey != NULL)
		memcpy(pubkey, raw, POL_ONION_PUBKEY_LEN);
	return 0;
}

int
pol_onion_encode(const uint8_t pubkey[POL_ONION_PUBKEY_LEN],
    char out[POL_ONION_ADDR_LEN + 1])
{
	static const char	alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint8_t			raw[ONION_RAW_LEN];
	uint32_t		acc = 0;
	size_t			i, n = 0;
	int			bits = 0, r;

	memcpy(raw, pubkey, POL_ONION_PUBKEY_LEN);
	if ((r = onion_checksum(pubkey, raw + 32)) != 0)
		return r;
	raw[34] = ONION_VERSION;
	for (i = 0; i < ONION_RAW_LEN; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[n++] = alpha[(acc >> bits) & 31];
		}
	}
	memcpy(out + n, ".onion", 7);
	return 0;
}

static unsigned
v4_special(const uint8_t a[4])
{
	unsigned	sp = 0;

	if (a[0] == 0)
		sp |= POL_SP_UNSPECIFIED;		/* 0/8 "this network" */
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168))
		sp |= POL_SP_PRIVATE;
	if (a[0] == 100 && (a[1] & 0xc0) == 64)
		sp |= POL_SP_CGNAT;
	if (a[0] == 127)
		sp |= POL_SP_LOOPBACK;
	if (a[0] == 169 && a[1] == 254)
		sp |= POL_SP_LINKLOCAL;
	if (a[0] == 192 && a[1] == 0 && a[2] == 0)
		sp |= POL_SP_RESERVED;			/* IETF protocol */
	if ((a[0] == 192 && a[1] == 0 && a[2] == 2) ||
	    (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
	    (a[0] == 203 && a[1] == 0 && a[2] == 113))
		sp |= POL_SP_DOCUMENTATION;
	if (a[0] == 192 && a[1] == 88 && a[2] == 99)
		sp |= POL_SP_RESERVED;			/* 6to4 relay anycast */
	if (a[0] == 198 && (a[1] & 0xfe) == 18)
		sp |= POL_SP_BENCHMARK;
	if ((a[0] & 0xf0) == 224)
		sp |= POL_SP_MULTICAST;
	if ((a[0] & 0xf0) == 240)
		sp |= POL_SP_RESERVED;
	if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
		sp |= POL_SP_BROADCAST;
	return sp;
}

static unsigned
v6_special(const uint8_t a[16])
{
	static const uint8_t	zero[16];
	unsigned		sp = 0;
	uint16_t		g0 = (uint16_t)(a[0] << 8 | a[1]);
	uint16_t		g1 = (uint16_t)(a[2] << 8 | a[3]);
	uint16_t		g2 = (uint16_t)(a[4] << 8 | a[5]);

	if (memcmp(a, zero, 15) == 0 && a[15] == 0)
		return POL_SP_UNSPECIFIED;
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return POL_SP_LOOPBACK;
	if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff)
		return POL_SP_V4MAPPED | v4_special(a + 12);
	if (memcmp(a, zero, 12) == 0)
		return POL_SP_RESERVED;		/* ::/96 IPv4-compatible */
	if (g0 == 0x0064 && g1 == 0xff9b &&
	    ((memcmp(a + 4, zero, 8) == 0) || g2 == 0x0001))
		sp |= POL_SP_TRANSLATED;	/* NAT64 /96 and local /48 */
	if (g0 == 0x0100 && g1 == 0 && g2 == 0 && a[6] == 0 && a[7] == 0)
		sp |= POL_SP_RESERVED;		/* 100::/64 discard */
	if (g0 == 0x2001 && g1 < 0x0200)
		sp |= POL_SP_RESERVED;		/* 2001::/23 IETF protocol */
	if (g0 == 0x2001 && g1 == 0)
		sp |= POL_SP_TRANSLATED;	/* Teredo 2001::/32 */
	if (g0 == 0x2001 && g1 == 0x0002 && g2 == 0)
		sp |= POL_SP_BENCHMARK;		/* 2001:2::/48 */
	if (g0 == 0x2001 && g1 == 0x0db8)
		sp |= POL_SP_DOCUMENTATION;	/* 2001:db8::/32 */
	if ((g0 & 0xfff0) == 0x3ff0)
		sp |= POL_SP_DOCUMENTATION;	/* 3fff::/20 (RFC 9637) */
	if (g0 == 0x2002)
		sp |= POL_SP_TRANSLATED;	/* 6to4 */
	if ((a[0] & 0xfe) == 0xfc)
		sp |= POL_SP_ULA;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		sp |= POL_SP_LINKLOCAL;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		sp |= POL_SP_RESERVED;		/* fec0::/10 site-local */
	if (a[0] == 0xff)
		sp |= POL_SP_MULTICAST;
	return sp;
}

unsigned
pol_ip_special(int family, const uint8_t *addr)
{
	if (addr == NULL)
		return POL_SP_RESERVED;
	if (family == 4)
		return v4_special(addr);
	if (family == 6)
		return v6_special(addr);
	return POL_SP_RESERVED;
}

/* Does host 'h' (lower-case, 'len' bytes) equal 'name' or end in
 * "." name? */
static int
is_or_under(const char *h, size_t len, const char *name)
{
	size_t	n = strlen(name);

	if (len == n)
		return memcmp(h, name, n) == 0;
	return len > n && h[len - n - 1] == '.' &&
	    memcmp(h + len - n, name, n) == 0;
}

static unsigned
dns_special(const char *h, size_t len)
{
	static const char *const local[] = { "localhost", "local",
	    "internal", "home.arpa", "invalid" };
	static const char *const tor[] = { "exit", "noconnect" };
	unsigned	sp = 0;
	size_t		i;

	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		if (is_or_under(h, len, local[i]))
			sp |= POL_SP_LOCAL_NAME;
	for (i = 0; i < sizeof(tor) / sizeof(tor[0]); i++)
		if (is_or_under(h, len, tor[i]))
			sp |= POL_SP_TOR_NAME;
	return sp;
}

int
pol_classify(const struct pol_name *n, struct pol_peer *out)
{
	const char	*h;
	size_t		 len, l0;
	int		 r;

	if (n == NULL || out == NULL)
		return POL_ERR_INVAL;
	if (&out->name != n)
		out->name = *n;
	h = out->name.host;
	len = out->name.host_len;
	out->special = 0;
	out->onion_err = 0;
	memset(out->pubkey, 0, sizeof(out->pubkey));
	switch (n->kind) {
	case POL_HOST_IPV4:
		out->cls = POL_CLASS_IP;
		out->special = v4_special(n->addr);
		memcpy(out->key, h, len + 1);
		out->key_len = len;
		return 0;
	case POL_HOST_IPV6:
		out->cls = POL_CLASS_IP;
		out->special = v6_special(n->addr);
		out->key[0] = '[';
		memcpy(out->key + 1, h, len);
		out->key[len + 1] = ']';
		out->key[len + 2] = '\0';
		out->key_len = len + 2;
		return 0;
	case POL_HOST_DNS:
		break;
	default:
		return POL_ERR_INVAL;
	}
	memcpy(out->key, h, len + 1);
	out->key_len = len;
	if (!is_or_under(h, len, "onion")) {
		out->cls = POL_CLASS_CLEARNET;
		out->special = dns_special(h, len);
		return 0;
	}
	/* ... .onion: the label before "onion" is the address. */
	out->cls = POL_CLASS_ONION_INVALID;
	if (len == 5) {
		out->onion_err = POL_ERR_ONION_LENGTH;
		return 0;
	}
	len -= 6;		/* drop ".onion" */
	for (l0 = len; l0 > 0 && h[l0 - 1] != '.'; l0--)
		;
	r = pol_onion_decode(h + l0, len - l0, out->pubkey);
	if (r == POL_ERR_CRYPTO)
		return r;
	if (r != 0) {
		out->onion_err = r;
		return 0;
	}
	out->cls = POL_CLASS_ONION;
	memcpy(out->key, h + l0, POL_ONION_ADDR_LEN);
	out->key[POL_ONION_ADDR_LEN] = '\0';
	out->key_len = POL_ONION_ADDR_LEN;
	return 0;
}

int
pol_peer_parse(const char *s, size_t len, struct pol_peer *out)
{
	int	r;

	if (out == NULL)
		return POL_ERR_INVAL;
	if ((r = pol_name_parse(s, len, &out->name)) != 0)
		return r;
	return pol_classify(&out->name, out);
}
