// SPDX-License-Identifier: MIT
/*
 * The job program of a parsed .csa model (uapi/csa_format.h) over the
 * bind slots of enum csa_model_slot: one CONV2D/LINEAR per layer with its
 * packed layer (in the model slot, the file bound unchanged) as param,
 * then its KWTA and MAXPOOL2D.  Activations ping-pong between buffers A
 * and B of the activation slot; a global k-WTA whose consumer is a LINEAR
 * layer writes a sparse activation that layer reads sparse-sparse; the
 * last op writes the output slot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csa/model.h"
#include "csa_hw.h"
#include "csa_prog.h"
#include "internal.h"

enum where { AT_INPUT, AT_A, AT_B, AT_SPARSE, AT_OUTPUT };

static uint64_t operand_of(enum where w, const struct csa_model_plan *plan)
{
	switch (w) {
	case AT_INPUT:
		return CSA_OPERAND(CSA_MODEL_SLOT_INPUT, 0);
	case AT_A:
		return CSA_OPERAND(CSA_MODEL_SLOT_ACT, plan->act_off[0]);
	case AT_B:
		return CSA_OPERAND(CSA_MODEL_SLOT_ACT, plan->act_off[1]);
	case AT_SPARSE:
		return CSA_OPERAND(CSA_MODEL_SLOT_ACT, plan->act_off[2]);
	default:
		return CSA_OPERAND(CSA_MODEL_SLOT_OUTPUT, 0);
	}
}

/* A dense buffer that is not @src. */
static enum where other(enum where src)
{
	return src == AT_A ? AT_B : AT_A;
}

struct builder {
	const struct csa_model_plan *plan;
	struct csa_prog_op ops[CSA_PROG_MAX_OPS];
	enum where dst[CSA_PROG_MAX_OPS];
	uint8_t layer[CSA_PROG_MAX_OPS];
	uint32_t n;
};

static struct csa_prog_op *add(struct builder *b, uint32_t layer, uint16_t opcode,
			       enum where dst)
{
	struct csa_prog_op *op = &b->ops[b->n];

	memset(op, 0, sizeof(*op));
	op->opcode = opcode;
	b->dst[b->n] = dst;
	b->layer[b->n] = (uint8_t)layer;
	b->n++;
	return op;
}

static void shapes(struct csa_prog_op *op, uint32_t ic, uint32_t ih, uint32_t iw,
		   uint32_t oc, uint32_t oh, uint32_t ow)
{
	op->in_c = ic;
	op->in_h = ih;
	op->in_w = iw;
	op->out_c = oc;
	op->out_h = oh;
	op->out_w = ow;
}

/* Ops of every layer; sources and destinations as enum where. */
static int build_ops(const struct csa_model_view *v, struct builder *b,
		     enum where *src, uint32_t *sparse_cap)
{
	uint32_t nl = v->hdr->num_layers;
	enum where cur = AT_INPUT;

	*sparse_cap = 0;
	for (uint32_t i = 0; i < nl; i++) {
		const struct csa_model_layer *e = &v->layers[i];
		const struct csa_layer_hdr *h = csa_model_layer_blob(v, i);
		bool local = e->flags & CSA_MODEL_LF_KWTA_LOCAL;
		bool sparse_out = e->kwta_k && !e->pool && !local && i + 1 < nl &&
			v->layers[i + 1].type == CSA_MODEL_LAYER_LINEAR;
		struct csa_prog_op *op;

		if (b->n + 3 > CSA_PROG_MAX_OPS)
			return csa_error(E2BIG, "model: more than %u ops", CSA_PROG_MAX_OPS);
		src[b->n] = cur;
		op = add(b, i, e->type == CSA_MODEL_LAYER_CONV2D ? CSA_PROG_OP_CONV2D :
			 CSA_PROG_OP_LINEAR, other(cur));
		op->flags = cur == AT_SPARSE ? CSA_PROG_F_SRC_SPARSE : 0;
		op->param = CSA_OPERAND(CSA_MODEL_SLOT_MODEL, e->blob_off);
		shapes(op, e->in_c, e->in_h, e->in_w, e->out_c, e->out_h, e->out_w);
		op->kernel_h = e->kernel_h;
		op->kernel_w = e->kernel_w;
		op->stride_h = e->stride_h;
		op->stride_w = e->stride_w;
		op->pad_h = e->pad_h;
		op->pad_w = e->pad_w;
		cur = other(cur);
		if (e->kwta_k) {
			src[b->n] = cur;
			op = add(b, i, CSA_PROG_OP_KWTA, sparse_out ? AT_SPARSE : other(cur));
			op->flags = (sparse_out ? CSA_PROG_F_DST_SPARSE : 0) |
				(local ? CSA_PROG_F_LOCAL : 0);
			if (e->flags & CSA_MODEL_LF_BOOST) {
				op->flags |= CSA_PROG_F_BOOST;
				op->param = CSA_OPERAND(CSA_MODEL_SLOT_MODEL,
							e->blob_off + h->boost_off);
			}
			shapes(op, e->out_c, e->out_h, e->out_w, e->out_c, e->out_h, e->out_w);
			op->k = e->kwta_k;
			if (sparse_out)
				*sparse_cap = e->kwta_k > *sparse_cap ? e->kwta_k : *sparse_cap;
			cur = b->dst[b->n - 1];
		}
		if (e->pool) {
			src[b->n] = cur;
			op = add(b, i, CSA_PROG_OP_MAXPOOL2D, other(cur));
			shapes(op, e->out_c, e->out_h, e->out_w, e->out_c,
			       e->out_h / e->pool, e->out_w / e->pool);
			op->kernel_h = op->kernel_w = e->pool;
			op->stride_h = op->stride_w = e->pool;
			cur = other(cur);
		}
	}
	/* the last op writes the output slot instead */
	b->dst[b->n - 1] = AT_OUTPUT;
	return 0;
}

CSA_EXPORT int csa_model_build_program(const struct csa_model_view *view,
				       struct csa_model_plan *plan, void **progp)
{
	enum where src[CSA_PROG_MAX_OPS];
	struct csa_prog_hdr ph;
	struct builder *b;
	uint64_t act;
	uint8_t *prog;
	int ret;

	if (!view || !view->hdr || !plan || !progp)
		return csa_error(EINVAL, "csa_model_build_program: NULL argument");
	*progp = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return csa_error(ENOMEM, "model: out of memory for the program");
	memset(plan, 0, sizeof(*plan));
	b->plan = plan;
	ret = build_ops(view, b, src, &plan->sparse_capacity);
	if (ret) {
		free(b);
		return ret;
	}
	act = csa_align_up(view->hdr->max_activation, 64);
	plan->num_ops = b->n;
	plan->prog_size = CSA_PROG_SIZE(b->n);
	plan->act_off[0] = 0;
	plan->act_off[1] = act;
	plan->act_off[2] = 2 * act;
	plan->act_size = 2 * act + (plan->sparse_capacity ?
		csa_align_up(CSA_SPARSE_SIZE(plan->sparse_capacity), 64) : 0);
	plan->output_size = (uint64_t)view->hdr->out_c * view->hdr->out_h * view->hdr->out_w;
	plan->status_off = csa_align_up(plan->output_size, 64);
	plan->output_slot_size = plan->status_off + CSA_CPL_SIZE;
	memcpy(plan->op_layer, b->layer, b->n);

	prog = calloc(1, plan->prog_size);
	if (!prog) {
		free(b);
		return csa_error(ENOMEM, "model: out of memory for the program");
	}
	memset(&ph, 0, sizeof(ph));
	ph.magic = CSA_PROG_MAGIC;
	ph.version = CSA_FORMAT_VERSION;
	ph.hdr_size = CSA_PROG_HDR_SIZE;
	ph.num_ops = b->n;
	ph.op_size = CSA_PROG_OP_SIZE;
	csa_prog_hdr_encode(prog, &ph);
	for (uint32_t i = 0; i < b->n; i++) {
		b->ops[i].src = operand_of(src[i], plan);
		b->ops[i].dst = operand_of(b->dst[i], plan);
		csa_prog_op_encode(prog + CSA_PROG_HDR_SIZE + (uint64_t)i * CSA_PROG_OP_SIZE,
				   &b->ops[i]);
	}
	free(b);
	*progp = prog;
	return 0;
}
