// SPDX-License-Identifier: MIT
/*
 * csa-bench --datapath, last table: the model API's throughput with the
 * reference network on one card and on every card at once (the model
 * loaded on each, one context per card, 4 inferences in flight per card,
 * submitted round-robin over the cards).  A benchmark, not a test: the
 * outputs are checked by csa-run --check and the VM suites.
 */
#include <stdlib.h>
#include <string.h>

#include <csa/model.h>

#include "csa-bench.h"

#define CARDS_MAX	8
#define PER_CARD	4

/* inferences/s of @n inferences over the first @ncards cards */
static int run_cards(const char *model, uint32_t ncards, uint64_t n, double *rate)
{
	struct csa_device *dev[CARDS_MAX] = { 0 };
	struct csa_model *m[CARDS_MAX] = { 0 };
	struct csa_infer *inf[CARDS_MAX * PER_CARD] = { 0 };
	uint32_t slots = ncards * PER_CARD;
	int64_t t0;
	int ret = -1;

	for (uint32_t c = 0; c < ncards; c++)
		if (csa_open(c, &dev[c]) || csa_model_load(dev[c], model, NULL, &m[c]))
			goto out;
	for (uint32_t s = 0; s < slots; s++) {
		struct csa_model_info info;

		/* slot s on card s % ncards: round-robin */
		if (csa_infer_create(m[s % ncards], &inf[s]) || csa_model_info(m[s % ncards], &info))
			goto out;
		for (uint64_t i = 0; i < info.input_size; i++)
			csa_infer_input(inf[s])[i] = (int8_t)((i * 7 + s) % 100);
	}
	t0 = csa_now_ns();
	for (uint64_t i = 0; i < n + slots; i++) {
		struct csa_infer *x = inf[i % slots];

		if (i >= slots && csa_infer_wait(x, CSA_DEADLINE_INFINITE, NULL))
			goto out;
		if (i < n && csa_infer_submit(x))
			goto out;
	}
	*rate = n * 1e9 / (double)(csa_now_ns() - t0);
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "csa-bench: %u card(s): %s\n", ncards, csa_last_error());
	for (uint32_t s = 0; s < slots; s++)
		csa_infer_destroy(inf[s]);
	for (uint32_t c = 0; c < ncards; c++) {
		csa_model_unload(m[c]);
		csa_close(dev[c]);
	}
	return ret;
}

int bench_cards(const struct bench_config *cfg, const char *model, FILE *out)
{
	int count = csa_enumerate(NULL, 0);
	uint32_t all = count < CARDS_MAX ? (uint32_t)count : CARDS_MAX;
	uint64_t n = cfg->quick ? 16 : 256;
	double one = 0, many = 0;

	if (count <= 0) {
		fprintf(stderr, "csa-bench: no card for the throughput table\n");
		return -1;
	}
	if (run_cards(model, 1, n, &one) || (all > 1 && run_cards(model, all, n * all, &many)))
		return -1;
	fprintf(out, "\nmodel throughput (reference network through the model API, %d in flight per card, round-robin; QEMU/TCG times):\n",
		PER_CARD);
	fprintf(out, "  1 card:  %8.1f inferences/s (%llu inferences)\n", one,
		(unsigned long long)n);
	if (all > 1)
		fprintf(out, "  %u cards: %8.1f inferences/s (%llu inferences), %.2fx one card\n",
			all, many, (unsigned long long)(n * all), many / one);
	else
		fprintf(out, "  (one card only: no multi-card row)\n");
	return 0;
}
