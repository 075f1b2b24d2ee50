// SPDX-License-Identifier: MIT
/*
 * The packed reference model on the card's engine: csa-pack's .csa file,
 * unchanged, is bound as one read-only slot; a job program built from its
 * layer table (CONV2D/LINEAR with the packed layers as params, KWTA with the
 * boost arrays inside them, MAXPOOL2D; fc1's k-WTA writes a sparse
 * activation that fc2 consumes sparse-sparse) runs on the firmware's
 * job-program engine (firmware/csa_prog.c) over plain memory.  Its int8
 * logits must equal the independent integer forward pass of
 * pack_int8_ref.h bit for bit, and its top-1 agree with PyTorch's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "csa_hw.h"
#include "csa_prog.h"
#include "pack_internal.h"
#include "pack_int8_ref.h"

#ifndef GSC_DATA
#error "GSC_DATA: directory of the committed reference model"
#endif

enum { S_MODEL, S_PROG, S_X, S_A, S_B, S_SP, S_OUT, S_NUM };

#define MAX_OPS		(3 * CSA_MODEL_MAX_LAYERS)
#define SCRATCH_SIZE	(8u << 20)

static uint8_t scratch[SCRATCH_SIZE] __attribute__((aligned(8)));

struct job {
	struct csa_prog_mem_slot slots[S_NUM];
	struct csa_prog_mem mem;
	uint8_t *prog;
	uint64_t prog_len;
	uint32_t sp_capacity;
};

static struct csa_prog_op op_of(uint16_t opcode, uint64_t src, uint64_t dst)
{
	struct csa_prog_op op;

	memset(&op, 0, sizeof(op));
	op.opcode = opcode;
	op.src = src;
	op.dst = dst;
	return op;
}

static void set_shapes(struct csa_prog_op *op, uint32_t ic, uint32_t ih, uint32_t iw,
		       uint32_t oc, uint32_t oh, uint32_t ow)
{
	op->in_c = ic, op->in_h = ih, op->in_w = iw;
	op->out_c = oc, op->out_h = oh, op->out_w = ow;
}

/*
 * The program of a parsed model: activations ping-pong between slots A and
 * B; a k-WTA directly followed by a LINEAR layer goes sparse (slot SP).
 */
static uint32_t build_ops(const struct csa_model_view *v, struct csa_prog_op *ops,
			  uint32_t *sp_capacity)
{
	uint32_t n = 0, nl = v->hdr->num_layers, free_buf = S_A;
	uint64_t cur = CSA_OPERAND(S_X, 0);
	bool cur_sparse = false;

	*sp_capacity = 0;
	for (uint32_t i = 0; i < nl; i++) {
		const struct csa_model_layer *e = &v->layers[i];
		const struct csa_layer_hdr *h = csa_model_layer_blob(v, i);
		bool last = i == nl - 1;
		bool sparse_out = e->kwta_k && !e->pool && !last &&
			v->layers[i + 1].type == CSA_MODEL_LAYER_LINEAR &&
			!(e->flags & CSA_MODEL_LF_KWTA_LOCAL);
		uint64_t dst = last && !e->kwta_k && !e->pool ? CSA_OPERAND(S_OUT, 0) :
			CSA_OPERAND(free_buf, 0);
		struct csa_prog_op *op = &ops[n++];

		*op = op_of(e->type == CSA_MODEL_LAYER_CONV2D ? CSA_PROG_OP_CONV2D :
			    CSA_PROG_OP_LINEAR, cur, dst);
		op->flags = cur_sparse ? CSA_PROG_F_SRC_SPARSE : 0;
		op->param = CSA_OPERAND(S_MODEL, e->blob_off);
		set_shapes(op, e->in_c, e->in_h, e->in_w, e->out_c, e->out_h, e->out_w);
		op->kernel_h = e->kernel_h, op->kernel_w = e->kernel_w;
		op->stride_h = e->stride_h, op->stride_w = e->stride_w;
		op->pad_h = e->pad_h, op->pad_w = e->pad_w;
		cur = dst;
		cur_sparse = false;
		free_buf = free_buf == S_A ? S_B : S_A;
		if (e->kwta_k) {
			dst = sparse_out ? CSA_OPERAND(S_SP, 0) : CSA_OPERAND(free_buf, 0);
			op = &ops[n++];
			*op = op_of(CSA_PROG_OP_KWTA, cur, dst);
			op->flags = (sparse_out ? CSA_PROG_F_DST_SPARSE : 0) |
				(e->flags & CSA_MODEL_LF_KWTA_LOCAL ? CSA_PROG_F_LOCAL : 0);
			if (e->flags & CSA_MODEL_LF_BOOST) {
				op->flags |= CSA_PROG_F_BOOST;
				op->param = CSA_OPERAND(S_MODEL, e->blob_off + h->boost_off);
			}
			set_shapes(op, e->out_c, e->out_h, e->out_w, e->out_c, e->out_h, e->out_w);
			op->k = e->kwta_k;
			if (sparse_out) {
				*sp_capacity = e->kwta_k;
				cur_sparse = true;
			} else {
				free_buf = free_buf == S_A ? S_B : S_A;
			}
			cur = dst;
		}
		if (e->pool) {
			dst = last ? CSA_OPERAND(S_OUT, 0) : CSA_OPERAND(free_buf, 0);
			op = &ops[n++];
			*op = op_of(CSA_PROG_OP_MAXPOOL2D, cur, dst);
			set_shapes(op, e->out_c, e->out_h, e->out_w, e->out_c, e->out_h / e->pool,
				   e->out_w / e->pool);
			op->kernel_h = op->kernel_w = e->pool;
			op->stride_h = op->stride_w = e->pool;
			cur = dst;
			free_buf = free_buf == S_A ? S_B : S_A;
		}
	}
	return n;
}

FIXTURE(engine) {
	struct csa_fmodel *model;
	struct csa_pack_result res;
	struct csa_model_view view;
	struct job job;
	struct csa_safetensors st;
	const int8_t *inputs;
	const int32_t *top1;
	uint64_t samples;
};

FIXTURE_SETUP(engine)
{
	struct csa_prog_op ops[MAX_OPS];
	struct csa_prog_hdr ph;
	const void *p;
	uint64_t n_in;
	uint32_t nops;
	size_t act;

	ASSERT_EQ(0, csa_fmodel_load(GSC_DATA "/model.json", &self->model)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_pack_model(self->model, NULL, &self->res)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_model_parse(self->res.data, self->res.size, &self->view))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_st_open(GSC_DATA "/reference.safetensors.gz", &self->st)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "inputs", "I8", 1, &p, &n_in));
	self->inputs = p;
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "top1", "I32", 4, &p, &self->samples));
	self->top1 = p;
	ASSERT_EQ(self->samples * 1024, n_in);

	nops = build_ops(&self->view, ops, &self->job.sp_capacity);
	ASSERT_LE(nops, (uint32_t)MAX_OPS);
	self->job.prog_len = CSA_PROG_SIZE(nops);
	self->job.prog = calloc(1, self->job.prog_len);
	memset(&ph, 0, sizeof(ph));
	ph.magic = CSA_PROG_MAGIC;
	ph.version = CSA_FORMAT_VERSION;
	ph.hdr_size = CSA_PROG_HDR_SIZE;
	ph.num_ops = nops;
	ph.op_size = CSA_PROG_OP_SIZE;
	csa_prog_hdr_encode(self->job.prog, &ph);
	for (uint32_t i = 0; i < nops; i++)
		csa_prog_op_encode(self->job.prog + CSA_PROG_HDR_SIZE + i * CSA_PROG_OP_SIZE, &ops[i]);

	act = self->view.hdr->max_activation;
	/* the model file is bound as it is: read-only, no reformatting */
	self->job.slots[S_MODEL] = (struct csa_prog_mem_slot){ self->res.data, self->res.size, CSA_ACCESS_READ };
	self->job.slots[S_PROG] = (struct csa_prog_mem_slot){ self->job.prog, self->job.prog_len, CSA_ACCESS_READ };
	self->job.slots[S_X] = (struct csa_prog_mem_slot){ malloc(1024), 1024, CSA_ACCESS_READ };
	self->job.slots[S_A] = (struct csa_prog_mem_slot){ malloc(act), act, CSA_ACCESS_READ | CSA_ACCESS_WRITE };
	self->job.slots[S_B] = (struct csa_prog_mem_slot){ malloc(act), act, CSA_ACCESS_READ | CSA_ACCESS_WRITE };
	self->job.slots[S_SP] = (struct csa_prog_mem_slot){
		malloc(CSA_SPARSE_SIZE(self->job.sp_capacity)), CSA_SPARSE_SIZE(self->job.sp_capacity),
		CSA_ACCESS_READ | CSA_ACCESS_WRITE };
	self->job.slots[S_OUT] = (struct csa_prog_mem_slot){
		malloc(self->view.hdr->out_c), self->view.hdr->out_c, CSA_ACCESS_WRITE };
	self->job.mem = (struct csa_prog_mem){ self->job.slots, S_NUM };
}

FIXTURE_TEARDOWN(engine)
{
	for (int s = S_X; s < S_NUM; s++)
		free(self->job.slots[s].base);
	free(self->job.prog);
	csa_st_close(&self->st);
	csa_pack_result_free(&self->res);
	csa_fmodel_free(self->model);
}

static struct csa_prog_env env_of(struct job *job, uint32_t max_k)
{
	return (struct csa_prog_env){
		.io = &csa_prog_mem_io, .ctx = &job->mem, .lanes = 64, .max_k = max_k,
		.max_dim = 65535, .max_tensor = 16777216,
		.scratch = scratch, .scratch_size = SCRATCH_SIZE,
	};
}

TEST_F_TIMEOUT(engine, logits_bit_exact_with_int8_reference, 300)
{
	struct csa_prog_env env = env_of(&self->job, 20);
	uint32_t n = self->view.hdr->num_layers, out_c = self->view.hdr->out_c;
	uint32_t same = 0, agree = 0;
	uint64_t cycles = 0, macs = 0;
	struct qlayer q[CSA_MODEL_MAX_LAYERS];
	size_t act = self->view.hdr->max_activation;
	int8_t *a = malloc(act), *b = malloc(act);
	const uint64_t step = 1;	/* every reference input (about 5 s) */

	for (uint32_t i = 0; i < n; i++)
		load_qlayer(&self->view, i, &q[i]);
	for (uint64_t s = 0; s < self->samples; s += step) {
		struct csa_prog_result r;
		const int8_t *out = (const int8_t *)self->job.slots[S_OUT].base;
		uint32_t best = 0;

		memcpy(self->job.slots[S_X].base, self->inputs + s * 1024, 1024);
		csa_prog_run(&env, S_PROG, 0, self->job.prog_len, &r);
		ASSERT_EQ((uint32_t)CSA_STATUS_OK, r.status)
			TH_LOG("input %llu: program failed at op %u, operand %u: %s",
			       (unsigned long long)s, CSA_PROG_DETAIL_OP(r.detail),
			       CSA_PROG_DETAIL_OPND(r.detail),
			       csa_prog_err_name(CSA_PROG_DETAIL_ERR(r.detail)));
		cycles += r.cycles;
		macs += r.macs;
		int8_forward(q, n, self->inputs + s * 1024, 1024, a, b);
		if (!memcmp(out, a, out_c))
			same++;
		else
			TH_LOG("input %llu: engine and int8 reference logits differ",
			       (unsigned long long)s);
		for (uint32_t c = 1; c < out_c; c++)
			if (out[c] > out[best])
				best = c;
		agree += (int32_t)best == self->top1[s];
	}
	ksft_print_msg("card engine: %u of %llu inputs bit-exact with the int8 reference, top-1 "
		       "agrees with PyTorch on %u; %llu cycles, %llu packed MACs per input\n", same,
		       (unsigned long long)(self->samples / step), agree,
		       (unsigned long long)(cycles / (self->samples / step)),
		       (unsigned long long)(macs / (self->samples / step)));
	fflush(stdout);
	EXPECT_EQ(self->samples / step, same);
	EXPECT_GE(agree * 100, self->samples / step * 95);
	for (uint32_t i = 0; i < n; i++)
		free(q[i].w);
	free(a);
	free(b);
}

TEST_F(engine, card_with_smaller_max_k_refuses)
{
	struct csa_prog_env env = env_of(&self->job, self->view.hdr->max_k - 1);
	struct csa_prog_result r;

	memcpy(self->job.slots[S_X].base, self->inputs, 1024);
	csa_prog_run(&env, S_PROG, 0, self->job.prog_len, &r);
	EXPECT_EQ((uint32_t)CSA_STATUS_PROGRAM, r.status);
	EXPECT_EQ((uint32_t)CSA_PROG_ERR_PACK_K, CSA_PROG_DETAIL_ERR(r.detail))
		TH_LOG("reason %s", csa_prog_err_name(CSA_PROG_DETAIL_ERR(r.detail)));
}

TEST_HARNESS_MAIN
