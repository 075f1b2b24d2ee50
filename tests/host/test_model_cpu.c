// SPDX-License-Identifier: MIT
/*
 * The model API without a card (lib/model_*.c): the job program libcsa
 * builds from the packed reference model (csa-pack's build/model/gsc.csa),
 * the CPU reference run through csa_infer_run_cpu() over all 256 reference
 * inputs (bit-exact with the independent int8 forward pass of
 * pack_int8_ref.h, top-1 agreeing with PyTorch on >= 95 %), per-layer
 * cycles, quantisation, error paths, and csa-run --cpu.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"

#include "csa/model.h"
#include "csa_hw.h"
#include "csa_prog.h"
#include "model_internal.h"
#include "pack_internal.h"
#include "pack_int8_ref.h"

#if !defined(GSC_DATA) || !defined(GSC_CSA) || !defined(CSA_RUN_BIN)
#error "GSC_DATA, GSC_CSA and CSA_RUN_BIN must be defined by the make fragment"
#endif

FIXTURE(model) {
	struct csa_model *model;
	struct csa_model_info info;
	struct csa_safetensors st;
	const int8_t *inputs;
	const int32_t *top1;
	const float *logits;
	uint64_t samples;
};

FIXTURE_SETUP(model)
{
	const void *p;
	uint64_t n;

	ASSERT_EQ(0, csa_model_load(NULL, GSC_CSA, NULL, &self->model)) TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_model_info(self->model, &self->info))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_st_open(GSC_DATA "/reference.safetensors.gz", &self->st))
		TH_LOG("%s", csa_last_error());
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "inputs", "I8", 1, &p, &n))
		TH_LOG("%s", csa_last_error());
	self->inputs = p;
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "top1", "I32", 4, &p, &self->samples))
		TH_LOG("%s", csa_last_error());
	self->top1 = p;
	ASSERT_EQ(self->samples * self->info.input_size, n);
	ASSERT_EQ(0, csa_st_get_raw(&self->st, "logits", "F32", 4, &p, &n))
		TH_LOG("%s", csa_last_error());
	self->logits = p;
	ASSERT_EQ(self->samples * self->info.output_size, n);
}

FIXTURE_TEARDOWN(model)
{
	csa_st_close(&self->st);
	csa_model_unload(self->model);
}

/* The reference network: conv1, conv2 (k-WTA, pool), fc1 (k-WTA), fc2. */
TEST_F(model, program_of_the_reference_model)
{
	static const uint16_t opcodes[] = {
		CSA_PROG_OP_CONV2D, CSA_PROG_OP_KWTA, CSA_PROG_OP_MAXPOOL2D,
		CSA_PROG_OP_CONV2D, CSA_PROG_OP_KWTA, CSA_PROG_OP_MAXPOOL2D,
		CSA_PROG_OP_LINEAR, CSA_PROG_OP_KWTA, CSA_PROG_OP_LINEAR,
	};
	static const uint8_t layers[] = { 0, 0, 0, 1, 1, 1, 2, 2, 3 };
	const uint8_t *prog = csa_model_program(self->model);
	const struct csa_model_view *v = csa_model_get_view(self->model);
	struct csa_prog_hdr h;
	struct csa_prog_op op[9];

	ASSERT_EQ(4u, self->info.num_layers);
	ASSERT_EQ(9u, self->info.num_ops);
	EXPECT_EQ((uint64_t)CSA_PROG_SIZE(9), self->info.prog_size);
	EXPECT_EQ(1024u, self->info.input_size);
	EXPECT_EQ(12u, self->info.output_size);
	EXPECT_FALSE(self->info.on_card);
	EXPECT_EQ(100u, self->info.sparse_capacity);	/* fc1's k-WTA, k = 100 */
	csa_prog_hdr_decode(&h, prog);
	EXPECT_EQ(CSA_PROG_MAGIC, h.magic);
	EXPECT_EQ(9u, h.num_ops);
	for (uint32_t i = 0; i < 9; i++) {
		csa_prog_op_decode(&op[i], prog + CSA_PROG_HDR_SIZE + i * CSA_PROG_OP_SIZE);
		EXPECT_EQ(opcodes[i], op[i].opcode) TH_LOG("op %u", i);
		EXPECT_EQ(layers[i], csa_model_op_layer(self->model, i));
	}
	EXPECT_EQ(-EINVAL, csa_model_op_layer(self->model, 9));
	/* the input slot feeds op 0; each op reads what the one before wrote */
	EXPECT_EQ(CSA_OPERAND(CSA_MODEL_SLOT_INPUT, 0), op[0].src);
	for (uint32_t i = 1; i < 9; i++) {
		EXPECT_EQ(op[i - 1].dst, op[i].src) TH_LOG("op %u", i);
	}
	/* packed layers are params in the model slot, the file unchanged */
	EXPECT_EQ(CSA_OPERAND(CSA_MODEL_SLOT_MODEL, v->layers[0].blob_off), op[0].param);
	EXPECT_EQ(CSA_OPERAND(CSA_MODEL_SLOT_MODEL, v->layers[3].blob_off), op[8].param);
	/* boosted conv k-WTAs; fc1's goes sparse and fc2 reads it sparse-sparse */
	EXPECT_EQ(CSA_PROG_F_BOOST, op[1].flags & CSA_PROG_F_BOOST);
	EXPECT_EQ(CSA_PROG_F_DST_SPARSE, op[7].flags & CSA_PROG_F_DST_SPARSE);
	EXPECT_EQ(CSA_PROG_F_SRC_SPARSE, op[8].flags);
	EXPECT_EQ(100u, op[7].k);
	/* the last op writes the output slot, nothing else does */
	EXPECT_EQ(CSA_OPERAND(CSA_MODEL_SLOT_OUTPUT, 0), op[8].dst);
	for (uint32_t i = 0; i < 8; i++)
		EXPECT_EQ((uint32_t)CSA_MODEL_SLOT_ACT, CSA_OPERAND_SLOT(op[i].dst));
}

/*
 * The CPU device (lib/cpu/) against the reference engine on every
 * reference input, with the scalar and the widest dispatch path: the
 * outputs byte for byte, and the backend really ran (the program was
 * taken at load).
 */
TEST_F(model, cpu_backend_matches_the_reference_on_every_input)
{
	struct csa_infer *a, *b;
	struct csa_infer_result ra, rb;
	enum csa_cpu_isa isas[2] = { CSA_CPU_SCALAR, csa_cpu_isa_best() };

	ASSERT_TRUE(self->model->cpu_ok);
	ASSERT_EQ(0, csa_infer_create(self->model, &a));
	ASSERT_EQ(0, csa_infer_create(self->model, &b));
	for (int p = 0; p < 2; p++) {
		csa_cpu_isa_set(isas[p]);
		for (uint64_t i = 0; i < self->samples; i++) {
			const int8_t *x = self->inputs + i * self->info.input_size;

			memcpy(csa_infer_input(a), x, self->info.input_size);
			memcpy(csa_infer_input(b), x, self->info.input_size);
			ASSERT_EQ(0, csa_infer_run_cpu(a, &ra)) TH_LOG("%s", csa_last_error());
			ASSERT_EQ(0, csa_infer_run_reference(b, &rb)) TH_LOG("%s", csa_last_error());
			ASSERT_EQ(0, memcmp(csa_infer_output(a), csa_infer_output(b),
					    self->info.output_size))
				TH_LOG("input %llu (%s): the backend's output differs",
				       (unsigned long long)i, csa_cpu_isa_name[isas[p]]);
			ASSERT_EQ(0u, ra.cycles);	/* the backend ran, not the engine */
			ASSERT_NE(0u, rb.cycles);
		}
	}
	csa_cpu_isa_set(csa_cpu_isa_best());
	csa_infer_destroy(a);
	csa_infer_destroy(b);
}

/* Worker threads: 8 inferences on 4 threads, each the reference's output. */
TEST_F(model, cpu_batch_on_worker_threads)
{
	struct csa_infer *inf[8], *ref;
	struct csa_infer_result r[8];

	ASSERT_EQ(0, csa_infer_create(self->model, &ref));
	for (int i = 0; i < 8; i++) {
		ASSERT_EQ(0, csa_infer_create(self->model, &inf[i]));
		memcpy(csa_infer_input(inf[i]), self->inputs + (uint64_t)i * self->info.input_size,
		       self->info.input_size);
	}
	ASSERT_EQ(0, csa_infer_run_cpu_batch(inf, 8, 4, r)) TH_LOG("%s", csa_last_error());
	for (int i = 0; i < 8; i++) {
		memcpy(csa_infer_input(ref), self->inputs + (uint64_t)i * self->info.input_size,
		       self->info.input_size);
		ASSERT_EQ(0, csa_infer_run_reference(ref, NULL));
		EXPECT_EQ(0, memcmp(csa_infer_output(ref), csa_infer_output(inf[i]),
				    self->info.output_size))
			TH_LOG("inference %d of the batch differs from the reference", i);
		EXPECT_EQ((uint32_t)CSA_STATUS_OK, r[i].status);
	}
	EXPECT_EQ(0, csa_infer_run_cpu_batch(inf, 0, 4, NULL));
	EXPECT_EQ(-EINVAL, csa_infer_run_cpu_batch(NULL, 2, 1, NULL));
	inf[3] = NULL;
	EXPECT_EQ(-EINVAL, csa_infer_run_cpu_batch(inf, 8, 2, NULL));
	EXPECT_NE(NULL, strstr(csa_last_error(), "inference 3 is NULL")) TH_LOG("%s", csa_last_error());
	for (int i = 0; i < 8; i++)
		if (i != 3)
			csa_infer_destroy(inf[i]);
	csa_infer_destroy(ref);
}

TEST_F(model, build_program_matches_the_loaded_one)
{
	struct csa_model_plan plan;
	void *prog = NULL;

	ASSERT_EQ(0, csa_model_build_program(csa_model_get_view(self->model), &plan, &prog))
		TH_LOG("%s", csa_last_error());
	EXPECT_EQ(self->info.prog_size, plan.prog_size);
	EXPECT_EQ(0, memcmp(prog, csa_model_program(self->model), plan.prog_size));
	EXPECT_EQ(plan.status_off + CSA_CPL_SIZE, plan.output_slot_size);
	EXPECT_EQ(0u, plan.status_off % 8);
	free(prog);
	EXPECT_EQ(-EINVAL, csa_model_build_program(NULL, &plan, &prog));
}

TEST_F_TIMEOUT(model, cpu_reference_all_inputs, 120)
{
	const struct csa_model_view *v = csa_model_get_view(self->model);
	uint32_t nl = v->hdr->num_layers, agree = 0, same = 0;
	struct qlayer q[CSA_MODEL_MAX_LAYERS];
	size_t act = v->hdr->max_activation;
	int8_t *a = malloc(act), *b = malloc(act);
	struct csa_infer *inf;
	double cos_sum = 0;
	uint64_t cycles = 0;

	ASSERT_EQ(0, csa_infer_create(self->model, &inf))
		TH_LOG("%s", csa_last_error());
	for (uint32_t i = 0; i < nl; i++)
		load_qlayer(v, i, &q[i]);
	for (uint64_t s = 0; s < self->samples; s++) {
		struct csa_infer_result r;
		const int8_t *out = csa_infer_output(inf);
		float deq[12];
		double ab = 0, aa = 0, bb = 0;

		memcpy(csa_infer_input(inf), self->inputs + s * 1024, 1024);
		ASSERT_EQ(0, csa_infer_run_reference(inf, &r)) TH_LOG("input %llu: %s",
								(unsigned long long)s, csa_last_error());
		EXPECT_EQ((uint32_t)CSA_STATUS_OK, r.status);
		cycles += r.cycles;
		int8_forward(q, nl, self->inputs + s * 1024, 1024, a, b);
		same += !memcmp(out, a, 12);
		agree += (int32_t)csa_argmax_i8(out, 12) == self->top1[s];
		csa_model_dequantise_output(self->model, out, 12, deq);
		for (int c = 0; c < 12; c++) {
			double y = self->logits[s * 12 + c];

			ab += deq[c] * y;
			aa += (double)deq[c] * deq[c];
			bb += y * y;
		}
		cos_sum += ab / sqrt(aa * bb);
	}
	ksft_print_msg("CPU reference: %u of %llu inputs bit-exact with the int8 forward pass; top-1 agrees with PyTorch on %u (%.1f %%), mean logit cosine %.4f; %llu cycles per input\n",
		       same, (unsigned long long)self->samples, agree,
		       100.0 * agree / self->samples, cos_sum / self->samples,
		       (unsigned long long)(cycles / self->samples));
	fflush(stdout);
	EXPECT_EQ(self->samples, same);
	EXPECT_GE(agree * 100, self->samples * 95);
	EXPECT_GT(cos_sum / self->samples, 0.9);
	for (uint32_t i = 0; i < nl; i++)
		free(q[i].w);
	free(a);
	free(b);
}

TEST_F(model, layer_cycles_add_up)
{
	uint64_t lc[4], sum = 0;
	struct csa_infer_result r;
	struct csa_infer *inf;
	int8_t out[12];

	ASSERT_EQ(0, csa_infer_create(self->model, &inf))
		TH_LOG("%s", csa_last_error());
	memcpy(csa_infer_input(inf), self->inputs, 1024);
	ASSERT_EQ(0, csa_infer_run_reference(inf, &r))
		TH_LOG("%s", csa_last_error());
	memcpy(out, csa_infer_output(inf), 12);
	memset((void *)csa_infer_output(inf), 0x55, 12);
	ASSERT_EQ(0, csa_infer_layer_cycles(inf, lc)) TH_LOG("%s", csa_last_error());
	/* op by op gives the same output */
	EXPECT_EQ(0, memcmp(out, csa_infer_output(inf), 12));
	for (int i = 0; i < 4; i++) {
		EXPECT_GT(lc[i], 0u);
		sum += lc[i];
	}
	/*
	 * each op pays its own program and validation reads and loses the
	 * overlap of its stages with its neighbours': more, but not by much
	 * (the reference model: about 9 %)
	 */
	EXPECT_GE(sum, r.cycles);
	EXPECT_LE(sum, r.cycles + r.cycles / 5);
	ksft_print_msg("cycles: whole program %llu, per layer %llu %llu %llu %llu\n",
		       (unsigned long long)r.cycles, (unsigned long long)lc[0],
		       (unsigned long long)lc[1], (unsigned long long)lc[2],
		       (unsigned long long)lc[3]);
	fflush(stdout);
	csa_infer_destroy(inf);
}

TEST_F(model, quantise_and_dequantise)
{
	const float x[5] = { 0.0f, 1.0f, -1.0f, 0.5f / 127, 100.0f };
	const float bad[1] = { NAN };
	int8_t q[5];
	float y[1];

	/* the reference inputs are real = q / 127 */
	EXPECT_LT(fabs(self->info.input_scale - 1.0 / 127), 1e-7);
	EXPECT_EQ(1, csa_model_quantise_input(self->model, x, 5, q));
	EXPECT_EQ(0, q[0]);
	EXPECT_EQ(127, q[1]);
	EXPECT_EQ(-127, q[2]);
	EXPECT_EQ(0, q[3]);	/* half rounds to even */
	EXPECT_EQ(127, q[4]);	/* saturated (counted) */
	EXPECT_EQ(-EINVAL, csa_model_quantise_input(self->model, bad, 1, q));
	q[0] = -3;
	csa_model_dequantise_output(self->model, q, 1, y);
	EXPECT_TRUE(y[0] == -3 * self->info.output_scale);
	EXPECT_EQ(2u, csa_argmax_i8((const int8_t[]){ 1, 5, 7, 7 }, 4));
}

TEST_F(model, errors)
{
	const struct csa_model_view *v = csa_model_get_view(self->model);
	struct csa_model *m = (struct csa_model *)1;
	struct csa_model_options opt = { .reserved = { 1 } };
	struct csa_infer *inf;
	uint8_t *copy;

	ASSERT_EQ(0, csa_infer_create(self->model, &inf))
		TH_LOG("%s", csa_last_error());
	/* a model loaded without a card runs on the CPU only */
	EXPECT_EQ(-ENODEV, csa_infer_submit(inf));
	EXPECT_EQ(NULL, csa_infer_fence(inf));
	EXPECT_EQ(-EINVAL, csa_infer_wait(inf, 0, NULL));
	EXPECT_EQ(-ENOENT, csa_model_load(NULL, "/nonexistent.csa", NULL, &m));
	EXPECT_EQ(NULL, m);
	EXPECT_EQ(-EINVAL, csa_model_load_mem(NULL, v->data, v->size, &opt, &m));
	copy = malloc(v->size);
	memcpy(copy, v->data, v->size);
	copy[v->size / 2] ^= 1;		/* caught by the CRC */
	EXPECT_EQ(-EBADMSG, csa_model_load_mem(NULL, copy, v->size, NULL, &m));
	EXPECT_EQ(-EINVAL, csa_model_load_mem(NULL, copy, 100, NULL, &m));
	free(copy);
	/* unload destroys inferences still there */
}

static int run_cmd(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;
	int st;

	if (!p)
		return -1;
	n = fread(out, 1, len - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(csa_run_cpu)
{
	static char out[16384];

	EXPECT_EQ(0, run_cmd(CSA_RUN_BIN " " GSC_CSA " --cpu --count 32 --inputs " GSC_DATA
			     "/reference.safetensors.gz --reference " GSC_DATA
			     "/reference.safetensors.gz --min-agreement 90 2>&1", out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "PyTorch reference: top-1 agrees on")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "modelled card cycles per layer")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "predictions (CPU backend")) TH_LOG("%s", out);
	EXPECT_EQ(0, run_cmd(CSA_RUN_BIN " " GSC_CSA " --cpu=reference -q --count 4 --inputs "
			     GSC_DATA "/reference.safetensors.gz 2>&1", out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "predictions (CPU reference")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "device cycles per inference: mean")) TH_LOG("%s", out);
	EXPECT_EQ(0, run_cmd(CSA_RUN_BIN " " GSC_CSA " --cpu --inflight 4 -q --count 10 --inputs "
			     GSC_DATA "/reference.safetensors.gz 2>&1", out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "(4 in flight")) TH_LOG("%s", out);
	EXPECT_EQ(2, run_cmd(CSA_RUN_BIN " " GSC_CSA " --cpu=fast --inputs x 2>&1",
			     out, sizeof(out)))
		TH_LOG("--cpu takes 'reference' only: %s", out);
	EXPECT_NE(NULL, strstr(out, "--cpu takes no value or 'reference'")) TH_LOG("%s", out);
	EXPECT_EQ(2, run_cmd(CSA_RUN_BIN " " GSC_CSA " 2>&1", out, sizeof(out)))
		TH_LOG("no --inputs is a usage error: %s", out);
	EXPECT_NE(NULL, strstr(out, "--inputs FILE is required")) TH_LOG("%s", out);
	EXPECT_EQ(1, run_cmd(CSA_RUN_BIN " " GSC_DATA "/model.json --cpu --inputs x 2>&1",
			     out, sizeof(out)))
		TH_LOG("a .json is not a packed model: %s", out);
	EXPECT_EQ(1, run_cmd(CSA_RUN_BIN " " GSC_CSA " --cpu --inputs " GSC_DATA
			     "/model.json 2>&1", out, sizeof(out)))
		TH_LOG("a .json is not an input file: %s", out);
	EXPECT_NE(NULL, strstr(out, "not a whole number")) TH_LOG("%s", out);
	EXPECT_EQ(2, run_cmd(CSA_RUN_BIN " " GSC_CSA " --cpu --inflight 0 --inputs x 2>&1",
			     out, sizeof(out)))
		TH_LOG("--inflight 0 is a usage error: %s", out);
}

TEST_HARNESS_MAIN
