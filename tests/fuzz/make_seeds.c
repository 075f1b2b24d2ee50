// SPDX-License-Identifier: MIT
/*
 * Seed corpus for fuzz_model_parse: the tiny test model of the host tests,
 * with and without the CRC re-seal mode byte, and a variant with boost-free,
 * pool-free layers packed greedily.
 *   make_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>

#include "pack_test_model.h"

static int write_seed(const char *dir, const char *name, uint8_t mode,
		      const struct csa_pack_result *r)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&mode, 1, 1, f) != 1 || fwrite(r->data, 1, r->size, f) != r->size) {
		perror(path);
		return 1;
	}
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct csa_pack_options greedy = { .greedy = true, .max_k = 2 };
	struct csa_fmodel *m;
	struct csa_pack_result r;
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds DIR\n");
		return 2;
	}
	m = tm_model();
	if (csa_pack_model(m, NULL, &r)) {
		fprintf(stderr, "make_seeds: %s\n", csa_last_error());
		return 1;
	}
	ret |= write_seed(argv[1], "tiny-crc", 0, &r);
	ret |= write_seed(argv[1], "tiny-reseal", 1, &r);
	csa_pack_result_free(&r);
	free(m->layers[0].boost);
	m->layers[0].boost = NULL;
	m->layers[0].pool = 0;
	m->layers[1].in_c = 144;
	free(m->layers[1].weight);
	m->layers[1].weight = tm_weights(6, 144, 3);
	if (csa_pack_model(m, &greedy, &r)) {
		fprintf(stderr, "make_seeds: %s\n", csa_last_error());
		return 1;
	}
	ret |= write_seed(argv[1], "greedy-reseal", 1, &r);
	csa_pack_result_free(&r);
	csa_fmodel_free(m);
	return ret;
}
