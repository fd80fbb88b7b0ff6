/*
 * gw_limits.h - named limits of the daemon core (config file, logging).
 * Owns: constants only, each with the reason for its value.
 * Never: holds tunables an operator sets; those are config keys.
 */
#ifndef GW_GATEWAYD_GW_LIMITS_H
#define GW_GATEWAYD_GW_LIMITS_H

/* A config file is a few kB; 1 MiB leaves room for long allow/deny lists
 * while keeping a mistaken "-c /dev/zero" or a huge file from eating memory. */
#define GW_CONF_MAX_FILE	(1024 * 1024)

/* Longest config line, excluding the newline. Long lists can be split over
 * repeated keys, so one line never needs more. */
#define GW_CONF_MAX_LINE	4096

/* Errors reported per load before "too many errors": enough to fix a file in
 * one pass, few enough that garbage input does not flood the terminal. */
#define GW_CONF_MAX_ERRORS	50

/* Entries in one allow or deny list, and [peer] sections: bounds the policy
 * table built from them. */
#define GW_CONF_MAX_LIST	1024
#define GW_CONF_MAX_PEERS	1024

/* A secret file (password_file, proxy_auth file) holds one short line. */
#define GW_CONF_MAX_SECRET	1024

/* Longest formatted log message; longer ones are truncated. */
#define GW_LOG_MAX_MSG		1024

/* SIGTERM: how long in-flight requests and tunnels may take to finish
 * before everything is closed (well below systemd's TimeoutStopSec). */
#define GW_DRAIN_TIMEOUT_MS	10000

#endif /* GW_GATEWAYD_GW_LIMITS_H */
