/*
 * gw_log.c - logging to journald (native fields) or stderr.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#define SD_JOURNAL_SUPPRESS_LOCATION	/* we pass CODE_* ourselves */
#include <systemd/sd-journal.h>
#endif

#include "gatewayd/gw_limits.h"
#include "gatewayd/gw_log.h"

static enum gw_log_target	log_target = GW_LOG_STDERR;
static int			log_max_prio = LOG_INFO;
static int			journal_ok;

#define JOURNAL_SOCKET	"/run/systemd/journal/socket"

void
gw_log_init(enum gw_log_target target, int max_prio)
{
	log_target = target;
	log_max_prio = max_prio;
	/* sd_journal_send() drops records silently when journald is not
	 * there; then stderr is the better place for them. */
	journal_ok = target == GW_LOG_JOURNAL &&
	    access(JOURNAL_SOCKET, F_OK) == 0;
}

void
gw_log_set_level(int max_prio)
{
	/* a reload sets it while inbound workers read it */
	__atomic_store_n(&log_max_prio, max_prio, __ATOMIC_RELAXED);
}

enum gw_log_target
gw_log_target(void)
{
	return log_target;
}

int
gw_log_level(void)
{
	return __atomic_load_n(&log_max_prio, __ATOMIC_RELAXED);
}

enum gw_log_target
gw_log_default_target(void)
{
#ifdef HAVE_SYSTEMD
	const char	*js = getenv("JOURNAL_STREAM");
	struct stat	 st;
	unsigned long	 dev, ino;

	if (js == NULL || sscanf(js, "%lu:%lu", &dev, &ino) != 2)
		return GW_LOG_STDERR;
	if (fstat(2, &st) == -1)
		return GW_LOG_STDERR;
	if ((unsigned long)st.st_dev == dev && (unsigned long)st.st_ino == ino)
		return GW_LOG_JOURNAL;
#endif
	return GW_LOG_STDERR;
}

/*
 * Escape 'len' bytes of 'src': printable ASCII other than backslash and '"' is
 * copied, everything else becomes \xNN. If the whole escaped string does not
 * fit, as many whole escaped bytes as fit are kept and "..." marks the cut;
 * an escape sequence is never split.
 */
const char *
gw_esc(char *dst, size_t dstsz, const char *src, size_t len)
{
	size_t		 i, k, o = 0, need = 0, room;
	unsigned char	 c;

	if (dstsz == 0)
		return dst;
	for (i = 0; i < len && need < dstsz; i++) {
		c = (unsigned char)src[i];
		need += (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') ? 1 : 4;
	}
	/* Fits whole (need < dstsz leaves room for the NUL)? */
	room = (i == len && need < dstsz) ? dstsz - 1 :
	    (dstsz > 4 ? dstsz - 4 : 0);
	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			if (o + 1 > room)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 > room)
				break;
			snprintf(dst + o, dstsz - o, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < len) {
		/* Truncated: "..." if there is room, else as many dots. */
		for (k = 0; k < 3 && o + 1 < dstsz; k++)
			dst[o++] = '.';
	}
	dst[o] = '\0';
	return dst;
}

static const char *
prio_name(int prio)
{
	static const char *names[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };

	return (prio >= 0 && prio <= 7) ? names[prio] : "?";
}

#ifdef HAVE_SYSTEMD
/* Append "NAME=value" to iov[*n] using 'buf' (a slot of 'slots'). Fields
 * whose value is NULL are left out rather than sent empty. */
static void
jfield(struct iovec *iov, int *n, char (*slots)[GW_LOG_MAX_MSG + 32],
    const char *name, const char *value)
{
	int	len;

	if (value == NULL)
		return;
	len = snprintf(slots[*n], sizeof(slots[0]), "%s=%s", name, value);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(slots[0]))
		len = (int)sizeof(slots[0]) - 1;
	iov[*n].iov_base = slots[*n];
	iov[*n].iov_len = (size_t)len;
	(*n)++;
}

static int
journal_send(int prio, const char *subsys, uint64_t conn_id,
    const struct gw_log_fields *f, const char *file, int line,
    const char *func, const char *msg)
{
	/* per thread: inbound workers log too */
	static _Thread_local char slots[13][GW_LOG_MAX_MSG + 32];
	struct iovec	iov[13];
	char		num[32], cid[32], ln[16];
	int		n = 0;

	snprintf(num, sizeof(num), "%d", prio);
	snprintf(cid, sizeof(cid), "%016" PRIx64, conn_id);
	snprintf(ln, sizeof(ln), "%d", line);
	jfield(iov, &n, slots, "MESSAGE", msg);
	jfield(iov, &n, slots, "PRIORITY", num);
	jfield(iov, &n, slots, "SYSLOG_IDENTIFIER", "onionfedd");
	jfield(iov, &n, slots, "ONIONFED_SUBSYS", subsys);
	if (conn_id != 0)
		jfield(iov, &n, slots, "ONIONFED_CONN_ID", cid);
	if (f != NULL) {
		jfield(iov, &n, slots, "MESSAGE_ID", f->msgid);
		jfield(iov, &n, slots, "ONIONFED_PEER", f->peer);
		jfield(iov, &n, slots, "ONIONFED_DIRECTION", f->direction);
		jfield(iov, &n, slots, "ONIONFED_ONION", f->onion);
		jfield(iov, &n, slots, "ONIONFED_REASON", f->reason);
	}
	jfield(iov, &n, slots, "CODE_FILE", file);
	jfield(iov, &n, slots, "CODE_LINE", ln);
	jfield(iov, &n, slots, "CODE_FUNC", func);
	return sd_journal_sendv(iov, n);
}
#endif

static void
suffix(char *out, size_t outsz, int *o, const char *name, const char *v)
{
	int	w;

	if (v == NULL || *o < 0 || (size_t)*o >= outsz)
		return;
	w = snprintf(out + *o, outsz - (size_t)*o, " %s=%s", name, v);
	if (w > 0)
		*o += w;
}

void
gw_log_impl(int prio, const char *subsys, uint64_t conn_id,
    const struct gw_log_fields *f, const char *file, int line,
    const char *func, const char *fmt, ...)
{
	char	msg[GW_LOG_MAX_MSG], out[GW_LOG_MAX_MSG + 512], *p;
	va_list	ap;
	int	o;

	if (prio > __atomic_load_n(&log_max_prio, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);	/* truncation is ok */
	va_end(ap);
	/* A record is one line whatever a caller forgot to escape. */
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			*p = '?';
#ifdef HAVE_SYSTEMD
	if (log_target == GW_LOG_JOURNAL && journal_ok && journal_send(prio, subsys,
	    conn_id, f, file, line, func, msg) >= 0)
		return;
	/* Not journald, or journald unreachable: one line on stderr. */
#else
	(void)file;
	(void)line;
	(void)func;
#endif
	/* One write per record so concurrent writers do not interleave. */
	o = conn_id != 0 ?
	    snprintf(out, sizeof(out), "onionfedd[%s] %s %016" PRIx64 " %s",
	    subsys, prio_name(prio), conn_id, msg) :
	    snprintf(out, sizeof(out), "onionfedd[%s] %s %s", subsys,
	    prio_name(prio), msg);
	if (f != NULL) {
		suffix(out, sizeof(out), &o, "peer", f->peer);
		suffix(out, sizeof(out), &o, "direction", f->direction);
		suffix(out, sizeof(out), &o, "onion", f->onion);
		suffix(out, sizeof(out), &o, "reason", f->reason);
		suffix(out, sizeof(out), &o, "msgid", f->msgid);
	}
	if (o < 0 || (size_t)o >= sizeof(out) - 1)
		o = (int)sizeof(out) - 2;
	out[o++] = '\n';
	out[o] = '\0';
	fputs(out, stderr);
}
