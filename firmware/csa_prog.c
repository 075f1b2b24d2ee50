// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Job program validation and execution over an operand accessor.  See
 * csa_prog.h for the contract and docs/formats.md for the formats.
 */
#include <string.h>

#include "csa_hw.h"
#include "csa_prog.h"

/* An internal error: operand << 8 | reason, 0 = none. */
#define ERR(opnd, why)	((uint32_t)(CSA_PROG_OPND_##opnd) << 8 | CSA_PROG_ERR_##why)

_Static_assert(sizeof(struct csa_prog_hdr) == CSA_PROG_HDR_SIZE, "prog hdr");
_Static_assert(sizeof(struct csa_prog_op) == CSA_PROG_OP_SIZE, "prog op");
_Static_assert(sizeof(struct csa_layer_hdr) == CSA_LAYER_HDR_SIZE, "layer hdr");
_Static_assert(sizeof(struct csa_sparse_hdr) == CSA_SPARSE_HDR_SIZE, "sparse");
_Static_assert(sizeof(struct csa_requant) == CSA_REQUANT_SIZE, "requant");

/* ---- little-endian codec ---- */

/*
 * The uapi structs have no padding and their members sit at the byte
 * offsets of the wire format, so a struct is described by the sizes of its
 * members in order: member at byte offset o <-> wire bytes at o.
 */
static const uint8_t prog_hdr_fields[] = { 4, 2, 2, 4, 2, 2, 4, 4, 4, 4 };
static const uint8_t prog_op_fields[] = {
	2, 2, 4, 8, 8, 8, 4, 4, 4, 4, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4
};
static const uint8_t layer_hdr_fields[] = {
	4, 2, 2, 4, 4, 4, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4
};
static const uint8_t sparse_hdr_fields[] = { 4, 4, 4, 4 };
static const uint8_t requant_fields[] = { 4, 4, 1, 1, 1, 1 };

#define NFIELDS(f)	(sizeof(f) / sizeof((f)[0]))

static void le_decode(void *obj, const void *raw, const uint8_t *f, size_t n)
{
	const uint8_t *src = raw;
	uint8_t *dst = obj;

	for (size_t i = 0, off = 0; i < n; off += f[i++]) {
		uint64_t v = csa_get_le(src + off, f[i]);
		uint32_t v32 = (uint32_t)v;
		uint16_t v16 = (uint16_t)v;

		if (f[i] == 1)
			dst[off] = (uint8_t)v;
		else if (f[i] == 2)
			memcpy(dst + off, &v16, 2);
		else if (f[i] == 4)
			memcpy(dst + off, &v32, 4);
		else
			memcpy(dst + off, &v, 8);
	}
}

static void le_encode(void *raw, const void *obj, const uint8_t *f, size_t n)
{
	const uint8_t *src = obj;
	uint8_t *dst = raw;

	for (size_t i = 0, off = 0; i < n; off += f[i++]) {
		uint64_t v = 0;
		uint32_t v32;
		uint16_t v16;

		if (f[i] == 1) {
			v = src[off];
		} else if (f[i] == 2) {
			memcpy(&v16, src + off, 2);
			v = v16;
		} else if (f[i] == 4) {
			memcpy(&v32, src + off, 4);
			v = v32;
		} else {
			memcpy(&v, src + off, 8);
		}
		csa_put_le(dst + off, v, f[i]);
	}
}

#define CODEC(name, type, fields)					\
void name##_decode(type *obj, const void *raw)				\
{									\
	le_decode(obj, raw, fields, NFIELDS(fields));			\
}									\
void name##_encode(void *raw, const type *obj)				\
{									\
	le_encode(raw, obj, fields, NFIELDS(fields));			\
}

CODEC(csa_prog_hdr, struct csa_prog_hdr, prog_hdr_fields)
CODEC(csa_prog_op, struct csa_prog_op, prog_op_fields)
CODEC(csa_layer_hdr, struct csa_layer_hdr, layer_hdr_fields)
CODEC(csa_sparse_hdr, struct csa_sparse_hdr, sparse_hdr_fields)
CODEC(csa_requant, struct csa_requant, requant_fields)

const char *csa_prog_err_name(uint32_t reason)
{
	switch (reason) {
	case 0:				return "ok";
	case CSA_PROG_ERR_MAGIC:	return "magic";
	case CSA_PROG_ERR_VERSION:	return "version";
	case CSA_PROG_ERR_SIZE:		return "size";
	case CSA_PROG_ERR_NUM_OPS:	return "num-ops";
	case CSA_PROG_ERR_RESERVED:	return "reserved";
	case CSA_PROG_ERR_OPCODE:	return "opcode";
	case CSA_PROG_ERR_FLAGS:	return "flags";
	case CSA_PROG_ERR_SHAPE:	return "shape";
	case CSA_PROG_ERR_TENSOR:	return "tensor";
	case CSA_PROG_ERR_WINDOW:	return "window";
	case CSA_PROG_ERR_K:		return "k";
	case CSA_PROG_ERR_LAYER:	return "layer";
	case CSA_PROG_ERR_PACK_K:	return "pack-k";
	case CSA_PROG_ERR_LAYOUT:	return "layout";
	case CSA_PROG_ERR_TAGMAP:	return "tagmap";
	case CSA_PROG_ERR_REQUANT:	return "requant";
	case CSA_PROG_ERR_TAG:		return "tag";
	case CSA_PROG_ERR_SPARSE:	return "sparse";
	case CSA_PROG_ERR_SCRATCH:	return "scratch";
	case CSA_PROG_ERR_CANCELLED:	return "cancelled";
	case CSA_PROG_ERR_COLS:		return "cols";
	case CSA_PROG_ERR_BAD_SLOT:	return "bad-slot";
	case CSA_PROG_ERR_BAD_BIND:	return "bad-bind";
	case CSA_PROG_ERR_BOUNDS:	return "out-of-bounds";
	case CSA_PROG_ERR_ACCESS:	return "access";
	case CSA_PROG_ERR_DMA:		return "dma-error";
	}
	return "unknown";
}

/* ---- operand accessor over plain memory ---- */

static uint32_t mem_check(void *ctx, uint32_t slot, uint64_t off,
			  uint64_t len, bool write)
{
	const struct csa_prog_mem *m = ctx;
	uint32_t need = write ? CSA_ACCESS_WRITE : CSA_ACCESS_READ;
	const struct csa_prog_mem_slot *s;

	if (slot >= m->nslots)
		return CSA_PROG_ERR_BAD_SLOT;
	s = &m->slots[slot];
	if (!s->base && s->size)
		return CSA_PROG_ERR_BAD_BIND;
	if (off > s->size || len > s->size - off)
		return CSA_PROG_ERR_BOUNDS;
	if ((s->access & need) != need)
		return CSA_PROG_ERR_ACCESS;
	return 0;
}

static uint32_t mem_read(void *ctx, uint32_t slot, uint64_t off, void *buf,
			 size_t len)
{
	const struct csa_prog_mem *m = ctx;
	uint32_t e = mem_check(ctx, slot, off, len, false);

	if (!e && len)
		memcpy(buf, m->slots[slot].base + off, len);
	return e;
}

static uint32_t mem_write(void *ctx, uint32_t slot, uint64_t off,
			  const void *buf, size_t len)
{
	const struct csa_prog_mem *m = ctx;
	uint32_t e = mem_check(ctx, slot, off, len, true);

	if (!e && len)
		memmove(m->slots[slot].base + off, buf, len);
	return e;
}

static uint64_t mem_tag(void *ctx, uint32_t slot)
{
	const struct csa_prog_mem *m = ctx;

	return slot < m->nslots ? m->slots[slot].tag : 0;
}

const struct csa_prog_io csa_prog_mem_io = {
	.check = mem_check,
	.read = mem_read,
	.write = mem_write,
	.tag = mem_tag,
};

/* ---- scratch arena: a bump allocator, reset per op ---- */

struct arena {
	uint8_t *p;
	uint64_t left;
};

static void *take(struct arena *a, uint64_t n)
{
	void *r = a->p;

	n = (n + 7) & ~7ull;
	if (n > a->left)
		return NULL;
	a->p += n;
	a->left -= n;
	return r;
}

/* ---- one run ---- */

struct run {
	const struct csa_prog_env *env;
	struct csa_prog_result *res;
	struct arena ar;	/* what is left for the current op */
	uint32_t lanes;
	struct csa_dp_stage stage;	/* the current op's compute cycles */
	uint64_t op_rd, op_wr;		/* bytes the current op read, wrote */
};

static uint32_t io_err(uint32_t opnd, uint32_t e)
{
	return e ? opnd << 8 | e : 0;
}

static uint32_t rd(struct run *r, uint32_t opnd, uint64_t operand,
		   uint64_t rel, void *buf, uint64_t len)
{
	uint32_t e;

	if (!len)
		return 0;
	e = r->env->io->read(r->env->ctx, CSA_OPERAND_SLOT(operand),
			     CSA_OPERAND_OFF(operand) + rel, buf, (size_t)len);
	if (!e) {
		r->res->bytes += len;
		r->op_rd += len;
	}
	return io_err(opnd, e);
}

static uint32_t wr(struct run *r, uint32_t opnd, uint64_t operand,
		   const void *buf, uint64_t len)
{
	uint32_t e = r->env->io->write(r->env->ctx, CSA_OPERAND_SLOT(operand),
				       CSA_OPERAND_OFF(operand), buf,
				       (size_t)len);

	if (!e) {
		r->res->bytes += len;
		r->op_wr += len;
	}
	return io_err(opnd, e);
}

static uint32_t chk(struct run *r, uint32_t opnd, uint64_t operand,
		    uint64_t len, bool write)
{
	return io_err(opnd, r->env->io->check(r->env->ctx,
					      CSA_OPERAND_SLOT(operand),
					      CSA_OPERAND_OFF(operand), len,
					      write));
}

static uint64_t in_numel(const struct csa_prog_op *op)
{
	return (uint64_t)op->in_c * op->in_h * op->in_w;
}

static uint64_t out_numel(const struct csa_prog_op *op)
{
	return (uint64_t)op->out_c * op->out_h * op->out_w;
}

static bool is_layer_op(const struct csa_prog_op *op)
{
	return op->opcode == CSA_PROG_OP_LINEAR ||
	       op->opcode == CSA_PROG_OP_CONV2D;
}

/* Units and columns the op's packed layer must have. */
static uint64_t op_cols(const struct csa_prog_op *op)
{
	if (op->opcode == CSA_PROG_OP_LINEAR)
		return in_numel(op);
	return (uint64_t)op->in_c * op->kernel_h * op->kernel_w;
}

/* Output length of a window op along one axis, 0 if none fits. */
static uint64_t win_out(uint32_t in, uint32_t kern, uint32_t stride,
			uint32_t pad)
{
	uint64_t span = (uint64_t)in + 2ull * pad;

	if (!stride || !kern || kern > span)
		return 0;
	return (span - kern) / stride + 1;
}

/*
 * Capacity of the sparse dst of a KWTA: k winners globally, k per
 * position locally.
 */
static uint64_t kwta_cap(const struct csa_prog_op *op)
{
	if (op->flags & CSA_PROG_F_LOCAL)
		return (uint64_t)op->k * op->in_h * op->in_w;
	return op->k;
}

static uint64_t dst_len(const struct csa_prog_op *op)
{
	if (op->opcode == CSA_PROG_OP_KWTA && op->flags & CSA_PROG_F_DST_SPARSE)
		return CSA_SPARSE_SIZE(kwta_cap(op));
	if (op->flags & CSA_PROG_F_DST_INT32)
		return 4 * out_numel(op);
	return out_numel(op);
}

/* Everything about an op that needs no memory access. */
static uint32_t op_check_fields(const struct csa_prog_env *env,
				const struct csa_prog_op *op)
{
	static const uint16_t allowed[] = {
		[CSA_PROG_OP_LINEAR] = CSA_PROG_F_SRC_SPARSE | CSA_PROG_F_DST_INT32 |
				       CSA_PROG_F_NO_SKIP,
		[CSA_PROG_OP_CONV2D] = CSA_PROG_F_SRC_SPARSE | CSA_PROG_F_DST_INT32 |
				       CSA_PROG_F_NO_SKIP,
		[CSA_PROG_OP_KWTA] = CSA_PROG_F_DST_SPARSE | CSA_PROG_F_LOCAL |
				     CSA_PROG_F_BOOST,
		[CSA_PROG_OP_MAXPOOL2D] = 0,
	};
	const uint32_t dims[6] = { op->in_c, op->in_h, op->in_w,
				   op->out_c, op->out_h, op->out_w };
	bool window = op->opcode == CSA_PROG_OP_CONV2D ||
		      op->opcode == CSA_PROG_OP_MAXPOOL2D;
	bool uses_param = is_layer_op(op) || (op->opcode == CSA_PROG_OP_KWTA &&
					      op->flags & CSA_PROG_F_BOOST);

	if (op->opcode < CSA_PROG_OP_LINEAR ||
	    op->opcode > CSA_PROG_OP_MAXPOOL2D)
		return ERR(NONE, OPCODE);
	if (op->reserved0 || op->reserved1[0] || op->reserved1[1] ||
	    op->reserved2[0] || op->reserved2[1] || op->reserved2[2])
		return ERR(NONE, RESERVED);
	if (op->flags & ~allowed[op->opcode])
		return ERR(NONE, FLAGS);
	/* a sparse input lists what to visit: nothing to stop skipping */
	if (op->flags & CSA_PROG_F_NO_SKIP && op->flags & CSA_PROG_F_SRC_SPARSE)
		return ERR(NONE, FLAGS);
	if (!uses_param && op->param)
		return ERR(PARAM, RESERVED);
	for (int i = 0; i < 6; i++)
		if (!dims[i] || dims[i] > env->max_dim)
			return ERR(NONE, SHAPE);
	if (in_numel(op) > env->max_tensor || out_numel(op) > env->max_tensor)
		return ERR(NONE, TENSOR);

	/* window: conv any padding < kernel, pool none; others all zero */
	if (!window) {
		if (op->kernel_h || op->kernel_w || op->stride_h ||
		    op->stride_w || op->pad_h || op->pad_w)
			return ERR(NONE, WINDOW);
	} else {
		bool conv = op->opcode == CSA_PROG_OP_CONV2D;

		if (!op->kernel_h || !op->kernel_w || !op->stride_h ||
		    !op->stride_w || op->pad_h >= op->kernel_h ||
		    op->pad_w >= op->kernel_w || (!conv && (op->pad_h || op->pad_w)) ||
		    !win_out(op->in_h, op->kernel_h, op->stride_h, op->pad_h) ||
		    !win_out(op->in_w, op->kernel_w, op->stride_w, op->pad_w))
			return ERR(NONE, WINDOW);
	}

	if (op->opcode != CSA_PROG_OP_KWTA) {
		if (op->k)
			return ERR(NONE, K);
	} else if (!op->k || op->k > (op->flags & CSA_PROG_F_LOCAL ?
				      (uint64_t)op->in_c : in_numel(op))) {
		return ERR(NONE, K);
	}

	switch (op->opcode) {
	case CSA_PROG_OP_LINEAR:
		if (op->out_h != 1 || op->out_w != 1)
			return ERR(NONE, SHAPE);
		break;
	case CSA_PROG_OP_CONV2D:
	case CSA_PROG_OP_MAXPOOL2D:
		if (op->out_h != win_out(op->in_h, op->kernel_h, op->stride_h,
					 op->pad_h) ||
		    op->out_w != win_out(op->in_w, op->kernel_w, op->stride_w,
					 op->pad_w) ||
		    (op->opcode == CSA_PROG_OP_MAXPOOL2D &&
		     op->out_c != op->in_c))
			return ERR(NONE, SHAPE);
		break;
	case CSA_PROG_OP_KWTA:
		if (op->out_c != op->in_c || op->out_h != op->in_h ||
		    op->out_w != op->in_w)
			return ERR(NONE, SHAPE);
		break;
	}
	if (is_layer_op(op) && op_cols(op) > CSA_LAYER_MAX_COLS)
		return ERR(NONE, COLS);
	return 0;
}

/* A section [off, off + len) of a packed layer lies in [hdr, total). */
static bool section_ok(const struct csa_layer_hdr *h, uint64_t off,
		       uint64_t len)
{
	return off >= h->hdr_size && off <= h->total_size &&
	       len <= h->total_size - off;
}

/* The checks of a layer header that depend on the op and the card. */
static uint32_t layer_fits(const struct run *r, const struct csa_prog_op *op,
			   const struct csa_layer_hdr *h)
{
	if (h->units != op->out_c || h->cols != op_cols(op))
		return ERR(PARAM, LAYER);
	if (!h->k || h->k > r->env->max_k || !h->groups ||
	    h->groups > h->units || (uint64_t)h->groups * h->k < h->units)
		return ERR(PARAM, PACK_K);
	return 0;
}

/*
 * Read and check the op's packed layer: header, tag map (decoded into
 * l->tagmap) and requantisation records (l->rq), both in the arena.
 */
static uint32_t layer_load(struct run *r, const struct csa_prog_op *op,
			   struct csa_layer_hdr *h, struct csa_dp_layer *l)
{
	uint8_t raw[CSA_LAYER_HDR_SIZE];
	uint64_t nacc, cols = op_cols(op);
	uint16_t *tagmap;
	struct csa_dp_rq *rq;
	uint8_t *seen;
	struct arena mark;
	uint32_t e;

	e = chk(r, CSA_PROG_OPND_PARAM, op->param, sizeof(raw), false);
	if (!e)
		e = rd(r, CSA_PROG_OPND_PARAM, op->param, 0, raw, sizeof(raw));
	if (e)
		return e;
	csa_layer_hdr_decode(h, raw);
	if (h->magic != CSA_LAYER_MAGIC)
		return ERR(PARAM, MAGIC);
	if (h->version != CSA_FORMAT_VERSION)
		return ERR(PARAM, VERSION);
	if (h->hdr_size != CSA_LAYER_HDR_SIZE)
		return ERR(PARAM, SIZE);
	if (h->flags)
		return ERR(PARAM, RESERVED);
	for (int i = 0; i < 5; i++)
		if (h->reserved[i])
			return ERR(PARAM, RESERVED);
	e = layer_fits(r, op, h);
	if (e)
		return e;
	nacc = (uint64_t)h->groups * h->k;
	if (!section_ok(h, h->weights_off,
			cols * h->groups * CSA_PACKED_ELEM_SIZE) ||
	    !section_ok(h, h->tagmap_off, nacc * 2) ||
	    !section_ok(h, h->requant_off,
			(uint64_t)h->units * CSA_REQUANT_SIZE) ||
	    (h->boost_off && !section_ok(h, h->boost_off, 2ull * h->units)))
		return ERR(PARAM, LAYOUT);
	e = chk(r, CSA_PROG_OPND_PARAM, op->param, h->total_size, false);
	if (e)
		return e;

	tagmap = take(&r->ar, nacc * 2);
	rq = take(&r->ar, (uint64_t)h->units * sizeof(*rq));
	mark = r->ar;
	seen = take(&r->ar, h->units);
	if (!tagmap || !rq || !seen)
		return ERR(NONE, SCRATCH);

	/* tag map: every unit exactly once */
	e = rd(r, CSA_PROG_OPND_PARAM, op->param, h->tagmap_off, tagmap,
	       nacc * 2);
	if (e)
		return e;
	memset(seen, 0, h->units);
	for (uint64_t a = 0; a < nacc; a++) {
		uint16_t u = (uint16_t)csa_get_le((uint8_t *)&tagmap[a], 2);

		tagmap[a] = u;
		if (u == CSA_TAGMAP_NONE)
			continue;
		if (u >= h->units || seen[u])
			return ERR(PARAM, TAGMAP);
		seen[u] = 1;
	}
	for (uint32_t u = 0; u < h->units; u++)
		if (!seen[u])
			return ERR(PARAM, TAGMAP);
	r->ar = mark;	/* seen[] is done */

	/* requantisation: 12 wire bytes -> 12-byte decoded record, in place */
	e = rd(r, CSA_PROG_OPND_PARAM, op->param, h->requant_off, rq,
	       (uint64_t)h->units * CSA_REQUANT_SIZE);
	if (e)
		return e;
	for (uint32_t u = 0; u < h->units; u++) {
		struct csa_requant q;

		csa_requant_decode(&q, (uint8_t *)rq + (size_t)u * CSA_REQUANT_SIZE);
		if (q.shift > CSA_REQUANT_MAX_SHIFT || q.reserved[0] ||
		    q.reserved[1] || q.reserved[2])
			return ERR(PARAM, REQUANT);
		rq[u].bias = q.bias;
		rq[u].mult = q.multiplier;
		rq[u].shift = q.shift;
	}

	*l = (struct csa_dp_layer) {
		.units = h->units, .cols = h->cols, .k = h->k,
		.groups = h->groups, .tagmap = tagmap, .rq = rq,
	};
	return 0;
}

/* Scratch buffers of one op (only those its kind uses are set). */
struct op_bufs {
	int8_t *x;		/* dense input, or sparse values */
	uint32_t *idx;		/* sparse input indices */
	uint8_t *w;		/* LINEAR: one column; CONV2D: all weights */
	int32_t *acc;
	uint32_t *keys;		/* local KWTA: the scores of one position */
	uint8_t *mark;
	uint16_t *boost;
	uint8_t *out;		/* the dst bytes, written at the end */
	uint64_t nacc;		/* accumulators incl. CSA_DP_ACC_PAD */
};

static uint32_t op_alloc(struct run *r, const struct csa_prog_op *op,
			 const struct csa_layer_hdr *h, struct op_bufs *b)
{
	uint64_t n = in_numel(op);
	bool ok = true;

	memset(b, 0, sizeof(*b));
	if (is_layer_op(op)) {
		uint64_t pos = (uint64_t)op->out_h * op->out_w;

		b->x = take(&r->ar, n);
		if (op->flags & CSA_PROG_F_SRC_SPARSE)
			ok = (b->idx = take(&r->ar, 4 * n)) != NULL;
		if (op->opcode == CSA_PROG_OP_LINEAR)
			b->w = take(&r->ar, (uint64_t)h->groups *
				    CSA_PACKED_ELEM_SIZE);
		else
			b->w = take(&r->ar, (uint64_t)h->cols * h->groups *
				    CSA_PACKED_ELEM_SIZE);
		b->nacc = pos * h->groups * h->k + CSA_DP_ACC_PAD;
		b->acc = take(&r->ar, 4 * b->nacc);
		ok = ok && b->x && b->w && b->acc;
	} else if (op->opcode == CSA_PROG_OP_KWTA) {
		/*
		 * input + one mark byte per element (+ C keys when local);
		 * the dense output overwrites the input in place
		 */
		b->x = take(&r->ar, n);
		b->mark = take(&r->ar, n);
		if (op->flags & CSA_PROG_F_LOCAL)
			b->keys = take(&r->ar, 4ull * op->in_c);
		b->boost = take(&r->ar, 2ull * op->in_c);
		ok = b->x && b->mark && b->boost &&
		     (b->keys || !(op->flags & CSA_PROG_F_LOCAL));
		if (!(op->flags & CSA_PROG_F_DST_SPARSE)) {
			b->out = (uint8_t *)b->x;
			return ok ? 0 : ERR(NONE, SCRATCH);
		}
	} else {
		ok = (b->x = take(&r->ar, n)) != NULL;
	}
	b->out = take(&r->ar, dst_len(op));
	return ok && b->out ? 0 : ERR(NONE, SCRATCH);
}

/**
 * struct op_layer - a layer op's packed layer as validation decoded it
 * @h: its header
 * @l: its decoded tag map and requantisation records (in the arena, kept
 *     for the whole run)
 * @reuse: its slot is not writable, so no op of the job can change it:
 *         execution uses @l instead of reading and decoding it again
 */
struct op_layer {
	struct csa_layer_hdr h;
	struct csa_dp_layer l;
	bool reuse;
};

/* ---- layer cache (csa_prog.h) ---- */

void csa_lcache_flush(struct csa_layer_cache *c)
{
	for (int i = 0; i < CSA_LCACHE_ENTRIES; i++)
		c->e[i].tag = 0;
}

/* Bytes of a decoded layer's tag map, 8-aligned; its records follow. */
static uint64_t lcache_map_bytes(const struct csa_layer_hdr *h)
{
	return ((uint64_t)h->groups * h->k * 2 + 7) & ~7ull;
}

/*
 * The tag under which the op's layer may be cached: 0 without a cache or
 * a tag, or when the slot is writable (its bytes could change).
 */
static uint64_t layer_tag(const struct run *r, const struct csa_prog_op *op)
{
	const struct csa_prog_env *env = r->env;
	uint32_t slot = CSA_OPERAND_SLOT(op->param);

	if (!env->lcache || !env->io->tag ||
	    !env->io->check(env->ctx, slot, 0, 0, true))
		return 0;
	return env->io->tag(env->ctx, slot);
}

/*
 * Look (tag, offset) up.  On a hit *hit is set, and *h and *l get the
 * header and a copy of the decoded layer in the arena (an entry may be
 * replaced by a later op of the same job).  0, or an error of the checks
 * that depend on the op.
 */
static uint32_t lcache_get(struct run *r, const struct csa_prog_op *op,
			   uint64_t tag, struct csa_layer_hdr *h,
			   struct csa_dp_layer *l, bool *hit)
{
	struct csa_layer_cache *c = r->env->lcache;
	uint64_t off = CSA_OPERAND_OFF(op->param);
	struct csa_lcache_entry *e = NULL;
	const uint8_t *mem;
	uint16_t *tagmap;
	struct csa_dp_rq *rq;
	uint32_t err;

	*hit = false;
	for (int i = 0; i < CSA_LCACHE_ENTRIES && !e; i++)
		if (c->e[i].tag == tag && c->e[i].off == off)
			e = &c->e[i];
	if (!e)
		return 0;
	*h = e->h;
	err = layer_fits(r, op, h);
	if (!err)
		err = chk(r, CSA_PROG_OPND_PARAM, op->param, h->total_size,
			  false);
	if (err)
		return err;
	tagmap = take(&r->ar, (uint64_t)h->groups * h->k * 2);
	rq = take(&r->ar, (uint64_t)h->units * sizeof(*rq));
	if (!tagmap || !rq)
		return ERR(NONE, SCRATCH);
	mem = (const uint8_t *)c->mem +
	      (size_t)(e - c->e) * CSA_LCACHE_ENTRY_BYTES;
	memcpy(tagmap, mem, (size_t)h->groups * h->k * 2);
	memcpy(rq, mem + lcache_map_bytes(h), (size_t)h->units * sizeof(*rq));
	*l = (struct csa_dp_layer) {
		.units = h->units, .cols = h->cols, .k = h->k,
		.groups = h->groups, .tagmap = tagmap, .rq = rq,
	};
	e->used = ++c->clock;
	c->hits++;
	*hit = true;
	return 0;
}

/* Keep a freshly validated layer, replacing the least recently used. */
static void lcache_put(struct csa_layer_cache *c, uint64_t tag, uint64_t off,
		       const struct csa_layer_hdr *h,
		       const struct csa_dp_layer *l)
{
	struct csa_lcache_entry *e = &c->e[0];
	uint8_t *mem;

	c->misses++;
	if (lcache_map_bytes(h) + (uint64_t)h->units * sizeof(*l->rq) >
	    CSA_LCACHE_ENTRY_BYTES)
		return;
	for (int i = 1; i < CSA_LCACHE_ENTRIES && e->tag; i++)
		if (!c->e[i].tag || c->e[i].used < e->used)
			e = &c->e[i];
	mem = (uint8_t *)c->mem + (size_t)(e - c->e) * CSA_LCACHE_ENTRY_BYTES;
	memcpy(mem, l->tagmap, (size_t)h->groups * h->k * 2);
	memcpy(mem + lcache_map_bytes(h), l->rq,
	       (size_t)h->units * sizeof(*l->rq));
	*e = (struct csa_lcache_entry){
		.tag = tag, .off = off, .used = ++c->clock, .h = *h,
	};
}

/* The op's layer, from the cache or read, checked and decoded (*ol). */
static uint32_t layer_get(struct run *r, const struct csa_prog_op *op,
			  struct op_layer *ol)
{
	uint64_t tag = layer_tag(r, op);
	bool hit = false;
	uint32_t e = 0;

	if (tag)
		e = lcache_get(r, op, tag, &ol->h, &ol->l, &hit);
	if (e || hit) {
		ol->reuse = true;
		return e;
	}
	e = layer_load(r, op, &ol->h, &ol->l);
	if (e)
		return e;
	if (tag)
		lcache_put(r->env->lcache, tag, CSA_OPERAND_OFF(op->param),
			   &ol->h, &ol->l);
	ol->reuse = r->env->io->check(r->env->ctx,
				      CSA_OPERAND_SLOT(op->param),
				      CSA_OPERAND_OFF(op->param),
				      ol->h.total_size, true) != 0;
	return 0;
}

/*
 * Everything about an op that needs memory, before any op runs.  A layer
 * op's decoded layer stays in the arena (*ol); the rest is given back.
 */
static uint32_t op_validate(struct run *r, const struct csa_prog_op *op,
			    struct op_layer **ol)
{
	struct csa_layer_hdr h = { 0 };
	struct op_bufs b;
	struct arena keep;
	uint32_t e;

	*ol = NULL;
	e = op_check_fields(r->env, op);
	if (e)
		return e;
	if (is_layer_op(op)) {
		*ol = take(&r->ar, sizeof(**ol));
		if (!*ol)
			return ERR(NONE, SCRATCH);
		e = layer_get(r, op, *ol);
		if (e)
			return e;
		h = (*ol)->h;
	}
	keep = r->ar;
	if (op->opcode == CSA_PROG_OP_KWTA && op->flags & CSA_PROG_F_BOOST) {
		e = chk(r, CSA_PROG_OPND_PARAM, op->param, 2ull * op->in_c,
			false);
		if (e)
			return e;
	}
	e = chk(r, CSA_PROG_OPND_SRC, op->src,
		op->flags & CSA_PROG_F_SRC_SPARSE ? CSA_SPARSE_HDR_SIZE :
		in_numel(op), false);
	if (e)
		return e;
	e = chk(r, CSA_PROG_OPND_DST, op->dst, dst_len(op), true);
	if (e)
		return e;
	e = op_alloc(r, op, &h, &b);
	r->ar = keep;
	return e;
}

/*
 * The op's input into b->x (dense), or b->idx/b->x (sparse, *count
 * entries, indices checked).
 */
static uint32_t load_src(struct run *r, const struct csa_prog_op *op,
			 struct op_bufs *b, uint32_t *count)
{
	uint64_t n = in_numel(op);
	uint8_t raw[CSA_SPARSE_HDR_SIZE];
	struct csa_sparse_hdr s;
	uint32_t e;

	if (!(op->flags & CSA_PROG_F_SRC_SPARSE)) {
		*count = (uint32_t)n;
		return rd(r, CSA_PROG_OPND_SRC, op->src, 0, b->x, n);
	}
	e = rd(r, CSA_PROG_OPND_SRC, op->src, 0, raw, sizeof(raw));
	if (e)
		return e;
	csa_sparse_hdr_decode(&s, raw);
	if (s.magic != CSA_SPARSE_MAGIC || s.count > s.capacity ||
	    s.numel != n || s.count > n)
		return ERR(SRC, SPARSE);
	e = rd(r, CSA_PROG_OPND_SRC, op->src, CSA_SPARSE_IDX_OFF, b->idx,
	       4ull * s.count);
	if (!e)
		e = rd(r, CSA_PROG_OPND_SRC, op->src,
		       CSA_SPARSE_VAL_OFF(s.capacity), b->x, s.count);
	if (e)
		return e;
	for (uint32_t i = 0; i < s.count; i++) {
		b->idx[i] = (uint32_t)csa_get_le((uint8_t *)&b->idx[i], 4);
		if (b->idx[i] >= n || (i && b->idx[i] <= b->idx[i - 1]))
			return ERR(SRC, SPARSE);
	}
	*count = s.count;
	return 0;
}

/* Output stage + write of a LINEAR/CONV2D result. */
static uint32_t layer_out(struct run *r, const struct csa_prog_op *op,
			  const struct csa_dp_layer *l, struct op_bufs *b,
			  uint32_t positions)
{
	uint64_t n = (uint64_t)l->units * positions;

	if (op->flags & CSA_PROG_F_DST_INT32) {
		int32_t *y32 = (int32_t *)(void *)b->out;

		csa_dp_output(l, b->acc, positions, NULL, y32);
		for (uint64_t i = 0; i < n; i++)	/* in place, to LE */
			csa_put_le(b->out + 4 * i, (uint32_t)y32[i], 4);
	} else {
		csa_dp_output(l, b->acc, positions, (int8_t *)b->out, NULL);
	}
	r->stage.tail += csa_dp_cost_stream(n, r->lanes);
	return wr(r, CSA_PROG_OPND_DST, op->dst, b->out, dst_len(op));
}

static uint32_t exec_linear(struct run *r, const struct csa_prog_op *op,
			    const struct csa_layer_hdr *h,
			    const struct csa_dp_layer *l, struct op_bufs *b)
{
	uint64_t colsz = (uint64_t)h->groups * CSA_PACKED_ELEM_SIZE;
	bool sparse = op->flags & CSA_PROG_F_SRC_SPARSE;
	bool skip = !(op->flags & CSA_PROG_F_NO_SKIP);
	struct csa_dp_stats st = { 0 };
	uint32_t count, maxtag = 0, e;

	e = load_src(r, op, b, &count);
	if (e)
		return e;
	memset(b->acc, 0, 4 * b->nacc);
	csa_dp_sched_init(&st, h->groups, r->lanes);
	/* Select: only non-zero inputs fetch their packed column (NO_SKIP: all) */
	for (uint32_t i = 0; i < count; i++) {
		uint32_t col = sparse ? b->idx[i] : i;
		uint32_t t;

		if (skip && !b->x[i])
			continue;
		e = rd(r, CSA_PROG_OPND_PARAM, op->param,
		       h->weights_off + col * colsz, b->w, colsz);
		if (e)
			return e;
		t = csa_dp_mac_col(b->acc, b->w, h->groups, h->k, b->x[i]);
		maxtag = t > maxtag ? t : maxtag;
		st.visits++;
		csa_dp_sched_visit(&st, CSA_DP_BANK_OWN);
	}
	if (maxtag >= h->k)
		return ERR(PARAM, TAG);
	st.inputs = count;
	st.macs = st.visits * h->groups;
	r->res->macs += st.macs;
	r->stage.head += csa_dp_cost_mac(&st) +
			 csa_dp_cost_stream(st.inputs, r->lanes);
	return layer_out(r, op, l, b, 1);
}

static bool run_cancelled(const struct run *r)
{
	return r->env->cancelled && r->env->cancelled(r->env->cancel_ctx);
}

/* Sparse input entries of CONV2D between two cancel polls. */
#define CONV_SPARSE_CHUNK	4096

/*
 * CONV2D, a cancel poll between input rows (dense) or chunks (sparse).
 * A dense row y of channel c is scattered as a one-row, one-channel input
 * whose top padding ph + y says where it sits, with the weight columns of
 * channel c: the same visits, products and counts as one call.
 */
static uint32_t conv_run(struct run *r, const struct csa_prog_op *op,
			 const struct csa_dp_layer *l,
			 const struct csa_dp_conv *g, struct op_bufs *b,
			 uint32_t count, struct csa_dp_stats *st,
			 uint32_t *maxtag)
{
	size_t colsz = (size_t)l->groups * CSA_PACKED_ELEM_SIZE;
	struct csa_dp_conv row = *g;
	struct csa_dp_layer lc = *l;
	const int8_t *x = b->x;
	uint32_t t;

	if (op->flags & CSA_PROG_F_SRC_SPARSE) {
		for (uint32_t i = 0; i < count; i += CONV_SPARSE_CHUNK) {
			uint32_t n = count - i < CONV_SPARSE_CHUNK ?
				     count - i : CONV_SPARSE_CHUNK;

			if (run_cancelled(r))
				return ERR(NONE, CANCELLED);
			t = csa_dp_conv_sparse(l, g, b->idx + i, b->x + i, n,
					       b->acc, st);
			*maxtag = t > *maxtag ? t : *maxtag;
		}
		return 0;
	}
	row.in_c = 1;
	row.in_h = 1;
	for (uint32_t c = 0; c < g->in_c; c++) {
		lc.w = l->w + (size_t)c * g->kh * g->kw * colsz;
		for (uint32_t y = 0; y < g->in_h; y++, x += g->in_w) {
			if (run_cancelled(r))
				return ERR(NONE, CANCELLED);
			row.ph = g->ph + y;
			t = csa_dp_conv_dense(&lc, &row, x,
					      !(op->flags & CSA_PROG_F_NO_SKIP),
					      b->acc, st);
			*maxtag = t > *maxtag ? t : *maxtag;
		}
	}
	return 0;
}

static uint32_t exec_conv(struct run *r, const struct csa_prog_op *op,
			  const struct csa_layer_hdr *h,
			  struct csa_dp_layer *l, struct op_bufs *b)
{
	const struct csa_dp_conv g = {
		.in_c = op->in_c, .in_h = op->in_h, .in_w = op->in_w,
		.out_h = op->out_h, .out_w = op->out_w,
		.kh = op->kernel_h, .kw = op->kernel_w,
		.sh = op->stride_h, .sw = op->stride_w,
		.ph = op->pad_h, .pw = op->pad_w,
	};
	struct csa_dp_stats st = { 0 };
	uint32_t count, maxtag = 0, e;

	e = load_src(r, op, b, &count);
	if (!e)
		e = rd(r, CSA_PROG_OPND_PARAM, op->param, h->weights_off, b->w,
		       (uint64_t)h->cols * h->groups * CSA_PACKED_ELEM_SIZE);
	if (e)
		return e;
	l->w = b->w;
	memset(b->acc, 0, 4 * b->nacc);
	csa_dp_sched_init(&st, h->groups, r->lanes);
	e = conv_run(r, op, l, &g, b, count, &st, &maxtag);
	if (e)
		return e;
	if (maxtag >= h->k)
		return ERR(PARAM, TAG);
	r->res->macs += st.macs;
	r->stage.head += csa_dp_cost_mac(&st) +
			 csa_dp_cost_stream(st.inputs, r->lanes);
	return layer_out(r, op, l, b, op->out_h * op->out_w);
}

static uint32_t exec_kwta(struct run *r, const struct csa_prog_op *op,
			  struct op_bufs *b)
{
	uint32_t n = (uint32_t)in_numel(op), plane = op->in_h * op->in_w;
	bool local = op->flags & CSA_PROG_F_LOCAL;
	const uint16_t *boost = NULL;
	uint32_t count, e;

	e = load_src(r, op, b, &count);
	if (e)
		return e;
	if (op->flags & CSA_PROG_F_BOOST) {
		e = rd(r, CSA_PROG_OPND_PARAM, op->param, 0, b->boost,
		       2ull * op->in_c);
		if (e)
			return e;
		for (uint32_t c = 0; c < op->in_c; c++)
			b->boost[c] = (uint16_t)csa_get_le((uint8_t *)&b->boost[c], 2);
		boost = b->boost;
	}
	if (local) {
		csa_dp_kwta_local(b->x, op->in_c, plane, boost, op->k, b->mark,
				  b->keys);
		csa_dp_stage_kwta(&r->stage, op->in_c, plane, r->lanes,
				  CSA_DP_KWTA_PASSES(boost), true);
	} else {
		csa_dp_kwta_global(b->x, op->in_c, plane, boost, op->k, b->mark);
		csa_dp_stage_kwta(&r->stage, n, 1, r->lanes,
				  CSA_DP_KWTA_PASSES(boost), false);
	}
	if (op->flags & CSA_PROG_F_DST_SPARSE) {
		uint32_t cap = (uint32_t)kwta_cap(op);
		struct csa_sparse_hdr s = { CSA_SPARSE_MAGIC, 0, cap, n };
		/* the indices go straight to their place, then to LE in place */
		uint32_t *idx = (uint32_t *)(void *)(b->out + CSA_SPARSE_IDX_OFF);

		s.count = csa_dp_kwta_sparse(b->x, b->mark, n, idx,
					     (int8_t *)b->out +
					     CSA_SPARSE_VAL_OFF(cap));
		csa_sparse_hdr_encode(b->out, &s);
		for (uint32_t i = 0; i < s.count; i++)
			csa_put_le((uint8_t *)&idx[i], idx[i], 4);
	} else {
		/* b->out is b->x: in place */
		csa_dp_kwta_dense(b->x, b->mark, n, (int8_t *)b->out);
	}
	return wr(r, CSA_PROG_OPND_DST, op->dst, b->out, dst_len(op));
}

static uint32_t exec_maxpool(struct run *r, const struct csa_prog_op *op,
			     struct op_bufs *b)
{
	uint32_t count, e = load_src(r, op, b, &count);
	int8_t *y = (int8_t *)b->out;

	if (e)
		return e;
	/* one output row at a time: a cancel takes effect between rows */
	for (uint32_t ch = 0; ch < op->in_c; ch++) {
		const int8_t *x = b->x + (size_t)ch * op->in_h * op->in_w;

		for (uint32_t oy = 0; oy < op->out_h; oy++, y += op->out_w) {
			if (run_cancelled(r))
				return ERR(NONE, CANCELLED);
			csa_dp_maxpool(x + (size_t)oy * op->stride_h * op->in_w,
				       1, op->kernel_h, op->in_w, op->kernel_h,
				       op->kernel_w, op->stride_h,
				       op->stride_w, 1, op->out_w, y);
		}
	}
	r->stage.head += csa_dp_cost_stream(out_numel(op) * op->kernel_h *
					    op->kernel_w, r->lanes);
	return wr(r, CSA_PROG_OPND_DST, op->dst, b->out, dst_len(op));
}

static uint32_t op_exec(struct run *r, const struct csa_prog_op *op,
			const struct op_layer *ol)
{
	struct csa_layer_hdr h = { 0 };
	struct csa_dp_layer l;
	struct op_bufs b;
	uint32_t e = 0;

	if (ol && ol->reuse) {
		/* read-only: decoded once, at validation */
		h = ol->h;
		l = ol->l;
	} else if (is_layer_op(op)) {
		/* read and checked again: an earlier op may have written it */
		e = layer_load(r, op, &h, &l);
	}
	if (!e)
		e = op_alloc(r, op, &h, &b);
	if (e)
		return e;
	switch (op->opcode) {
	case CSA_PROG_OP_LINEAR:
		return exec_linear(r, op, &h, &l, &b);
	case CSA_PROG_OP_CONV2D:
		return exec_conv(r, op, &h, &l, &b);
	case CSA_PROG_OP_KWTA:
		return exec_kwta(r, op, &b);
	default:
		return exec_maxpool(r, op, &b);
	}
}

/* Read and check the program header and ops into the scratch arena. */
static uint32_t prog_load(struct run *r, uint32_t slot, uint64_t off,
			  uint64_t len, struct csa_prog_op **ops,
			  uint32_t *nops)
{
	uint64_t operand = CSA_OPERAND(slot, 0);
	uint8_t raw[CSA_PROG_HDR_SIZE];
	struct csa_prog_hdr h;
	struct arena mark;
	uint8_t *ops_raw;
	uint32_t e;

	if (len < CSA_PROG_HDR_SIZE)
		return ERR(NONE, SIZE);
	e = rd(r, CSA_PROG_OPND_NONE, operand, off, raw, sizeof(raw));
	if (e)
		return e;
	csa_prog_hdr_decode(&h, raw);
	if (h.magic != CSA_PROG_MAGIC)
		return ERR(NONE, MAGIC);
	if (h.version != CSA_FORMAT_VERSION)
		return ERR(NONE, VERSION);
	if (h.hdr_size != CSA_PROG_HDR_SIZE || h.op_size != CSA_PROG_OP_SIZE)
		return ERR(NONE, SIZE);
	if (h.flags || h.reserved[0] || h.reserved[1] || h.reserved[2] ||
	    h.reserved[3])
		return ERR(NONE, RESERVED);
	if (!h.num_ops || h.num_ops > CSA_PROG_MAX_OPS)
		return ERR(NONE, NUM_OPS);
	if (len != CSA_PROG_SIZE((uint64_t)h.num_ops))
		return ERR(NONE, SIZE);

	*ops = take(&r->ar, (uint64_t)h.num_ops * sizeof(**ops));
	mark = r->ar;
	ops_raw = take(&r->ar, (uint64_t)h.num_ops * CSA_PROG_OP_SIZE);
	if (!*ops || !ops_raw)
		return ERR(NONE, SCRATCH);
	e = rd(r, CSA_PROG_OPND_NONE, operand, off + CSA_PROG_HDR_SIZE,
	       ops_raw, (uint64_t)h.num_ops * CSA_PROG_OP_SIZE);
	if (e)
		return e;
	for (uint32_t i = 0; i < h.num_ops; i++)
		csa_prog_op_decode(&(*ops)[i], ops_raw + i * CSA_PROG_OP_SIZE);
	r->ar = mark;
	*nops = h.num_ops;
	return 0;
}

/* DMA cycles of the bytes moved since the last charge. */
static void charge_dma(struct run *r, uint64_t *charged)
{
	r->res->cycles += csa_dp_cost_dma(r->res->bytes - *charged);
	*charged = r->res->bytes;
}

/*
 * Cycles of the op that just ran: the DMA engine streams its reads during
 * its head and its writes during its tail; its head overlaps the previous
 * op's tail (csa_dp_cost_overlap()).
 */
static void op_charge(struct run *r, uint64_t *pending)
{
	struct csa_dp_stage s = r->stage;
	uint64_t rd_c = csa_dp_cost_dma(r->op_rd);
	uint64_t wr_c = csa_dp_cost_dma(r->op_wr);

	s.head = s.head > rd_c ? s.head : rd_c;
	s.tail = s.tail > wr_c ? s.tail : wr_c;
	r->res->cycles += csa_dp_cost_overlap(pending, &s);
}

void csa_prog_run(const struct csa_prog_env *env, uint32_t slot, uint64_t off,
		  uint64_t len, struct csa_prog_result *res)
{
	struct run r = {
		.env = env, .res = res,
		.lanes = env->lanes ? env->lanes : 1,
	};
	struct op_layer *layers[CSA_PROG_MAX_OPS];
	struct csa_prog_op *ops = NULL;
	uint32_t nops = 0, i, e;
	uint64_t charged = 0, pending = 0;
	struct arena base;

	memset(res, 0, sizeof(*res));
	if (env->scratch) {
		/* the arena hands out 8-byte aligned blocks */
		size_t skew = (size_t)(-(uintptr_t)env->scratch & 7);

		if (env->scratch_size > skew) {
			r.ar.p = env->scratch + skew;
			r.ar.left = env->scratch_size - skew;
		}
	}
	e = prog_load(&r, slot, off, len, &ops, &nops);
	if (e) {
		i = CSA_PROG_DETAIL_HDR;
		goto out;
	}
	/* every op is checked before the first one runs */
	for (i = 0; i < nops; i++) {
		e = op_validate(&r, &ops[i], &layers[i]);
		if (e)
			goto out;
	}
	base = r.ar;	/* past the decoded layers */
	charge_dma(&r, &charged);
	for (i = 0; i < nops; i++) {
		r.ar = base;
		if (run_cancelled(&r)) {
			e = ERR(NONE, CANCELLED);
			goto out;
		}
		res->cycles += CSA_DP_CYCLES_OP;
		r.stage = (struct csa_dp_stage){ 0 };
		r.op_rd = 0;
		r.op_wr = 0;
		e = op_exec(&r, &ops[i], layers[i]);
		op_charge(&r, &pending);
		charged = res->bytes;
		if (e)
			goto out;
		res->ops_done++;
	}
	res->cycles += pending;
	return;
out:
	res->cycles += pending;
	charge_dma(&r, &charged);
	res->status = CSA_STATUS_PROGRAM;
	res->detail = CSA_PROG_DETAIL(i, e >> 8, e & 0xff);
}
