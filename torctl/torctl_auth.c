/*
 * torctl_auth.c - the handshake: PROTOCOLINFO 1, method choice, SAFECOOKIE
 * (AUTHCHALLENGE, server hash verified before we prove anything), COOKIE,
 * HASHEDPASSWORD, NULL, then GETINFO version against TORCTL_MIN_VERSION.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "torctl/torctl_int.h"
#include "torctl/torctl_proto.h"

#define SC_SERVER_KEY	"Tor safe cookie authentication server-to-controller hash"
#define SC_CLIENT_KEY	"Tor safe cookie authentication controller-to-server hash"

static void	on_protocolinfo(struct torctl *, int,
		    const struct torctl_reply *, void *);
static void	on_authchallenge(struct torctl *, int,
		    const struct torctl_reply *, void *);
static void	on_authenticate(struct torctl *, int,
		    const struct torctl_reply *, void *);
static void	on_version(struct torctl *, int, const struct torctl_reply *,
		    void *);

static void
hex(const uint8_t *b, size_t n, char *out)
{
	static const char	digits[] = "0123456789ABCDEF";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
unhex(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	if (slen != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Send an internal command built with snprintf-like care by the caller. */
static void
send_internal(struct torctl *tc, const char *line, torctl_reply_cb *cb)
{
	char	*copy;
	int	 r;

	if ((r = torctl_build_line(line, &copy)) != 0 ||
	    (r = torctl_send_owned(tc, copy, cb, NULL, 1)) != 0)
		torctl_fail(tc, r);
}

void
torctl_auth_start(struct torctl *tc)
{
	send_internal(tc, "PROTOCOLINFO 1", on_protocolinfo);
}

/* Copy tor's refusal text (first line) into errmsg after 'what'. */
static void
reply_err(struct torctl *tc, const char *what, const struct torctl_reply *r)
{
	const char	*t = r != NULL ? torctl_reply_line(r, 0, NULL) : NULL;

	if (r != NULL)
		torctl_seterr(tc, "%s: tor said \"%d %.200s\"", what,
		    torctl_reply_status(r), t != NULL ? t : "");
	else
		torctl_seterr(tc, "%s: no reply", what);
}

static unsigned
parse_methods(const char *s)
{
	unsigned	m = 0;
	const char	*p = s, *e;
	size_t		n;

	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 4 && memcmp(p, "NULL", 4) == 0)
			m |= TORCTL_M_NULL;
		else if (n == 14 && memcmp(p, "HASHEDPASSWORD", 14) == 0)
			m |= TORCTL_M_HASHEDPASSWORD;
		else if (n == 6 && memcmp(p, "COOKIE", 6) == 0)
			m |= TORCTL_M_COOKIE;
		else if (n == 10 && memcmp(p, "SAFECOOKIE", 10) == 0)
			m |= TORCTL_M_SAFECOOKIE;
		p += n;
		if (*p == ',')
			p++;
	}
	return m;
}

static void
methods_str(unsigned m, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s%s%s%s",
	    (m & TORCTL_M_SAFECOOKIE) ? "SAFECOOKIE," : "",
	    (m & TORCTL_M_COOKIE) ? "COOKIE," : "",
	    (m & TORCTL_M_HASHEDPASSWORD) ? "HASHEDPASSWORD," : "",
	    (m & TORCTL_M_NULL) ? "NULL," : "");
	if (buf[0] != '\0')
		buf[strlen(buf) - 1] = '\0';
	else
		(void)snprintf(buf, len, "(none)");
}

/* Pick the method: the configured one if tor offers it, else for auto the
 * strongest tor offers that we can use. */
static int
choose_method(struct torctl *tc, enum torctl_auth *out)
{
	unsigned	m = tc->methods;
	char		offered[96];

	switch (tc->auth) {
	case TORCTL_AUTH_AUTO:
		if (m & TORCTL_M_SAFECOOKIE)
			*out = TORCTL_AUTH_SAFECOOKIE;
		else if (m & TORCTL_M_COOKIE)
			*out = TORCTL_AUTH_COOKIE;
		else if ((m & TORCTL_M_HASHEDPASSWORD) && tc->password != NULL)
			*out = TORCTL_AUTH_PASSWORD;
		else if (m & TORCTL_M_NULL)
			*out = TORCTL_AUTH_NONE;
		else
			break;
		return 0;
	case TORCTL_AUTH_SAFECOOKIE:
		if (m & TORCTL_M_SAFECOOKIE) {
			*out = tc->auth;
			return 0;
		}
		break;
	case TORCTL_AUTH_COOKIE:
		if (m & TORCTL_M_COOKIE) {
			*out = tc->auth;
			return 0;
		}
		break;
	case TORCTL_AUTH_PASSWORD:
		if ((m & TORCTL_M_HASHEDPASSWORD) && tc->password != NULL) {
			*out = tc->auth;
			return 0;
		}
		break;
	case TORCTL_AUTH_NONE:
		if (m & TORCTL_M_NULL) {
			*out = tc->auth;
			return 0;
		}
		break;
	}
	methods_str(m, offered, sizeof(offered));
	torctl_seterr(tc, "no acceptable authentication method: tor at %s "
	    "offers %s, our config allows auth=%s%s", tc->target, offered,
	    torctl_auth_name(tc->auth),
	    (m & TORCTL_M_HASHEDPASSWORD) && tc->password == NULL ?
	    " and no password is configured" : "");
	return TORCTL_ERR_NOMETHOD;
}

/* Explain why the cookie file can't be read: the file, who we are, and
 * the group that may read it (debian-tor on Debian). */
static void
cookie_err(struct torctl *tc, const char *path, int err)
{
	struct stat	 st;
	struct passwd	*pw = getpwuid(geteuid());
	struct group	*gr;
	char		 gname[64], uname[64];

	snprintf(uname, sizeof(uname), "%s",
	    pw != NULL ? pw->pw_name : "?");
	if (stat(path, &st) != 0) {
		torctl_seterr(tc, "cannot read tor's cookie file %s: %s "
		    "(running as uid %u (%s); check that the file exists and "
		    "every directory above it is searchable by this user)",
		    path, strerror(err), (unsigned)geteuid(), uname);
		return;
	}
	gr = getgrgid(st.st_gid);
	if (gr != NULL)
		snprintf(gname, sizeof(gname), "%s", gr->gr_name);
	else
		snprintf(gname, sizeof(gname), "%u", (unsigned)st.st_gid);
	if (st.st_mode & S_IRGRP)
		torctl_seterr(tc, "cannot read tor's cookie file %s: %s "
		    "(running as uid %u (%s); the file belongs to group %s "
		    "with mode %03o: add %s to group %s, e.g. "
		    "SupplementaryGroups=%s in the unit)", path, strerror(err),
		    (unsigned)geteuid(), uname, gname,
		    (unsigned)(st.st_mode & 0777), uname, gname, gname);
	else
		torctl_seterr(tc, "cannot read tor's cookie file %s: %s "
		    "(running as uid %u (%s); the file belongs to group %s "
		    "with mode %03o and is not group-readable: set "
		    "CookieAuthFileGroupReadable 1 in torrc and add %s to group "
		    "%s)", path, strerror(err), (unsigned)geteuid(), uname,
		    gname, (unsigned)(st.st_mode & 0777), uname, gname);
}

static int
read_cookie(struct torctl *tc)
{
	const char	*path = tc->cookie_override != NULL ?
			    tc->cookie_override : tc->cookie_file;
	uint8_t		 buf[TORCTL_COOKIE_LEN + 1];
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, e;

	if (path[0] == '\0') {
		torctl_seterr(tc, "tor offers cookie authentication but "
		    "PROTOCOLINFO named no COOKIEFILE");
		return TORCTL_ERR_COOKIE;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		cookie_err(tc, path, errno);
		return TORCTL_ERR_COOKIE;
	}
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	e = errno;
	close(fd);
	if (got != TORCTL_COOKIE_LEN) {
		if (n < 0)
			cookie_err(tc, path, e);
		else
			torctl_seterr(tc, "tor's cookie file %s is not %d "
			    "bytes long: not a control auth cookie", path,
			    TORCTL_COOKIE_LEN);
		explicit_bzero(buf, sizeof(buf));
		return TORCTL_ERR_COOKIE;
	}
	memcpy(tc->cookie, buf, TORCTL_COOKIE_LEN);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

void
torctl_safecookie_hash(int server_to_controller, const uint8_t cookie[32],
    const uint8_t cnonce[32], const uint8_t snonce[32], uint8_t out[32])
{
	uint8_t		msg[96];
	unsigned	olen = 32;
	const char	*key = server_to_controller ? SC_SERVER_KEY :
			    SC_CLIENT_KEY;

	memcpy(msg, cookie, 32);
	memcpy(msg + 32, cnonce, 32);
	memcpy(msg + 64, snonce, 32);
	HMAC(EVP_sha256(), key, (int)strlen(key), msg, sizeof(msg), out,
	    &olen);
	explicit_bzero(msg, sizeof(msg));
}

static void
on_protocolinfo(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	enum torctl_auth	 method;
	const char		*line;
	size_t			 i, len;
	char			 val[TORCTL_MAX_PATH], cmd[128];
	char			 hexbuf[2 * TORCTL_NONCE_LEN + 1];
	char			*pwcmd;
	int			 e, v;

	(void)arg;
	if (err != 0) {
		reply_err(tc, "PROTOCOLINFO failed", r);
		torctl_fail(tc, err == TORCTL_ERR_REPLY ? TORCTL_ERR_PROTO :
		    err);
		return;
	}
	tc->methods = 0;
	tc->cookie_file[0] = '\0';
	for (i = 0; (line = torctl_reply_line(r, i, &len)) != NULL; i++) {
		if (len > 5 && memcmp(line, "AUTH ", 5) == 0) {
			e = torctl_kv_get(line + 5, len - 5, "METHODS", val,
			    sizeof(val));
			if (e >= 0)
				tc->methods |= parse_methods(val);
			e = torctl_kv_get(line + 5, len - 5, "COOKIEFILE",
			    tc->cookie_file, sizeof(tc->cookie_file));
			if (e < 0 && e != TORCTL_ERR_NOTFOUND) {
				torctl_seterr(tc, "bad COOKIEFILE in "
				    "PROTOCOLINFO");
				torctl_fail(tc, TORCTL_ERR_PROTO);
				return;
			}
			if (e < 0)
				tc->cookie_file[0] = '\0';
		}

	}
	if ((e = choose_method(tc, &method)) != 0) {
		torctl_fail(tc, e);
		return;
	}
	tc->auth_used = method;
	switch (method) {
	case TORCTL_AUTH_SAFECOOKIE:
		if ((e = read_cookie(tc)) != 0) {
			torctl_fail(tc, e);
			return;
		}
		if (RAND_bytes(tc->client_nonce, TORCTL_NONCE_LEN) != 1) {
			torctl_seterr(tc, "RAND_bytes failed");
			torctl_fail(tc, TORCTL_ERR_NOMEM);
			return;
		}
		hex(tc->client_nonce, TORCTL_NONCE_LEN, hexbuf);
		snprintf(cmd, sizeof(cmd), "AUTHCHALLENGE SAFECOOKIE %s",
		    hexbuf);
		send_internal(tc, cmd, on_authchallenge);
		return;
	case TORCTL_AUTH_COOKIE:
		if ((e = read_cookie(tc)) != 0) {
			torctl_fail(tc, e);
			return;
		}
		hex(tc->cookie, TORCTL_COOKIE_LEN, hexbuf);
		snprintf(cmd, sizeof(cmd), "AUTHENTICATE %s", hexbuf);
		explicit_bzero(hexbuf, sizeof(hexbuf));
		send_internal(tc, cmd, on_authenticate);
		explicit_bzero(cmd, sizeof(cmd));
		return;
	case TORCTL_AUTH_PASSWORD:
		/* Hex avoids quoting questions; tor accepts both. */
		len = strlen(tc->password);
		if ((pwcmd = malloc(16 + 2 * len)) == NULL) {
			torctl_fail(tc, TORCTL_ERR_NOMEM);
			return;
		}
		memcpy(pwcmd, "AUTHENTICATE ", 13);
		hex((const uint8_t *)tc->password, len, pwcmd + 13);
		v = torctl_send_owned(tc, pwcmd, on_authenticate, NULL, 1);
		if (v != 0)
			torctl_fail(tc, v);
		return;
	default:
		send_internal(tc, "AUTHENTICATE", on_authenticate);
		return;
	}
}

static void
on_authchallenge(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	const char	*line;
	size_t		 len;
	char		 val[2 * 32 + 8], cmd[128];
	uint8_t		 shash[32], snonce[32], want[32], chash[32];
	char		 hexbuf[65];

	(void)arg;
	if (err != 0) {
		reply_err(tc, "AUTHCHALLENGE failed", r);
		torctl_fail(tc, err == TORCTL_ERR_REPLY ? TORCTL_ERR_AUTH :
		    err);
		return;
	}
	line = torctl_reply_line(r, 0, &len);
	if (line == NULL || len < 14 ||
	    memcmp(line, "AUTHCHALLENGE ", 14) != 0 ||
	    torctl_kv_get(line + 14, len - 14, "SERVERHASH", val,
	    sizeof(val)) != 64 || unhex(val, 64, shash, 32) != 0 ||
	    torctl_kv_get(line + 14, len - 14, "SERVERNONCE", val,
	    sizeof(val)) != 64 || unhex(val, 64, snonce, 32) != 0) {
		torctl_seterr(tc, "malformed AUTHCHALLENGE reply from %s",
		    tc->target);
		torctl_fail(tc, TORCTL_ERR_PROTO);
		return;
	}
	torctl_safecookie_hash(1, tc->cookie, tc->client_nonce, snonce, want);
	if (CRYPTO_memcmp(want, shash, 32) != 0) {
		/* Whoever answers does not know the cookie: never prove that
		 * we do. */
		torctl_seterr(tc, "SAFECOOKIE server hash from %s is wrong: "
		    "the control port is not the tor that wrote %s; refusing "
		    "to authenticate", tc->target,
		    tc->cookie_override ? tc->cookie_override :
		    tc->cookie_file);
		explicit_bzero(want, sizeof(want));
		torctl_fail(tc, TORCTL_ERR_SERVERHASH);
		return;
	}
	torctl_safecookie_hash(0, tc->cookie, tc->client_nonce, snonce, chash);
	explicit_bzero(tc->cookie, sizeof(tc->cookie));
	hex(chash, 32, hexbuf);
	snprintf(cmd, sizeof(cmd), "AUTHENTICATE %s", hexbuf);
	send_internal(tc, cmd, on_authenticate);
	explicit_bzero(chash, sizeof(chash));
	explicit_bzero(cmd, sizeof(cmd));
}

static void
on_authenticate(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	(void)arg;
	explicit_bzero(tc->cookie, sizeof(tc->cookie));
	if (err != 0) {
		reply_err(tc, tc->auth_used == TORCTL_AUTH_PASSWORD ?
		    "authentication failed (wrong password?)" :
		    "authentication failed", r);
		torctl_fail(tc, err == TORCTL_ERR_REPLY ? TORCTL_ERR_AUTH :
		    err);
		return;
	}
	send_internal(tc, "GETINFO version", on_version);
}

static void
on_version(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	struct torctl_version	min;
	const char		*v;
	size_t			 len;
	char			 buf[128];

	(void)arg;
	if (err != 0) {
		reply_err(tc, "GETINFO version failed", r);
		torctl_fail(tc, err == TORCTL_ERR_REPLY ? TORCTL_ERR_PROTO :
		    err);
		return;
	}
	if (torctl_reply_get(r, "version", &v, &len) != 0 ||
	    len >= sizeof(buf)) {
		torctl_seterr(tc, "GETINFO version: no version in reply");
		torctl_fail(tc, TORCTL_ERR_PROTO);
		return;
	}
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (torctl_version_parse(buf, &tc->version) != 0) {
		torctl_seterr(tc, "cannot parse tor version \"%.64s\"", buf);
		torctl_fail(tc, TORCTL_ERR_PROTO);
		return;
	}
	(void)torctl_version_parse(TORCTL_MIN_VERSION_STR, &min);
	if (torctl_version_cmp(&tc->version, &min) < 0) {
		torctl_seterr(tc, "tor %.64s is too old: onionfed needs tor "
		    ">= 0.3.5 (ADD_ONION with ED25519-V3 keys)", buf);
		torctl_fail(tc, TORCTL_ERR_VERSION);
		return;
	}
	tc->have_version = 1;
	torctl_handshake_done(tc);
}
