// SPDX-License-Identifier: MIT
/*
 * Complementary grouping: which units share one packed kernel.
 *
 * Exact: the export deals every group of K consecutive units disjoint masks
 * that cover the fan-in, so consecutive runs of K rows are checked for
 * disjointness and taken as they are (the last run may be shorter).
 * Greedy, for any other sparse weights: rows by descending non-zero count
 * (ties by index), each into the fullest open group (most occupied
 * positions, fewer than K members; ties: the lowest-numbered) it does not
 * overlap, a new group when none fits.  Efficiency = non-zeros / (groups * cols): the fraction of
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

/*
 * The greedy's state.  Only open groups (fewer than k members) are
 * candidates; they are kept in @open sorted by filled positions
 * (descending), then by index (ascending), so the first one a row fits is
 * the fullest, lowest-numbered fitting group: the same choice as scanning
 * every group.  A row is tested as the list of its non-zero 64-column
 * words (its densest first) against a group's occupancy bitmap, stopping at
 * the first collision, which for overlapping rows comes after a word or
 * two: the cost of a row is (open groups) x (a few words), not groups x
 * columns.  The bitmaps are stored word-major (word w of every group side
 * by side), so the scan over the open groups reads one small array.
 */
struct greedy {
	size_t words;
	uint32_t units;
	uint64_t *occupied;	/* words x groups: bit i of [w * units + g] = column 64 w + i */
	uint32_t *members, *filled;
	uint32_t *open, nopen;	/* open group numbers, fullest first */
	uint32_t *row_word;	/* the current row's non-zero words: index, */
	uint64_t *row_bits;	/* and bits */
};

static bool fits(const struct greedy *s, uint32_t grp, uint32_t nwords)
{
	for (uint32_t i = 0; i < nwords; i++)
		if (s->occupied[(size_t)s->row_word[i] * s->units + grp] & s->row_bits[i])
			return false;
	return true;
}

/* The densest word first: the likeliest to collide. */
static void densest_first(struct greedy *s, uint32_t nwords)
{
	uint32_t best = 0, word;
	uint64_t bits;

	if (!nwords)
		return;
	for (uint32_t i = 1; i < nwords; i++)
		if (__builtin_popcountll(s->row_bits[i]) > __builtin_popcountll(s->row_bits[best]))
			best = i;
	word = s->row_word[best], bits = s->row_bits[best];
	s->row_word[best] = s->row_word[0], s->row_bits[best] = s->row_bits[0];
	s->row_word[0] = word, s->row_bits[0] = bits;
}

static bool ahead(const struct greedy *s, uint32_t a, uint32_t b)
{
	return s->filled[a] > s->filled[b] || (s->filled[a] == s->filled[b] && a < b);
}

/* Group @grp at position @pos of the open list gained a member. */
static void reorder(struct greedy *s, uint32_t pos, uint32_t k)
{
	uint32_t grp = s->open[pos];

	if (s->members[grp] == k) {	/* full: no longer a candidate */
		memmove(&s->open[pos], &s->open[pos + 1], (s->nopen - pos - 1) * sizeof(*s->open));
		s->nopen--;
		return;
	}
	while (pos > 0 && ahead(s, grp, s->open[pos - 1])) {
		s->open[pos] = s->open[pos - 1];
		pos--;
	}
	s->open[pos] = grp;
}

static int group_greedy(const int8_t *w, struct csa_grouping *g)
{
	uint32_t units = g->units, cols = g->cols, k = g->k;
	struct row_order *order = malloc(units * sizeof(*order));
	struct greedy s = { .words = (cols + 63) / 64, .units = units };
	uint32_t groups = 0;
	int ret = 0;

	s.occupied = calloc((size_t)units * s.words, sizeof(uint64_t));
	s.members = calloc(units, sizeof(uint32_t));
	s.filled = calloc(units, sizeof(uint32_t));
	s.open = malloc(units * sizeof(uint32_t));
	s.row_word = malloc(s.words * sizeof(uint32_t));
	s.row_bits = malloc(s.words * sizeof(uint64_t));
	if (!order || !s.occupied || !s.members || !s.filled || !s.open || !s.row_word ||
	    !s.row_bits) {
		ret = csa_error(ENOMEM, "out of memory for grouping %u units", units);
		goto out;
	}
	for (uint32_t u = 0; u < units; u++) {
		order[u].unit = u;
		order[u].nonzeros = row_nonzeros(w + (size_t)u * cols, cols);
	}
	qsort(order, units, sizeof(*order), by_nonzeros_desc);
	for (uint32_t n = 0; n < units; n++) {
		uint32_t u = order[n].unit, best = NO_GROUP, pos, nwords = 0;
		const int8_t *row = w + (size_t)u * cols;

		for (size_t wd = 0; wd < s.words; wd++) {
			uint64_t bits = 0;

			for (uint32_t i = (uint32_t)wd * 64; i < cols && i < wd * 64 + 64; i++)
				if (row[i])
					bits |= 1ull << (i % 64);
			if (bits) {
				s.row_word[nwords] = (uint32_t)wd;
				s.row_bits[nwords++] = bits;
			}
		}
		densest_first(&s, nwords);
		for (pos = 0; pos < s.nopen; pos++) {
			/* more positions than are free: cannot fit, try the next */
			if (s.filled[s.open[pos]] + order[n].nonzeros > cols)
				continue;
			if (fits(&s, s.open[pos], nwords)) {
				best = s.open[pos];
				break;
			}
		}
		if (best == NO_GROUP) {
			/* rows come fullest first: a new group sorts last among the open */
			best = groups++;
			pos = s.nopen;
			s.open[s.nopen++] = best;
		}
		for (uint32_t i = 0; i < nwords; i++)
			s.occupied[(size_t)s.row_word[i] * units + best] |= s.row_bits[i];
		s.filled[best] += order[n].nonzeros;
		g->tagmap[(size_t)best * k + s.members[best]++] = (uint16_t)u;
		reorder(&s, pos, k);
	}
	g->groups = groups;
out:
	free(order);
	free(s.occupied);
	free(s.members);
	free(s.filled);
	free(s.open);
	free(s.row_word);
	free(s.row_bits);
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
