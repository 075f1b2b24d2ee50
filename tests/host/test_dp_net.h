/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * A small network as a five-op job program, with its buffers as memory
 * slots and the expected contents of every slot after the run, computed
 * with the references of test_dp_ref.h:
 *
 *   x 1x8x8 -> CONV2D 3x3 pad 1, 6 filters, K 2     -> a1 6x8x8   (slot A1)
 *           -> KWTA global k 40, boosted             -> a2 dense  (slot A2)
 *           -> MAXPOOL2D 2x2 s2                      -> a3 6x4x4  (slot A1, over a1)
 *           -> KWTA local k 2, sparse out            -> sp        (slot SP)
 *           -> LINEAR sparse src 96 -> 10, K 4       -> out       (slot OUT)
 *
 * Every slot has NET_SLACK guard bytes past what the program may touch.
 */
#ifndef TEST_DP_NET_H
#define TEST_DP_NET_H

#include "test_dp_ref.h"

enum { S_PROG, S_X, S_CONV, S_A1, S_A2, S_LIN, S_OUT, S_BOOST, S_SP, S_NUM };

#define NET_OPS		5
#define NET_SLACK	64
#define NET_SP_CAP	32	/* k 2 x 16 positions */

struct net {
	struct tmem m;
	struct ref_layer conv, lin;
	struct ref_op ops[NET_OPS];
	uint64_t prog_len;
	uint8_t *want[S_NUM];	/* expected slot contents after the run */
};

static inline uint8_t *net_slot(struct net *n, uint32_t s)
{
	return n->m.s[s].buf;
}

/* Rewrite the program slot from n->ops (after a test changed an op). */
static inline void net_write_prog(struct net *n)
{
	n->prog_len = ref_prog_write(net_slot(n, S_PROG), n->ops, NET_OPS);
}

static inline void net_build(struct net *n, uint64_t seed)
{
	static const uint32_t access[S_NUM] = {
		[S_PROG] = CSA_ACCESS_READ, [S_X] = CSA_ACCESS_READ,
		[S_CONV] = CSA_ACCESS_READ,
		[S_A1] = CSA_ACCESS_READ | CSA_ACCESS_WRITE,
		[S_A2] = CSA_ACCESS_READ | CSA_ACCESS_WRITE,
		[S_LIN] = CSA_ACCESS_READ, [S_OUT] = CSA_ACCESS_WRITE,
		[S_BOOST] = CSA_ACCESS_READ,
		[S_SP] = CSA_ACCESS_READ | CSA_ACCESS_WRITE,
	};
	const struct ref_conv g = { 1, 8, 8, 3, 3, 1, 1, 1, 1, 8, 8 };
	int8_t x[64], a1[384], a2[384], a3[96], a4[96];
	uint8_t mark[96];
	uint64_t size[S_NUM];

	memset(n, 0, sizeof(*n));
	n->m.fail_slot = ~0u;
	rng_seed(seed);
	ref_layer_make(&n->conv, 6, 9, 2, REF_COMPLEMENTARY, 90, true);
	ref_layer_make(&n->lin, 10, 96, 4, REF_COMPLEMENTARY, 100, false);
	ref_fill(x, sizeof(x), 70);

	n->ops[0] = (struct ref_op){
		.opcode = CSA_PROG_OP_CONV2D, .src = CSA_OPERAND(S_X, 0),
		.dst = CSA_OPERAND(S_A1, 0), .param = CSA_OPERAND(S_CONV, 0),
		.in_c = 1, .in_h = 8, .in_w = 8, .out_c = 6, .out_h = 8,
		.out_w = 8, .kh = 3, .kw = 3, .sh = 1, .sw = 1, .ph = 1, .pw = 1,
	};
	n->ops[1] = (struct ref_op){
		.opcode = CSA_PROG_OP_KWTA, .flags = CSA_PROG_F_BOOST,
		.src = CSA_OPERAND(S_A1, 0), .dst = CSA_OPERAND(S_A2, 0),
		.param = CSA_OPERAND(S_BOOST, 0),
		.in_c = 6, .in_h = 8, .in_w = 8, .out_c = 6, .out_h = 8,
		.out_w = 8, .k = 40,
	};
	n->ops[2] = (struct ref_op){
		.opcode = CSA_PROG_OP_MAXPOOL2D, .src = CSA_OPERAND(S_A2, 0),
		.dst = CSA_OPERAND(S_A1, 0),
		.in_c = 6, .in_h = 8, .in_w = 8, .out_c = 6, .out_h = 4,
		.out_w = 4, .kh = 2, .kw = 2, .sh = 2, .sw = 2,
	};
	n->ops[3] = (struct ref_op){
		.opcode = CSA_PROG_OP_KWTA,
		.flags = CSA_PROG_F_LOCAL | CSA_PROG_F_DST_SPARSE,
		.src = CSA_OPERAND(S_A1, 0), .dst = CSA_OPERAND(S_SP, 0),
		.in_c = 6, .in_h = 4, .in_w = 4, .out_c = 6, .out_h = 4,
		.out_w = 4, .k = 2,
	};
	n->ops[4] = (struct ref_op){
		.opcode = CSA_PROG_OP_LINEAR, .flags = CSA_PROG_F_SRC_SPARSE,
		.src = CSA_OPERAND(S_SP, 0), .dst = CSA_OPERAND(S_OUT, 0),
		.param = CSA_OPERAND(S_LIN, 0),
		.in_c = 6, .in_h = 4, .in_w = 4, .out_c = 10, .out_h = 1,
		.out_w = 1,
	};

	size[S_PROG] = CSA_PROG_SIZE(NET_OPS);
	size[S_X] = 64;
	size[S_CONV] = n->conv.blob_size;
	size[S_A1] = 384;
	size[S_A2] = 384;
	size[S_LIN] = n->lin.blob_size;
	size[S_OUT] = 10;
	size[S_BOOST] = 12;
	size[S_SP] = CSA_SPARSE_SIZE(NET_SP_CAP);
	for (uint32_t s = 0; s < S_NUM; s++) {
		tmem_slot(&n->m, size[s] + NET_SLACK, access[s]);
		n->want[s] = malloc(size[s] + NET_SLACK);
	}
	net_write_prog(n);
	memcpy(net_slot(n, S_X), x, 64);
	memcpy(net_slot(n, S_CONV), n->conv.blob, n->conv.blob_size);
	memcpy(net_slot(n, S_LIN), n->lin.blob, n->lin.blob_size);
	/* the conv layer carries the boost of the k-WTA after it */
	memcpy(net_slot(n, S_BOOST), n->conv.blob + n->conv.boost_off, 12);
	for (uint32_t s = 0; s < S_NUM; s++)
		memcpy(n->want[s], net_slot(n, s), size[s] + NET_SLACK);

	ref_conv2d(&n->conv, &g, x, a1, NULL);
	ref_kwta(a1, 6, 64, n->conv.boost, 40, false, a2, NULL);
	ref_maxpool(a2, 6, 8, 8, 2, 2, 2, 2, 4, 4, a3);
	ref_kwta(a3, 6, 16, NULL, 2, true, a4, mark);
	memcpy(n->want[S_A1], a1, 384);
	memcpy(n->want[S_A1], a3, 96);
	memcpy(n->want[S_A2], a2, 384);
	ref_sparse_marked(a3, mark, 96, NET_SP_CAP, n->want[S_SP]);
	ref_linear(&n->lin, a4, (int8_t *)n->want[S_OUT], NULL);
}

static inline void net_free(struct net *n)
{
	for (uint32_t s = 0; s < S_NUM; s++)
		free(n->want[s]);
	ref_layer_free(&n->conv);
	ref_layer_free(&n->lin);
	tmem_free(&n->m);
}

/*
 * Slots equal to what the program should leave (written = true) or to
 * what they held before it ran (written = false: nothing touched).  Says
 * which slot and byte differ.
 */
static inline bool net_slots_are(struct net *n, uint8_t *const *expect,
				 const char *what)
{
	for (uint32_t s = 0; s < S_NUM; s++) {
		long at = first_diff(n->m.s[s].buf, expect[s], n->m.s[s].size);

		if (at >= 0) {
			fprintf(stderr, "# %s: slot %u byte %ld is 0x%02x, expected 0x%02x\n",
				what, s, at, n->m.s[s].buf[at], expect[s][at]);
			return false;
		}
	}
	return true;
}

#endif /* TEST_DP_NET_H */
