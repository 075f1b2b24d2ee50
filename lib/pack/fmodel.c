// SPDX-License-Identifier: MIT
/*
 * The exported float model: model.json (tools/model/export.py) and the
 * safetensors file it names.  Checks every field the packer relies on and
 * that consecutive layers fit together.
 */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "pack_internal.h"

/*
 * The schema: the keys each object may have (docs/model-format.md).  Keys
 * marked "information" are written by export.py and not used by the packer.
 */
static const char *const root_keys[] = {
	"format", "version", "network", "variant", "tensors", "input", "layers",
	"classes", "calibration", "training", "reference",	/* information */
	NULL
};
static const char *const input_keys[] = { "shape", "scale", "zero_point", "dtype", NULL };
static const char *const layer_keys[] = {
	"name", "type", "in_shape", "out_shape", "kernel", "stride", "padding", "K",
	"weight", "bias", "batchnorm", "kwta", "maxpool", "act_max", "in_density",
	"flatten", "sparsity",	/* information */
	NULL
};
static const char *const bn_keys[] = { "mean", "var", "eps", "affine", "weight", "bias", NULL };
static const char *const kwta_keys[] = {
	"k", "scope", "boost",
	"duty_cycle", "beta", "target_density", "boost_formula",	/* information */
	NULL
};

/* Limits of what the packer accepts from an export (not format limits). */
#define FMODEL_MAX_DIM		65535u
#define FMODEL_MAX_KERNEL	15u

uint32_t csa_fmodel_layer_cols(const struct csa_fmodel_layer *l)
{
	if (l->type == CSA_MODEL_LAYER_CONV2D)
		return l->in_c * l->kernel * l->kernel;
	return l->in_c * l->in_h * l->in_w;
}

static int get_uint(json_t *obj, const char *key, uint32_t max, bool required,
		    uint32_t *out, const char *where)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			return csa_error(EINVAL, "%s: missing \"%s\"", where, key);
		*out = 0;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return csa_error(EINVAL, "%s: \"%s\" must be an integer in 0..%u", where, key, max);
	*out = (uint32_t)json_integer_value(v);
	return 0;
}

static int get_real(json_t *obj, const char *key, bool required, float *out,
		    const char *where)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			return csa_error(EINVAL, "%s: missing \"%s\"", where, key);
		*out = 0;
		return 0;
	}
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return csa_error(EINVAL, "%s: \"%s\" must be a finite number", where, key);
	*out = (float)json_number_value(v);
	return 0;
}

/* A shape array [c, h, w] or [n] (n x 1 x 1). */
static int get_shape(json_t *obj, const char *key, uint32_t s[3], const char *where)
{
	json_t *a = json_object_get(obj, key);
	size_t n = json_array_size(a);

	if (!json_is_array(a) || (n != 1 && n != 3))
		return csa_error(EINVAL, "%s: \"%s\" must be [c, h, w] or [n]", where, key);
	s[1] = s[2] = 1;
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_array_get(a, i);

		if (!json_is_integer(d) || json_integer_value(d) < 1 ||
		    json_integer_value(d) > FMODEL_MAX_DIM)
			return csa_error(EINVAL, "%s: \"%s\"[%zu] must be in 1..%u", where, key, i,
					 FMODEL_MAX_DIM);
		s[i] = (uint32_t)json_integer_value(d);
	}
	return 0;
}

static int tensor(const struct csa_safetensors *st, json_t *obj, const char *key,
		  bool required, const uint32_t *shape, unsigned int ndim, float **out,
		  const char *where)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return csa_error(EINVAL, "%s: missing tensor name \"%s\"", where, key);
		return 0;
	}
	if (!json_is_string(v))
		return csa_error(EINVAL, "%s: \"%s\" must name a tensor", where, key);
	return csa_st_get_float(st, json_string_value(v), shape, ndim, out);
}

static int load_layer(json_t *jl, const struct csa_safetensors *st,
		      struct csa_fmodel_layer *l, unsigned int index)
{
	char where[64];
	uint32_t in[3], out[3], wshape[4], vshape[1];
	json_t *jname = json_object_get(jl, "name");
	json_t *jtype = json_object_get(jl, "type");
	json_t *bn, *kw;
	float f;
	int ret;

	snprintf(where, sizeof(where), "layer %u", index);
	if (!json_is_object(jl))
		return csa_error(EINVAL, "%s: not an object", where);
	if (!json_is_string(jname) || !json_string_length(jname) ||
	    json_string_length(jname) >= CSA_MODEL_LAYER_NAME_LEN)
		return csa_error(EINVAL, "%s: \"name\" must be a string of 1..%d characters",
				 where, CSA_MODEL_LAYER_NAME_LEN - 1);
	snprintf(l->name, sizeof(l->name), "%s", json_string_value(jname));
	snprintf(where, sizeof(where), "layer %u (%s)", index, l->name);
	ret = csa_json_check_keys(jl, layer_keys, where);
	if (ret)
		return ret;
	if (!json_is_string(jtype))
		return csa_error(EINVAL, "%s: missing \"type\"", where);
	if (!strcmp(json_string_value(jtype), "conv2d"))
		l->type = CSA_MODEL_LAYER_CONV2D;
	else if (!strcmp(json_string_value(jtype), "linear"))
		l->type = CSA_MODEL_LAYER_LINEAR;
	else
		return csa_error(EINVAL, "%s: type \"%s\" is neither conv2d nor linear", where,
				 json_string_value(jtype));
	ret = get_shape(jl, "in_shape", in, where);
	if (!ret)
		ret = get_shape(jl, "out_shape", out, where);
	if (ret)
		return ret;
	l->in_c = in[0], l->in_h = in[1], l->in_w = in[2];
	l->out_c = out[0], l->out_h = out[1], l->out_w = out[2];
	if (l->type == CSA_MODEL_LAYER_CONV2D) {
		json_t *kern = json_object_get(jl, "kernel");

		if (!json_is_array(kern) || json_array_size(kern) != 2 ||
		    !json_is_integer(json_array_get(kern, 0)) ||
		    json_integer_value(json_array_get(kern, 0)) !=
		    json_integer_value(json_array_get(kern, 1)) ||
		    json_integer_value(json_array_get(kern, 0)) < 1 ||
		    json_integer_value(json_array_get(kern, 0)) > FMODEL_MAX_KERNEL)
			return csa_error(EINVAL, "%s: \"kernel\" must be [n, n], n in 1..%u", where,
					 FMODEL_MAX_KERNEL);
		l->kernel = (uint32_t)json_integer_value(json_array_get(kern, 0));
		ret = get_uint(jl, "stride", 15, true, &l->stride, where);
		if (!ret)
			ret = get_uint(jl, "padding", l->kernel - 1, true, &l->pad, where);
		if (ret)
			return ret;
		if (l->stride == 0)
			return csa_error(EINVAL, "%s: stride 0", where);
		if (in[1] + 2 * l->pad < l->kernel || in[2] + 2 * l->pad < l->kernel ||
		    out[1] != (in[1] + 2 * l->pad - l->kernel) / l->stride + 1 ||
		    out[2] != (in[2] + 2 * l->pad - l->kernel) / l->stride + 1)
			return csa_error(EINVAL, "%s: out_shape does not follow from in_shape, "
					 "kernel, stride and padding", where);
	} else if (out[1] != 1 || out[2] != 1) {
		return csa_error(EINVAL, "%s: a linear layer's out_shape is [n]", where);
	} else {
		json_t *flat = json_object_get(jl, "flatten");

		/* the card reads a CHW tensor as the linear input: nothing else */
		if (flat && (!json_is_string(flat) || strcmp(json_string_value(flat), "chw")))
			return csa_error(EINVAL, "%s: \"flatten\" must be \"chw\"", where);
	}
	if (l->type == CSA_MODEL_LAYER_LINEAR)
		for (const char *const *k = (const char *const[]){ "kernel", "stride", "padding",
								    NULL }; *k; k++)
			if (json_object_get(jl, *k))
				return csa_error(EINVAL, "%s: \"%s\" is for conv2d layers only",
						 where, *k);
	ret = get_uint(jl, "K", 255, true, &l->k, where);
	if (!ret)
		ret = get_uint(jl, "maxpool", 15, false, &l->pool, where);
	if (!ret)
		ret = get_real(jl, "act_max", true, &l->act_max, where);
	if (!ret)
		ret = get_real(jl, "in_density", false, &l->in_density, where);
	if (ret)
		return ret;
	if (l->k == 0)
		return csa_error(EINVAL, "%s: K must be at least 1", where);
	if (l->pool == 1)
		l->pool = 0;
	if (l->in_density < 0 || l->in_density > 1)
		return csa_error(EINVAL, "%s: in_density %g outside [0, 1]", where, l->in_density);

	if (l->type == CSA_MODEL_LAYER_CONV2D) {
		wshape[0] = l->out_c, wshape[1] = l->in_c, wshape[2] = wshape[3] = l->kernel;
		ret = tensor(st, jl, "weight", true, wshape, 4, &l->weight, where);
	} else {
		wshape[0] = l->out_c, wshape[1] = l->in_c * l->in_h * l->in_w;
		ret = tensor(st, jl, "weight", true, wshape, 2, &l->weight, where);
	}
	vshape[0] = l->out_c;
	if (!ret)
		ret = tensor(st, jl, "bias", false, vshape, 1, &l->bias, where);
	if (ret)
		return ret;

	bn = json_object_get(jl, "batchnorm");
	if (bn && !json_is_null(bn)) {
		json_t *affine = json_object_get(bn, "affine");
		char bn_where[80];

		if (!json_is_object(bn))
			return csa_error(EINVAL, "%s: \"batchnorm\" must be an object", where);
		snprintf(bn_where, sizeof(bn_where), "%s: batchnorm", where);
		ret = csa_json_check_keys(bn, bn_keys, bn_where);
		if (ret)
			return ret;
		if (affine && !json_is_boolean(affine))
			return csa_error(EINVAL, "%s: \"affine\" must be true or false", bn_where);
		if (json_is_true(affine)) {
			/* gamma and beta, as PyTorch's BatchNorm weight and bias */
			ret = tensor(st, bn, "weight", true, vshape, 1, &l->bn_weight, bn_where);
			if (!ret)
				ret = tensor(st, bn, "bias", true, vshape, 1, &l->bn_bias, bn_where);
			if (ret)
				return ret;
		} else if (json_object_get(bn, "weight") || json_object_get(bn, "bias")) {
			return csa_error(EINVAL, "%s: \"weight\"/\"bias\" (gamma, beta) given but "
					 "\"affine\" is not true", bn_where);
		}
		ret = tensor(st, bn, "mean", true, vshape, 1, &l->bn_mean, where);
		if (!ret)
			ret = tensor(st, bn, "var", true, vshape, 1, &l->bn_var, where);
		if (!ret)
			ret = get_real(bn, "eps", true, &l->bn_eps, where);
		if (ret)
			return ret;
		if (l->bn_eps < 0)
			return csa_error(EINVAL, "%s: batch-norm eps %g is negative", where, l->bn_eps);
		for (uint32_t c = 0; c < l->out_c; c++)
			if (l->bn_var[c] + l->bn_eps <= 0)
				return csa_error(EINVAL, "%s: batch-norm variance + eps of channel %u "
						 "is not positive", where, c);
	}

	kw = json_object_get(jl, "kwta");
	if (kw && !json_is_null(kw)) {
		json_t *scope = json_object_get(kw, "scope");
		uint64_t numel = (uint64_t)l->out_c * l->out_h * l->out_w;

		char kw_where[80];

		if (!json_is_object(kw))
			return csa_error(EINVAL, "%s: \"kwta\" must be an object", where);
		snprintf(kw_where, sizeof(kw_where), "%s: kwta", where);
		ret = csa_json_check_keys(kw, kwta_keys, kw_where);
		if (ret)
			return ret;
		ret = get_uint(kw, "k", UINT32_MAX, true, &l->kwta_k, where);
		if (ret)
			return ret;
		if (scope && (!json_is_string(scope) ||
			      (strcmp(json_string_value(scope), "global") &&
			       strcmp(json_string_value(scope), "local"))))
			return csa_error(EINVAL, "%s: k-WTA scope must be \"global\" or \"local\"", where);
		l->kwta_local = scope && !strcmp(json_string_value(scope), "local");
		if (l->kwta_k < 1 || l->kwta_k > (l->kwta_local ? l->out_c : numel))
			return csa_error(EINVAL, "%s: k-WTA k = %u outside 1..%llu", where, l->kwta_k,
					 l->kwta_local ? (unsigned long long)l->out_c :
					 (unsigned long long)numel);
		ret = tensor(st, kw, "boost", false, vshape, 1, &l->boost, where);
		if (ret)
			return ret;
		for (uint32_t c = 0; l->boost && c < l->out_c; c++)
			if (l->boost[c] < 0)
				return csa_error(EINVAL, "%s: boost factor of unit %u is negative", where, c);
	}
	if (l->pool && (l->out_h < l->pool || l->out_w < l->pool))
		return csa_error(EINVAL, "%s: maxpool %u larger than the output", where, l->pool);
	f = l->act_max;
	if (!(f > 0))
		return csa_error(EINVAL, "%s: act_max %g must be positive (the calibrated "
				 "largest output)", where, f);
	return 0;
}

/* The shape a layer hands to the next one (after pooling). */
static void layer_output(const struct csa_fmodel_layer *l, uint32_t s[3])
{
	s[0] = l->out_c;
	s[1] = l->pool ? l->out_h / l->pool : l->out_h;
	s[2] = l->pool ? l->out_w / l->pool : l->out_w;
}

static int check_chain(const struct csa_fmodel *m)
{
	uint32_t s[3] = { m->in_c, m->in_h, m->in_w };

	for (uint32_t i = 0; i < m->num_layers; i++) {
		const struct csa_fmodel_layer *l = &m->layers[i];
		bool same = l->type == CSA_MODEL_LAYER_CONV2D ?
			(l->in_c == s[0] && l->in_h == s[1] && l->in_w == s[2]) :
			((uint64_t)l->in_c * l->in_h * l->in_w == (uint64_t)s[0] * s[1] * s[2]);

		if (!same)
			return csa_error(EINVAL, "layer %u (%s): input %ux%ux%u does not match the "
					 "previous output %ux%ux%u", i, l->name, l->in_c, l->in_h,
					 l->in_w, s[0], s[1], s[2]);
		layer_output(l, s);
	}
	return 0;
}

int csa_fmodel_load(const char *json_path, struct csa_fmodel **modelp)
{
	struct csa_safetensors st = { 0 };
	struct csa_fmodel *m;
	json_error_t jerr;
	json_t *root, *jin, *layers, *jname, *jtensors;
	uint32_t shape[3];
	char *dir_copy = NULL, path[4096];
	int ret;

	*modelp = NULL;
	root = json_load_file(json_path, 0, &jerr);
	if (!root)
		return csa_error(EINVAL, "%s:%d: %s", json_path, jerr.line, jerr.text);
	m = calloc(1, sizeof(*m));
	if (!m) {
		json_decref(root);
		return csa_error(ENOMEM, "out of memory");
	}
	if (!json_is_object(root) ||
	    !json_is_string(json_object_get(root, "format")) ||
	    strcmp(json_string_value(json_object_get(root, "format")), "csa-model-export")) {
		ret = csa_error(EINVAL, "%s: not a CSA model export (\"format\" must be "
				"\"csa-model-export\")", json_path);
		goto out;
	}
	ret = csa_json_check_keys(root, root_keys, json_path);
	if (ret)
		goto out;
	if (json_integer_value(json_object_get(root, "version")) != 1) {
		ret = csa_error(EINVAL, "%s: export version must be 1", json_path);
		goto out;
	}
	jname = json_object_get(root, "network");
	snprintf(m->name, sizeof(m->name), "%s", json_is_string(jname) ?
		 json_string_value(jname) : "model");
	jname = json_object_get(root, "variant");
	snprintf(m->variant, sizeof(m->variant), "%s", json_is_string(jname) ?
		 json_string_value(jname) : "");
	jin = json_object_get(root, "input");
	if (!json_is_object(jin)) {
		ret = csa_error(EINVAL, "%s: missing \"input\"", json_path);
		goto out;
	}
	ret = csa_json_check_keys(jin, input_keys, "input");
	if (!ret)
		ret = get_shape(jin, "shape", shape, "input");
	if (!ret)
		ret = get_real(jin, "scale", true, &m->input_scale, "input");
	if (ret)
		goto out;
	m->in_c = shape[0], m->in_h = shape[1], m->in_w = shape[2];
	if (!(m->input_scale > 0)) {
		ret = csa_error(EINVAL, "%s: input scale must be positive", json_path);
		goto out;
	}
	{
		json_t *zp = json_object_get(jin, "zero_point");

		if (zp && (!json_is_integer(zp) || json_integer_value(zp) < -128 ||
			   json_integer_value(zp) > 127)) {
			ret = csa_error(EINVAL, "%s: input zero_point must be in -128..127", json_path);
			goto out;
		}
		m->input_zero_point = zp ? (int32_t)json_integer_value(zp) : 0;
	}
	layers = json_object_get(root, "layers");
	if (!json_is_array(layers) || json_array_size(layers) < 1 ||
	    json_array_size(layers) > CSA_MODEL_MAX_LAYERS) {
		ret = csa_error(EINVAL, "%s: \"layers\" must be an array of 1..%d layers",
				json_path, CSA_MODEL_MAX_LAYERS);
		goto out;
	}
	jtensors = json_object_get(root, "tensors");
	if (!json_is_string(jtensors)) {
		ret = csa_error(EINVAL, "%s: \"tensors\" must name the tensor file", json_path);
		goto out;
	}
	dir_copy = strdup(json_path);
	if (!dir_copy) {
		ret = csa_error(ENOMEM, "out of memory");
		goto out;
	}
	if (json_string_value(jtensors)[0] == '/')
		snprintf(path, sizeof(path), "%s", json_string_value(jtensors));
	else
		snprintf(path, sizeof(path), "%s/%s", dirname(dir_copy),
			 json_string_value(jtensors));
	ret = csa_st_open(path, &st);
	if (ret)
		goto out;
	m->num_layers = (uint32_t)json_array_size(layers);
	m->layers = calloc(m->num_layers, sizeof(*m->layers));
	if (!m->layers) {
		ret = csa_error(ENOMEM, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < m->num_layers; i++) {
		ret = load_layer(json_array_get(layers, i), &st, &m->layers[i], i);
		if (ret)
			goto out;
	}
	ret = check_chain(m);
out:
	csa_st_close(&st);
	free(dir_copy);
	json_decref(root);
	if (ret) {
		csa_fmodel_free(m);
		return ret;
	}
	*modelp = m;
	return 0;
}

void csa_fmodel_layer_release(struct csa_fmodel_layer *l)
{
	free(l->weight);
	free(l->bias);
	free(l->bn_mean);
	free(l->bn_var);
	free(l->bn_weight);
	free(l->bn_bias);
	free(l->boost);
	l->weight = l->bias = l->bn_mean = l->bn_var = NULL;
	l->bn_weight = l->bn_bias = l->boost = NULL;
}

static float *dup_floats(const float *src, size_t n, bool *failed)
{
	float *d;

	if (!src)
		return NULL;
	d = malloc(n * sizeof(float));
	if (d)
		memcpy(d, src, n * sizeof(float));
	else
		*failed = true;
	return d;
}

int csa_fmodel_layer_copy(struct csa_fmodel_layer *dst, const struct csa_fmodel_layer *src)
{
	size_t u = src->out_c;
	bool failed = false;

	*dst = *src;
	dst->weight = dup_floats(src->weight, u * csa_fmodel_layer_cols(src), &failed);
	dst->bias = dup_floats(src->bias, u, &failed);
	dst->bn_mean = dup_floats(src->bn_mean, u, &failed);
	dst->bn_var = dup_floats(src->bn_var, u, &failed);
	dst->bn_weight = dup_floats(src->bn_weight, u, &failed);
	dst->bn_bias = dup_floats(src->bn_bias, u, &failed);
	dst->boost = dup_floats(src->boost, u, &failed);
	if (failed) {
		csa_fmodel_layer_release(dst);
		return csa_error(ENOMEM, "layer %s: out of memory", src->name);
	}
	return 0;
}

void csa_fmodel_free(struct csa_fmodel *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; m->layers && i < m->num_layers; i++)
		csa_fmodel_layer_release(&m->layers[i]);
	free(m->layers);
	free(m);
}
