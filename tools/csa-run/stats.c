// SPDX-License-Identifier: MIT
/* csa-run's report: predictions, agreement with PyTorch, cycles, timing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "csa-run.h"

double run_cosine(const float *a, const float *b, uint32_t n)
{
	double ab = 0, aa = 0, bb = 0;

	for (uint32_t i = 0; i < n; i++) {
		ab += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return aa && bb ? ab / sqrt(aa * bb) : 0;
}

static uint32_t argmax_f(const float *v, uint32_t n)
{
	uint32_t best = 0;

	for (uint32_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

void run_print_layers(const struct csa_model *model, const uint64_t *layer_cycles,
		      uint32_t clock_khz)
{
	const struct csa_model_view *v = csa_model_get_view(model);
	uint64_t total = 0;

	printf("modelled card cycles per layer (input 0, CPU reference of the cost model):\n");
	printf("  %-16s %-6s %5s %4s %12s\n", "layer", "type", "K", "kWTA", "cycles");
	for (uint32_t i = 0; i < v->hdr->num_layers; i++) {
		const struct csa_model_layer *l = &v->layers[i];

		printf("  %-16.16s %-6s %5u %4s %12llu\n", (const char *)l->name,
		       l->type == CSA_MODEL_LAYER_CONV2D ? "conv" : "linear", l->k,
		       l->kwta_k ? "yes" : "no", (unsigned long long)layer_cycles[i]);
		total += layer_cycles[i];
	}
	printf("  %-16s %-6s %5s %4s %12llu", "total", "", "", "", (unsigned long long)total);
	if (clock_khz)
		printf("  (%.1f us at %u MHz)", total * 1000.0 / clock_khz, clock_khz / 1000);
	printf("\n");
}

void run_print_summary(const struct run_stats *st, const struct csa_model *model,
		       const struct run_reference *ref, const char *where, uint32_t inflight,
		       double *agreement)
{
	uint64_t hist[256] = { 0 }, agree = 0, correct = 0, compared = 0;
	float *deq = malloc(st->classes * sizeof(float));
	double cos_sum = 0;

	*agreement = -1;
	for (uint64_t i = 0; i < st->n; i++) {
		const int8_t *o = st->outputs + i * st->classes;
		uint32_t p = csa_argmax_i8(o, st->classes);

		hist[p & 0xff]++;
		if (!ref || i >= ref->count || !deq)
			continue;
		compared++;
		agree += p == argmax_f(ref->logits + i * st->classes, st->classes);
		if (ref->labels)
			correct += (int32_t)p == ref->labels[i];
		csa_model_dequantise_output(model, o, st->classes, deq);
		cos_sum += run_cosine(deq, ref->logits + i * st->classes, st->classes);
	}
	printf("predictions (%s, %llu inputs):", where, (unsigned long long)st->n);
	for (uint64_t i = 0; i < st->n && i < 16; i++)
		printf(" %u", csa_argmax_i8(st->outputs + i * st->classes, st->classes));
	printf("%s\n  per class:", st->n > 16 ? " ..." : "");
	for (uint32_t c = 0; c < st->classes && c < 256; c++)
		printf(" %u:%llu", c, (unsigned long long)hist[c]);
	printf("\n");
	if (compared) {
		*agreement = 100.0 * agree / compared;
		printf("PyTorch reference: top-1 agrees on %llu of %llu (%.2f %%), mean logit cosine similarity %.4f",
		       (unsigned long long)agree, (unsigned long long)compared, *agreement,
		       cos_sum / compared);
		if (ref->labels)
			printf(", label accuracy %.2f %%", 100.0 * correct / compared);
		printf("\n");
	}
	if (st->checked)
		printf("CPU reference check: %llu of %llu outputs bit-exact, %llu with device cycles = CPU reference's + 32%s (%.2f s on the CPU)\n",
		       (unsigned long long)(st->checked - st->mismatches),
		       (unsigned long long)st->checked,
		       (unsigned long long)(st->checked - st->cycle_mismatches),
		       st->mismatches ? " - MISMATCH" : "", st->check_ns / 1e9);
	if (st->n && !st->cycles_sum)
		printf("device cycles per inference: not modelled by the CPU backend (--cpu=reference runs the cost model)\n");
	if (st->n) {
		if (st->cycles_sum)
			printf("device cycles per inference: mean %llu, min %llu, max %llu\n",
			       (unsigned long long)(st->cycles_sum / st->n),
			       (unsigned long long)st->cycles_min,
			       (unsigned long long)st->cycles_max);
		if (st->sync_runs)
			printf("host latency, one inference alone: mean %.3f ms, min %.3f ms (%u synchronous runs)\n",
			       st->sync_sum / 1e6 / st->sync_runs, st->sync_min / 1e6,
			       st->sync_runs);
		printf("host latency per inference: mean %.3f ms, min %.3f ms, max %.3f ms (%u in flight, submit to completion)\n",
		       st->lat_sum / 1e6 / st->n, st->lat_min / 1e6, st->lat_max / 1e6, inflight);
		printf("throughput: %.1f inferences/s (%llu in %.3f s)\n",
		       st->wall_ns ? st->n * 1e9 / st->wall_ns : 0.0, (unsigned long long)st->n,
		       st->wall_ns / 1e9);
	}
	free(deq);
}
