// SPDX-License-Identifier: MIT
/*
 * The CPU backend's program decoder: once, at model load.  Everything a
 * run would otherwise re-read per inference is turned into native arrays:
 * a packed layer becomes compressed columns of (unit, value) pairs (the
 * tag map applied, elements of value zero dropped: they add nothing), its
 * requantisation three arrays, a boost array host-endian.
 *
 * The decoder accepts what a model's program does (libcsa builds it) and
 * checks what the runs rely on: operand ranges against the slots' sizes
 * (the fixed slots now, the per-inference ones recorded and checked at
 * run time), layer sections, tags < k, a tag map naming every unit once,
 * shifts <= 31, src and dst not overlapping.  Anything else is -ENOTSUP:
 * the reference engine runs it and reports the card's error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"
#include "csa_hw.h"
#include "csa_prog.h"

static uint64_t in_numel(const struct csa_prog_op *op)
{
	return (uint64_t)op->in_c * op->in_h * op->in_w;
}

static uint64_t out_numel(const struct csa_prog_op *op)
{
	return (uint64_t)op->out_c * op->out_h * op->out_w;
}

static uint64_t src_len(const struct csa_prog_op *op)
{
	return op->flags & CSA_PROG_F_SRC_SPARSE ? CSA_SPARSE_HDR_SIZE : in_numel(op);
}

static uint64_t dst_len(const struct csa_prog_op *op)
{
	if (op->opcode == CSA_PROG_OP_KWTA && op->flags & CSA_PROG_F_DST_SPARSE)
		return CSA_SPARSE_SIZE((uint64_t)op->k *
				       (op->flags & CSA_PROG_F_LOCAL ? op->in_h * op->in_w : 1));
	return (op->flags & CSA_PROG_F_DST_INT32 ? 4 : 1) * out_numel(op);
}

/* Record that @opnd needs [off, off + len) of its slot; false if it cannot. */
static bool need(struct csa_cpu_prog *p, const uint8_t *const *slot,
		 const uint64_t *fixed_size, uint32_t nslots, uint64_t opnd,
		 uint64_t len)
{
	uint32_t s = CSA_OPERAND_SLOT(opnd);
	uint64_t end = CSA_OPERAND_OFF(opnd) + len;

	if (s >= nslots || s >= CSA_CPU_MAX_SLOTS || end < len)
		return false;
	if (slot[s] && end > fixed_size[s])
		return false;
	p->slot_size[s] = end > p->slot_size[s] ? end : p->slot_size[s];
	return true;
}

static int decode_layer(struct csa_cpu_op *o, const uint8_t *b, uint64_t avail)
{
	const struct csa_prog_op *op = &o->op;
	struct csa_cpu_layer *l = &o->layer;
	uint64_t cols = op->opcode == CSA_PROG_OP_LINEAR ? in_numel(op) :
			(uint64_t)op->in_c * op->kernel_h * op->kernel_w;
	struct csa_layer_hdr h;
	uint64_t nacc, nnz = 0;
	uint8_t *seen;

	if (avail < CSA_LAYER_HDR_SIZE)
		return -ENOTSUP;
	csa_layer_hdr_decode(&h, b);
	nacc = (uint64_t)h.groups * h.k;
	if (h.magic != CSA_LAYER_MAGIC || h.version != CSA_FORMAT_VERSION ||
	    h.hdr_size != CSA_LAYER_HDR_SIZE || h.flags || h.units != op->out_c ||
	    h.cols != cols || !h.k || nacc < h.units || h.units >= 0xffff ||
	    h.total_size > avail ||
	    h.weights_off + (uint64_t)h.cols * h.groups * 2 > h.total_size ||
	    h.tagmap_off + 2 * nacc > h.total_size ||
	    h.requant_off + (uint64_t)CSA_REQUANT_SIZE * h.units > h.total_size)
		return -ENOTSUP;
	l->units = h.units;
	l->cols = h.cols;
	l->stride = (h.units + 1 + 15) / 16 * 16;
	l->ptr = malloc(4 * (cols + 1));
	l->bias = malloc(4ull * h.units);
	l->mult = malloc(4ull * h.units);
	l->shift = malloc(4ull * h.units);
	seen = calloc(h.units, 1);
	if (!l->ptr || !l->bias || !l->mult || !l->shift || !seen) {
		free(seen);
		return -ENOMEM;
	}
	/* the tag map: every unit exactly once */
	for (uint64_t a = 0; a < nacc; a++) {
		uint32_t u = (uint32_t)csa_get_le(b + h.tagmap_off + 2 * a, 2);

		if (u == CSA_TAGMAP_NONE)
			continue;
		if (u >= h.units || seen[u]) {
			free(seen);
			return -ENOTSUP;
		}
		seen[u] = 1;
	}
	for (uint32_t u = 0; u < h.units; u++)
		if (!seen[u]) {
			free(seen);
			return -ENOTSUP;
		}
	free(seen);
	for (uint32_t u = 0; u < h.units; u++) {
		struct csa_requant r;

		csa_requant_decode(&r, b + h.requant_off + 12ull * u);
		if (r.shift > CSA_REQUANT_MAX_SHIFT || r.reserved[0] || r.reserved[1] ||
		    r.reserved[2])
			return -ENOTSUP;
		l->bias[u] = r.bias;
		l->mult[u] = r.multiplier;
		l->shift[u] = r.shift;
	}
	for (uint64_t i = 0; i < (uint64_t)h.cols * h.groups; i++) {
		const uint8_t *e = b + h.weights_off + 2 * i;

		if (e[1] >= h.k)
			return -ENOTSUP;	/* the engine fails the op: its error */
		nnz += e[0] != 0;
	}
	l->unit = malloc(2 * (nnz + 1));
	l->val = malloc(nnz + 1);
	if (!l->unit || !l->val)
		return -ENOMEM;
	nnz = 0;
	for (uint32_t c = 0; c < h.cols; c++) {
		const uint8_t *col = b + h.weights_off + 2ull * c * h.groups;

		l->ptr[c] = (uint32_t)nnz;
		for (uint32_t g = 0; g < h.groups; g++) {
			uint32_t u;

			if (!col[2 * g])
				continue;
			u = (uint32_t)csa_get_le(b + h.tagmap_off +
						 2 * ((uint64_t)g * h.k + col[2 * g + 1]), 2);
			/* an unused accumulator: its products are dropped */
			l->unit[nnz] = (uint16_t)(u == CSA_TAGMAP_NONE ? h.units : u);
			l->val[nnz++] = (int8_t)col[2 * g];
		}
	}
	l->ptr[h.cols] = (uint32_t)nnz;
	/*
	 * A whole column costs stride / 16 vector adds, a gather + scatter of
	 * 16 elements about as much as 5 of them: dense columns when cheaper.
	 */
	if ((uint64_t)l->stride * h.cols <= 5 * nnz && (uint64_t)l->stride * h.cols <= (64u << 20)) {
		l->dense = calloc((size_t)l->stride * h.cols, 1);
		if (!l->dense)
			return -ENOMEM;
		for (uint32_t c = 0; c < h.cols; c++)
			for (uint32_t j = l->ptr[c]; j < l->ptr[c + 1]; j++)
				l->dense[(size_t)c * l->stride + l->unit[j]] = l->val[j];
	}
	return 0;
}

/*
 * The 4-column weights of a LINEAR (csa_cpu_layer.quads), when it is dense
 * enough that 64 multiply-adds an instruction over whole columns beat
 * scattering its non-zero elements, and small enough to stay in cache.
 */
static int decode_quads(struct csa_cpu_layer *l)
{
	uint32_t nq = (l->cols + 3) / 4;
	uint64_t nnz = l->ptr[l->cols];
	size_t qsz;

	l->rstride = (l->units + 15) / 16 * 16;
	qsz = (size_t)l->rstride * 4;
	if ((uint64_t)l->units * l->cols > 12 * nnz || qsz * nq > (4u << 20))
		return 0;
	l->quads = malloc(qsz * nq);
	if (!l->quads)
		return -ENOMEM;
	memset(l->quads, 128, qsz * nq);	/* weight 0 */
	for (uint32_t c = 0; c < l->cols; c++)
		for (uint32_t j = l->ptr[c]; j < l->ptr[c + 1]; j++)
			if (l->unit[j] < l->units)
				l->quads[(size_t)(c / 4) * qsz + 4 * l->unit[j] + c % 4] =
					(uint8_t)(l->val[j] + 128);
	return 0;
}

/* The output-stationary weights of a CONV2D (csa_cpu_layer.rows). */
static int decode_rows(struct csa_cpu_layer *l, const struct csa_prog_op *op)
{
	uint32_t kh = op->kernel_h, kw = op->kernel_w, rows = op->in_c * kh;
	size_t rsz;

	if (kw > 8 || l->units > 128)
		return 0;
	l->kq = (kw + 3) / 4;
	l->rstride = (l->units + 15) / 16 * 16;
	rsz = (size_t)l->kq * l->rstride * 4;
	l->rows = malloc(rsz * rows);
	if (!l->rows)
		return -ENOMEM;
	memset(l->rows, 128, rsz * rows);	/* weight 0 */
	for (uint32_t r = 0; r < rows; r++)
		for (uint32_t kx = 0; kx < kw; kx++) {
			uint32_t col = r * kw + kx;
			uint8_t *q = l->rows + r * rsz + (size_t)(kx / 4) * l->rstride * 4 + kx % 4;

			for (uint32_t j = l->ptr[col]; j < l->ptr[col + 1]; j++)
				q[4 * l->unit[j]] = (uint8_t)(l->val[j] + 128);
		}
	return 0;
}

static bool overlap(const struct csa_prog_op *op)
{
	uint64_t s = CSA_OPERAND_OFF(op->src), d = CSA_OPERAND_OFF(op->dst);
	uint64_t sl = op->flags & CSA_PROG_F_SRC_SPARSE ?
		      CSA_SPARSE_SIZE(in_numel(op)) : src_len(op);

	return CSA_OPERAND_SLOT(op->src) == CSA_OPERAND_SLOT(op->dst) &&
	       s < d + dst_len(op) && d < s + sl;
}

static int decode_op(struct csa_cpu_prog *p, struct csa_cpu_op *o,
		     const uint8_t *const *slot, const uint64_t *fixed_size,
		     uint32_t nslots)
{
	const struct csa_prog_op *op = &o->op;
	uint32_t f = op->flags;
	uint64_t pos = (uint64_t)op->out_h * op->out_w;

	if (!in_numel(op) || !out_numel(op) || op->reserved0 || op->reserved1[0] ||
	    op->reserved1[1] || op->reserved2[0] || op->reserved2[1] || op->reserved2[2] ||
	    !need(p, slot, fixed_size, nslots, op->src, src_len(op)) ||
	    !need(p, slot, fixed_size, nslots, op->dst, dst_len(op)) || overlap(op))
		return -ENOTSUP;
	p->numel = in_numel(op) > p->numel ? in_numel(op) : p->numel;
	p->numel = out_numel(op) > p->numel ? out_numel(op) : p->numel;
	switch (op->opcode) {
	case CSA_PROG_OP_LINEAR:
	case CSA_PROG_OP_CONV2D: {
		uint32_t s = CSA_OPERAND_SLOT(op->param);
		uint64_t off = CSA_OPERAND_OFF(op->param);
		int ret;

		if (f & ~(CSA_PROG_F_SRC_SPARSE | CSA_PROG_F_DST_INT32) ||
		    s >= nslots || !slot[s] || off >= fixed_size[s])
			return -ENOTSUP;
		if (op->opcode == CSA_PROG_OP_LINEAR ?
		    op->out_h != 1 || op->out_w != 1 :
		    !op->stride_h || !op->stride_w || !op->kernel_h || !op->kernel_w ||
		    op->pad_h >= op->kernel_h || op->pad_w >= op->kernel_w ||
		    (uint64_t)op->in_h + 2 * op->pad_h < op->kernel_h ||
		    (uint64_t)op->in_w + 2 * op->pad_w < op->kernel_w ||
		    op->out_h != (op->in_h + 2u * op->pad_h - op->kernel_h) / op->stride_h + 1 ||
		    op->out_w != (op->in_w + 2u * op->pad_w - op->kernel_w) / op->stride_w + 1)
			return -ENOTSUP;
		ret = decode_layer(o, slot[s] + off, fixed_size[s] - off);
		if (!ret && op->opcode == CSA_PROG_OP_CONV2D)
			ret = decode_rows(&o->layer, op);
		else if (!ret)
			ret = decode_quads(&o->layer);
		if (ret)
			return ret;
		p->acc_size = pos * o->layer.stride > p->acc_size ?
			      pos * o->layer.stride : p->acc_size;
		return 0;
	}
	case CSA_PROG_OP_KWTA:
		if (f & ~(CSA_PROG_F_DST_SPARSE | CSA_PROG_F_LOCAL | CSA_PROG_F_BOOST) ||
		    !op->k || op->out_c != op->in_c || op->out_h != op->in_h ||
		    op->out_w != op->in_w ||
		    op->k > (f & CSA_PROG_F_LOCAL ? op->in_c : in_numel(op)))
			return -ENOTSUP;
		if (f & CSA_PROG_F_BOOST) {
			uint32_t s = CSA_OPERAND_SLOT(op->param);
			uint64_t off = CSA_OPERAND_OFF(op->param);

			if (s >= nslots || !slot[s] || off + 2ull * op->in_c > fixed_size[s])
				return -ENOTSUP;
			o->boost = malloc(2ull * op->in_c);
			if (!o->boost)
				return -ENOMEM;
			for (uint32_t c = 0; c < op->in_c; c++)
				o->boost[c] = (uint16_t)csa_get_le(slot[s] + off + 2 * c, 2);
		} else if (op->param) {
			return -ENOTSUP;
		}
		return 0;
	case CSA_PROG_OP_MAXPOOL2D:
		if (f || op->param || !op->stride_h || !op->stride_w || !op->kernel_h ||
		    !op->kernel_w || op->out_c != op->in_c || op->kernel_h > op->in_h ||
		    op->kernel_w > op->in_w ||
		    op->out_h != (op->in_h - op->kernel_h) / op->stride_h + 1 ||
		    op->out_w != (op->in_w - op->kernel_w) / op->stride_w + 1)
			return -ENOTSUP;
		return 0;
	default:
		return -ENOTSUP;
	}
}

int csa_cpu_prog_decode(const uint8_t *prog, uint64_t len,
			const uint8_t *const *slot, const uint64_t *fixed_size,
			uint32_t nslots, struct csa_cpu_prog *p)
{
	struct csa_prog_hdr h;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	/* the CPU's paths, probed here once: runs may be on several threads */
	csa_cpu_isa_best();
	if (len < CSA_PROG_HDR_SIZE)
		return -ENOTSUP;
	csa_prog_hdr_decode(&h, prog);
	if (h.magic != CSA_PROG_MAGIC || h.version != CSA_FORMAT_VERSION ||
	    h.hdr_size != CSA_PROG_HDR_SIZE || h.op_size != CSA_PROG_OP_SIZE ||
	    !h.num_ops || h.num_ops > CSA_PROG_MAX_OPS || h.flags ||
	    len != CSA_PROG_SIZE(h.num_ops))
		return -ENOTSUP;
	p->ops = calloc(h.num_ops, sizeof(*p->ops));
	if (!p->ops)
		return -ENOMEM;
	p->num_ops = h.num_ops;
	for (uint32_t i = 0; i < h.num_ops && !ret; i++) {
		csa_prog_op_decode(&p->ops[i].op, prog + CSA_PROG_HDR_SIZE +
				   (uint64_t)i * CSA_PROG_OP_SIZE);
		ret = decode_op(p, &p->ops[i], slot, fixed_size, nslots);
	}
	if (ret)
		csa_cpu_prog_free(p);
	return ret;
}

void csa_cpu_prog_free(struct csa_cpu_prog *p)
{
	for (uint32_t i = 0; p->ops && i < p->num_ops; i++) {
		struct csa_cpu_layer *l = &p->ops[i].layer;

		free(l->ptr);
		free(l->unit);
		free(l->val);
		free(l->bias);
		free(l->mult);
		free(l->shift);
		free(l->dense);
		free(l->rows);
		free(l->quads);
		free(p->ops[i].boost);
	}
	free(p->ops);
	memset(p, 0, sizeof(*p));
}
