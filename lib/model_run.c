// SPDX-License-Identifier: MIT
/*
 * Inferences on the card: each has its own input, activation and output
 * buffers and its own out fence, so any number can be in flight on the
 * model's queue.  A job binds the model's two read-only buffers and the
 * inference's three (enum csa_model_slot), runs the model's job program
 * (CSA_OP_PROGRAM) and asks for the completion record, which lands after
 * the output and carries the job's device cycles.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csa_hw.h"
#include "internal.h"
#include "model_internal.h"

CSA_EXPORT int csa_infer_create(struct csa_model *m, struct csa_infer **inferp)
{
	struct csa_infer *inf;
	int ret;

	if (!m || !inferp)
		return csa_error(EINVAL, "csa_infer_create: model and inferp must not be NULL");
	*inferp = NULL;
	inf = calloc(1, sizeof(*inf));
	if (!inf)
		return csa_error(ENOMEM, "model: out of memory for an inference");
	inf->model = m;
	ret = csa_model_buf_alloc(m->dev, (uint64_t)m->view.hdr->in_c * m->view.hdr->in_h *
				  m->view.hdr->in_w, &inf->input);
	if (!ret)
		ret = csa_model_buf_alloc(m->dev, m->plan.act_size, &inf->act);
	if (!ret)
		ret = csa_model_buf_alloc(m->dev, m->plan.output_slot_size, &inf->output);
	if (!ret && m->dev)
		ret = csa_fence_create(m->dev, 0, &inf->fence);
	inf->next = m->infers;
	m->infers = inf;
	if (ret) {
		csa_infer_destroy(inf);
		return ret;
	}
	*inferp = inf;
	return 0;
}

CSA_EXPORT void csa_infer_destroy(struct csa_infer *inf)
{
	struct csa_infer **pp;

	if (!inf)
		return;
	if (inf->in_flight)
		csa_infer_wait(inf, CSA_DEADLINE_INFINITE, NULL);
	for (pp = &inf->model->infers; *pp; pp = &(*pp)->next) {
		if (*pp == inf) {
			*pp = inf->next;
			break;
		}
	}
	csa_fence_destroy(inf->fence);
	csa_model_buf_free(&inf->output);
	csa_model_buf_free(&inf->act);
	csa_model_buf_free(&inf->input);
	free(inf->scratch);
	csa_cpu_scratch_free(&inf->cpu);
	free(inf);
}

CSA_EXPORT int8_t *csa_infer_input(struct csa_infer *inf)
{
	return inf ? (int8_t *)inf->input.map : NULL;
}

CSA_EXPORT const int8_t *csa_infer_output(const struct csa_infer *inf)
{
	return inf ? (const int8_t *)inf->output.map : NULL;
}

CSA_EXPORT int csa_infer_submit(struct csa_infer *inf)
{
	struct csa_model *m;
	struct csa_bind binds[CSA_MODEL_NUM_SLOTS];
	struct csa_sync out;
	struct csa_job job;
	int ret;

	if (!inf)
		return csa_error(EINVAL, "csa_infer_submit: infer must not be NULL");
	m = inf->model;
	if (!m->dev)
		return csa_error(ENODEV, "csa_infer_submit: model %.16s was loaded without a card",
				 (const char *)m->view.hdr->name);
	if (inf->in_flight)
		return csa_error(EBUSY, "csa_infer_submit: the inference is already in flight");
	binds[CSA_MODEL_SLOT_MODEL] = (struct csa_bind){ m->weights.bo, DRM_CSA_ACCESS_READ };
	binds[CSA_MODEL_SLOT_PROG] = (struct csa_bind){ m->prog.bo, DRM_CSA_ACCESS_READ };
	binds[CSA_MODEL_SLOT_INPUT] = (struct csa_bind){ inf->input.bo, DRM_CSA_ACCESS_READ };
	binds[CSA_MODEL_SLOT_ACT] = (struct csa_bind){ inf->act.bo,
		DRM_CSA_ACCESS_READ | DRM_CSA_ACCESS_WRITE };
	binds[CSA_MODEL_SLOT_OUTPUT] = (struct csa_bind){ inf->output.bo, DRM_CSA_ACCESS_WRITE };
	/* a stale record must not pass for this job's */
	memset(inf->output.map + m->plan.status_off, 0xff, CSA_CPL_SIZE);
	ret = csa_fence_reset(inf->fence);
	if (ret)
		return ret;
	out = (struct csa_sync){ .fence = inf->fence };
	job = (struct csa_job){
		.binds = binds,
		.num_binds = CSA_MODEL_NUM_SLOTS,
		.out = &out,
		.num_out = 1,
		.cmd = {
			.opcode = CSA_OP_PROGRAM,
			.flags = DRM_CSA_CMD_STATUS,
			.dst_slot = CSA_MODEL_SLOT_PROG,
			.size = m->plan.prog_size,
			.status_slot = CSA_MODEL_SLOT_OUTPUT,
			.status_offset = m->plan.status_off,
		},
	};
	inf->submit_ns = csa_now_ns();
	ret = csa_submit(m->queue, &job);
	if (ret)
		return ret;
	inf->in_flight = true;
	return 0;
}

static void read_cpl(const struct csa_infer *inf, struct csa_infer_result *res)
{
	const uint8_t *p = inf->output.map + inf->model->plan.status_off;

	res->status = (uint32_t)csa_get_le(p + 8, 4);
	res->detail = (uint32_t)csa_get_le(p + 12, 4);
	res->cycles = csa_get_le(p + 16, 8);
}

CSA_EXPORT int csa_infer_wait(struct csa_infer *inf, int64_t deadline_ns,
			      struct csa_infer_result *result)
{
	struct csa_infer_result r = { 0 };
	int ret, job_error = 0;

	if (!inf)
		return csa_error(EINVAL, "csa_infer_wait: infer must not be NULL");
	if (!inf->in_flight)
		return csa_error(EINVAL, "csa_infer_wait: the inference was not submitted");
	ret = csa_fence_wait(inf->fence, 0, deadline_ns);
	if (ret)
		return ret;
	r.host_ns = csa_now_ns() - inf->submit_ns;
	inf->in_flight = false;
	ret = csa_fence_status(inf->fence, 0, &job_error);
	if (ret < 0)
		return ret;
	/* the job is done: sync what the card wrote for the CPU */
	ret = csa_bo_wait(inf->output.bo, CSA_WAIT_READ, 0);
	if (ret)
		return ret;
	read_cpl(inf, &r);
	if (result)
		*result = r;
	if (job_error == -ENOEXEC)
		return csa_error(ENOEXEC, "%s: the card refused the job program at op %u, operand %u: %s",
				 csa_render_node(inf->model->dev), CSA_PROG_DETAIL_OP(r.detail),
				 CSA_PROG_DETAIL_OPND(r.detail),
				 csa_prog_err_name(CSA_PROG_DETAIL_ERR(r.detail)));
	if (job_error)
		return csa_error(-job_error, "%s: inference job failed (card status %u): %s",
				 csa_render_node(inf->model->dev), r.status,
				 strerror(-job_error));
	return 0;
}

CSA_EXPORT struct csa_fence *csa_infer_fence(const struct csa_infer *inf)
{
	return inf ? inf->fence : NULL;
}

CSA_EXPORT int csa_infer_run(struct csa_infer *inf, struct csa_infer_result *result)
{
	int ret = csa_infer_submit(inf);

	if (ret)
		return ret;
	return csa_infer_wait(inf, CSA_DEADLINE_INFINITE, result);
}
