// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Job programs (CSA_OP_PROGRAM) through the driver on both virtual cards
 * of the VM (card 0: lanes 128, max-k 10; card 1: the model's defaults,
 * lanes 64, max-k 20): every op of the datapath against the CPU reference,
 * the firmware engine linked into this suite, run with csa_prog_mem_io
 * over copies of the same buffers - every byte of every buffer equal, the
 * status record OK with the cycles the cost model gives for the card's
 * lanes - and the outputs against the dense references of
 * tests/host/test_dp_ref.h.  Layers, activations and programs sit in GEM
 * BOs written through mmap; weights, inputs and the program are bound
 * READ only, outputs WRITE only.  Shapes are random with fixed seeds.
 *
 *   LINEAR    dense input, sparse input (Select), K 1, K = the card's
 *             max-k, a partial last group, greedy-packed random weights,
 *             int32 logits, the reference network's 1600 -> 1000 layer
 *   CONV2D    5x5, stride/padding variants, sparse (random) weights,
 *             dense and sparse input, int32 output
 *   KWTA      global, local, with boost, dense and sparse output
 *   MAXPOOL2D windows and strides
 *   jobs      eight in flight on two hardware queues sharing the program
 *             and layer BOs
 *   network   the five-op network of tests/host/test_dp_net.h, in
 *             mmap'ed BOs and in userptr memory (read-only userptr for
 *             the READ slots)
 */
#include "kselftest_harness.h"

#include "csa_prog_util.h"
#include "../host/test_dp_net.h"

#define RD	DRM_CSA_ACCESS_READ
#define WR	DRM_CSA_ACCESS_WRITE

FIXTURE(prog) {
	struct pj p;
};

FIXTURE_VARIANT(prog) {
	unsigned int card;
};

FIXTURE_VARIANT_ADD(prog, card0) {
	.card = 0,
};

FIXTURE_VARIANT_ADD(prog, card1) {
	.card = 1,
};

FIXTURE_SETUP(prog)
{
	int ret = pj_open(&self->p, variant->card);

	if (ret == -ENODEV)
		SKIP(return, "the VM has no card %u", variant->card);
	ASSERT_EQ(0, ret) TH_LOG("card %u: open, params, queue: %s",
				 variant->card, strerror(-ret));
}

FIXTURE_TEARDOWN(prog)
{
	pj_close(&self->p);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Slots of a one-op case: program, input, layer/boost, output. */
struct one {
	int prog, x, param, out;
};

static void make_slots(struct __test_metadata *_metadata, struct pj *p,
		       struct one *o, uint64_t x_len, uint64_t param_len,
		       uint64_t out_len)
{
	pj_free_slots(p);
	o->prog = pj_slot(p, CSA_PROG_SIZE(1), RD);
	o->x = pj_slot(p, x_len, RD);
	o->param = param_len ? pj_slot(p, param_len, RD) : -1;
	o->out = pj_slot(p, out_len, WR);
	ASSERT_LE(0, o->prog) TH_LOG("BO for the program: %s", strerror(-o->prog));
	ASSERT_LE(0, o->x) TH_LOG("BO for the input: %s", strerror(-o->x));
	ASSERT_LE(0, o->out) TH_LOG("BO for the output: %s", strerror(-o->out));
	if (param_len)
		ASSERT_LE(0, o->param) TH_LOG("BO for the param: %s",
					      strerror(-o->param));
}

/* Run the one-op program on the card and the CPU reference: must agree. */
static void run_one(struct __test_metadata *_metadata, struct pj *p,
		    const struct one *o, const struct ref_op *op,
		    const char *what)
{
	uint64_t len = ref_prog_write(p->s[o->prog].map, op, 1);
	int ret = pj_run(p, (uint32_t)o->prog, len);

	ASSERT_EQ(0, ret) TH_LOG("%s: submit/wait: %s", what, strerror(-ret));
	ASSERT_TRUE(pj_outcome(p, CSA_STATUS_OK, 0))
		TH_LOG("%s: card and CPU reference disagree (lanes %llu, max-k %llu)",
		       what, (unsigned long long)p->lanes,
		       (unsigned long long)p->max_k);
}

/* The int8 (or int32 LE) output of the card against a dense reference. */
static long out_diff(const struct pj *p, const struct one *o, const int8_t *y,
		     const int32_t *y32, uint32_t n)
{
	const uint8_t *m = p->s[o->out].map;

	for (uint32_t i = 0; i < n; i++) {
		if (y32 ? (int32_t)rle(m + 4 * i, 4) != y32[i] : (int8_t)m[i] != y[i])
			return i;
	}
	return -1;
}

/* ---- LINEAR ---- */

struct lin {
	uint32_t c, h, w, units, k;
	enum ref_weights kind;
	uint32_t wfill, xfill;
	uint16_t flags;
};

static void linear_case(struct __test_metadata *_metadata, struct pj *p,
			const struct lin *c, uint64_t seed, const char *what)
{
	uint32_t in = c->c * c->h * c->w, nz = 0, cap;
	bool sparse = c->flags & CSA_PROG_F_SRC_SPARSE;
	bool i32 = c->flags & CSA_PROG_F_DST_INT32;
	int8_t *x = malloc(in), *y = malloc(c->units);
	int32_t *y32 = malloc(4ull * c->units);
	struct ref_layer l;
	struct ref_op op;
	char name[192];
	struct one o;
	long at;

	ASSERT_TRUE(x && y && y32);
	rng_seed(seed);
	ref_layer_make(&l, c->units, in, c->k, c->kind, c->wfill, false);
	ref_fill(x, in, c->xfill);
	for (uint32_t i = 0; i < in; i++)
		nz += x[i] != 0;
	cap = nz + 3;
	snprintf(name, sizeof(name),
		 "%s seed %llu: LINEAR %ux%ux%u -> %u, K %u (%u groups)%s%s",
		 what, (unsigned long long)seed, c->c, c->h, c->w, c->units,
		 c->k, l.groups, sparse ? ", sparse input" : "",
		 i32 ? ", int32 out" : "");
	make_slots(_metadata, p, &o, sparse ? CSA_SPARSE_SIZE(cap) : in,
		   l.blob_size, (i32 ? 4ull : 1ull) * c->units);
	if (sparse)
		ref_to_sparse(x, in, cap, p->s[o.x].map);
	else
		pj_put(p, o.x, 0, x, in);
	pj_put(p, o.param, 0, l.blob, l.blob_size);
	op = (struct ref_op){
		.opcode = CSA_PROG_OP_LINEAR, .flags = c->flags,
		.src = CSA_OPERAND(o.x, 0), .dst = CSA_OPERAND(o.out, 0),
		.param = CSA_OPERAND(o.param, 0),
		.in_c = c->c, .in_h = c->h, .in_w = c->w,
		.out_c = c->units, .out_h = 1, .out_w = 1,
	};
	run_one(_metadata, p, &o, &op, name);
	ref_linear(&l, x, y, i32 ? y32 : NULL);
	at = out_diff(p, &o, y, i32 ? y32 : NULL, c->units);
	ASSERT_EQ(-1, at) TH_LOG("%s: unit %ld differs from the dense reference",
				 name, at);
	ASSERT_EQ(nz ? 1 : 0, p->ref.macs > 0) TH_LOG("%s: %llu MACs for %u active inputs",
						      name, (unsigned long long)p->ref.macs, nz);
	ref_layer_free(&l);
	free(x);
	free(y);
	free(y32);
}

TEST_F(prog, linear_dense_input)
{
	for (uint64_t seed = 1; seed <= 8; seed++) {
		struct lin c;

		rng_seed(seed * 101);
		c = (struct lin){
			.c = rng_range(1, 4), .h = rng_range(1, 6),
			.w = rng_range(1, 16), .units = rng_range(5, 80),
			.k = rng_range(2, (int32_t)self->p.max_k),
			.kind = REF_COMPLEMENTARY, .wfill = 90, .xfill = 60,
		};
		linear_case(_metadata, &self->p, &c, seed, "dense input");
	}
}

TEST_F(prog, linear_sparse_input)
{
	for (uint64_t seed = 11; seed <= 18; seed++) {
		struct lin c;

		rng_seed(seed * 101);
		c = (struct lin){
			.c = rng_range(1, 8), .h = rng_range(1, 8),
			.w = rng_range(1, 8), .units = rng_range(5, 120),
			.k = rng_range(2, (int32_t)self->p.max_k),
			.kind = REF_COMPLEMENTARY, .wfill = 100,
			.xfill = rng_range(2, 20),
			.flags = CSA_PROG_F_SRC_SPARSE,
		};
		linear_case(_metadata, &self->p, &c, seed, "sparse input");
	}
}

TEST_F(prog, linear_k1_dense_layer)
{
	const struct lin c = {
		.c = 150, .h = 1, .w = 1, .units = 24, .k = 1,
		.kind = REF_RANDOM, .wfill = 100, .xfill = 70,
	};

	linear_case(_metadata, &self->p, &c, 21, "K 1");
}

TEST_F(prog, linear_k_max_of_the_card)
{
	struct lin c = {
		.c = 4, .h = 5, .w = 6, .units = 3 * (uint32_t)self->p.max_k,
		.k = (uint32_t)self->p.max_k, .kind = REF_COMPLEMENTARY,
		.wfill = 100, .xfill = 50,
	};

	linear_case(_metadata, &self->p, &c, 31, "K = max-k");
	c.flags = CSA_PROG_F_SRC_SPARSE;
	c.xfill = 10;
	linear_case(_metadata, &self->p, &c, 32, "K = max-k, sparse input");
}

TEST_F(prog, linear_partial_last_group)
{
	uint32_t k = min_u32(7, (uint32_t)self->p.max_k);
	const struct lin c = {
		.c = 90, .h = 1, .w = 1, .units = 2 * k + 3, .k = k,
		.kind = REF_COMPLEMENTARY, .wfill = 100, .xfill = 60,
	};
	struct ref_layer l;

	rng_seed(41);
	ref_layer_make(&l, c.units, c.c, k, c.kind, c.wfill, false);
	ASSERT_LT(c.units, l.groups * k) TH_LOG("no partial group: %u units, %u groups of %u",
						c.units, l.groups, k);
	ref_layer_free(&l);
	linear_case(_metadata, &self->p, &c, 41, "partial last group");
}

TEST_F(prog, linear_greedy_packed_random_weights)
{
	const struct lin c = {
		.c = 2, .h = 8, .w = 8, .units = 40,
		.k = min_u32(6, (uint32_t)self->p.max_k),
		.kind = REF_RANDOM, .wfill = 12, .xfill = 50,
	};

	linear_case(_metadata, &self->p, &c, 51, "greedy packing");
}

TEST_F(prog, linear_int32_logits)
{
	struct lin c = {
		.c = 300, .h = 1, .w = 1, .units = 12, .k = 1,
		.kind = REF_RANDOM, .wfill = 100, .xfill = 40,
		.flags = CSA_PROG_F_DST_INT32,
	};

	linear_case(_metadata, &self->p, &c, 61, "logits");
	c.flags |= CSA_PROG_F_SRC_SPARSE;
	c.k = 4;
	c.kind = REF_COMPLEMENTARY;
	linear_case(_metadata, &self->p, &c, 62, "logits, sparse input");
}

/*
 * The reference network's big layer, 1600 -> 1000 at the card's max-k:
 * a packed layer of some 100 KiB to 320 KiB, many pages and so many DMA
 * segments, visited column by column (sparse input of 160, dense input).
 */
TEST_F(prog, linear_reference_layer_size)
{
	struct lin c = {
		.c = 64, .h = 5, .w = 5, .units = 1000,
		.k = (uint32_t)self->p.max_k, .kind = REF_COMPLEMENTARY,
		.wfill = 100, .xfill = 10, .flags = CSA_PROG_F_SRC_SPARSE,
	};

	uint64_t sparse_cycles;

	linear_case(_metadata, &self->p, &c, 71, "1600 -> 1000");
	sparse_cycles = self->p.cpl.cycles;
	c.flags = 0;
	c.xfill = 40;
	linear_case(_metadata, &self->p, &c, 72, "1600 -> 1000, dense input");
	TH_LOG("1600 -> 1000 at K %u, lanes %llu: %llu cycles from a sparse input of ~10 %%, %llu from a dense one of ~40 %% non-zeros",
	       c.k, (unsigned long long)self->p.lanes,
	       (unsigned long long)sparse_cycles,
	       (unsigned long long)self->p.cpl.cycles);
}

/* ---- CONV2D ---- */

struct conv {
	uint32_t c, h, w, units, k;
	uint8_t kh, kw, sh, sw, ph, pw;
	enum ref_weights kind;
	uint32_t wfill, xfill;
	uint16_t flags;
};

static void conv_case(struct __test_metadata *_metadata, struct pj *p,
		      const struct conv *c, uint64_t seed, const char *what)
{
	uint32_t n = c->c * c->h * c->w, nz = 0, cap;
	uint32_t oh = (c->h + 2 * c->ph - c->kh) / c->sh + 1;
	uint32_t ow = (c->w + 2 * c->pw - c->kw) / c->sw + 1;
	uint32_t on = c->units * oh * ow;
	const struct ref_conv g = { c->c, c->h, c->w, c->kh, c->kw, c->sh,
				    c->sw, c->ph, c->pw, oh, ow };
	bool sparse = c->flags & CSA_PROG_F_SRC_SPARSE;
	bool i32 = c->flags & CSA_PROG_F_DST_INT32;
	int8_t *x = malloc(n), *y = malloc(on);
	int32_t *y32 = malloc(4ull * on);
	struct ref_layer l;
	struct ref_op op;
	char name[224];
	struct one o;
	long at;

	ASSERT_TRUE(x && y && y32);
	rng_seed(seed);
	ref_layer_make(&l, c->units, c->c * c->kh * c->kw, c->k, c->kind,
		       c->wfill, false);
	ref_fill(x, n, c->xfill);
	for (uint32_t i = 0; i < n; i++)
		nz += x[i] != 0;
	cap = nz + 5;
	snprintf(name, sizeof(name),
		 "%s seed %llu: CONV2D %ux%ux%u -> %ux%ux%u, %ux%u stride %u,%u pad %u,%u, K %u (%u groups)%s%s",
		 what, (unsigned long long)seed, c->c, c->h, c->w, c->units, oh,
		 ow, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw, c->k, l.groups,
		 sparse ? ", sparse input" : "", i32 ? ", int32 out" : "");
	make_slots(_metadata, p, &o, sparse ? CSA_SPARSE_SIZE(cap) : n,
		   l.blob_size, (i32 ? 4ull : 1ull) * on);
	if (sparse)
		ref_to_sparse(x, n, cap, p->s[o.x].map);
	else
		pj_put(p, o.x, 0, x, n);
	pj_put(p, o.param, 0, l.blob, l.blob_size);
	op = (struct ref_op){
		.opcode = CSA_PROG_OP_CONV2D, .flags = c->flags,
		.src = CSA_OPERAND(o.x, 0), .dst = CSA_OPERAND(o.out, 0),
		.param = CSA_OPERAND(o.param, 0),
		.in_c = c->c, .in_h = c->h, .in_w = c->w,
		.out_c = c->units, .out_h = oh, .out_w = ow,
		.kh = c->kh, .kw = c->kw, .sh = c->sh, .sw = c->sw,
		.ph = c->ph, .pw = c->pw,
	};
	run_one(_metadata, p, &o, &op, name);
	ref_conv2d(&l, &g, x, y, i32 ? y32 : NULL);
	at = out_diff(p, &o, y, i32 ? y32 : NULL, on);
	ASSERT_EQ(-1, at) TH_LOG("%s: output %ld differs from the dense reference",
				 name, at);
	ref_layer_free(&l);
	free(x);
	free(y);
	free(y32);
}

TEST_F(prog, conv2d_5x5)
{
	const struct conv c[] = {
		{ 1, 16, 16, 8, 4, 5, 5, 1, 1, 0, 0, REF_COMPLEMENTARY, 100, 70, 0 },
		{ 3, 12, 10, 10, 2, 5, 5, 1, 1, 0, 0, REF_COMPLEMENTARY, 100, 60, 0 },
	};

	for (uint32_t i = 0; i < ARRAY_SIZE(c); i++)
		conv_case(_metadata, &self->p, &c[i], 100 + i, "5x5");
}

TEST_F(prog, conv2d_stride_and_padding)
{
	static const uint8_t win[][6] = {	/* kh kw sh sw ph pw */
		{ 5, 5, 1, 1, 2, 2 }, { 5, 5, 2, 2, 0, 0 }, { 5, 5, 2, 2, 2, 2 },
		{ 5, 5, 3, 1, 1, 4 }, { 3, 3, 2, 1, 1, 0 }, { 5, 3, 1, 2, 4, 1 },
		{ 1, 1, 1, 1, 0, 0 }, { 4, 2, 3, 2, 3, 1 },
	};

	for (uint32_t i = 0; i < ARRAY_SIZE(win); i++) {
		struct conv c;

		rng_seed(200 + i);
		c = (struct conv){
			.c = rng_range(1, 3), .h = rng_range(6, 14),
			.w = rng_range(6, 14), .units = rng_range(3, 12),
			.k = min_u32(rng_range(2, 5), (uint32_t)self->p.max_k),
			.kh = win[i][0], .kw = win[i][1], .sh = win[i][2],
			.sw = win[i][3], .ph = win[i][4], .pw = win[i][5],
			.kind = REF_COMPLEMENTARY, .wfill = 100, .xfill = 60,
		};
		conv_case(_metadata, &self->p, &c, 210 + i, "window");
	}
}

TEST_F(prog, conv2d_sparse_weights)
{
	const struct conv c = {
		4, 10, 10, 16, 5, 5, 5, 1, 1, 2, 2, REF_RANDOM, 20, 70, 0,
	};

	conv_case(_metadata, &self->p, &c, 301, "random 80 % sparse weights");
}

TEST_F(prog, conv2d_sparse_input)
{
	struct conv c = {
		2, 14, 14, 9, 3, 5, 5, 1, 1, 2, 2, REF_COMPLEMENTARY, 100, 12,
		CSA_PROG_F_SRC_SPARSE,
	};

	conv_case(_metadata, &self->p, &c, 401, "sparse input");
	c.sh = 2;
	c.pw = 0;
	c.xfill = 30;
	conv_case(_metadata, &self->p, &c, 402, "sparse input, stride 2");
}

TEST_F(prog, conv2d_int32_output)
{
	const struct conv c = {
		2, 9, 9, 5, 2, 3, 3, 1, 1, 1, 1, REF_COMPLEMENTARY, 100, 80,
		CSA_PROG_F_DST_INT32,
	};

	conv_case(_metadata, &self->p, &c, 501, "int32");
}

/* ---- KWTA ---- */

static void kwta_case(struct __test_metadata *_metadata, struct pj *p,
		      uint32_t c, uint32_t h, uint32_t w, uint32_t k,
		      uint16_t flags, uint32_t xfill, uint64_t seed)
{
	uint32_t n = c * h * w, plane = h * w;
	bool local = flags & CSA_PROG_F_LOCAL;
	bool sparse = flags & CSA_PROG_F_DST_SPARSE;
	bool boosted = flags & CSA_PROG_F_BOOST;
	uint32_t cap = local ? k * plane : k;
	uint64_t out_len = sparse ? CSA_SPARSE_SIZE(cap) : n;
	int8_t *x = malloc(n), *y = malloc(n);
	uint8_t *mark = malloc(n), *want = malloc(out_len);
	uint16_t *boost = malloc(2ull * c);
	struct ref_op op;
	char name[160];
	struct one o;
	long at;

	ASSERT_TRUE(x && y && mark && want && boost);
	rng_seed(seed);
	ref_fill(x, n, xfill);
	for (uint32_t i = 0; i < c; i++)
		boost[i] = (uint16_t)rng_range(64, 1024);
	snprintf(name, sizeof(name), "seed %llu: KWTA %s k %u of %ux%ux%u%s, %s output",
		 (unsigned long long)seed, local ? "local" : "global", k, c, h,
		 w, boosted ? " boosted" : "", sparse ? "sparse" : "dense");
	make_slots(_metadata, p, &o, n, boosted ? 2ull * c : 0, out_len);
	pj_put(p, o.x, 0, x, n);
	for (uint32_t i = 0; boosted && i < c; i++)
		wle(p->s[o.param].map + 2 * i, boost[i], 2);
	op = (struct ref_op){
		.opcode = CSA_PROG_OP_KWTA, .flags = flags,
		.src = CSA_OPERAND(o.x, 0), .dst = CSA_OPERAND(o.out, 0),
		.param = boosted ? CSA_OPERAND(o.param, 0) : 0,
		.in_c = c, .in_h = h, .in_w = w, .out_c = c, .out_h = h,
		.out_w = w, .k = k,
	};
	run_one(_metadata, p, &o, &op, name);
	ref_kwta(x, c, plane, boosted ? boost : NULL, k, local, y, mark);
	if (sparse)
		ref_sparse_marked(x, mark, n, cap, want);
	else
		memcpy(want, y, n);
	at = first_diff(p->s[o.out].map, want, out_len);
	ASSERT_EQ(-1, at) TH_LOG("%s: output byte %ld differs from the dense reference",
				 name, at);
	free(x);
	free(y);
	free(mark);
	free(want);
	free(boost);
}

TEST_F(prog, kwta_global)
{
	kwta_case(_metadata, &self->p, 8, 10, 10, 80, 0, 70, 601);
	kwta_case(_metadata, &self->p, 1, 1, 300, 1, 0, 90, 602);
	kwta_case(_metadata, &self->p, 3, 7, 5, 105, 0, 50, 603);	/* k = n */
	kwta_case(_metadata, &self->p, 16, 4, 4, 30, CSA_PROG_F_DST_SPARSE, 60, 604);
	kwta_case(_metadata, &self->p, 1000, 1, 1, 100, CSA_PROG_F_DST_SPARSE, 95, 605);
}

TEST_F(prog, kwta_local)
{
	kwta_case(_metadata, &self->p, 12, 6, 6, 3, CSA_PROG_F_LOCAL, 70, 701);
	kwta_case(_metadata, &self->p, 5, 3, 9, 5, CSA_PROG_F_LOCAL, 40, 702);
	kwta_case(_metadata, &self->p, 12, 6, 6, 2,
		  CSA_PROG_F_LOCAL | CSA_PROG_F_DST_SPARSE, 70, 703);
	kwta_case(_metadata, &self->p, 7, 1, 1, 1,
		  CSA_PROG_F_LOCAL | CSA_PROG_F_DST_SPARSE, 100, 704);
}

TEST_F(prog, kwta_with_boost)
{
	kwta_case(_metadata, &self->p, 16, 8, 8, 100, CSA_PROG_F_BOOST, 80, 801);
	kwta_case(_metadata, &self->p, 16, 8, 8, 100,
		  CSA_PROG_F_BOOST | CSA_PROG_F_DST_SPARSE, 80, 802);
	kwta_case(_metadata, &self->p, 10, 5, 5, 4,
		  CSA_PROG_F_BOOST | CSA_PROG_F_LOCAL, 60, 803);
	kwta_case(_metadata, &self->p, 10, 5, 5, 4,
		  CSA_PROG_F_BOOST | CSA_PROG_F_LOCAL | CSA_PROG_F_DST_SPARSE,
		  60, 804);
}

/* ---- MAXPOOL2D ---- */

TEST_F(prog, maxpool2d)
{
	static const uint8_t win[][4] = {	/* kh kw sh sw */
		{ 2, 2, 2, 2 }, { 3, 3, 2, 2 }, { 2, 3, 1, 2 }, { 3, 3, 3, 3 },
		{ 1, 1, 1, 1 }, { 4, 2, 1, 3 },
	};

	for (uint32_t i = 0; i < ARRAY_SIZE(win); i++) {
		uint32_t c, h, w, oh, ow, n;
		struct ref_op op;
		int8_t *x, *y;
		char name[128];
		struct one o;
		long at;

		rng_seed(900 + i);
		c = rng_range(1, 8);
		h = rng_range(4, 20);
		w = rng_range(4, 20);
		oh = (h - win[i][0]) / win[i][2] + 1;
		ow = (w - win[i][1]) / win[i][3] + 1;
		n = c * h * w;
		x = malloc(n);
		y = malloc(c * oh * ow);
		ASSERT_TRUE(x && y);
		ref_fill(x, n, 70);
		snprintf(name, sizeof(name), "MAXPOOL2D %ux%ux%u, %ux%u stride %u,%u",
			 c, h, w, win[i][0], win[i][1], win[i][2], win[i][3]);
		make_slots(_metadata, &self->p, &o, n, 0, c * oh * ow);
		pj_put(&self->p, o.x, 0, x, n);
		op = (struct ref_op){
			.opcode = CSA_PROG_OP_MAXPOOL2D,
			.src = CSA_OPERAND(o.x, 0), .dst = CSA_OPERAND(o.out, 0),
			.in_c = c, .in_h = h, .in_w = w, .out_c = c,
			.out_h = oh, .out_w = ow, .kh = win[i][0],
			.kw = win[i][1], .sh = win[i][2], .sw = win[i][3],
		};
		run_one(_metadata, &self->p, &o, &op, name);
		ref_maxpool(x, c, h, w, win[i][0], win[i][1], win[i][2],
			    win[i][3], oh, ow, y);
		at = first_diff(self->p.s[o.out].map, y, c * oh * ow);
		ASSERT_EQ(-1, at) TH_LOG("%s: output %ld differs from the dense reference",
					 name, at);
		free(x);
		free(y);
	}
}

/* ---- many jobs ---- */

#define JOBS	8

/*
 * One program and one layer BO, bound READ by JOBS jobs submitted back to
 * back on two hardware queues, each job with its own input and output BO
 * (the same slot numbers in every job's bind table): all in flight at
 * once, every output equal to the dense reference of its input.
 */
TEST_F(prog, jobs_in_flight_share_program_and_weights)
{
	const uint32_t in = 256, units = 40;
	uint32_t k = min_u32(8, (uint32_t)self->p.max_k), queue2, sync[JOBS];
	int sp, sw, sx[JOBS], so[JOBS], ret;
	struct pj *p = &self->p;
	int8_t x[JOBS][256], y[40];
	struct ref_layer l;
	struct ref_op op = {
		.opcode = CSA_PROG_OP_LINEAR, .src = CSA_OPERAND(2, 0),
		.dst = CSA_OPERAND(3, 0), .param = CSA_OPERAND(1, 0),
		.in_c = in, .in_h = 1, .in_w = 1, .out_c = units, .out_h = 1,
		.out_w = 1,
	};
	struct drm_csa_cmd cmd = { .opcode = CSA_OP_PROGRAM };

	rng_seed(1234);
	ref_layer_make(&l, units, in, k, REF_COMPLEMENTARY, 100, false);
	pj_free_slots(p);
	sp = pj_slot(p, CSA_PROG_SIZE(1), RD);
	sw = pj_slot(p, l.blob_size, RD);
	ASSERT_TRUE(sp >= 0 && sw >= 0);
	cmd.size = ref_prog_write(p->s[sp].map, &op, 1);
	pj_put(p, sw, 0, l.blob, l.blob_size);
	ASSERT_EQ(0, csa_vm_queue_create(p->fd, 1, DRM_CSA_PRIORITY_NORMAL,
					 &queue2));
	for (int j = 0; j < JOBS; j++) {
		sx[j] = pj_slot(p, in, RD);
		so[j] = pj_slot(p, units, WR);
		ASSERT_TRUE(sx[j] >= 0 && so[j] >= 0);
		ref_fill(x[j], in, 50);
		pj_put(p, sx[j], 0, x[j], in);
		ASSERT_EQ(0, csa_vm_syncobj_create(p->fd, &sync[j]));
	}
	for (int j = 0; j < JOBS; j++) {
		struct drm_csa_bind b[4] = {
			{ .handle = p->s[sp].handle, .access = RD },
			{ .handle = p->s[sw].handle, .access = RD },
			{ .handle = p->s[sx[j]].handle, .access = RD },
			{ .handle = p->s[so[j]].handle, .access = WR },
		};

		ret = csa_vm_job(p->fd, j & 1 ? queue2 : p->queue, &cmd, b, 4,
				 sync[j]);
		ASSERT_EQ(0, ret) TH_LOG("submit of job %d: %s", j, strerror(-ret));
	}
	for (int j = 0; j < JOBS; j++) {
		long at;

		ret = csa_vm_job_result(p->fd, sync[j], PJ_WAIT_MS);
		ASSERT_EQ(0, ret) TH_LOG("job %d: fence error %d", j, ret);
		ref_linear(&l, x[j], y, NULL);
		at = first_diff(p->s[so[j]].map, y, units);
		ASSERT_EQ(-1, at) TH_LOG("job %d: unit %ld differs from the dense reference",
					 j, at);
		csa_vm_syncobj_destroy(p->fd, sync[j]);
	}
	ref_layer_free(&l);
}

/* ---- a network ---- */

/*
 * CONV2D -> KWTA boosted -> MAXPOOL2D over its own input's slot -> KWTA
 * local sparse -> LINEAR sparse (test_dp_net.h): one BO per slot with the
 * slot's access, the card against the CPU reference and the dense
 * references of every intermediate.
 */
TEST_F(prog, five_op_network)
{
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct net n;

		net_build(&n, seed);
		pj_free_slots(&self->p);
		for (uint32_t s = 0; s < S_NUM; s++) {
			int i = pj_slot(&self->p, n.m.s[s].size, n.m.s[s].access);

			ASSERT_EQ((int)s, i) TH_LOG("BO for slot %u: %s", s,
						    strerror(-i));
			pj_put(&self->p, s, 0, n.m.s[s].buf, n.m.s[s].size);
		}
		ASSERT_EQ(0, pj_run(&self->p, S_PROG, n.prog_len));
		ASSERT_TRUE(pj_outcome(&self->p, CSA_STATUS_OK, 0))
			TH_LOG("seed %llu: network: card and CPU reference disagree",
			       (unsigned long long)seed);
		ASSERT_EQ((uint32_t)NET_OPS, self->p.ref.ops_done);
		for (uint32_t s = 0; s < S_NUM; s++) {
			long at = first_diff(self->p.s[s].map, n.want[s],
					     n.m.s[s].size);

			ASSERT_EQ(-1, at)
				TH_LOG("seed %llu: slot %u byte %ld: card 0x%02x, dense reference 0x%02x",
				       (unsigned long long)seed, s, at,
				       at >= 0 ? self->p.s[s].map[at] : 0,
				       at >= 0 ? n.want[s][at] : 0);
		}
		TH_LOG("seed %llu: %llu cycles, job %lld us, CPU reference %lld us",
		       (unsigned long long)seed,
		       (unsigned long long)self->p.cpl.cycles,
		       (long long)self->p.card_ns / 1000,
		       (long long)self->p.ref_ns / 1000);
		net_free(&n);
	}
}

/* The same network from userptr memory: read-only where the slot is. */
TEST_F(prog, five_op_network_in_userptr_memory)
{
	struct net n;

	net_build(&n, 7);
	pj_free_slots(&self->p);
	for (uint32_t s = 0; s < S_NUM; s++) {
		int i = pj_slot_userptr(&self->p, n.m.s[s].size, n.m.s[s].access);

		ASSERT_EQ((int)s, i) TH_LOG("userptr BO for slot %u: %s", s,
					    strerror(-i));
		pj_put(&self->p, s, 0, n.m.s[s].buf, n.m.s[s].size);
	}
	ASSERT_EQ(0, pj_run(&self->p, S_PROG, n.prog_len));
	ASSERT_TRUE(pj_outcome(&self->p, CSA_STATUS_OK, 0))
		TH_LOG("userptr network: card and CPU reference disagree");
	for (uint32_t s = 0; s < S_NUM; s++) {
		long at = first_diff(self->p.s[s].map, n.want[s], n.m.s[s].size);

		ASSERT_EQ(-1, at) TH_LOG("userptr slot %u byte %ld differs from the dense reference",
					 s, at);
	}
	net_free(&n);
}

TEST_HARNESS_MAIN
