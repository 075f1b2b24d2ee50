// SPDX-License-Identifier: MIT
/*
 * Complementary grouping and packed layers: exact grouping of
 * complementary masks (also with a partial last group), greedy grouping of
 * arbitrary sparse weights with its efficiency, pack -> unpack round trips,
 * the fast greedy against the original scan-everything greedy (identical
 * tag maps), and the packed-layer checker against damaged layers.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

/* The 6.1 harness has no floating-point comparisons. */
#define EXPECT_CLOSE(want, got) \
	EXPECT_TRUE(fabs((double)(want) - (double)(got)) <= 1e-9 * fabs((double)(want)) + 1e-12)

#include "csa/pack.h"
#include "pack_group_ref.h"

static uint32_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return rng_state >> 8;
}

/* Non-zero int8 in [-127, 127] \ {0}. */
static int8_t random_weight(void)
{
	int v = (int)(rng() % 254) - 127;

	return (int8_t)(v >= 0 ? v + 1 : v);
}

/* Complementary masks: every run of k rows partitions the columns. */
static int8_t *complementary(uint32_t units, uint32_t cols, uint32_t k)
{
	int8_t *w = calloc((size_t)units * cols, 1);
	uint32_t *perm = malloc(cols * sizeof(*perm));

	for (uint32_t first = 0; first < units; first += k) {
		for (uint32_t i = 0; i < cols; i++)
			perm[i] = i;
		for (uint32_t i = cols - 1; i > 0; i--) {
			uint32_t j = rng() % (i + 1), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (uint32_t i = 0; i < cols; i++) {
			uint32_t unit = first + i % k;

			if (unit < units)
				w[(size_t)unit * cols + perm[i]] = random_weight();
		}
	}
	free(perm);
	return w;
}

/* Each weight non-zero with probability density_pct %. */
static int8_t *random_sparse(uint32_t units, uint32_t cols, uint32_t density_pct)
{
	int8_t *w = calloc((size_t)units * cols, 1);

	for (size_t i = 0; i < (size_t)units * cols; i++)
		if (rng() % 100 < density_pct)
			w[i] = random_weight();
	return w;
}

static struct csa_requant *unit_requant(uint32_t units)
{
	struct csa_requant *rq = calloc(units, sizeof(*rq));

	for (uint32_t u = 0; u < units; u++) {
		rq[u].bias = (int32_t)u - 7;
		rq[u].multiplier = 1 << 30;
		rq[u].shift = 31;
	}
	return rq;
}

/* Pack, check, unpack and compare with the original weights. */
static void round_trip(struct __test_metadata *_metadata, const int8_t *w,
		       const struct csa_grouping *g, bool boost)
{
	struct csa_requant *rq = unit_requant(g->units);
	uint16_t *bst = boost ? calloc(g->units, sizeof(uint16_t)) : NULL;
	int8_t *back = malloc((size_t)g->units * g->cols);
	void *blob = NULL;
	size_t size = 0;

	ASSERT_EQ(0, csa_pack_layer(w, g, rq, bst, &blob, &size)) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(0, csa_packed_layer_check(blob, size)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_unpack_layer(blob, size, back)) TH_LOG("%s", csa_last_error());
	for (size_t i = 0; i < (size_t)g->units * g->cols; i++)
		if (back[i] != w[i]) {
			EXPECT_TRUE(false) TH_LOG("unpacked weight (%zu, %zu) is %d, packed %d",
					     i / g->cols, i % g->cols, back[i], w[i]);
			break;
		}
	free(blob);
	free(back);
	free(rq);
	free(bst);
}

TEST(complementary_groups_are_exact_and_full)
{
	static const uint32_t shapes[][3] = {	/* units, cols, k */
		{ 64, 25, 2 }, { 1000, 1600, 10 }, { 1500, 1600, 20 }, { 12, 1000, 1 }, { 20, 7, 4 },
	};

	rng_state = 1;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		uint32_t units = shapes[s][0], cols = shapes[s][1], k = shapes[s][2];
		int8_t *w = complementary(units, cols, k);
		struct csa_grouping g;

		ASSERT_EQ(0, csa_group_units(w, units, cols, k, &g)) TH_LOG("%s", csa_last_error());
		EXPECT_TRUE(g.exact) TH_LOG("%ux%u K=%u: complementary masks not found exact",
					    units, cols, k);
		EXPECT_EQ((units + k - 1) / k, g.groups);
		EXPECT_EQ((uint64_t)units * cols / k, g.nonzeros);
		EXPECT_CLOSE(1.0, g.efficiency) TH_LOG("%ux%u K=%u", units, cols, k);
		round_trip(_metadata, w, &g, s % 2);
		csa_grouping_free(&g);
		free(w);
	}
}

TEST(partial_last_group)
{
	/* 64 units at K = 5: 12 full groups and one of 4 (the reference conv2) */
	int8_t *w;
	struct csa_grouping g;

	rng_state = 2;
	w = complementary(64, 1600, 5);
	ASSERT_EQ(0, csa_group_units(w, 64, 1600, 5, &g))
		TH_LOG("%s", csa_last_error());
	EXPECT_TRUE(g.exact);
	EXPECT_EQ(13u, g.groups);
	EXPECT_EQ(CSA_TAGMAP_NONE, g.tagmap[12 * 5 + 4]) TH_LOG("the missing 5th kernel of group 12");
	EXPECT_EQ(63u, g.tagmap[12 * 5 + 3]);
	EXPECT_CLOSE(64.0 * 320 / (13.0 * 1600), g.efficiency);
	round_trip(_metadata, w, &g, true);
	csa_grouping_free(&g);
	free(w);
}

TEST(greedy_recovers_shuffled_complementary_rows)
{
	/* complementary rows in shuffled order: not consecutive, greedy finds them */
	uint32_t units = 40, cols = 200, k = 4;
	int8_t *w, *shuffled;
	struct csa_grouping g;

	rng_state = 3;
	w = complementary(units, cols, k);
	shuffled = malloc((size_t)units * cols);
	for (uint32_t u = 0; u < units; u++)	/* stride 7 is a permutation of 40 */
		memcpy(shuffled + (size_t)u * cols, w + (size_t)((u * 7) % units) * cols, cols);
	ASSERT_EQ(0, csa_group_units(shuffled, units, cols, k, &g))
		TH_LOG("%s", csa_last_error());
	EXPECT_FALSE(g.exact);
	EXPECT_EQ(units / k, g.groups) TH_LOG("greedy needed %u groups", g.groups);
	EXPECT_CLOSE(1.0, g.efficiency);
	round_trip(_metadata, shuffled, &g, false);
	csa_grouping_free(&g);
	free(w);
	free(shuffled);
}

TEST(greedy_arbitrary_sparse_reports_efficiency)
{
	uint32_t units = 200, cols = 300, k = 10;
	int8_t *w;
	struct csa_grouping g;
	uint64_t nnz = 0;

	rng_state = 4;
	w = random_sparse(units, cols, 5);
	for (size_t i = 0; i < (size_t)units * cols; i++)
		nnz += w[i] != 0;
	ASSERT_EQ(0, csa_group_units(w, units, cols, k, &g))
		TH_LOG("%s", csa_last_error());
	EXPECT_FALSE(g.exact);
	EXPECT_EQ(nnz, g.nonzeros);
	EXPECT_GE(g.groups, (units + k - 1) / k);
	EXPECT_LT(g.groups, units) TH_LOG("5 %% dense rows should share groups");
	EXPECT_CLOSE((double)nnz / ((double)g.groups * cols), g.efficiency);
	EXPECT_LT(g.efficiency, 1.0);
	EXPECT_GT(g.efficiency, 0.05);
	round_trip(_metadata, w, &g, true);
	csa_grouping_free(&g);
	free(w);
}

/*
 * Rows of mixed densities (0 %..60 %), some of them complementary slices
 * shuffled in, and all-zero rows: many ties, full and partial groups.
 */
static int8_t *mixed_rows(uint32_t units, uint32_t cols, uint32_t k)
{
	int8_t *w = random_sparse(units, cols, 0);
	int8_t *comp = complementary(units, cols, k);

	for (uint32_t u = 0; u < units; u++) {
		uint32_t kind = rng() % 4, density = rng() % 61;

		if (kind == 0)
			memcpy(w + (size_t)u * cols, comp + (size_t)((u * 13) % units) * cols, cols);
		else if (kind == 1)
			continue;	/* all zero */
		else
			for (uint32_t i = 0; i < cols; i++)
				if (rng() % 100 < (kind == 2 ? density : density / 10))
					w[(size_t)u * cols + i] = random_weight();
	}
	free(comp);
	return w;
}

TEST(fast_greedy_matches_the_original_greedy)
{
	static const uint32_t shapes[][3] = {	/* units, cols, k */
		{ 1, 1, 1 }, { 7, 3, 2 }, { 50, 64, 4 }, { 100, 65, 10 }, { 300, 200, 10 },
		{ 257, 129, 3 }, { 400, 500, 20 }, { 64, 1000, 255 }, { 500, 40, 1 },
	};
	uint32_t cases = 0;

	rng_state = 7;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		for (int kind = 0; kind < 3; kind++) {
			uint32_t units = shapes[s][0], cols = shapes[s][1], k = shapes[s][2];
			int8_t *w = kind == 0 ? mixed_rows(units, cols, k) :
				random_sparse(units, cols, kind == 1 ? 3 : 30);
			uint16_t *ref = malloc((size_t)units * k * sizeof(uint16_t));
			uint32_t ref_groups = ref_group_greedy(w, units, cols, k, ref);
			struct csa_grouping g;

			ASSERT_NE(0u, ref_groups);
			ASSERT_EQ(0, csa_group_units(w, units, cols, k, &g))
				TH_LOG("%s", csa_last_error());
			if (!g.exact) {
				EXPECT_EQ(ref_groups, g.groups)
					TH_LOG("%ux%u K=%u kind %d: %u groups, the original greedy %u",
					       units, cols, k, kind, g.groups, ref_groups);
				EXPECT_EQ(0, memcmp(ref, g.tagmap, (size_t)units * k * sizeof(uint16_t)))
					TH_LOG("%ux%u K=%u kind %d: tag map differs from the original greedy",
					       units, cols, k, kind);
				round_trip(_metadata, w, &g, false);
				cases++;
			}
			csa_grouping_free(&g);
			free(ref);
			free(w);
		}
	}
	EXPECT_GE(cases, 20u) TH_LOG("only %u greedy cases compared", cases);
}

TEST(dense_rows_get_one_group_each)
{
	int8_t *w;
	struct csa_grouping g;

	rng_state = 5;
	w = random_sparse(10, 50, 100);
	ASSERT_EQ(0, csa_group_units(w, 10, 50, 4, &g))
		TH_LOG("%s", csa_last_error());
	EXPECT_EQ(10u, g.groups) TH_LOG("overlapping rows can never share a group");
	round_trip(_metadata, w, &g, false);
	csa_grouping_free(&g);
	free(w);
}

TEST(zero_rows_and_all_zero_layer)
{
	int8_t w[4 * 6] = { 0 };
	struct csa_grouping g;

	ASSERT_EQ(0, csa_group_units(w, 4, 6, 2, &g))
		TH_LOG("%s", csa_last_error());
	EXPECT_TRUE(g.exact);
	EXPECT_EQ(0u, g.nonzeros);
	round_trip(_metadata, w, &g, false);
	csa_grouping_free(&g);
}

TEST(bad_grouping_arguments)
{
	int8_t w[4] = { 1, 0, 0, 1 };
	struct csa_grouping g;

	EXPECT_EQ(-EINVAL, csa_group_units(w, 0, 4, 1, &g));
	EXPECT_EQ(-EINVAL, csa_group_units(w, 1, 0, 1, &g));
	EXPECT_EQ(-EINVAL, csa_group_units(w, 2, 2, 0, &g));
	EXPECT_EQ(-EINVAL, csa_group_units(w, 2, 2, 256, &g));
	EXPECT_EQ(-EINVAL, csa_group_units(w, 1, CSA_LAYER_MAX_COLS + 1, 1, &g));
}

TEST(overlapping_rows_in_one_group_do_not_pack)
{
	int8_t w[2 * 3] = { 1, 2, 0, 0, 3, 4 };		/* overlap at column 1 */
	uint16_t tagmap[2] = { 0, 1 };
	struct csa_grouping g = { .units = 2, .cols = 3, .k = 2, .groups = 1, .tagmap = tagmap };
	struct csa_requant rq[2] = { { 0 } };
	void *blob = NULL;
	size_t size;

	EXPECT_EQ(-EINVAL, csa_pack_layer(w, &g, rq, NULL, &blob, &size));
	EXPECT_NE(NULL, strstr(csa_last_error(), "not complementary")) TH_LOG("%s", csa_last_error());
	EXPECT_EQ(NULL, blob);
}

/* A valid packed layer to damage. */
static void *sample_layer(size_t *size)
{
	int8_t *w;
	struct csa_grouping g;
	struct csa_requant *rq = unit_requant(10);
	uint16_t boost[10] = { 0 };
	void *blob = NULL;

	rng_state = 6;
	w = complementary(10, 12, 3);
	if (!csa_group_units(w, 10, 12, 3, &g)) {
		if (csa_pack_layer(w, &g, rq, boost, &blob, size))
			blob = NULL;
		csa_grouping_free(&g);
	}
	free(w);
	free(rq);
	return blob;
}

TEST(checker_rejects_damaged_layers)
{
	size_t size;
	uint8_t *blob = sample_layer(&size), *copy;
	struct csa_layer_hdr h;

	ASSERT_NE(NULL, blob);
	ASSERT_EQ(0, csa_packed_layer_check(blob, size))
		TH_LOG("%s", csa_last_error());
	memcpy(&h, blob, sizeof(h));
	copy = malloc(size);
	for (int what = 0; what < 11; what++) {
		const char *desc[] = { "magic", "version", "flags", "reserved", "k = 0",
			"groups too few", "weights outside", "tag >= k", "duplicate tag map entry",
			"shift > 31", "total_size > buffer" };

		memcpy(copy, blob, size);
		switch (what) {
		case 0: copy[0] ^= 1; break;
		case 1: copy[4] = 2; break;
		case 2: copy[8] = 1; break;
		case 3: copy[60] = 1; break;
		case 4: copy[20] = 0; break;
		case 5: copy[22] = 1; break;
		case 6: memcpy(copy + 24, &h.total_size, 4); break;
		case 7: copy[h.weights_off + 1] = 3; break;
		case 8: memcpy(copy + h.tagmap_off + 2, copy + h.tagmap_off, 2); break;
		case 9: copy[h.requant_off + 8] = 32; break;
		case 10: break;
		}
		EXPECT_NE(0, csa_packed_layer_check(copy, what == 10 ? size - 8 : size))
			TH_LOG("damage not detected: %s", desc[what]);
	}
	EXPECT_NE(0, csa_packed_layer_check(blob, 10)) TH_LOG("shorter than the header");
	free(copy);
	free(blob);
}

TEST_HARNESS_MAIN
