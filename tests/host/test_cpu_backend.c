// SPDX-License-Identifier: MIT
/*
 * libcsa's CPU backend (lib/cpu/) against the reference engine
 * (firmware/csa_prog.c), bit for bit, with both dispatch paths forced
 * (scalar and the widest this CPU has): seeded random one-op programs of
 * every op (LINEAR and CONV2D with dense and sparse inputs, int8 and
 * int32 outputs, K = 1..20, partial and greedy groups, padding and
 * strides; KWTA global and local, boosted or not, dense and sparse
 * outputs, ties; MAXPOOL2D), and the k-th-largest selection alone.
 */
#include "kselftest_harness.h"

#include "cpu/cpu_internal.h"
#include "test_dp_ref.h"

enum { S_PROG, S_PARAM, S_SRC, S_DST, S_NUM };

static uint8_t scratch[TEST_SCRATCH] __attribute__((aligned(8)));

/* A random op and its slots: the program, the layer/boost, src, dst. */
struct one {
	struct ref_op op;
	struct ref_layer l;
	bool has_layer;
	uint8_t *param, *src, prog[CSA_PROG_SIZE(1)];
	uint64_t param_size, src_size, dst_size;
	const char *what;
};

static uint32_t rnd_in(uint32_t lo, uint32_t hi)
{
	return lo + rng_below(hi - lo + 1);
}

/* src: dense int8 (pct % non-zero, or values with many ties) or sparse */
static void make_src(struct one *o, uint32_t n, bool sparse, bool ties)
{
	int8_t *x = malloc(n);

	ref_fill(x, n, rnd_in(5, 100));
	if (ties)
		for (uint32_t i = 0; i < n; i++)
			x[i] = (int8_t)(x[i] % 4);
	if (sparse) {
		o->src_size = CSA_SPARSE_SIZE(n);
		o->src = malloc(o->src_size);
		ref_to_sparse(x, n, n, o->src);
		free(x);
	} else {
		o->src_size = n;
		o->src = (uint8_t *)x;
	}
}

static void make_one(struct one *o)
{
	struct ref_op *op = &o->op;
	uint32_t kind = rng_below(4);

	memset(o, 0, sizeof(*o));
	op->src = CSA_OPERAND(S_SRC, 0);
	op->dst = CSA_OPERAND(S_DST, 0);
	if (kind <= 1) {
		bool sparse = rng_pct(40), conv = kind == 1;
		uint32_t units = rnd_in(1, 70), k = rnd_in(1, 20);

		op->opcode = conv ? CSA_PROG_OP_CONV2D : CSA_PROG_OP_LINEAR;
		op->flags = (sparse ? CSA_PROG_F_SRC_SPARSE : 0) |
			    (rng_pct(25) ? CSA_PROG_F_DST_INT32 : 0);
		if (conv) {
			op->in_c = rnd_in(1, 6);
			op->in_h = rnd_in(1, 12);
			op->in_w = rnd_in(1, 12);
			op->kh = (uint8_t)rnd_in(1, 5);
			op->kw = (uint8_t)rnd_in(1, 5);
			op->ph = (uint8_t)rng_below(op->kh);
			op->pw = (uint8_t)rng_below(op->kw);
			if (op->in_h + 2u * op->ph < op->kh)
				op->ph = (uint8_t)(op->kh - 1);
			if (op->in_w + 2u * op->pw < op->kw)
				op->pw = (uint8_t)(op->kw - 1);
			while (op->in_h + 2u * op->ph < op->kh)
				op->in_h++;
			while (op->in_w + 2u * op->pw < op->kw)
				op->in_w++;
			op->sh = (uint8_t)rnd_in(1, 3);
			op->sw = (uint8_t)rnd_in(1, 3);
			op->out_h = (op->in_h + 2u * op->ph - op->kh) / op->sh + 1;
			op->out_w = (op->in_w + 2u * op->pw - op->kw) / op->sw + 1;
		} else {
			op->in_c = rnd_in(1, 300);
			op->in_h = op->in_w = 1;
			op->out_h = op->out_w = 1;
		}
		op->out_c = units;
		ref_layer_make(&o->l, units, conv ? op->in_c * op->kh * op->kw : op->in_c,
			       k, rng_pct(50) ? REF_COMPLEMENTARY : REF_RANDOM,
			       rnd_in(30, 100), false);
		o->has_layer = true;
		o->param = o->l.blob;
		o->param_size = o->l.blob_size;
		op->param = CSA_OPERAND(S_PARAM, 0);
		make_src(o, op->in_c * op->in_h * op->in_w, sparse, false);
		o->what = conv ? "CONV2D" : "LINEAR";
	} else if (kind == 2) {
		bool local = rng_pct(40), boost = rng_pct(50);
		uint32_t n;

		op->opcode = CSA_PROG_OP_KWTA;
		op->in_c = op->out_c = rnd_in(1, 40);
		op->in_h = op->out_h = rnd_in(1, 9);
		op->in_w = op->out_w = rnd_in(1, 9);
		n = op->in_c * op->in_h * op->in_w;
		op->k = local ? rnd_in(1, op->in_c) : rnd_in(1, n);
		op->flags = (local ? CSA_PROG_F_LOCAL : 0) |
			    (rng_pct(50) ? CSA_PROG_F_DST_SPARSE : 0) |
			    (boost ? CSA_PROG_F_BOOST : 0);
		if (boost) {
			o->param_size = 2ull * op->in_c;
			o->param = malloc(o->param_size);
			for (uint32_t c = 0; c < op->in_c; c++)
				wle(o->param + 2 * c, rng_pct(20) ? 256 : rnd_in(0, 65535), 2);
			op->param = CSA_OPERAND(S_PARAM, 0);
		}
		make_src(o, n, false, rng_pct(50));
		o->what = "KWTA";
	} else {
		op->opcode = CSA_PROG_OP_MAXPOOL2D;
		op->in_c = op->out_c = rnd_in(1, 8);
		op->in_h = rnd_in(1, 16);
		op->in_w = rnd_in(1, rng_pct(20) ? 70 : 16);
		op->kh = (uint8_t)rnd_in(1, op->in_h < 4 ? op->in_h : 4);
		op->kw = (uint8_t)rnd_in(1, op->in_w < 4 ? op->in_w : 4);
		op->sh = (uint8_t)rnd_in(1, 3);
		op->sw = (uint8_t)rnd_in(1, 3);
		if (rng_pct(30) && op->in_h >= 2 && op->in_w >= 2) {
			/* the reference network's pooling, which has a vector path */
			op->kh = op->kw = 2;
			op->sh = op->sw = 2;
		}
		op->out_h = (op->in_h - op->kh) / op->sh + 1;
		op->out_w = (op->in_w - op->kw) / op->sw + 1;
		make_src(o, op->in_c * op->in_h * op->in_w, false, false);
		o->what = "MAXPOOL2D";
	}
	if (!o->param) {
		o->param_size = 8;
		o->param = calloc(1, 8);
	}
	if (op->opcode == CSA_PROG_OP_KWTA && op->flags & CSA_PROG_F_DST_SPARSE)
		o->dst_size = CSA_SPARSE_SIZE((uint64_t)op->k *
			(op->flags & CSA_PROG_F_LOCAL ? op->in_h * op->in_w : 1));
	else
		o->dst_size = (op->flags & CSA_PROG_F_DST_INT32 ? 4ull : 1ull) *
			      op->out_c * op->out_h * op->out_w;
	ref_prog_write(o->prog, op, 1);
}

static void free_one(struct one *o)
{
	if (o->has_layer)
		ref_layer_free(&o->l);
	else
		free(o->param);
	free(o->src);
}

/* The bytes of dst that mean something (a sparse dst: header, entries). */
static uint64_t dst_meaning(const struct one *o, const uint8_t *dst, uint64_t *val_off,
			    uint32_t *count)
{
	*count = 0;
	if (o->op.opcode == CSA_PROG_OP_KWTA && o->op.flags & CSA_PROG_F_DST_SPARSE) {
		uint32_t cap = (uint32_t)rle(dst + 8, 4);

		*count = (uint32_t)rle(dst + 4, 4);
		*val_off = CSA_SPARSE_VAL_OFF(cap);
		return CSA_SPARSE_IDX_OFF + 4ull * *count;
	}
	return o->dst_size;
}

static void run_one(struct __test_metadata *_metadata, struct one *o, uint32_t iter)
{
	struct tmem m = { .fail_slot = ~0u };
	struct csa_prog_env env;
	struct csa_prog_result r;
	struct csa_cpu_prog p;
	struct csa_cpu_scratch s;
	const uint8_t *fixed[S_NUM] = { o->prog, o->param, NULL, NULL };
	uint64_t fsize[S_NUM] = { sizeof(o->prog), o->param_size, 0, 0 };
	uint8_t *base[S_NUM];
	uint64_t size[S_NUM];
	uint8_t *want, *got;
	uint64_t len, voff = 0;
	uint32_t cw, cg, e;

	tmem_slot(&m, sizeof(o->prog), CSA_ACCESS_READ);
	memcpy(m.s[S_PROG].buf, o->prog, sizeof(o->prog));
	tmem_slot(&m, o->param_size, CSA_ACCESS_READ);
	memcpy(m.s[S_PARAM].buf, o->param, o->param_size);
	tmem_slot(&m, o->src_size, CSA_ACCESS_READ);
	memcpy(m.s[S_SRC].buf, o->src, o->src_size);
	tmem_slot(&m, o->dst_size, CSA_ACCESS_WRITE);
	env = tmem_env(&m, scratch);
	csa_prog_run(&env, S_PROG, 0, sizeof(o->prog), &r);
	if (r.status != CSA_STATUS_OK)
		TH_LOG("iter %u %s: the engine refused: %s", iter, o->what,
		       csa_prog_err_name(CSA_PROG_DETAIL_ERR(r.detail)));
	ASSERT_EQ((uint32_t)CSA_STATUS_OK, r.status);
	want = m.s[S_DST].buf;

	ASSERT_EQ(0, csa_cpu_prog_decode(o->prog, sizeof(o->prog), fixed, fsize, S_NUM, &p)) {
		TH_LOG("iter %u %s: the backend refused a program the engine runs", iter, o->what);
	}
	ASSERT_EQ(0, csa_cpu_scratch_alloc(&p, &s));
	got = malloc(o->dst_size);
	memset(got, 0xa5, o->dst_size);
	base[S_PROG] = o->prog;
	base[S_PARAM] = o->param;
	base[S_SRC] = o->src;
	base[S_DST] = got;
	size[S_PROG] = sizeof(o->prog);
	size[S_PARAM] = o->param_size;
	size[S_SRC] = o->src_size;
	size[S_DST] = o->dst_size;
	e = csa_cpu_run(&p, base, size, S_NUM, &s);
	ASSERT_EQ(0u, e) {
		TH_LOG("iter %u %s: the backend failed: %s", iter, o->what,
		       csa_prog_err_name(CSA_PROG_DETAIL_ERR(e)));
	}
	len = dst_meaning(o, want, &voff, &cw);
	ASSERT_EQ(len, dst_meaning(o, got, &voff, &cg));
	if (first_diff(want, got, len) >= 0 ||
	    (cw && first_diff(want + voff, got + voff, cw) >= 0)) {
		TH_LOG("iter %u %s (%s): flags %#x in %ux%ux%u out %ux%ux%u k %u: output differs at byte %ld",
		       iter, o->what, csa_cpu_isa_name[csa_cpu_isa_get()], o->op.flags,
		       o->op.in_c, o->op.in_h, o->op.in_w, o->op.out_c, o->op.out_h,
		       o->op.out_w, o->has_layer ? o->l.k : o->op.k,
		       first_diff(want, got, len));
		ASSERT_TRUE(0);
	}
	free(got);
	csa_cpu_scratch_free(&s);
	csa_cpu_prog_free(&p);
	tmem_free(&m);
}

static void every_op(struct __test_metadata *_metadata, enum csa_cpu_isa isa)
{
	csa_cpu_isa_set(isa);
	rng_seed(0x5eed0000u + isa);
	for (uint32_t iter = 0; iter < 600; iter++) {
		struct one o;

		make_one(&o);
		run_one(_metadata, &o, iter);
		free_one(&o);
	}
	csa_cpu_isa_set(csa_cpu_isa_best());
}

TEST(every_op_scalar)
{
	every_op(_metadata, CSA_CPU_SCALAR);
}

TEST(every_op_widest)
{
	if (csa_cpu_isa_best() == CSA_CPU_SCALAR)
		SKIP(return, "this CPU has no AVX-512: only the scalar path");
	every_op(_metadata, csa_cpu_isa_best());
}

TEST(select_kth_matches_engine)
{
	uint32_t keys[3000], cand[3000];

	rng_seed(7);
	for (int iter = 0; iter < 300; iter++) {
		uint32_t n = rnd_in(1, 3000), k = rnd_in(1, n), te1, te2, t1, t2;
		uint32_t span = iter % 3 == 0 ? 3 : iter % 3 == 1 ? 1000 : 0xffffffffu;

		for (uint32_t i = 0; i < n; i++)
			keys[i] = 0x7fff0000u + (span == 0xffffffffu ? rng32() : rng_below(span));
		t1 = csa_dp_select_kth(keys, n, k, &te1);
		t2 = csa_cpu_select_kth(keys, n, k, &te2, cand);
		ASSERT_EQ(t1, t2) TH_LOG("n %u k %u span %u", n, k, span);
		ASSERT_EQ(te1, te2) TH_LOG("n %u k %u span %u", n, k, span);
	}
}

TEST(a_bad_tag_is_left_to_the_engine)
{
	struct one o;
	struct csa_cpu_prog p;
	const uint8_t *fixed[S_NUM];
	uint64_t fsize[S_NUM];

	memset(&o, 0, sizeof(o));
	rng_seed(11);
	do {
		free_one(&o);
		make_one(&o);
	} while (!o.has_layer);
	/* first element's tag = k: the engine fails the op when it visits it */
	o.param[o.l.weights_off + 1] = (uint8_t)o.l.k;
	fixed[S_PROG] = o.prog;
	fixed[S_PARAM] = o.param;
	fixed[S_SRC] = fixed[S_DST] = NULL;
	fsize[S_PROG] = sizeof(o.prog);
	fsize[S_PARAM] = o.param_size;
	fsize[S_SRC] = fsize[S_DST] = 0;
	ASSERT_EQ(-ENOTSUP, csa_cpu_prog_decode(o.prog, sizeof(o.prog), fixed, fsize, S_NUM, &p));
	free_one(&o);
}

TEST_HARNESS_MAIN
