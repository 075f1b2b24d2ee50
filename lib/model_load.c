// SPDX-License-Identifier: MIT
/*
 * Loading a .csa model once: the file is copied into one buffer object
 * (bound READ only, so the card never writes it) and validated there, so
 * the bytes checked are the bytes the card reads; the job program goes
 * into a second read-only buffer; a queue is created for the model's jobs.
 * Without a device the same buffers are plain memory (CPU reference only).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csa_hw.h"
#include "internal.h"
#include "model_internal.h"

/* The virtual card's defaults (docs/hardware.md) for a CPU-only model. */
static void default_limits(struct csa_prog_env *env)
{
	env->lanes = 64;
	env->max_k = 20;
	env->max_dim = 65535;
	env->max_tensor = 16777216;
}

static int card_limits(struct csa_model *m)
{
	struct csa_info info;
	int ret;

	default_limits(&m->env);
	if (!m->dev)
		return 0;
	ret = csa_query(m->dev, &info);
	if (ret)
		return ret;
	m->env.lanes = info.dp_lanes;
	m->env.max_k = info.max_k;
	m->env.max_dim = info.max_dim;
	m->env.max_tensor = info.max_tensor > UINT32_MAX ? UINT32_MAX :
		(uint32_t)info.max_tensor;
	return 0;
}

/* One-op programs, op i at i * CSA_PROG_SIZE(1), for per-layer cycles. */
static int build_op_progs(struct csa_model *m)
{
	const uint8_t *prog = m->prog.map;
	struct csa_prog_hdr ph;

	m->op_progs = calloc(m->plan.num_ops, CSA_PROG_SIZE(1));
	if (!m->op_progs)
		return csa_error(ENOMEM, "model: out of memory");
	csa_prog_hdr_decode(&ph, prog);
	ph.num_ops = 1;
	for (uint32_t i = 0; i < m->plan.num_ops; i++) {
		uint8_t *p = m->op_progs + (uint64_t)i * CSA_PROG_SIZE(1);

		csa_prog_hdr_encode(p, &ph);
		memcpy(p + CSA_PROG_HDR_SIZE,
		       prog + CSA_PROG_HDR_SIZE + (uint64_t)i * CSA_PROG_OP_SIZE,
		       CSA_PROG_OP_SIZE);
	}
	return 0;
}

/*
 * The program for the CPU backend, decoded once.  A program it does not
 * take (-ENOTSUP) runs on the reference engine instead.
 */
static int decode_cpu(struct csa_model *m)
{
	const uint8_t *slot[CSA_MODEL_NUM_SLOTS] = { m->weights.map, m->prog.map };
	uint64_t size[CSA_MODEL_NUM_SLOTS] = {
		m->weights.bo ? csa_bo_size(m->weights.bo) : m->weights.size,
		m->prog.bo ? csa_bo_size(m->prog.bo) : m->prog.size,
	};
	int ret = csa_cpu_prog_decode(m->prog.map, m->plan.prog_size, slot, size,
				      CSA_MODEL_NUM_SLOTS, &m->cpu);

	m->cpu_ok = !ret;
	if (ret == -ENOMEM)
		return csa_error(ENOMEM, "model: out of memory for the CPU backend");
	return 0;
}

static int load(struct csa_model *m, const void *data, size_t size,
		const struct csa_model_options *opt)
{
	void *prog = NULL;
	int ret;

	ret = card_limits(m);
	if (ret)
		return ret;
	ret = csa_model_buf_alloc(m->dev, size, &m->weights);
	if (ret)
		return ret;
	memcpy(m->weights.map, data, size);
	ret = csa_model_parse(m->weights.map, size, &m->view);
	if (ret)
		return ret;
	if (m->view.hdr->max_k > m->env.max_k)
		return csa_error(EOPNOTSUPP, "model %.16s needs pack factor K = %u, the card's max_k is %u",
				 (const char *)m->view.hdr->name, m->view.hdr->max_k,
				 m->env.max_k);
	ret = csa_model_build_program(&m->view, &m->plan, &prog);
	if (ret)
		return ret;
	ret = csa_model_buf_alloc(m->dev, m->plan.prog_size, &m->prog);
	if (!ret)
		memcpy(m->prog.map, prog, m->plan.prog_size);
	free(prog);
	if (ret)
		return ret;
	ret = build_op_progs(m);
	if (ret)
		return ret;
	ret = decode_cpu(m);
	if (ret)
		return ret;
	if (m->dev)
		ret = csa_queue_create(m->dev, opt ? opt->hw_queue : CSA_MODEL_DEFAULT_QUEUE,
				       opt ? opt->priority : DRM_CSA_PRIORITY_NORMAL,
				       &m->queue);
	return ret;
}

CSA_EXPORT int csa_model_load_mem(struct csa_device *dev, const void *data, size_t size,
				  const struct csa_model_options *options,
				  struct csa_model **modelp)
{
	struct csa_model *m;
	int ret;

	if (!data || !modelp)
		return csa_error(EINVAL, "csa_model_load_mem: data and modelp must not be NULL");
	*modelp = NULL;
	if (options && (options->reserved[0] || options->reserved[1] ||
			options->reserved[2] || options->reserved[3]))
		return csa_error(EINVAL, "csa_model_load: reserved option fields must be 0");
	if (size < CSA_MODEL_HDR_SIZE)
		return csa_error(EINVAL, "model: %zu bytes is too small for a .csa file", size);
	if (size > CSA_MODEL_MAX_FILE_SIZE)
		return csa_error(EFBIG, "model: %zu bytes is larger than the %llu-byte limit",
				 size, CSA_MODEL_MAX_FILE_SIZE);
	m = calloc(1, sizeof(*m));
	if (!m)
		return csa_error(ENOMEM, "model: out of memory");
	m->dev = dev;
	ret = load(m, data, size, options);
	if (ret) {
		csa_model_unload(m);
		return ret;
	}
	*modelp = m;
	return 0;
}

CSA_EXPORT int csa_model_load(struct csa_device *dev, const char *path,
			      const struct csa_model_options *options,
			      struct csa_model **modelp)
{
	void *data = NULL;
	size_t size = 0;
	int ret;

	if (!path || !modelp)
		return csa_error(EINVAL, "csa_model_load: path and modelp must not be NULL");
	*modelp = NULL;
	ret = csa_model_read_file(path, &data, &size);
	if (ret)
		return ret;
	ret = csa_model_load_mem(dev, data, size, options, modelp);
	if (ret)
		csa_error_prefix(ret, "%s", path);
	free(data);
	return ret;
}

CSA_EXPORT void csa_model_unload(struct csa_model *model)
{
	if (!model)
		return;
	while (model->infers)
		csa_infer_destroy(model->infers);
	if (model->queue)
		csa_queue_destroy(model->queue);
	free(model->op_progs);
	csa_cpu_prog_free(&model->cpu);
	csa_model_buf_free(&model->prog);
	csa_model_buf_free(&model->weights);
	free(model);
}

CSA_EXPORT int csa_model_info(const struct csa_model *m, struct csa_model_info *info)
{
	const struct csa_model_hdr *h;

	if (!m || !info)
		return csa_error(EINVAL, "csa_model_info: NULL argument");
	h = m->view.hdr;
	memset(info, 0, sizeof(*info));
	memcpy(info->name, h->name, CSA_MODEL_NAME_LEN);
	info->num_layers = h->num_layers;
	info->num_ops = m->plan.num_ops;
	info->in_c = h->in_c;
	info->in_h = h->in_h;
	info->in_w = h->in_w;
	info->out_c = h->out_c;
	info->out_h = h->out_h;
	info->out_w = h->out_w;
	info->input_size = (uint64_t)h->in_c * h->in_h * h->in_w;
	info->output_size = m->plan.output_size;
	info->input_scale = h->input_scale;
	info->input_zero_point = h->input_zero_point;
	info->output_scale = h->output_scale;
	info->output_zero_point = h->output_zero_point;
	info->max_k = h->max_k;
	info->file_size = m->view.size;
	info->prog_size = m->plan.prog_size;
	info->act_size = m->plan.act_size;
	info->sparse_capacity = m->plan.sparse_capacity;
	info->on_card = m->dev != NULL;
	return 0;
}

CSA_EXPORT const struct csa_model_view *csa_model_get_view(const struct csa_model *m)
{
	return m ? &m->view : NULL;
}

CSA_EXPORT int csa_model_op_layer(const struct csa_model *m, uint32_t op)
{
	if (!m || op >= m->plan.num_ops)
		return csa_error(EINVAL, "csa_model_op_layer: no op %u", op);
	return m->plan.op_layer[op];
}

CSA_EXPORT const void *csa_model_program(const struct csa_model *m)
{
	return m ? m->prog.map : NULL;
}
