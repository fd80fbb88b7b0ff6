/*
 * onionfedctl.c - the operator's command-line tool.
 * Owns: argument parsing and the offline subcommands (check-config).
 * Never: changes the daemon's state without a subcommand that says so; the
 * online subcommands (status, reload, ...) talk to [admin] socket and are
 * added with the admin area.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_config.h"

#define EX_USAGE_	64
#define EX_CONFIG_	78

#define DEFAULT_CONFIG	SYSCONFDIR "/onionfed/onionfed.conf"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: onionfedctl [-c FILE] COMMAND\n"
	    "\n"
	    "Commands:\n"
	    "  check-config   validate the configuration (as onionfedd --check)\n"
	    "\n"
	    "Options:\n"
	    "  -c, --config=FILE   configuration file (default %s)\n"
	    "  -q, --quiet         check-config: print errors only\n"
	    "  -V, --version       print the version and exit\n"
	    "  -h, --help          print this help and exit\n",
	    DEFAULT_CONFIG);
}

static void
print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

static int
cmd_check_config(const char *path, int quiet)
{
	struct gw_config	*cfg = NULL;
	int			 r;

	if ((r = gw_config_load(path, 0, print_error, NULL, &cfg)) != 0) {
		fprintf(stderr, "onionfedctl: %s: %s\n", path,
		    gw_config_strerror(r));
		return EX_CONFIG_;
	}
	if (!quiet) {
		printf("%s: configuration OK\n", path);
		gw_config_summary(cfg, stdout);
	}
	gw_config_free(cfg);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "quiet",	no_argument,		NULL, 'q' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*path = DEFAULT_CONFIG;
	int		 ch, quiet = 0;

	while ((ch = getopt_long(argc, argv, "+c:qVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'V':
			printf("onionfedctl %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE_;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE_;
	}
	if (strcmp(argv[optind], "check-config") == 0 && optind + 1 == argc)
		return cmd_check_config(path, quiet);
	fprintf(stderr, "onionfedctl: unknown command or extra argument: %s\n",
	    argv[optind]);
	usage(stderr);
	return EX_USAGE_;
}
