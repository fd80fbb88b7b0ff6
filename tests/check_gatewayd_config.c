/*
 * check_gatewayd_config.c - the config loader: inline tables, value parsers,
 * derived defaults, and every file in tests/conf/good (must load) and
 * tests/conf/bad (must fail with exactly the "# expect:" lines it starts
 * with).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_limits.h"
#include "tests/check_gatewayd.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_CONF_FILES	128

struct errs {
	char	buf[16384];
	size_t	len;
	int	n;
};

static void
collect(void *arg, const char *msg)
{
	struct errs	*e = arg;
	int		 w;

	e->n++;
	w = snprintf(e->buf + e->len, sizeof(e->buf) - e->len, "%s\n", msg);
	if (w > 0 && (size_t)w < sizeof(e->buf) - e->len)
		e->len += (size_t)w;
}

static struct gw_config *
load_str(const char *text, struct errs *e, int *rc)
{
	struct gw_config	*cfg = NULL;

	memset(e, 0, sizeof(*e));
	*rc = gw_config_load_buf("t.conf", text, strlen(text),
	    GW_CONF_F_NOFILES, collect, e, &cfg);
	return cfg;
}

#define UP	"[inbound]\nupstream = http://127.0.0.1:8008\n"

/* ---- inline cases: text -> exact error list ("" = loads) ------------- */

static const struct {
	const char	*text;
	const char	*errors;
} inline_cases[] = {
	{ UP, "" },
	{ "", "t.conf: [inbound] upstream: required key is missing (the "
	    "homeserver's federation listener, e.g. http://127.0.0.1:8008)\n" },
	/* CRLF line ends, comments in every position, blank lines. */
	{ "# top\r\n; also\r\n\r\n[inbound] # c\r\n  upstream = "
	    "http://127.0.0.1:8008   # c\r\n", "" },
	{ UP "[tor]\nauth=cookie\n", "" },
	{ UP "[tor]\nauth = \"cookie\"\n", "" },
	{ UP "[tor]\nauth = \"cookie\n",
	    "t.conf:4: [tor] auth: unterminated quoted value\n" },
	{ UP "[tor]\nauth = \"cookie\" x\n",
	    "t.conf:4: [tor] auth: text after the closing quote\n" },
	{ UP "[tor]\nauth cookie\n",
	    "t.conf:4: [tor] auth: expected '=' after the key\n" },
	{ UP "[tor]\n= cookie\n", "t.conf:4: [tor]: expected key = value\n" },
	{ "upstream = x\n" UP,
	    "t.conf:1: upstream: key outside of any [section]\n" },
	{ UP "[tor\n", "t.conf:3: missing ']' in section header\n" },
	{ UP "[tor] x\n", "t.conf:3: text after section header\n" },
	{ UP "[tor x]\n", "t.conf:3: [tor]: unexpected text in section "
	    "header\n" },
	/* Keys of an unknown section are not reported one by one. */
	{ UP "[nope]\na = 1\nb = 2\n", "t.conf:3: [nope]: unknown section\n" },
	{ UP "[tor]\nAuth = none\n", "t.conf:4: [tor] Auth: unknown key\n" },
	{ UP "[tor]\nauth = none\nauth = none\n", "t.conf:5: [tor] auth: "
	    "duplicate key (first set at line 4)\n" },
	/* A second section header of the same name continues it. */
	{ UP "[tor]\nauth = none\n[tor]\nauth = none\n", "t.conf:6: [tor] "
	    "auth: duplicate key (first set at line 4)\n" },
	{ UP "[inbound]\nupstream = http://127.0.0.1:1\n", "t.conf:4: "
	    "[inbound] upstream: duplicate key (first set at line 2)\n" },
	/* Control characters and NUL bytes. */
	{ UP "[tor]\nauth = no\x01ne\n", "t.conf:4: control character 0x01 "
	    "in line\n" },
	/* Values. */
	{ UP "[onionfed]\nmode = both\n", "t.conf:4: [onionfed] mode: "
	    "expected one of: onion-only dual\n" },
	{ UP "[outbound]\nallow_nonloopback = maybe\n", "t.conf:4: "
	    "[outbound] allow_nonloopback: expected yes or no, not "
	    "\"maybe\"\n" },
	{ UP "[tor]\nmax_streams = -1\n", "t.conf:4: [tor] max_streams: "
	    "expected a whole number\n" },
	{ UP "[tor]\nmax_streams = 65536\n", "t.conf:4: [tor] max_streams: "
	    "must be from 0 to 65535\n" },
	{ UP "[tor]\nmax_streams = 99999999999999999999999\n", "t.conf:4: "
	    "[tor] max_streams: expected a whole number\n" },
	{ UP "[inbound]\nmax_body = 2G\n", "t.conf:4: [inbound] max_body: "
	    "must be from 1024 to 1073741824\n" },
	{ UP "[inbound]\nupstream_timeout = 0\n", "t.conf:4: [inbound] "
	    "upstream_timeout: must be from 1s to 3600s\n" },
	{ UP "[health]\nprobe_interval = 2d\n", "t.conf:4: [health] "
	    "probe_interval: expected a duration such as 500ms, 30s, 5m or "
	    "1h\n" },
	{ UP "[tor]\nonion_key = relative/key\n", "t.conf:4: [tor] "
	    "onion_key: must be an absolute path\n" },
	{ UP "[tor]\nonion_key =\n", "t.conf:4: [tor] onion_key: empty "
	    "value\n" },
	{ UP "[tor]\nsocks = localhost:9050\n", "t.conf:4: [tor] socks: host "
	    "must be a numeric IP address (no DNS lookups): "
	    "\"localhost:9050\"\n" },
	{ UP "[tor]\nsocks = ::1:9050\n", "t.conf:4: [tor] socks: IPv6 "
	    "address must be in brackets: [addr]:port: \"::1:9050\"\n" },
	{ UP "[tor]\nsocks = 127.0.0.1:0\n", "t.conf:4: [tor] socks: port "
	    "must be a number from 1 to 65535: \"127.0.0.1:0\"\n" },
	{ UP "[tor]\nsocks = unix:run/tor/socks\n", "t.conf:4: [tor] socks: "
	    "unix socket path must be absolute (unix:/path): "
	    "\"unix:run/tor/socks\"\n" },
	{ UP "[admin]\nmetrics_listen = unix:/run/m.sock\n", "t.conf:4: "
	    "[admin] metrics_listen: a unix socket is not allowed here: "
	    "\"unix:/run/m.sock\"\n" },
	{ UP "[tor]\nonion_ports = 8448 8448\n", "t.conf:4: [tor] "
	    "onion_ports: port 8448 listed twice\n" },
	{ UP "[tor]\nonion_ports = 443\n", "t.conf:4: [tor] onion_ports: "
	    "needs a federation port (such as 8448) besides 443\n" },
	{ "[inbound]\nupstream = https://127.0.0.1:8448\n", "t.conf:2: "
	    "[inbound] upstream: https upstreams are not supported: use the "
	    "homeserver's plain-HTTP federation listener\n" },
	{ "[inbound]\nupstream = http://abc.onion:80\n", "t.conf:2: "
	    "[inbound] upstream: an .onion name cannot be reached directly\n" },
	{ "[inbound]\nupstream = http://synapse:8008\n", "t.conf:2: "
	    "[inbound] upstream: host must be a numeric IP address (no DNS "
	    "lookups)\n" },
	{ "[inbound]\nupstream = http://127.0.0.1:8008/_matrix\n", "t.conf:2: "
	    "[inbound] upstream: a path after host:port is not supported\n" },
	{ UP "[policy]\ninbound_rate = 5/q\n", "t.conf:4: [policy] "
	    "inbound_rate: rate unit must be /s, /m or /h\n" },
	{ UP "[policy]\ndeny = good.example, *bad.example\n", "t.conf:4: "
	    "[policy] deny: '*' is allowed only as \"*\" or a leading \"*.\": "
	    "\"*bad.example\"\n" },
	/* Secrets are never echoed. */
	{ UP "[outbound]\nproxy_auth = s3cr3tnocolon\n", "t.conf:4: "
	    "[outbound] proxy_auth: expected user:password or an absolute "
	    "file path\n" },
	/* Cross-key checks. */
	{ UP "[outbound]\nclearnet = direct\n", "t.conf:4: [outbound] "
	    "clearnet: direct is not allowed with mode = onion-only (the "
	    "default): use tor or deny\n" },
	{ "[onionfed]\nmode = onion-only\n" UP "[outbound]\nclearnet = "
	    "direct\n", "t.conf:6: [outbound] clearnet: direct is not allowed "
	    "with mode = onion-only (line 2): use tor or deny\n" },
	{ "[onionfed]\nmode = dual\n" UP "[outbound]\nclearnet = direct\n",
	    "" },
	{ UP "[policy]\nallow_onion_peers = no\n", "t.conf:4: [policy] "
	    "allow_onion_peers: no contradicts mode = onion-only (the "
	    "default)\n" },
	{ "[onionfed]\nmode = dual\n" UP "[policy]\nallow_onion_peers = no\n"
	    "allow_clearnet_peers = no\n", "t.conf:7: [policy] "
	    "allow_clearnet_peers: no peer could ever federate: "
	    "allow_onion_peers and allow_clearnet_peers are both no and "
	    "allow is empty\n" },
	{ "[onionfed]\nmode = dual\n" UP "[outbound]\nclearnet = tor\n"
	    "resolver = 127.0.0.1:53\n", "t.conf:7: [outbound] resolver: is "
	    "only used with clearnet = direct (onionfedd does no DNS "
	    "otherwise)\n" },
	{ UP "[outbound]\nclearnet = deny\n[policy]\nallow_clearnet_peers = "
	    "yes\n", "t.conf:6: [policy] allow_clearnet_peers: yes "
	    "contradicts [outbound] clearnet = deny (line 4)\n" },
	{ UP "[inbound]\nclearnet_listen = 0.0.0.0:8448\n", "t.conf:4: "
	    "[inbound] clearnet_listen: needs mode = dual; mode = onion-only "
	    "(the default) has no clearnet front\n" },
	{ UP "[onionfed]\nserver_name = example.org\n", "t.conf:4: "
	    "[onionfed] server_name: must be an .onion name with mode = "
	    "onion-only (the default)\n" },
	{ UP "[onionfed]\nserver_name = abc.onion\n", "t.conf:4: [onionfed] "
	    "server_name: not a v3 onion address (56 base32 characters, then "
	    ".onion)\n" },
	{ UP "[tor]\nauth = password\n", "t.conf:4: [tor] auth: password "
	    "needs password or password_file\n" },
	{ UP "[tor]\nauth = cookie\npassword = hunter2\n", "t.conf:5: [tor] "
	    "password: set, but auth = cookie does not use it\n" },
	{ UP "[tor]\npassword = hunter2\npassword_file = /etc/pw\n", "t.conf:5: "
	    "[tor] password_file: set only one of password and "
	    "password_file\n" },
	{ UP "[tor]\npow_defenses = no\npow_queue_rate = 10\n", "t.conf:5: "
	    "[tor] pow_queue_rate: set, but pow_defenses = no\n" },
	{ UP "[inbound]\ntls_cert = /etc/c.pem\n", "t.conf:4: [inbound] "
	    "tls_cert: tls_cert and tls_key must be set together\n" },
	{ UP "[inbound]\nwell_known_listen = 127.0.0.1:8450\n", "t.conf:4: "
	    "[inbound] well_known_listen: set, but [tor] onion_ports has no "
	    "443 to route to it\n" },
	{ UP "[inbound]\nonion_listen = 192.0.2.1:8449\n", "t.conf:4: "
	    "[inbound] onion_listen: must be a loopback address or a unix "
	    "socket (tor connects to it)\n" },
	{ UP "[outbound]\nsocks_listen = 127.0.0.1:3128\n", "t.conf:4: "
	    "[outbound] socks_listen: 127.0.0.1:3128 is also [outbound] "
	    "connect_listen\n" },
	{ UP "[outbound]\nsocks_listen = 127.0.0.1:9050\n", "t.conf:4: "
	    "[outbound] socks_listen: 127.0.0.1:9050 is also [tor] socks\n" },
	{ UP "[inbound]\nonion_listen = 127.0.0.1:8008\n", "t.conf:4: "
	    "[inbound] onion_listen: 127.0.0.1:8008 is also [inbound] "
	    "upstream\n" },
	{ UP "[outbound]\nconnect_listen = 0.0.0.0:3128\n", "t.conf:4: "
	    "[outbound] connect_listen: 0.0.0.0:3128 is not a loopback "
	    "address: set allow_nonloopback = yes and proxy_auth to expose "
	    "the proxy\n" },
	{ UP "[outbound]\nconnect_listen = [::]:3128\nallow_nonloopback = "
	    "yes\n", "t.conf:4: [outbound] connect_listen: [::]:3128 is not a "
	    "loopback address and proxy_auth is not set\n" },
	{ UP "[outbound]\nconnect_listen = [::]:3128\nallow_nonloopback = "
	    "yes\nproxy_auth = u:p\n", "" },
	{ UP "[policy]\nallow = a.example\ndeny = A.example\n", "t.conf:5: "
	    "[policy] deny: \"a.example\" is also in allow\n" },
	{ UP "[peer]\n", "t.conf:3: [peer]: expected [peer NAME]\n" },
	{ UP "[peer a.example]\n", "t.conf:3: [peer a.example]: section sets "
	    "nothing (expected inbound_rate or outbound_tunnels)\n" },
	{ UP "[peer a.example]\ninbound_rate = 1/s\n[peer a.example]\n"
	    "inbound_rate = 1/s\n", "t.conf:5: [peer a.example]: duplicate "
	    "section (first at line 3)\n" },
	{ UP "[peer a.example]\ninbound_rate = 1/s\ninbound_rate = 2/s\n",
	    "t.conf:5: [peer a.example] inbound_rate: duplicate key (first set at line "
	    "4)\n" },
	{ UP "[peer a.example]\nallow = yes\n", "t.conf:4: [peer a.example] "
	    "allow: unknown key\n" },
	/* Every error is reported, nothing is applied. */
	{ "[tor]\nauth = x\nsocks = y\n[inbound]\nmax_body = z\n",
	    "t.conf:2: [tor] auth: expected one of: auto safecookie cookie "
	    "password none\n"
	    "t.conf:3: [tor] socks: missing :port (expected host:port): "
	    "\"y\"\n"
	    "t.conf:5: [inbound] max_body: expected a size such as 65536, 64k "
	    "or 16M\n"
	    "t.conf:4: [inbound] upstream: required key is missing (the "
	    "homeserver's federation listener, e.g. http://127.0.0.1:8008)\n" },
};

START_TEST(test_inline_cases)
{
	struct gw_config	*cfg;
	struct errs		 e;
	int			 rc;

	cfg = load_str(inline_cases[_i].text, &e, &rc);
	ck_assert_msg(strcmp(e.buf, inline_cases[_i].errors) == 0,
	    "case %d:\n--- want\n%s--- got\n%s", _i, inline_cases[_i].errors,
	    e.buf);
	if (inline_cases[_i].errors[0] == '\0') {
		ck_assert_int_eq(rc, 0);
		ck_assert_ptr_nonnull(cfg);
	} else {
		ck_assert_int_eq(rc, GW_CONF_ERR_INVALID);
		ck_assert_ptr_null(cfg);
	}
	gw_config_free(cfg);
}
END_TEST

/* A missing key whose section is absent has no line: "FILE: [s] k: ...". */
START_TEST(test_missing_section_no_line)
{
	struct gw_config	*cfg;
	struct errs		 e;
	int			 rc;

	cfg = load_str("[tor]\nauth = auto\n", &e, &rc);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(e.buf, "t.conf: [inbound] upstream: required key is "
	    "missing (the homeserver's federation listener, e.g. "
	    "http://127.0.0.1:8008)\n");
}
END_TEST

START_TEST(test_nul_and_limits)
{
	static const char	 nul[] = UP "[tor]\nauth = no\0ne\n";
	struct gw_config	*cfg = NULL;
	struct errs		 e;
	char			*big;
	size_t			 n;
	int			 rc;

	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", nul, sizeof(nul) - 1,
	    GW_CONF_F_NOFILES, collect, &e, &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_INVALID);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(e.buf, "t.conf:4: NUL byte in line\n");

	/* One line longer than the limit. */
	n = strlen(UP) + GW_CONF_MAX_LINE + 64;
	big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memcpy(big, UP, strlen(UP));
	memset(big + strlen(UP), '#', n - strlen(UP));
	big[n] = '\0';
	cfg = load_str(big, &e, &rc);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(e.buf, "t.conf:3: line longer than 4096 bytes\n");
	/* Exactly the limit is fine (a comment). */
	big[strlen(UP) + GW_CONF_MAX_LINE] = '\0';
	cfg = load_str(big, &e, &rc);
	ck_assert_int_eq(rc, 0);
	gw_config_free(cfg);
	free(big);

	/* Larger than the file limit: refused before parsing. */
	big = calloc(1, GW_CONF_MAX_FILE + 1);
	ck_assert_ptr_nonnull(big);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", big, GW_CONF_MAX_FILE + 1, 0,
	    collect, &e, &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_TOOBIG);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(e.buf, "t.conf: file is larger than 1048576 "
	    "bytes\n");
	free(big);
}
END_TEST

START_TEST(test_error_cap)
{
	struct gw_config	*cfg;
	struct errs		 e;
	char			*text;
	size_t			 o = 0, sz = 200 * 32;
	int			 i, rc;

	text = malloc(sz);
	ck_assert_ptr_nonnull(text);
	o += (size_t)snprintf(text + o, sz - o, UP);
	for (i = 0; i < 200; i++)
		o += (size_t)snprintf(text + o, sz - o, "bogus%d = 1\n", i);
	cfg = load_str(text, &e, &rc);
	ck_assert_ptr_null(cfg);
	/* 50 errors, then one line saying so. */
	ck_assert_int_eq(e.n, GW_CONF_MAX_ERRORS + 1);
	ck_assert_ptr_nonnull(strstr(e.buf, "t.conf: too many errors"));
	free(text);
}
END_TEST

/* ---- values and derived defaults ------------------------------------- */

START_TEST(test_defaults_onion_only)
{
	struct gw_config	*cfg;
	struct errs		 e;
	char			 b[128];
	int			 rc;

	cfg = load_str(UP, &e, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(cfg->mode, GW_MODE_ONION_ONLY);
	ck_assert_int_eq(cfg->clearnet, GW_CLEARNET_TOR);
	ck_assert_int_eq(cfg->allow_onion_peers, 1);
	ck_assert_int_eq(cfg->allow_clearnet_peers, 1);
	ck_assert_int_eq(cfg->allow_nonloopback, 0);
	ck_assert_int_eq(cfg->allow_private_addresses, 0);
	ck_assert_ptr_null(cfg->server_name);
	ck_assert_int_eq(cfg->tor_auth, GW_TOR_AUTH_AUTO);
	ck_assert_str_eq(gw_addr_fmt(&cfg->tor_control, b, sizeof(b)),
	    "unix:/run/tor/control");
	ck_assert_str_eq(gw_addr_fmt(&cfg->tor_socks, b, sizeof(b)),
	    "127.0.0.1:9050");
	ck_assert_str_eq(gw_addr_fmt(&cfg->onion_listen, b, sizeof(b)),
	    "127.0.0.1:8449");
	ck_assert_str_eq(gw_addr_fmt(&cfg->connect_listen, b, sizeof(b)),
	    "127.0.0.1:3128");
	ck_assert_str_eq(gw_addr_fmt(&cfg->socks_listen, b, sizeof(b)),
	    "127.0.0.1:1080");
	ck_assert_str_eq(gw_addr_fmt(&cfg->upstream, b, sizeof(b)),
	    "127.0.0.1:8008");
	ck_assert_int_eq(cfg->clearnet_listen.kind, GW_ADDR_NONE);
	ck_assert_int_eq(cfg->well_known_listen.kind, GW_ADDR_NONE);
	ck_assert_int_eq(cfg->metrics_listen.kind, GW_ADDR_NONE);
	ck_assert_uint_eq(cfg->n_onion_ports, 1);
	ck_assert_uint_eq(cfg->onion_ports[0], 8448);
	ck_assert_int_eq(cfg->onion_well_known, 0);
	ck_assert_int_eq(cfg->pow_defenses, GW_POW_AUTO);
	ck_assert_uint_eq(cfg->pow_queue_rate, 250);
	ck_assert_uint_eq(cfg->pow_queue_burst, 2500);
	ck_assert_uint_eq(cfg->max_streams, 0);
	ck_assert_uint_eq(cfg->max_body, 4 * 1024 * 1024);
	ck_assert_uint_eq(cfg->upstream_timeout_ms, 60000);
	ck_assert_uint_eq(cfg->probe_interval_ms, 300000);
	ck_assert_uint_eq(cfg->upload_timeout_ms, 180000);
	ck_assert(cfg->inbound_rate.per_sec == 20);
	ck_assert_uint_eq(cfg->inbound_rate.burst, 200);
	ck_assert_uint_eq(cfg->inbound_rate.max_concurrent, 0);
	ck_assert(cfg->outbound_tunnels.per_sec == 10);
	ck_assert_uint_eq(cfg->outbound_tunnels.burst, 50);
	ck_assert_uint_eq(cfg->outbound_tunnels.max_concurrent, 64);
	ck_assert_ptr_nonnull(cfg->onion_key);
	ck_assert_ptr_nonnull(strstr(cfg->onion_key, "/onionfed/onion.key"));
	ck_assert_ptr_nonnull(cfg->admin_socket);
	ck_assert_ptr_nonnull(cfg->state_dir);
	ck_assert_ptr_nonnull(strstr(cfg->state_dir, "/lib/onionfed"));
	ck_assert_ptr_null(cfg->tls_cert);
	ck_assert_ptr_null(cfg->proxy_user);
	ck_assert_uint_eq(cfg->n_allow + cfg->n_deny + cfg->n_peers, 0);
	ck_assert_str_eq(cfg->path, "t.conf");
	gw_config_free(cfg);
}
END_TEST

START_TEST(test_defaults_derived)
{
	struct gw_config	*cfg;
	struct errs		 e;
	char			 b[128];
	int			 rc;

	cfg = load_str("[onionfed]\nmode = dual\n" UP, &e, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(cfg->clearnet, GW_CLEARNET_DIRECT);
	ck_assert_int_eq(cfg->allow_onion_peers, 0);	/* opt-in */
	ck_assert_int_eq(cfg->allow_clearnet_peers, 1);
	gw_config_free(cfg);

	cfg = load_str(UP "[outbound]\nclearnet = deny\n", &e, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(cfg->clearnet, GW_CLEARNET_DENY);
	ck_assert_int_eq(cfg->allow_clearnet_peers, 0);
	gw_config_free(cfg);

	cfg = load_str(UP "[tor]\nonion_ports = 8448, 443\n", &e, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(cfg->n_onion_ports, 2);
	ck_assert_int_eq(cfg->onion_well_known, 1);
	ck_assert_str_eq(gw_addr_fmt(&cfg->well_known_listen, b, sizeof(b)),
	    "127.0.0.1:8450");
	gw_config_free(cfg);

	/* Empty values switch optional listeners off. */
	cfg = load_str(UP "[outbound]\nconnect_listen =\nsocks_listen =   # "
	    "off\n[admin]\nsocket =\n", &e, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(cfg->connect_listen.kind, GW_ADDR_NONE);
	ck_assert_int_eq(cfg->socks_listen.kind, GW_ADDR_NONE);
	ck_assert_ptr_null(cfg->admin_socket);
	gw_config_free(cfg);
}
END_TEST

START_TEST(test_values)
{
	struct gw_config	*cfg;
	struct errs		 e;
	char			 b[128];
	int			 rc;

	cfg = load_str("[onionfed]\nmode = dual\nserver_name = Example.ORG:8448"
	    "\nlog_level = debug\n"
	    "[inbound]\nupstream = http://[::1]\nmax_body = 64k\n"
	    "upstream_timeout = 1500ms\n"
	    "[tor]\npassword = \"a #b \\\" \\\\c\"  # comment\n"
	    "control = [::1]:9051\n"
	    "[outbound]\nproxy_auth = alice:pa:ss\n"
	    "[policy]\nallow = One.example, *.two.example\n"
	    "allow = three.example four.example\ndeny = *\n"
	    "new_peer_rate = none\n"
	    "[peer *.Big.example]\noutbound_tunnels = max 256\n"
	    "[peer b.example]\ninbound_rate = 30/m\n"
	    "[health]\nprobe_interval = 0\nupload_timeout = 1h\n", &e, &rc);
	ck_assert_msg(rc == 0, "%s", e.buf);
	ck_assert_str_eq(cfg->server_name, "example.org:8448");
	ck_assert_int_eq(cfg->log_level, 7);
	ck_assert_str_eq(gw_addr_fmt(&cfg->upstream, b, sizeof(b)),
	    "[::1]:80");
	ck_assert_str_eq(gw_addr_fmt(&cfg->tor_control, b, sizeof(b)),
	    "[::1]:9051");
	ck_assert_uint_eq(cfg->max_body, 65536);
	ck_assert_uint_eq(cfg->upstream_timeout_ms, 1500);
	ck_assert_str_eq(cfg->tor_password, "a #b \" \\c");
	ck_assert_str_eq(cfg->proxy_user, "alice");
	ck_assert_str_eq(cfg->proxy_password, "pa:ss");
	ck_assert_uint_eq(cfg->n_allow, 4);
	ck_assert_str_eq(cfg->allow[0], "one.example");
	ck_assert_str_eq(cfg->allow[1], "*.two.example");
	ck_assert_str_eq(cfg->allow[3], "four.example");
	ck_assert_uint_eq(cfg->n_deny, 1);
	ck_assert_str_eq(cfg->deny[0], "*");
	ck_assert(cfg->new_peer_rate.per_sec == 0);
	ck_assert_uint_eq(cfg->n_peers, 2);
	ck_assert_str_eq(cfg->peers[0].name, "*.big.example");
	ck_assert_int_eq(cfg->peers[0].has_inbound_rate, 0);
	ck_assert_int_eq(cfg->peers[0].has_outbound_tunnels, 1);
	ck_assert_uint_eq(cfg->peers[0].outbound_tunnels.max_concurrent, 256);
	ck_assert(cfg->peers[0].outbound_tunnels.per_sec == 0);
	ck_assert_int_eq(cfg->peers[1].has_inbound_rate, 1);
	ck_assert(cfg->peers[1].inbound_rate.per_sec > 0.49 &&
	    cfg->peers[1].inbound_rate.per_sec < 0.51);
	ck_assert_uint_eq(cfg->peers[1].inbound_rate.burst, 1);
	ck_assert_uint_eq(cfg->probe_interval_ms, 0);
	ck_assert_uint_eq(cfg->upload_timeout_ms, 3600000);
	gw_config_free(cfg);
}
END_TEST

static const struct {
	const char	*in;
	int		 ok;
	double		 per_sec;
	unsigned	 burst, max;
} rate_cases[] = {
	{ "20/s burst 200", 1, 20, 200, 0 },
	{ "10/s burst 50, max 64", 1, 10, 50, 64 },
	{ "10/s burst 50 max 64", 1, 10, 50, 64 },
	{ "10/s, max 64", 1, 10, 10, 64 },
	{ "  2.5/s  ", 1, 2.5, 3, 0 },
	{ "120/m", 1, 2, 2, 0 },
	{ "3600/h burst 5", 1, 1, 5, 0 },
	{ "0.5/s", 1, 0.5, 1, 0 },
	{ "max 8", 1, 0, 0, 8 },
	{ "none", 1, 0, 0, 0 },
	{ "off", 1, 0, 0, 0 },
	{ "", 0, 0, 0, 0 },
	{ "20", 0, 0, 0, 0 },
	{ "20/", 0, 0, 0, 0 },
	{ "20/d", 0, 0, 0, 0 },
	{ "20/sec", 0, 0, 0, 0 },
	{ "0/s", 0, 0, 0, 0 },
	{ "-1/s", 0, 0, 0, 0 },
	{ "1e3/s", 0, 0, 0, 0 },
	{ "20/s burst", 0, 0, 0, 0 },
	{ "20/s burst 0", 0, 0, 0, 0 },
	{ "20/s burst 200 junk", 0, 0, 0, 0 },
	{ "20/s max 0", 0, 0, 0, 0 },
	{ "20/s maxx 5", 0, 0, 0, 0 },
	{ "2000000/s", 0, 0, 0, 0 },
	{ "20/s, burst 5", 0, 0, 0, 0 },
};

START_TEST(test_rate_parse)
{
	struct gw_rate	r;
	const char	*why = NULL;
	int		 rc;

	rc = gw_rate_parse(rate_cases[_i].in, &r, &why);
	if (!rate_cases[_i].ok) {
		ck_assert_msg(rc == -1, "\"%s\" accepted", rate_cases[_i].in);
		ck_assert_ptr_nonnull(why);
		return;
	}
	ck_assert_msg(rc == 0, "\"%s\": %s", rate_cases[_i].in, why);
	ck_assert_msg(r.per_sec > rate_cases[_i].per_sec - 1e-9 &&
	    r.per_sec < rate_cases[_i].per_sec + 1e-9, "\"%s\": %g",
	    rate_cases[_i].in, r.per_sec);
	ck_assert_uint_eq(r.burst, rate_cases[_i].burst);
	ck_assert_uint_eq(r.max_concurrent, rate_cases[_i].max);
}
END_TEST

static const struct {
	const char	*in;
	unsigned	 flags;
	const char	*fmt;		/* NULL: must fail */
	int		 local;
} addr_cases[] = {
	{ "127.0.0.1:9050", 0, "127.0.0.1:9050", 1 },
	{ "127.1.2.3:1", 0, "127.1.2.3:1", 1 },
	{ "[::1]:65535", 0, "[::1]:65535", 1 },
	{ "[::ffff:127.0.0.1]:80", 0, "[::ffff:127.0.0.1]:80", 1 },
	{ "0.0.0.0:80", 0, "0.0.0.0:80", 0 },
	{ "192.0.2.7:80", 0, "192.0.2.7:80", 0 },
	{ "[2001:db8::1]:80", 0, "[2001:db8::1]:80", 0 },
	{ "unix:/run/tor/control", GW_ADDR_F_UNIX, "unix:/run/tor/control",
	    1 },
	{ "unix:/run/tor/control", 0, NULL, 0 },
	{ "unix:relative", GW_ADDR_F_UNIX, NULL, 0 },
	{ "unix:/0123456789012345678901234567890123456789012345678901234567"
	    "8901234567890123456789012345678901234567890123456789", GW_ADDR_F_UNIX,
	    NULL, 0 },
	{ "localhost:80", 0, NULL, 0 },
	{ "localhost:80", GW_ADDR_F_HOSTNAME, "localhost:80", 0 },
	{ "synapse", GW_ADDR_F_HOSTNAME | GW_ADDR_F_NOPORT, "synapse:0", 0 },
	{ "x.onion:80", GW_ADDR_F_HOSTNAME, NULL, 0 },
	{ "X.ONION:80", GW_ADDR_F_HOSTNAME, NULL, 0 },
	{ "bad_host:80", GW_ADDR_F_HOSTNAME, NULL, 0 },
	{ "127.0.0.1", 0, NULL, 0 },
	{ "127.0.0.1:", 0, NULL, 0 },
	{ "127.0.0.1:65536", 0, NULL, 0 },
	{ "127.0.0.1:80x", 0, NULL, 0 },
	{ ":80", 0, NULL, 0 },
	{ "[::1]", 0, NULL, 0 },
	{ "[::1:80", 0, NULL, 0 },
	{ "[::1]x:80", 0, NULL, 0 },
	{ "[127.0.0.1]:80", 0, NULL, 0 },
	{ "::1:80", 0, NULL, 0 },
	{ "999.0.0.1:80", 0, NULL, 0 },
};

START_TEST(test_addr_parse)
{
	struct gw_addr	a;
	const char	*why = NULL;
	char		 b[160];
	int		 rc;

	rc = gw_addr_parse(addr_cases[_i].in, addr_cases[_i].flags, &a, &why);
	if (addr_cases[_i].fmt == NULL) {
		ck_assert_msg(rc == -1, "\"%s\" accepted", addr_cases[_i].in);
		ck_assert_ptr_nonnull(why);
		return;
	}
	ck_assert_msg(rc == 0, "\"%s\": %s", addr_cases[_i].in, why);
	ck_assert_str_eq(gw_addr_fmt(&a, b, sizeof(b)), addr_cases[_i].fmt);
	ck_assert_int_eq(gw_addr_is_local(&a), addr_cases[_i].local);
}
END_TEST

/* ---- secret files ---------------------------------------------------- */

static char *
write_tmp(const char *content)
{
	static char	path[64];
	FILE		*fp;
	int		 fd;

	snprintf(path, sizeof(path), "/tmp/check_gw_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(content, fp);
	fclose(fp);
	return path;
}

START_TEST(test_secret_files)
{
	struct gw_config	*cfg = NULL;
	struct errs		 e;
	char			 text[512], want[512];
	char			*pw;
	int			 rc;

	pw = write_tmp("s3cret with spaces\n");
	snprintf(text, sizeof(text), UP "[tor]\nauth = password\n"
	    "password_file = %s\n", pw);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", text, strlen(text), 0, collect, &e,
	    &cfg);
	ck_assert_msg(rc == 0, "%s", e.buf);
	ck_assert_str_eq(cfg->tor_password, "s3cret with spaces");
	ck_assert_str_eq(cfg->tor_password_file, pw);
	gw_config_free(cfg);
	unlink(pw);

	/* The file is gone now: the error names it and says why. */
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", text, strlen(text), 0, collect, &e,
	    &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_INVALID);
	snprintf(want, sizeof(want), "t.conf:5: [tor] password_file: cannot "
	    "open %s: No such file or directory\n", pw);
	ck_assert_str_eq(e.buf, want);

	pw = write_tmp("bob:pass:word\n");
	snprintf(text, sizeof(text), UP "[outbound]\nproxy_auth = %s\n", pw);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", text, strlen(text), 0, collect, &e,
	    &cfg);
	ck_assert_msg(rc == 0, "%s", e.buf);
	ck_assert_str_eq(cfg->proxy_user, "bob");
	ck_assert_str_eq(cfg->proxy_password, "pass:word");
	ck_assert_str_eq(cfg->proxy_auth_file, pw);
	gw_config_free(cfg);
	unlink(pw);

	/* A malformed secret file is refused without echoing its content. */
	pw = write_tmp("topsecretnocolon\n");
	snprintf(text, sizeof(text), UP "[outbound]\nproxy_auth = %s\n", pw);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", text, strlen(text), 0, collect, &e,
	    &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_INVALID);
	ck_assert_ptr_null(strstr(e.buf, "topsecret"));
	snprintf(want, sizeof(want), "t.conf:4: [outbound] proxy_auth: %s "
	    "must hold user:password (each 1 to 255 bytes)\n", pw);
	ck_assert_str_eq(e.buf, want);
	unlink(pw);

	pw = write_tmp("two\nlines\n");
	snprintf(text, sizeof(text), UP "[tor]\npassword_file = %s\n", pw);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", text, strlen(text), 0, collect, &e,
	    &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_INVALID);
	ck_assert_ptr_null(strstr(e.buf, "lines"));
	unlink(pw);
}
END_TEST

START_TEST(test_tls_files)
{
	struct gw_config	*cfg = NULL;
	struct errs		 e;
	char			 text[512], want[512];
	char			 cert[64];
	int			 rc;

	snprintf(cert, sizeof(cert), "%s", write_tmp("-----BEGIN\n"));
	snprintf(text, sizeof(text), UP "tls_cert = %s\ntls_key = %s\n", cert,
	    cert);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", text, strlen(text), 0, collect, &e,
	    &cfg);
	ck_assert_msg(rc == 0, "%s", e.buf);
	gw_config_free(cfg);

	snprintf(text, sizeof(text), UP "tls_cert = %s\ntls_key = /tmp\n",
	    cert);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", text, strlen(text), 0, collect, &e,
	    &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_INVALID);
	ck_assert_str_eq(e.buf, "t.conf:4: [inbound] tls_key: /tmp is not a "
	    "regular file\n");
	unlink(cert);

	snprintf(text, sizeof(text), UP "tls_cert = %s\ntls_key = %s\n", cert,
	    cert);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf("t.conf", text, strlen(text), 0, collect, &e,
	    &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_INVALID);
	snprintf(want, sizeof(want), "t.conf:3: [inbound] tls_cert: cannot "
	    "open %s: No such file or directory\nt.conf:4: [inbound] tls_key: "
	    "cannot open %s: No such file or directory\n", cert, cert);
	ck_assert_str_eq(e.buf, want);
}
END_TEST

START_TEST(test_load_file_errors)
{
	struct gw_config	*cfg = NULL;
	struct errs		 e;
	int			 rc;

	memset(&e, 0, sizeof(e));
	rc = gw_config_load("/nonexistent/onionfed.conf", 0, collect, &e,
	    &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_IO);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(e.buf, "/nonexistent/onionfed.conf: No such file or "
	    "directory\n");
	memset(&e, 0, sizeof(e));
	rc = gw_config_load("/", 0, collect, &e, &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_IO);
	ck_assert_str_eq(e.buf, "/: not a regular file\n");
	ck_assert_str_eq(gw_config_strerror(GW_CONF_ERR_INVALID),
	    "invalid configuration");
	gw_config_free(NULL);
}
END_TEST

/* ---- tests/conf/{good,bad} ------------------------------------------- */

static char	*good_files[MAX_CONF_FILES], *bad_files[MAX_CONF_FILES];
static int	 n_good, n_bad;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
scan_dir(const char *sub, char **out)
{
	char		 dir[1024];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;
	size_t		 len;

	snprintf(dir, sizeof(dir), "%s/tests/conf/%s", test_srcdir(), sub);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < MAX_CONF_FILES) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		out[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), cmp_str);
	return n;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	char	*buf;

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	buf = malloc(GW_CONF_MAX_FILE + 1);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, GW_CONF_MAX_FILE, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

START_TEST(test_conf_dirs_present)
{
	/* A missing folder must not make the loops below vacuous. */
	ck_assert_int_ge(n_good, 5);
	ck_assert_int_ge(n_bad, 25);
}
END_TEST

START_TEST(test_conf_good)
{
	char			 path[1024];
	struct gw_config	*cfg = NULL;
	struct errs		 e;
	int			 rc;

	snprintf(path, sizeof(path), "%s/tests/conf/good/%s", test_srcdir(),
	    good_files[_i]);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load(path, GW_CONF_F_NOFILES, collect, &e, &cfg);
	ck_assert_msg(rc == 0, "%s:\n%s", good_files[_i], e.buf);
	gw_config_free(cfg);
}
END_TEST

START_TEST(test_conf_bad)
{
	char			 path[1024], want[4096];
	struct gw_config	*cfg = NULL;
	struct errs		 e;
	char			*text, *p, *nl;
	size_t			 len, o = 0;
	int			 rc;

	snprintf(path, sizeof(path), "%s/tests/conf/bad/%s", test_srcdir(),
	    bad_files[_i]);
	text = slurp(path, &len);
	/* Leading "# expect: MSG" lines: the exact errors, in order. */
	want[0] = '\0';
	for (p = text; strncmp(p, "# expect: ", 10) == 0; p = nl + 1) {
		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%.*s\n",
		    (int)(nl - p - 10), p + 10);
	}
	ck_assert_msg(want[0] != '\0', "%s has no \"# expect:\" line",
	    bad_files[_i]);
	memset(&e, 0, sizeof(e));
	rc = gw_config_load_buf(bad_files[_i], text, len, GW_CONF_F_NOFILES,
	    collect, &e, &cfg);
	ck_assert_int_eq(rc, GW_CONF_ERR_INVALID);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strcmp(e.buf, want) == 0, "%s:\n--- want\n%s--- got\n%s",
	    bad_files[_i], want, e.buf);
	free(text);
}
END_TEST

START_TEST(test_example_config)
{
	char			 path[1024];
	struct gw_config	*cfg = NULL;
	struct errs		 e;
	int			 rc;

	snprintf(path, sizeof(path), "%s/contrib/onionfed.conf.example",
	    test_srcdir());
	memset(&e, 0, sizeof(e));
	rc = gw_config_load(path, 0, collect, &e, &cfg);
	ck_assert_msg(rc == 0, "%s", e.buf);
	/* It documents the defaults: spelling them out changes nothing. */
	ck_assert_int_eq(cfg->mode, GW_MODE_ONION_ONLY);
	ck_assert_int_eq(cfg->clearnet, GW_CLEARNET_TOR);
	ck_assert_uint_eq(cfg->max_body, 4 * 1024 * 1024);
	gw_config_free(cfg);
}
END_TEST

Suite *
gw_config_suite(void)
{
	Suite	*s = suite_create("gw_config");
	TCase	*tc;

	n_good = scan_dir("good", good_files);
	n_bad = scan_dir("bad", bad_files);

	tc = tcase_create("inline");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_inline_cases, 0,
	    (int)NITEMS(inline_cases));
	tcase_add_test(tc, test_missing_section_no_line);
	tcase_add_test(tc, test_nul_and_limits);
	tcase_add_test(tc, test_error_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_defaults_onion_only);
	tcase_add_test(tc, test_defaults_derived);
	tcase_add_test(tc, test_values);
	tcase_add_loop_test(tc, test_rate_parse, 0, (int)NITEMS(rate_cases));
	tcase_add_loop_test(tc, test_addr_parse, 0, (int)NITEMS(addr_cases));
	tcase_add_test(tc, test_secret_files);
	tcase_add_test(tc, test_tls_files);
	tcase_add_test(tc, test_load_file_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_conf_dirs_present);
	tcase_add_loop_test(tc, test_conf_good, 0, n_good);
	tcase_add_loop_test(tc, test_conf_bad, 0, n_bad);
	tcase_add_test(tc, test_example_config);
	suite_add_tcase(s, tc);
	return s;
}
