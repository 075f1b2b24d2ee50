// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Job programs (firmware/csa_prog.c) over an accessor of plain memory
 * slots: the codec against the documented byte offsets, a five-op network
 * end to end against the references, every op variant on its own, every
 * validation rule (status, detail = op << 16 | operand << 8 | reason, and
 * no slot touched: all slots carry a guard pattern and are compared whole),
 * what only execution finds (bad tag, bad sparse input, failed transfer:
 * earlier outputs written, the failing op's not), and the cost model.
 */
#include "kselftest_harness.h"

#include "test_dp_net.h"

static uint8_t scratch[TEST_SCRATCH] __attribute__((aligned(8)));

static void run_net(struct net *n, struct csa_prog_result *res)
{
	struct csa_prog_env env = tmem_env(&n->m, scratch);

	csa_prog_run(&env, S_PROG, 0, n->prog_len, res);
}

static bool result_is(const struct csa_prog_result *r, uint32_t status,
		      uint32_t detail, const char *what)
{
	if (r->status == status && r->detail == detail)
		return true;
	fprintf(stderr, "# %s: got status %u detail op %u operand %u reason %s (%u), expected status %u op %u operand %u reason %s (%u)\n",
		what, r->status, CSA_PROG_DETAIL_OP(r->detail),
		CSA_PROG_DETAIL_OPND(r->detail),
		csa_prog_err_name(CSA_PROG_DETAIL_ERR(r->detail)),
		CSA_PROG_DETAIL_ERR(r->detail), status,
		CSA_PROG_DETAIL_OP(detail), CSA_PROG_DETAIL_OPND(detail),
		csa_prog_err_name(CSA_PROG_DETAIL_ERR(detail)),
		CSA_PROG_DETAIL_ERR(detail));
	return false;
}

/* Snapshot of every slot before a run. */
static void snapshot(struct net *n, uint8_t **snap)
{
	for (uint32_t s = 0; s < S_NUM; s++) {
		snap[s] = malloc(n->m.s[s].size);
		memcpy(snap[s], n->m.s[s].buf, n->m.s[s].size);
	}
}

static void snapshot_free(uint8_t **snap)
{
	for (uint32_t s = 0; s < S_NUM; s++)
		free(snap[s]);
}

TEST(codec_matches_documented_offsets)
{
	struct ref_op o = {
		.opcode = 0x0102, .flags = 0x0304, .src = 0x1112131415161718ull,
		.dst = 0x2122232425262728ull, .param = 0x3132333435363738ull,
		.in_c = 0x41424344, .in_h = 0x45464748, .in_w = 0x494a4b4c,
		.out_c = 0x51525354, .out_h = 0x55565758, .out_w = 0x595a5b5c,
		.kh = 0x61, .kw = 0x62, .sh = 0x63, .sw = 0x64, .ph = 0x65,
		.pw = 0x66, .k = 0x71727374,
	};
	uint8_t raw[CSA_PROG_OP_SIZE], back[CSA_PROG_OP_SIZE];
	struct csa_prog_op op;
	struct csa_layer_hdr h;
	struct ref_layer l;

	ref_op_write(raw, &o);
	csa_prog_op_decode(&op, raw);
	ASSERT_EQ(o.opcode, op.opcode) TH_LOG("opcode not at byte 0");
	ASSERT_EQ(o.flags, op.flags) TH_LOG("flags not at byte 2");
	ASSERT_EQ(o.src, op.src) TH_LOG("src not at byte 8");
	ASSERT_EQ(o.dst, op.dst) TH_LOG("dst not at byte 16");
	ASSERT_EQ(o.param, op.param) TH_LOG("param not at byte 24");
	ASSERT_EQ(o.in_c, op.in_c) TH_LOG("in_c not at 32");
	ASSERT_EQ(o.in_w, op.in_w) TH_LOG("in_w not at 40");
	ASSERT_EQ(o.out_w, op.out_w) TH_LOG("out_w not at 52");
	ASSERT_EQ(o.kh, op.kernel_h) TH_LOG("kernel_h not at 56");
	ASSERT_EQ(o.pw, op.pad_w) TH_LOG("pad_w not at 61");
	ASSERT_EQ(o.k, op.k) TH_LOG("k not at 64");
	ASSERT_EQ(0u, op.reserved2[2]) TH_LOG("reserved2 decoded from nowhere");
	csa_prog_op_encode(back, &op);
	ASSERT_EQ(-1, first_diff(raw, back, sizeof(raw))) TH_LOG("op round trip");

	rng_seed(5);
	ref_layer_make(&l, 7, 30, 3, REF_COMPLEMENTARY, 100, true);
	csa_layer_hdr_decode(&h, l.blob);
	ASSERT_EQ(CSA_LAYER_MAGIC, h.magic) TH_LOG("layer magic at 0");
	ASSERT_EQ(7u, h.units) TH_LOG("units at 12");
	ASSERT_EQ(30u, h.cols) TH_LOG("cols at 16");
	ASSERT_EQ(3u, h.k) TH_LOG("k at 20");
	ASSERT_EQ(l.groups, h.groups) TH_LOG("groups at 22");
	ASSERT_EQ(l.tagmap_off, h.tagmap_off) TH_LOG("tagmap_off at 28");
	ASSERT_EQ(l.boost_off, h.boost_off) TH_LOG("boost_off at 36");
	ASSERT_EQ(l.blob_size, h.total_size) TH_LOG("total_size at 40");
	csa_layer_hdr_encode(back, &h);
	ASSERT_EQ(-1, first_diff(l.blob, back, CSA_LAYER_HDR_SIZE))
		TH_LOG("layer header round trip");
	{
		struct csa_requant q;

		csa_requant_decode(&q, l.blob + l.requant_off + 12);
		ASSERT_EQ(l.bias[1], q.bias) TH_LOG("requant bias at 0");
		ASSERT_EQ(l.mult[1], q.multiplier) TH_LOG("requant multiplier at 4");
		ASSERT_EQ(l.shift[1], q.shift) TH_LOG("requant shift at 8");
	}
	ref_layer_free(&l);
}

TEST(network_program_end_to_end)
{
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct csa_prog_result r;
		struct net n;

		net_build(&n, seed);
		run_net(&n, &r);
		ASSERT_TRUE(result_is(&r, CSA_STATUS_OK, 0, "network"))
			TH_LOG("seed %llu", (unsigned long long)seed);
		ASSERT_EQ((uint32_t)NET_OPS, r.ops_done) TH_LOG("not every op ran");
		ASSERT_TRUE(net_slots_are(&n, n.want, "network"))
			TH_LOG("seed %llu: a slot differs from the reference", (unsigned long long)seed);
		ASSERT_LT(0u, r.macs) TH_LOG("no MACs counted");
		net_free(&n);
	}
}

TEST(plain_memory_accessor_of_the_engine)
{
	struct csa_prog_mem_slot slots[S_NUM];
	struct csa_prog_mem mem = { slots, S_NUM };
	struct csa_prog_result r;
	struct csa_prog_env env;
	struct net n;

	net_build(&n, 10);
	for (uint32_t s = 0; s < S_NUM; s++)
		slots[s] = (struct csa_prog_mem_slot){ n.m.s[s].buf, n.m.s[s].size,
						       n.m.s[s].access, 0 };
	env = tmem_env(&n.m, scratch);
	env.io = &csa_prog_mem_io;
	env.ctx = &mem;
	csa_prog_run(&env, S_PROG, 0, n.prog_len, &r);
	ASSERT_TRUE(result_is(&r, CSA_STATUS_OK, 0, "csa_prog_mem_io"));
	ASSERT_TRUE(net_slots_are(&n, n.want, "csa_prog_mem_io"));

	/* its checks: slot index, range, access, as the card's */
	ASSERT_EQ((uint32_t)CSA_PROG_ERR_BAD_SLOT,
		  csa_prog_mem_io.check(&mem, S_NUM, 0, 1, false))
		TH_LOG("slot past the table");
	ASSERT_EQ((uint32_t)CSA_PROG_ERR_BOUNDS,
		  csa_prog_mem_io.check(&mem, S_X, n.m.s[S_X].size, 1, false))
		TH_LOG("one byte past the end");
	ASSERT_EQ(0u, csa_prog_mem_io.check(&mem, S_X, n.m.s[S_X].size, 0, false))
		TH_LOG("a zero-length access at the end is in range");
	ASSERT_EQ((uint32_t)CSA_PROG_ERR_BOUNDS,
		  csa_prog_mem_io.check(&mem, S_X, UINT64_MAX, 2, false))
		TH_LOG("offset + length wraps");
	ASSERT_EQ((uint32_t)CSA_PROG_ERR_ACCESS,
		  csa_prog_mem_io.check(&mem, S_X, 0, 1, true))
		TH_LOG("write to a read-only slot");
	ASSERT_EQ((uint32_t)CSA_PROG_ERR_ACCESS,
		  csa_prog_mem_io.check(&mem, S_OUT, 0, 1, false))
		TH_LOG("read of a write-only slot");
	net_free(&n);
}

TEST(scratch_at_any_alignment)
{
	for (size_t skew = 1; skew < 8; skew += 3) {
		struct csa_prog_result r;
		struct csa_prog_env env;
		struct net n;

		net_build(&n, 9);
		env = tmem_env(&n.m, scratch);
		env.scratch = scratch + skew;
		env.scratch_size = TEST_SCRATCH - skew;
		csa_prog_run(&env, S_PROG, 0, n.prog_len, &r);
		ASSERT_TRUE(result_is(&r, CSA_STATUS_OK, 0, "misaligned scratch"))
			TH_LOG("scratch at +%zu", skew);
		ASSERT_TRUE(net_slots_are(&n, n.want, "misaligned scratch"));
		net_free(&n);
	}
}

/* ---- one op at a time ---- */

struct one {
	struct tmem m;
	uint8_t *out;
	uint64_t out_len;
	struct csa_prog_result r;
};

/* Run op (src slot 1, param slot 2 with param_access, dst slot 3). */
static void one_run_pa(struct one *o, struct ref_op op, const void *src,
		       uint64_t src_len, const void *param, uint64_t param_len,
		       uint64_t out_len, uint32_t param_access)
{
	struct csa_prog_env env;
	uint8_t prog[CSA_PROG_SIZE(1)];

	memset(o, 0, sizeof(*o));
	o->m.fail_slot = ~0u;
	op.src = CSA_OPERAND(1, 0);
	op.dst = CSA_OPERAND(3, 0);
	if (param)
		op.param = CSA_OPERAND(2, 0);
	ref_prog_write(prog, &op, 1);
	tmem_slot(&o->m, sizeof(prog), CSA_ACCESS_READ);
	memcpy(o->m.s[0].buf, prog, sizeof(prog));
	tmem_slot(&o->m, src_len, CSA_ACCESS_READ);
	memcpy(o->m.s[1].buf, src, src_len);
	tmem_slot(&o->m, param_len, param_access);
	if (param)
		memcpy(o->m.s[2].buf, param, param_len);
	tmem_slot(&o->m, out_len, CSA_ACCESS_WRITE);
	env = tmem_env(&o->m, scratch);
	csa_prog_run(&env, 0, 0, sizeof(prog), &o->r);
	o->out = o->m.s[3].buf;
	o->out_len = out_len;
}

/* Run op (src slot 1, param slot 2 read-only, dst slot 3) and keep dst. */
static void one_run(struct one *o, struct ref_op op, const void *src,
		    uint64_t src_len, const void *param, uint64_t param_len,
		    uint64_t out_len)
{
	one_run_pa(o, op, src, src_len, param, param_len, out_len,
		   CSA_ACCESS_READ);
}

TEST(linear_dense_input_int32_output)
{
	for (int i = 0; i < 20; i++) {
		uint32_t units, cols;
		struct ref_layer l;
		int32_t *want;
		int8_t *x;
		struct one o;

		rng_seed(40 + i);
		units = 1 + rng_below(50);
		cols = 1 + rng_below(200);
		ref_layer_make(&l, units, cols, 1 + rng_below(20),
			       REF_COMPLEMENTARY, 90, false);
		x = malloc(cols);
		want = malloc(4 * units);
		ref_fill(x, cols, 30);
		ref_linear(&l, x, NULL, want);
		one_run(&o, (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR,
			.flags = CSA_PROG_F_DST_INT32, .in_c = cols, .in_h = 1,
			.in_w = 1, .out_c = units, .out_h = 1, .out_w = 1 },
			x, cols, l.blob, l.blob_size, 4ull * units);
		ASSERT_TRUE(result_is(&o.r, 0, 0, "linear int32")) TH_LOG("case %d", i);
		for (uint32_t u = 0; u < units; u++) {
			ASSERT_EQ((uint32_t)want[u], rle(o.out + 4 * u, 4))
				TH_LOG("case %d: unit %u int32 output (LE)", i, u);
		}
		tmem_free(&o.m);
		ref_layer_free(&l);
		free(x);
		free(want);
	}
}

TEST(conv_sparse_input_int8_and_int32)
{
	for (int i = 0; i < 20; i++) {
		struct ref_conv g = { 0 };
		struct ref_layer l;
		uint32_t n, nout, cap;
		uint8_t *sp;
		int8_t *x, *want;
		int32_t *want32;
		struct one o;
		struct ref_op op;

		rng_seed(80 + i);
		g.c = 1 + rng_below(4);
		g.kh = 1 + rng_below(4);
		g.kw = 1 + rng_below(4);
		g.ph = rng_below(g.kh);
		g.pw = rng_below(g.kw);
		g.h = g.kh + rng_below(6);
		g.w = g.kw + rng_below(6);
		g.sh = 1 + rng_below(2);
		g.sw = 1 + rng_below(2);
		g.oh = (g.h + 2 * g.ph - g.kh) / g.sh + 1;
		g.ow = (g.w + 2 * g.pw - g.kw) / g.sw + 1;
		n = g.c * g.h * g.w;
		ref_layer_make(&l, 1 + rng_below(12), g.c * g.kh * g.kw,
			       1 + rng_below(8), REF_COMPLEMENTARY, 100, false);
		nout = l.units * g.oh * g.ow;
		x = malloc(n);
		ref_fill(x, n, 20);
		cap = n;	/* capacity larger than the count */
		sp = malloc(CSA_SPARSE_SIZE(cap));
		ref_to_sparse(x, n, cap, sp);
		want = malloc(nout);
		want32 = malloc(4 * nout);
		ref_conv2d(&l, &g, x, want, NULL);
		ref_conv2d(&l, &g, x, NULL, want32);
		op = (struct ref_op){ .opcode = CSA_PROG_OP_CONV2D,
			.flags = CSA_PROG_F_SRC_SPARSE, .in_c = g.c, .in_h = g.h,
			.in_w = g.w, .out_c = l.units, .out_h = g.oh,
			.out_w = g.ow, .kh = g.kh, .kw = g.kw, .sh = g.sh,
			.sw = g.sw, .ph = g.ph, .pw = g.pw };
		one_run(&o, op, sp, CSA_SPARSE_SIZE(cap), l.blob, l.blob_size, nout);
		ASSERT_TRUE(result_is(&o.r, 0, 0, "conv sparse")) TH_LOG("case %d", i);
		ASSERT_EQ(-1, first_diff(o.out, want, nout))
			TH_LOG("case %d: conv output differs from the reference", i);
		tmem_free(&o.m);
		op.flags |= CSA_PROG_F_DST_INT32;
		one_run(&o, op, sp, CSA_SPARSE_SIZE(cap), l.blob, l.blob_size,
			4ull * nout);
		ASSERT_TRUE(result_is(&o.r, 0, 0, "conv sparse int32")) TH_LOG("case %d", i);
		for (uint32_t j = 0; j < nout; j++) {
			ASSERT_EQ((uint32_t)want32[j], rle(o.out + 4 * j, 4))
				TH_LOG("case %d: int32 output %u", i, j);
		}
		tmem_free(&o.m);
		ref_layer_free(&l);
		free(x); free(sp); free(want); free(want32);
	}
}

TEST(kwta_variants)
{
	for (int i = 0; i < 40; i++) {
		uint32_t c, h, w, n, k, cap;
		bool local, sparse, boosted;
		uint16_t boost[16];
		uint8_t braw[32], *want_sp = NULL;
		int8_t *x, *want;
		uint8_t *mark;
		struct one o;

		rng_seed(120 + i);
		c = 1 + rng_below(16);
		h = 1 + rng_below(6);
		w = 1 + rng_below(6);
		n = c * h * w;
		local = i & 1;
		sparse = i & 2;
		boosted = i & 4;
		k = 1 + rng_below(local ? c : n);
		cap = local ? k * h * w : k;
		for (uint32_t j = 0; j < c; j++) {
			boost[j] = (uint16_t)rng_range(0, 2000);
			wle(braw + 2 * j, boost[j], 2);
		}
		x = malloc(n);
		want = malloc(n);
		mark = malloc(n);
		ref_fill(x, n, 60);
		ref_kwta(x, c, h * w, boosted ? boost : NULL, k, local, want, mark);
		one_run(&o, (struct ref_op){ .opcode = CSA_PROG_OP_KWTA,
			.flags = (local ? CSA_PROG_F_LOCAL : 0) |
				 (sparse ? CSA_PROG_F_DST_SPARSE : 0) |
				 (boosted ? CSA_PROG_F_BOOST : 0),
			.in_c = c, .in_h = h, .in_w = w, .out_c = c, .out_h = h,
			.out_w = w, .k = k },
			x, n, boosted ? braw : NULL, boosted ? 2 * c : 0,
			sparse ? CSA_SPARSE_SIZE(cap) : n);
		ASSERT_TRUE(result_is(&o.r, 0, 0, "kwta")) TH_LOG("case %d", i);
		if (sparse) {
			want_sp = malloc(CSA_SPARSE_SIZE(cap));
			ref_sparse_marked(x, mark, n, cap, want_sp);
			ASSERT_EQ(-1, first_diff(o.out, want_sp, CSA_SPARSE_SIZE(cap)))
				TH_LOG("case %d (%s, k %u): sparse output differs",
				       i, local ? "local" : "global", k);
		} else {
			ASSERT_EQ(-1, first_diff(o.out, want, n))
				TH_LOG("case %d (%s, k %u): dense output differs",
				       i, local ? "local" : "global", k);
		}
		tmem_free(&o.m);
		free(x); free(want); free(mark); free(want_sp);
	}
}

/* ---- validation: each malformed field, exact detail, nothing touched ---- */

enum fix { F_PROG, F_CONV, F_LIN, F_ENV_TENSOR, F_ENV_K, F_ENV_SCRATCH,
	   F_LEN };

struct bad {
	const char *what;
	enum fix where;
	uint32_t off;		/* byte in the program/layer; F_LEN: new length */
	uint32_t nbytes;
	uint64_t value;
	uint32_t op, opnd, err;
};

#define OPF(i, o)	(CSA_PROG_HDR_SIZE + (i) * CSA_PROG_OP_SIZE + (o))
#define HDR		CSA_PROG_DETAIL_HDR
#define NONE		CSA_PROG_OPND_NONE
#define SRC		CSA_PROG_OPND_SRC
#define DST		CSA_PROG_OPND_DST
#define PARAM		CSA_PROG_OPND_PARAM

static const struct bad bads[] = {
	{ "program magic", F_PROG, 0, 4, 0x12345678, HDR, NONE, CSA_PROG_ERR_MAGIC },
	{ "program version 2", F_PROG, 4, 2, 2, HDR, NONE, CSA_PROG_ERR_VERSION },
	{ "program hdr_size 40", F_PROG, 6, 2, 40, HDR, NONE, CSA_PROG_ERR_SIZE },
	{ "program op_size 96", F_PROG, 12, 2, 96, HDR, NONE, CSA_PROG_ERR_SIZE },
	{ "program flags", F_PROG, 14, 2, 1, HDR, NONE, CSA_PROG_ERR_RESERVED },
	{ "program reserved[0]", F_PROG, 16, 4, 1, HDR, NONE, CSA_PROG_ERR_RESERVED },
	{ "program reserved[3]", F_PROG, 28, 4, 1 << 31, HDR, NONE, CSA_PROG_ERR_RESERVED },
	{ "num_ops 0", F_PROG, 8, 4, 0, HDR, NONE, CSA_PROG_ERR_NUM_OPS },
	{ "num_ops 257", F_PROG, 8, 4, 257, HDR, NONE, CSA_PROG_ERR_NUM_OPS },
	{ "num_ops 4 != length", F_PROG, 8, 4, 4, HDR, NONE, CSA_PROG_ERR_SIZE },
	{ "length one short", F_LEN, CSA_PROG_SIZE(NET_OPS) - 1, 0, 0, HDR, NONE, CSA_PROG_ERR_SIZE },
	{ "length one long", F_LEN, CSA_PROG_SIZE(NET_OPS) + 1, 0, 0, HDR, NONE, CSA_PROG_ERR_SIZE },
	{ "length below header", F_LEN, 31, 0, 0, HDR, NONE, CSA_PROG_ERR_SIZE },
	{ "opcode 0", F_PROG, OPF(2, 0), 2, 0, 2, NONE, CSA_PROG_ERR_OPCODE },
	{ "opcode 5", F_PROG, OPF(2, 0), 2, 5, 2, NONE, CSA_PROG_ERR_OPCODE },
	{ "opcode 0xffff", F_PROG, OPF(4, 0), 2, 0xffff, 4, NONE, CSA_PROG_ERR_OPCODE },
	{ "op reserved0", F_PROG, OPF(1, 4), 4, 1, 1, NONE, CSA_PROG_ERR_RESERVED },
	{ "op reserved1[1]", F_PROG, OPF(1, 63), 1, 1, 1, NONE, CSA_PROG_ERR_RESERVED },
	{ "op reserved2[2]", F_PROG, OPF(3, 76), 4, 1, 3, NONE, CSA_PROG_ERR_RESERVED },
	{ "unknown flag", F_PROG, OPF(4, 2), 2, 0x8001, 4, NONE, CSA_PROG_ERR_FLAGS },
	{ "DST_SPARSE on LINEAR", F_PROG, OPF(4, 2), 2, 3, 4, NONE, CSA_PROG_ERR_FLAGS },
	{ "LOCAL on MAXPOOL2D", F_PROG, OPF(2, 2), 2, CSA_PROG_F_LOCAL, 2, NONE, CSA_PROG_ERR_FLAGS },
	{ "NO_SKIP on KWTA", F_PROG, OPF(1, 2), 2, CSA_PROG_F_BOOST | CSA_PROG_F_NO_SKIP, 1, NONE, CSA_PROG_ERR_FLAGS },
	{ "NO_SKIP on MAXPOOL2D", F_PROG, OPF(2, 2), 2, CSA_PROG_F_NO_SKIP, 2, NONE, CSA_PROG_ERR_FLAGS },
	{ "NO_SKIP with SRC_SPARSE", F_PROG, OPF(4, 2), 2, CSA_PROG_F_SRC_SPARSE | CSA_PROG_F_NO_SKIP, 4, NONE, CSA_PROG_ERR_FLAGS },
	{ "unknown flag bit 6", F_PROG, OPF(0, 2), 2, 1u << 6, 0, NONE, CSA_PROG_ERR_FLAGS },
	{ "SRC_SPARSE on KWTA", F_PROG, OPF(1, 2), 2, CSA_PROG_F_BOOST | CSA_PROG_F_SRC_SPARSE, 1, NONE, CSA_PROG_ERR_FLAGS },
	{ "param on MAXPOOL2D", F_PROG, OPF(2, 24), 8, CSA_OPERAND(S_BOOST, 0), 2, PARAM, CSA_PROG_ERR_RESERVED },
	{ "in_c 0", F_PROG, OPF(0, 32), 4, 0, 0, NONE, CSA_PROG_ERR_SHAPE },
	{ "out_w > max_dim", F_PROG, OPF(1, 52), 4, 65536, 1, NONE, CSA_PROG_ERR_SHAPE },
	{ "tensor > max_tensor", F_ENV_TENSOR, 0, 0, 383, 0, NONE, CSA_PROG_ERR_TENSOR },
	{ "kernel on LINEAR", F_PROG, OPF(4, 56), 1, 1, 4, NONE, CSA_PROG_ERR_WINDOW },
	{ "pad on KWTA", F_PROG, OPF(1, 61), 1, 1, 1, NONE, CSA_PROG_ERR_WINDOW },
	{ "conv kernel 0", F_PROG, OPF(0, 56), 1, 0, 0, NONE, CSA_PROG_ERR_WINDOW },
	{ "conv stride 0", F_PROG, OPF(0, 59), 1, 0, 0, NONE, CSA_PROG_ERR_WINDOW },
	{ "conv pad == kernel", F_PROG, OPF(0, 60), 1, 3, 0, NONE, CSA_PROG_ERR_WINDOW },
	{ "pool padding", F_PROG, OPF(2, 60), 1, 1, 2, NONE, CSA_PROG_ERR_WINDOW },
	{ "pool window > input", F_PROG, OPF(2, 56), 1, 9, 2, NONE, CSA_PROG_ERR_WINDOW },
	{ "k on LINEAR", F_PROG, OPF(4, 64), 4, 1, 4, NONE, CSA_PROG_ERR_K },
	{ "KWTA k 0", F_PROG, OPF(1, 64), 4, 0, 1, NONE, CSA_PROG_ERR_K },
	{ "KWTA k > numel", F_PROG, OPF(1, 64), 4, 385, 1, NONE, CSA_PROG_ERR_K },
	{ "local KWTA k > channels", F_PROG, OPF(3, 64), 4, 7, 3, NONE, CSA_PROG_ERR_K },
	{ "LINEAR out_h 2", F_PROG, OPF(4, 48), 4, 2, 4, NONE, CSA_PROG_ERR_SHAPE },
	{ "KWTA out_c != in_c", F_PROG, OPF(1, 44), 4, 5, 1, NONE, CSA_PROG_ERR_SHAPE },
	{ "conv out_h wrong", F_PROG, OPF(0, 48), 4, 7, 0, NONE, CSA_PROG_ERR_SHAPE },
	{ "pool out_c != in_c", F_PROG, OPF(2, 44), 4, 5, 2, NONE, CSA_PROG_ERR_SHAPE },
	{ "LINEAR fan-in > max cols", F_PROG, OPF(4, 36), 4, 30000, 4, NONE, CSA_PROG_ERR_COLS },
	{ "src slot >= slots", F_PROG, OPF(0, 8), 8, CSA_OPERAND(20, 0), 0, SRC, CSA_PROG_ERR_BAD_SLOT },
	{ "src past its slot", F_PROG, OPF(0, 8), 8, CSA_OPERAND(S_X, 90), 0, SRC, CSA_PROG_ERR_BOUNDS },
	{ "dst in a read-only slot", F_PROG, OPF(4, 16), 8, CSA_OPERAND(S_X, 0), 4, DST, CSA_PROG_ERR_ACCESS },
	{ "layer in a write-only slot", F_PROG, OPF(0, 24), 8, CSA_OPERAND(S_OUT, 0), 0, PARAM, CSA_PROG_ERR_ACCESS },
	{ "boost past its slot", F_PROG, OPF(1, 24), 8, CSA_OPERAND(S_BOOST, 70), 1, PARAM, CSA_PROG_ERR_BOUNDS },
	{ "sparse dst past its slot", F_PROG, OPF(3, 16), 8, CSA_OPERAND(S_SP, 1 + NET_SLACK), 3, DST, CSA_PROG_ERR_BOUNDS },
	{ "layer magic", F_CONV, 0, 4, 0, 0, PARAM, CSA_PROG_ERR_MAGIC },
	{ "layer version", F_CONV, 4, 2, 9, 0, PARAM, CSA_PROG_ERR_VERSION },
	{ "layer hdr_size", F_CONV, 6, 2, 32, 0, PARAM, CSA_PROG_ERR_SIZE },
	{ "layer flags", F_CONV, 8, 4, 1, 0, PARAM, CSA_PROG_ERR_RESERVED },
	{ "layer reserved[4]", F_LIN, 60, 4, 1, 4, PARAM, CSA_PROG_ERR_RESERVED },
	{ "layer units != out_c", F_CONV, 12, 4, 7, 0, PARAM, CSA_PROG_ERR_LAYER },
	{ "layer cols != in_c*kh*kw", F_CONV, 16, 4, 10, 0, PARAM, CSA_PROG_ERR_LAYER },
	{ "layer k 0", F_LIN, 20, 2, 0, 4, PARAM, CSA_PROG_ERR_PACK_K },
	{ "layer k > max_k", F_LIN, 20, 2, 21, 4, PARAM, CSA_PROG_ERR_PACK_K },
	{ "card max_k below layer k", F_ENV_K, 0, 0, 1, 0, PARAM, CSA_PROG_ERR_PACK_K },
	{ "layer groups 0", F_LIN, 22, 2, 0, 4, PARAM, CSA_PROG_ERR_PACK_K },
	{ "groups * k < units", F_LIN, 22, 2, 2, 4, PARAM, CSA_PROG_ERR_PACK_K },
	{ "groups > units", F_LIN, 22, 2, 11, 4, PARAM, CSA_PROG_ERR_PACK_K },
	{ "weights past total_size", F_LIN, 24, 4, 0x10000, 4, PARAM, CSA_PROG_ERR_LAYOUT },
	{ "tagmap inside the header", F_LIN, 28, 4, 0, 4, PARAM, CSA_PROG_ERR_LAYOUT },
	{ "total_size below the requant end", F_LIN, 40, 4, 600, 4, PARAM, CSA_PROG_ERR_LAYOUT },
	{ "total_size past the slot", F_LIN, 40, 4, 100000, 4, PARAM, CSA_PROG_ERR_BOUNDS },
	{ "scratch below the program", F_ENV_SCRATCH, 0, 0, 512, HDR, NONE, CSA_PROG_ERR_SCRATCH },
	{ "scratch below an op", F_ENV_SCRATCH, 0, 0, 2048, 0, NONE, CSA_PROG_ERR_SCRATCH },
};

/* Apply one bad field to a fresh network. */
static void apply(struct net *n, const struct bad *b,
		  struct csa_prog_env *env, uint64_t *len)
{
	*env = tmem_env(&n->m, scratch);
	*len = n->prog_len;
	switch (b->where) {
	case F_PROG:
		wle(net_slot(n, S_PROG) + b->off, b->value, b->nbytes);
		break;
	case F_CONV:
		wle(net_slot(n, S_CONV) + b->off, b->value, b->nbytes);
		break;
	case F_LIN:
		wle(net_slot(n, S_LIN) + b->off, b->value, b->nbytes);
		break;
	case F_ENV_TENSOR:
		env->max_tensor = (uint32_t)b->value;
		break;
	case F_ENV_K:
		env->max_k = (uint32_t)b->value;
		break;
	case F_ENV_SCRATCH:
		env->scratch_size = b->value;
		break;
	case F_LEN:
		*len = b->off;
		break;
	}
}

TEST(every_malformed_field_fails_with_its_detail_and_writes_nothing)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		struct csa_prog_result r;
		struct csa_prog_env env;
		uint8_t *snap[S_NUM];
		struct net n;
		uint64_t len;

		net_build(&n, 77);
		apply(&n, b, &env, &len);
		snapshot(&n, snap);
		csa_prog_run(&env, S_PROG, 0, len, &r);
		EXPECT_TRUE(result_is(&r, CSA_STATUS_PROGRAM,
				      CSA_PROG_DETAIL(b->op, b->opnd, b->err), b->what))
			TH_LOG("malformed: %s", b->what);
		EXPECT_EQ(0u, r.ops_done) TH_LOG("%s: ops ran", b->what);
		EXPECT_TRUE(net_slots_are(&n, snap, b->what))
			TH_LOG("%s: a refused program wrote to a slot", b->what);
		EXPECT_EQ(0u, n.m.writes) TH_LOG("%s: %llu writes", b->what,
						 (unsigned long long)n.m.writes);
		snapshot_free(snap);
		net_free(&n);
	}
}

TEST(bad_tag_map_and_requant_records)
{
	struct {
		const char *what;
		uint32_t what_off;	/* 0 tagmap entry, 1 requant byte */
		uint32_t idx;
		uint32_t value;
	} cases[] = {
		{ "tag map names a unit twice", 0, 1, 0xfffe },
		{ "tag map unit >= units", 0, 0, 10 },
		{ "tag map misses a unit", 0, 0, CSA_TAGMAP_NONE },
		{ "requant shift 32", 1, 3 * 12 + 8, 32 },
		{ "requant reserved byte", 1, 5 * 12 + 10, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct csa_prog_result r;
		uint8_t *snap[S_NUM];
		struct net n;
		uint8_t *lin;

		net_build(&n, 78);
		lin = net_slot(&n, S_LIN);
		if (cases[i].what_off == 0) {
			uint32_t v = cases[i].value;

			if (v == 0xfffe)	/* entry 1 = entry 0's unit */
				v = (uint32_t)rle(lin + n.lin.tagmap_off, 2);
			wle(lin + n.lin.tagmap_off + 2 * cases[i].idx, v, 2);
		} else {
			lin[n.lin.requant_off + cases[i].idx] = (uint8_t)cases[i].value;
		}
		snapshot(&n, snap);
		run_net(&n, &r);
		EXPECT_TRUE(result_is(&r, CSA_STATUS_PROGRAM,
				      CSA_PROG_DETAIL(4, PARAM, cases[i].what_off ?
						      CSA_PROG_ERR_REQUANT :
						      CSA_PROG_ERR_TAGMAP),
				      cases[i].what))
			TH_LOG("%s", cases[i].what);
		EXPECT_TRUE(net_slots_are(&n, snap, cases[i].what))
			TH_LOG("%s: slot written", cases[i].what);
		snapshot_free(snap);
		net_free(&n);
	}
}

/* ---- what only execution finds ---- */

TEST(bad_tag_fails_its_op_after_earlier_outputs)
{
	struct csa_prog_result r;
	uint8_t *expect[S_NUM];
	struct net n;
	uint8_t *lin;

	net_build(&n, 79);
	lin = net_slot(&n, S_LIN);
	/* tag k (4) in group 0 of every column: any visited column has it */
	for (uint32_t c = 0; c < 96; c++)
		lin[n.lin.weights_off + c * n.lin.groups * 2 + 1] = 4;
	for (uint32_t s = 0; s < S_NUM; s++)
		expect[s] = n.want[s];
	expect[S_OUT] = malloc(n.m.s[S_OUT].size);
	memcpy(expect[S_OUT], net_slot(&n, S_OUT), n.m.s[S_OUT].size);
	expect[S_LIN] = malloc(n.m.s[S_LIN].size);
	memcpy(expect[S_LIN], lin, n.m.s[S_LIN].size);
	run_net(&n, &r);
	ASSERT_TRUE(result_is(&r, CSA_STATUS_PROGRAM,
			      CSA_PROG_DETAIL(4, PARAM, CSA_PROG_ERR_TAG), "bad tag"));
	ASSERT_EQ(4u, r.ops_done) TH_LOG("ops 0..3 should have completed");
	ASSERT_TRUE(net_slots_are(&n, expect, "bad tag"))
		TH_LOG("ops 0..3 outputs must be written, op 4's not");
	free(expect[S_OUT]);
	free(expect[S_LIN]);
	net_free(&n);
}

static void sparse_case(struct __test_metadata *_metadata, const char *what,
			void (*corrupt)(uint8_t *sp), uint32_t err)
{
	struct ref_layer l;
	int8_t x[50] = { 0 };
	uint8_t sp[CSA_SPARSE_SIZE(10)];
	struct one o;

	rng_seed(91);
	ref_layer_make(&l, 8, 50, 4, REF_COMPLEMENTARY, 100, false);
	x[3] = 5;
	x[7] = -9;
	x[49] = 100;
	ref_to_sparse(x, 50, 10, sp);
	corrupt(sp);
	one_run(&o, (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR,
		.flags = CSA_PROG_F_SRC_SPARSE, .in_c = 50, .in_h = 1, .in_w = 1,
		.out_c = 8, .out_h = 1, .out_w = 1 },
		sp, sizeof(sp), l.blob, l.blob_size, 8);
	EXPECT_TRUE(result_is(&o.r, err ? CSA_STATUS_PROGRAM : CSA_STATUS_OK,
			      err ? CSA_PROG_DETAIL(0, SRC, err) : 0, what))
		TH_LOG("sparse input: %s", what);
	if (err) {
		for (int i = 0; i < 8; i++) {
			EXPECT_EQ(0xa5, o.out[i]) TH_LOG("%s: output written", what);
		}
	}
	tmem_free(&o.m);
	ref_layer_free(&l);
}

static void sp_ok(uint8_t *sp) { (void)sp; }
static void sp_magic(uint8_t *sp) { sp[0] ^= 1; }
static void sp_count(uint8_t *sp) { wle(sp + 4, 11, 4); }
static void sp_numel(uint8_t *sp) { wle(sp + 12, 51, 4); }
static void sp_order(uint8_t *sp) { wle(sp + 20, 3, 4); }	/* 3, 3 */
static void sp_desc(uint8_t *sp) { wle(sp + 16, 8, 4); }	/* 8, 7 */
static void sp_range(uint8_t *sp) { wle(sp + 24, 50, 4); }	/* idx 50 */

TEST(bad_sparse_input)
{
	sparse_case(_metadata, "valid", sp_ok, 0);
	sparse_case(_metadata, "magic", sp_magic, CSA_PROG_ERR_SPARSE);
	sparse_case(_metadata, "count > capacity", sp_count, CSA_PROG_ERR_SPARSE);
	sparse_case(_metadata, "numel != op input", sp_numel, CSA_PROG_ERR_SPARSE);
	sparse_case(_metadata, "repeated index", sp_order, CSA_PROG_ERR_SPARSE);
	sparse_case(_metadata, "descending indices", sp_desc, CSA_PROG_ERR_SPARSE);
	sparse_case(_metadata, "index >= numel", sp_range, CSA_PROG_ERR_SPARSE);
}

TEST(dense_data_read_as_sparse_input_fails_at_its_op)
{
	struct csa_prog_result r;
	struct net n;

	/* op 4 reads the int8 input x as its sparse activation: no magic */
	net_build(&n, 80);
	n.ops[4].src = CSA_OPERAND(S_X, 0);
	net_write_prog(&n);
	run_net(&n, &r);
	ASSERT_TRUE(result_is(&r, CSA_STATUS_PROGRAM,
			      CSA_PROG_DETAIL(4, SRC, CSA_PROG_ERR_SPARSE),
			      "int8 data read as a sparse activation"));
	net_free(&n);
}

TEST(failed_transfer)
{
	struct csa_prog_result r;
	uint8_t *snap[S_NUM];
	struct net n;

	net_build(&n, 81);
	n.m.fail_slot = S_LIN;
	snapshot(&n, snap);
	run_net(&n, &r);
	ASSERT_TRUE(result_is(&r, CSA_STATUS_PROGRAM,
			      CSA_PROG_DETAIL(4, PARAM, CSA_PROG_ERR_DMA),
			      "layer unreadable"));
	ASSERT_TRUE(net_slots_are(&n, snap, "layer unreadable"))
		TH_LOG("found while validating: nothing may be written");
	snapshot_free(snap);
	net_free(&n);
}

/* Cancel callback: true from poll number @after on. */
struct cancel_at {
	uint32_t after;
	uint32_t polls;
};

static bool cancel_after(void *ctx)
{
	struct cancel_at *c = ctx;

	return c->polls++ >= c->after;
}

TEST(cancel_stops_the_run)
{
	/* poll 0 is before op 0, a CONV2D; poll 2 between its input rows */
	static const struct { uint32_t after; const char *what; } at[] = {
		{ 0, "cancelled before op 0" },
		{ 2, "cancelled inside the CONV2D" },
	};
	struct cancel_at c;
	struct csa_prog_result r;
	struct csa_prog_env env;
	uint8_t *snap[S_NUM];
	struct net n;

	net_build(&n, 82);
	snapshot(&n, snap);
	env = tmem_env(&n.m, scratch);
	env.cancelled = cancel_after;
	env.cancel_ctx = &c;
	for (unsigned int i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		c = (struct cancel_at){ .after = at[i].after };
		csa_prog_run(&env, S_PROG, 0, n.prog_len, &r);
		ASSERT_TRUE(result_is(&r, CSA_STATUS_PROGRAM,
				      CSA_PROG_DETAIL(0, NONE, CSA_PROG_ERR_CANCELLED),
				      at[i].what));
		ASSERT_TRUE(net_slots_are(&n, snap, at[i].what))
			TH_LOG("%s: something was written", at[i].what);
	}
	/* never cancelled: polled before every op and every row */
	c = (struct cancel_at){ .after = UINT32_MAX };
	csa_prog_run(&env, S_PROG, 0, n.prog_len, &r);
	ASSERT_TRUE(result_is(&r, 0, 0, "not cancelled"));
	ASSERT_LT(5u, c.polls) TH_LOG("only %u polls", c.polls);
	/* cancelled in the middle: stops there */
	c = (struct cancel_at){ .after = c.polls - 1 };
	csa_prog_run(&env, S_PROG, 0, n.prog_len, &r);
	ASSERT_EQ((uint32_t)CSA_STATUS_PROGRAM, r.status);
	ASSERT_EQ((uint32_t)CSA_PROG_ERR_CANCELLED, CSA_PROG_DETAIL_ERR(r.detail));
	snapshot_free(snap);
	net_free(&n);
}

/* ---- cost model ---- */

TEST(cycles_follow_the_cost_model)
{
	int8_t x[2 * 6 * 6];
	struct one o;
	uint64_t want;

	/*
	 * MAXPOOL 2x6x6, 2x2/2: program 112 B, then 72 B in (head: max of
	 * the reads and the compares), 18 B out (tail)
	 */
	ref_fill(x, sizeof(x), 100);
	one_run(&o, (struct ref_op){ .opcode = CSA_PROG_OP_MAXPOOL2D,
		.in_c = 2, .in_h = 6, .in_w = 6, .out_c = 2, .out_h = 3,
		.out_w = 3, .kh = 2, .kw = 2, .sh = 2, .sw = 2 },
		x, sizeof(x), NULL, 0, 18);
	ASSERT_TRUE(result_is(&o.r, 0, 0, "maxpool"));
	want = 2 /* 112 B program */ + CSA_DP_CYCLES_OP +
	       2 /* max(18 x 4 compares / 64 lanes, 72 B / 64) */ +
	       1 /* 18 B */;
	ASSERT_EQ(want, o.r.cycles) TH_LOG("maxpool cycles %llu, model says %llu",
					   (unsigned long long)o.r.cycles,
					   (unsigned long long)want);
	ASSERT_EQ(112u + 72 + 18, o.r.bytes) TH_LOG("bytes moved");
	tmem_free(&o.m);
}

/*
 * k-WTA's working set: a 96x112x112 activation (1.2 Mi elements) fits the
 * card's 8 MiB, global dense (in place), global sparse and local.
 */
TEST(kwta_96x112x112_fits_8mib)
{
	const uint32_t c = 96, plane = 112 * 112, n = c * plane, k = n / 100;
	int8_t *x = malloc(n);
	struct one o;

	ASSERT_NE(NULL, x);
	rng_seed(96);
	for (uint32_t i = 0; i < n; i++)
		x[i] = rng_i8_nz();
	for (int v = 0; v < 3; v++) {
		bool sparse = v == 1, local = v == 2;
		uint32_t kk = local ? 5 : k;
		uint64_t out_len = sparse ? CSA_SPARSE_SIZE(k) : n;
		uint32_t wins = 0;
		int minw = 127, maxl = -128;

		one_run(&o, (struct ref_op){ .opcode = CSA_PROG_OP_KWTA,
			.flags = (sparse ? CSA_PROG_F_DST_SPARSE : 0) |
				 (local ? CSA_PROG_F_LOCAL : 0),
			.in_c = c, .in_h = 112, .in_w = 112, .out_c = c,
			.out_h = 112, .out_w = 112, .k = kk },
			x, n, NULL, 0, out_len);
		ASSERT_TRUE(result_is(&o.r, 0, 0, v == 0 ? "global dense" :
				      sparse ? "global sparse" : "local dense"));
		if (sparse) {
			ASSERT_EQ(k, (uint32_t)rle(o.out + 4, 4))
				TH_LOG("sparse count");
		} else if (!local) {
			for (uint32_t i = 0; i < n; i++) {
				int8_t y = (int8_t)o.out[i];

				if (y) {
					ASSERT_EQ(x[i], y);
					wins++;
					minw = y < minw ? y : minw;
				} else {
					maxl = x[i] > maxl ? x[i] : maxl;
				}
			}
			ASSERT_EQ(k, wins);
			ASSERT_LE(maxl, minw) TH_LOG("a loser beats a winner");
		}
		tmem_free(&o.m);
	}
	free(x);
}

/* Overlapped stages: max(previous tail, head) + mid, the last tail added */
TEST(overlap_charges_max_per_pair)
{
	static const struct csa_dp_stage s[3] = {
		{ 10, 0, 5 }, { 3, 2, 7 }, { 20, 0, 1 },
	};
	struct csa_dp_stage k = { 0 };
	uint64_t pending = 0, c = 0;

	for (int i = 0; i < 3; i++)
		c += csa_dp_cost_overlap(&pending, &s[i]);
	c += pending;
	ASSERT_EQ(10u + (5 + 2) + 20 + 1, c)
		TH_LOG("10 | max(5, 3) + 2 | max(7, 20) | 1: got %llu (serial 48)",
		       (unsigned long long)c);
	/*
	 * boosted global k-WTA of 1000 at 64 lanes: 3 radix passes of 16
	 * cycles, 3 bucket scans of 4, a marking pass of 16
	 */
	ASSERT_EQ(3u, CSA_DP_KWTA_PASSES(true));
	ASSERT_EQ(1u, CSA_DP_KWTA_PASSES(false)) TH_LOG("int8 scores: one byte");
	csa_dp_stage_kwta(&k, 1000, 1, 64, 3, false);
	ASSERT_EQ(16u, k.head) TH_LOG("first radix pass streams in");
	ASSERT_EQ(16u, k.tail) TH_LOG("marking pass streams out");
	ASSERT_EQ(2u * 16 + 3 * 4, k.mid);
	ASSERT_EQ(csa_dp_cost_kwta(1000, 1, 64, 3), k.head + k.mid + k.tail);
	k = (struct csa_dp_stage){ 0 };
	csa_dp_stage_kwta(&k, 1000, 1, 64, 1, false);
	ASSERT_EQ(4u, k.mid) TH_LOG("one pass: only its bucket scan is mid");
	k = (struct csa_dp_stage){ 0 };
	csa_dp_stage_kwta(&k, 100, 10, 64, 3, true);
	ASSERT_EQ(0u, k.head + k.tail) TH_LOG("local k-WTA does not stream");
	ASSERT_EQ(csa_dp_cost_kwta(100, 10, 64, 3), k.mid);
}

TEST(sparse_input_costs_less_than_dense)
{
	struct ref_layer l;
	int8_t x[400];
	uint8_t sp[CSA_SPARSE_SIZE(400)];
	struct one d, s;

	rng_seed(93);
	ref_layer_make(&l, 200, 400, 10, REF_COMPLEMENTARY, 100, false);
	ref_fill(x, sizeof(x), 10);
	ref_to_sparse(x, 400, 400, sp);
	one_run(&d, (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR, .in_c = 400,
		.in_h = 1, .in_w = 1, .out_c = 200, .out_h = 1, .out_w = 1 },
		x, sizeof(x), l.blob, l.blob_size, 200);
	one_run(&s, (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR,
		.flags = CSA_PROG_F_SRC_SPARSE, .in_c = 400, .in_h = 1,
		.in_w = 1, .out_c = 200, .out_h = 1, .out_w = 1 },
		sp, sizeof(sp), l.blob, l.blob_size, 200);
	ASSERT_TRUE(result_is(&d.r, 0, 0, "dense src"));
	ASSERT_TRUE(result_is(&s.r, 0, 0, "sparse src"));
	ASSERT_EQ(-1, first_diff(d.out, s.out, 200))
		TH_LOG("dense and sparse input of the same vector differ");
	ASSERT_EQ(d.r.macs, s.r.macs) TH_LOG("both visit the non-zero inputs only");
	ASSERT_EQ(d.r.macs % l.groups, 0u) TH_LOG("macs = visits x groups");
	ASSERT_LT(s.r.cycles, d.r.cycles)
		TH_LOG("sparse input %llu cycles, dense %llu: streaming 400 inputs must cost more",
		       (unsigned long long)s.r.cycles, (unsigned long long)d.r.cycles);
	tmem_free(&d.m);
	tmem_free(&s.m);
	ref_layer_free(&l);
}

/*
 * A layer in a read-only slot is validated and decoded once per job; in a
 * writable slot (an earlier op could write over it) it is read again.
 */
TEST(read_only_layer_decoded_once)
{
	struct ref_layer l;
	int8_t x[300];
	struct one ro, rw;
	uint64_t tables;

	rng_seed(95);
	ref_layer_make(&l, 120, 300, 10, REF_COMPLEMENTARY, 100, false);
	ref_fill(x, sizeof(x), 20);
	one_run(&ro, (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR, .in_c = 300,
		.in_h = 1, .in_w = 1, .out_c = 120, .out_h = 1, .out_w = 1 },
		x, sizeof(x), l.blob, l.blob_size, 120);
	one_run_pa(&rw, (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR,
		.in_c = 300, .in_h = 1, .in_w = 1, .out_c = 120, .out_h = 1,
		.out_w = 1 }, x, sizeof(x), l.blob, l.blob_size, 120,
		CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	ASSERT_TRUE(result_is(&ro.r, 0, 0, "read-only layer"));
	ASSERT_TRUE(result_is(&rw.r, 0, 0, "writable layer"));
	ASSERT_EQ(-1, first_diff(ro.out, rw.out, 120));
	/* header + tag map + requantisation records, read once more */
	tables = CSA_LAYER_HDR_SIZE + 2ull * l.groups * l.k + 12ull * l.units;
	ASSERT_EQ(ro.r.bytes + tables, rw.r.bytes)
		TH_LOG("read-only %llu bytes, writable %llu: expected %llu more",
		       (unsigned long long)ro.r.bytes,
		       (unsigned long long)rw.r.bytes,
		       (unsigned long long)tables);
	ASSERT_LT(ro.r.cycles, rw.r.cycles);
	tmem_free(&ro.m);
	tmem_free(&rw.m);
	ref_layer_free(&l);
}

/* NO_SKIP: the same result, every input visited (a literal dense run) */
TEST(no_skip_visits_zero_inputs)
{
	struct ref_layer l;
	int8_t x[400];
	struct one d, n;

	rng_seed(94);
	ref_layer_make(&l, 200, 400, 10, REF_COMPLEMENTARY, 100, false);
	ref_fill(x, sizeof(x), 10);
	one_run(&d, (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR, .in_c = 400,
		.in_h = 1, .in_w = 1, .out_c = 200, .out_h = 1, .out_w = 1 },
		x, sizeof(x), l.blob, l.blob_size, 200);
	one_run(&n, (struct ref_op){ .opcode = CSA_PROG_OP_LINEAR,
		.flags = CSA_PROG_F_NO_SKIP, .in_c = 400, .in_h = 1, .in_w = 1,
		.out_c = 200, .out_h = 1, .out_w = 1 },
		x, sizeof(x), l.blob, l.blob_size, 200);
	ASSERT_TRUE(result_is(&d.r, 0, 0, "skipping"));
	ASSERT_TRUE(result_is(&n.r, 0, 0, "NO_SKIP"));
	ASSERT_EQ(-1, first_diff(d.out, n.out, 200))
		TH_LOG("NO_SKIP changed the result");
	ASSERT_EQ(400ull * l.groups, n.r.macs)
		TH_LOG("NO_SKIP: %llu MACs, every one of 400 columns is %u",
		       (unsigned long long)n.r.macs, l.groups);
	ASSERT_LT(d.r.macs, n.r.macs) TH_LOG("skipping visits fewer columns");
	ASSERT_LT(d.r.cycles, n.r.cycles);
	tmem_free(&d.m);
	tmem_free(&n.m);
	ref_layer_free(&l);
}

TEST_HARNESS_MAIN
