// SPDX-License-Identifier: MIT
/*
 * Complementary grouping: which units share one packed kernel.
 *
 * Exact: the export deals every group of K consecutive units disjoint masks
 * that cover the fan-in, so consecutive runs of K rows are checked for
 * disjointness and taken as they are (the last run may be shorter).
 * Greedy, for any other sparse weights: rows by descending non-zero count
 * (ties by index), each into the fullest open group (most occupied
 * positions, fewer than K members) it does not overlap, a new group when
 * none fits.  Efficiency = non-zeros / (groups * cols): the fraction of
 * packed elements that carry a weight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pack_internal.h"

#define NO_GROUP UINT32_MAX

static uint32_t row_nonzeros(const int8_t *row, uint32_t cols)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < cols; i++)
		n += row[i] != 0;
	return n;
}

/* Are the rows of every consecutive run of k disjoint? */
static bool consecutive_runs_disjoint(const int8_t *w, uint32_t units, uint32_t cols,
				      uint32_t k, uint8_t *seen)
{
	for (uint32_t first = 0; first < units; first += k) {
		memset(seen, 0, cols);
		for (uint32_t u = first; u < units && u < first + k; u++) {
			const int8_t *row = w + (size_t)u * cols;

			for (uint32_t i = 0; i < cols; i++) {
				if (!row[i])
					continue;
				if (seen[i])
					return false;
				seen[i] = 1;
			}
		}
	}
	return true;
}

struct row_order {
	uint32_t unit;
	uint32_t nonzeros;
};

static int by_nonzeros_desc(const void *a, const void *b)
{
	const struct row_order *x = a, *y = b;

	if (x->nonzeros != y->nonzeros)
		return x->nonzeros < y->nonzeros ? 1 : -1;
	return x->unit < y->unit ? -1 : x->unit > y->unit;
}

static int group_greedy(const int8_t *w, struct csa_grouping *g)
{
	uint32_t units = g->units, cols = g->cols, k = g->k;
	size_t words = (cols + 63) / 64;
	struct row_order *order = malloc(units * sizeof(*order));
	uint64_t *occupied = calloc((size_t)units * words, sizeof(uint64_t));
	uint32_t *members = calloc(units, sizeof(uint32_t));
	uint32_t *filled = calloc(units, sizeof(uint32_t));
	uint32_t groups = 0;
	int ret = 0;

	if (!order || !occupied || !members || !filled) {
		ret = csa_error(ENOMEM, "out of memory for grouping %u units", units);
		goto out;
	}
	for (uint32_t u = 0; u < units; u++) {
		order[u].unit = u;
		order[u].nonzeros = row_nonzeros(w + (size_t)u * cols, cols);
	}
	qsort(order, units, sizeof(*order), by_nonzeros_desc);
	for (uint32_t n = 0; n < units; n++) {
		uint32_t u = order[n].unit, best = NO_GROUP;
		const int8_t *row = w + (size_t)u * cols;

		for (uint32_t grp = 0; grp < groups; grp++) {
			const uint64_t *occ = occupied + (size_t)grp * words;
			bool fits = members[grp] < k;

			for (uint32_t i = 0; fits && i < cols; i++)
				if (row[i] && (occ[i / 64] >> (i % 64) & 1))
					fits = false;
			if (fits && (best == NO_GROUP || filled[grp] > filled[best]))
				best = grp;
		}
		if (best == NO_GROUP)
			best = groups++;
		for (uint32_t i = 0; i < cols; i++)
			if (row[i])
				occupied[(size_t)best * words + i / 64] |= 1ull << (i % 64);
		filled[best] += order[n].nonzeros;
		g->tagmap[(size_t)best * k + members[best]++] = (uint16_t)u;
	}
	g->groups = groups;
out:
	free(order);
	free(occupied);
	free(members);
	free(filled);
	return ret;
}

static int group(const int8_t *w, uint32_t units, uint32_t cols, uint32_t k,
		 bool allow_exact, struct csa_grouping *g)
{
	uint8_t *seen;
	int ret = 0;

	memset(g, 0, sizeof(*g));
	if (!units || !cols || !k || k > 255 || units >= CSA_TAGMAP_NONE ||
	    cols > CSA_LAYER_MAX_COLS)
		return csa_error(EINVAL, "cannot group %u units x %u columns with K = %u "
				 "(units 1..%u, columns 1..%u, K 1..255)", units, cols, k,
				 CSA_TAGMAP_NONE - 1, CSA_LAYER_MAX_COLS);
	g->units = units, g->cols = cols, g->k = k;
	/* at most one group per unit: room for the worst case */
	g->tagmap = malloc((size_t)units * k * sizeof(uint16_t));
	seen = malloc(cols);
	if (!g->tagmap || !seen) {
		ret = csa_error(ENOMEM, "out of memory for grouping %u units", units);
		goto out;
	}
	for (size_t i = 0; i < (size_t)units * k; i++)
		g->tagmap[i] = CSA_TAGMAP_NONE;
	if (allow_exact && consecutive_runs_disjoint(w, units, cols, k, seen)) {
		g->exact = true;
		g->groups = (units + k - 1) / k;
		for (uint32_t u = 0; u < units; u++)
			g->tagmap[u] = (uint16_t)u;
	} else {
		ret = group_greedy(w, g);
		if (ret)
			goto out;
	}
	if (g->groups > UINT16_MAX) {
		ret = csa_error(EINVAL, "%u groups exceed the format's 65535", g->groups);
		goto out;
	}
	for (uint32_t u = 0; u < units; u++)
		g->nonzeros += row_nonzeros(w + (size_t)u * cols, cols);
	g->efficiency = (double)g->nonzeros / ((double)g->groups * cols);
out:
	free(seen);
	if (ret)
		csa_grouping_free(g);
	return ret;
}

int csa_group_units(const int8_t *w, uint32_t units, uint32_t cols, uint32_t k,
		    struct csa_grouping *g)
{
	return group(w, units, cols, k, true, g);
}

/* Greedy only, even for complementary runs (csa_pack_options.greedy). */
int csa_group_units_greedy(const int8_t *w, uint32_t units, uint32_t cols, uint32_t k,
			   struct csa_grouping *g)
{
	return group(w, units, cols, k, false, g);
}

void csa_grouping_free(struct csa_grouping *g)
{
	free(g->tagmap);
	g->tagmap = NULL;
}
