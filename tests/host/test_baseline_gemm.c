// SPDX-License-Identifier: MIT
/*
 * The benchmarks' CPU baselines (tools/baseline/): the tuned int8 GEMM /
 * GEMV on every instruction-set path this CPU runs (each forced in turn)
 * against the plain-C reference, on seeded random shapes (fan-in not a
 * multiple of the vector width, edge rows and columns of the blocking,
 * extreme values), and the CSC scatter against the dense product.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "bl.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* int8: mostly random, a quarter at the extremes, some zeros */
static int8_t rnd8(void)
{
	switch (rnd() % 8) {
	case 0:
		return -128;
	case 1:
		return 127;
	case 2:
		return 0;
	default:
		return (int8_t)(rnd() % 256 - 128);
	}
}

static void fill(struct bl_mat *w, uint8_t *b, uint32_t n)
{
	for (uint32_t i = 0; i < w->m; i++)
		for (uint32_t k = 0; k < w->k; k++)
			w->a[(size_t)i * w->kp + k] = rnd8();
	bl_mat_finish(w);
	for (uint32_t j = 0; j < n; j++)
		for (uint32_t k = 0; k < w->kp; k++)
			/* the padding of B may hold anything: A is zero there */
			b[(size_t)j * w->kp + k] = (uint8_t)(k < w->k ? (uint32_t)(rnd8() + 128) : rnd());
}

TEST(gemm_every_path_matches_reference)
{
	for (int isa = BL_SCALAR; isa <= (int)bl_isa_best(); isa++) {
		bl_isa_set((enum bl_isa)isa);
		ASSERT_EQ(isa, (int)bl_isa_get());
		for (int iter = 0; iter < 60; iter++) {
			uint32_t m = 1 + rnd() % 13, k = 1 + rnd() % 300, n = 1 + rnd() % 7;
			struct bl_mat w;
			uint8_t *b;
			int32_t *want, *got;

			if (iter % 10 == 0)
				k = 1600 + rnd() % 100;	/* the benchmarks' fan-in */
			ASSERT_EQ(0, bl_mat_alloc(&w, m, k));
			b = malloc((size_t)n * w.kp);
			want = malloc(4ull * m * n);
			got = malloc(4ull * m * n);
			ASSERT_TRUE(b && want && got);
			fill(&w, b, n);
			bl_gemm_ref(&w, b, n, want, n, 1);
			memset(got, 0x5a, 4ull * m * n);
			/* position-major on odd iterations: the other C layout */
			if (iter % 2) {
				int32_t *t = malloc(4ull * m * n);

				bl_gemm(&w, b, n, t, 1, m);
				for (uint32_t i = 0; i < m; i++)
					for (uint32_t j = 0; j < n; j++)
						got[i * n + j] = t[j * m + i];
				free(t);
			} else {
				bl_gemm(&w, b, n, got, n, 1);
			}
			for (uint32_t i = 0; i < m * n; i++)
				if (want[i] != got[i]) {
					TH_LOG("%s: m %u k %u n %u: C[%u][%u] = %d, want %d",
					       bl_isa_name[isa], m, k, n, i / n, i % n,
					       got[i], want[i]);
					ASSERT_EQ(want[i], got[i]);
				}
			free(b);
			free(want);
			free(got);
			bl_mat_free(&w);
		}
	}
	bl_isa_set(bl_isa_best());
}

TEST(forcing_a_path_beyond_the_cpu_clamps)
{
	bl_isa_set(BL_AVX512VNNI);
	ASSERT_EQ((int)bl_isa_best(), (int)bl_isa_get());
	bl_isa_set(BL_SCALAR);
	ASSERT_EQ(BL_SCALAR, (int)bl_isa_get());
	bl_isa_set(bl_isa_best());
}

TEST(csc_scatter_matches_dense)
{
	for (int iter = 0; iter < 30; iter++) {
		uint32_t m = 1 + rnd() % 200, k = 1 + rnd() % 300;
		struct bl_mat w;
		struct bl_csc s;
		int32_t *want = calloc(m, 4), *got = calloc(m, 4);
		int8_t *x = malloc(k);

		ASSERT_EQ(0, bl_mat_alloc(&w, m, k));
		ASSERT_TRUE(want && got && x);
		for (size_t i = 0; i < (size_t)m * w.kp; i += 1 + rnd() % 9)
			if (i % w.kp < k)
				w.a[i] = rnd8();
		bl_mat_finish(&w);
		for (uint32_t c = 0; c < k; c++)
			x[c] = rnd() % 4 ? 0 : rnd8();
		ASSERT_EQ(0, bl_csc_from_mat(&s, &w));
		for (uint32_t c = 0; c < k; c++) {
			if (x[c])
				bl_csc_col(&s, c, x[c], got);
			for (uint32_t u = 0; u < m; u++)
				want[u] += w.a[(size_t)u * w.kp + c] * x[c];
		}
		for (uint32_t u = 0; u < m; u++)
			if (want[u] != got[u]) {
				TH_LOG("m %u k %u: unit %u = %d, want %d", m, k, u, got[u], want[u]);
				ASSERT_EQ(want[u], got[u]);
			}
		bl_csc_free(&s);
		bl_mat_free(&w);
		free(want);
		free(got);
		free(x);
	}
}

TEST_HARNESS_MAIN
