// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Host unit test of the card's command processor (firmware/csa_cmdproc.c)
 * against a fake bus: one RAM window with DMA callbacks that count calls
 * and can fail on demand.  Every test keeps a shadow copy of RAM with the
 * changes it expects, computed by its own (slow, byte-wise) translation of
 * slot offsets, and compares all of RAM with it afterwards: whatever the
 * card wrote outside the expected bytes shows up as a guard mismatch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "csa_cmdproc.h"

#define RAM_BASE	0x10000000ull
#define RAM_SIZE	(24u << 20)
#define PAGE		4096u
#define T0		1000000u	/* card clock when a descriptor starts */

struct fakemem {
	uint8_t *ram;
	uint8_t *shadow;	/* RAM as the test expects it */
	uint64_t brk;		/* bump allocator, bus address */
	uint64_t fail_lo, fail_hi;	/* accesses touching this range fail */
	unsigned int reads, writes;
	uint64_t clock;
};

/* A slot as the test built it (host copy of its segment table). */
struct tslot {
	uint64_t segs;		/* bus address of the segment table */
	uint64_t size;
	uint32_t nsegs;
	struct csa_seg *seg;
};

static uint8_t *mem_at(struct fakemem *m, uint64_t addr, size_t len)
{
	if (addr < RAM_BASE || addr - RAM_BASE > RAM_SIZE ||
	    len > RAM_SIZE - (addr - RAM_BASE))
		return NULL;
	if (len && addr < m->fail_hi && addr + len > m->fail_lo)
		return NULL;
	return m->ram + (addr - RAM_BASE);
}

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct fakemem *m = ctx;
	uint8_t *p = mem_at(m, addr, len);

	m->reads++;
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

static int fake_write(void *ctx, uint64_t addr, const void *buf, size_t len)
{
	struct fakemem *m = ctx;
	uint8_t *p = mem_at(m, addr, len);

	m->writes++;
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}

static uint64_t fake_clock(void *ctx)
{
	return ((struct fakemem *)ctx)->clock;
}

static const struct csa_cmdproc_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
	.clock = fake_clock,
};

static uint64_t mem_alloc(struct fakemem *m, uint64_t size, uint64_t align)
{
	uint64_t a = (m->brk + align - 1) / align * align;

	m->brk = a + size;
	if (m->brk > RAM_BASE + RAM_SIZE) {
		fprintf(stderr, "fake RAM exhausted\n");
		abort();
	}
	return a;
}

/* Setup writes go to RAM and shadow alike. */
static void mem_put(struct fakemem *m, uint64_t addr, const void *buf,
		    size_t len)
{
	memcpy(m->ram + (addr - RAM_BASE), buf, len);
	memcpy(m->shadow + (addr - RAM_BASE), buf, len);
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void write_segs(struct fakemem *m, struct tslot *s)
{
	uint8_t raw[16];

	s->size = 0;
	for (uint32_t i = 0; i < s->nsegs; i++) {
		put_le(raw, s->seg[i].addr, 8);
		put_le(raw + 8, s->seg[i].len, 8);
		mem_put(m, s->segs + 16ull * i, raw, 16);
		s->size += s->seg[i].len;
	}
}

static struct tslot *slot_new(struct fakemem *m, uint32_t nsegs)
{
	struct tslot *s = calloc(1, sizeof(*s));

	s->nsegs = nsegs;
	s->seg = calloc(nsegs, sizeof(*s->seg));
	s->segs = mem_alloc(m, 16ull * nsegs, 16);
	return s;
}

static void slot_free(struct tslot *s)
{
	free(s->seg);
	free(s);
}

/* Segments of the given lengths, each followed by a 64-byte guard gap. */
static struct tslot *slot_lens(struct fakemem *m, const uint64_t *lens,
			       uint32_t n)
{
	struct tslot *s = slot_new(m, n);

	for (uint32_t i = 0; i < n; i++) {
		s->seg[i].addr = mem_alloc(m, lens[i] + 64, 1);
		s->seg[i].len = lens[i];
	}
	write_segs(m, s);
	return s;
}

static struct tslot *slot_contig(struct fakemem *m, uint64_t size)
{
	return slot_lens(m, &size, 1);
}

/*
 * npages pages in reversed order with a guard page between neighbours:
 * slot page k lives at region + 2 * (npages - 1 - k) pages.
 */
static struct tslot *slot_pages(struct fakemem *m, uint32_t npages)
{
	struct tslot *s = slot_new(m, npages);
	uint64_t region = mem_alloc(m, 2ull * npages * PAGE, PAGE);

	for (uint32_t k = 0; k < npages; k++) {
		s->seg[k].addr = region + 2ull * (npages - 1 - k) * PAGE;
		s->seg[k].len = PAGE;
	}
	write_segs(m, s);
	return s;
}

/*
 * Rewrite a slot's segment table as a chain: blocks of per_block segments
 * each, every block but the last ending in a link entry (len 0) to the
 * next, the blocks placed in reverse order with gaps between them.
 */
static void chain_segs(struct fakemem *m, struct tslot *s, uint32_t per_block)
{
	uint32_t nblocks = (s->nsegs + per_block - 1) / per_block;
	uint64_t region = mem_alloc(m, 32ull * (per_block + 1) * nblocks, 16);
	uint8_t raw[16];

	for (uint32_t b = 0; b < nblocks; b++) {
		uint64_t at = region + 32ull * (per_block + 1) * (nblocks - 1 - b);

		if (!b)
			s->segs = at;
		for (uint32_t k = 0; k < per_block && b * per_block + k < s->nsegs; k++) {
			put_le(raw, s->seg[b * per_block + k].addr, 8);
			put_le(raw + 8, s->seg[b * per_block + k].len, 8);
			mem_put(m, at, raw, 16);
			at += 16;
		}
		if (b + 1 < nblocks) {
			put_le(raw, region + 32ull * (per_block + 1) * (nblocks - 2 - b), 8);
			put_le(raw + 8, 0, 8);
			mem_put(m, at, raw, 16);
		}
	}
}

static void bind_raw(struct fakemem *m, uint64_t table, uint32_t idx,
		     uint64_t segs, uint64_t size, uint32_t nsegs,
		     uint32_t access, uint64_t tag)
{
	uint8_t raw[32];

	put_le(raw, segs, 8);
	put_le(raw + 8, size, 8);
	put_le(raw + 16, nsegs, 4);
	put_le(raw + 20, access, 4);
	put_le(raw + 24, tag, 8);
	mem_put(m, table + 32ull * idx, raw, 32);
}

static void bind(struct fakemem *m, uint64_t table, uint32_t idx,
		 const struct tslot *s, uint32_t access)
{
	bind_raw(m, table, idx, s->segs, s->size, s->nsegs, access, 0);
}

/* The test's own translation: bus address of byte off of the slot. */
static uint64_t slot_addr(const struct tslot *s, uint64_t off)
{
	for (uint32_t i = 0; i < s->nsegs; i++) {
		if (off < s->seg[i].len)
			return s->seg[i].addr + off;
		off -= s->seg[i].len;
	}
	abort();
}

static uint8_t *shadow_byte(struct fakemem *m, const struct tslot *s,
			    uint64_t off)
{
	return m->shadow + (slot_addr(s, off) - RAM_BASE);
}

static uint8_t ram_byte(struct fakemem *m, const struct tslot *s, uint64_t off)
{
	return m->ram[slot_addr(s, off) - RAM_BASE];
}

/* Expected effect of a FILL of [off, off + size) with pattern value. */
static void expect_fill(struct fakemem *m, const struct tslot *s,
			uint64_t off, uint64_t size, uint32_t value)
{
	for (uint64_t i = 0; i < size; i++)
		*shadow_byte(m, s, off + i) = (uint8_t)(value >> (8 * (i % 4)));
}

/* Expected effect of a COPY, with memmove semantics. */
static void expect_copy(struct fakemem *m, const struct tslot *d,
			uint64_t doff, const struct tslot *s, uint64_t soff,
			uint64_t size)
{
	uint8_t *tmp = malloc(size ? size : 1);

	for (uint64_t i = 0; i < size; i++)
		tmp[i] = *shadow_byte(m, s, soff + i);
	for (uint64_t i = 0; i < size; i++)
		*shadow_byte(m, d, doff + i) = tmp[i];
	free(tmp);
}

static void expect_bytes(struct fakemem *m, const struct tslot *s,
			 uint64_t off, const void *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		*shadow_byte(m, s, off + i) = ((const uint8_t *)buf)[i];
}

/*
 * True when all of RAM equals the expected image; otherwise says where it
 * first differs (a write outside the operand, or a missing write).
 */
static bool mem_ok(struct fakemem *m)
{
	for (size_t i = 0; i < RAM_SIZE; i += 4096) {
		if (!memcmp(m->ram + i, m->shadow + i, 4096))
			continue;
		for (size_t j = i; j < i + 4096; j++) {
			if (m->ram[j] == m->shadow[j])
				continue;
			fprintf(stderr, "# RAM differs from the expected image at bus address 0x%llx: card left 0x%02x, expected 0x%02x\n",
			       (unsigned long long)(RAM_BASE + j), m->ram[j],
			       m->shadow[j]);
			return false;
		}
	}
	return true;
}

/* A TH_LOG() may follow to add context. */
#define ASSERT_MEM_AS_EXPECTED(m) ASSERT_TRUE(mem_ok(m))

/* True when the completion says status/detail; otherwise says what it got. */
static bool cpl_is(const struct csa_cpl *c, uint32_t status, uint32_t detail)
{
	if (c->status == status && c->detail == detail)
		return true;
	fprintf(stderr, "# completion: got status %s (%u) detail %u, expected %s (%u) detail %u (detail: 0 dst, 1 src, 2 status operand)\n",
	       csa_status_name(c->status), c->status, c->detail,
	       csa_status_name(status), status, detail);
	return false;
}

/* A TH_LOG() may follow to add context. */
#define ASSERT_CPL(cpl, status, detail) \
	ASSERT_TRUE(cpl_is(&(cpl), (status), (detail)))

FIXTURE(cp) {
	struct fakemem m;
	struct csa_cmdproc cp;
	uint8_t bounce[65536];
	uint64_t table;		/* bind table */
	struct csa_desc d;	/* descriptor under test */
	struct csa_cpl cpl;
};

FIXTURE_SETUP(cp)
{
	self->m.ram = malloc(RAM_SIZE);
	self->m.shadow = malloc(RAM_SIZE);
	ASSERT_NE(NULL, self->m.ram)
		TH_LOG("no memory for the fake RAM");
	ASSERT_NE(NULL, self->m.shadow)
		TH_LOG("no memory for the shadow RAM");
	/* guard pattern: every byte depends on its address */
	for (size_t i = 0; i < RAM_SIZE; i++)
		self->m.ram[i] = (uint8_t)((i * 131) ^ (i >> 9) ^ 0x5a);
	memcpy(self->m.shadow, self->m.ram, RAM_SIZE);
	self->m.brk = RAM_BASE + 4096;
	self->m.clock = T0;
	self->cp = (struct csa_cmdproc) {
		.ops = &fake_ops,
		.ctx = &self->m,
		.bounce = self->bounce,
		.bounce_size = sizeof(self->bounce),
	};
	self->table = mem_alloc(&self->m, 32 * CSA_MAX_BINDS, 16);
	memset(&self->d, 0, sizeof(self->d));
	self->d.seqno = 0x1122334455667788ull;
	self->d.bind_table = self->table;
}

FIXTURE_TEARDOWN(cp)
{
	free(self->m.ram);
	free(self->m.shadow);
}

static int run(FIXTURE_DATA(cp) *self)
{
	uint8_t raw[CSA_DESC_SIZE];

	memset(&self->cpl, 0xee, sizeof(self->cpl));
	csa_desc_encode(raw, &self->d);
	return (int)csa_cmdproc_exec(&self->cp, raw, &self->cpl);
}

#define RUN_DONE() \
	ASSERT_EQ(CSA_CMD_DONE, run(self)) TH_LOG("descriptor did not complete")

static uint64_t cost(uint64_t bytes)
{
	return CSA_CYCLES_DESC + (bytes + 63) / 64;
}

TEST(layouts_are_little_endian_at_documented_offsets)
{
	struct csa_desc d = {
		.seqno = 0x0102030405060708ull, .opcode = 0x11, .flags = 0x22,
		.bind_table = 0x33, .num_binds = 0x44, .reserved = 0x55,
		.dst = 0x66, .src = 0x77, .size = 0x88, .value = 0x99,
		.status = 0xaa, .reserved2 = 0xbb,
	};
	static const unsigned int off[] = { 8, 12, 16, 24, 28, 32, 40, 48,
					    56, 64, 72 };
	uint8_t raw[CSA_DESC_SIZE];
	struct csa_desc back;
	struct csa_cpl c = { 1, 2, 3, 4, 5 }, cback;
	uint8_t craw[CSA_CPL_SIZE];

	ASSERT_EQ(80, CSA_DESC_SIZE)
		TH_LOG("CSA_DESC_SIZE is not the 80 bytes the layout needs");
	ASSERT_EQ(sizeof(struct csa_desc), (size_t)CSA_DESC_SIZE)
		TH_LOG("struct csa_desc size != CSA_DESC_SIZE");
	ASSERT_EQ(sizeof(struct csa_cpl), (size_t)CSA_CPL_SIZE)
		TH_LOG("struct csa_cpl size != CSA_CPL_SIZE");
	ASSERT_EQ(32ul, sizeof(struct csa_bind_slot))
		TH_LOG("struct csa_bind_slot is not 32 bytes");
	ASSERT_EQ(16ul, sizeof(struct csa_seg))
		TH_LOG("struct csa_seg is not 16 bytes");
	csa_desc_encode(raw, &d);
	ASSERT_EQ(0x08, raw[0]) TH_LOG("seqno not little endian at 0");
	for (unsigned int i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		ASSERT_EQ(0x11u * (i + 1), (unsigned int)raw[off[i]])
			TH_LOG("field %u not at byte %u", i + 1, off[i]);
	}
	csa_desc_decode(&back, raw);
	ASSERT_EQ(0, memcmp(&d, &back, sizeof(d))) TH_LOG("desc round trip");
	csa_cpl_encode(craw, &c);
	ASSERT_EQ(2, craw[8])
		TH_LOG("cpl status not at byte 8");
	ASSERT_EQ(3, craw[12])
		TH_LOG("cpl detail not at byte 12");
	ASSERT_EQ(4, craw[16])
		TH_LOG("cpl cycles not at byte 16");
	ASSERT_EQ(5, craw[24])
		TH_LOG("cpl timestamp not at byte 24");
	csa_cpl_decode(&cback, craw);
	ASSERT_EQ(0, memcmp(&c, &cback, sizeof(c))) TH_LOG("cpl round trip");
}

TEST_F(cp, nop_completes_with_base_cost)
{
	self->d.opcode = CSA_OP_NOP;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	ASSERT_EQ(self->d.seqno, self->cpl.seqno) TH_LOG("seqno not echoed");
	ASSERT_EQ(cost(0), self->cpl.cycles)
		TH_LOG("NOP cycles: expected the fixed per-descriptor cost");
	ASSERT_EQ(T0 + cost(0), self->cpl.timestamp)
		TH_LOG("timestamp = start clock + cycles");
	ASSERT_EQ(0u, self->m.reads) TH_LOG("NOP must not read the bind table");
	ASSERT_MEM_AS_EXPECTED(&self->m);
}

TEST_F(cp, fill_contiguous)
{
	struct tslot *s = slot_contig(&self->m, 1000);

	bind(&self->m, self->table, 0, s, CSA_ACCESS_WRITE);
	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 12);
	self->d.size = 400;
	self->d.value = 0xffffffffa1b2c3d4ull;	/* only the low 32 bits */
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	ASSERT_EQ(cost(400), self->cpl.cycles)
		TH_LOG("FILL cycles: expected 32 + ceil(400 / 64)");
	expect_fill(&self->m, s, 12, 400, 0xa1b2c3d4);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

TEST_F(cp, fill_across_odd_segments_small_bounce)
{
	static const uint64_t lens[] = { 3, 5, 1, 4096, 7, 100, 2, 9000 };
	struct tslot *s = slot_lens(&self->m, lens, 8);

	self->cp.bounce_size = 64;	/* many chunks, pattern must stay in phase */
	bind(&self->m, self->table, 5, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 6;
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(5, 1);
	self->d.size = s->size - 2;	/* 13212: leaves the last byte */
	self->d.value = 0x04030201;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	expect_fill(&self->m, s, 1, s->size - 2, 0x04030201);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

TEST_F(cp, fill_size_not_multiple_of_4_is_bad_desc)
{
	struct tslot *s = slot_contig(&self->m, 64);

	bind(&self->m, self->table, 0, s, CSA_ACCESS_WRITE);
	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_FILL;
	self->d.size = 6;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_DESC, 0);
	ASSERT_EQ(cost(0), self->cpl.cycles) TH_LOG("failed = base cost");
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

TEST_F(cp, zero_size_fill_and_copy_touch_nothing)
{
	struct tslot *s = slot_contig(&self->m, 64);

	bind(&self->m, self->table, 0, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 64);	/* offset == size is fine */
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	self->d.opcode = CSA_OP_COPY;
	self->d.src = CSA_OPERAND(0, 64);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	self->d.dst = CSA_OPERAND(0, 65);	/* past the end is not */
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OUT_OF_BOUNDS, 0);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

TEST_F(cp, copy_between_scattered_slots)
{
	struct tslot *a = slot_pages(&self->m, 8);
	static const uint64_t lens[] = { 100, 5000, 3, 30000 };
	struct tslot *b = slot_lens(&self->m, lens, 4);

	bind(&self->m, self->table, 0, a, CSA_ACCESS_READ);
	bind(&self->m, self->table, 1, b, CSA_ACCESS_WRITE);
	self->d.num_binds = 2;
	self->d.opcode = CSA_OP_COPY;
	self->d.dst = CSA_OPERAND(1, 77);
	self->d.src = CSA_OPERAND(0, 4000);
	self->d.size = 20000;
	self->cp.bounce_size = 1000;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	ASSERT_EQ(cost(20000), self->cpl.cycles)
		TH_LOG("COPY cycles: expected 32 + ceil(size / 64)");
	expect_copy(&self->m, b, 77, a, 4000, 20000);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(a);
	slot_free(b);
}

/*
 * Segment tables chained through link entries (len 0): a COPY between two
 * chained slots, forward, and backward inside one (memmove walks the
 * table back to front, which restarts the chain walk).
 */
TEST_F(cp, chained_segment_tables)
{
	struct tslot *a = slot_pages(&self->m, 40);
	struct tslot *b = slot_pages(&self->m, 40);

	chain_segs(&self->m, a, 3);
	chain_segs(&self->m, b, 7);
	bind(&self->m, self->table, 0, a, CSA_ACCESS_READ);
	bind(&self->m, self->table, 1, b, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 2;
	self->d.opcode = CSA_OP_COPY;
	self->d.dst = CSA_OPERAND(1, 77);
	self->d.src = CSA_OPERAND(0, 4000);
	self->d.size = 30 * PAGE;
	self->cp.bounce_size = 1000;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	expect_copy(&self->m, b, 77, a, 4000, 30 * PAGE);
	ASSERT_MEM_AS_EXPECTED(&self->m);

	self->d.dst = CSA_OPERAND(1, 3 * PAGE + 5);
	self->d.src = CSA_OPERAND(1, 100);
	self->d.size = 20 * PAGE;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	expect_copy(&self->m, b, 3 * PAGE + 5, b, 100, 20 * PAGE);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(a);
	slot_free(b);
}

/* Links that cannot be followed fail the bind; nothing is written. */
TEST_F(cp, malformed_segment_links_are_bad_bind)
{
	static const uint64_t lens[] = { 64, 64 };
	struct tslot *s = slot_lens(&self->m, lens, 2);
	uint64_t t = mem_alloc(&self->m, 64, 16);
	static const struct { uint64_t link; const char *what; } bad[] = {
		{ 0, "link to address 0" },
		{ 8, "link to an unaligned address (+8)" },
		{ 0xf00000000ull, "link to unreadable memory" },
	};
	uint8_t raw[16];

	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 0);
	self->d.size = 128;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* segment 0, then a link where segment 1 should follow */
		put_le(raw, s->seg[0].addr, 8);
		put_le(raw + 8, 64, 8);
		mem_put(&self->m, t, raw, 16);
		put_le(raw, bad[i].link == 8 ? t + 8 : bad[i].link, 8);
		put_le(raw + 8, 0, 8);
		mem_put(&self->m, t + 16, raw, 16);
		bind_raw(&self->m, self->table, 0, t, 128, 2, CSA_ACCESS_WRITE, 0);
		RUN_DONE();
		ASSERT_CPL(self->cpl, CSA_STATUS_BAD_BIND, 0) TH_LOG("%s", bad[i].what);
		ASSERT_MEM_AS_EXPECTED(&self->m) TH_LOG("%s", bad[i].what);
	}
	/* a link to a link: could loop without end */
	put_le(raw, t + 16, 8);
	put_le(raw + 8, 0, 8);
	mem_put(&self->m, t + 16, raw, 16);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_BIND, 0) TH_LOG("link to itself");
	ASSERT_MEM_AS_EXPECTED(&self->m);
	/*
	 * A loop back through a segment only aliases memory the host gave the
	 * slot: num_segs and the slot size end the walk (100 times seg 0).
	 */
	put_le(raw, t, 8);
	mem_put(&self->m, t + 16, raw, 16);
	bind_raw(&self->m, self->table, 0, t, 64 * 100, 100, CSA_ACCESS_WRITE, 0);
	self->d.size = 64 * 100;
	self->d.value = 0x5a5a5a5a;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0) TH_LOG("loop over one segment, 100 times");
	slot_free(s);
}

/* Overlapping COPY inside one slot behaves like memmove, both directions. */
TEST_F(cp, copy_overlap_is_memmove)
{
	static const uint64_t lens[] = { 10, 4096, 33, 5000, 1 };
	static const struct { uint64_t dst, src, size; } c[] = {
		{ 100, 0, 9000 },	/* dst after src: must copy backward */
		{ 0, 100, 9000 },	/* dst before src: forward */
		{ 7, 3, 5 },
		{ 3, 7, 5 },
		{ 50, 50, 1000 },	/* same range */
	};
	struct tslot *s = slot_lens(&self->m, lens, 5);

	bind(&self->m, self->table, 0, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_COPY;
	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		self->cp.bounce_size = i % 2 ? 64 : 4096;
		self->d.dst = CSA_OPERAND(0, c[i].dst);
		self->d.src = CSA_OPERAND(0, c[i].src);
		self->d.size = c[i].size;
		RUN_DONE();
		ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
		expect_copy(&self->m, s, c[i].dst, s, c[i].src, c[i].size);
		ASSERT_MEM_AS_EXPECTED(&self->m)
			TH_LOG("case %u: dst %llu src %llu size %llu", i,
			       (unsigned long long)c[i].dst,
			       (unsigned long long)c[i].src,
			       (unsigned long long)c[i].size);
	}
	slot_free(s);
}

TEST_F(cp, write_value_and_timestamp)
{
	static const uint64_t lens[] = { 5, 11 };	/* the 8 bytes straddle */
	struct tslot *s = slot_lens(&self->m, lens, 2);
	uint8_t le[8];

	bind(&self->m, self->table, 0, s, CSA_ACCESS_WRITE);
	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_WRITE_VALUE;
	self->d.dst = CSA_OPERAND(0, 1);
	self->d.value = 0x8877665544332211ull;
	self->d.size = 12345;	/* ignored */
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	ASSERT_EQ(cost(8), self->cpl.cycles)
		TH_LOG("WRITE_VALUE cycles: expected 32 + 1");
	put_le(le, self->d.value, 8);
	expect_bytes(&self->m, s, 1, le, 8);
	ASSERT_MEM_AS_EXPECTED(&self->m);

	self->m.clock = 0xabcdef012345ull;
	self->d.opcode = CSA_OP_TIMESTAMP;
	self->d.dst = CSA_OPERAND(0, 8);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	put_le(le, 0xabcdef012345ull, 8);
	expect_bytes(&self->m, s, 8, le, 8);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	ASSERT_EQ(0xabcdef012345ull + cost(8), self->cpl.timestamp)
		TH_LOG("timestamp must be start clock + cycles");

	self->d.dst = CSA_OPERAND(0, 9);	/* 8 bytes from 9 > 16 */
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OUT_OF_BOUNDS, 0);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

TEST_F(cp, unknown_and_debug_opcodes)
{
	static const uint32_t bad[] = { 0x05, 0x10, 0xef, 0xf2, 0xff,
					0x100, 0xffffffff };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		self->d.opcode = bad[i];
		RUN_DONE();
		ASSERT_CPL(self->cpl, CSA_STATUS_BAD_OPCODE, 0)
			TH_LOG("opcode 0x%x", bad[i]);
	}
	/* debug opcodes are unknown unless the card enables them */
	self->d.opcode = CSA_OP_DEBUG_HANG;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_OPCODE, 0);
	self->d.opcode = CSA_OP_DEBUG_DELAY;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_OPCODE, 0);
	self->d.opcode = CSA_OP_DEBUG_DMA_ERROR;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_OPCODE, 0);

	self->cp.debug_ops = true;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_DMA_ERROR, 0);
	/* DELAY: the value is the card time it takes, at most 2^32 - 1 */
	self->d.opcode = CSA_OP_DEBUG_DELAY;
	self->d.value = 123456;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	ASSERT_LE(123456u, self->cpl.cycles) TH_LOG("DELAY 123456 took %llu cycles",
						   (unsigned long long)self->cpl.cycles);
	ASSERT_GT(123456u + 100, self->cpl.cycles);
	self->d.value = CSA_DEBUG_DELAY_MAX + 1;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_DESC, 0) TH_LOG("DELAY of 2^32 cycles");
	self->d.value = 0;
	self->d.opcode = CSA_OP_DEBUG_HANG;
	ASSERT_EQ(CSA_CMD_HANG, run(self)) TH_LOG("HANG must not complete");
	self->d.opcode = CSA_OP_DEBUG_CRASH;
	ASSERT_EQ(CSA_CMD_CRASH, run(self)) TH_LOG("CRASH must not complete");
	/* the header is checked before the opcode, debug or not */
	self->d.flags = 1u << 5;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_DESC, 0)
		TH_LOG("HANG with an unknown flag must fail, not hang");
	ASSERT_MEM_AS_EXPECTED(&self->m);
}

TEST_F(cp, malformed_header_is_bad_desc_without_status_record)
{
	struct tslot *s = slot_contig(&self->m, 64);

	bind(&self->m, self->table, 0, s, CSA_ACCESS_WRITE);
	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_NOP;
	self->d.status = CSA_OPERAND(0, 0);

	self->d.flags = CSA_DESC_F_STATUS | (1u << 2);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_DESC, 0) TH_LOG("unknown flag");
	self->d.flags = CSA_DESC_F_STATUS | 0x80000000u;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_DESC, 0) TH_LOG("flag bit 31");
	self->d.flags = CSA_DESC_F_STATUS;
	self->d.reserved = 1;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_DESC, 0) TH_LOG("reserved");
	self->d.reserved = 0;
	self->d.reserved2 = 1ull << 63;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_DESC, 0) TH_LOG("reserved2");
	self->d.reserved2 = 0;
	self->d.num_binds = CSA_MAX_BINDS + 1;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_DESC, 0) TH_LOG("num_binds 65");
	ASSERT_MEM_AS_EXPECTED(&self->m);
	/* a valid header with the same flags does write the record */
	self->d.num_binds = CSA_MAX_BINDS;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0) TH_LOG("64 binds are fine");
	ASSERT_FALSE(memcmp(self->m.ram, self->m.shadow, RAM_SIZE) == 0)
		TH_LOG("status record missing");
	slot_free(s);
}

TEST_F(cp, slot_index_checked_per_operand)
{
	struct tslot *s = slot_contig(&self->m, 256);

	bind(&self->m, self->table, 0, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	bind(&self->m, self->table, 1, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 2;
	self->d.opcode = CSA_OP_COPY;
	self->d.size = 16;

	self->d.dst = CSA_OPERAND(2, 0);
	self->d.src = CSA_OPERAND(0, 0);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_SLOT, 0);
	self->d.dst = CSA_OPERAND(1, 0);
	self->d.src = CSA_OPERAND(0xffff, 0);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_SLOT, 1);
	self->d.src = CSA_OPERAND(0, 0);
	self->d.flags = CSA_DESC_F_STATUS;
	self->d.status = CSA_OPERAND(2, 0);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_SLOT, 2);
	/* num_binds 0: every operand is a bad slot */
	self->d.flags = 0;
	self->d.num_binds = 0;
	self->d.opcode = CSA_OP_WRITE_VALUE;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_SLOT, 0);
	ASSERT_MEM_AS_EXPECTED(&self->m)
		TH_LOG("a failed descriptor changed memory");
	slot_free(s);
}

TEST_F(cp, bounds_checked_without_overflow)
{
	struct tslot *s = slot_pages(&self->m, 4);	/* 16 KiB */
	static const struct { uint64_t off, size; } c[] = {
		{ 0, 16388 },			/* one word too long */
		{ 16384, 4 },			/* starts at the end */
		{ 16380, 8 },
		{ CSA_OPERAND_OFF_MASK, 4 },	/* offset 2^48 - 1 */
		{ CSA_OPERAND_OFF_MASK - 3, 4 },
		{ 4, 0xfffffffffffffffcull },	/* off + size wraps to 0 */
		{ 16, UINT64_MAX - 15 + 1 },
		{ CSA_OPERAND_OFF_MASK - 3, UINT64_MAX - CSA_OPERAND_OFF_MASK + 4 },
	};

	bind(&self->m, self->table, 0, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	bind(&self->m, self->table, 1, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 2;
	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		self->d.opcode = CSA_OP_FILL;
		self->d.dst = CSA_OPERAND(0, c[i].off);
		self->d.size = c[i].size & ~3ull;
		RUN_DONE();
		ASSERT_CPL(self->cpl, CSA_STATUS_OUT_OF_BOUNDS, 0)
			TH_LOG("FILL case %u: offset 0x%llx size 0x%llx", i,
			       (unsigned long long)c[i].off,
			       (unsigned long long)c[i].size);
		/* the same range as a COPY source */
		self->d.opcode = CSA_OP_COPY;
		self->d.dst = CSA_OPERAND(1, 0);
		self->d.src = CSA_OPERAND(0, c[i].off);
		self->d.size = c[i].size;
		RUN_DONE();
		ASSERT_EQ((uint32_t)CSA_STATUS_OUT_OF_BOUNDS, self->cpl.status)
			TH_LOG("COPY case %u: got %s", i,
			       csa_status_name(self->cpl.status));
		/* dst is checked first: a too-long dst fails as dst */
		ASSERT_EQ(c[i].size > 16384 ? 0u : 1u, self->cpl.detail)
			TH_LOG("COPY case %u: wrong operand blamed", i);
	}
	ASSERT_MEM_AS_EXPECTED(&self->m);
	/* the last word is in bounds */
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 16380);
	self->d.size = 4;
	self->d.value = 0xdeadbeef;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	expect_fill(&self->m, s, 16380, 4, 0xdeadbeef);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

TEST_F(cp, access_modes_enforced)
{
	struct tslot *ro = slot_contig(&self->m, 256);
	struct tslot *wo = slot_contig(&self->m, 256);
	struct tslot *rw = slot_contig(&self->m, 256);

	bind(&self->m, self->table, 0, ro, CSA_ACCESS_READ);
	bind(&self->m, self->table, 1, wo, CSA_ACCESS_WRITE);
	bind(&self->m, self->table, 2, rw, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 3;

	self->d.opcode = CSA_OP_FILL;		/* write to read-only */
	self->d.dst = CSA_OPERAND(0, 0);
	self->d.size = 16;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_ACCESS, 0);
	self->d.opcode = CSA_OP_WRITE_VALUE;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_ACCESS, 0);
	self->d.opcode = CSA_OP_TIMESTAMP;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_ACCESS, 0);
	self->d.opcode = CSA_OP_COPY;		/* read from write-only */
	self->d.dst = CSA_OPERAND(2, 0);
	self->d.src = CSA_OPERAND(1, 0);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_ACCESS, 1);
	self->d.src = CSA_OPERAND(0, 0);	/* status into read-only */
	self->d.flags = CSA_DESC_F_STATUS;
	self->d.status = CSA_OPERAND(0, 64);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_ACCESS, 2);
	ASSERT_MEM_AS_EXPECTED(&self->m)
		TH_LOG("a refused descriptor changed memory");

	/* read-only source into write-only destination is the normal case */
	self->d.dst = CSA_OPERAND(1, 0);
	self->d.status = CSA_OPERAND(2, 32);
	self->d.flags = 0;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	expect_copy(&self->m, wo, 0, ro, 0, 16);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(ro);
	slot_free(wo);
	slot_free(rw);
}

TEST_F(cp, malformed_binds_and_segments_are_bad_bind)
{
	static const uint64_t lens[] = { 64, 64 };
	struct tslot *s = slot_lens(&self->m, lens, 2);
	uint64_t segs2 = mem_alloc(&self->m, 64, 16);
	uint8_t raw[16];
	unsigned int n = 0;

	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 0);
	self->d.size = 128;

#define EXPECT_BAD_BIND(what) do {					\
	n++;								\
	RUN_DONE();							\
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_BIND, 0) TH_LOG("%s", what); \
	ASSERT_MEM_AS_EXPECTED(&self->m) TH_LOG("%s", what);		\
} while (0)

	self->d.bind_table = self->table + 8;
	EXPECT_BAD_BIND("bind table not 16-byte aligned");
	self->d.bind_table = 0xf00000000ull;
	EXPECT_BAD_BIND("bind table unreadable");
	self->d.bind_table = UINT64_MAX - 15;
	EXPECT_BAD_BIND("bind entry wraps the address space");
	self->d.bind_table = self->table;

	bind_raw(&self->m, self->table, 0, s->segs + 8, 128, 2,
		 CSA_ACCESS_WRITE, 0);
	EXPECT_BAD_BIND("segment table not 16-byte aligned");
	bind_raw(&self->m, self->table, 0, s->segs, 128, 0, CSA_ACCESS_WRITE, 0);
	EXPECT_BAD_BIND("num_segs 0");
	bind_raw(&self->m, self->table, 0, s->segs, 0, 2, CSA_ACCESS_WRITE, 0);
	self->d.size = 0;
	EXPECT_BAD_BIND("slot size 0");
	self->d.size = 128;
	bind_raw(&self->m, self->table, 0, s->segs, 128, 2, CSA_ACCESS_WRITE, 1);
	EXPECT_BAD_BIND("cache tag on a writable slot");
	bind_raw(&self->m, self->table, 0, s->segs, 128, 2, 0, 0);
	EXPECT_BAD_BIND("access 0");
	bind_raw(&self->m, self->table, 0, s->segs, 128, 2, 4 | 2, 0);
	EXPECT_BAD_BIND("unknown access bit");
	bind_raw(&self->m, self->table, 0, 0xf00000000ull, 128, 2,
		 CSA_ACCESS_WRITE, 0);
	EXPECT_BAD_BIND("segment table unreadable");
	bind_raw(&self->m, self->table, 0, UINT64_MAX - 15, 128, 2,
		 CSA_ACCESS_WRITE, 0);
	EXPECT_BAD_BIND("segment table wraps");
	bind_raw(&self->m, self->table, 0, s->segs, 200, 2, CSA_ACCESS_WRITE, 0);
	self->d.size = 196;
	EXPECT_BAD_BIND("segments end before the slot size");
	self->d.size = 128;
	bind_raw(&self->m, self->table, 0, s->segs, 100, 2, CSA_ACCESS_WRITE, 0);
	self->d.size = 100;
	EXPECT_BAD_BIND("segments reach past the slot size");

	/* segment entries themselves (len 0 is a link: its own test) */
	put_le(raw, segs2 + 8, 8);
	put_le(raw + 8, 0, 8);
	mem_put(&self->m, segs2, raw, 16);
	bind_raw(&self->m, self->table, 0, segs2, 128, 2, CSA_ACCESS_WRITE, 0);
	self->d.size = 4;
	EXPECT_BAD_BIND("first entry a link to an unaligned address");
	put_le(raw, UINT64_MAX - 63, 8);
	put_le(raw + 8, 128, 8);
	mem_put(&self->m, segs2, raw, 16);
	bind_raw(&self->m, self->table, 0, segs2, 128, 1, CSA_ACCESS_WRITE, 0);
	EXPECT_BAD_BIND("segment wraps the address space");
	ASSERT_EQ(15u, n)
		TH_LOG("not every malformed-bind case ran");

	/* a malformed bind for the source blames the source */
	bind(&self->m, self->table, 0, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	bind_raw(&self->m, self->table, 1, s->segs, 128, 0, CSA_ACCESS_READ, 0);
	self->d.num_binds = 2;
	self->d.opcode = CSA_OP_COPY;
	self->d.src = CSA_OPERAND(1, 0);
	self->d.size = 8;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_BIND, 1);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

/*
 * A slot's check walks only the segments up to its range's end, and the
 * bad one is found before anything is written.
 */
TEST_F(cp, bad_segment_late_in_range_writes_nothing)
{
	struct tslot *s = slot_pages(&self->m, 64);

	s->seg[40].len = 0;	/* segment 40 is broken */
	write_segs(&self->m, s);
	bind_raw(&self->m, self->table, 0, s->segs, 64 * PAGE, 64,
		 CSA_ACCESS_WRITE, 0);
	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 0);
	self->d.size = 64 * PAGE;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_BIND, 0);
	ASSERT_MEM_AS_EXPECTED(&self->m)
		TH_LOG("pages before the broken segment were written");
	/* a range that ends before the broken segment works */
	self->d.size = 40 * PAGE;
	self->d.value = 0x01010101;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	expect_fill(&self->m, s, 0, 40 * PAGE, 0x01010101);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

/* 4 MiB slots in 1024 scattered, reversed 4 KiB pages. */
TEST_F(cp, many_segment_slots)
{
	struct tslot *a = slot_pages(&self->m, 1024);
	struct tslot *b = slot_pages(&self->m, 1024);
	unsigned int reads;

	bind(&self->m, self->table, 0, a, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	bind(&self->m, self->table, 1, b, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 2;

	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 0);
	self->d.size = 4 << 20;
	self->d.value = 0xc0ffee11;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	ASSERT_EQ(cost(4 << 20), self->cpl.cycles)
		TH_LOG("4 MiB FILL cycles: expected 32 + 65536");
	expect_fill(&self->m, a, 0, 4 << 20, 0xc0ffee11);
	ASSERT_MEM_AS_EXPECTED(&self->m);

	/* unaligned copy of almost everything, then check and count reads */
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(1, 0);
	self->d.value = 0x55aa55aa;
	RUN_DONE();
	expect_fill(&self->m, b, 0, 4 << 20, 0x55aa55aa);
	for (uint64_t off = 0; off < (4 << 20); off += 4093)
		*shadow_byte(&self->m, a, off) = (uint8_t)(off >> 3);
	memcpy(self->m.ram, self->m.shadow, RAM_SIZE);
	self->m.reads = 0;
	self->d.opcode = CSA_OP_COPY;
	self->d.dst = CSA_OPERAND(1, 3);
	self->d.src = CSA_OPERAND(0, 1);
	self->d.size = (4 << 20) - 5;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	expect_copy(&self->m, b, 3, a, 1, (4 << 20) - 5);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	reads = self->m.reads;
	/* data: one read per source page piece (~2 per page across bounce
	 * chunks); segment tables: 32 segments per read and a few walks */
	ASSERT_LT(reads, 1024u * 2 + 64 * 6)
		TH_LOG("%u DMA reads: the segment table is not walked efficiently",
		       reads);

	/* a word near the end of the slot: bounded number of reads too */
	self->m.reads = 0;
	self->d.opcode = CSA_OP_WRITE_VALUE;
	self->d.dst = CSA_OPERAND(1, (4 << 20) - 8);
	self->d.value = 42;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	ASSERT_LT(self->m.reads, 80u)
		TH_LOG("%u reads to reach the last segment", self->m.reads);
	{
		uint8_t le[8];

		put_le(le, 42, 8);
		expect_bytes(&self->m, b, (4 << 20) - 8, le, 8);
	}
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(a);
	slot_free(b);
}

TEST_F(cp, status_record_on_success_and_failure)
{
	struct tslot *s = slot_contig(&self->m, 256);
	struct csa_cpl rec;
	uint8_t raw[CSA_CPL_SIZE];

	bind(&self->m, self->table, 0, s, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 1;
	self->d.flags = CSA_DESC_F_STATUS | CSA_DESC_F_IRQ;
	self->d.status = CSA_OPERAND(0, 200);
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 0);
	self->d.size = 64;
	self->d.value = 7;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	for (int i = 0; i < CSA_CPL_SIZE; i++)
		raw[i] = ram_byte(&self->m, s, 200 + i);
	csa_cpl_decode(&rec, raw);
	ASSERT_EQ(0, memcmp(&rec, &self->cpl, sizeof(rec)))
		TH_LOG("status record differs from the completion: seqno %llx status %u cycles %llu",
		       (unsigned long long)rec.seqno, rec.status,
		       (unsigned long long)rec.cycles);
	expect_fill(&self->m, s, 0, 64, 7);
	expect_bytes(&self->m, s, 200, raw, CSA_CPL_SIZE);
	ASSERT_MEM_AS_EXPECTED(&self->m);

	/* a failed operation still reports through the record */
	self->d.seqno = 99;
	self->d.dst = CSA_OPERAND(0, 240);	/* 64 bytes do not fit */
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OUT_OF_BOUNDS, 0);
	for (int i = 0; i < CSA_CPL_SIZE; i++)
		raw[i] = ram_byte(&self->m, s, 200 + i);
	csa_cpl_decode(&rec, raw);
	ASSERT_EQ(99u, rec.seqno)
		TH_LOG("status record of a failed job has the wrong seqno");
	ASSERT_EQ((uint32_t)CSA_STATUS_OUT_OF_BOUNDS, rec.status)
		TH_LOG("status record of a failed job has the wrong status");
	expect_bytes(&self->m, s, 200, raw, CSA_CPL_SIZE);
	ASSERT_MEM_AS_EXPECTED(&self->m);

	/* so does an unknown opcode */
	self->d.opcode = 0x77;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_BAD_OPCODE, 0);
	ASSERT_EQ((uint32_t)CSA_STATUS_BAD_OPCODE,
		  (uint32_t)ram_byte(&self->m, s, 208));
	*shadow_byte(&self->m, s, 208) = CSA_STATUS_BAD_OPCODE;
	ASSERT_MEM_AS_EXPECTED(&self->m);

	/* a status operand that does not fit fails before the data moves */
	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(0, 0);
	self->d.value = 9;
	self->d.status = CSA_OPERAND(0, 256 - 31);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OUT_OF_BOUNDS, 2);
	ASSERT_MEM_AS_EXPECTED(&self->m) TH_LOG("data written although the status operand was bad");

	/* a record that cannot be written fails an otherwise good job */
	self->m.fail_lo = slot_addr(s, 128);
	self->m.fail_hi = self->m.fail_lo + 1;
	self->d.status = CSA_OPERAND(0, 120);
	self->d.size = 4;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_DMA_ERROR, 2);
	expect_fill(&self->m, s, 0, 4, 9);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(s);
}

TEST_F(cp, dma_failures_blame_the_operand)
{
	static const uint64_t lens[] = { 4096, 4096 };
	struct tslot *a = slot_lens(&self->m, lens, 2);
	struct tslot *b = slot_contig(&self->m, 8192);
	struct tslot *bad = slot_new(&self->m, 1);

	bad->seg[0].addr = 0xf00000000ull;	/* nothing there */
	bad->seg[0].len = 4096;
	write_segs(&self->m, bad);
	bind(&self->m, self->table, 0, a, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	bind(&self->m, self->table, 1, b, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	bind(&self->m, self->table, 2, bad, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 3;

	self->d.opcode = CSA_OP_FILL;
	self->d.dst = CSA_OPERAND(2, 0);
	self->d.size = 64;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_DMA_ERROR, 0);
	self->d.opcode = CSA_OP_COPY;
	self->d.dst = CSA_OPERAND(1, 0);
	self->d.src = CSA_OPERAND(2, 0);
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_DMA_ERROR, 1);
	ASSERT_MEM_AS_EXPECTED(&self->m);

	/* a failure in the second segment: the first was already copied */
	self->m.fail_lo = a->seg[1].addr + 100;
	self->m.fail_hi = a->seg[1].addr + 101;
	self->d.dst = CSA_OPERAND(0, 0);
	self->d.src = CSA_OPERAND(1, 0);
	self->d.size = 8192;
	self->cp.bounce_size = 8192;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_DMA_ERROR, 0);
	ASSERT_EQ(cost(0), self->cpl.cycles)
		TH_LOG("no chunk completed, so no data cycles");
	expect_copy(&self->m, a, 0, b, 0, 4096);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(a);
	slot_free(b);
	slot_free(bad);
}

/* Stepping with a small budget gives the same result as one call. */
TEST_F(cp, stepwise_execution_matches)
{
	struct tslot *a = slot_pages(&self->m, 64);
	struct tslot *b = slot_pages(&self->m, 64);
	uint8_t raw[CSA_DESC_SIZE];
	struct csa_cmd *cmd = malloc(sizeof(*cmd));
	enum csa_cmd_state st;
	unsigned int steps = 0;

	for (uint64_t off = 0; off < 64 * PAGE; off += 97)
		*shadow_byte(&self->m, a, off) = (uint8_t)off;
	memcpy(self->m.ram, self->m.shadow, RAM_SIZE);
	bind(&self->m, self->table, 0, a, CSA_ACCESS_READ);
	bind(&self->m, self->table, 1, b, CSA_ACCESS_WRITE);
	self->d.num_binds = 2;
	self->d.opcode = CSA_OP_COPY;
	self->d.flags = CSA_DESC_F_STATUS;
	self->d.dst = CSA_OPERAND(1, 64);
	self->d.src = CSA_OPERAND(0, 0);
	self->d.size = 64 * PAGE - 128;
	self->d.status = CSA_OPERAND(1, 0);
	self->cp.bounce_size = 5000;
	csa_desc_encode(raw, &self->d);
	st = csa_cmd_start(&self->cp, cmd, raw);
	while (st == CSA_CMD_MORE) {
		steps++;
		st = csa_cmd_step(&self->cp, cmd, 20000);
	}
	ASSERT_EQ((int)CSA_CMD_DONE, (int)st)
		TH_LOG("stepwise COPY did not finish");
	ASSERT_EQ(14u, steps) TH_LOG("262016 bytes in >= 20000-byte steps of 5000-byte chunks");
	ASSERT_CPL(cmd->cpl, CSA_STATUS_OK, 0);
	ASSERT_EQ(cost(64 * PAGE - 128), cmd->cpl.cycles)
		TH_LOG("stepwise COPY cycles differ from one-shot cost");
	expect_copy(&self->m, b, 64, a, 0, 64 * PAGE - 128);
	{
		uint8_t rec[CSA_CPL_SIZE];

		csa_cpl_encode(rec, &cmd->cpl);
		expect_bytes(&self->m, b, 0, rec, sizeof(rec));
	}
	ASSERT_MEM_AS_EXPECTED(&self->m);
	/* a finished command stays finished */
	ASSERT_EQ((int)CSA_CMD_DONE, (int)csa_cmd_step(&self->cp, cmd, 1))
		TH_LOG("csa_cmd_step() on a finished command must say DONE");
	free(cmd);
	slot_free(a);
	slot_free(b);
}

/* Without a caller buffer the processor uses its own stack buffer. */
TEST_F(cp, no_bounce_buffer)
{
	struct tslot *a = slot_pages(&self->m, 5);

	self->cp.bounce = NULL;
	self->cp.bounce_size = 0;
	bind(&self->m, self->table, 0, a, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	self->d.num_binds = 1;
	self->d.opcode = CSA_OP_COPY;
	self->d.dst = CSA_OPERAND(0, 1);
	self->d.src = CSA_OPERAND(0, 6000);
	self->d.size = 14000;
	RUN_DONE();
	ASSERT_CPL(self->cpl, CSA_STATUS_OK, 0);
	expect_copy(&self->m, a, 1, a, 6000, 14000);
	ASSERT_MEM_AS_EXPECTED(&self->m);
	slot_free(a);
}

TEST_HARNESS_MAIN
