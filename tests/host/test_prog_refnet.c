// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * The reference network (Google Speech Commands sparse CNN) at full size as
 * one job program, with seeded random weights packed by the test's greedy
 * packer, against the dense reference of every layer:
 *
 *   1x32x32 -> CONV2D 5x5 1->64 (50 %, K 2) -> KWTA 9.5 % (boost)
 *           -> MAXPOOL 2 -> CONV2D 5x5 64->64 (80 %, K 5, partial group)
 *           -> KWTA 12.5 % (boost) -> MAXPOOL 2 -> (flatten 1600)
 *           -> LINEAR 1600->1000 (90 %, K 10) or 1600->1500 (95 %, K 20)
 *           -> KWTA k 100 (sparse out) -> LINEAR ->12 dense, int32 logits
 *
 * Prints (as TAP comments) the modelled card cycles, MACs and bytes.
 */
#include <time.h>

#include "kselftest_harness.h"

#include "test_dp_ref.h"

enum { R_PROG, R_X, R_C1, R_C2, R_L1, R_L2, R_A, R_B, R_SP, R_OUT, R_NUM };

static uint8_t scratch[TEST_SCRATCH] __attribute__((aligned(8)));

/* k-WTA reference for big tensors: sort (score desc, index asc), take k */
struct scored {
	int64_t score;
	uint32_t idx;
};

static int by_rank(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void ref_kwta_sort(const int8_t *x, uint32_t c, uint32_t plane,
			  const uint16_t *boost, uint32_t k, int8_t *y,
			  uint8_t *mark)
{
	uint32_t n = c * plane;
	struct scored *s = malloc(sizeof(*s) * n);

	for (uint32_t i = 0; i < n; i++)
		s[i] = (struct scored){ (int64_t)x[i] * (boost ? boost[i / plane] : 1), i };
	qsort(s, n, sizeof(*s), by_rank);
	memset(y, 0, n);
	memset(mark, 0, n);
	for (uint32_t i = 0; i < k; i++) {
		y[s[i].idx] = x[s[i].idx];
		mark[s[i].idx] = 1;
	}
	free(s);
}

static void refnet(struct __test_metadata *_metadata, uint32_t hidden,
		   uint32_t hk, uint64_t seed)
{
	const struct ref_conv g1 = { 1, 32, 32, 5, 5, 1, 1, 0, 0, 28, 28 };
	const struct ref_conv g2 = { 64, 14, 14, 5, 5, 1, 1, 0, 0, 10, 10 };
	const uint32_t k1 = 50176 * 95 / 1000, k2 = 6400 * 125 / 1000;
	struct ref_layer c1, c2, l1, l2;
	struct ref_op ops[9];
	struct csa_prog_result r;
	struct csa_prog_env env;
	struct tmem m = { .fail_slot = ~0u };
	int8_t *x, *a1, *a2, *a3, *a4, *a5, *a6, *a7, *a8;
	uint8_t *mark, *sp;
	int32_t want[12];
	struct timespec t0, t1;
	uint64_t size[R_NUM];

	rng_seed(seed);
	ref_layer_make(&c1, 64, 25, 2, REF_COMPLEMENTARY, 100, true);
	ref_layer_make(&c2, 64, 1600, 5, REF_COMPLEMENTARY, 100, true);
	ref_layer_make(&l1, hidden, 1600, hk, REF_COMPLEMENTARY, 100, false);
	ref_layer_make(&l2, 12, hidden, 1, REF_RANDOM, 100, false);
	ASSERT_EQ(13u, c2.groups) TH_LOG("64 filters at K 5: 13 groups, the last partial");

	x = malloc(1024);
	a1 = malloc(50176); a2 = malloc(50176); a3 = malloc(12544);
	a4 = malloc(6400); a5 = malloc(6400); a6 = malloc(1600);
	a7 = malloc(hidden); a8 = malloc(hidden);
	mark = malloc(50176);
	sp = malloc(CSA_SPARSE_SIZE(100));
	for (int i = 0; i < 1024; i++)	/* a spectrogram-like input */
		x[i] = (int8_t)rng_range(-20, 100);

	/* the reference, layer by layer */
	ref_conv2d(&c1, &g1, x, a1, NULL);
	ref_kwta_sort(a1, 64, 784, c1.boost, k1, a2, mark);
	ref_maxpool(a2, 64, 28, 28, 2, 2, 2, 2, 14, 14, a3);
	ref_conv2d(&c2, &g2, a3, a4, NULL);
	ref_kwta_sort(a4, 64, 100, c2.boost, k2, a5, mark);
	ref_maxpool(a5, 64, 10, 10, 2, 2, 2, 2, 5, 5, a6);
	ref_linear(&l1, a6, a7, NULL);
	ref_kwta_sort(a7, hidden, 1, NULL, 100, a8, mark);
	ref_sparse_marked(a7, mark, hidden, 100, sp);
	ref_linear(&l2, a8, NULL, want);

	ops[0] = (struct ref_op){ .opcode = CSA_PROG_OP_CONV2D,
		.src = CSA_OPERAND(R_X, 0), .dst = CSA_OPERAND(R_A, 0),
		.param = CSA_OPERAND(R_C1, 0), .in_c = 1, .in_h = 32, .in_w = 32,
		.out_c = 64, .out_h = 28, .out_w = 28, .kh = 5, .kw = 5, .sh = 1,
		.sw = 1 };
	ops[1] = (struct ref_op){ .opcode = CSA_PROG_OP_KWTA,
		.flags = CSA_PROG_F_BOOST, .src = CSA_OPERAND(R_A, 0),
		.dst = CSA_OPERAND(R_B, 0),
		.param = CSA_OPERAND(R_C1, c1.boost_off), .in_c = 64,
		.in_h = 28, .in_w = 28, .out_c = 64, .out_h = 28, .out_w = 28,
		.k = k1 };
	ops[2] = (struct ref_op){ .opcode = CSA_PROG_OP_MAXPOOL2D,
		.src = CSA_OPERAND(R_B, 0), .dst = CSA_OPERAND(R_A, 0),
		.in_c = 64, .in_h = 28, .in_w = 28, .out_c = 64, .out_h = 14,
		.out_w = 14, .kh = 2, .kw = 2, .sh = 2, .sw = 2 };
	ops[3] = (struct ref_op){ .opcode = CSA_PROG_OP_CONV2D,
		.src = CSA_OPERAND(R_A, 0), .dst = CSA_OPERAND(R_B, 0),
		.param = CSA_OPERAND(R_C2, 0), .in_c = 64, .in_h = 14,
		.in_w = 14, .out_c = 64, .out_h = 10, .out_w = 10, .kh = 5,
		.kw = 5, .sh = 1, .sw = 1 };
	ops[4] = (struct ref_op){ .opcode = CSA_PROG_OP_KWTA,
		.flags = CSA_PROG_F_BOOST, .src = CSA_OPERAND(R_B, 0),
		.dst = CSA_OPERAND(R_A, 0),
		.param = CSA_OPERAND(R_C2, c2.boost_off), .in_c = 64,
		.in_h = 10, .in_w = 10, .out_c = 64, .out_h = 10, .out_w = 10,
		.k = k2 };
	ops[5] = (struct ref_op){ .opcode = CSA_PROG_OP_MAXPOOL2D,
		.src = CSA_OPERAND(R_A, 0), .dst = CSA_OPERAND(R_B, 0),
		.in_c = 64, .in_h = 10, .in_w = 10, .out_c = 64, .out_h = 5,
		.out_w = 5, .kh = 2, .kw = 2, .sh = 2, .sw = 2 };
	/* flatten: the LINEAR reads the 64x5x5 CHW tensor as 1600 features */
	ops[6] = (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR,
		.src = CSA_OPERAND(R_B, 0), .dst = CSA_OPERAND(R_A, 0),
		.param = CSA_OPERAND(R_L1, 0), .in_c = 64, .in_h = 5,
		.in_w = 5, .out_c = hidden, .out_h = 1, .out_w = 1 };
	ops[7] = (struct ref_op){ .opcode = CSA_PROG_OP_KWTA,
		.flags = CSA_PROG_F_DST_SPARSE, .src = CSA_OPERAND(R_A, 0),
		.dst = CSA_OPERAND(R_SP, 0), .in_c = hidden, .in_h = 1,
		.in_w = 1, .out_c = hidden, .out_h = 1, .out_w = 1, .k = 100 };
	ops[8] = (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR,
		.flags = CSA_PROG_F_SRC_SPARSE | CSA_PROG_F_DST_INT32,
		.src = CSA_OPERAND(R_SP, 0), .dst = CSA_OPERAND(R_OUT, 0),
		.param = CSA_OPERAND(R_L2, 0), .in_c = hidden, .in_h = 1,
		.in_w = 1, .out_c = 12, .out_h = 1, .out_w = 1 };

	size[R_PROG] = CSA_PROG_SIZE(9);
	size[R_X] = 1024;
	size[R_C1] = c1.blob_size;
	size[R_C2] = c2.blob_size;
	size[R_L1] = l1.blob_size;
	size[R_L2] = l2.blob_size;
	size[R_A] = 50176;
	size[R_B] = 50176;
	size[R_SP] = CSA_SPARSE_SIZE(100);
	size[R_OUT] = 48;
	for (int s = 0; s < R_NUM; s++)
		tmem_slot(&m, size[s], s == R_A || s == R_B || s == R_SP ||
			  s == R_OUT ? CSA_ACCESS_READ | CSA_ACCESS_WRITE :
			  CSA_ACCESS_READ);
	ref_prog_write(m.s[R_PROG].buf, ops, 9);
	memcpy(m.s[R_X].buf, x, 1024);
	memcpy(m.s[R_C1].buf, c1.blob, c1.blob_size);
	memcpy(m.s[R_C2].buf, c2.blob, c2.blob_size);
	memcpy(m.s[R_L1].buf, l1.blob, l1.blob_size);
	memcpy(m.s[R_L2].buf, l2.blob, l2.blob_size);

	env = tmem_env(&m, scratch);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	csa_prog_run(&env, R_PROG, 0, size[R_PROG], &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(0u, r.status)
		TH_LOG("program failed: op %u operand %u reason %s",
		       CSA_PROG_DETAIL_OP(r.detail), CSA_PROG_DETAIL_OPND(r.detail),
		       csa_prog_err_name(CSA_PROG_DETAIL_ERR(r.detail)));
	ASSERT_EQ(-1, first_diff(m.s[R_SP].buf, sp, CSA_SPARSE_SIZE(100)))
		TH_LOG("the 100 winners of the hidden layer differ from the reference");
	for (int u = 0; u < 12; u++) {
		ASSERT_EQ((uint32_t)want[u], rle(m.s[R_OUT].buf + 4 * u, 4))
			TH_LOG("logit %d is %d, reference %d", u,
			       (int32_t)rle(m.s[R_OUT].buf + 4 * u, 4), want[u]);
	}
	fprintf(stderr, "# reference network, hidden %u at K %u: %llu card cycles (%.1f us at 250 MHz, 64 lanes), %llu MACs, %llu bytes moved, %.2f ms here\n",
		hidden, hk, (unsigned long long)r.cycles, r.cycles / 250.0,
		(unsigned long long)r.macs, (unsigned long long)r.bytes,
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);

	tmem_free(&m);
	ref_layer_free(&c1); ref_layer_free(&c2);
	ref_layer_free(&l1); ref_layer_free(&l2);
	free(x); free(a1); free(a2); free(a3); free(a4); free(a5); free(a6);
	free(a7); free(a8); free(mark); free(sp);
}

TEST(reference_network_1000_hidden_at_90_percent)
{
	refnet(_metadata, 1000, 10, 2024);
}

TEST(super_sparse_network_1500_hidden_at_95_percent)
{
	refnet(_metadata, 1500, 20, 2025);
}

TEST_HARNESS_MAIN
