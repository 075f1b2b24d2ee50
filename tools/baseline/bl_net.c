// SPDX-License-Identifier: MIT
/*
 * Dense job programs (dp-net.h, DPN_DENSE) on the CPU baselines: im2col +
 * GEMM / GEMV, or CSC sparse weights scattered by the non-zero inputs.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_net.h"
#include "csa_hw.h"
#include "csa_prog.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint8_t *opnd(const struct dpn_job *j, uint64_t o)
{
	return j->slot[CSA_OPERAND_SLOT(o)] + CSA_OPERAND_OFF(o);
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* A K = 1 packed layer as a dense matrix A[unit][col] and its requant. */
static int decode_layer(struct bl_op *o, const uint8_t *b)
{
	struct csa_layer_hdr h;

	csa_layer_hdr_decode(&h, b);
	if (h.k != 1 || bl_mat_alloc(&o->w, h.units, h.cols))
		return -1;
	o->rq = malloc(sizeof(*o->rq) * h.units);
	if (!o->rq)
		return -1;
	for (uint32_t g = 0; g < h.groups; g++) {
		uint32_t u = (uint32_t)csa_get_le(b + h.tagmap_off + 2 * g, 2);

		if (u == CSA_TAGMAP_NONE)
			continue;
		for (uint32_t c = 0; c < h.cols; c++)
			o->w.a[(size_t)u * o->w.kp + c] =
				(int8_t)b[h.weights_off + ((size_t)c * h.groups + g) * 2];
	}
	bl_mat_finish(&o->w);
	o->out.units = h.units;
	o->out.bias = malloc(4ull * h.units);
	o->out.mult = malloc(4ull * h.units);
	o->out.shift = malloc(4ull * h.units);
	if (!o->out.bias || !o->out.mult || !o->out.shift)
		return -1;
	for (uint32_t u = 0; u < h.units; u++) {
		struct csa_requant r;

		csa_requant_decode(&r, b + h.requant_off + 12ull * u);
		o->rq[u] = (struct csa_dp_rq){ r.bias, r.multiplier, r.shift };
		o->out.bias[u] = r.bias;
		o->out.mult[u] = r.multiplier;
		o->out.shift[u] = r.shift;
	}
	return bl_csc_from_mat(&o->s, &o->w);
}

int bl_net_init(struct bl_net *net, const struct dpn_job *job)
{
	const uint8_t *prog = job->slot[CSA_MODEL_SLOT_PROG];
	uint64_t cols = 1, c = 1, numel = 1;

	memset(net, 0, sizeof(*net));
	net->job = job;
	net->n = job->num_ops;
	net->ops = calloc(net->n, sizeof(*net->ops));
	if (!net->ops)
		return -1;
	for (uint32_t i = 0; i < net->n; i++) {
		struct bl_op *o = &net->ops[i];
		struct csa_prog_op *op = &o->op;
		uint64_t pos;

		csa_prog_op_decode(op, prog + CSA_PROG_HDR_SIZE + i * CSA_PROG_OP_SIZE);
		numel = max64(numel, (uint64_t)op->in_c * op->in_h * op->in_w);
		numel = max64(numel, (uint64_t)op->out_c * op->out_h * op->out_w);
		pos = (uint64_t)op->out_h * op->out_w;
		if (op->opcode == CSA_PROG_OP_LINEAR || op->opcode == CSA_PROG_OP_CONV2D) {
			if (op->flags & CSA_PROG_F_SRC_SPARSE || decode_layer(o, opnd(job, op->param)))
				return -1;
			cols = max64(cols, pos * o->w.kp);
			c = max64(c, pos * o->w.m);
		} else if (op->opcode == CSA_PROG_OP_KWTA) {
			if (op->flags & CSA_PROG_F_DST_SPARSE)
				return -1;
			if (op->flags & CSA_PROG_F_BOOST) {
				const uint8_t *b = opnd(job, op->param);

				o->boost = malloc(2ull * op->in_c);
				if (!o->boost)
					return -1;
				for (uint32_t ch = 0; ch < op->in_c; ch++)
					o->boost[ch] = (uint16_t)csa_get_le(b + 2 * ch, 2);
			}
		}
	}
	net->cols = aligned_alloc(64, (cols + 63) / 64 * 64);
	net->c = malloc(4 * c);
	net->ks.keys = malloc(4 * (numel + 16));
	net->ks.cand = malloc(4 * (numel + 16));
	net->ks.idx = malloc(4 * (numel + 16));
	net->ks.val = malloc(numel + 16);
	net->ks.tmp = malloc(4 * (numel + 16));
	return net->cols && net->c && net->ks.keys && net->ks.cand && net->ks.idx &&
	       net->ks.val && net->ks.tmp ? 0 : -1;
}

void bl_net_free(struct bl_net *net)
{
	for (uint32_t i = 0; net->ops && i < net->n; i++) {
		bl_mat_free(&net->ops[i].w);
		bl_csc_free(&net->ops[i].s);
		free(net->ops[i].rq);
		free(net->ops[i].out.bias);
		free(net->ops[i].out.mult);
		free(net->ops[i].out.shift);
		free(net->ops[i].boost);
	}
	free(net->ops);
	free(net->cols);
	free(net->c);
	free(net->ks.keys);
	free(net->ks.cand);
	free(net->ks.idx);
	free(net->ks.val);
	free(net->ks.tmp);
	memset(net, 0, sizeof(*net));
}

/* im2col: one biased row of kp bytes per output position; padding = 0. */
static void im2col(const struct csa_prog_op *op, uint32_t kp, const int8_t *x,
		   uint8_t *cols)
{
	uint32_t kh = op->kernel_h, kw = op->kernel_w;

	for (uint32_t oy = 0; oy < op->out_h; oy++)
		for (uint32_t ox = 0; ox < op->out_w; ox++, cols += kp) {
			uint8_t *r = cols;

			for (uint32_t c = 0; c < op->in_c; c++)
				for (uint32_t ky = 0; ky < kh; ky++) {
					int y = (int)(oy * op->stride_h + ky) - op->pad_h;
					const int8_t *row;

					if (y < 0 || y >= (int)op->in_h) {
						memset(r, 128, kw);
						r += kw;
						continue;
					}
					row = x + ((size_t)c * op->in_h + (uint32_t)y) * op->in_w;
					for (uint32_t kx = 0; kx < kw; kx++) {
						int xx = (int)(ox * op->stride_w + kx) - op->pad_w;
						bool in = xx >= 0 && xx < (int)op->in_w;

						*r++ = (uint8_t)((in ? row[xx] : 0) + 128);
					}
				}
			memset(r, 128, kp - (size_t)(r - cols));
		}
}

/* CONV2D by CSC: every non-zero input scattered into the positions it feeds. */
static uint64_t conv_csc(const struct bl_op *o, const int8_t *x, int32_t *acc)
{
	const struct csa_prog_op *op = &o->op;
	uint32_t units = o->w.m, kh = op->kernel_h, kw = op->kernel_w;
	uint64_t macs = 0;

	memset(acc, 0, 4ull * units * op->out_h * op->out_w);
	for (uint32_t c = 0; c < op->in_c; c++)
		for (uint32_t y = 0; y < op->in_h; y++)
			for (uint32_t xx = 0; xx < op->in_w; xx++, x++) {
				if (!*x)
					continue;
				for (uint32_t ky = 0; ky < kh; ky++) {
					int64_t oy = csa_cpu_conv_out(y, ky, op->pad_h,
								      op->stride_h, op->out_h);

					if (oy < 0)
						continue;
					for (uint32_t kx = 0; kx < kw; kx++) {
						int64_t ox = csa_cpu_conv_out(xx, kx, op->pad_w,
									      op->stride_w,
									      op->out_w);
						uint32_t col = (c * kh + ky) * kw + kx;

						if (ox < 0)
							continue;
						bl_csc_col(&o->s, col, *x, acc +
							   ((size_t)oy * op->out_w + (size_t)ox) * units);
						macs += o->s.ptr[col + 1] - o->s.ptr[col];
					}
				}
			}
	return macs;
}

/* Position-major accumulators (units apart) to the unit-major output. */
static void layer_out(const struct bl_op *o, const int32_t *acc, uint32_t pos,
		      uint8_t *dst, struct csa_cpu_scratch *ks)
{
	uint32_t m = o->w.m;

	if (o->op.flags & CSA_PROG_F_DST_INT32) {
		for (uint32_t u = 0; u < m; u++)
			for (uint32_t p = 0; p < pos; p++)
				csa_put_le(dst + 4 * ((size_t)u * pos + p),
					   (uint32_t)csa_dp_add_bias(acc[(size_t)p * m + u],
								     o->rq[u].bias), 4);
		return;
	}
	if (pos == 1) {
		csa_cpu_requant(&o->out, 0, m, acc, (int8_t *)dst);
		return;
	}
	for (uint32_t p = 0; p < pos; p++)
		csa_cpu_requant(&o->out, 0, m, acc + (size_t)p * m, ks->tmp + (size_t)p * m);
	csa_cpu_transpose8(ks->tmp, pos, m, dst);
}

void bl_net_run(struct bl_net *net, enum bl_mode mode)
{
	const struct dpn_job *j = net->job;

	for (uint32_t i = 0; i < net->n; i++) {
		struct bl_op *o = &net->ops[i];
		const struct csa_prog_op *op = &o->op;
		const int8_t *x = (const int8_t *)opnd(j, op->src);
		uint8_t *dst = opnd(j, op->dst);
		uint32_t pos = op->out_h * op->out_w;
		uint32_t n = op->in_c * op->in_h * op->in_w;
		double t0 = now_ns();

		switch (op->opcode) {
		case CSA_PROG_OP_CONV2D:
		case CSA_PROG_OP_LINEAR:
			if (mode == BL_CSC) {
				if (op->opcode == CSA_PROG_OP_CONV2D) {
					o->csc_macs = conv_csc(o, x, net->c);
				} else {
					memset(net->c, 0, 4ull * o->w.m);
					o->csc_macs = 0;
					for (uint32_t c = 0; c < n; c++)
						if (x[c]) {
							bl_csc_col(&o->s, c, x[c], net->c);
							o->csc_macs += o->s.ptr[c + 1] - o->s.ptr[c];
						}
				}
				layer_out(o, net->c, pos, dst, &net->ks);
				break;
			}
			if (op->opcode == CSA_PROG_OP_CONV2D) {
				im2col(op, o->w.kp, x, net->cols);
			} else {
				for (uint32_t c = 0; c < n; c++)
					net->cols[c] = (uint8_t)(x[c] + 128);
				memset(net->cols + n, 128, o->w.kp - n);
			}
			bl_gemm(&o->w, net->cols, pos, net->c, 1, o->w.m);
			layer_out(o, net->c, pos, dst, &net->ks);
			break;
		case CSA_PROG_OP_KWTA: {
			uint32_t plane = op->in_h * op->in_w;

			(op->flags & CSA_PROG_F_LOCAL ? csa_cpu_kwta_local : csa_cpu_kwta_global)(
				x, op->in_c, plane, o->boost, op->k, (int8_t *)dst, NULL, NULL,
				&net->ks);
			break;
		}
		default:
			csa_cpu_maxpool(op, x, (int8_t *)dst);
			break;
		}
		if (i < BL_NET_MAX_OPS)
			net->op_ns[i] = now_ns() - t0;
	}
}

uint64_t bl_net_macs(const struct bl_net *net, enum bl_mode mode)
{
	uint64_t macs = 0;

	for (uint32_t i = 0; i < net->n; i++) {
		const struct bl_op *o = &net->ops[i];

		if (o->op.opcode != CSA_PROG_OP_LINEAR && o->op.opcode != CSA_PROG_OP_CONV2D)
			continue;
		macs += mode == BL_CSC ? o->csc_macs :
			(uint64_t)o->w.m * o->w.k * o->op.out_h * o->op.out_w;
	}
	return macs;
}

int bl_csc_from_mat(struct bl_csc *s, const struct bl_mat *w)
{
	uint64_t nnz = 0;

	memset(s, 0, sizeof(*s));
	s->cols = w->k;
	s->units = w->m;
	for (size_t i = 0; i < (size_t)w->m * w->kp; i++)
		nnz += w->a[i] != 0;
	s->ptr = malloc(4ull * (w->k + 1));
	s->row = malloc(2 * (nnz ? nnz : 1));
	s->val = malloc(nnz ? nnz : 1);
	if (!s->ptr || !s->row || !s->val || w->m > 65536)
		return -1;
	nnz = 0;
	for (uint32_t c = 0; c < w->k; c++) {
		s->ptr[c] = (uint32_t)nnz;
		for (uint32_t u = 0; u < w->m; u++) {
			int8_t v = w->a[(size_t)u * w->kp + c];

			if (v) {
				s->row[nnz] = (uint16_t)u;
				s->val[nnz++] = v;
			}
		}
	}
	s->ptr[w->k] = (uint32_t)nnz;
	return 0;
}

void bl_csc_free(struct bl_csc *s)
{
	free(s->ptr);
	free(s->row);
	free(s->val);
	memset(s, 0, sizeof(*s));
}
