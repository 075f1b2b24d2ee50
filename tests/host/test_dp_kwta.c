// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * k-WTA (firmware/csa_dp_kwta.c) and MAXPOOL2D (csa_dp_pool.c) against the
 * test's counting / direct references: global and local, with and without
 * boost, ties (the lower index wins), k = 1 and k = n, all-equal inputs,
 * the radix select on extreme keys, the sparse emission.
 */
#include "kselftest_harness.h"

#include "test_dp_ref.h"

static void check_kwta(struct __test_metadata *_metadata, const int8_t *x,
		       uint32_t c, uint32_t plane, const uint16_t *boost,
		       uint32_t k, bool local, const char *what)
{
	uint32_t n = c * plane, cnt;
	int8_t *want = malloc(n), *got = malloc(n), *val = malloc(n);
	uint8_t *mark = malloc(n);
	uint32_t *keys = malloc(4 * n), *idx = malloc(4 * n);
	long at;

	ref_kwta(x, c, plane, boost, k, local, want, NULL);
	memset(mark, 0x77, n);
	if (local)
		csa_dp_kwta_local(x, c, plane, boost, k, mark, keys);
	else
		csa_dp_kwta_global(x, c, plane, boost, k, mark);
	csa_dp_kwta_dense(x, mark, n, got);
	at = first_diff(got, want, n);
	EXPECT_EQ(-1, at)
		TH_LOG("%s: %s k-WTA %u x %u, k %u%s: element %ld is %d, reference %d",
		       what, local ? "local" : "global", c, plane, k,
		       boost ? ", boosted" : "", at, at >= 0 ? got[at] : 0,
		       at >= 0 ? want[at] : 0);
	cnt = 0;
	for (uint32_t i = 0; i < n; i++) {
		EXPECT_LE(mark[i], 1) TH_LOG("%s: mark[%u] = %u is not 0/1", what, i,
					     mark[i]);
		cnt += mark[i];
	}
	EXPECT_EQ(local ? k * plane : k, cnt)
		TH_LOG("%s: %u winners, expected exactly %u", what, cnt,
		       local ? k * plane : k);
	cnt = csa_dp_kwta_sparse(x, mark, n, idx, val);
	EXPECT_EQ(local ? k * plane : k, cnt) TH_LOG("%s: sparse count", what);
	for (uint32_t i = 0; i < cnt; i++) {
		EXPECT_TRUE(mark[idx[i]] && val[i] == x[idx[i]] &&
			    (!i || idx[i] > idx[i - 1]))
			TH_LOG("%s: sparse entry %u (index %u) wrong or not ascending",
			       what, i, idx[i]);
	}
	free(want); free(got); free(val); free(mark); free(keys); free(idx);
}

TEST(ties_go_to_the_lower_index)
{
	const int8_t x[8] = { 5, 7, 7, 5, 7, 5, 1, 7 };
	int8_t y[8];
	uint8_t mark[8];
	static const int8_t want[8] = { 0, 7, 7, 0, 0, 0, 0, 0 };
	static const int8_t want5[8] = { 5, 7, 7, 0, 7, 0, 0, 7 };

	csa_dp_kwta_global(x, 1, 8, NULL, 2, mark);
	csa_dp_kwta_dense(x, mark, 8, y);
	ASSERT_EQ(-1, first_diff(y, want, 8))
		TH_LOG("k=2 among 7,7,7,7: indices 1 and 2 must win");
	csa_dp_kwta_global(x, 1, 8, NULL, 5, mark);
	csa_dp_kwta_dense(x, mark, 8, y);
	ASSERT_EQ(-1, first_diff(y, want5, 8))
		TH_LOG("k=5: the four 7s and the first 5 (index 0) must win");
	check_kwta(_metadata, x, 1, 8, NULL, 3, false, "ties");
	check_kwta(_metadata, x, 2, 4, NULL, 1, true, "local ties");
}

TEST(all_equal_and_extreme_values)
{
	int8_t x[300];

	memset(x, 0, sizeof(x));
	check_kwta(_metadata, x, 3, 100, NULL, 17, false, "all zero");
	check_kwta(_metadata, x, 3, 100, NULL, 2, true, "all zero local");
	memset(x, -128, sizeof(x));
	check_kwta(_metadata, x, 3, 100, NULL, 300, false, "k = n, all -128");
	check_kwta(_metadata, x, 3, 100, NULL, 1, false, "k = 1, all -128");
	for (int i = 0; i < 300; i++)
		x[i] = (int8_t)(i & 1 ? 127 : -128);
	check_kwta(_metadata, x, 3, 100, NULL, 150, false, "half 127");
	check_kwta(_metadata, x, 3, 100, NULL, 151, false, "half 127 + one");
}

TEST(boost_chooses_but_winners_keep_their_value)
{
	/* channel 1 boosted 8x: its 10 and 5 (scores 80, 40) beat 30 */
	const int8_t x[4] = { 30, 20, 10, 5 };	/* c=2, plane=2 */
	const uint16_t boost[2] = { 256, 2048 };
	int8_t y[4];
	uint8_t mark[4];
	static const int8_t want[4] = { 0, 0, 10, 5 };

	csa_dp_kwta_global(x, 2, 2, boost, 2, mark);
	csa_dp_kwta_dense(x, mark, 4, y);
	ASSERT_EQ(-1, first_diff(y, want, 4))
		TH_LOG("boosted channel 1 (scores 80, 40) must beat 30, 20; got %d %d %d %d",
		       y[0], y[1], y[2], y[3]);
	/* boost 0: the channel's scores are all 0 */
	const uint16_t zero[2] = { 0, 256 };

	check_kwta(_metadata, x, 2, 2, zero, 3, false, "boost 0");
	/* negative values with boost: -1 * 65535 is the lowest score */
	const int8_t neg[4] = { -1, -1, -128, 0 };
	const uint16_t big[2] = { 65535, 1 };

	check_kwta(_metadata, neg, 2, 2, big, 2, false, "negative boosted");
}

TEST(random_global_and_local)
{
	for (int i = 0; i < 200; i++) {
		uint32_t c, plane, n, k;
		uint16_t *boost = NULL;
		bool local;
		int8_t *x;

		rng_seed(900 + i);
		c = 1 + rng_below(12);
		plane = 1 + rng_below(40);
		n = c * plane;
		local = rng_pct(40);
		k = 1 + rng_below(local ? c : n);
		x = malloc(n);
		/* few distinct values -> many ties */
		for (uint32_t j = 0; j < n; j++)
			x[j] = (int8_t)(rng_pct(50) ? rng_range(-3, 3) :
					rng_range(-128, 127));
		if (rng_pct(50)) {
			boost = malloc(2 * c);
			for (uint32_t j = 0; j < c; j++)
				boost[j] = (uint16_t)(rng_pct(30) ? 256 :
						      rng_range(0, 65535));
		}
		check_kwta(_metadata, x, c, plane, boost, k, local, "random");
		free(x);
		free(boost);
	}
}

TEST(radix_select_kth)
{
	const uint32_t keys[6] = { 0, 0xffffffffu, 0x80000000u, 0x7fffffffu,
				   0xffffffffu, 0 };
	static const uint32_t want[6] = { 0xffffffffu, 0xffffffffu, 0x80000000u,
					  0x7fffffffu, 0, 0 };
	static const uint32_t eq[6] = { 1, 2, 1, 1, 1, 2 };

	for (uint32_t k = 1; k <= 6; k++) {
		uint32_t take, t = csa_dp_select_kth(keys, 6, k, &take);

		EXPECT_EQ(want[k - 1], t) TH_LOG("k %u: kth key 0x%x", k, t);
		EXPECT_EQ(eq[k - 1], take) TH_LOG("k %u: take_eq %u", k, take);
	}
}

TEST(maxpool_random)
{
	for (int i = 0; i < 100; i++) {
		uint32_t c, h, w, kh, kw, sh, sw, oh, ow;
		int8_t *x, *y, *want;

		rng_seed(1300 + i);
		c = 1 + rng_below(8);
		kh = 1 + rng_below(4);
		kw = 1 + rng_below(4);
		h = kh + rng_below(12);
		w = kw + rng_below(12);
		sh = 1 + rng_below(3);
		sw = 1 + rng_below(3);
		oh = (h - kh) / sh + 1;
		ow = (w - kw) / sw + 1;
		x = malloc(c * h * w);
		y = malloc(c * oh * ow);
		want = malloc(c * oh * ow);
		ref_fill(x, c * h * w, rng_below(101));
		if (i % 10 == 0)
			memset(x, -128, c * h * w);
		ref_maxpool(x, c, h, w, kh, kw, sh, sw, oh, ow, want);
		csa_dp_maxpool(x, c, h, w, kh, kw, sh, sw, oh, ow, y);
		EXPECT_EQ(-1, first_diff(y, want, c * oh * ow))
			TH_LOG("maxpool %ux%ux%u k%ux%u s%ux%u differs", c, h, w, kh,
			       kw, sh, sw);
		free(x); free(y); free(want);
	}
}

TEST_HARNESS_MAIN
