// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * LINEAR datapath (firmware/csa_dp_linear.c): Multiply/Route/Sum over
 * packed columns and the output stage, against the test's dense reference
 * on seeded random layers: K = 1 (dense), K = max (20), partial last
 * groups (64 units at K = 5), greedy packing of non-complementary weights,
 * dense inputs (every column, or zero-skipping) and sparse inputs.
 */
#include "kselftest_harness.h"

#include "test_dp_ref.h"

struct lin_case {
	uint32_t units, cols, k, fill, xpct;
	enum ref_weights kind;
};

/* Runs one case every way the datapath offers; 0 or a failing line. */
static int check_case(struct __test_metadata *_metadata,
		      const struct lin_case *c, uint64_t seed)
{
	struct ref_layer l;
	struct csa_dp_layer d;
	struct csa_dp_rq *rq;
	uint16_t *tm;
	int8_t *x, *want, *got;
	int32_t *want32, *got32, *acc;
	uint32_t *idx, nacc, cnt;
	int8_t *val;
	long at;

	rng_seed(seed);
	ref_layer_make(&l, c->units, c->cols, c->k, c->kind, c->fill, false);
	ref_dp_layer(&l, &d, &tm, &rq);
	nacc = l.groups * l.k + CSA_DP_ACC_PAD;
	x = malloc(c->cols);
	ref_fill(x, c->cols, c->xpct);
	want = malloc(c->units);
	got = malloc(c->units);
	want32 = malloc(4 * c->units);
	got32 = malloc(4 * c->units);
	acc = malloc(4 * nacc);
	idx = malloc(4 * c->cols);
	val = malloc(c->cols);
	cnt = ref_nonzeros(x, c->cols, idx, val);
	ref_linear(&l, x, want, NULL);
	ref_linear(&l, x, NULL, want32);

	for (int mode = 0; mode < 3; mode++) {
		static const char *const name[] = {
			"dense input, every column", "dense input, zero skip",
			"sparse input",
		};
		struct csa_dp_stats st = { 0 };
		uint32_t maxtag;

		memset(acc, 0, 4 * nacc);
		if (mode < 2)
			maxtag = csa_dp_linear_dense(&d, x, mode == 1, acc, &st);
		else
			maxtag = csa_dp_linear_sparse(&d, idx, val, cnt, acc, &st);
		EXPECT_LT(maxtag, l.k)
			TH_LOG("%s: valid tags reported as %u >= k %u", name[mode],
			       maxtag, l.k);
		EXPECT_EQ(mode ? cnt : c->cols, st.visits)
			TH_LOG("%s: %llu columns visited, expected %u", name[mode],
			       (unsigned long long)st.visits, mode ? cnt : c->cols);
		EXPECT_EQ(st.visits * l.groups, st.macs)
			TH_LOG("%s: macs %llu != visits * groups", name[mode],
			       (unsigned long long)st.macs);
		memset(got, 0x5a, c->units);
		csa_dp_output(&d, acc, 1, got, NULL);
		at = first_diff(got, want, c->units);
		EXPECT_EQ(-1, at)
			TH_LOG("%s, %u units x %u cols, K %u, %u groups, seed %llu: unit %ld is %d, reference %d",
			       name[mode], c->units, c->cols, c->k, l.groups,
			       (unsigned long long)seed, at, at >= 0 ? got[at] : 0,
			       at >= 0 ? want[at] : 0);
		csa_dp_output(&d, acc, 1, NULL, got32);
		at = first_diff(got32, want32, 4 * c->units);
		EXPECT_EQ(-1, at)
			TH_LOG("%s: int32 output differs from sat32(acc + bias) at unit %ld",
			       name[mode], at / 4);
	}
	ref_layer_free(&l);
	free(tm); free(rq); free(x); free(want); free(got); free(want32);
	free(got32); free(acc); free(idx); free(val);
	return 0;
}

TEST(dense_layer_k1)
{
	const struct lin_case c = { 37, 53, 1, 100, 60, REF_RANDOM };

	for (uint64_t s = 1; s <= 5; s++)
		check_case(_metadata, &c, s);
}

TEST(k_max_20_reference_super_sparse_layer)
{
	/* 1600 -> 1500 at 95 %: K = 20, 10 % active inputs */
	const struct lin_case c = { 1500, 1600, 20, 100, 10, REF_COMPLEMENTARY };

	check_case(_metadata, &c, 7);
}

TEST(partial_last_group_64_units_at_k5)
{
	const struct lin_case c = { 64, 400, 5, 100, 30, REF_COMPLEMENTARY };

	for (uint64_t s = 1; s <= 5; s++)
		check_case(_metadata, &c, s);
}

TEST(complementary_with_holes)
{
	/* columns left empty in some groups (value 0, arbitrary valid tag) */
	const struct lin_case c = { 100, 250, 10, 60, 25, REF_COMPLEMENTARY };

	for (uint64_t s = 1; s <= 5; s++)
		check_case(_metadata, &c, s);
}

TEST(greedy_packing_of_non_complementary_weights)
{
	const struct lin_case c = { 90, 120, 8, 7, 40, REF_RANDOM };

	for (uint64_t s = 1; s <= 5; s++)
		check_case(_metadata, &c, s);
}

TEST(random_shapes_and_sparsities)
{
	rng_seed(1234);
	for (int i = 0; i < 60; i++) {
		struct lin_case c;
		uint64_t seed;

		rng_seed(1000 + i);
		c.units = 1 + rng_below(200);
		c.cols = 1 + rng_below(300);
		c.k = 1 + rng_below(20);
		c.fill = rng_below(101);
		c.xpct = rng_below(101);
		c.kind = rng_pct(50) ? REF_RANDOM : REF_COMPLEMENTARY;
		if (c.kind == REF_RANDOM)
			c.fill = c.fill / c.k;
		seed = 5000 + i;
		check_case(_metadata, &c, seed);
	}
}

TEST(bad_tag_is_reported)
{
	struct ref_layer l;
	struct csa_dp_layer d;
	struct csa_dp_stats st = { 0 };
	struct csa_dp_rq *rq;
	uint16_t *tm;
	int32_t *acc;
	int8_t x[10];

	rng_seed(3);
	ref_layer_make(&l, 12, 10, 4, REF_COMPLEMENTARY, 100, false);
	ref_dp_layer(&l, &d, &tm, &rq);
	acc = calloc(l.groups * l.k + CSA_DP_ACC_PAD, 4);
	memset(x, 1, sizeof(x));
	/* last group of the last column: tag 255, the worst case */
	l.blob[l.weights_off + (9 * l.groups + l.groups - 1) * 2 + 1] = 255;
	ASSERT_EQ(255u, csa_dp_linear_dense(&d, x, false, acc, &st))
		TH_LOG("tag 255 in a column not reported as the largest tag");
	l.blob[l.weights_off + (9 * l.groups + l.groups - 1) * 2 + 1] = 4;
	memset(acc, 0, 4 * (l.groups * l.k + CSA_DP_ACC_PAD));
	ASSERT_EQ(4u, csa_dp_linear_dense(&d, x, false, acc, &st))
		TH_LOG("tag == k not reported");
	ref_layer_free(&l);
	free(tm); free(rq); free(acc);

	/* inside the four-group steps too, in any of the four lanes */
	ref_layer_make(&l, 40, 10, 4, REF_COMPLEMENTARY, 100, false);
	ref_dp_layer(&l, &d, &tm, &rq);
	acc = calloc(l.groups * l.k + CSA_DP_ACC_PAD, 4);
	for (uint32_t g = 0; g < l.groups; g++) {
		uint8_t *tag = &l.blob[l.weights_off + (3 * l.groups + g) * 2 + 1];
		uint8_t keep = *tag;

		*tag = 200;
		memset(acc, 0, 4 * (l.groups * l.k + CSA_DP_ACC_PAD));
		ASSERT_EQ(200u, csa_dp_linear_dense(&d, x, false, acc, &st))
			TH_LOG("tag 200 in group %u of %u not reported", g, l.groups);
		*tag = keep;
	}
	ref_layer_free(&l);
	free(tm); free(rq); free(acc);
}

TEST_HARNESS_MAIN
