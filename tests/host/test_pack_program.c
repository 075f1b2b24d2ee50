// SPDX-License-Identifier: MIT
/*
 * The packed reference model on the card's engine: csa-pack's .csa file,
 * unchanged, is bound as one read-only slot; the job program libcsa builds
 * from its layer table (csa_model_build_program: CONV2D/LINEAR with the
 * packed layers as params, KWTA with the boost arrays inside them,
 * MAXPOOL2D; fc1's k-WTA writes a sparse activation that fc2 consumes
 * sparse-sparse) runs on the firmware's job-program engine
 * (firmware/csa_prog.c) over plain memory.  Its int8 logits must equal the
 * independent integer forward pass of pack_int8_ref.h bit for bit, and its
 * top-1 agree with PyTorch's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "csa_hw.h"
#include "csa_prog.h"
#include "csa/model.h"
#include "pack_internal.h"
#include "pack_int8_ref.h"

#ifndef GSC_DATA
#error "GSC_DATA: directory of the committed reference model"
#endif

#define SCRATCH_SIZE	(8u << 20)

static uint8_t scratch[SCRATCH_SIZE] __attribute__((aligned(8)));

/* Slots as libcsa binds them (enum csa_model_slot), over plain memory. */
struct job {
	struct csa_prog_mem_slot slots[CSA_MODEL_NUM_SLOTS];
	struct csa_prog_mem mem;
	struct csa_model_plan plan;
	void *prog;
};

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
	struct csa_prog_mem_slot *slots = self->job.slots;
	struct csa_model_plan *plan = &self->job.plan;
	const void *p;
	uint64_t n_in;

	ASSERT_EQ(0, csa_fmodel_load(GSC_DATA "/model.json", &self->model)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_pack_model(self->model, NULL, &self->res)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_model_parse(self->res.data, self->res.size, &self->view))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_st_open(GSC_DATA "/reference.safetensors.gz", &self->st)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "inputs", "I8", 1, &p, &n_in))
		TH_LOG("%s", csa_last_error());
	self->inputs = p;
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "top1", "I32", 4, &p, &self->samples))
		TH_LOG("%s", csa_last_error());
	self->top1 = p;
	ASSERT_EQ(self->samples * 1024, n_in);

	/* the program libcsa runs on the card (lib/model_program.c) */
	ASSERT_EQ(0, csa_model_build_program(&self->view, plan, &self->job.prog))
		TH_LOG("%s", csa_last_error());

	/* the model file is bound as it is: read-only, no reformatting */
	slots[CSA_MODEL_SLOT_MODEL] = (struct csa_prog_mem_slot){
		self->res.data, self->res.size, CSA_ACCESS_READ, 0 };
	slots[CSA_MODEL_SLOT_PROG] = (struct csa_prog_mem_slot){
		self->job.prog, plan->prog_size, CSA_ACCESS_READ, 0 };
	slots[CSA_MODEL_SLOT_INPUT] = (struct csa_prog_mem_slot){
		malloc(1024), 1024, CSA_ACCESS_READ, 0 };
	slots[CSA_MODEL_SLOT_ACT] = (struct csa_prog_mem_slot){
		malloc(plan->act_size), plan->act_size, CSA_ACCESS_READ | CSA_ACCESS_WRITE, 0 };
	slots[CSA_MODEL_SLOT_OUTPUT] = (struct csa_prog_mem_slot){
		malloc(plan->output_slot_size), plan->output_slot_size, CSA_ACCESS_WRITE, 0 };
	self->job.mem = (struct csa_prog_mem){ slots, CSA_MODEL_NUM_SLOTS };
}

FIXTURE_TEARDOWN(engine)
{
	for (int s = CSA_MODEL_SLOT_INPUT; s < CSA_MODEL_NUM_SLOTS; s++)
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
		const int8_t *out = (const int8_t *)self->job.slots[CSA_MODEL_SLOT_OUTPUT].base;

		memcpy(self->job.slots[CSA_MODEL_SLOT_INPUT].base, self->inputs + s * 1024, 1024);
		csa_prog_run(&env, CSA_MODEL_SLOT_PROG, 0, self->job.plan.prog_size, &r);
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
		agree += (int32_t)csa_argmax_i8(out, out_c) == self->top1[s];
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

	memcpy(self->job.slots[CSA_MODEL_SLOT_INPUT].base, self->inputs, 1024);
	csa_prog_run(&env, CSA_MODEL_SLOT_PROG, 0, self->job.plan.prog_size, &r);
	EXPECT_EQ((uint32_t)CSA_STATUS_PROGRAM, r.status);
	EXPECT_EQ((uint32_t)CSA_PROG_ERR_PACK_K, CSA_PROG_DETAIL_ERR(r.detail))
		TH_LOG("reason %s", csa_prog_err_name(CSA_PROG_DETAIL_ERR(r.detail)));
}

TEST_HARNESS_MAIN
