/*
 * policy_name_tool.c - print what the policy library makes of each
 * server name given as an argument, one line each:
 *   <input> <class> <key> <pubkey hex or -> <special bits hex> <error>
 * Used by tests/integration/policy_onion_vectors against a real tor.
 * Exit status: 0 if every name parsed, 1 otherwise.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy/policy.h"

static const char *
cls_name(enum pol_class c)
{
	switch (c) {
	case POL_CLASS_ONION:		return "onion";
	case POL_CLASS_ONION_INVALID:	return "onion-invalid";
	case POL_CLASS_CLEARNET:	return "clearnet";
	case POL_CLASS_IP:		return "ip";
	}
	return "?";
}

int
main(int argc, char **argv)
{
	struct pol_peer	p;
	int		i, j, r, rc = 0;

	for (i = 1; i < argc; i++) {
		if ((r = pol_peer_parse(argv[i], strlen(argv[i]), &p)) != 0) {
			printf("%s bad-name - - 0 %s\n", argv[i],
			    pol_strerror(r));
			rc = 1;
			continue;
		}
		printf("%s %s %s ", argv[i], cls_name(p.cls), p.key);
		if (p.cls == POL_CLASS_ONION)
			for (j = 0; j < POL_ONION_PUBKEY_LEN; j++)
				printf("%02x", p.pubkey[j]);
		else
			printf("-");
		printf(" %x %s\n", p.special, p.onion_err ?
		    pol_strerror(p.onion_err) : "ok");
	}
	return rc;
}
