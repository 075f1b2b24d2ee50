// SPDX-License-Identifier: MIT
/*
 * csa_pack_model(): the packer's pipeline, layer by layer.
 *
 *   1. copy the float weights and fold batch-norm (affine or not) into
 *      weight and bias;
 *   2. per-unit int8 weights (scale s_w = max |w| / 127);
 *   3. activation scales: the input's from the export, a layer's output
 *      scale s_out = act_max / 127 with act_max calibrated by the export
 *      (largest BN output over calibration inputs); k-WTA and max-pool keep
 *      the scale, so the next layer's input scale is s_out;
 *   4. requantisation per unit: bias = round(b / (s_w s_in)), multiplier /
 *      2^shift = s_w s_in / s_out;
 *   5. group by the float mask (exact or greedy), pack the int8 weights,
 *      boost in Q8.8;
 *   6. assemble the .csa container.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pack_internal.h"

struct layer_work {
	struct csa_fmodel_layer f;	/* copy with our own weight/bias */
	int8_t *q;
	int8_t *support;	/* 1 where the float weight is non-zero */
	float *scales;
	struct csa_requant *requant;
	uint16_t *boost;
	struct csa_grouping grouping;
};

static void work_free(struct layer_work *w)
{
	csa_fmodel_layer_release(&w->f);
	free(w->q);
	free(w->support);
	free(w->scales);
	free(w->requant);
	free(w->boost);
	csa_grouping_free(&w->grouping);
	memset(w, 0, sizeof(*w));
}

static int pack_one(const struct csa_fmodel_layer *src, float in_scale,
		    const struct csa_pack_options *opt, struct layer_work *w,
		    struct csa_pack_layer_report *rep, void **blobp, size_t *sizep)
{
	uint32_t units = src->out_c, cols = csa_fmodel_layer_cols(src), k = src->k;
	float out_scale = src->act_max / 127.0f;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = csa_fmodel_layer_copy(&w->f, src);
	if (ret)
		return ret;
	w->q = malloc((size_t)units * cols);
	w->scales = malloc(units * sizeof(float));
	w->requant = calloc(units, sizeof(*w->requant));
	if (!w->q || !w->scales || !w->requant)
		return csa_error(ENOMEM, "layer %s: out of memory", src->name);
	if (!(out_scale > 0) || !isfinite(out_scale))
		return csa_error(EINVAL, "layer %s: output scale %g from act_max %g is not usable",
				 src->name, out_scale, src->act_max);
	ret = csa_fold_batchnorm(&w->f);
	if (!ret)
		ret = csa_quantise_rows(w->f.weight, units, cols, w->q, w->scales);
	if (ret)
		return csa_error_prefix(ret, "layer %s", src->name);

	memset(rep, 0, sizeof(*rep));
	snprintf(rep->name, sizeof(rep->name), "%s", src->name);
	for (uint32_t u = 0; u < units; u++) {
		/* a zero row's weights are 0 whatever the scale: take 1/127 */
		double s_w = w->scales[u] > 0 ? w->scales[u] : 1.0 / 127.0;
		double acc_scale = s_w * in_scale;
		bool sat = false;

		rep->zero_rows += !(w->scales[u] > 0);
		w->requant[u].bias = csa_quantise_bias(w->f.bias ? w->f.bias[u] / acc_scale : 0, &sat);
		rep->saturated_biases += sat;
		ret = csa_requant_multiplier(acc_scale / out_scale, &w->requant[u].multiplier,
					     &w->requant[u].shift);
		if (ret < 0)
			return csa_error_prefix(ret, "layer %s", src->name);
		rep->saturated_multipliers += ret;
	}
	if (src->kwta_k && src->boost) {
		w->boost = malloc(units * sizeof(uint16_t));
		if (!w->boost)
			return csa_error(ENOMEM, "layer %s: out of memory", src->name);
		for (uint32_t u = 0; u < units; u++)
			w->boost[u] = csa_boost_q88(src->boost[u]);
	}
	if (opt->max_k && k > opt->max_k)
		k = opt->max_k;
	/*
	 * Group by the float model's mask (its non-zero weights before
	 * batch-norm folding), not by the int8 weights: a weight that
	 * quantises (or folds with gamma = 0) to 0 still owns its position,
	 * and efficiency then measures the masks.  The int8 support is a
	 * subset, so the packing stays valid.
	 */
	w->support = malloc((size_t)units * cols);
	if (!w->support)
		return csa_error(ENOMEM, "layer %s: out of memory", src->name);
	for (size_t i = 0; i < (size_t)units * cols; i++)
		w->support[i] = src->weight[i] != 0;
	ret = opt->greedy ? csa_group_units_greedy(w->support, units, cols, k, &w->grouping) :
		csa_group_units(w->support, units, cols, k, &w->grouping);
	if (ret)
		return csa_error_prefix(ret, "layer %s", src->name);
	ret = csa_pack_layer(w->q, &w->grouping, w->requant, w->boost, blobp, sizep);
	if (ret)
		return csa_error_prefix(ret, "layer %s", src->name);

	rep->units = units;
	rep->cols = cols;
	rep->k = k;
	rep->groups = w->grouping.groups;
	rep->exact = w->grouping.exact;
	rep->efficiency = w->grouping.efficiency;
	rep->nonzeros = w->grouping.nonzeros;
	rep->positions = (uint64_t)src->out_h * src->out_w;
	rep->macs_dense = (uint64_t)units * cols * rep->positions;
	rep->macs_sparse = (uint64_t)rep->groups * cols * rep->positions;
	rep->in_density = src->in_density > 0 ? src->in_density : 1.0;
	rep->macs_sparse_sparse = (uint64_t)llround((double)rep->macs_sparse * rep->in_density);
	rep->bytes = *sizep;
	rep->in_scale = in_scale;
	rep->out_scale = out_scale;
	return 0;
}

static void table_entry(const struct csa_fmodel_layer *l, const struct layer_work *w,
			const struct csa_pack_layer_report *rep, struct csa_model_layer *e)
{
	memset(e, 0, sizeof(*e));
	e->type = l->type;
	e->flags = (l->kwta_k ? CSA_MODEL_LF_KWTA : 0) |
		(l->kwta_k && l->kwta_local ? CSA_MODEL_LF_KWTA_LOCAL : 0) |
		(w->boost ? CSA_MODEL_LF_BOOST : 0) |
		(l->pool ? CSA_MODEL_LF_MAXPOOL : 0) |
		(l->bn_mean ? CSA_MODEL_LF_BN_FOLDED : 0) |
		(rep->exact ? 0 : CSA_MODEL_LF_GREEDY);
	e->in_c = l->in_c, e->in_h = l->in_h, e->in_w = l->in_w;
	e->out_c = l->out_c, e->out_h = l->out_h, e->out_w = l->out_w;
	if (l->type == CSA_MODEL_LAYER_CONV2D) {
		e->kernel_h = e->kernel_w = (uint8_t)l->kernel;
		e->stride_h = e->stride_w = (uint8_t)l->stride;
		e->pad_h = e->pad_w = (uint8_t)l->pad;
	}
	e->pool = (uint8_t)l->pool;
	e->kwta_k = l->kwta_k;
	e->k = rep->k;
	e->groups = rep->groups;
	e->nonzeros = rep->nonzeros;
	e->in_scale = rep->in_scale;
	e->out_scale = rep->out_scale;
	memcpy(e->name, l->name, strnlen(l->name, sizeof(e->name)));
}

int csa_pack_model(const struct csa_fmodel *m, const struct csa_pack_options *options,
		   struct csa_pack_result *res)
{
	static const struct csa_pack_options defaults;
	const struct csa_pack_options *opt = options ? options : &defaults;
	struct csa_model_layer table[CSA_MODEL_MAX_LAYERS];
	void *blobs[CSA_MODEL_MAX_LAYERS] = { 0 };
	size_t sizes[CSA_MODEL_MAX_LAYERS] = { 0 };
	struct csa_model_hdr hdr;
	struct layer_work w;
	float in_scale = m->input_scale;
	uint64_t max_act = (uint64_t)m->in_c * m->in_h * m->in_w;
	const struct csa_fmodel_layer *last;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (!m->num_layers || m->num_layers > CSA_MODEL_MAX_LAYERS)
		return csa_error(EINVAL, "%u layers (1..%d)", m->num_layers, CSA_MODEL_MAX_LAYERS);
	if (m->input_zero_point)
		return csa_error(EINVAL, "input zero point %d: the datapath is symmetric, only 0 "
				 "is supported", m->input_zero_point);
	if (!(m->input_scale > 0) || !isfinite(m->input_scale))
		return csa_error(EINVAL, "input scale %g is not positive", m->input_scale);
	memset(&hdr, 0, sizeof(hdr));
	for (uint32_t i = 0; i < m->num_layers; i++) {
		const struct csa_fmodel_layer *l = &m->layers[i];
		uint64_t numel = (uint64_t)l->out_c * l->out_h * l->out_w;

		ret = pack_one(l, in_scale, opt, &w, &res->layers[i], &blobs[i], &sizes[i]);
		if (!ret)
			table_entry(l, &w, &res->layers[i], &table[i]);
		work_free(&w);
		if (ret)
			goto out;
		if (table[i].k > hdr.max_k)
			hdr.max_k = table[i].k;
		if (numel > max_act)
			max_act = numel;
		in_scale = res->layers[i].out_scale;
	}
	last = &m->layers[m->num_layers - 1];
	hdr.in_c = m->in_c, hdr.in_h = m->in_h, hdr.in_w = m->in_w;
	hdr.input_scale = m->input_scale;
	hdr.out_c = last->out_c;
	hdr.out_h = last->pool ? last->out_h / last->pool : last->out_h;
	hdr.out_w = last->pool ? last->out_w / last->pool : last->out_w;
	hdr.output_scale = res->layers[m->num_layers - 1].out_scale;
	hdr.max_activation = max_act > UINT32_MAX ? UINT32_MAX : (uint32_t)max_act;
	memcpy(hdr.name, m->name, strnlen(m->name, sizeof(hdr.name)));
	ret = csa_model_assemble(&hdr, table, blobs, sizes, m->num_layers, &res->data, &res->size);
	if (!ret)
		res->num_layers = m->num_layers;
out:
	for (uint32_t i = 0; i < m->num_layers && i < CSA_MODEL_MAX_LAYERS; i++)
		free(blobs[i]);
	return ret;
}

void csa_pack_result_free(struct csa_pack_result *res)
{
	free(res->data);
	res->data = NULL;
	res->size = 0;
}
