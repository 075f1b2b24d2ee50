// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * CSA_OP_PROGRAM through the command processor (firmware/csa_cmdproc.c)
 * with a fake bus: the five-op network of test_dp_net.h runs from buffers
 * scattered over many small segments, and must give the same bytes, the
 * same cycles and touch nothing outside its slots; the CPU reference run
 * (csa_prog_run over plain memory) must agree bit for bit.  Also: refused
 * programs and operands report status CSA_STATUS_PROGRAM with the op,
 * operand and reason, write the status record and no data; the program
 * operand itself is checked like any descriptor operand.
 */
#include "kselftest_harness.h"

#include "csa_cmdproc.h"
#include "test_dp_net.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(4u << 20)
#define S_STATUS	S_NUM		/* one more slot: the status record */
#define NSLOTS		(S_NUM + 1)

struct bus {
	uint8_t *ram;
	uint8_t *owned;		/* byte belongs to a slot segment */
	uint64_t brk;
	uint64_t table;
	uint64_t seg_addr[NSLOTS][64];
	uint64_t seg_len[NSLOTS][64];
	uint32_t nsegs[NSLOTS];
	uint64_t size[NSLOTS];
};

static int bus_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct bus *b = ctx;

	if (addr < RAM_BASE || addr - RAM_BASE > RAM_SIZE ||
	    len > RAM_SIZE - (addr - RAM_BASE))
		return -1;
	memcpy(buf, b->ram + (addr - RAM_BASE), len);
	return 0;
}

static int bus_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct bus *b = ctx;

	if (addr < RAM_BASE || addr - RAM_BASE > RAM_SIZE ||
	    len > RAM_SIZE - (addr - RAM_BASE))
		return -1;
	memcpy(b->ram + (addr - RAM_BASE), buf, len);
	return 0;
}

static uint64_t bus_clock(void *ctx)
{
	(void)ctx;
	return 5000;
}

static const struct csa_cmdproc_ops bus_ops = {
	.read = bus_read, .write = bus_write, .clock = bus_clock,
};

static uint8_t guard(uint64_t i)
{
	return (uint8_t)((i * 167) ^ (i >> 11) ^ 0x3c);
}

static uint64_t bus_alloc(struct bus *b, uint64_t len, uint64_t align)
{
	uint64_t a = (b->brk + align - 1) / align * align;

	b->brk = a + len;
	if (b->brk > RAM_BASE + RAM_SIZE)
		abort();
	return a;
}

/*
 * Slot s of size bytes in segments of 1..max_seg bytes, each followed by a
 * gap, in reverse address order; contents from data.
 */
static void bus_slot(struct bus *b, uint32_t s, const uint8_t *data,
		     uint64_t size, uint32_t max_seg, uint32_t access)
{
	uint64_t segs, off = 0;
	uint32_t n = 0;
	uint8_t raw[32];

	while (off < size) {
		uint64_t len = 1 + rng_below(max_seg);

		if (n == 63 || len > size - off)
			len = size - off;
		b->seg_len[s][n++] = len;
		off += len;
	}
	b->nsegs[s] = n;
	b->size[s] = size;
	/* allocate from the last segment to the first: reverse order */
	for (uint32_t i = n; i-- > 0;) {
		b->seg_addr[s][i] = bus_alloc(b, b->seg_len[s][i] + 8, 1);
		memset(b->owned + (b->seg_addr[s][i] - RAM_BASE), 1,
		       b->seg_len[s][i]);
	}
	off = 0;
	for (uint32_t i = 0; i < n; i++) {
		memcpy(b->ram + (b->seg_addr[s][i] - RAM_BASE), data + off,
		       b->seg_len[s][i]);
		off += b->seg_len[s][i];
	}
	segs = bus_alloc(b, 16ull * n, 16);
	for (uint32_t i = 0; i < n; i++) {
		wle(b->ram + (segs - RAM_BASE) + 16 * i, b->seg_addr[s][i], 8);
		wle(b->ram + (segs - RAM_BASE) + 16 * i + 8, b->seg_len[s][i], 8);
	}
	memset(raw, 0, sizeof(raw));
	wle(raw, segs, 8);
	wle(raw + 8, size, 8);
	wle(raw + 16, n, 4);
	wle(raw + 20, access, 4);
	memcpy(b->ram + (b->table - RAM_BASE) + 32 * s, raw, 32);
}

/* The slot's bytes as the card left them. */
static void bus_get(struct bus *b, uint32_t s, uint8_t *out)
{
	uint64_t off = 0;

	for (uint32_t i = 0; i < b->nsegs[s]; i++) {
		memcpy(out + off, b->ram + (b->seg_addr[s][i] - RAM_BASE),
		       b->seg_len[s][i]);
		off += b->seg_len[s][i];
	}
}

/* No byte outside the slots' segments changed (bind table included). */
static bool bus_guard_ok(struct bus *b, const uint8_t *before)
{
	for (size_t i = 0; i < RAM_SIZE; i++) {
		if (b->owned[i] || b->ram[i] == before[i])
			continue;
		fprintf(stderr, "# RAM outside every slot changed at 0x%llx\n",
			(unsigned long long)(RAM_BASE + i));
		return false;
	}
	return true;
}

FIXTURE(pc) {
	struct net n;
	struct bus b;
	struct csa_cmdproc cp;
	struct csa_desc d;
	struct csa_cpl cpl;
	uint8_t *before;
	uint8_t *scratch;
};

FIXTURE_SETUP(pc)
{
	uint8_t status[CSA_CPL_SIZE];

	net_build(&self->n, 4242);
	self->b.ram = malloc(RAM_SIZE);
	self->b.owned = calloc(RAM_SIZE, 1);
	self->before = malloc(RAM_SIZE);
	self->scratch = aligned_alloc(64, 4u << 20);
	ASSERT_TRUE(self->b.ram && self->b.owned && self->before && self->scratch)
		TH_LOG("out of memory");
	for (size_t i = 0; i < RAM_SIZE; i++)
		self->b.ram[i] = guard(i);
	self->b.brk = RAM_BASE + 4096;
	self->b.table = bus_alloc(&self->b, 32 * NSLOTS, 16);
	rng_seed(99);
	for (uint32_t s = 0; s < S_NUM; s++)
		bus_slot(&self->b, s, self->n.m.s[s].buf, self->n.m.s[s].size,
			 s == S_LIN ? 97 : 29, self->n.m.s[s].access);
	memset(status, 0xee, sizeof(status));
	bus_slot(&self->b, S_STATUS, status, sizeof(status), 32,
		 CSA_ACCESS_WRITE);
	self->cp = (struct csa_cmdproc){
		.ops = &bus_ops, .ctx = &self->b,
		.scratch = self->scratch, .scratch_size = 4u << 20,
		.dp_lanes = 64, .max_k = 20, .max_dim = 65535,
		.max_tensor = 16777216,
	};
	memset(&self->d, 0, sizeof(self->d));
	self->d.seqno = 77;
	self->d.opcode = CSA_OP_PROGRAM;
	self->d.flags = CSA_DESC_F_STATUS;
	self->d.bind_table = self->b.table;
	self->d.num_binds = NSLOTS;
	self->d.dst = CSA_OPERAND(S_PROG, 0);
	self->d.size = self->n.prog_len;
	self->d.status = CSA_OPERAND(S_STATUS, 0);
}

FIXTURE_TEARDOWN(pc)
{
	net_free(&self->n);
	free(self->b.ram);
	free(self->b.owned);
	free(self->before);
	free(self->scratch);
}

static void pc_run(FIXTURE_DATA(pc) *self)
{
	uint8_t raw[CSA_DESC_SIZE];

	memcpy(self->before, self->b.ram, RAM_SIZE);
	csa_desc_encode(raw, &self->d);
	csa_cmdproc_exec(&self->cp, raw, &self->cpl);
}

static bool cpl_is(const struct csa_cpl *c, uint32_t status, uint32_t detail)
{
	if (c->status == status && c->detail == detail)
		return true;
	fprintf(stderr, "# completion: status %s (%u) detail 0x%x (op %u operand %u reason %s), expected %s (%u) detail 0x%x (op %u operand %u reason %s)\n",
		csa_status_name(c->status), c->status, c->detail,
		CSA_PROG_DETAIL_OP(c->detail), CSA_PROG_DETAIL_OPND(c->detail),
		csa_prog_err_name(CSA_PROG_DETAIL_ERR(c->detail)),
		csa_status_name(status), status, detail,
		CSA_PROG_DETAIL_OP(detail), CSA_PROG_DETAIL_OPND(detail),
		csa_prog_err_name(CSA_PROG_DETAIL_ERR(detail)));
	return false;
}

/* Every data slot as the card left it equals expect[] (net slots). */
static bool slots_are(FIXTURE_DATA(pc) *self, uint8_t *const *expect,
		      const char *what)
{
	for (uint32_t s = 0; s < S_NUM; s++) {
		uint8_t *got = malloc(self->b.size[s]);
		long at;

		bus_get(&self->b, s, got);
		at = first_diff(got, expect[s], self->b.size[s]);
		if (at >= 0)
			fprintf(stderr, "# %s: slot %u byte %ld is 0x%02x, expected 0x%02x\n",
				what, s, at, got[at], expect[s][at]);
		free(got);
		if (at >= 0)
			return false;
	}
	return true;
}

/* The status record the card wrote equals the completion. */
static bool status_record_ok(FIXTURE_DATA(pc) *self)
{
	uint8_t raw[CSA_CPL_SIZE], want[CSA_CPL_SIZE];

	bus_get(&self->b, S_STATUS, raw);
	csa_cpl_encode(want, &self->cpl);
	if (!memcmp(raw, want, sizeof(raw)))
		return true;
	fprintf(stderr, "# the status record differs from the completion\n");
	return false;
}

TEST_F(pc, network_runs_bit_exact_with_the_cpu_reference)
{
	static uint8_t scratch[TEST_SCRATCH] __attribute__((aligned(8)));
	struct csa_prog_result ref;
	struct csa_prog_env env;

	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_OK, 0));
	ASSERT_EQ(77u, self->cpl.seqno) TH_LOG("seqno not echoed");
	ASSERT_TRUE(slots_are(self, self->n.want, "card"))
		TH_LOG("the card's results differ from the reference network");
	ASSERT_TRUE(bus_guard_ok(&self->b, self->before))
		TH_LOG("the program wrote outside its slots");
	ASSERT_TRUE(status_record_ok(self));

	/* the CPU reference: same engine over plain memory */
	env = tmem_env(&self->n.m, scratch);
	csa_prog_run(&env, S_PROG, 0, self->n.prog_len, &ref);
	ASSERT_EQ(0u, ref.status) TH_LOG("CPU reference run failed");
	ASSERT_TRUE(net_slots_are(&self->n, self->n.want, "cpu reference"));
	ASSERT_EQ(CSA_CYCLES_DESC + ref.cycles, self->cpl.cycles)
		TH_LOG("card cycles %llu != %u + CPU reference cycles %llu",
		       (unsigned long long)self->cpl.cycles, CSA_CYCLES_DESC,
		       (unsigned long long)ref.cycles);
	ASSERT_EQ(5000 + self->cpl.cycles, self->cpl.timestamp)
		TH_LOG("timestamp must be start + cycles");
}

/* Tag bind slot s (struct csa_bind_slot.tag at byte 24). */
static void tag_slot(FIXTURE_DATA(pc) *self, uint32_t s, uint64_t tag)
{
	csa_put_le(self->b.ram + (self->b.table - RAM_BASE) + 32 * s + 24,
		   tag, 8);
}

TEST_F(pc, tagged_layers_are_decoded_once_per_queue)
{
	static uint8_t scratch[TEST_SCRATCH] __attribute__((aligned(8)));
	struct csa_layer_cache *card = calloc(1, sizeof(*card));
	struct csa_layer_cache *cpu = calloc(1, sizeof(*cpu));
	struct csa_prog_mem_slot ms[S_NUM];
	struct csa_prog_mem mem = { ms, S_NUM };
	struct csa_prog_result ref;
	struct csa_prog_env env;
	uint64_t plain;

	ASSERT_TRUE(card && cpu) TH_LOG("out of memory");
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_OK, 0));
	plain = self->cpl.cycles;

	self->cp.lcache = card;
	tag_slot(self, S_CONV, 1ull << 40);
	tag_slot(self, S_LIN, (1ull << 40) + 1);
	for (uint32_t s = 0; s < S_NUM; s++)
		ms[s] = (struct csa_prog_mem_slot){
			.base = self->n.m.s[s].buf, .size = self->n.m.s[s].size,
			.access = self->n.m.s[s].access,
		};
	ms[S_CONV].tag = 1ull << 40;
	ms[S_LIN].tag = (1ull << 40) + 1;
	env = tmem_env(&self->n.m, scratch);
	env.io = &csa_prog_mem_io;
	env.ctx = &mem;
	env.lcache = cpu;
	for (int i = 0; i < 3; i++) {
		pc_run(self);
		ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_OK, 0)) TH_LOG("run %d", i);
		ASSERT_TRUE(slots_are(self, self->n.want, "cached card"))
			TH_LOG("run %d: results differ", i);
		/* run 0 misses and costs what no cache costs; later ones save */
		ASSERT_TRUE(i ? self->cpl.cycles < plain : self->cpl.cycles == plain)
			TH_LOG("run %d: %llu cycles, %llu without a cache", i,
			       (unsigned long long)self->cpl.cycles,
			       (unsigned long long)plain);
		/* the CPU reference with its own cache follows the same path */
		csa_prog_run(&env, S_PROG, 0, self->n.prog_len, &ref);
		ASSERT_EQ(0u, ref.status);
		ASSERT_EQ(CSA_CYCLES_DESC + ref.cycles, self->cpl.cycles)
			TH_LOG("run %d: card and CPU reference cycles differ", i);
	}
	ASSERT_EQ(4u, card->hits);
	ASSERT_EQ(2u, card->misses);
	free(card);
	free(cpu);
}

TEST_F(pc, refused_program_writes_only_its_status_record)
{
	uint8_t *snap[S_NUM];

	/* op 3 local k 7 > 6 channels */
	self->n.ops[3].k = 7;
	net_write_prog(&self->n);
	bus_slot(&self->b, S_PROG, self->n.m.s[S_PROG].buf,
		 self->n.m.s[S_PROG].size, 29, CSA_ACCESS_READ);
	for (uint32_t s = 0; s < S_NUM; s++)
		snap[s] = self->n.m.s[s].buf;	/* nothing ran: initial bytes */
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_PROGRAM,
			   CSA_PROG_DETAIL(3, CSA_PROG_OPND_NONE, CSA_PROG_ERR_K)));
	ASSERT_TRUE(slots_are(self, snap, "refused"))
		TH_LOG("a refused program changed a slot");
	ASSERT_TRUE(bus_guard_ok(&self->b, self->before));
	ASSERT_TRUE(status_record_ok(self));
	ASSERT_STREQ("program", csa_status_name(CSA_STATUS_PROGRAM))
		TH_LOG("status name");
}

TEST_F(pc, program_operand_is_checked_like_any_operand)
{
	/* needs READ: make the program slot write-only */
	bus_slot(&self->b, S_PROG, self->n.m.s[S_PROG].buf,
		 self->n.m.s[S_PROG].size, 29, CSA_ACCESS_WRITE);
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_ACCESS, CSA_DETAIL_DST));
	bus_slot(&self->b, S_PROG, self->n.m.s[S_PROG].buf,
		 self->n.m.s[S_PROG].size, 29, CSA_ACCESS_READ);
	self->d.size = self->n.m.s[S_PROG].size + 1;
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_OUT_OF_BOUNDS, CSA_DETAIL_DST));
	self->d.size = self->n.prog_len;
	self->d.dst = CSA_OPERAND(NSLOTS, 0);
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_BAD_SLOT, CSA_DETAIL_DST));
	/* a size that fits the slot but not the program: the engine says so */
	self->d.dst = CSA_OPERAND(S_PROG, 0);
	self->d.size = self->n.prog_len + 1;
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_PROGRAM,
			   CSA_PROG_DETAIL(CSA_PROG_DETAIL_HDR, 0, CSA_PROG_ERR_SIZE)));
	ASSERT_TRUE(bus_guard_ok(&self->b, self->before));
}

TEST_F(pc, op_operands_go_through_the_bind_table)
{
	uint8_t raw[32];

	/* an op naming a slot past num_binds */
	self->d.num_binds = S_SP;	/* op 3 writes S_SP, op 4 reads it */
	self->d.flags = 0;
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_PROGRAM,
			   CSA_PROG_DETAIL(3, CSA_PROG_OPND_DST, CSA_PROG_ERR_BAD_SLOT)));
	ASSERT_TRUE(bus_guard_ok(&self->b, self->before));
	self->d.num_binds = NSLOTS;
	self->d.flags = CSA_DESC_F_STATUS;

	/* a malformed bind entry (cache tag on a writable slot), conv layer */
	memcpy(raw, self->b.ram + (self->b.table - RAM_BASE) + 32 * S_CONV, 32);
	self->b.ram[self->b.table - RAM_BASE + 32 * S_CONV + 20] =
		CSA_ACCESS_READ | CSA_ACCESS_WRITE;
	self->b.ram[self->b.table - RAM_BASE + 32 * S_CONV + 24] = 1;
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_PROGRAM,
			   CSA_PROG_DETAIL(0, CSA_PROG_OPND_PARAM, CSA_PROG_ERR_BAD_BIND)));
	memcpy(self->b.ram + (self->b.table - RAM_BASE) + 32 * S_CONV, raw, 32);

	/* the output slot made read-only */
	bus_slot(&self->b, S_OUT, self->n.m.s[S_OUT].buf,
		 self->n.m.s[S_OUT].size, 29, CSA_ACCESS_READ);
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_PROGRAM,
			   CSA_PROG_DETAIL(4, CSA_PROG_OPND_DST, CSA_PROG_ERR_ACCESS)));
	ASSERT_TRUE(bus_guard_ok(&self->b, self->before));
	ASSERT_TRUE(status_record_ok(self));
}

TEST_F(pc, card_without_scratch_refuses_programs)
{
	self->cp.scratch = NULL;
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_PROGRAM,
			   CSA_PROG_DETAIL(CSA_PROG_DETAIL_HDR, 0, CSA_PROG_ERR_SCRATCH)));
	self->cp.scratch = self->scratch;
	self->cp.max_k = 1;	/* the card's MAX_K: conv layer has K = 2 */
	pc_run(self);
	ASSERT_TRUE(cpl_is(&self->cpl, CSA_STATUS_PROGRAM,
			   CSA_PROG_DETAIL(0, CSA_PROG_OPND_PARAM, CSA_PROG_ERR_PACK_K)));
}

TEST_HARNESS_MAIN
