// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The lane schedule of the Multiply/Route/Sum stage (firmware/csa_dp_cost.c,
 * docs/hardware.md "Lane schedule"): cycle counts of small cases computed
 * by hand (G = 1, G < lanes with a partial last cycle, G = lanes,
 * G > lanes, bank conflicts, K = 1 and K = max-k, CONV2D borders and
 * strides), and random visit sequences against a plain-C reference that
 * builds every cycle explicitly.
 */
#include "kselftest_harness.h"

#include "test_dp_ref.h"

/* Schedule n visits routed to banks[] (NULL: LINEAR's own banks). */
static struct csa_dp_stats sched(uint32_t groups, uint32_t lanes,
				 const uint32_t *banks, uint32_t n)
{
	struct csa_dp_stats st = { 0 };

	csa_dp_sched_init(&st, groups, lanes);
	for (uint32_t i = 0; i < n; i++)
		csa_dp_sched_visit(&st, banks ? banks[i] : CSA_DP_BANK_OWN);
	return st;
}

/*
 * The rule written out: a visit = G / L full cycles + a piece of
 * r = G % L lanes; a cycle holds pieces while their lanes fit (r * m <= L),
 * m < 8 banks and no two share a bank.
 */
static uint64_t ref_sched(uint32_t groups, uint32_t lanes,
			  const uint32_t *banks, uint32_t n)
{
	uint32_t r = groups % lanes, used[8], m = 0;
	uint64_t cyc = (uint64_t)n * (groups / lanes);

	for (uint32_t i = 0; r && i < n; i++) {
		uint32_t b = banks ? banks[i] % 8 : m;
		bool clash = false;

		for (uint32_t j = 0; j < m; j++)
			clash |= used[j] == b;
		if (!m || clash || (m + 1) * r > lanes || m == 8) {
			cyc++;
			m = 0;
			b = banks ? b : 0;
		}
		used[m++] = b;
	}
	return cyc;
}

TEST(linear_hand_counts)
{
	static const struct {
		uint32_t groups, lanes, visits;
		uint64_t cycles;
		const char *why;
	} c[] = {
		{ 1, 64, 20, 3, "G = 1: 8 visits a cycle (8 banks), 20 -> 3" },
		{ 20, 64, 7, 3, "G = 20: 3 visits a cycle, 7 -> 3 (last cycle partial)" },
		{ 13, 64, 8, 2, "G = 13: 4 visits a cycle" },
		{ 32, 64, 5, 3, "G = 32: 2 visits a cycle" },
		{ 33, 64, 5, 5, "G = 33: one visit a cycle" },
		{ 64, 64, 5, 5, "G = lanes: one cycle a visit" },
		{ 128, 64, 5, 10, "G = 2 lanes: two full cycles a visit" },
		{ 75, 64, 160, 192, "G = 75: 160 full cycles + 160 pieces of 11, 5 a cycle" },
		{ 130, 64, 10, 22, "G = 130: 2 full + pieces of 2, 8 a cycle (banks)" },
		{ 5, 4, 3, 4, "G = 5 > lanes 4: 3 full + pieces of 1, 4 a cycle" },
		{ 7, 64, 0, 0, "no visits, no cycles" },
		{ 1, 1, 9, 9, "one lane" },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct csa_dp_stats st = sched(c[i].groups, c[i].lanes, NULL,
					       c[i].visits);

		EXPECT_EQ(c[i].cycles, csa_dp_cost_mac(&st))
			TH_LOG("%s: %llu cycles", c[i].why,
			       (unsigned long long)csa_dp_cost_mac(&st));
		EXPECT_EQ(0u, st.conflicts) TH_LOG("%s: LINEAR never conflicts",
						   c[i].why);
		EXPECT_EQ(c[i].cycles, ref_sched(c[i].groups, c[i].lanes, NULL,
						 c[i].visits))
			TH_LOG("%s: the test's reference disagrees", c[i].why);
	}
}

TEST(bank_conflicts)
{
	/* G = 16, 64 lanes: 4 visits a cycle */
	static const uint32_t b1[] = { 0, 8, 1, 2 };	/* 8 = bank 0 again */
	static const uint32_t b2[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint32_t b3[] = { 3, 3, 3, 3, 3 };
	struct csa_dp_stats st;

	st = sched(16, 64, b1, 4);
	EXPECT_EQ(2u, st.cycles) TH_LOG("0 | 8 1 2: the second visit opens a cycle");
	EXPECT_EQ(1u, st.conflicts);
	st = sched(16, 64, b2, 8);
	EXPECT_EQ(2u, st.cycles) TH_LOG("8 distinct banks, 4 a cycle");
	EXPECT_EQ(0u, st.conflicts) TH_LOG("a full cycle is not a conflict");
	st = sched(16, 64, b3, 5);
	EXPECT_EQ(5u, st.cycles) TH_LOG("one bank: one visit a cycle");
	EXPECT_EQ(4u, st.conflicts);
	st = sched(64, 64, b3, 5);
	EXPECT_EQ(5u, st.cycles) TH_LOG("G = lanes: full cycles never conflict");
	EXPECT_EQ(0u, st.conflicts);
	st = sched(75, 64, b3, 3);
	EXPECT_EQ(6u, st.cycles) TH_LOG("G > lanes: pieces of one bank do not share");
}

TEST(random_sequences_match_reference)
{
	static const uint32_t lanes[] = { 1, 4, 32, 64, 100 };
	uint32_t banks[300];

	rng_seed(4242);
	for (int t = 0; t < 400; t++) {
		uint32_t l = lanes[rng_below(5)], g = 1 + rng_below(3 * l + 2);
		uint32_t n = rng_below(300), spread = 1 + rng_below(40);
		bool own = rng_pct(30);
		struct csa_dp_stats st;

		for (uint32_t i = 0; i < n; i++)
			banks[i] = rng_below(spread);
		st = sched(g, l, own ? NULL : banks, n);
		ASSERT_EQ(ref_sched(g, l, own ? NULL : banks, n), st.cycles)
			TH_LOG("G %u lanes %u visits %u spread %u own %d", g, l,
			       n, spread, own);
	}
}

/* LINEAR through the datapath: K does not change the schedule, G does. */
TEST(linear_k1_and_max_k)
{
	static const uint32_t ks[] = { 1, 20 };

	for (int i = 0; i < 2; i++) {
		struct ref_layer l;
		struct csa_dp_layer d;
		struct csa_dp_rq *rq;
		struct csa_dp_stats st = { 0 };
		uint16_t *tm;
		int8_t x[50];
		int32_t *acc;

		rng_seed(7 + i);
		/* 16 * K units, complementary: G = 16, 4 visits a cycle */
		ref_layer_make(&l, 16 * ks[i], 50, ks[i], REF_COMPLEMENTARY,
			       100, false);
		ref_dp_layer(&l, &d, &tm, &rq);
		ASSERT_EQ(16u, l.groups);
		acc = calloc(l.groups * l.k + CSA_DP_ACC_PAD, 4);
		memset(x, 0, sizeof(x));
		for (int j = 0; j < 9; j++)
			x[j * 5] = (int8_t)(j + 1);	/* 9 active inputs */
		csa_dp_sched_init(&st, l.groups, 64);
		csa_dp_linear_dense(&d, x, true, acc, &st);
		EXPECT_EQ(9u, st.visits);
		EXPECT_EQ(3u, csa_dp_cost_mac(&st))
			TH_LOG("K %u: 9 visits, 4 a cycle -> 3, got %llu", ks[i],
			       (unsigned long long)csa_dp_cost_mac(&st));
		csa_dp_sched_init(&st, l.groups, 64);
		st.cycles = 0;
		csa_dp_linear_dense(&d, x, false, acc, &st);
		EXPECT_EQ(13u, csa_dp_cost_mac(&st))
			TH_LOG("K %u, every input: 50 visits -> 13", ks[i]);
		free(acc);
		free(tm);
		free(rq);
		ref_layer_free(&l);
	}
}

/*
 * CONV2D: the visits of one active input, in (ky, kx) order, land on the
 * output positions its window covers; borders drop visits, strides skip
 * kernel offsets; position (oy, ox) is in bank (oy * ceil(kw / sw) + ox)
 * mod 8, so one input's visits walk down consecutive banks.
 */
static uint64_t conv_cycles(uint32_t units, struct csa_dp_conv g,
			    const uint32_t *pts, uint32_t npts,
			    uint64_t *visits, uint64_t *conflicts)
{
	uint32_t cols = g.in_c * g.kh * g.kw;
	struct ref_layer l;
	struct csa_dp_layer d;
	struct csa_dp_rq *rq;
	struct csa_dp_stats st = { 0 };
	uint16_t *tm;
	int32_t *acc;

	rng_seed(11);
	ref_layer_make(&l, units, cols, 1, REF_COMPLEMENTARY, 100, false);
	ref_dp_layer(&l, &d, &tm, &rq);
	acc = calloc((size_t)g.out_h * g.out_w * l.groups + CSA_DP_ACC_PAD, 4);
	csa_dp_sched_init(&st, l.groups, 64);
	for (uint32_t i = 0; i < npts; i++)
		csa_dp_conv_point(&d, &g, 0, pts[2 * i], pts[2 * i + 1], 1, acc,
				  &st);
	*visits = st.visits;
	*conflicts = st.conflicts;
	free(acc);
	free(tm);
	free(rq);
	ref_layer_free(&l);
	return st.cycles;
}

TEST(conv_borders_and_strides)
{
	/* 1x4x4, 3x3, pad 1, stride 1 -> 4x4 */
	const struct csa_dp_conv same = { 1, 4, 4, 4, 4, 3, 3, 1, 1, 1, 1 };
	/* 1x5x5, 3x3, pad 1, stride 2 -> 3x3 */
	const struct csa_dp_conv s2 = { 1, 5, 5, 3, 3, 3, 3, 2, 2, 1, 1 };
	/* 1x4x4, 1x1 -> 4x4: bank oy + ox */
	const struct csa_dp_conv pw = { 1, 4, 4, 4, 4, 1, 1, 1, 1, 0, 0 };
	static const uint32_t corner[] = { 0, 0 };
	static const uint32_t inner[] = { 1, 1 };
	static const uint32_t s2pts[] = { 1, 1, 2, 2 };
	static const uint32_t diag[] = { 0, 1, 1, 0, 0, 2, 2, 0 };
	uint64_t v, cf, cyc;

	/* corner: 4 of 9 offsets inside, (1,1) (1,0) (0,1) (0,0): banks 4 3 1 0 */
	cyc = conv_cycles(16, same, corner, 1, &v, &cf);
	EXPECT_EQ(4u, v) TH_LOG("corner input: 4 visits, got %llu", (unsigned long long)v);
	EXPECT_EQ(1u, cyc) TH_LOG("G 16: 4 distinct banks in one cycle");
	/* inner: 9 visits, banks 8 7 6 5 4 3 2 1 0 (mod 8) */
	cyc = conv_cycles(8, same, inner, 1, &v, &cf);
	EXPECT_EQ(9u, v);
	EXPECT_EQ(2u, cyc) TH_LOG("G 8 (8 a cycle): banks 0 7 6 5 4 3 2 1 | 0, got %llu",
				  (unsigned long long)cyc);
	EXPECT_EQ(0u, cf) TH_LOG("one input's visits never share a bank in a cycle");
	/* stride 2, span 2: (1,1) -> banks 3 2 1 0, (2,2) -> 3 */
	cyc = conv_cycles(16, s2, s2pts, 2, &v, &cf);
	EXPECT_EQ(5u, v) TH_LOG("stride 2 skips odd offsets: 4 + 1 visits");
	EXPECT_EQ(2u, cyc) TH_LOG("4 a cycle: 4 3 1 0 | 4");
	EXPECT_EQ(0u, cf);
	cyc = conv_cycles(8, s2, s2pts, 2, &v, &cf);
	EXPECT_EQ(2u, cyc) TH_LOG("8 a cycle: 4 3 1 0 | 4 (bank 4 again)");
	EXPECT_EQ(1u, cf);
	cyc = conv_cycles(32, s2, s2pts, 2, &v, &cf);
	EXPECT_EQ(3u, cyc) TH_LOG("G 32: 2 a cycle");
	/* 1x1 kernel: inputs (0,1) (1,0) (0,2) (2,0) -> banks 1 1 2 2 */
	cyc = conv_cycles(8, pw, diag, 4, &v, &cf);
	EXPECT_EQ(4u, v);
	EXPECT_EQ(3u, cyc) TH_LOG("1 | 1 2 | 2: two conflicts, got %llu",
				  (unsigned long long)cyc);
	EXPECT_EQ(2u, cf);
	/* G > lanes: 2 full cycles + 1-lane pieces, position banks */
	cyc = conv_cycles(129, same, corner, 1, &v, &cf);
	EXPECT_EQ(4u * 2 + 1, cyc) TH_LOG("G 129: 8 full cycles + one of 4 pieces");
}

TEST_HARNESS_MAIN
