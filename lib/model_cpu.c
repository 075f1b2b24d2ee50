// SPDX-License-Identifier: MIT
/*
 * The CPU device of a model: csa_infer_run_cpu() runs the optimised
 * backend (lib/cpu/); csa_infer_run_reference() and
 * csa_infer_layer_cycles() run the CPU reference: the firmware's job-program engine
 * (firmware/csa_prog.c and the datapath, compiled into libcsa) runs the
 * model's program with csa_prog_mem_io over the inference's own buffers
 * (the card's bind slots, in the card's order and with its checks and
 * limits), so its output is the card's, bit for bit, and its cycles are
 * the card's cost model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csa_hw.h"
#include "internal.h"
#include "model_internal.h"

/* The one-op programs of csa_infer_layer_cycles() are one slot more. */
#define SLOT_OP_PROGS	CSA_MODEL_NUM_SLOTS

/* A buffer as a job binds it: a BO whole (its size may be rounded up). */
static struct csa_prog_mem_slot buf_slot(const struct csa_model_buf *buf, uint32_t access)
{
	return (struct csa_prog_mem_slot){
		buf->map, buf->bo ? csa_bo_size(buf->bo) : buf->size, access, 0 };
}

static int cpu_env(struct csa_infer *inf, struct csa_prog_mem_slot *slots,
		   struct csa_prog_mem *mem, struct csa_prog_env *env)
{
	struct csa_model *m = inf->model;

	if (inf->in_flight)
		return csa_error(EBUSY, "csa_infer_run_cpu: the inference is in flight on the card");
	if (!inf->scratch) {
		inf->scratch = malloc(CSA_MODEL_SCRATCH_SIZE);
		if (!inf->scratch)
			return csa_error(ENOMEM, "model: out of memory for the CPU reference");
	}
	/* the card's view of the same buffers */
	slots[CSA_MODEL_SLOT_MODEL] = buf_slot(&m->weights, CSA_ACCESS_READ);
	slots[CSA_MODEL_SLOT_PROG] = buf_slot(&m->prog, CSA_ACCESS_READ);
	slots[CSA_MODEL_SLOT_INPUT] = buf_slot(&inf->input, CSA_ACCESS_READ);
	slots[CSA_MODEL_SLOT_ACT] = buf_slot(&inf->act, CSA_ACCESS_READ | CSA_ACCESS_WRITE);
	slots[CSA_MODEL_SLOT_OUTPUT] = buf_slot(&inf->output, CSA_ACCESS_WRITE);
	slots[SLOT_OP_PROGS] = (struct csa_prog_mem_slot){
		m->op_progs, (uint64_t)m->plan.num_ops * CSA_PROG_SIZE(1), CSA_ACCESS_READ, 0 };
	*mem = (struct csa_prog_mem){ slots, CSA_MODEL_NUM_SLOTS + 1 };
	*env = m->env;
	env->io = &csa_prog_mem_io;
	env->ctx = mem;
	env->scratch = inf->scratch;
	env->scratch_size = CSA_MODEL_SCRATCH_SIZE;
	return 0;
}

static int refused(const struct csa_prog_result *r)
{
	return csa_error(ENOEXEC, "CPU reference: the job program failed at op %u, operand %u: %s",
			 CSA_PROG_DETAIL_OP(r->detail), CSA_PROG_DETAIL_OPND(r->detail),
			 csa_prog_err_name(CSA_PROG_DETAIL_ERR(r->detail)));
}

CSA_EXPORT int csa_infer_run_reference(struct csa_infer *inf, struct csa_infer_result *result)
{
	struct csa_prog_mem_slot slots[CSA_MODEL_NUM_SLOTS + 1];
	struct csa_prog_result r;
	struct csa_prog_mem mem;
	struct csa_prog_env env;
	int64_t t0;
	int ret;

	if (!inf)
		return csa_error(EINVAL, "csa_infer_run_reference: infer must not be NULL");
	ret = cpu_env(inf, slots, &mem, &env);
	if (ret)
		return ret;
	t0 = csa_now_ns();
	csa_prog_run(&env, CSA_MODEL_SLOT_PROG, 0, inf->model->plan.prog_size, &r);
	if (result)
		*result = (struct csa_infer_result){
			.status = r.status, .detail = r.detail, .cycles = r.cycles,
			.host_ns = csa_now_ns() - t0,
		};
	return r.status == CSA_STATUS_OK ? 0 : refused(&r);
}

/*
 * The CPU device: the optimised backend (lib/cpu/) over the same buffers.
 * A program it did not take at load, or a run it refuses (a buffer too
 * small, a bad sparse activation), goes to the reference engine, which
 * gives the card's exact status.
 */
CSA_EXPORT int csa_infer_run_cpu(struct csa_infer *inf, struct csa_infer_result *result)
{
	struct csa_model_buf *b[CSA_MODEL_NUM_SLOTS];
	uint8_t *base[CSA_MODEL_NUM_SLOTS];
	uint64_t size[CSA_MODEL_NUM_SLOTS];
	struct csa_model *m;
	int64_t t0;
	uint32_t e;

	if (!inf)
		return csa_error(EINVAL, "csa_infer_run_cpu: infer must not be NULL");
	m = inf->model;
	if (!m->cpu_ok)
		return csa_infer_run_reference(inf, result);
	if (inf->in_flight)
		return csa_error(EBUSY, "csa_infer_run_cpu: the inference is in flight on the card");
	if (!inf->cpu.acc && csa_cpu_scratch_alloc(&m->cpu, &inf->cpu))
		return csa_error(ENOMEM, "model: out of memory for the CPU backend");
	b[CSA_MODEL_SLOT_MODEL] = &m->weights;
	b[CSA_MODEL_SLOT_PROG] = &m->prog;
	b[CSA_MODEL_SLOT_INPUT] = &inf->input;
	b[CSA_MODEL_SLOT_ACT] = &inf->act;
	b[CSA_MODEL_SLOT_OUTPUT] = &inf->output;
	for (int s = 0; s < CSA_MODEL_NUM_SLOTS; s++) {
		base[s] = b[s]->map;
		size[s] = b[s]->bo ? csa_bo_size(b[s]->bo) : b[s]->size;
	}
	t0 = csa_now_ns();
	e = csa_cpu_run(&m->cpu, base, size, CSA_MODEL_NUM_SLOTS, &inf->cpu);
	if (e)
		return csa_infer_run_reference(inf, result);
	if (result)
		*result = (struct csa_infer_result){
			.status = CSA_STATUS_OK, .host_ns = csa_now_ns() - t0,
		};
	return 0;
}

CSA_EXPORT int csa_infer_layer_cycles(struct csa_infer *inf, uint64_t *layer_cycles)
{
	struct csa_prog_mem_slot slots[CSA_MODEL_NUM_SLOTS + 1];
	struct csa_prog_result r;
	struct csa_prog_mem mem;
	struct csa_prog_env env;
	const struct csa_model *m;
	int ret;

	if (!inf || !layer_cycles)
		return csa_error(EINVAL, "csa_infer_layer_cycles: NULL argument");
	ret = cpu_env(inf, slots, &mem, &env);
	if (ret)
		return ret;
	m = inf->model;
	memset(layer_cycles, 0, m->view.hdr->num_layers * sizeof(*layer_cycles));
	for (uint32_t i = 0; i < m->plan.num_ops; i++) {
		csa_prog_run(&env, SLOT_OP_PROGS, (uint64_t)i * CSA_PROG_SIZE(1),
			     CSA_PROG_SIZE(1), &r);
		if (r.status != CSA_STATUS_OK) {
			/* the op index of a one-op program is always 0 */
			r.detail = CSA_PROG_DETAIL(i, CSA_PROG_DETAIL_OPND(r.detail),
						   CSA_PROG_DETAIL_ERR(r.detail));
			return refused(&r);
		}
		layer_cycles[m->plan.op_layer[i]] += r.cycles;
	}
	return 0;
}
