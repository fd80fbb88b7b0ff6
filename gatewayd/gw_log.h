/*
 * gw_log.h - the daemon's one logging entry point.
 * Owns: the log target (journald or stderr) and the level.
 * Never: logs secrets (cookies, keys, passwords, Authorization headers);
 * callers pass untrusted strings through gw_esc() first.
 */
#ifndef GW_GATEWAYD_GW_LOG_H
#define GW_GATEWAYD_GW_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <syslog.h>		/* LOG_ERR ... LOG_DEBUG */

enum gw_log_target {
	GW_LOG_STDERR = 0,	/* one line per event */
	GW_LOG_JOURNAL = 1,	/* native journald entries with fields */
};

/* Optional structured fields; any member may be NULL. Become journald
 * fields MESSAGE_ID, ONIONFED_PEER, ONIONFED_DIRECTION, ONIONFED_ONION,
 * ONIONFED_REASON (and key=value suffixes on stderr). */
struct gw_log_fields {
	const char	*msgid;		/* 32 hex digits from gw_log_ids.h */
	const char	*peer;		/* server name, escaped */
	const char	*direction;	/* "inbound" | "outbound" */
	const char	*onion;		/* our onion address */
	const char	*reason;	/* machine-readable reason */
};

/* Choose where records go and the most verbose priority logged. */
void	gw_log_init(enum gw_log_target target, int max_prio);
/* Pick journald when stderr is the journal stream (JOURNAL_STREAM), else
 * stderr. */
enum gw_log_target gw_log_default_target(void);
int	gw_log_level(void);
/* Change the most verbose priority logged (config reload). */
void	gw_log_set_level(int max_prio);
enum gw_log_target gw_log_target(void);

void	gw_log_impl(int prio, const char *subsys, uint64_t conn_id,
	    const struct gw_log_fields *f, const char *file, int line,
	    const char *func, const char *fmt, ...)
	    __attribute__((__format__(printf, 8, 9)));

/* conn_id 0 means "not about one connection". */
#define GW_LOG(prio, subsys, conn_id, ...)				\
	gw_log_impl((prio), (subsys), (conn_id), NULL, __FILE__,	\
	    __LINE__, __func__, __VA_ARGS__)
#define GW_LOGF(prio, subsys, conn_id, fields, ...)			\
	gw_log_impl((prio), (subsys), (conn_id), (fields), __FILE__,	\
	    __LINE__, __func__, __VA_ARGS__)

/* Copy at most 'len' bytes of untrusted 'src' into 'dst' (size 'dstsz'),
 * escaping non-printables as \xNN and truncating with "..."; return dst. */
const char *gw_esc(char *dst, size_t dstsz, const char *src, size_t len);

#endif /* GW_GATEWAYD_GW_LOG_H */
