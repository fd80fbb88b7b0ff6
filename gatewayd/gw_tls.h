/*
 * gw_tls.h - the inbound TLS server context.
 * Owns: the SSL_CTX (TLS 1.2+, buffers released while idle, SNI check) and
 * the certificate onionfedd makes for its onion name when none is given.
 * Never: does socket I/O or logs; errors come back as text.
 */
#ifndef GW_GATEWAYD_GW_TLS_H
#define GW_GATEWAYD_GW_TLS_H

#include <stddef.h>

struct gw_tls;				/* opaque */
struct ssl_st;

enum gw_tls_err {
	GW_TLS_OK		=  0,
	GW_TLS_ERR_NOMEM	= -1,
	GW_TLS_ERR_LOAD		= -2,	/* cert/key unreadable or mismatched */
	GW_TLS_ERR_MAKE		= -3,	/* could not make or store a cert */
	GW_TLS_ERR_CONF		= -4,	/* neither cert+key nor a state dir */
};

struct gw_tls_conf {
	const char	*server_name;	/* SNI must match when sent; SAN of a
					 * made cert (port stripped) */
	const char	*cert_path;	/* PEM chain; with key_path, or NULL */
	const char	*key_path;
	const char	*state_dir;	/* made cert lives here when no paths */
	int		 sni_strict;	/* refuse a mismatching SNI */
};

/* Build a server context from 'conf' (copied). With cert_path and key_path
 * load them; otherwise load <state_dir>/inbound-tls.{crt,key}, making them
 * (EC P-256, self-signed, SAN DNS:<server name>, key mode 0600) when absent
 * or made for another name. Return 0 and store the context in *out, or a
 * negative enum gw_tls_err with a message in errbuf. */
int	gw_tls_new(const struct gw_tls_conf *conf, struct gw_tls **out,
	    char *errbuf, size_t errlen);

/* A new server-side SSL for one connection, or NULL. */
struct ssl_st	*gw_tls_ssl_new(struct gw_tls *t);

/* SHA-256 fingerprint of the serving certificate as hex, into buf. */
int	gw_tls_fingerprint(const struct gw_tls *t, char *buf, size_t len);

/* NULL is a no-op. */
void	gw_tls_free(struct gw_tls *t);

const char *gw_tls_strerror(int err);

#endif /* GW_GATEWAYD_GW_TLS_H */
