/*
 * check_policy_name.c - server-name grammar, classes, onion vectors.
 * Vectors: the Matrix spec appendix "Server Name" examples, the three
 * rend-spec-v3 [ONIONADDRESS] example addresses, the RFC 8032 test key
 * used by tor's src/test/hs_build_address.py, and tests/vectors/
 * onion_v3_tor.txt (hostnames a real tor 0.4.9.11 wrote for keys it made;
 * regenerate with tests/vectors/gen_onion_vectors.sh).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/policy_int.h"
#include "tests/check_policy.h"

#define W(s)	(s), sizeof(s) - 1	/* keep embedded NULs */

#define L63	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L64	L63 "a"
#define H255	L63 "." L63 "." L63 "." "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define H256	H255 "b"

static const struct {
	const char	*in;
	size_t		 len;
	int		 err;
	enum pol_host_kind kind;
	const char	*host;
	unsigned	 port;
} names[] = {
	/* Matrix spec appendix "Server Name": examples of valid names. */
	{ W("matrix.org"), 0, POL_HOST_DNS, "matrix.org", 0 },
	{ W("matrix.org:8888"), 0, POL_HOST_DNS, "matrix.org", 8888 },
	{ W("1.2.3.4"), 0, POL_HOST_IPV4, "1.2.3.4", 0 },
	{ W("1.2.3.4:1234"), 0, POL_HOST_IPV4, "1.2.3.4", 1234 },
	{ W("[1234:5678::abcd]"), 0, POL_HOST_IPV6, "1234:5678::abcd", 0 },
	{ W("[1234:5678::abcd]:5678"), 0, POL_HOST_IPV6, "1234:5678::abcd",
	    5678 },
	/* More accepted names. */
	{ W("MaTrIx.OrG:443"), 0, POL_HOST_DNS, "matrix.org", 443 },
	{ W("a"), 0, POL_HOST_DNS, "a", 0 },
	{ W("localhost"), 0, POL_HOST_DNS, "localhost", 0 },
	{ W("xn--bcher-kva.example"), 0, POL_HOST_DNS, "xn--bcher-kva.example",
	    0 },
	{ W("a-b.c-d.example"), 0, POL_HOST_DNS, "a-b.c-d.example", 0 },
	{ W("123abc.example"), 0, POL_HOST_DNS, "123abc.example", 0 },
	{ W("1.2.3.4.example.org"), 0, POL_HOST_DNS, "1.2.3.4.example.org",
	    0 },
	{ W("example.org:1"), 0, POL_HOST_DNS, "example.org", 1 },
	{ W("example.org:65535"), 0, POL_HOST_DNS, "example.org", 65535 },
	{ W(L63 ".org"), 0, POL_HOST_DNS, L63 ".org", 0 },
	{ W(H255), 0, POL_HOST_DNS, H255, 0 },
	{ W(H255 ":65535"), 0, POL_HOST_DNS, H255, 65535 },
	{ W("0.0.0.0"), 0, POL_HOST_IPV4, "0.0.0.0", 0 },
	{ W("255.255.255.255:80"), 0, POL_HOST_IPV4, "255.255.255.255", 80 },
	{ W("[::1]"), 0, POL_HOST_IPV6, "::1", 0 },
	{ W("[::]:8448"), 0, POL_HOST_IPV6, "::", 8448 },
	{ W("[::ffff:1.2.3.4]"), 0, POL_HOST_IPV6, "::ffff:1.2.3.4", 0 },
	{ W("[2001:DB8:0:0:0:0:0:1]"), 0, POL_HOST_IPV6, "2001:db8::1", 0 },
	{ W("[2001:db8:0:0:1:0:0:1]"), 0, POL_HOST_IPV6, "2001:db8::1:0:0:1",
	    0 },
	{ W("[2001:db8:0:1:1:1:1:1]"), 0, POL_HOST_IPV6,
	    "2001:db8:0:1:1:1:1:1", 0 },
	{ W("[2001:0db8:0000:0000:0000:ff00:0042:8329]"), 0, POL_HOST_IPV6,
	    "2001:db8::ff00:42:8329", 0 },
	{ W("[1:2:3:4:5:6:7::]"), 0, POL_HOST_IPV6, "1:2:3:4:5:6:7:0", 0 },
	{ W("[::2:3:4:5:6:7:8]"), 0, POL_HOST_IPV6, "0:2:3:4:5:6:7:8", 0 },
	{ W("[1::]"), 0, POL_HOST_IPV6, "1::", 0 },
	{ W("[fe80::1:2]:443"), 0, POL_HOST_IPV6, "fe80::1:2", 443 },
	{ W("[64:ff9b::192.0.2.33]"), 0, POL_HOST_IPV6, "64:ff9b::c000:221",
	    0 },
	/* Rejected. */
	{ W(""), POL_ERR_EMPTY, 0, NULL, 0 },
	{ W(":8448"), POL_ERR_EMPTY, 0, NULL, 0 },
	{ W("example.org:"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org:0"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org:65536"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org:99999"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org:123456"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org:08448"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org:+80"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org:80a"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org: 80"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("127.0.0.1:0"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("example.org."), POL_ERR_TRAILING_DOT, 0, NULL, 0 },
	{ W("example.org.:8448"), POL_ERR_TRAILING_DOT, 0, NULL, 0 },
	{ W("."), POL_ERR_BAD_LABEL, 0, NULL, 0 },
	{ W(".example.org"), POL_ERR_BAD_LABEL, 0, NULL, 0 },
	{ W("a..b"), POL_ERR_BAD_LABEL, 0, NULL, 0 },
	{ W("-a.org"), POL_ERR_BAD_LABEL, 0, NULL, 0 },
	{ W("a-.org"), POL_ERR_BAD_LABEL, 0, NULL, 0 },
	{ W(L64 ".org"), POL_ERR_BAD_LABEL, 0, NULL, 0 },
	{ W(H256), POL_ERR_TOO_LONG, 0, NULL, 0 },
	{ W(H256 ":1"), POL_ERR_TOO_LONG, 0, NULL, 0 },
	{ W(H255 ":123456"), POL_ERR_TOO_LONG, 0, NULL, 0 },
	{ W("exa_mple.org"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("exa mple.org"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("ex\0ample.org"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("example.org\0"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("b\xc3\xbc" "cher.example"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("example.org/path"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("user@example.org"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("%65xample.org"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("example.org\r\n"), POL_ERR_BAD_CHAR, 0, NULL, 0 },
	{ W("::1"), POL_ERR_UNBRACKETED_IPV6, 0, NULL, 0 },
	{ W("1234:5678::abcd"), POL_ERR_UNBRACKETED_IPV6, 0, NULL, 0 },
	{ W("fe80::1:8448"), POL_ERR_UNBRACKETED_IPV6, 0, NULL, 0 },
	{ W("example.org:8448:1"), POL_ERR_UNBRACKETED_IPV6, 0, NULL, 0 },
	{ W("[::1"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[::1]x"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[::1]:"), POL_ERR_BAD_PORT, 0, NULL, 0 },
	{ W("[]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[:]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[test::1]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[1:2:3:4:5:6:7:8:9]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[1:2:3:4:5:6:7]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[1:2:3:4:5:6:7:8::]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[1::2::3]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[:::]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[12345::1]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[fe80::1%eth0]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[fe80::1%25eth0]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[1.2.3.4]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[::1.2.3]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[::1.2.3.4.5]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[1:2:3:4:5:6:7:1.2.3.4]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[:1::2]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[1::2:]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[example.org]"), POL_ERR_BAD_IPV6, 0, NULL, 0 },
	{ W("[0000:0000:0000:0000:0000:0000:0000:0000:1]"), POL_ERR_BAD_IPV6,
	    0, NULL, 0 },
	{ W("256.1.1.1"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("1.2.3"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("127.1"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("0x7f000001"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("0x7f.0.0.1"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("010.0.0.1"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("1.2.3.04"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("1.2.3.4.5"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("2130706433"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("example.0x"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
	{ W("example.123"), POL_ERR_BAD_IPV4, 0, NULL, 0 },
};

START_TEST(test_name_table)
{
	struct pol_name	n;
	int		r;

	r = pol_name_parse(names[_i].in, names[_i].len, &n);
	ck_assert_msg(r == names[_i].err, "case %d \"%.*s\": got %d (%s), "
	    "want %d", _i, (int)names[_i].len, names[_i].in, r,
	    pol_strerror(r), names[_i].err);
	if (r != 0)
		return;
	ck_assert_int_eq(n.kind, names[_i].kind);
	ck_assert_str_eq(n.host, names[_i].host);
	ck_assert_uint_eq(n.host_len, strlen(names[_i].host));
	ck_assert_uint_eq(n.port, names[_i].port);
}
END_TEST

/* The parser never reads past 'len': a name cut anywhere inside a longer
 * buffer parses as the prefix alone would. */
START_TEST(test_name_bounded)
{
	static const char	buf[] = "[1234:5678::abcd]:5678matrix.org";
	char			copy[64];
	struct pol_name		a, b;
	size_t			n;

	for (n = 0; n <= 22; n++) {
		int	ra, rb;

		memcpy(copy, buf, n);
		ra = pol_name_parse(buf, n, &a);
		rb = pol_name_parse(copy, n, &b);
		ck_assert_int_eq(ra, rb);
		if (ra == 0)
			ck_assert_str_eq(a.host, b.host);
	}
	ck_assert_int_eq(pol_name_parse(NULL, 0, &a), POL_ERR_EMPTY);
	ck_assert_int_eq(pol_name_parse(NULL, 3, &a), POL_ERR_INVAL);
	ck_assert_int_eq(pol_name_parse("a", 1, NULL), POL_ERR_INVAL);
	ck_assert_str_eq(pol_strerror(POL_ERR_BAD_PORT), "bad port");
	ck_assert_str_eq(pol_strerror(12345), "unknown error");
}
END_TEST

#define SPEC1	"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"
#define SPEC2	"sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd"
#define SPEC3	"xa4r2iadxm55fbnqgwwi5mymqdcofiu3w6rpbtqn7b2dyn7mgwj64jyd"
#define SPEC1_UP "PG6MMJIYJMCRSSLVYKFWNNTLARU7P5SVN6Y2YMMJU6NUBXNDF4PSCRYD"
/* Same with the first character changed: the checksum no longer holds. */
#define SPEC1_CK "qg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"
/* Last character 'd' -> 'a': the version byte becomes 0. */
#define SPEC1_VR "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrya"
#define NOTB32	"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscry1"

static const struct {
	const char	*in;
	enum pol_class	 cls;
	int		 onion_err;
	unsigned	 special;
	const char	*key;
} classes[] = {
	{ SPEC1 ".onion", POL_CLASS_ONION, 0, 0, SPEC1 ".onion" },
	{ SPEC2 ".onion", POL_CLASS_ONION, 0, 0, SPEC2 ".onion" },
	{ SPEC3 ".onion:8448", POL_CLASS_ONION, 0, 0, SPEC3 ".onion" },
	{ SPEC1_UP ".ONION", POL_CLASS_ONION, 0, 0, SPEC1 ".onion" },
	{ "www." SPEC1 ".onion:443", POL_CLASS_ONION, 0, 0, SPEC1 ".onion" },
	{ "a.b-c." SPEC2 ".onion", POL_CLASS_ONION, 0, 0, SPEC2 ".onion" },
	{ SPEC1_CK ".onion", POL_CLASS_ONION_INVALID, POL_ERR_ONION_CHECKSUM,
	    0, SPEC1_CK ".onion" },
	{ SPEC1_VR ".onion", POL_CLASS_ONION_INVALID, POL_ERR_ONION_VERSION,
	    0, SPEC1_VR ".onion" },
	{ NOTB32 ".onion", POL_CLASS_ONION_INVALID, POL_ERR_ONION_BASE32, 0,
	    NOTB32 ".onion" },
	{ "expyuzz4wqqyqhjn.onion", POL_CLASS_ONION_INVALID, POL_ERR_ONION_V2,
	    0, "expyuzz4wqqyqhjn.onion" },
	{ "www.expyuzz4wqqyqhjn.onion", POL_CLASS_ONION_INVALID,
	    POL_ERR_ONION_V2, 0, "www.expyuzz4wqqyqhjn.onion" },
	{ "onion", POL_CLASS_ONION_INVALID, POL_ERR_ONION_LENGTH, 0, "onion" },
	{ "abc.onion", POL_CLASS_ONION_INVALID, POL_ERR_ONION_LENGTH, 0,
	    "abc.onion" },
	{ SPEC1 "a.onion", POL_CLASS_ONION_INVALID, POL_ERR_ONION_LENGTH, 0,
	    SPEC1 "a.onion" },
	{ SPEC1 ".onion.example.org", POL_CLASS_CLEARNET, 0, 0,
	    SPEC1 ".onion.example.org" },
	{ "notonion", POL_CLASS_CLEARNET, 0, 0, "notonion" },
	{ "matrix.org:8448", POL_CLASS_CLEARNET, 0, 0, "matrix.org" },
	{ "localhost", POL_CLASS_CLEARNET, 0, POL_SP_LOCAL_NAME, "localhost" },
	{ "LocalHost:8008", POL_CLASS_CLEARNET, 0, POL_SP_LOCAL_NAME,
	    "localhost" },
	{ "foo.localhost", POL_CLASS_CLEARNET, 0, POL_SP_LOCAL_NAME,
	    "foo.localhost" },
	{ "printer.local", POL_CLASS_CLEARNET, 0, POL_SP_LOCAL_NAME,
	    "printer.local" },
	{ "db.internal", POL_CLASS_CLEARNET, 0, POL_SP_LOCAL_NAME,
	    "db.internal" },
	{ "nas.home.arpa", POL_CLASS_CLEARNET, 0, POL_SP_LOCAL_NAME,
	    "nas.home.arpa" },
	{ "x.invalid", POL_CLASS_CLEARNET, 0, POL_SP_LOCAL_NAME, "x.invalid" },
	{ "notlocalhost", POL_CLASS_CLEARNET, 0, 0, "notlocalhost" },
	{ "example.org.exit", POL_CLASS_CLEARNET, 0, POL_SP_TOR_NAME,
	    "example.org.exit" },
	{ "x.noconnect", POL_CLASS_CLEARNET, 0, POL_SP_TOR_NAME,
	    "x.noconnect" },
	{ "1.2.3.4", POL_CLASS_IP, 0, 0, "1.2.3.4" },
	{ "8.8.8.8:53", POL_CLASS_IP, 0, 0, "8.8.8.8" },
	{ "0.0.0.0", POL_CLASS_IP, 0, POL_SP_UNSPECIFIED, "0.0.0.0" },
	{ "0.1.2.3", POL_CLASS_IP, 0, POL_SP_UNSPECIFIED, "0.1.2.3" },
	{ "127.0.0.1:8008", POL_CLASS_IP, 0, POL_SP_LOOPBACK, "127.0.0.1" },
	{ "127.255.255.254", POL_CLASS_IP, 0, POL_SP_LOOPBACK,
	    "127.255.255.254" },
	{ "10.1.2.3", POL_CLASS_IP, 0, POL_SP_PRIVATE, "10.1.2.3" },
	{ "172.16.0.1", POL_CLASS_IP, 0, POL_SP_PRIVATE, "172.16.0.1" },
	{ "172.31.255.255", POL_CLASS_IP, 0, POL_SP_PRIVATE,
	    "172.31.255.255" },
	{ "172.32.0.1", POL_CLASS_IP, 0, 0, "172.32.0.1" },
	{ "172.15.0.1", POL_CLASS_IP, 0, 0, "172.15.0.1" },
	{ "192.168.1.1", POL_CLASS_IP, 0, POL_SP_PRIVATE, "192.168.1.1" },
	{ "100.64.0.1", POL_CLASS_IP, 0, POL_SP_CGNAT, "100.64.0.1" },
	{ "100.127.255.255", POL_CLASS_IP, 0, POL_SP_CGNAT,
	    "100.127.255.255" },
	{ "100.128.0.1", POL_CLASS_IP, 0, 0, "100.128.0.1" },
	{ "169.254.169.254", POL_CLASS_IP, 0, POL_SP_LINKLOCAL,
	    "169.254.169.254" },
	{ "224.0.0.1", POL_CLASS_IP, 0, POL_SP_MULTICAST, "224.0.0.1" },
	{ "239.255.255.255", POL_CLASS_IP, 0, POL_SP_MULTICAST,
	    "239.255.255.255" },
	{ "192.0.0.8", POL_CLASS_IP, 0, POL_SP_RESERVED, "192.0.0.8" },
	{ "192.0.2.1", POL_CLASS_IP, 0, POL_SP_DOCUMENTATION, "192.0.2.1" },
	{ "198.51.100.7", POL_CLASS_IP, 0, POL_SP_DOCUMENTATION,
	    "198.51.100.7" },
	{ "203.0.113.9", POL_CLASS_IP, 0, POL_SP_DOCUMENTATION,
	    "203.0.113.9" },
	{ "198.18.0.1", POL_CLASS_IP, 0, POL_SP_BENCHMARK, "198.18.0.1" },
	{ "198.19.255.1", POL_CLASS_IP, 0, POL_SP_BENCHMARK, "198.19.255.1" },
	{ "198.20.0.1", POL_CLASS_IP, 0, 0, "198.20.0.1" },
	{ "240.0.0.1", POL_CLASS_IP, 0, POL_SP_RESERVED, "240.0.0.1" },
	{ "255.255.255.255", POL_CLASS_IP, 0,
	    POL_SP_RESERVED | POL_SP_BROADCAST, "255.255.255.255" },
	{ "[2606:4700::1111]", POL_CLASS_IP, 0, 0, "[2606:4700::1111]" },
	{ "[::1]:8448", POL_CLASS_IP, 0, POL_SP_LOOPBACK, "[::1]" },
	{ "[::]", POL_CLASS_IP, 0, POL_SP_UNSPECIFIED, "[::]" },
	{ "[fe80::1]", POL_CLASS_IP, 0, POL_SP_LINKLOCAL, "[fe80::1]" },
	{ "[febf::1]", POL_CLASS_IP, 0, POL_SP_LINKLOCAL, "[febf::1]" },
	{ "[fec0::1]", POL_CLASS_IP, 0, POL_SP_RESERVED, "[fec0::1]" },
	{ "[fc00::1]", POL_CLASS_IP, 0, POL_SP_ULA, "[fc00::1]" },
	{ "[fd12:3456::1]", POL_CLASS_IP, 0, POL_SP_ULA, "[fd12:3456::1]" },
	{ "[ff02::1]", POL_CLASS_IP, 0, POL_SP_MULTICAST, "[ff02::1]" },
	{ "[::ffff:127.0.0.1]", POL_CLASS_IP, 0,
	    POL_SP_V4MAPPED | POL_SP_LOOPBACK, "[::ffff:127.0.0.1]" },
	{ "[::ffff:10.0.0.1]", POL_CLASS_IP, 0,
	    POL_SP_V4MAPPED | POL_SP_PRIVATE, "[::ffff:10.0.0.1]" },
	{ "[::ffff:8.8.8.8]", POL_CLASS_IP, 0, POL_SP_V4MAPPED,
	    "[::ffff:8.8.8.8]" },
	{ "[::1.2.3.4]", POL_CLASS_IP, 0, POL_SP_RESERVED, "[::102:304]" },
	{ "[2001:db8::1]", POL_CLASS_IP, 0, POL_SP_DOCUMENTATION,
	    "[2001:db8::1]" },
	{ "[3fff:1::1]", POL_CLASS_IP, 0, POL_SP_DOCUMENTATION,
	    "[3fff:1::1]" },
	{ "[64:ff9b::127.0.0.1]", POL_CLASS_IP, 0, POL_SP_TRANSLATED,
	    "[64:ff9b::7f00:1]" },
	{ "[64:ff9b:1::1]", POL_CLASS_IP, 0, POL_SP_TRANSLATED,
	    "[64:ff9b:1::1]" },
	{ "[2002:a00:1::1]", POL_CLASS_IP, 0, POL_SP_TRANSLATED,
	    "[2002:a00:1::1]" },
	{ "[2001::1]", POL_CLASS_IP, 0, POL_SP_TRANSLATED | POL_SP_RESERVED,
	    "[2001::1]" },
	{ "[2001:2::1]", POL_CLASS_IP, 0, POL_SP_BENCHMARK | POL_SP_RESERVED,
	    "[2001:2::1]" },
	{ "[2001:200::1]", POL_CLASS_IP, 0, 0, "[2001:200::1]" },
	{ "[100::1]", POL_CLASS_IP, 0, POL_SP_RESERVED, "[100::1]" },
};

START_TEST(test_class_table)
{
	struct pol_peer	p;
	int		r;

	r = pol_peer_parse(classes[_i].in, strlen(classes[_i].in), &p);
	ck_assert_msg(r == 0, "case %d %s: %s", _i, classes[_i].in,
	    pol_strerror(r));
	ck_assert_msg(p.cls == classes[_i].cls, "case %d %s: class %d",
	    _i, classes[_i].in, p.cls);
	ck_assert_int_eq(p.onion_err, classes[_i].onion_err);
	ck_assert_msg(p.special == classes[_i].special, "case %d %s: "
	    "special %#x want %#x", _i, classes[_i].in, p.special,
	    classes[_i].special);
	ck_assert_str_eq(p.key, classes[_i].key);
	ck_assert_uint_eq(p.key_len, strlen(classes[_i].key));
}
END_TEST

static void
unhex(const char *hex, uint8_t *out, size_t n)
{
	size_t	i;

	ck_assert_uint_eq(strlen(hex), 2 * n);
	for (i = 0; i < n; i++) {
		unsigned	v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Decode a known address, compare the key, and encode it back. */
static void
check_vector(const char *addr, const char *keyhex)
{
	uint8_t		want[32], got[32];
	char		enc[POL_ONION_ADDR_LEN + 1];
	struct pol_peer	p;

	unhex(keyhex, want, sizeof(want));
	ck_assert_int_eq(pol_onion_decode(addr, strlen(addr), got), 0);
	ck_assert_mem_eq(got, want, 32);
	ck_assert_int_eq(pol_onion_encode(want, enc), 0);
	ck_assert_str_eq(enc, addr);
	ck_assert_int_eq(pol_peer_parse(addr, strlen(addr), &p), 0);
	ck_assert_int_eq(p.cls, POL_CLASS_ONION);
	ck_assert_mem_eq(p.pubkey, want, 32);
}

START_TEST(test_onion_spec_vectors)
{
	uint8_t	k[32];

	/* rend-spec-v3 [ONIONADDRESS] examples; keys decoded independently
	 * (Python base64/hashlib) when these tests were written. */
	check_vector(SPEC1 ".onion", "79bcc625184b05194975c28b66b66b04"
	    "69f7f6556fb1ac3189a79b40dda32f1f");
	check_vector(SPEC2 ".onion", "93f6ad7b54b6391d2b78147a0b2e808e"
	    "143780de07f1bda6ee7f052d2e9da67b");
	check_vector(SPEC3 ".onion", "b8391d2003bb3bd285b035ac8eb30c80"
	    "c4e2a29bb7a2f0ce0df8743c37ec3593");
	/* RFC 8032 test 1 public key, as in tor's hs_build_address.py. */
	check_vector("25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid"
	    ".onion", "d75a980182b10ab7d54bfed3c964073a"
	    "0ee172f3daa62325af021a68f707511a");
	/* Without the suffix, and upper case. */
	ck_assert_int_eq(pol_onion_decode(SPEC1, 56, k), 0);
	ck_assert_int_eq(pol_onion_decode(SPEC1_UP, 56, NULL), 0);
	ck_assert_int_eq(pol_onion_decode(SPEC1_CK, 56, k),
	    POL_ERR_ONION_CHECKSUM);
	ck_assert_int_eq(pol_onion_decode(SPEC1_VR, 56, k),
	    POL_ERR_ONION_VERSION);
	ck_assert_int_eq(pol_onion_decode(SPEC1, 55, k), POL_ERR_ONION_LENGTH);
	ck_assert_int_eq(pol_onion_decode("expyuzz4wqqyqhjn", 16, k),
	    POL_ERR_ONION_V2);
	ck_assert_int_eq(pol_onion_decode("www." SPEC1 ".onion",
	    strlen("www." SPEC1 ".onion"), k), POL_ERR_ONION_LENGTH);
}
END_TEST

START_TEST(test_onion_tor_vectors)
{
	const char	*top = getenv("top_srcdir");
	char		 path[4096], line[512], addr[128], keyhex[128];
	FILE		*f;
	int		 n = 0;

	snprintf(path, sizeof(path), "%s/tests/vectors/onion_v3_tor.txt",
	    top ? top : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		ck_assert_int_eq(sscanf(line, "%127s %127s", addr, keyhex), 2);
		check_vector(addr, keyhex);
		n++;
	}
	fclose(f);
	ck_assert_int_ge(n, 8);
}
END_TEST

/* Flipping any single base32 character of a valid address is caught (by
 * the alphabet, the version or the checksum): 16 bits of checksum miss
 * 1 in 65536 random changes, but single-character changes are tested
 * exhaustively here. */
START_TEST(test_onion_single_char_changes)
{
	static const char	alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	char			a[57];
	int			i, j, ok = 0, bad = 0;

	for (i = 0; i < 56; i++)
		for (j = 0; j < 32; j++) {
			memcpy(a, SPEC2, 56);
			if (a[i] == alpha[j])
				continue;
			a[i] = alpha[j];
			if (pol_onion_decode(a, 56, NULL) == 0)
				ok++;
			else
				bad++;
		}
	ck_assert_int_eq(ok, 0);
	ck_assert_int_eq(bad, 56 * 31);
}
END_TEST

START_TEST(test_ip_special_api)
{
	static const uint8_t	v4[4] = { 192, 168, 0, 1 };
	static const uint8_t	v6[16] = { 0xfe, 0x80, [15] = 1 };
	static const uint8_t	g4[4] = { 9, 9, 9, 9 };

	ck_assert_uint_eq(pol_ip_special(4, v4), POL_SP_PRIVATE);
	ck_assert_uint_eq(pol_ip_special(6, v6), POL_SP_LINKLOCAL);
	ck_assert_uint_eq(pol_ip_special(4, g4), 0);
	ck_assert_uint_eq(pol_ip_special(5, g4), POL_SP_RESERVED);
	ck_assert_uint_eq(pol_ip_special(4, NULL), POL_SP_RESERVED);
}
END_TEST

/* SipHash-2-4 reference vectors (Aumasson & Bernstein, key 00..0f,
 * message 00..(n-1)): n = 0 and n = 15. */
START_TEST(test_siphash_vectors)
{
	uint8_t	key[16], msg[64];
	int	i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(pol_siphash24(key, msg, 0),
	    UINT64_C(0x726fdb47dd0e0e31));
	ck_assert_uint_eq(pol_siphash24(key, msg, 15),
	    UINT64_C(0xa129ca6149be45e5));
}
END_TEST

Suite *
policy_name_suite(void)
{
	Suite	*s = suite_create("policy_name");
	TCase	*tc;

	tc = tcase_create("grammar");
	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_name_table, 0, (int)NITEMS(names));
	tcase_add_test(tc, test_name_bounded);
	suite_add_tcase(s, tc);

	tc = tcase_create("classes");
	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_class_table, 0, (int)NITEMS(classes));
	tcase_add_test(tc, test_ip_special_api);
	suite_add_tcase(s, tc);

	tc = tcase_create("onion");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_onion_spec_vectors);
	tcase_add_test(tc, test_onion_tor_vectors);
	tcase_add_test(tc, test_onion_single_char_changes);
	tcase_add_test(tc, test_siphash_vectors);
	suite_add_tcase(s, tc);
	return s;
}
