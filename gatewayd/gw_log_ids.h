/*
 * gw_log_ids.h - journald MESSAGE_IDs of the events an operator alerts on.
 * Owns: the IDs only; each has an entry in contrib/systemd/onionfed.catalog
 * (what it means, what to do), checked by tests/check_gatewayd.
 * Never: reuse or change an ID once released: alerts match on them.
 */
#ifndef GW_GATEWAYD_GW_LOG_IDS_H
#define GW_GATEWAYD_GW_LOG_IDS_H

/* X(NAME, id): one row per ID, so tests can iterate over them. */
#define GW_LOG_IDS(X)							\
	X(START,		"43f985575ab642d4863821b0fcdeb1f5")	\
	X(STOP,			"4b92929905624234a72dfe74a839b89c")	\
	X(TOR_CONNECTED,	"a756741943894309970e950d8f65ee2e")	\
	X(TOR_LOST,		"b9d6f90170a547c8bcc8e6d73658e635")	\
	X(TOR_BOOTSTRAPPED,	"c8e6965f8d6643838a3a2d5bd2858cd3")	\
	X(ONION_PUBLISHED,	"558a6351431b4d9dbb32653ef6bfeeb4")	\
	X(ONION_DEGRADED,	"437d008142d64a83a167e631d57a60a6")	\
	X(ONION_REACHABLE,	"40900f235ead4081a2a23ec2b8b4f1b7")	\
	X(RELOAD_OK,		"0cea8bf781fd47548af81ce404ea99cc")	\
	X(RELOAD_FAILED,	"1866b05bc339482daaa2f120d21a00ae")	\
	X(CONFIG_ERROR,		"b362e9b18a4c48b294f9a747d18daf34")	\
	X(LISTENER_FAILED,	"3effbc11ee0340679d9642daae008894")	\
	X(FD_EXHAUSTED,		"60f721d5d1284b71808abd3e42b79168")	\
	X(ONION_ADDED,		"b47d5d0dea7b4c6f85f1820d0d153890")	\
	X(ONION_KEY_CREATED,	"c85372eb572a40708d1195227a46628e")	\
	X(ONION_NAME_MISMATCH,	"5f90cfe9e59a4203aea89dc762386eee")	\
	X(ONION_LEFTOVER,	"8f78b14692704a05b980817ee92eb150")	\
	X(ONION_POW_UNAVAILABLE, "0e95685fc427437b86e512512823e6ad")	\
	X(ONION_REMOVED,	"393634fa74ab47f3b0231419b577bc02")

/* onionfedd started (config loaded; listeners not yet bound). */
#define GW_MSGID_START			"43f985575ab642d4863821b0fcdeb1f5"
/* onionfedd is stopping on a signal; the onion goes away with it. */
#define GW_MSGID_STOP			"4b92929905624234a72dfe74a839b89c"
/* Control connection to tor is up and authenticated. */
#define GW_MSGID_TOR_CONNECTED		"a756741943894309970e950d8f65ee2e"
/* Control connection to tor was lost or could not be made; retrying. */
#define GW_MSGID_TOR_LOST		"b9d6f90170a547c8bcc8e6d73658e635"
/* tor reports bootstrap 100%: circuits can be built. */
#define GW_MSGID_TOR_BOOTSTRAPPED	"c8e6965f8d6643838a3a2d5bd2858cd3"
/* ADD_ONION succeeded and a descriptor was uploaded (ONIONFED_ONION). */
#define GW_MSGID_ONION_PUBLISHED	"558a6351431b4d9dbb32653ef6bfeeb4"
/* Descriptor uploads fail or the self-probe cannot reach the onion. */
#define GW_MSGID_ONION_DEGRADED		"437d008142d64a83a167e631d57a60a6"
/* The self-probe reached our onion through Tor (again). */
#define GW_MSGID_ONION_REACHABLE	"40900f235ead4081a2a23ec2b8b4f1b7"
/* SIGHUP: the new configuration is in effect. */
#define GW_MSGID_RELOAD_OK		"0cea8bf781fd47548af81ce404ea99cc"
/* SIGHUP: the new configuration was refused; the old one stays. */
#define GW_MSGID_RELOAD_FAILED		"1866b05bc339482daaa2f120d21a00ae"
/* One configuration error (FILE:LINE: [section] key: reason). */
#define GW_MSGID_CONFIG_ERROR		"b362e9b18a4c48b294f9a747d18daf34"
/* A listener could not be bound (address in use, permission). */
#define GW_MSGID_LISTENER_FAILED	"3effbc11ee0340679d9642daae008894"
/* accept() or socket() failed with EMFILE/ENFILE: out of descriptors. */
#define GW_MSGID_FD_EXHAUSTED		"60f721d5d1284b71808abd3e42b79168"
/* ADD_ONION succeeded (first start, reconnect or tor restart); the
 * descriptor upload follows (ONIONFED_ONION). */
#define GW_MSGID_ONION_ADDED		"b47d5d0dea7b4c6f85f1820d0d153890"
/* First start: a new onion key was made; back it up (ONIONFED_ONION). */
#define GW_MSGID_ONION_KEY_CREATED	"c85372eb572a40708d1195227a46628e"
/* Onion-only: [onionfed] server_name is not the key's onion address. */
#define GW_MSGID_ONION_NAME_MISMATCH	"5f90cfe9e59a4203aea89dc762386eee"
/* A detached onion with our address was left in tor: removed. */
#define GW_MSGID_ONION_LEFTOVER		"8f78b14692704a05b980817ee92eb150"
/* tor cannot do PoW defences: the onion runs without them (or, with
 * pow_defenses = on, is not added). */
#define GW_MSGID_ONION_POW_UNAVAILABLE	"0e95685fc427437b86e512512823e6ad"
/* Graceful stop: the onion was removed (DEL_ONION). */
#define GW_MSGID_ONION_REMOVED		"393634fa74ab47f3b0231419b577bc02"

#endif /* GW_GATEWAYD_GW_LOG_IDS_H */
