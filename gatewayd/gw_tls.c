/*
 * gw_tls.c - inbound TLS context and the self-made onion certificate.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "gatewayd/gw_tls.h"

#define GW_TLS_CERT_FILE	"inbound-tls.crt"
#define GW_TLS_KEY_FILE		"inbound-tls.key"
#define GW_TLS_CERT_DAYS	3650

struct gw_tls {
	SSL_CTX	*ctx;
	char	*host;		/* server name without port, for SNI */
	int	 sni_strict;
};

static void
seterr(char *buf, size_t len, const char *what, const char *path)
{
	unsigned long	e = ERR_get_error();
	char		ebuf[160] = "";

	if (e != 0)
		ERR_error_string_n(e, ebuf, sizeof(ebuf));
	else if (errno != 0)
		snprintf(ebuf, sizeof(ebuf), "%s", strerror(errno));
	snprintf(buf, len, "%s%s%s%s%s", what, path ? " " : "",
	    path ? path : "", ebuf[0] ? ": " : "", ebuf);
	ERR_clear_error();
}

static char *
host_of(const char *name)
{
	const char	*end;
	char		*h;

	if (name[0] == '[') {
		end = strchr(name, ']');
		end = end ? end + 1 : name + strlen(name);
	} else if ((end = strrchr(name, ':')) == NULL)
		end = name + strlen(name);
	if ((h = strndup(name, (size_t)(end - name))) == NULL)
		return NULL;
	return h;
}

static int
sni_cb(SSL *ssl, int *alert, void *arg)
{
	struct gw_tls	*t = arg;
	const char	*sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	if (sni == NULL || !t->sni_strict)
		return SSL_TLSEXT_ERR_OK;
	if (strcasecmp(sni, t->host) == 0)
		return SSL_TLSEXT_ERR_OK;
	*alert = SSL_AD_UNRECOGNIZED_NAME;
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char	h11[] = "\x08http/1.1";
	unsigned char			*sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, h11, sizeof(h11) - 1, in,
	    inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* Make a self-signed certificate for 'host' with key 'pk'. */
static X509 *
make_cert(EVP_PKEY *pk, const char *host)
{
	X509		*x = NULL;
	X509_NAME	*nm;
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;
	char		 san[300];
	unsigned char	 serial[12];
	BIGNUM		*bn = NULL;
	static const char *const exts[][2] = {
		{ "basicConstraints", "critical,CA:FALSE" },
		{ "keyUsage", "critical,digitalSignature" },
		{ "extendedKeyUsage", "serverAuth" },
	};
	size_t		 i;

	if ((x = X509_new()) == NULL || !X509_set_version(x, 2))
		goto err;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto err;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto err;
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)GW_TLS_CERT_DAYS * 86400) == NULL)
		goto err;
	nm = X509_get_subject_name(x);
	if (strlen(host) <= 64 && !X509_NAME_add_entry_by_txt(nm, "CN",
	    MBSTRING_ASC, (const unsigned char *)host, -1, -1, 0))
		goto err;
	if (!X509_set_issuer_name(x, nm) || !X509_set_pubkey(x, pk))
		goto err;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	if (snprintf(san, sizeof(san), "DNS:%s", host) >= (int)sizeof(san))
		goto err;
	if ((ext = X509V3_EXT_conf(NULL, &v3, "subjectAltName", san)) == NULL)
		goto err;
	i = (size_t)X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (i == 0)
		goto err;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		ext = X509V3_EXT_conf(NULL, &v3, exts[i][0], exts[i][1]);
		if (ext == NULL || !X509_add_ext(x, ext, -1)) {
			X509_EXTENSION_free(ext);
			goto err;
		}
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, pk, EVP_sha256()) == 0)
		goto err;
	BN_free(bn);
	return x;
 err:
	BN_free(bn);
	X509_free(x);
	return NULL;
}

/* Write 'path' atomically (tmp + rename) with 'mode'. */
static int
write_pem(const char *path, int mode, EVP_PKEY *pk, X509 *x)
{
	char	 tmp[4096];
	FILE	*f = NULL;
	int	 fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto err;
	}
	ok = pk ? PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) :
	    PEM_write_X509(f, x);
	if (!ok || fflush(f) != 0 || fsync(fileno(f)) != 0)
		goto err;
	if (fclose(f) != 0) {
		f = NULL;
		goto err;
	}
	f = NULL;
	if (rename(tmp, path) != 0)
		goto err;
	return 0;
 err:
	if (f != NULL)
		fclose(f);
	(void)unlink(tmp);
	return -1;
}

/* Load the made cert from the state dir, or make it. */
static int
load_or_make(struct gw_tls *t, const char *dir, char *cpath, size_t clen,
    char *kpath, size_t klen, char *errbuf, size_t errlen)
{
	FILE		*f;
	X509		*x = NULL;
	EVP_PKEY	*pk = NULL;
	int		 r = GW_TLS_ERR_MAKE, reuse = 0;

	if (snprintf(cpath, clen, "%s/%s", dir, GW_TLS_CERT_FILE) >=
	    (int)clen || snprintf(kpath, klen, "%s/%s", dir,
	    GW_TLS_KEY_FILE) >= (int)klen) {
		snprintf(errbuf, errlen, "state dir path too long");
		return GW_TLS_ERR_CONF;
	}
	if ((f = fopen(cpath, "r")) != NULL) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		/* reuse only if it is still for our name */
		if (x != NULL && X509_check_host(x, t->host, 0, 0, NULL) == 1 &&
		    access(kpath, R_OK) == 0)
			reuse = 1;
		X509_free(x);
		x = NULL;
	}
	if (reuse)
		return 0;
	ERR_clear_error();
	if ((pk = EVP_EC_gen("P-256")) == NULL) {
		seterr(errbuf, errlen, "cannot make a TLS key", NULL);
		goto out;
	}
	if ((x = make_cert(pk, t->host)) == NULL) {
		seterr(errbuf, errlen, "cannot make a TLS certificate for",
		    t->host);
		goto out;
	}
	if (write_pem(kpath, 0600, pk, NULL) != 0) {
		seterr(errbuf, errlen, "cannot write", kpath);
		goto out;
	}
	if (write_pem(cpath, 0644, NULL, x) != 0) {
		seterr(errbuf, errlen, "cannot write", cpath);
		goto out;
	}
	r = 0;
 out:
	X509_free(x);
	EVP_PKEY_free(pk);
	return r;
}

int
gw_tls_new(const struct gw_tls_conf *conf, struct gw_tls **out, char *errbuf,
    size_t errlen)
{
	struct gw_tls	*t;
	char		 cpath[4096], kpath[4096];
	const char	*cp, *kp;
	int		 r = GW_TLS_ERR_NOMEM;

	*out = NULL;
	errno = 0;
	snprintf(errbuf, errlen, "out of memory");
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return GW_TLS_ERR_NOMEM;
	t->sni_strict = conf->sni_strict;
	if ((t->host = host_of(conf->server_name ? conf->server_name : "")) ==
	    NULL)
		goto out;
	if ((t->ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto out;
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* Idle connections keep no record buffers (~34 KiB each otherwise). */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS);
	/* Resumption by stateless tickets only: no per-session server state. */
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_tlsext_servername_callback(t->ctx, sni_cb);
	SSL_CTX_set_tlsext_servername_arg(t->ctx, t);
	SSL_CTX_set_alpn_select_cb(t->ctx, alpn_cb, NULL);
	if (conf->cert_path != NULL && conf->cert_path[0] != '\0' &&
	    conf->key_path != NULL && conf->key_path[0] != '\0') {
		cp = conf->cert_path;
		kp = conf->key_path;
	} else if (conf->state_dir != NULL && conf->state_dir[0] != '\0') {
		if (t->host[0] == '\0') {
			snprintf(errbuf, errlen, "no server name to make a "
			    "TLS certificate for");
			r = GW_TLS_ERR_CONF;
			goto out;
		}
		if ((r = load_or_make(t, conf->state_dir, cpath, sizeof(cpath),
		    kpath, sizeof(kpath), errbuf, errlen)) != 0)
			goto out;
		cp = cpath;
		kp = kpath;
	} else {
		snprintf(errbuf, errlen, "TLS needs tls_cert and tls_key, or "
		    "a state directory to make a certificate in");
		r = GW_TLS_ERR_CONF;
		goto out;
	}
	r = GW_TLS_ERR_LOAD;
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cp) != 1) {
		seterr(errbuf, errlen, "cannot load certificate", cp);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, kp, SSL_FILETYPE_PEM) != 1) {
		seterr(errbuf, errlen, "cannot load key", kp);
		goto out;
	}
	if (SSL_CTX_check_private_key(t->ctx) != 1) {
		seterr(errbuf, errlen, "key does not match certificate", cp);
		goto out;
	}
	*out = t;
	t = NULL;
	r = 0;
	errbuf[0] = '\0';
 out:
	gw_tls_free(t);
	return r;
}

struct ssl_st *
gw_tls_ssl_new(struct gw_tls *t)
{
	return SSL_new(t->ctx);
}

int
gw_tls_fingerprint(const struct gw_tls *t, char *buf, size_t len)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	n, i;
	X509		*x = SSL_CTX_get0_certificate(t->ctx);

	if (x == NULL || !X509_digest(x, EVP_sha256(), md, &n) ||
	    len < n * 2 + 1)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(buf + i * 2, 3, "%02x", md[i]);
	return 0;
}

void
gw_tls_free(struct gw_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	free(t->host);
	free(t);
}

const char *
gw_tls_strerror(int err)
{
	switch (err) {
	case GW_TLS_OK:		return "ok";
	case GW_TLS_ERR_NOMEM:	return "out of memory";
	case GW_TLS_ERR_LOAD:	return "cannot load certificate or key";
	case GW_TLS_ERR_MAKE:	return "cannot make certificate";
	case GW_TLS_ERR_CONF:	return "no certificate configured";
	}
	return "unknown error";
}
