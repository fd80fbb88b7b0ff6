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

#ifdef HAVE_SYSTEMD
#define SD_JOURNAL_SUPPRESS_LOCATION	/* we pass CODE_* ourselves */
#include <systemd/sd-journal.h>
#endif

#include "gatewayd/gw_limits.h"
#include "gatewayd/gw_log.h"

static enum gw_log_target	log_target = GW_LOG_STDERR;
static int			log_max_prio = LOG_INFO;

void
gw_log_init(enum gw_log_target target, int max_prio)
{
	log_target = target;
	log_max_prio = max_prio;
}

void
gw_log_set_level(int max_prio)
{
	log_max_prio = max_prio;
}

enum gw_log_target
gw_log_target(void)
{
	return log_target;
}

int
gw_log_level(void)
{
	return log_max_prio;
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

void
gw_log_impl(int prio, const char *subsys, uint64_t conn_id,
    const struct gw_log_fields *f, const char *file, int line,
    const char *func, const char *fmt, ...)
{
	char	msg[GW_LOG_MAX_MSG];
	va_list	ap;

	if (prio > log_max_prio)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);	/* truncation is ok */
	va_end(ap);
#ifdef HAVE_SYSTEMD
	if (log_target == GW_LOG_JOURNAL) {
		static const struct gw_log_fields none;

		if (f == NULL)
			f = &none;
		/* Empty values are fine for journald; keep the call flat. */
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio,
		    "SYSLOG_IDENTIFIER=onionfedd",
		    "ONIONFED_SUBSYS=%s", subsys,
		    "ONIONFED_CONN_ID=%016" PRIx64, conn_id,
		    "MESSAGE_ID=%s", f->msgid ? f->msgid : "",
		    "ONIONFED_PEER=%s", f->peer ? f->peer : "",
		    "ONIONFED_DIRECTION=%s", f->direction ? f->direction : "",
		    "ONIONFED_ONION=%s", f->onion ? f->onion : "",
		    "ONIONFED_REASON=%s", f->reason ? f->reason : "",
		    "CODE_FILE=%s", file, "CODE_LINE=%d", line,
		    "CODE_FUNC=%s", func, NULL);
		return;
	}
#else
	(void)file;
	(void)line;
	(void)func;
#endif
	if (conn_id != 0)
		fprintf(stderr, "onionfedd[%s] %s %016" PRIx64 " %s", subsys,
		    prio_name(prio), conn_id, msg);
	else
		fprintf(stderr, "onionfedd[%s] %s %s", subsys, prio_name(prio),
		    msg);
	if (f != NULL) {
		if (f->peer)
			fprintf(stderr, " peer=%s", f->peer);
		if (f->direction)
			fprintf(stderr, " direction=%s", f->direction);
		if (f->onion)
			fprintf(stderr, " onion=%s", f->onion);
		if (f->reason)
			fprintf(stderr, " reason=%s", f->reason);
		if (f->msgid)
			fprintf(stderr, " msgid=%s", f->msgid);
	}
	fputc('\n', stderr);
}
