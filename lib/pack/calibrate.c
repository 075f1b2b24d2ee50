// SPDX-License-Identifier: MIT
/*
 * Calibration of activation scales from the user's inputs: run the float
 * model (batch-norm folded, k-WTA with its boost, max-pool) over them and
 * set each layer's act_max as the export does (tools/model/export.py): the
 * largest output before k-WTA for a layer with k-WTA (the winners are the
 * largest values, the losers become 0), the largest magnitude otherwise.
 * Each layer's in_density (fraction of non-zero inputs) is measured on the
 * way.  The inputs are first quantised with the model's input scale, as
 * the card will see them.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pack_internal.h"

static void conv(const struct csa_fmodel_layer *l, const float *in, float *out)
{
	uint32_t k = l->kernel, cols = csa_fmodel_layer_cols(l);

	for (uint32_t o = 0; o < l->out_c; o++) {
		float *op = out + (size_t)o * l->out_h * l->out_w;

		for (uint32_t i = 0; i < l->out_h * l->out_w; i++)
			op[i] = l->bias ? l->bias[o] : 0;
		for (uint32_t col = 0; col < cols; col++) {
			float w = l->weight[(size_t)o * cols + col];
			uint32_t ci = col / (k * k), ky = col / k % k, kx = col % k;
			const float *ip = in + (size_t)ci * l->in_h * l->in_w;

			if (w == 0)	/* the masks: most weights of a sparse layer */
				continue;
			for (uint32_t y = 0; y < l->out_h; y++) {
				long iy = (long)(y * l->stride + ky) - (long)l->pad;

				if (iy < 0 || iy >= (long)l->in_h)
					continue;
				for (uint32_t x = 0; x < l->out_w; x++) {
					long ix = (long)(x * l->stride + kx) - (long)l->pad;

					if (ix >= 0 && ix < (long)l->in_w)
						op[y * l->out_w + x] += w * ip[(size_t)iy * l->in_w + ix];
				}
			}
		}
	}
}

static void linear(const struct csa_fmodel_layer *l, const float *in, float *out)
{
	uint32_t cols = csa_fmodel_layer_cols(l);

	for (uint32_t o = 0; o < l->out_c; o++) {
		const float *w = l->weight + (size_t)o * cols;
		float acc = l->bias ? l->bias[o] : 0;

		for (uint32_t i = 0; i < cols; i++)
			if (in[i] != 0)	/* k-WTA outputs: mostly zeros */
				acc += w[i] * in[i];
		out[o] = acc;
	}
}

static int desc(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Keep the @k largest boosted values of the @n values x[i * stride] and
 * zero the others; value i belongs to boost unit i / @plane (global: CHW
 * values, plane H*W; local: one position's channels, plane 1).  Ties at
 * the threshold go to the lowest index.
 */
static void winners(float *x, size_t n, size_t stride, uint32_t k, const float *boost,
		    size_t plane, float *scratch)
{
	float t;
	uint32_t at_t = 0, ties = 0;

	for (size_t i = 0; i < n; i++)
		scratch[i] = x[i * stride] * (boost ? boost[i / plane] : 1.0f);
	qsort(scratch, n, sizeof(float), desc);
	t = scratch[k - 1];
	for (uint32_t i = 0; i < k; i++)
		ties += scratch[i] == t;
	for (size_t i = 0; i < n; i++) {
		float b = x[i * stride] * (boost ? boost[i / plane] : 1.0f);

		if (b > t || (b == t && at_t++ < ties))
			continue;
		x[i * stride] = 0;
	}
}

static void kwta(const struct csa_fmodel_layer *l, float *x, float *scratch)
{
	size_t plane = (size_t)l->out_h * l->out_w;

	if (!l->kwta_local) {
		winners(x, (size_t)l->out_c * plane, 1, l->kwta_k, l->boost, plane, scratch);
		return;
	}
	for (size_t p = 0; p < plane; p++)	/* per position, across channels */
		winners(x + p, l->out_c, plane, l->kwta_k, l->boost, 1, scratch);
}

/* Max-pool window = stride = pool, in place (the output is smaller). */
static void maxpool(const struct csa_fmodel_layer *l, float *x)
{
	uint32_t p = l->pool, oh = l->out_h / p, ow = l->out_w / p;

	for (uint32_t c = 0; c < l->out_c; c++)
		for (uint32_t y = 0; y < oh; y++)
			for (uint32_t xx = 0; xx < ow; xx++) {
				float m = -INFINITY;

				for (uint32_t dy = 0; dy < p; dy++)
					for (uint32_t dx = 0; dx < p; dx++) {
						float v = x[((size_t)c * l->out_h + y * p + dy) * l->out_w +
							    xx * p + dx];

						m = v > m ? v : m;
					}
				x[((size_t)c * oh + y) * ow + xx] = m;
			}
}

static void layers_free(struct csa_fmodel_layer *f, uint32_t n)
{
	for (uint32_t i = 0; f && i < n; i++)
		csa_fmodel_layer_release(&f[i]);
	free(f);
}

/* The model's layers with batch-norm folded (copies). */
static int folded_copy(const struct csa_fmodel *m, struct csa_fmodel_layer **out)
{
	struct csa_fmodel_layer *f = calloc(m->num_layers, sizeof(*f));
	int ret = 0;

	if (!f)
		return csa_error(ENOMEM, "out of memory");
	for (uint32_t i = 0; i < m->num_layers && !ret; i++) {
		ret = csa_fmodel_layer_copy(&f[i], &m->layers[i]);
		if (!ret)
			ret = csa_fold_batchnorm(&f[i]);
		if (ret)
			ret = csa_error_prefix(ret, "layer %u (%s)", i, m->layers[i].name);
	}
	if (ret) {
		layers_free(f, m->num_layers);
		return ret;
	}
	*out = f;
	return 0;
}

int csa_fmodel_calibrate(struct csa_fmodel *m, const float *inputs, uint32_t count)
{
	size_t in_numel = (size_t)m->in_c * m->in_h * m->in_w, cap = in_numel;
	struct csa_fmodel_layer *f = NULL;
	float *a = NULL, *b = NULL, *scratch = NULL, *act = NULL;
	double *nonzero = NULL;
	int ret;

	if (!count)
		return csa_error(EINVAL, "no calibration inputs");
	if (!(m->input_scale > 0))
		return csa_error(EINVAL, "input scale %g is not positive", m->input_scale);
	for (uint32_t i = 0; i < m->num_layers; i++)
		if ((size_t)m->layers[i].out_c * m->layers[i].out_h * m->layers[i].out_w > cap)
			cap = (size_t)m->layers[i].out_c * m->layers[i].out_h * m->layers[i].out_w;
	ret = folded_copy(m, &f);
	if (ret)
		return ret;
	a = malloc(cap * sizeof(float));
	b = malloc(cap * sizeof(float));
	scratch = malloc(cap * sizeof(float));
	act = calloc(m->num_layers, sizeof(float));
	nonzero = calloc(m->num_layers, sizeof(double));
	if (!a || !b || !scratch || !act || !nonzero) {
		ret = csa_error(ENOMEM, "out of memory for calibration");
		goto out;
	}
	for (uint32_t n = 0; n < count; n++) {
		size_t numel = in_numel;

		/* what the card sees: int8 at the input scale */
		for (size_t i = 0; i < in_numel; i++) {
			float q = nearbyintf(inputs[n * in_numel + i] / m->input_scale);

			a[i] = (q > 127 ? 127 : q < -128 ? -128 : q) * m->input_scale;
		}
		for (uint32_t li = 0; li < m->num_layers; li++) {
			const struct csa_fmodel_layer *l = &f[li];
			size_t out = (size_t)l->out_c * l->out_h * l->out_w;
			float *t;

			for (size_t i = 0; i < numel; i++)
				nonzero[li] += a[i] != 0;
			if (l->type == CSA_MODEL_LAYER_CONV2D)
				conv(l, a, b);
			else
				linear(l, a, b);
			for (size_t i = 0; i < out; i++) {
				float v = l->kwta_k ? b[i] : fabsf(b[i]);

				act[li] = v > act[li] ? v : act[li];
			}
			if (l->kwta_k)
				kwta(l, b, scratch);
			if (l->pool)
				maxpool(l, b);
			numel = l->pool ? (size_t)l->out_c * (l->out_h / l->pool) * (l->out_w / l->pool) :
				out;
			t = a, a = b, b = t;
		}
	}
	for (uint32_t li = 0; li < m->num_layers; li++) {
		struct csa_fmodel_layer *l = &m->layers[li];
		size_t in = li ? 0 : in_numel;

		if (!(act[li] > 0) || !isfinite(act[li])) {
			ret = csa_error(EINVAL, "layer %u (%s): largest output %g over %u calibration "
					"inputs is not positive", li, l->name, act[li], count);
			goto out;
		}
		if (li) {
			const struct csa_fmodel_layer *p = &m->layers[li - 1];

			in = p->pool ? (size_t)p->out_c * (p->out_h / p->pool) * (p->out_w / p->pool) :
				(size_t)p->out_c * p->out_h * p->out_w;
		}
		l->act_max = act[li];
		l->in_density = (float)(nonzero[li] / ((double)in * count));
	}
out:
	layers_free(f, m->num_layers);
	free(a);
	free(b);
	free(scratch);
	free(act);
	free(nonzero);
	return ret;
}
