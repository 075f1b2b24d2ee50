// SPDX-License-Identifier: MIT
/* The per-layer table of `csa-pack --report`. */
#include <stdio.h>

#include "pack_internal.h"

static void human(char *buf, size_t len, uint64_t v)
{
	if (v >= 10000000000ull)
		snprintf(buf, len, "%.1fG", v / 1e9);
	else if (v >= 10000000ull)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 10000ull)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

void csa_pack_report_print(FILE *out, const struct csa_pack_result *res)
{
	uint64_t dense = 0, sparse = 0, ss = 0, bytes = 0, nnz = 0;

	fprintf(out, "%-8s %6s %6s %3s %6s %-7s %7s %9s %10s %10s %10s %7s %9s\n",
		"layer", "units", "cols", "K", "groups", "packing", "effic.", "nonzeros",
		"MACs dense", "MACs pack", "MACs sp-sp", "in dens", "bytes");
	for (uint32_t i = 0; i < res->num_layers; i++) {
		const struct csa_pack_layer_report *r = &res->layers[i];
		char d[16], s[16], x[16];

		human(d, sizeof(d), r->macs_dense);
		human(s, sizeof(s), r->macs_sparse);
		human(x, sizeof(x), r->macs_sparse_sparse);
		fprintf(out, "%-8s %6u %6u %3u %6u %-7s %6.2f%% %9llu %10s %10s %10s %6.1f%% %9llu\n",
			r->name, r->units, r->cols, r->k, r->groups, r->exact ? "exact" : "greedy",
			100.0 * r->efficiency, (unsigned long long)r->nonzeros, d, s, x,
			100.0 * r->in_density, (unsigned long long)r->bytes);
		if (r->zero_rows || r->saturated_biases || r->saturated_multipliers)
			fprintf(out, "         warning: %u all-zero units, %u biases and %u "
				"multipliers saturated\n", r->zero_rows, r->saturated_biases,
				r->saturated_multipliers);
		dense += r->macs_dense;
		sparse += r->macs_sparse;
		ss += r->macs_sparse_sparse;
		bytes += r->bytes;
		nnz += r->nonzeros;
	}
	fprintf(out, "total: %llu non-zero weights, MACs dense %llu, packed %llu (%.1fx), "
		"sparse-sparse %llu (%.1fx); packed layers %llu bytes, file %zu bytes\n",
		(unsigned long long)nnz, (unsigned long long)dense, (unsigned long long)sparse,
		sparse ? (double)dense / sparse : 0.0, (unsigned long long)ss,
		ss ? (double)dense / ss : 0.0, (unsigned long long)bytes, res->size);
}
