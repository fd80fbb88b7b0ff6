/*
 * torctl_limits.h - every bound torctl puts on what tor sends and on what we
 * send, with the reason for its value.
 * Owns: constants only. Never: code.
 */
#ifndef GW_TORCTL_TORCTL_LIMITS_H
#define GW_TORCTL_TORCTL_LIMITS_H

/* Tor closes the connection on a command line of 1 MiB or more
 * (control.c MAX_COMMAND_LINE_LENGTH, "500 Line too long."). Our command
 * text plus CRLF stays below that. */
#define TORCTL_MAX_CMD		(1024 * 1024 - 3)

/* One reply line from tor (without CRLF). The longest lines we expect are
 * GETINFO values such as onions/current with many services or
 * circuit-status entries; 64 KiB is far above any of them and keeps one bad
 * line from costing us much memory. */
#define TORCTL_MAX_LINE		(64 * 1024)

/* A whole reply (all its lines and data blocks). Data replies we read
 * (config-text, onions/current) are a few KiB; 1 MiB matches tor's own limit in
 * the other direction. */
#define TORCTL_MAX_REPLY	(1024 * 1024)

/* Before authentication the peer is unverified (it may not even be tor):
 * a PROTOCOLINFO reply is ~200 bytes plus the cookie path, an
 * AUTHCHALLENGE reply ~180 bytes. Allow any one reply 16 KiB until the
 * handshake is done (redis: tighter limits before AUTH). */
#define TORCTL_MAX_PREAUTH_REPLY	(16 * 1024)

/* Lines in one reply: never size anything from a count tor declared. */
#define TORCTL_MAX_REPLY_LINES	4096

/* Commands queued or in flight on one connection. The onion manager sends
 * a handful; a caller that queues more is looping. */
#define TORCTL_MAX_PENDING	256

/* Defaults for torctl_set_timeouts(). A local tor answers in
 * milliseconds; ADD_ONION with a new key takes longest (key generation). */
#define TORCTL_CONNECT_TIMEOUT_MS	10000
#define TORCTL_COMMAND_TIMEOUT_MS	30000

/* Cookie files are exactly 32 bytes (control-spec 3.5). */
#define TORCTL_COOKIE_LEN	32
/* SAFECOOKIE nonces are 32 bytes; the hashes are HMAC-SHA256. */
#define TORCTL_NONCE_LEN	32

/* Paths in PROTOCOLINFO COOKIEFILE and unix: targets. */
#define TORCTL_MAX_PATH		1024

/* torctl_last_error() text. */
#define TORCTL_MAX_ERRMSG	512

#endif /* GW_TORCTL_TORCTL_LIMITS_H */
