/* SPDX-License-Identifier: MIT */
/*
 * The greedy grouping as first written (lib/pack/grouping.c before it was
 * made to scale): every row scans every group, column by column.  Kept as
 * the reference the fast greedy must match exactly (test_pack_grouping)
 * and as the baseline of pack-bench.  Returns the group count and fills
 * @tagmap (units * k entries), or 0 when out of memory.
 */
#ifndef PACK_GROUP_REF_H
#define PACK_GROUP_REF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "csa_format.h"

struct ref_row {
	uint32_t unit, nonzeros;
};

static int ref_by_nonzeros_desc(const void *a, const void *b)
{
	const struct ref_row *x = a, *y = b;

	if (x->nonzeros != y->nonzeros)
		return x->nonzeros < y->nonzeros ? 1 : -1;
	return x->unit < y->unit ? -1 : x->unit > y->unit;
}

static uint32_t ref_group_greedy(const int8_t *w, uint32_t units, uint32_t cols, uint32_t k,
				 uint16_t *tagmap)
{
	size_t words = (cols + 63) / 64;
	struct ref_row *order = malloc(units * sizeof(*order));
	uint64_t *occupied = calloc((size_t)units * words, sizeof(uint64_t));
	uint32_t *members = calloc(units, sizeof(uint32_t));
	uint32_t *filled = calloc(units, sizeof(uint32_t));
	uint32_t groups = 0;

	if (!order || !occupied || !members || !filled)
		goto out;
	for (size_t i = 0; i < (size_t)units * k; i++)
		tagmap[i] = CSA_TAGMAP_NONE;
	for (uint32_t u = 0; u < units; u++) {
		order[u].unit = u;
		order[u].nonzeros = 0;
		for (uint32_t i = 0; i < cols; i++)
			order[u].nonzeros += w[(size_t)u * cols + i] != 0;
	}
	qsort(order, units, sizeof(*order), ref_by_nonzeros_desc);
	for (uint32_t n = 0; n < units; n++) {
		uint32_t u = order[n].unit, best = UINT32_MAX;
		const int8_t *row = w + (size_t)u * cols;

		for (uint32_t grp = 0; grp < groups; grp++) {
			const uint64_t *occ = occupied + (size_t)grp * words;
			bool fits = members[grp] < k;

			for (uint32_t i = 0; fits && i < cols; i++)
				if (row[i] && (occ[i / 64] >> (i % 64) & 1))
					fits = false;
			if (fits && (best == UINT32_MAX || filled[grp] > filled[best]))
				best = grp;
		}
		if (best == UINT32_MAX)
			best = groups++;
		for (uint32_t i = 0; i < cols; i++)
			if (row[i])
				occupied[(size_t)best * words + i / 64] |= 1ull << (i % 64);
		filled[best] += order[n].nonzeros;
		tagmap[(size_t)best * k + members[best]++] = (uint16_t)u;
	}
out:
	free(order);
	free(occupied);
	free(members);
	free(filled);
	return groups;
}

#endif /* PACK_GROUP_REF_H */
