// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Malformed job programs through the driver on the VM's card 0 (lanes 128,
 * max-k 10, max-dim 2048, max-tensor 65536): each fails its job with fence
 * error -ENOEXEC, a status record of CSA_STATUS_PROGRAM whose detail is
 * the documented op << 16 | operand << 8 | reason (and equal to the CPU
 * reference's, the firmware engine linked into this suite), the cycles of
 * the cost model, every buffer unchanged (guard bytes 0xa5 where nothing
 * was written; an op that fails while running leaves earlier ops' outputs
 * written and its own not), and the next job on the same queue runs the
 * valid program correctly.
 *
 * An op too big for the card's datapath memory fails with SCRATCH (on
 * card 1, whose max-tensor allows it).
 *
 * The program operand of the descriptor itself fails with the
 * descriptor-level statuses (ACCESS -EACCES, OUT_OF_BOUNDS and BAD_SLOT
 * -EFAULT).
 *
 * The valid program: LINEAR 4x4x4 -> 20 (K 4) into slot A, KWTA global
 * k 5 boosted, A -> OUT.
 */
#include "kselftest_harness.h"

#include "csa_prog_util.h"

#define RD	DRM_CSA_ACCESS_READ
#define WR	DRM_CSA_ACCESS_WRITE
#define HDR	CSA_PROG_DETAIL_HDR
#define D	CSA_PROG_DETAIL
#define OPND_SRC	CSA_PROG_OPND_SRC
#define OPND_DST	CSA_PROG_OPND_DST
#define OPND_PARAM	CSA_PROG_OPND_PARAM

enum { PROG, X, W, A, OUT, BOOST, SP, W20, NSLOTS };

#define IN_C	4
#define IN_N	64
#define UNITS	20
#define KWTA_K	5
#define BIG_K	20
#define BIG_UNITS 40

FIXTURE(err) {
	struct pj p;
	struct ref_layer lin, big;
	struct ref_op ops[2];
	uint64_t len;
	uint8_t *pristine[NSLOTS];
};

/* The valid program into the program slot. */
static void write_base(FIXTURE_DATA(err) *self)
{
	self->ops[0] = (struct ref_op){
		.opcode = CSA_PROG_OP_LINEAR, .src = CSA_OPERAND(X, 0),
		.dst = CSA_OPERAND(A, 0), .param = CSA_OPERAND(W, 0),
		.in_c = IN_C, .in_h = 4, .in_w = 4, .out_c = UNITS,
		.out_h = 1, .out_w = 1,
	};
	self->ops[1] = (struct ref_op){
		.opcode = CSA_PROG_OP_KWTA, .flags = CSA_PROG_F_BOOST,
		.src = CSA_OPERAND(A, 0), .dst = CSA_OPERAND(OUT, 0),
		.param = CSA_OPERAND(BOOST, 0), .in_c = UNITS, .in_h = 1,
		.in_w = 1, .out_c = UNITS, .out_h = 1, .out_w = 1, .k = KWTA_K,
	};
	self->len = ref_prog_write(self->p.s[PROG].map, self->ops, 2);
}

/* Every slot back to what the setup wrote. */
static void restore(FIXTURE_DATA(err) *self)
{
	for (uint32_t s = 0; s < NSLOTS; s++)
		memcpy(self->p.s[s].map, self->pristine[s], self->p.s[s].size);
}

FIXTURE_SETUP(err)
{
	static const uint32_t access[NSLOTS] = {
		[PROG] = RD, [X] = RD, [W] = RD, [A] = RD | WR, [OUT] = WR,
		[BOOST] = RD, [SP] = RD, [W20] = RD,
	};
	int8_t x[IN_N];
	uint64_t size[NSLOTS];
	int ret = pj_open(&self->p, 0);

	ASSERT_EQ(0, ret) TH_LOG("card 0: open, params, queue: %s", strerror(-ret));
	ASSERT_EQ(10u, self->p.max_k) TH_LOG("card 0 must have max-k 10 (tests/tests.mk)");
	rng_seed(77);
	ref_layer_make(&self->lin, UNITS, IN_N, 4, REF_COMPLEMENTARY, 100, true);
	ref_layer_make(&self->big, BIG_UNITS, IN_N, BIG_K, REF_COMPLEMENTARY,
		       100, false);
	ref_fill(x, IN_N, 80);
	size[PROG] = CSA_PROG_SIZE(CSA_PROG_MAX_OPS + 1);
	size[X] = IN_N;
	size[W] = self->lin.blob_size;
	size[A] = UNITS;
	size[OUT] = UNITS;
	size[BOOST] = 2 * UNITS;
	size[SP] = CSA_SPARSE_SIZE(IN_N);
	size[W20] = self->big.blob_size;
	for (uint32_t s = 0; s < NSLOTS; s++) {
		int i = pj_slot(&self->p, size[s], access[s]);

		ASSERT_EQ((int)s, i) TH_LOG("BO of slot %u: %s", s, strerror(-i));
	}
	pj_put(&self->p, X, 0, x, IN_N);
	pj_put(&self->p, W, 0, self->lin.blob, self->lin.blob_size);
	pj_put(&self->p, BOOST, 0, self->lin.blob + self->lin.boost_off,
	       2 * UNITS);
	ref_to_sparse(x, IN_N, IN_N, self->p.s[SP].map);
	pj_put(&self->p, W20, 0, self->big.blob, self->big.blob_size);
	write_base(self);
	for (uint32_t s = 0; s < NSLOTS; s++) {
		self->pristine[s] = malloc(self->p.s[s].size);
		ASSERT_NE(NULL, self->pristine[s]);
		memcpy(self->pristine[s], self->p.s[s].map, self->p.s[s].size);
	}
}

FIXTURE_TEARDOWN(err)
{
	for (uint32_t s = 0; s < NSLOTS; s++)
		free(self->pristine[s]);
	ref_layer_free(&self->lin);
	ref_layer_free(&self->big);
	pj_close(&self->p);
}

/* The valid program runs (again) and writes A and OUT. */
static void base_runs(struct __test_metadata *_metadata,
		      FIXTURE_DATA(err) *self, const char *after)
{
	int ret;

	restore(self);
	ret = pj_run(&self->p, PROG, self->len);
	ASSERT_EQ(0, ret) TH_LOG("after %s: next job: %s", after, strerror(-ret));
	ASSERT_TRUE(pj_outcome(&self->p, CSA_STATUS_OK, 0))
		TH_LOG("after %s: the next job on the queue did not run the valid program",
		       after);
	ASSERT_NE(-1, first_diff(self->p.s[OUT].map, self->pristine[OUT], UNITS))
		TH_LOG("after %s: the valid program wrote no output", after);
	restore(self);
}

/*
 * Run the program now in the program slot (@len bytes): refused with
 * @detail, every slot as before except those in
 * @written (bit per slot: outputs of ops that ran before the failure),
 * then the valid program on the same queue.
 */
static void refused(struct __test_metadata *_metadata, FIXTURE_DATA(err) *self,
		    uint64_t len, uint32_t detail, uint32_t written,
		    const char *what)
{
	uint8_t *before[NSLOTS];
	int ret;

	for (uint32_t s = 0; s < NSLOTS; s++) {
		before[s] = malloc(self->p.s[s].size);
		ASSERT_NE(NULL, before[s]);
		memcpy(before[s], self->p.s[s].map, self->p.s[s].size);
	}
	ret = pj_run(&self->p, PROG, len);
	ASSERT_EQ(0, ret) TH_LOG("%s: submit/wait: %s", what, strerror(-ret));
	ASSERT_TRUE(pj_outcome(&self->p, CSA_STATUS_PROGRAM, detail))
		TH_LOG("%s: not refused as documented", what);
	for (uint32_t s = 0; s < NSLOTS; s++) {
		long at = first_diff(self->p.s[s].map, before[s],
				     self->p.s[s].size);

		if (written & 1u << s) {
			ASSERT_NE(-1, at) TH_LOG("%s: slot %u was not written by the op before the failing one",
						 what, s);
		} else {
			ASSERT_EQ(-1, at) TH_LOG("%s: slot %u byte %ld changed (0x%02x, was 0x%02x)",
						 what, s, at, self->p.s[s].map[at],
						 before[s][at]);
		}
		free(before[s]);
	}
	base_runs(_metadata, self, what);
}

/* Rewrite the program from self->ops (n ops) and expect @detail. */
static void ops_refused(struct __test_metadata *_metadata,
			FIXTURE_DATA(err) *self, uint32_t n, uint32_t detail,
			const char *what)
{
	uint64_t len = ref_prog_write(self->p.s[PROG].map, self->ops, n);

	refused(_metadata, self, len, detail, 0, what);
	write_base(self);
}

/* Set @len bytes at @off of slot @s to @v, expect @detail, restore. */
static void bytes_refused(struct __test_metadata *_metadata,
			  FIXTURE_DATA(err) *self, uint32_t s, uint64_t off,
			  uint64_t v, unsigned int len, uint32_t detail,
			  const char *what)
{
	char name[128];

	snprintf(name, sizeof(name), "%s (slot %u byte %llu = 0x%llx)", what, s,
		 (unsigned long long)off, (unsigned long long)v);
	wle(self->p.s[s].map + off, v, len);
	refused(_metadata, self, self->len, detail, 0, name);
}

TEST_F(err, valid_program_runs)
{
	base_runs(_metadata, self, "setup");
	TH_LOG("valid program: %llu cycles, job %lld us",
	       (unsigned long long)self->p.cpl.cycles,
	       (long long)self->p.card_ns / 1000);
}

/*
 * The descriptor's own operand (the program: dst, size bytes, READ) is
 * checked like any descriptor operand: descriptor-level statuses and
 * their fence errors, not PROGRAM.
 */
static void desc_refused(struct __test_metadata *_metadata,
			 FIXTURE_DATA(err) *self, uint32_t prog_access,
			 uint32_t slot, uint64_t len, int fence, uint32_t status,
			 const char *what)
{
	int ret;

	self->p.s[PROG].access = prog_access;
	ret = pj_run(&self->p, slot, len);
	self->p.s[PROG].access = RD;

	ASSERT_EQ(0, ret) TH_LOG("%s: submit/wait: %s", what, strerror(-ret));
	ASSERT_EQ(fence, self->p.fence) TH_LOG("%s: fence error %d, expected %d",
					       what, self->p.fence, fence);
	ASSERT_EQ(status, self->p.cpl.status)
		TH_LOG("%s: status %s detail 0x%x, expected %s", what,
		       csa_status_name(self->p.cpl.status), self->p.cpl.detail,
		       csa_status_name(status));
	ASSERT_EQ(0u, self->p.cpl.detail) TH_LOG("%s: detail 0x%x, expected 0 (dst)",
						 what, self->p.cpl.detail);
	ASSERT_TRUE(pj_slots_match(&self->p)) TH_LOG("%s: a slot changed", what);
	base_runs(_metadata, self, what);
}

TEST_F(err, program_operand_checked_by_the_descriptor)
{
	desc_refused(_metadata, self, WR, PROG, self->len, -EACCES,
		     CSA_STATUS_ACCESS, "program in a WRITE-only slot");
	desc_refused(_metadata, self, RD, PROG, self->p.s[PROG].size + 1,
		     -EFAULT, CSA_STATUS_OUT_OF_BOUNDS, "program longer than its BO");
	desc_refused(_metadata, self, RD, NSLOTS + 1, self->len, -EFAULT,
		     CSA_STATUS_BAD_SLOT, "program in a slot past the bind table");
}

TEST_F(err, bad_op_code)
{
	static const uint16_t codes[] = { 0, 5, 0x80, 0xffff };

	for (uint32_t i = 0; i < ARRAY_SIZE(codes); i++) {
		self->ops[1].opcode = codes[i];
		ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_OPCODE),
			    "op 1 with an unknown opcode");
	}
	self->ops[0].opcode = CSA_PROG_OP_MAXPOOL2D + 1;
	ops_refused(_metadata, self, 2, D(0, 0, CSA_PROG_ERR_OPCODE),
		    "op 0 with opcode 5");
}

TEST_F(err, bad_magic_and_version)
{
	bytes_refused(_metadata, self, PROG, 0, CSA_PROG_MAGIC ^ 1, 4,
		      D(HDR, 0, CSA_PROG_ERR_MAGIC), "program magic");
	bytes_refused(_metadata, self, PROG, 4, CSA_FORMAT_VERSION + 1, 2,
		      D(HDR, 0, CSA_PROG_ERR_VERSION), "program version");
	bytes_refused(_metadata, self, PROG, 4, 0, 2,
		      D(HDR, 0, CSA_PROG_ERR_VERSION), "program version 0");
	bytes_refused(_metadata, self, PROG, 6, CSA_PROG_HDR_SIZE + 8, 2,
		      D(HDR, 0, CSA_PROG_ERR_SIZE), "program hdr_size");
	bytes_refused(_metadata, self, PROG, 12, CSA_PROG_OP_SIZE - 8, 2,
		      D(HDR, 0, CSA_PROG_ERR_SIZE), "program op_size");
	bytes_refused(_metadata, self, W, 0, 0x12345678, 4,
		      D(0, OPND_PARAM, CSA_PROG_ERR_MAGIC), "layer magic");
	bytes_refused(_metadata, self, W, 4, 2, 2,
		      D(0, OPND_PARAM, CSA_PROG_ERR_VERSION), "layer version");
}

TEST_F(err, descriptor_size_not_the_programs)
{
	refused(_metadata, self, self->len + CSA_PROG_OP_SIZE,
		D(HDR, 0, CSA_PROG_ERR_SIZE), 0, "size one op too long");
	refused(_metadata, self, self->len - 1, D(HDR, 0, CSA_PROG_ERR_SIZE), 0,
		"size one byte short");
	refused(_metadata, self, CSA_PROG_HDR_SIZE - 1,
		D(HDR, 0, CSA_PROG_ERR_SIZE), 0, "size below the header");
}

TEST_F(err, bad_shape)
{
	self->ops[0].out_h = 2;
	ops_refused(_metadata, self, 2, D(0, 0, CSA_PROG_ERR_SHAPE),
		    "LINEAR with out_h 2");
	self->ops[1].out_c = UNITS - 1;
	ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_SHAPE),
		    "KWTA out != in");
	self->ops[1].in_w = 0;
	ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_SHAPE),
		    "a dimension 0");
	self->ops[0].in_w = (uint32_t)self->p.max_dim + 1;
	ops_refused(_metadata, self, 2, D(0, 0, CSA_PROG_ERR_SHAPE),
		    "a dimension above the card's max-dim");
	/* 2048 x 33 > max-tensor 65536 */
	self->ops[1].in_c = self->ops[1].out_c = (uint32_t)self->p.max_dim;
	self->ops[1].in_h = self->ops[1].out_h = 33;
	ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_TENSOR),
		    "a tensor above the card's max-tensor");
	self->ops[0].in_c = IN_C + 1;
	ops_refused(_metadata, self, 2, D(0, OPND_PARAM, CSA_PROG_ERR_LAYER),
		    "LINEAR fan-in != the layer's columns");
	self->ops[0].out_c = UNITS + 1;
	ops_refused(_metadata, self, 2, D(0, OPND_PARAM, CSA_PROG_ERR_LAYER),
		    "LINEAR units != the layer's units");
	self->ops[1].opcode = CSA_PROG_OP_MAXPOOL2D;
	self->ops[1].flags = 0;
	self->ops[1].param = 0;
	self->ops[1].k = 0;
	self->ops[1].kh = self->ops[1].kw = 1;
	self->ops[1].sh = self->ops[1].sw = 1;
	self->ops[1].out_w = 2;
	ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_SHAPE),
		    "MAXPOOL2D out_w != the window's");
}

TEST_F(err, bad_flags_window_and_k)
{
	self->ops[0].flags = CSA_PROG_F_LOCAL;
	ops_refused(_metadata, self, 2, D(0, 0, CSA_PROG_ERR_FLAGS),
		    "LINEAR with LOCAL");
	self->ops[1].flags = CSA_PROG_F_BOOST | 1u << 6;
	ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_FLAGS),
		    "an unknown flag");
	self->ops[1].flags = CSA_PROG_F_BOOST | CSA_PROG_F_NO_SKIP;
	ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_FLAGS),
		    "KWTA with NO_SKIP");
	self->ops[0].flags = CSA_PROG_F_SRC_SPARSE | CSA_PROG_F_NO_SKIP;
	ops_refused(_metadata, self, 2, D(0, 0, CSA_PROG_ERR_FLAGS),
		    "NO_SKIP with a sparse input");
	self->ops[0].kh = 1;
	ops_refused(_metadata, self, 2, D(0, 0, CSA_PROG_ERR_WINDOW),
		    "LINEAR with a window");
	self->ops[1].k = 0;
	ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_K), "KWTA k 0");
	self->ops[1].k = UNITS + 1;
	ops_refused(_metadata, self, 2, D(1, 0, CSA_PROG_ERR_K),
		    "KWTA k above its input");
	self->ops[0].k = 3;
	ops_refused(_metadata, self, 2, D(0, 0, CSA_PROG_ERR_K), "LINEAR with k");
}

TEST_F(err, out_of_bounds_operands)
{
	uint64_t xs = self->p.s[X].size, os = self->p.s[OUT].size;

	self->ops[0].src = CSA_OPERAND(X, xs - IN_N + 1);
	ops_refused(_metadata, self, 2, D(0, OPND_SRC, CSA_PROG_ERR_BOUNDS),
		    "LINEAR input one byte past its BO");
	self->ops[1].dst = CSA_OPERAND(OUT, os - 1);
	ops_refused(_metadata, self, 2, D(1, OPND_DST, CSA_PROG_ERR_BOUNDS),
		    "KWTA output past its BO");
	self->ops[0].param = CSA_OPERAND(W, self->p.s[W].size - 32);
	ops_refused(_metadata, self, 2, D(0, OPND_PARAM, CSA_PROG_ERR_BOUNDS),
		    "layer header past its BO");
	self->ops[1].param = CSA_OPERAND(BOOST, self->p.s[BOOST].size - 2);
	ops_refused(_metadata, self, 2, D(1, OPND_PARAM, CSA_PROG_ERR_BOUNDS),
		    "boost array past its BO");
	self->ops[0].src = CSA_OPERAND(X, (1ull << 48) - 1);
	ops_refused(_metadata, self, 2, D(0, OPND_SRC, CSA_PROG_ERR_BOUNDS),
		    "offset 2^48 - 1");
	/* NSLOTS is the status record's slot: NSLOTS + 1 is none */
	self->ops[0].src = CSA_OPERAND(NSLOTS + 1, 0);
	ops_refused(_metadata, self, 2, D(0, OPND_SRC, CSA_PROG_ERR_BAD_SLOT),
		    "a slot past the bind table");
	self->ops[1].dst = CSA_OPERAND(0xffff, 0);
	ops_refused(_metadata, self, 2, D(1, OPND_DST, CSA_PROG_ERR_BAD_SLOT),
		    "slot 0xffff");
	/* the layer says it is larger than its BO */
	wle(self->p.s[W].map + 40, self->p.s[W].size + 1, 4);
	refused(_metadata, self, self->len, D(0, OPND_PARAM, CSA_PROG_ERR_BOUNDS),
		0, "layer total_size past its BO");
}

TEST_F(err, read_only_slot_as_output)
{
	self->ops[1].dst = CSA_OPERAND(W, 0);
	ops_refused(_metadata, self, 2, D(1, OPND_DST, CSA_PROG_ERR_ACCESS),
		    "KWTA writing over the READ-only layer");
	self->ops[0].dst = CSA_OPERAND(X, 0);
	ops_refused(_metadata, self, 2, D(0, OPND_DST, CSA_PROG_ERR_ACCESS),
		    "LINEAR writing over its READ-only input");
	self->ops[1].dst = CSA_OPERAND(PROG, 0);
	ops_refused(_metadata, self, 2, D(1, OPND_DST, CSA_PROG_ERR_ACCESS),
		    "KWTA writing over the program");
	self->ops[1].src = CSA_OPERAND(OUT, 0);
	ops_refused(_metadata, self, 2, D(1, OPND_SRC, CSA_PROG_ERR_ACCESS),
		    "KWTA reading the WRITE-only output");
	self->ops[0].param = CSA_OPERAND(OUT, 0);
	ops_refused(_metadata, self, 2, D(0, OPND_PARAM, CSA_PROG_ERR_ACCESS),
		    "layer in a WRITE-only slot");
}

/* A K 20 layer on card 0 (max-k 10) is refused; card 1 (max-k 20) runs it. */
TEST_F(err, k_above_the_cards_max_k)
{
	struct pj p1;
	int8_t y[BIG_UNITS];
	int ret, o;

	self->ops[0].param = CSA_OPERAND(W20, 0);
	self->ops[0].out_c = BIG_UNITS;
	ops_refused(_metadata, self, 1, D(0, OPND_PARAM, CSA_PROG_ERR_PACK_K),
		    "a K 20 layer on a max-k 10 card");

	/* K 0 and G * K < units are refused on any card */
	bytes_refused(_metadata, self, W, 20, 0, 2,
		      D(0, OPND_PARAM, CSA_PROG_ERR_PACK_K), "layer K 0");
	bytes_refused(_metadata, self, W, 22, self->lin.groups - 1, 2,
		      D(0, OPND_PARAM, CSA_PROG_ERR_PACK_K), "too few groups");

	ret = pj_open(&p1, 1);
	if (ret == -ENODEV) {
		pj_close(&p1);
		SKIP(return, "no second card for the max-k 20 half");
	}
	ASSERT_EQ(0, ret) TH_LOG("card 1: %s", strerror(-ret));
	ASSERT_LE((uint64_t)BIG_K, p1.max_k) TH_LOG("card 1 has max-k %llu",
					  (unsigned long long)p1.max_k);
	for (uint32_t s = 0; s < NSLOTS; s++) {
		int i = pj_slot(&p1, self->p.s[s].size, self->p.s[s].access);

		ASSERT_EQ((int)s, i);
		memcpy(p1.s[s].map, self->pristine[s], self->p.s[s].size);
	}
	self->ops[0].param = CSA_OPERAND(W20, 0);
	self->ops[0].out_c = BIG_UNITS;
	self->ops[0].dst = CSA_OPERAND(OUT, 0);
	/* OUT holds 40 units: one page */
	ret = pj_run(&p1, PROG, ref_prog_write(p1.s[PROG].map, self->ops, 1));
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(pj_outcome(&p1, CSA_STATUS_OK, 0))
		TH_LOG("the K 20 layer on card 1 (max-k %llu)",
		       (unsigned long long)p1.max_k);
	ref_linear(&self->big, (const int8_t *)self->pristine[X], y, NULL);
	o = (int)first_diff(p1.s[OUT].map, y, BIG_UNITS);
	pj_close(&p1);
	ASSERT_EQ(-1, o) TH_LOG("K 20 layer on card 1: unit %d differs from the dense reference", o);
}

/*
 * An op whose staging does not fit the card's 8 MiB of datapath memory
 * (KWTA over 5 Mi elements: input and marks, 2 bytes each, the output in
 * place): SCRATCH while validating.  Card 1 (max-tensor 16 Mi) allows such
 * a tensor.
 */
TEST_F(err, op_too_big_for_the_cards_memory)
{
	const uint32_t n = 5u << 20;
	struct ref_op op = {
		.opcode = CSA_PROG_OP_KWTA, .in_c = 1024, .in_h = 5120,
		.in_w = 1, .out_c = 1024, .out_h = 5120, .out_w = 1, .k = 10,
	};
	struct pj p1;
	int ret, sp, sx, so;

	ret = pj_open(&p1, 1);
	if (ret == -ENODEV) {
		pj_close(&p1);
		SKIP(return, "no second card");
	}
	ASSERT_EQ(0, ret) TH_LOG("card 1: %s", strerror(-ret));
	ASSERT_LE((uint64_t)n, p1.max_tensor);
	sp = pj_slot(&p1, CSA_PROG_SIZE(1), RD);
	sx = pj_slot(&p1, n, RD);
	so = pj_slot(&p1, n, WR);
	ASSERT_TRUE(sp >= 0 && sx >= 0 && so >= 0) TH_LOG("BOs of 5 MiB");
	op.src = CSA_OPERAND(sx, 0);
	op.dst = CSA_OPERAND(so, 0);
	ret = pj_run(&p1, sp, ref_prog_write(p1.s[sp].map, &op, 1));
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(pj_outcome(&p1, CSA_STATUS_PROGRAM,
			       D(0, 0, CSA_PROG_ERR_SCRATCH)))
		TH_LOG("KWTA over %u elements", n);
	/* a quarter of it fits */
	op.in_h = op.out_h = 1280;
	ret = pj_run(&p1, sp, ref_prog_write(p1.s[sp].map, &op, 1));
	ASSERT_EQ(0, ret);
	ASSERT_TRUE(pj_outcome(&p1, CSA_STATUS_OK, 0))
		TH_LOG("KWTA over %u elements", n / 4);
	pj_close(&p1);
}

TEST_F(err, reserved_fields_not_zero)
{
	static const uint8_t op_res[] = { 4, 5, 7, 62, 63, 68, 71, 75, 79 };
	static const uint8_t hdr_res[] = { 14, 15, 16, 23, 31 };
	static const uint8_t layer_res[] = { 8, 11, 44, 50, 63 };
	char what[64];

	for (uint32_t i = 0; i < ARRAY_SIZE(op_res); i++) {
		snprintf(what, sizeof(what), "op 1 reserved byte %u", op_res[i]);
		bytes_refused(_metadata, self, PROG,
			      CSA_PROG_HDR_SIZE + CSA_PROG_OP_SIZE + op_res[i], 0x40,
			      1, D(1, 0, CSA_PROG_ERR_RESERVED), what);
	}
	for (uint32_t i = 0; i < ARRAY_SIZE(hdr_res); i++) {
		snprintf(what, sizeof(what), "program header byte %u", hdr_res[i]);
		bytes_refused(_metadata, self, PROG, hdr_res[i], 1, 1,
			      D(HDR, 0, CSA_PROG_ERR_RESERVED), what);
	}
	for (uint32_t i = 0; i < ARRAY_SIZE(layer_res); i++) {
		snprintf(what, sizeof(what), "layer header byte %u", layer_res[i]);
		bytes_refused(_metadata, self, W, layer_res[i], 2, 1,
			      D(0, OPND_PARAM, CSA_PROG_ERR_RESERVED), what);
	}
	/* a param on an op that has none */
	self->ops[1].flags = 0;
	ops_refused(_metadata, self, 2, D(1, OPND_PARAM, CSA_PROG_ERR_RESERVED),
		    "KWTA without BOOST with a param");
	/* requantisation record 3 of the layer: reserved byte, shift 32 */
	bytes_refused(_metadata, self, W, self->lin.requant_off + 3 * 12 + 10, 1,
		      1, D(0, OPND_PARAM, CSA_PROG_ERR_REQUANT),
		      "requant reserved byte");
	bytes_refused(_metadata, self, W, self->lin.requant_off + 3 * 12 + 8, 32,
		      1, D(0, OPND_PARAM, CSA_PROG_ERR_REQUANT), "requant shift 32");
}

TEST_F(err, too_many_ops)
{
	uint8_t *prog = self->p.s[PROG].map;
	struct ref_op op = self->ops[1];
	uint64_t len;

	/* 256 ops: LINEAR then 255 KWTA; accepted and run */
	ref_op_write(prog + CSA_PROG_HDR_SIZE, &self->ops[0]);
	for (uint32_t i = 1; i < CSA_PROG_MAX_OPS + 1; i++)
		ref_op_write(prog + CSA_PROG_HDR_SIZE + i * CSA_PROG_OP_SIZE, &op);
	wle(prog + 8, CSA_PROG_MAX_OPS, 4);
	len = CSA_PROG_SIZE(CSA_PROG_MAX_OPS);
	ASSERT_EQ(0, pj_run(&self->p, PROG, len));
	ASSERT_TRUE(pj_outcome(&self->p, CSA_STATUS_OK, 0))
		TH_LOG("a program of CSA_PROG_MAX_OPS ops");
	ASSERT_EQ((uint32_t)CSA_PROG_MAX_OPS, self->p.ref.ops_done);
	restore(self);

	ref_op_write(prog + CSA_PROG_HDR_SIZE, &self->ops[0]);
	for (uint32_t i = 1; i < CSA_PROG_MAX_OPS + 1; i++)
		ref_op_write(prog + CSA_PROG_HDR_SIZE + i * CSA_PROG_OP_SIZE, &op);
	wle(prog + 8, CSA_PROG_MAX_OPS + 1, 4);
	refused(_metadata, self, CSA_PROG_SIZE(CSA_PROG_MAX_OPS + 1),
		D(HDR, 0, CSA_PROG_ERR_NUM_OPS), 0, "257 ops");
	write_base(self);
	wle(prog + 8, 0, 4);
	refused(_metadata, self, CSA_PROG_HDR_SIZE, D(HDR, 0, CSA_PROG_ERR_NUM_OPS),
		0, "0 ops");
	write_base(self);
	bytes_refused(_metadata, self, PROG, 8, 0x10000, 4,
		      D(HDR, 0, CSA_PROG_ERR_NUM_OPS), "65536 ops");
}

/* Only execution finds these: earlier outputs stay written, the op's not. */
TEST_F(err, failures_while_running)
{
	uint8_t *w = self->p.s[W].map, *sp = self->p.s[SP].map;
	const int8_t *x = (const int8_t *)self->pristine[X];
	uint32_t col = 0;

	/* a tag >= k in a column LINEAR visits (a non-zero input) */
	while (!x[col])
		col++;
	w[self->lin.weights_off + col * self->lin.groups * 2 + 1] = 4;
	refused(_metadata, self, self->len, D(0, OPND_PARAM, CSA_PROG_ERR_TAG),
		0, "weight tag 4 at K 4");

	/* op 1: LINEAR over a sparse input whose indices are not ascending */
	self->ops[1] = self->ops[0];
	self->ops[1].flags = CSA_PROG_F_SRC_SPARSE;
	self->ops[1].src = CSA_OPERAND(SP, 0);
	self->ops[1].dst = CSA_OPERAND(OUT, 0);
	wle(sp + 4, 3, 4);		/* count 3 */
	wle(sp + CSA_SPARSE_IDX_OFF, 9, 4);
	wle(sp + CSA_SPARSE_IDX_OFF + 4, 2, 4);
	wle(sp + CSA_SPARSE_IDX_OFF + 8, 30, 4);
	refused(_metadata, self, ref_prog_write(self->p.s[PROG].map, self->ops, 2),
		D(1, OPND_SRC, CSA_PROG_ERR_SPARSE), 1u << A,
		"sparse input with descending indices");
	write_base(self);

	/* the sparse header is checked while running, too */
	self->ops[1] = self->ops[0];
	self->ops[1].flags = CSA_PROG_F_SRC_SPARSE;
	self->ops[1].src = CSA_OPERAND(SP, 0);
	self->ops[1].dst = CSA_OPERAND(OUT, 0);
	wle(sp + 12, IN_N + 1, 4);	/* numel */
	refused(_metadata, self, ref_prog_write(self->p.s[PROG].map, self->ops, 2),
		D(1, OPND_SRC, CSA_PROG_ERR_SPARSE), 1u << A,
		"sparse input of another numel");
	write_base(self);
}

TEST_HARNESS_MAIN
