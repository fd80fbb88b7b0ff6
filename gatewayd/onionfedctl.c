/*
 * onionfedctl.c - the operator's command-line tool.
 * Owns: argument parsing, the admin-socket client (status, peers, reload)
 * and the offline subcommands (onion-address, keygen, import-key,
 * check-config).
 * Never: changes the daemon's state except through "reload"; overwrites a
 * key file; prints a secret key.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "gatewayd/gw_admin_limits.h"
#include "gatewayd/gw_config.h"
#include "torctl/torctl.h"
#include "torctl/torctl_onionkey.h"

/* Exit codes (doc/onionfedctl.8). */
#define EX_OK_		0
#define EX_FAIL_	1	/* the command failed: reload refused, key
				 * file missing, invalid or already there */
#define EX_USAGE_	64	/* sysexits.h EX_USAGE */
#define EX_UNAVAIL_	69	/* EX_UNAVAILABLE: no answer from onionfedd */
#define EX_CONFIG_	78	/* EX_CONFIG */

#define DEFAULT_CONFIG	SYSCONFDIR "/onionfed/onionfed.conf"

/* tor's hs_ed25519_secret_key starts with this, NUL-padded to 32 bytes. */
#define TOR_KEY_HEADER	"== ed25519v1-secret: type0 =="
/* A key as text (ADD_ONION's "ED25519-V3:base64"): bounded read. */
#define KEY_TEXT_MAX	4096

struct opts {
	const char	*config;
	int		 config_given;
	const char	*socket;
	int		 json;
	int		 quiet;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: onionfedctl [-c FILE] [-s SOCKET] [--json] COMMAND [ARG]\n"
	    "\n"
	    "Commands (talk to onionfedd over its admin socket):\n"
	    "  status               state of the onion, tor and the proxies\n"
	    "  peers                peers the limiter tracks, with their state\n"
	    "  reload               re-read the configuration (as SIGHUP)\n"
	    "Commands (offline, files only):\n"
	    "  onion-address [KEY]  print the .onion address of a key file\n"
	    "  keygen [KEY]         make a new key file (mode 0600; never "
	    "overwrites)\n"
	    "  import-key FILE [KEY]  copy tor's hs_ed25519_secret_key (or an\n"
	    "                       ED25519-V3: blob) into our key file\n"
	    "  check-config         validate the configuration (as onionfedd "
	    "--check)\n"
	    "KEY defaults to the configured [tor] onion_key.\n"
	    "\n"
	    "Options:\n"
	    "  -c, --config=FILE   configuration file (default %s)\n"
	    "  -s, --socket=PATH   admin socket (default: [admin] socket)\n"
	    "  -j, --json          print one JSON object instead of text\n"
	    "  -q, --quiet         check-config: print errors only\n"
	    "  -V, --version       print the version and exit\n"
	    "  -h, --help          print this help and exit\n",
	    DEFAULT_CONFIG);
}

static void
print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* Print one JSON object on stdout and free it. */
static void
print_json(json_t *j)
{
	if (j != NULL) {
		(void)json_dumpf(j, stdout, JSON_COMPACT);
		putchar('\n');
	}
	json_decref(j);
}

/* Load the config for its paths (no secret files opened). */
static int
load_config(const struct opts *o, struct gw_config **cfg)
{
	int	r;

	if ((r = gw_config_load(o->config, GW_CONF_F_NOFILES, print_error,
	    NULL, cfg)) != 0) {
		fprintf(stderr, "onionfedctl: %s: %s\n", o->config,
		    gw_config_strerror(r));
		return EX_CONFIG_;
	}
	return 0;
}

static int
cmd_check_config(const struct opts *o)
{
	struct gw_config	*cfg = NULL;
	int			 r;

	if ((r = gw_config_load(o->config, 0, print_error, NULL, &cfg)) != 0) {
		fprintf(stderr, "onionfedctl: %s: %s\n", o->config,
		    gw_config_strerror(r));
		return EX_CONFIG_;
	}
	if (o->json)
		print_json(json_pack("{s:s,s:b}", "config", o->config, "valid",
		    1));
	else if (!o->quiet) {
		printf("%s: configuration OK\n", o->config);
		gw_config_summary(cfg, stdout);
	}
	gw_config_free(cfg);
	return 0;
}

/* ------------------------------------------------------------- client */

struct answer {
	int	 status;
	char	*body;		/* NUL-terminated */
	size_t	 len;
};

/*
 * Send "METHOD TARGET" to onionfedd's admin socket and read the whole
 * answer (the server closes after one). Return 0 and fill *a, or
 * EX_UNAVAIL_ after saying why on stderr.
 */
static int
admin_request(const char *path, const char *method, const char *target,
    struct answer *a)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { GW_ADMIN_CLIENT_TIMEOUT_MS / 1000, 0 };
	char			 req[256], *buf = NULL, *nb, *hdr_end, *cl;
	size_t			 len = 0, cap = 0, off, rl;
	ssize_t			 n;
	int			 fd = -1, r = EX_UNAVAIL_;

	memset(a, 0, sizeof(*a));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "onionfedctl: %s: path too long\n", path);
		return EX_UNAVAIL_;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "onionfedctl: cannot reach onionfedd at %s: "
		    "%s%s\n", path, strerror(errno), errno == EACCES ?
		    " (run as root or as the daemon's user)" :
		    errno == ENOENT || errno == ECONNREFUSED ?
		    " (is onionfedd running?)" : "");
		goto out;
	}
	rl = (size_t)snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\n"
	    "Host: onionfedd\r\nUser-Agent: onionfedctl/%s\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", method, target,
	    PACKAGE_VERSION);
	for (off = 0; off < rl; off += (size_t)n)
		if ((n = write(fd, req + off, rl - off)) <= 0) {
			fprintf(stderr, "onionfedctl: %s: write: %s\n", path,
			    strerror(errno));
			goto out;
		}
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= GW_ADMIN_CLIENT_MAX_ANSWER) {
				fprintf(stderr, "onionfedctl: answer larger "
				    "than %u bytes\n",
				    GW_ADMIN_CLIENT_MAX_ANSWER);
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				fprintf(stderr, "onionfedctl: out of memory\n");
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n == 0)
			break;
		if (n < 0) {
			fprintf(stderr, "onionfedctl: %s: read: %s\n", path,
			    errno == EAGAIN ? "timed out" : strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (buf == NULL || (buf[len] = '\0', sscanf(buf, "HTTP/1.%*1[01] %3d",
	    &a->status) != 1) || (hdr_end = strstr(buf, "\r\n\r\n")) ==
	    NULL) {
		fprintf(stderr, "onionfedctl: %s: not an onionfedd answer\n",
		    path);
		goto out;
	}
	a->len = len - (size_t)(hdr_end + 4 - buf);
	/* The whole body or nothing: a cut answer is not parsed. */
	if ((cl = strstr(buf, "\r\nContent-Length: ")) != NULL && cl <
	    hdr_end && strtoul(cl + 18, NULL, 10) != a->len) {
		fprintf(stderr, "onionfedctl: %s: answer cut short\n", path);
		goto out;
	}
	memmove(buf, hdr_end + 4, a->len + 1);
	a->body = buf;
	buf = NULL;
	r = 0;
 out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

static int
socket_path(const struct opts *o, char **out)
{
	struct gw_config	*cfg = NULL;
	int			 r;

	if (o->socket != NULL) {
		*out = strdup(o->socket);
		return *out != NULL ? 0 : EX_FAIL_;
	}
	if ((r = load_config(o, &cfg)) != 0)
		return r;
	if (cfg->admin_socket == NULL) {
		fprintf(stderr, "onionfedctl: %s: [admin] socket is off; give "
		    "one with -s\n", o->config);
		gw_config_free(cfg);
		return EX_CONFIG_;
	}
	*out = strdup(cfg->admin_socket);
	gw_config_free(cfg);
	return *out != NULL ? 0 : EX_FAIL_;
}

/* JSON helpers for the human output: missing members read as 0 / "". */
static long long
jint(json_t *o, const char *path)
{
	char	 key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = json_object_get(o, path);
	return json_is_integer(o) ? (long long)json_integer_value(o) :
	    json_is_true(o) ? 1 : -1;
}

static const char *
jstr(json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static void
fmt_dur(char *buf, size_t len, long long s)
{
	if (s < 0)
		snprintf(buf, len, "?");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm %02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh %02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, len, "%lldd %02lldh", s / 86400, s / 3600 % 24);
}

static void
print_status(json_t *j)
{
	json_t		*on = json_object_get(j, "onion");
	json_t		*in = json_object_get(j, "inbound");
	json_t		*ob = json_object_get(j, "outbound");
	json_t		*lim = json_object_get(j, "limiter");
	json_t		*v;
	const char	*k;
	char		 d1[32], d2[32];
	long long	 x, refused = 0;

	fmt_dur(d1, sizeof(d1), jint(j, "uptime_s"));
	printf("onionfedd %s, %s, up %s (%lld reloads, %lld refused)%s\n",
	    jstr(j, "version"), jstr(j, "mode"), d1, jint(j, "reloads.ok"),
	    jint(j, "reloads.failed"), jint(j, "stopping") == 1 ?
	    ", stopping" : "");
	if (json_is_object(on)) {
		fmt_dur(d1, sizeof(d1), jint(on, "state_for_s"));
		printf("onion:    %s %s for %s%s%s\n",
		    json_is_string(json_object_get(on, "address")) ?
		    jstr(on, "address") : "(no address yet)",
		    jstr(on, "state"), d1, jstr(on, "reason")[0] ? ": " : "",
		    jstr(on, "reason"));
		if ((x = jint(on, "probe.last_latency_ms")) >= 0)
			printf("probe:    last successful probe took %.1f s "
			    "(%lld ok, %lld failed%s%s)\n", (double)x / 1000,
			    jint(on, "probe.ok"), jint(on, "probe.failed"),
			    jstr(json_object_get(on, "probe"), "last_fail")[0] ?
			    "; last failure: " : "",
			    jstr(json_object_get(on, "probe"), "last_fail"));
		else
			printf("probe:    no successful probe yet (%lld "
			    "failed%s%s)\n", jint(on, "probe.failed"),
			    jstr(json_object_get(on, "probe"), "last_fail")[0] ?
			    "; last failure: " : "",
			    jstr(json_object_get(on, "probe"), "last_fail"));
		x = jint(on, "descriptors.last_upload_ok_s");
		fmt_dur(d2, sizeof(d2), x);
		printf("HSDirs:   %lld/%lld accepted this round, last accepted "
		    "%s%s (%lld ok, %lld failed in all)\n",
		    jint(on, "descriptors.round_hsdirs_ok"),
		    jint(on, "descriptors.round_hsdirs_total"),
		    x >= 0 ? d2 : "never", x >= 0 ? " ago" : "",
		    jint(on, "descriptors.uploads_ok"),
		    jint(on, "descriptors.uploads_failed"));
		x = jint(on, "tor.bootstrap_percent");
		if (x >= 0 && x <= 100)
			snprintf(d2, sizeof(d2), "bootstrapped %d%%", (int)x);
		else
			snprintf(d2, sizeof(d2), "bootstrap unknown");
		printf("tor:      %s%s%s, %s, PoW %s, %lld reconnects\n",
		    jint(on, "tor.connected") == 1 ? "connected" :
		    "NOT connected",
		    jstr(json_object_get(on, "tor"), "version")[0] ?
		    ", version " : "",
		    jstr(json_object_get(on, "tor"), "version"), d2,
		    jint(on, "pow_enabled") == 1 ? "on" : "off",
		    jint(on, "tor.control_reconnects"));
	} else if (json_is_string(json_object_get(j, "onion_address")))
		printf("onion:    %s (onion manager not running)\n",
		    jstr(j, "onion_address"));
	else
		printf("onion:    not running\n");
	if (json_is_object(in))
		printf("inbound:  %lld connections, %lld requests: %lld "
		    "forwarded, %lld refused, %lld delayed\n",
		    jint(in, "connections"), jint(in, "requests"),
		    jint(in, "forwarded"), jint(in, "refused"),
		    jint(in, "delayed"));
	else
		printf("inbound:  not running\n");
	if (json_is_object(ob)) {
		json_object_foreach(json_object_get(ob, "refused"), k, v)
			refused += json_integer_value(v);
		printf("outbound: %lld tunnels open; %lld to onions, %lld "
		    "clearnet direct, %lld clearnet via tor; %lld refused\n",
		    jint(ob, "tunnels_active"), jint(ob, "tunnels_onion"),
		    jint(ob, "tunnels_clearnet_direct"),
		    jint(ob, "tunnels_clearnet_tor"), refused);
	} else
		printf("outbound: not running\n");
	if (json_is_object(lim))
		printf("peers:    %lld tracked (%lld with history, %lld busy) "
		    "of %lld; %lld passed, %lld delayed, %lld rejected\n",
		    jint(lim, "tracked"), jint(lim, "established"),
		    jint(lim, "busy"), jint(lim, "capacity"),
		    jint(lim, "passed"), jint(lim, "delayed"),
		    jint(lim, "rejected"));
}

static void
print_peers(json_t *j)
{
	json_t	*p;
	size_t	 i;

	if (!json_is_true(json_object_get(j, "limiter"))) {
		printf("no limiter (policy not loaded)\n");
		return;
	}
	printf("%-62s %-8s %-7s %6s %8s %8s\n", "PEER", "DIR", "HISTORY",
	    "OPEN", "PASSED", "FULL_IN");
	json_array_foreach(json_object_get(j, "peers"), i, p) {
		printf("%-62s%s%-8s %-7s %6lld %8lld %7.1fs\n",
		    json_is_string(json_object_get(p, "name")) ?
		    jstr(p, "name") : "?",
		    jint(p, "name_truncated") == 1 ? "~" : " ",
		    jstr(p, "direction"),
		    jint(p, "established") == 1 ? "yes" : "no",
		    jint(p, "concurrent"), jint(p, "passes"),
		    (double)jint(p, "full_in_ms") / 1000);
	}
	printf("%lld tracked, %lld shown%s\n", jint(j, "tracked"),
	    jint(j, "shown"), jint(j, "truncated") == 1 ?
	    " (the rest left out)" : "");
}

static int
cmd_online(const struct opts *o, const char *cmd)
{
	struct answer	 a;
	json_t		*j = NULL;
	json_error_t	 je;
	char		*path = NULL;
	int		 r, reload = strcmp(cmd, "reload") == 0;

	if ((r = socket_path(o, &path)) != 0)
		return r;
	r = admin_request(path, reload ? "POST" : "GET", reload ? "/reload" :
	    strcmp(cmd, "status") == 0 ? "/status" : "/peers", &a);
	if (r != 0)
		goto out;
	j = json_loads(a.body, 0, &je);
	if (j == NULL || (a.status != 200 && !(reload && a.status == 409))) {
		fprintf(stderr, "onionfedctl: %s: HTTP %d: %s", path, a.status,
		    a.body[0] ? a.body : "(empty)\n");
		r = EX_UNAVAIL_;
		goto out;
	}
	if (o->json)
		fputs(a.body, stdout);
	if (reload) {
		if (a.status == 409) {
			fprintf(stderr, "onionfedctl: reload refused; the "
			    "running configuration stays: %s\n",
			    jstr(j, "error"));
			r = EX_FAIL_;
		} else if (!o->json)
			printf("reload: new configuration applied\n");
	} else if (!o->json) {
		if (strcmp(cmd, "status") == 0)
			print_status(j);
		else
			print_peers(j);
	}
 out:
	json_decref(j);
	free(a.body);
	free(path);
	return r;
}

/* ---------------------------------------------------------- key files */

static int
key_path(const struct opts *o, const char *arg, char **out)
{
	struct gw_config	*cfg = NULL;
	int			 r;

	if (arg != NULL) {
		*out = strdup(arg);
		return *out != NULL ? 0 : EX_FAIL_;
	}
	if ((r = load_config(o, &cfg)) != 0)
		return r;
	*out = strdup(cfg->onion_key);
	gw_config_free(cfg);
	return *out != NULL ? 0 : EX_FAIL_;
}

static int
print_address(const struct opts *o, const struct torctl_onionkey *k,
    const char *file)
{
	char	id[TORCTL_ONION_ID_LEN + 1];

	if (torctl_onionkey_service_id(k, id, sizeof(id)) != 0) {
		fprintf(stderr, "onionfedctl: cannot derive the address\n");
		return EX_FAIL_;
	}
	if (o->json)
		print_json(json_pack("{s:s+,s:s}", "address", id, ".onion",
		    "file", file));
	else
		printf("%s.onion\n", id);
	return 0;
}

static int
key_error(const char *file, int err)
{
	fprintf(stderr, "onionfedctl: %s: %s%s%s\n", file,
	    torctl_strerror(err), err == TORCTL_ERR_IO ? ": " : "",
	    err == TORCTL_ERR_IO ? strerror(errno) : "");
	return EX_FAIL_;
}

/* Refuse to overwrite: return 0 if nothing is at 'path'. */
static int
must_not_exist(const char *path)
{
	struct stat	st;

	if (lstat(path, &st) == 0) {
		fprintf(stderr, "onionfedctl: %s exists; not overwriting it "
		    "(move it away first)\n", path);
		return EX_FAIL_;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "onionfedctl: %s: %s\n", path,
		    strerror(errno));
		return EX_FAIL_;
	}
	return 0;
}

static int
cmd_onion_address(const struct opts *o, const char *arg)
{
	struct torctl_onionkey	*k = NULL;
	char			*path = NULL;
	int			 r;

	if ((r = key_path(o, arg, &path)) != 0)
		return r;
	if ((r = torctl_onionkey_load(path, &k)) != 0)
		r = key_error(path, r);
	else
		r = print_address(o, k, path);
	torctl_onionkey_free(k);
	free(path);
	return r;
}

static int
cmd_keygen(const struct opts *o, const char *arg)
{
	struct torctl_onionkey	*k = NULL;
	char			*path = NULL;
	int			 r;

	if ((r = key_path(o, arg, &path)) != 0)
		return r;
	if ((r = must_not_exist(path)) != 0)
		goto out;
	if ((r = torctl_onionkey_generate(&k)) != 0 ||
	    (r = torctl_onionkey_save(k, path)) != 0) {
		r = key_error(path, r);
		goto out;
	}
	r = print_address(o, k, path);
 out:
	torctl_onionkey_free(k);
	free(path);
	return r;
}

/* Read 'file' as tor's hs_ed25519_secret_key (96 bytes, header) or as an
 * ADD_ONION blob in text. */
static int
read_foreign_key(const char *file, struct torctl_onionkey **k)
{
	char	buf[KEY_TEXT_MAX + 1];
	size_t	len = 0, a, b;
	ssize_t	n;
	int	fd, r;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return key_error(file, TORCTL_ERR_IO);
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len == TORCTL_ONIONKEY_FILE_LEN &&
	    memcmp(buf, TOR_KEY_HEADER, strlen(TOR_KEY_HEADER)) == 0)
		r = torctl_onionkey_load(file, k);
	else {
		/* Text: trim white space around one blob. */
		for (a = 0; a < len && strchr(" \t\r\n", buf[a]) != NULL; a++)
			;
		for (b = len; b > a && strchr(" \t\r\n", buf[b - 1]) != NULL;
		    b--)
			;
		r = len >= sizeof(buf) - 1 ? TORCTL_ERR_KEY :
		    torctl_onionkey_from_blob(buf + a, b - a, k);
	}
	explicit_bzero(buf, sizeof(buf));
	if (r != 0) {
		fprintf(stderr, "onionfedctl: %s: not tor's "
		    "hs_ed25519_secret_key nor an ED25519-V3 key: %s\n", file,
		    torctl_strerror(r));
		return EX_FAIL_;
	}
	return 0;
}

static int
cmd_import_key(const struct opts *o, const char *file, const char *arg)
{
	struct torctl_onionkey	*k = NULL;
	char			*path = NULL;
	int			 r;

	if ((r = key_path(o, arg, &path)) != 0)
		return r;
	if ((r = must_not_exist(path)) != 0 ||
	    (r = read_foreign_key(file, &k)) != 0)
		goto out;
	if ((r = torctl_onionkey_save(k, path)) != 0) {
		r = key_error(path, r);
		goto out;
	}
	r = print_address(o, k, path);
 out:
	torctl_onionkey_free(k);
	free(path);
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "socket",	required_argument,	NULL, 's' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct opts	 o;
	const char	*cmd;
	int		 ch, nargs;

	memset(&o, 0, sizeof(o));
	o.config = DEFAULT_CONFIG;
	while ((ch = getopt_long(argc, argv, "+c:s:jqVh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			o.config_given = 1;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'V':
			printf("onionfedctl %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE_;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE_;
	}
	/* --json may also follow the command ("onionfedctl status --json"). */
	cmd = argv[optind++];
	while (optind < argc && (strcmp(argv[optind], "--json") == 0 ||
	    strcmp(argv[optind], "-j") == 0)) {
		o.json = 1;
		optind++;
	}
	nargs = argc - optind;
	if (nargs > 0 && (strcmp(argv[argc - 1], "--json") == 0 ||
	    strcmp(argv[argc - 1], "-j") == 0)) {
		o.json = 1;
		nargs--;
	}
	if (strcmp(cmd, "check-config") == 0 && nargs == 0)
		return cmd_check_config(&o);
	if ((strcmp(cmd, "status") == 0 || strcmp(cmd, "peers") == 0 ||
	    strcmp(cmd, "reload") == 0) && nargs == 0)
		return cmd_online(&o, cmd);
	if (strcmp(cmd, "onion-address") == 0 && nargs <= 1)
		return cmd_onion_address(&o, nargs ? argv[optind] : NULL);
	if (strcmp(cmd, "keygen") == 0 && nargs <= 1)
		return cmd_keygen(&o, nargs ? argv[optind] : NULL);
	if (strcmp(cmd, "import-key") == 0 && (nargs == 1 || nargs == 2))
		return cmd_import_key(&o, argv[optind],
		    nargs == 2 ? argv[optind + 1] : NULL);
	fprintf(stderr, "onionfedctl: unknown command or wrong arguments: "
	    "%s\n", cmd);
	usage(stderr);
	return EX_USAGE_;
}
