/*
 * replay_main.c - run a libFuzzer target over its seed corpus without clang.
 * Owns: nothing but the file it is reading.
 * Usage: fuzz_NAME [FILE|DIR ...]; with no argument it replays
 * $FUZZ_CORPUS_ROOT/NAME/ (NAME = program name without "fuzz_").
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT	(1024 * 1024)	/* larger seeds are a mistake */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_file(const char *path)
{
	FILE		*f;
	uint8_t		*buf;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(REPLAY_MAX_INPUT)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	/* Hand the target an exact-size copy so ASan sees overreads. */
	{
		uint8_t	*exact = malloc(n ? n : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	free(buf);
	return 0;
}

static int
replay_path(const char *path, unsigned *count)
{
	struct stat	 st;
	DIR		*d;
	struct dirent	*de;
	char		 sub[4096];
	int		 r = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    de->d_name) >= sizeof(sub))
			continue;
		if (replay_path(sub, count) != 0)
			r = -1;
	}
	closedir(d);
	return r;
}

int
main(int argc, char **argv)
{
	const char	*name, *root;
	char		 dir[4096];
	unsigned	 count = 0;
	int		 i, r = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			if (replay_path(argv[i], &count) != 0)
				r = 1;
	} else {
		name = strrchr(argv[0], '/');
		name = name ? name + 1 : argv[0];
		if (strncmp(name, "lt-", 3) == 0)
			name += 3;
		if (strncmp(name, "fuzz_", 5) == 0)
			name += 5;
		if ((root = getenv("FUZZ_CORPUS_ROOT")) == NULL)
			root = "tests/fuzz/corpus";
		snprintf(dir, sizeof(dir), "%s/%s", root, name);
		if (replay_path(dir, &count) != 0)
			r = 1;
	}
	if (count == 0) {
		fprintf(stderr, "no corpus input replayed\n");
		return 1;
	}
	printf("replayed %u inputs: %u passed, 0 failed\n", count, count);
	return r;
}
