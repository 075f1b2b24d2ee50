// SPDX-License-Identifier: MIT
/*
 * pack-bench: time the packer's greedy grouping (csa_group_units) on
 * square layers of the sizes the issue names, for two kinds of weights:
 *   pruned   10 % random non-zeros (magnitude pruning without complementary
 *            masks: hardly any two rows fit together), and 1 %
 *            (rows fit, but a collision is found only far into a row)
 *   shuffled complementary K = 10 masks with the rows shuffled (greedy
 *            must find the groups again)
 * --baseline also times the original scan-every-group greedy
 * (tests/host/pack_group_ref.h) on the same weights, side by side, and
 * checks that both give the same tag map.
 *
 *   pack-bench [--baseline] [--sizes 4096,8192]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csa/pack.h"
#include "pack_group_ref.h"

#define BENCH_K 10

static uint32_t rng_state = 1;

static uint32_t rng(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return rng_state >> 8;
}

static int8_t nonzero(void)
{
	return (int8_t)(rng() % 127 + 1);
}

static int8_t *weights(uint32_t n, int kind)
{
	int8_t *w = calloc((size_t)n * n, 1);
	uint32_t *perm = malloc(n * sizeof(*perm));

	if (!w || !perm) {
		free(w);
		free(perm);
		return NULL;
	}
	if (kind < 2) {
		for (size_t i = 0; i < (size_t)n * n; i++)
			if (rng() % (kind ? 100 : 10) == 0)
				w[i] = nonzero();
		free(perm);
		return w;
	}
	/* group first..first+K-1 owns a random partition of the columns; the
	 * rows are then placed at positions (row * stride) mod n */
	for (uint32_t first = 0; first < n; first += BENCH_K) {
		for (uint32_t i = 0; i < n; i++)
			perm[i] = i;
		for (uint32_t i = n - 1; i > 0; i--) {
			uint32_t j = rng() % (i + 1), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t row = first + i % BENCH_K;

			if (row < n)
				w[(size_t)((row * 2654435761u) % n) * n + perm[i]] = nonzero();
		}
	}
	free(perm);
	return w;
}

static double now(void)
{
	struct timespec ts;

	/* CPU time of this process: the machine is shared, wall time is not ours */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	bool baseline = false;
	uint32_t sizes[8] = { 4096, 8192 }, nsizes = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--baseline")) {
			baseline = true;
		} else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			char *p = argv[++i];

			for (nsizes = 0; *p && nsizes < 8; nsizes++) {
				sizes[nsizes] = (uint32_t)strtoul(p, &p, 10);
				if (*p == ',')
					p++;
			}
		} else {
			fprintf(stderr, "usage: pack-bench [--baseline] [--sizes N,N...]\n");
			return 2;
		}
	}
	printf("pack-bench: greedy grouping (csa_group_units), K = %d, one thread, "
	       "CPU seconds%s\n", BENCH_K,
	       baseline ? "; baseline = the original scan-every-group greedy" : "");
	printf("%-24s %8s %8s %10s %10s %10s\n", "layer", "groups", "effic.", "greedy s",
	       "baseline s", "same");
	for (uint32_t s = 0; s < nsizes; s++) {
		for (int kind = 0; kind < 3; kind++) {
			uint32_t n = sizes[s];
			int8_t *w = weights(n, kind);
			struct csa_grouping g;
			char name[40], base[16] = "-";
			double t0, t1, tb = 0;
			bool same = true;

			if (!w || csa_group_units(w, n, n, BENCH_K, &g) < 0) {
				fprintf(stderr, "pack-bench: %ux%u: %s\n", n, n,
					w ? csa_last_error() : "out of memory");
				free(w);
				return 1;
			}
			csa_grouping_free(&g);
			/* timed run (the first one warmed the allocator up) */
			t0 = now();
			csa_group_units(w, n, n, BENCH_K, &g);
			t1 = now();
			if (baseline) {
				uint16_t *ref = malloc((size_t)n * BENCH_K * sizeof(uint16_t));
				double tr = now();
				uint32_t groups = ref ? ref_group_greedy(w, n, n, BENCH_K, ref) : 0;

				tb = now() - tr;
				same = ref && groups == g.groups &&
					!memcmp(ref, g.tagmap, (size_t)n * BENCH_K * sizeof(uint16_t));
				free(ref);
			}
			snprintf(name, sizeof(name), "%ux%u %s", n, n,
				 kind == 2 ? "shuffled-compl." : kind ? "pruned-1%" : "pruned-10%");
			if (baseline)
				snprintf(base, sizeof(base), "%.3f", tb);
			printf("%-24s %8u %7.1f%% %10.3f %10s %10s\n", name, g.groups,
			       100 * g.efficiency, t1 - t0, base,
			       baseline ? (same ? "yes" : "NO") : "-");
			csa_grouping_free(&g);
			free(w);
			if (!same)
				return 1;
		}
	}
	return 0;
}
