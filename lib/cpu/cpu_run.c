// SPDX-License-Identifier: MIT
/*
 * One run of a decoded program over an inference's buffers (the card's
 * bind slots): the ops in order, each reading its operands in place and
 * writing its result once, as the engine does.  No allocation: scratch
 * is the inference's, sized by the decoder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu_internal.h"
#include "csa_hw.h"
#include "csa_prog.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the CPU backend reads the little-endian formats in place"
#endif

#define ERR(i, opnd, why) CSA_PROG_DETAIL(i, CSA_PROG_OPND_##opnd, CSA_PROG_ERR_##why)

int csa_cpu_scratch_alloc(const struct csa_cpu_prog *p, struct csa_cpu_scratch *s)
{
	uint64_t n = p->numel + 16;

	memset(s, 0, sizeof(*s));
	s->acc = malloc(4 * (p->acc_size + 16));
	s->keys = malloc(4 * n);
	s->cand = malloc(4 * n);
	s->idx = malloc(4 * n);
	s->val = malloc(n);
	s->tmp = malloc(4 * n);
	if (!s->acc || !s->keys || !s->cand || !s->idx || !s->val || !s->tmp) {
		csa_cpu_scratch_free(s);
		return -ENOMEM;
	}
	return 0;
}

void csa_cpu_scratch_free(struct csa_cpu_scratch *s)
{
	free(s->acc);
	free(s->keys);
	free(s->cand);
	free(s->idx);
	free(s->val);
	free(s->tmp);
	memset(s, 0, sizeof(*s));
}

/*
 * A sparse src: checked as the engine's load_src() does; its indices and
 * values stay in place (little endian, 4-byte aligned or not).
 */
static bool sparse_src(const uint8_t *p, uint64_t avail, uint64_t numel,
		       uint32_t *count, const uint8_t **idx, const int8_t **val)
{
	struct csa_sparse_hdr h;
	uint32_t prev = 0;

	csa_sparse_hdr_decode(&h, p);
	if (h.magic != CSA_SPARSE_MAGIC || h.count > h.capacity || h.numel != numel ||
	    CSA_SPARSE_SIZE(h.capacity) > avail)
		return false;
	*idx = p + CSA_SPARSE_IDX_OFF;
	*val = (const int8_t *)p + CSA_SPARSE_VAL_OFF(h.capacity);
	for (uint32_t i = 0; i < h.count; i++) {
		uint32_t v;

		memcpy(&v, *idx + 4 * i, 4);
		if (v >= numel || (i && v <= prev))
			return false;
		prev = v;
	}
	*count = h.count;
	return true;
}

/* Scatter input (c, y, x) = v into every output position it feeds. */
static void conv_point(const struct csa_cpu_op *o, csa_cpu_col_fn col, uint32_t c,
		       uint32_t y, uint32_t x, int32_t v, int32_t *acc)
{
	const struct csa_prog_op *op = &o->op;
	uint32_t stride = o->layer.stride, kh = op->kernel_h, kw = op->kernel_w;

	for (uint32_t ky = 0; ky < kh; ky++) {
		int64_t oy = csa_cpu_conv_out(y, ky, op->pad_h, op->stride_h, op->out_h);

		if (oy < 0)
			continue;
		for (uint32_t kx = 0; kx < kw; kx++) {
			int64_t ox = csa_cpu_conv_out(x, kx, op->pad_w, op->stride_w, op->out_w);

			if (ox < 0)
				continue;
			col(&o->layer, (c * kh + ky) * kw + kx, v,
					acc + ((size_t)oy * op->out_w + (size_t)ox) * stride);
		}
	}
}

/* The output stage: unit-major y from position-major accumulators. */
static void layer_out(const struct csa_cpu_op *o, const int32_t *acc,
		      uint32_t pos, uint8_t *dst, struct csa_cpu_scratch *s)
{
	const struct csa_cpu_layer *l = &o->layer;
	uint32_t stride = l->stride, units = l->units;
	int8_t *t = s->tmp;

	if (o->op.flags & CSA_PROG_F_DST_INT32) {
		int32_t *t32 = (int32_t *)(void *)s->tmp;

		for (uint32_t p = 0; p < pos; p++, acc += stride) {
			csa_cpu_add_bias(l, 0, units, acc, t32);
			for (uint32_t u = 0; u < units; u++)
				memcpy(dst + 4 * ((size_t)u * pos + p), &t32[u], 4);
		}
		return;
	}
	if (pos == 1) {
		csa_cpu_requant(l, 0, units, acc, (int8_t *)dst);
		return;
	}
	/* position-major requantised rows, then the unit-major output */
	for (uint32_t p = 0; p < pos; p++)
		csa_cpu_requant(l, 0, units, acc + (size_t)p * stride, t + (size_t)p * units);
	csa_cpu_transpose8(t, pos, units, dst);
}

static uint32_t run_layer(const struct csa_cpu_op *o, uint32_t i,
			  const uint8_t *src, uint64_t src_avail, uint8_t *dst,
			  struct csa_cpu_scratch *s)
{
	const struct csa_prog_op *op = &o->op;
	uint32_t pos = op->out_h * op->out_w, stride = o->layer.stride;
	uint64_t n = (uint64_t)op->in_c * op->in_h * op->in_w;
	bool conv = op->opcode == CSA_PROG_OP_CONV2D;
	csa_cpu_col_fn col = csa_cpu_col_kernel(&o->layer);
	int32_t *acc = s->acc;

	memset(acc, 0, 4ull * pos * stride);
	if (op->flags & CSA_PROG_F_SRC_SPARSE) {
		const uint8_t *idx;
		const int8_t *val;
		uint32_t count, plane = op->in_h * op->in_w;

		if (!sparse_src(src, src_avail, n, &count, &idx, &val))
			return ERR(i, SRC, SPARSE);
		for (uint32_t j = 0; j < count; j++) {
			uint32_t c;

			if (!val[j])
				continue;
			memcpy(&c, idx + 4 * j, 4);
			if (conv)
				conv_point(o, col, c / plane, c % plane / op->in_w,
					   c % op->in_w, val[j], acc);
			else
				col(&o->layer, c, val[j], acc);
		}
	} else if (!conv && o->layer.quads && csa_cpu_isa_get() == CSA_CPU_AVX512) {
		csa_cpu_linear_quads(&o->layer, (const int8_t *)src, acc, s->cand);
	} else if (conv && o->layer.rows && csa_cpu_isa_get() == CSA_CPU_AVX512) {
		csa_cpu_conv_rows(&o->layer, op, (const int8_t *)src, acc);
	} else if (conv) {
		const int8_t *x = (const int8_t *)src;

		for (uint32_t c = 0; c < op->in_c; c++)
			for (uint32_t y = 0; y < op->in_h; y++)
				for (uint32_t xx = 0; xx < op->in_w; xx++, x++)
					if (*x)
						conv_point(o, col, c, y, xx, *x, acc);
	} else {
		const int8_t *x = (const int8_t *)src;

		for (uint32_t c = 0; c < n; c++)
			if (x[c])
				col(&o->layer, c, x[c], acc);
	}
	layer_out(o, acc, pos, dst, s);
	return 0;
}

static void run_kwta(const struct csa_cpu_op *o, const int8_t *x, uint8_t *dst,
		     struct csa_cpu_scratch *s)
{
	const struct csa_prog_op *op = &o->op;
	uint32_t n = op->in_c * op->in_h * op->in_w, plane = op->in_h * op->in_w;
	bool local = op->flags & CSA_PROG_F_LOCAL;

	if (op->flags & CSA_PROG_F_DST_SPARSE) {
		uint32_t cap = op->k * (local ? plane : 1);
		struct csa_sparse_hdr h = { CSA_SPARSE_MAGIC, 0, cap, n };

		h.count = (local ? csa_cpu_kwta_local : csa_cpu_kwta_global)(
			x, op->in_c, plane, o->boost, op->k, NULL, s->idx,
			(int8_t *)dst + CSA_SPARSE_VAL_OFF(cap), s);
		csa_sparse_hdr_encode(dst, &h);
		memcpy(dst + CSA_SPARSE_IDX_OFF, s->idx, 4ull * h.count);
		return;
	}
	(local ? csa_cpu_kwta_local : csa_cpu_kwta_global)(
		x, op->in_c, plane, o->boost, op->k, (int8_t *)dst, NULL, NULL, s);
}

uint32_t csa_cpu_run(const struct csa_cpu_prog *p, uint8_t *const *base,
		     const uint64_t *size, uint32_t nslots,
		     struct csa_cpu_scratch *s)
{
	for (uint32_t sl = 0; sl < CSA_CPU_MAX_SLOTS; sl++)
		if (p->slot_size[sl] && (sl >= nslots || !base[sl] || size[sl] < p->slot_size[sl]))
			return CSA_PROG_DETAIL(CSA_PROG_DETAIL_HDR, CSA_PROG_OPND_NONE,
					       CSA_PROG_ERR_BOUNDS);
	for (uint32_t i = 0; i < p->num_ops; i++) {
		const struct csa_cpu_op *o = &p->ops[i];
		const struct csa_prog_op *op = &o->op;
		uint32_t ss = CSA_OPERAND_SLOT(op->src);
		const uint8_t *src = base[ss] + CSA_OPERAND_OFF(op->src);
		uint8_t *dst = base[CSA_OPERAND_SLOT(op->dst)] + CSA_OPERAND_OFF(op->dst);
		uint32_t e = 0;
		struct timespec t0, t1;

		if (s->op_ns)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		switch (op->opcode) {
		case CSA_PROG_OP_LINEAR:
		case CSA_PROG_OP_CONV2D:
			e = run_layer(o, i, src, size[ss] - CSA_OPERAND_OFF(op->src), dst, s);
			break;
		case CSA_PROG_OP_KWTA:
			run_kwta(o, (const int8_t *)src, dst, s);
			break;
		default:
			csa_cpu_maxpool(op, (const int8_t *)src, (int8_t *)dst);
			break;
		}
		if (e)
			return e;
		if (s->op_ns) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			s->op_ns[i] = (t1.tv_sec - t0.tv_sec) * 1000000000ll +
				      (t1.tv_nsec - t0.tv_nsec);
		}
	}
	return 0;
}
