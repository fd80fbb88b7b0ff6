/*
 * main.c - onionfedd entry point (placeholder until the daemon frame lands).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("onionfedd %s\n", PACKAGE_VERSION);
		return 0;
	}
	fprintf(stderr, "onionfedd: not yet functional\n");
	return 1;
}
