// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * CONV2D datapath (firmware/csa_dp_conv.c): the scatter of active inputs
 * over packed columns, against the test's direct convolution on seeded
 * random geometries (kernel, stride, padding), packings (K = 1, partial
 * groups, greedy) and input sparsities, for dense and sparse inputs; plus
 * the reference network's two convolutions.
 */
#include "kselftest_harness.h"

#include "test_dp_ref.h"

struct conv_case {
	struct ref_conv g;
	uint32_t units, k, fill, xpct;
	enum ref_weights kind;
};

static uint32_t out_len(uint32_t in, uint32_t k, uint32_t s, uint32_t p)
{
	return (in + 2 * p - k) / s + 1;
}

static void check_conv(struct __test_metadata *_metadata,
		       struct conv_case *c, uint64_t seed)
{
	struct ref_conv *g = &c->g;
	uint32_t cols = g->c * g->kh * g->kw, n = g->c * g->h * g->w;
	uint32_t pos, nout, nacc, cnt;
	struct csa_dp_conv dg;
	struct ref_layer l;
	struct csa_dp_layer d;
	struct csa_dp_rq *rq;
	uint16_t *tm;
	int8_t *x, *want, *got, *val;
	int32_t *want32, *got32, *acc;
	uint32_t *idx;
	long at;

	g->oh = out_len(g->h, g->kh, g->sh, g->ph);
	g->ow = out_len(g->w, g->kw, g->sw, g->pw);
	dg = (struct csa_dp_conv){
		.in_c = g->c, .in_h = g->h, .in_w = g->w,
		.out_h = g->oh, .out_w = g->ow, .kh = g->kh, .kw = g->kw,
		.sh = g->sh, .sw = g->sw, .ph = g->ph, .pw = g->pw,
	};
	pos = g->oh * g->ow;
	nout = c->units * pos;
	rng_seed(seed);
	ref_layer_make(&l, c->units, cols, c->k, c->kind, c->fill, false);
	ref_dp_layer(&l, &d, &tm, &rq);
	nacc = pos * l.groups * l.k + CSA_DP_ACC_PAD;
	x = malloc(n);
	ref_fill(x, n, c->xpct);
	idx = malloc(4 * n);
	val = malloc(n);
	cnt = ref_nonzeros(x, n, idx, val);
	want = malloc(nout);
	got = malloc(nout);
	want32 = malloc(4 * nout);
	got32 = malloc(4 * nout);
	acc = malloc(4 * (size_t)nacc);
	ref_conv2d(&l, g, x, want, NULL);
	ref_conv2d(&l, g, x, NULL, want32);
	for (int sparse = 0; sparse < 2; sparse++) {
		struct csa_dp_stats st = { 0 };
		uint32_t maxtag;

		memset(acc, 0, 4 * (size_t)nacc);
		maxtag = sparse ?
			csa_dp_conv_sparse(&d, &dg, idx, val, cnt, acc, &st) :
			csa_dp_conv_dense(&d, &dg, x, true, acc, &st);
		EXPECT_LT(maxtag, l.k)
			TH_LOG("%s input: valid tags reported as %u >= K %u",
			       sparse ? "sparse" : "dense", maxtag, l.k);
		EXPECT_EQ(st.visits * l.groups, st.macs)
			TH_LOG("%s input: macs %llu != visits %llu * groups %u",
			       sparse ? "sparse" : "dense",
			       (unsigned long long)st.macs,
			       (unsigned long long)st.visits, l.groups);
		csa_dp_output(&d, acc, pos, got, NULL);
		at = first_diff(got, want, nout);
		EXPECT_EQ(-1, at)
			TH_LOG("%s input: %ux%ux%u k%ux%u s%ux%u p%ux%u -> %u units, K %u, seed %llu: output %ld is %d, reference %d",
			       sparse ? "sparse" : "dense", g->c, g->h, g->w,
			       g->kh, g->kw, g->sh, g->sw, g->ph, g->pw,
			       c->units, c->k, (unsigned long long)seed, at,
			       at >= 0 ? got[at] : 0, at >= 0 ? want[at] : 0);
		csa_dp_output(&d, acc, pos, NULL, got32);
		EXPECT_EQ(-1, first_diff(got32, want32, 4 * (size_t)nout))
			TH_LOG("%s input: int32 output differs",
			       sparse ? "sparse" : "dense");
	}
	ref_layer_free(&l);
	free(tm); free(rq); free(x); free(idx); free(val); free(want);
	free(got); free(want32); free(got32); free(acc);
}

TEST(reference_network_conv1_1x32x32_to_64_k5x5_k2)
{
	struct conv_case c = { { 1, 32, 32, 5, 5, 1, 1, 0, 0, 0, 0 },
			       64, 2, 100, 100, REF_COMPLEMENTARY };

	check_conv(_metadata, &c, 11);
}

TEST(reference_network_conv2_64x14x14_to_64_k5x5_k5_sparse_input)
{
	/* 80 % sparse filters: K = 5, 64 units -> partial last group */
	struct conv_case c = { { 64, 14, 14, 5, 5, 1, 1, 0, 0, 0, 0 },
			       64, 5, 100, 10, REF_COMPLEMENTARY };

	check_conv(_metadata, &c, 12);
}

TEST(padding_and_stride)
{
	struct conv_case c = { { 3, 9, 11, 3, 4, 2, 3, 1, 2, 0, 0 },
			       10, 3, 80, 50, REF_COMPLEMENTARY };

	for (uint64_t s = 1; s <= 4; s++)
		check_conv(_metadata, &c, s);
}

TEST(random_geometries)
{
	for (int i = 0; i < 80; i++) {
		struct conv_case c;
		struct ref_conv *g = &c.g;

		rng_seed(300 + i);
		memset(&c, 0, sizeof(c));
		g->c = 1 + rng_below(6);
		g->kh = 1 + rng_below(5);
		g->kw = 1 + rng_below(5);
		g->ph = rng_below(g->kh);
		g->pw = rng_below(g->kw);
		g->h = g->kh + rng_below(10);
		g->w = g->kw + rng_below(10);
		g->sh = 1 + rng_below(3);
		g->sw = 1 + rng_below(3);
		c.units = 1 + rng_below(24);
		c.k = 1 + rng_below(20);
		c.kind = rng_pct(50) ? REF_RANDOM : REF_COMPLEMENTARY;
		c.fill = rng_below(101);
		if (c.kind == REF_RANDOM)
			c.fill /= c.k;
		c.xpct = rng_below(101);
		check_conv(_metadata, &c, 700 + i);
	}
}

TEST_HARNESS_MAIN
