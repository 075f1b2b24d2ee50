// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Card command processor: validation and execution of one descriptor.
 * See csa_cmdproc.h for the interface and docs/hardware.md for the rules.
 */
#include <string.h>

#include "csa_cmdproc.h"
#include "csa_prog.h"

#define CSA_DESC_F_ALL		(CSA_DESC_F_IRQ | CSA_DESC_F_STATUS)
#define CSA_ACCESS_ALL		(CSA_ACCESS_READ | CSA_ACCESS_WRITE)
#define CSA_BIND_SLOT_SIZE	32
#define CSA_SEG_SIZE		16
/* Smallest caller bounce buffer used; smaller ones fall back to the stack. */
#define CSA_BOUNCE_MIN		64

/* One little-endian field of a ring structure: bytes at off <-> member. */
struct csa_le_field {
	uint8_t off;
	uint8_t len;		/* 4 or 8: the member is a uint32_t or uint64_t */
	uint8_t member;		/* offsetof() in the C struct */
};

#define CSA_FIELD(type, m, at) \
	{ (at), sizeof(((type *)0)->m), offsetof(type, m) }

static const struct csa_le_field csa_desc_fields[] = {
	CSA_FIELD(struct csa_desc, seqno, 0),
	CSA_FIELD(struct csa_desc, opcode, 8),
	CSA_FIELD(struct csa_desc, flags, 12),
	CSA_FIELD(struct csa_desc, bind_table, 16),
	CSA_FIELD(struct csa_desc, num_binds, 24),
	CSA_FIELD(struct csa_desc, reserved, 28),
	CSA_FIELD(struct csa_desc, dst, 32),
	CSA_FIELD(struct csa_desc, src, 40),
	CSA_FIELD(struct csa_desc, size, 48),
	CSA_FIELD(struct csa_desc, value, 56),
	CSA_FIELD(struct csa_desc, status, 64),
	CSA_FIELD(struct csa_desc, reserved2, 72),
};

static const struct csa_le_field csa_cpl_fields[] = {
	CSA_FIELD(struct csa_cpl, seqno, 0),
	CSA_FIELD(struct csa_cpl, status, 8),
	CSA_FIELD(struct csa_cpl, detail, 12),
	CSA_FIELD(struct csa_cpl, cycles, 16),
	CSA_FIELD(struct csa_cpl, timestamp, 24),
};

static const struct csa_le_field csa_bind_fields[] = {
	CSA_FIELD(struct csa_bind_slot, segs, 0),
	CSA_FIELD(struct csa_bind_slot, size, 8),
	CSA_FIELD(struct csa_bind_slot, num_segs, 16),
	CSA_FIELD(struct csa_bind_slot, access, 20),
	CSA_FIELD(struct csa_bind_slot, tag, 24),
};

#define CSA_NFIELDS(f)	(sizeof(f) / sizeof((f)[0]))

static void fields_decode(void *obj, const uint8_t *raw,
			  const struct csa_le_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = csa_get_le(raw + f[i].off, f[i].len);
		uint32_t v32 = (uint32_t)v;

		if (f[i].len == 4)
			memcpy((uint8_t *)obj + f[i].member, &v32, 4);
		else
			memcpy((uint8_t *)obj + f[i].member, &v, 8);
	}
}

static void fields_encode(uint8_t *raw, const void *obj,
			  const struct csa_le_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0;
		uint32_t v32;

		if (f[i].len == 4) {
			memcpy(&v32, (const uint8_t *)obj + f[i].member, 4);
			v = v32;
		} else {
			memcpy(&v, (const uint8_t *)obj + f[i].member, 8);
		}
		csa_put_le(raw + f[i].off, v, f[i].len);
	}
}

void csa_desc_decode(struct csa_desc *d, const void *raw)
{
	fields_decode(d, raw, csa_desc_fields, CSA_NFIELDS(csa_desc_fields));
}

void csa_desc_encode(void *raw, const struct csa_desc *d)
{
	fields_encode(raw, d, csa_desc_fields, CSA_NFIELDS(csa_desc_fields));
}

void csa_cpl_decode(struct csa_cpl *c, const void *raw)
{
	fields_decode(c, raw, csa_cpl_fields, CSA_NFIELDS(csa_cpl_fields));
}

void csa_cpl_encode(void *raw, const struct csa_cpl *c)
{
	fields_encode(raw, c, csa_cpl_fields, CSA_NFIELDS(csa_cpl_fields));
}

const char *csa_status_name(uint32_t status)
{
	switch (status) {
	case CSA_STATUS_OK:		return "ok";
	case CSA_STATUS_BAD_OPCODE:	return "bad-opcode";
	case CSA_STATUS_BAD_DESC:	return "bad-desc";
	case CSA_STATUS_BAD_BIND:	return "bad-bind";
	case CSA_STATUS_BAD_SLOT:	return "bad-slot";
	case CSA_STATUS_OUT_OF_BOUNDS:	return "out-of-bounds";
	case CSA_STATUS_ACCESS:		return "access";
	case CSA_STATUS_DMA_ERROR:	return "dma-error";
	case CSA_STATUS_PROGRAM:	return "program";
	}
	return "unknown";
}

/* Read the bind entry an operand names and check it is well formed. */
static uint32_t slot_open(const struct csa_cmdproc *cp,
			  const struct csa_desc *d, uint64_t opnd,
			  struct csa_slot_cursor *c)
{
	uint32_t slot = CSA_OPERAND_SLOT(opnd);
	struct csa_bind_slot *b = &c->slot;
	uint8_t raw[CSA_BIND_SLOT_SIZE];
	uint64_t addr;

	memset(c, 0, sizeof(*c));
	if (slot >= d->num_binds)
		return CSA_STATUS_BAD_SLOT;
	addr = d->bind_table + (uint64_t)slot * CSA_BIND_SLOT_SIZE;
	if (d->bind_table & 15 || addr < d->bind_table ||
	    addr > UINT64_MAX - CSA_BIND_SLOT_SIZE + 1)
		return CSA_STATUS_BAD_BIND;
	if (cp->ops->read(cp->ctx, addr, raw, sizeof(raw)))
		return CSA_STATUS_BAD_BIND;
	fields_decode(b, raw, csa_bind_fields, CSA_NFIELDS(csa_bind_fields));
	if (b->segs & 15 || !b->num_segs || !b->size ||
	    !b->access || b->access & ~CSA_ACCESS_ALL ||
	    (b->tag && b->access != CSA_ACCESS_READ))
		return CSA_STATUS_BAD_BIND;
	return CSA_STATUS_OK;
}

/*
 * Fill the cursor's cache with segments first.. (up to CSA_SEG_CACHE of
 * them) whose table entries start at bus address addr, following links.
 * Reads never cross a CSA_SEG_TABLE_BLOCK boundary: a table continues past
 * one only contiguously or through a link (csa_hw.h).
 */
static uint32_t seg_fill(const struct csa_cmdproc *cp,
			 struct csa_slot_cursor *c, uint32_t first, uint64_t addr)
{
	uint32_t want = c->slot.num_segs - first, n = 0;
	bool after_link = false;

	if (want > CSA_SEG_CACHE)
		want = CSA_SEG_CACHE;
	c->cache_n = 0;
	while (n < want) {
		uint8_t raw[CSA_SEG_CACHE * CSA_SEG_SIZE];
		uint64_t room = (CSA_SEG_TABLE_BLOCK - addr % CSA_SEG_TABLE_BLOCK) /
				CSA_SEG_SIZE;
		uint32_t batch = want - n, k;

		if (batch > room)
			batch = (uint32_t)room;
		if (addr & 15 || cp->ops->read(cp->ctx, addr, raw,
					       (size_t)batch * CSA_SEG_SIZE))
			return CSA_STATUS_BAD_BIND;
		for (k = 0; k < batch; k++) {
			uint64_t a = csa_get_le(raw + k * CSA_SEG_SIZE, 8);
			uint64_t len = csa_get_le(raw + k * CSA_SEG_SIZE + 8, 8);

			if (!len) {
				/* a link; one right after a link could loop */
				if (after_link || !a)
					return CSA_STATUS_BAD_BIND;
				after_link = true;
				addr = a;
				break;
			}
			after_link = false;
			c->cache[n].addr = a;
			c->cache[n].len = len;
			n++;
			addr += CSA_SEG_SIZE;
		}
	}
	c->cache_first = first;
	c->cache_n = n;
	c->cache_next = addr;
	return CSA_STATUS_OK;
}

/*
 * Segment i of the cursor's slot, fetched CSA_SEG_CACHE at a time so that a
 * walk over thousands of segments costs few DMA reads.  Forward from the
 * cache it continues the table walk; backward it starts over (a chained
 * table has no index).
 */
static uint32_t seg_get(const struct csa_cmdproc *cp,
			struct csa_slot_cursor *c, uint32_t i,
			struct csa_seg *seg)
{
	uint32_t st;

	if (i >= c->slot.num_segs)
		return CSA_STATUS_BAD_BIND;	/* segments end before size */
	if (!c->cache_n || i < c->cache_first) {
		st = seg_fill(cp, c, 0, c->slot.segs);
		if (st)
			return st;
	}
	while (i - c->cache_first >= c->cache_n) {
		st = seg_fill(cp, c, c->cache_first + c->cache_n, c->cache_next);
		if (st)
			return st;
	}
	*seg = c->cache[i - c->cache_first];
	/* its bus range must not wrap */
	if (seg->addr > UINT64_MAX - (seg->len - 1))
		return CSA_STATUS_BAD_BIND;
	return CSA_STATUS_OK;
}

/*
 * Position the cursor on the segment holding slot offset off (< slot
 * size), walking forward or backward from where it is.  Every segment
 * passed is checked: segments must not reach past the slot size.
 */
static uint32_t slot_seek(const struct csa_cmdproc *cp,
			  struct csa_slot_cursor *c, uint64_t off)
{
	struct csa_seg seg;
	uint32_t st;

	/* far behind: restarting at segment 0 is the shorter walk */
	if (c->seg.len && off < c->start && off < c->start - off)
		c->seg.len = 0;
	if (!c->seg.len) {
		st = seg_get(cp, c, 0, &seg);
		if (st)
			return st;
		if (seg.len > c->slot.size)
			return CSA_STATUS_BAD_BIND;
		c->idx = 0;
		c->start = 0;
		c->seg = seg;
	}
	while (off < c->start) {
		if (!c->idx)
			return CSA_STATUS_BAD_BIND;
		st = seg_get(cp, c, c->idx - 1, &seg);
		if (st)
			return st;
		if (seg.len > c->start)
			return CSA_STATUS_BAD_BIND;	/* table changed under us */
		c->idx--;
		c->start -= seg.len;
		c->seg = seg;
	}
	while (off - c->start >= c->seg.len) {
		uint64_t next = c->start + c->seg.len;	/* <= size: no wrap */

		if (c->idx == UINT32_MAX)
			return CSA_STATUS_BAD_BIND;
		st = seg_get(cp, c, c->idx + 1, &seg);
		if (st)
			return st;
		if (seg.len > c->slot.size - next)
			return CSA_STATUS_BAD_BIND;
		c->idx++;
		c->start = next;
		c->seg = seg;
	}
	return CSA_STATUS_OK;
}

/* DMA n bytes between buf and slot offset off (range already checked). */
static uint32_t slot_xfer(const struct csa_cmdproc *cp,
			  struct csa_slot_cursor *c, uint64_t off,
			  uint8_t *buf, size_t n, bool write)
{
	while (n) {
		uint32_t st = slot_seek(cp, c, off);
		uint64_t in, ext;
		int rc;

		if (st)
			return st;
		in = off - c->start;
		ext = c->seg.len - in;
		if (ext > n)
			ext = n;
		if (write)
			rc = cp->ops->write(cp->ctx, c->seg.addr + in, buf, ext);
		else
			rc = cp->ops->read(cp->ctx, c->seg.addr + in, buf, ext);
		if (rc)
			return CSA_STATUS_DMA_ERROR;
		off += ext;
		buf += ext;
		n -= ext;
	}
	return CSA_STATUS_OK;
}

/*
 * All checks of one operand covering len bytes, in this order: slot index,
 * bind entry, range, access mode, then the walk over every segment up to
 * the range's last byte.
 */
static uint32_t operand_check(const struct csa_cmdproc *cp,
			      struct csa_cmd *cmd, unsigned int which,
			      uint64_t opnd, uint64_t len, uint32_t access)
{
	struct csa_slot_cursor *c = &cmd->cur[which];
	uint64_t off = CSA_OPERAND_OFF(opnd);
	uint32_t st;

	st = slot_open(cp, &cmd->desc, opnd, c);
	if (st)
		return st;
	if (off > c->slot.size || len > c->slot.size - off)
		return CSA_STATUS_OUT_OF_BOUNDS;
	if ((c->slot.access & access) != access)
		return CSA_STATUS_ACCESS;
	if (!len)
		return CSA_STATUS_OK;
	return slot_seek(cp, c, off + len - 1);
}

static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

/*
 * Final record: the first failure wins.  The status record, if asked for,
 * is written for failures too, as long as its own operand is usable.
 */
static enum csa_cmd_state cmd_finish(const struct csa_cmdproc *cp,
				     struct csa_cmd *cmd, uint32_t status,
				     uint32_t detail, bool status_checked)
{
	struct csa_cpl *cpl = &cmd->cpl;
	uint8_t raw[CSA_CPL_SIZE];
	uint32_t st = CSA_STATUS_OK;

	cpl->status = status;
	cpl->detail = status ? detail : 0;
	cpl->cycles = CSA_CYCLES_DESC + cmd->prog_cycles +
		      div_round_up(cmd->done, CSA_DMA_BYTES_PER_CYCLE);
	cpl->timestamp = cmd->t0 + cpl->cycles;
	cmd->state = CSA_CMD_DONE;
	if (!cmd->write_status)
		return CSA_CMD_DONE;
	if (!status_checked)
		st = operand_check(cp, cmd, CSA_DETAIL_STATUS, cmd->desc.status,
				   CSA_CPL_SIZE, CSA_ACCESS_WRITE);
	if (!st) {
		csa_cpl_encode(raw, cpl);
		st = slot_xfer(cp, &cmd->cur[CSA_DETAIL_STATUS],
			       CSA_OPERAND_OFF(cmd->desc.status), raw,
			       sizeof(raw), true);
	}
	if (st && cpl->status == CSA_STATUS_OK) {
		cpl->status = st;
		cpl->detail = CSA_DETAIL_STATUS;
	}
	return CSA_CMD_DONE;
}

/*
 * CSA_OP_PROGRAM: the job program's operand accessor over this
 * descriptor's bind table.  The few slots a program uses keep their
 * cursors (bind entry, segment position) in a small round-robin cache.
 */
#define CSA_PROG_CURSORS	4

struct prog_io_ctx {
	const struct csa_cmdproc *cp;
	const struct csa_desc *desc;
	uint32_t nslots;		/* valid entries of slot[] */
	uint32_t next;			/* entry replaced next */
	uint32_t slot[CSA_PROG_CURSORS];
	struct csa_slot_cursor cur[CSA_PROG_CURSORS];
};

/* CSA_STATUS_* of an operand failure -> CSA_PROG_ERR_* */
static uint32_t prog_err(uint32_t st)
{
	switch (st) {
	case CSA_STATUS_OK:		return 0;
	case CSA_STATUS_BAD_SLOT:	return CSA_PROG_ERR_BAD_SLOT;
	case CSA_STATUS_BAD_BIND:	return CSA_PROG_ERR_BAD_BIND;
	case CSA_STATUS_OUT_OF_BOUNDS:	return CSA_PROG_ERR_BOUNDS;
	case CSA_STATUS_ACCESS:		return CSA_PROG_ERR_ACCESS;
	}
	return CSA_PROG_ERR_DMA;
}

static uint32_t prog_cursor(struct prog_io_ctx *x, uint32_t slot,
			    struct csa_slot_cursor **c)
{
	uint32_t i, st;

	for (i = 0; i < x->nslots; i++) {
		if (x->slot[i] == slot) {
			*c = &x->cur[i];
			return CSA_STATUS_OK;
		}
	}
	i = x->nslots < CSA_PROG_CURSORS ? x->nslots : x->next;
	x->next = (i + 1) % CSA_PROG_CURSORS;
	if (x->nslots == i)
		x->nslots++;
	x->slot[i] = UINT32_MAX;
	st = slot_open(x->cp, x->desc, CSA_OPERAND(slot, 0), &x->cur[i]);
	if (st)
		return st;
	x->slot[i] = slot;
	*c = &x->cur[i];
	return CSA_STATUS_OK;
}

static uint32_t prog_io_check(void *ctx, uint32_t slot, uint64_t off,
			      uint64_t len, bool write)
{
	uint32_t access = write ? CSA_ACCESS_WRITE : CSA_ACCESS_READ;
	struct prog_io_ctx *x = ctx;
	struct csa_slot_cursor *c;
	uint32_t st = prog_cursor(x, slot, &c);

	if (st)
		return prog_err(st);
	if (off > c->slot.size || len > c->slot.size - off)
		return CSA_PROG_ERR_BOUNDS;
	if ((c->slot.access & access) != access)
		return CSA_PROG_ERR_ACCESS;
	if (len)
		st = slot_seek(x->cp, c, off + len - 1);
	return prog_err(st);
}

static uint32_t prog_io_xfer(struct prog_io_ctx *x, uint32_t slot,
			     uint64_t off, void *buf, size_t len, bool write)
{
	uint32_t e = prog_io_check(x, slot, off, len, write);
	struct csa_slot_cursor *c;

	if (e || !len)
		return e;
	prog_cursor(x, slot, &c);	/* cached by the check */
	return prog_err(slot_xfer(x->cp, c, off, buf, len, write));
}

static uint32_t prog_io_read(void *ctx, uint32_t slot, uint64_t off,
			     void *buf, size_t len)
{
	return prog_io_xfer(ctx, slot, off, buf, len, false);
}

static uint32_t prog_io_write(void *ctx, uint32_t slot, uint64_t off,
			      const void *buf, size_t len)
{
	/* slot_xfer only reads buf when writing */
	return prog_io_xfer(ctx, slot, off, (void *)(uintptr_t)buf, len, true);
}

static uint64_t prog_io_tag(void *ctx, uint32_t slot)
{
	struct csa_slot_cursor *c;

	return prog_cursor(ctx, slot, &c) ? 0 : c->slot.tag;
}

static const struct csa_prog_io prog_io = {
	.check = prog_io_check,
	.read = prog_io_read,
	.write = prog_io_write,
	.tag = prog_io_tag,
};

/* Run the program named by dst (checked: readable, size bytes). */
static enum csa_cmd_state cmd_program(const struct csa_cmdproc *cp,
				      struct csa_cmd *cmd)
{
	struct prog_io_ctx x = { .cp = cp, .desc = &cmd->desc };
	const struct csa_prog_env env = {
		.io = &prog_io,
		.ctx = &x,
		.lanes = cp->dp_lanes,
		.max_k = cp->max_k,
		.max_dim = cp->max_dim,
		.max_tensor = cp->max_tensor,
		.scratch = cp->scratch,
		.scratch_size = cp->scratch_size,
		.cancelled = cp->ops->cancelled,
		.cancel_ctx = cp->ctx,
		.lcache = cp->lcache,
	};
	struct csa_prog_result res;

	csa_prog_run(&env, CSA_OPERAND_SLOT(cmd->desc.dst),
		     CSA_OPERAND_OFF(cmd->desc.dst), cmd->desc.size, &res);
	cmd->prog_cycles = res.cycles;
	return cmd_finish(cp, cmd, res.status, res.detail, true);
}

enum csa_cmd_state csa_cmd_start(const struct csa_cmdproc *cp,
				 struct csa_cmd *cmd, const void *raw)
{
	const struct csa_desc *d = &cmd->desc;
	uint64_t dst_len = 0, src_len = 0;
	uint32_t st;

	memset(cmd, 0, sizeof(*cmd));
	csa_desc_decode(&cmd->desc, raw);
	cmd->cpl.seqno = d->seqno;
	cmd->t0 = cp->ops->clock(cp->ctx);

	/* a malformed header: its flags cannot be trusted, no status record */
	if (d->flags & ~CSA_DESC_F_ALL || d->reserved || d->reserved2 ||
	    d->num_binds > CSA_MAX_BINDS)
		return cmd_finish(cp, cmd, CSA_STATUS_BAD_DESC, CSA_DETAIL_DST,
				  false);
	cmd->write_status = d->flags & CSA_DESC_F_STATUS;

	switch (d->opcode) {
	case CSA_OP_NOP:
		break;
	case CSA_OP_FILL:
		if (d->size % 4)
			return cmd_finish(cp, cmd, CSA_STATUS_BAD_DESC,
					  CSA_DETAIL_DST, false);
		dst_len = d->size;
		break;
	case CSA_OP_COPY:
		dst_len = src_len = d->size;
		break;
	case CSA_OP_WRITE_VALUE:
	case CSA_OP_TIMESTAMP:
		dst_len = 8;
		break;
	case CSA_OP_PROGRAM:
		dst_len = d->size;	/* the program is read, not written */
		break;
	case CSA_OP_DEBUG_HANG:
	case CSA_OP_DEBUG_CRASH:
		if (!cp->debug_ops)
			return cmd_finish(cp, cmd, CSA_STATUS_BAD_OPCODE,
					  CSA_DETAIL_DST, false);
		cmd->state = d->opcode == CSA_OP_DEBUG_HANG ? CSA_CMD_HANG :
							      CSA_CMD_CRASH;
		return cmd->state;
	case CSA_OP_DEBUG_DMA_ERROR:
		return cmd_finish(cp, cmd, cp->debug_ops ?
				  CSA_STATUS_DMA_ERROR : CSA_STATUS_BAD_OPCODE,
				  CSA_DETAIL_DST, false);
	case CSA_OP_DEBUG_DELAY:
		if (!cp->debug_ops)
			return cmd_finish(cp, cmd, CSA_STATUS_BAD_OPCODE,
					  CSA_DETAIL_DST, false);
		if (d->value > CSA_DEBUG_DELAY_MAX)
			return cmd_finish(cp, cmd, CSA_STATUS_BAD_DESC,
					  CSA_DETAIL_DST, false);
		cmd->prog_cycles = d->value;	/* no operands */
		return cmd_finish(cp, cmd, CSA_STATUS_OK, CSA_DETAIL_DST, false);
	default:
		return cmd_finish(cp, cmd, CSA_STATUS_BAD_OPCODE,
				  CSA_DETAIL_DST, false);
	}

	/* every operand is checked before any data moves */
	if (d->opcode != CSA_OP_NOP) {
		st = operand_check(cp, cmd, CSA_DETAIL_DST, d->dst, dst_len,
				   d->opcode == CSA_OP_PROGRAM ?
				   CSA_ACCESS_READ : CSA_ACCESS_WRITE);
		if (st)
			return cmd_finish(cp, cmd, st, CSA_DETAIL_DST, false);
	}
	if (d->opcode == CSA_OP_COPY) {
		st = operand_check(cp, cmd, CSA_DETAIL_SRC, d->src, src_len,
				   CSA_ACCESS_READ);
		if (st)
			return cmd_finish(cp, cmd, st, CSA_DETAIL_SRC, false);
	}
	if (cmd->write_status) {
		st = operand_check(cp, cmd, CSA_DETAIL_STATUS, d->status,
				   CSA_CPL_SIZE, CSA_ACCESS_WRITE);
		if (st) {
			/* nothing usable to write the record to */
			cmd->write_status = false;
			return cmd_finish(cp, cmd, st, CSA_DETAIL_STATUS, true);
		}
	}

	if (d->opcode == CSA_OP_PROGRAM)
		return cmd_program(cp, cmd);
	cmd->total = dst_len;
	/* memmove semantics inside one slot: copy from the end */
	if (d->opcode == CSA_OP_COPY &&
	    CSA_OPERAND_SLOT(d->dst) == CSA_OPERAND_SLOT(d->src) &&
	    CSA_OPERAND_OFF(d->dst) > CSA_OPERAND_OFF(d->src) &&
	    CSA_OPERAND_OFF(d->dst) - CSA_OPERAND_OFF(d->src) < d->size)
		cmd->backward = true;
	if (!cmd->total)
		return cmd_finish(cp, cmd, CSA_STATUS_OK, CSA_DETAIL_DST, true);
	cmd->state = CSA_CMD_MORE;
	return CSA_CMD_MORE;
}

enum csa_cmd_state csa_cmd_step(const struct csa_cmdproc *cp,
				struct csa_cmd *cmd, uint64_t budget)
{
	const struct csa_desc *d = &cmd->desc;
	uint64_t dst_off = CSA_OPERAND_OFF(d->dst);
	uint64_t src_off = CSA_OPERAND_OFF(d->src);
	uint8_t stack_bounce[CSA_CMDPROC_STACK_BOUNCE];
	uint8_t *buf = stack_bounce;
	size_t chunk = sizeof(stack_bounce);
	uint64_t moved = 0;
	uint32_t st;

	if (cmd->state != CSA_CMD_MORE)
		return cmd->state;
	if (cp->bounce && cp->bounce_size >= CSA_BOUNCE_MIN) {
		buf = cp->bounce;
		chunk = cp->bounce_size;
	}
	chunk -= chunk % 4;	/* keeps the FILL pattern in phase */

	switch (d->opcode) {
	case CSA_OP_FILL:
		for (size_t i = 0; i < chunk && i < cmd->total; i++)
			buf[i] = (uint8_t)(d->value >> (8 * (i % 4)));
		break;
	case CSA_OP_WRITE_VALUE:
		csa_put_le(buf, d->value, 8);
		break;
	case CSA_OP_TIMESTAMP:
		csa_put_le(buf, cmd->t0, 8);
		break;
	}

	while (cmd->done < cmd->total && (!moved || moved < budget)) {
		uint64_t left = cmd->total - cmd->done;
		size_t n = left < chunk ? (size_t)left : chunk;
		uint64_t pos = cmd->backward ? left - n : cmd->done;

		if (d->opcode == CSA_OP_COPY) {
			st = slot_xfer(cp, &cmd->cur[CSA_DETAIL_SRC],
				       src_off + pos, buf, n, false);
			if (st)
				return cmd_finish(cp, cmd, st, CSA_DETAIL_SRC,
						  true);
		}
		st = slot_xfer(cp, &cmd->cur[CSA_DETAIL_DST], dst_off + pos,
			       buf, n, true);
		if (st)
			return cmd_finish(cp, cmd, st, CSA_DETAIL_DST, true);
		cmd->done += n;
		moved += n;
	}
	if (cmd->done < cmd->total)
		return CSA_CMD_MORE;
	return cmd_finish(cp, cmd, CSA_STATUS_OK, CSA_DETAIL_DST, true);
}

enum csa_cmd_state csa_cmdproc_exec(const struct csa_cmdproc *cp,
				    const void *raw, struct csa_cpl *cpl)
{
	struct csa_cmd cmd;
	enum csa_cmd_state state = csa_cmd_start(cp, &cmd, raw);

	while (state == CSA_CMD_MORE)
		state = csa_cmd_step(cp, &cmd, UINT64_MAX);
	*cpl = cmd.cpl;
	return state;
}
