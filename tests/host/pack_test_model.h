/* SPDX-License-Identifier: MIT */
/*
 * A tiny float model for the packer tests, built in memory:
 *   conv3x3 1->4 (K = 2, complementary) + BN + k-WTA 6 (boost) + maxpool 2
 *   linear 36->6 (K = 3, complementary) + k-WTA 2
 *   linear 6->3 dense
 * on a 1x8x8 input.  Deterministic (fixed LCG).
 */
#ifndef PACK_TEST_MODEL_H
#define PACK_TEST_MODEL_H

#include <stdlib.h>
#include <string.h>

#include "csa/pack.h"

static uint32_t tm_rng = 12345;

static float tm_uniform(void)
{
	tm_rng = tm_rng * 1664525u + 1013904223u;
	return (float)(tm_rng >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
}

static float *tm_floats(size_t n, float lo, float hi)
{
	float *f = malloc(n * sizeof(float));

	for (size_t i = 0; i < n; i++)
		f[i] = lo + (tm_uniform() + 1.0f) / 2.0f * (hi - lo);
	return f;
}

/* Weights units x cols with complementary masks of pack factor k. */
static float *tm_weights(uint32_t units, uint32_t cols, uint32_t k)
{
	float *w = tm_floats((size_t)units * cols, -1, 1);

	for (uint32_t u = 0; u < units; u++)
		for (uint32_t c = 0; c < cols; c++)
			if ((c + u / k) % k != u % k)	/* rotating slots per group */
				w[(size_t)u * cols + c] = 0;
	return w;
}

static struct csa_fmodel *tm_model(void)
{
	struct csa_fmodel *m = calloc(1, sizeof(*m));
	struct csa_fmodel_layer *l;

	tm_rng = 12345;
	snprintf(m->name, sizeof(m->name), "tiny");
	m->in_c = 1, m->in_h = 8, m->in_w = 8;
	m->input_scale = 1.0f / 127;
	m->num_layers = 3;
	m->layers = calloc(3, sizeof(*m->layers));
	l = &m->layers[0];
	snprintf(l->name, sizeof(l->name), "conv");
	l->type = CSA_MODEL_LAYER_CONV2D;
	l->in_c = 1, l->in_h = 8, l->in_w = 8, l->out_c = 4, l->out_h = 6, l->out_w = 6;
	l->kernel = 3, l->stride = 1, l->pool = 2, l->k = 2;
	l->weight = tm_weights(4, 9, 2);
	l->bias = tm_floats(4, -0.1f, 0.1f);
	l->bn_mean = tm_floats(4, -0.2f, 0.2f);
	l->bn_var = tm_floats(4, 0.5f, 2.0f);
	l->bn_eps = 1e-5f;
	l->kwta_k = 6;
	l->boost = tm_floats(4, 0.8f, 1.2f);
	l->act_max = 3.0f;
	l = &m->layers[1];
	snprintf(l->name, sizeof(l->name), "fc1");
	l->type = CSA_MODEL_LAYER_LINEAR;
	l->in_c = 36, l->in_h = 1, l->in_w = 1, l->out_c = 6, l->out_h = 1, l->out_w = 1;
	l->k = 3;
	l->weight = tm_weights(6, 36, 3);
	l->bias = tm_floats(6, -0.1f, 0.1f);
	l->kwta_k = 2;
	l->act_max = 2.0f;
	l->in_density = 0.25f;
	l = &m->layers[2];
	snprintf(l->name, sizeof(l->name), "fc2");
	l->type = CSA_MODEL_LAYER_LINEAR;
	l->in_c = 6, l->in_h = 1, l->in_w = 1, l->out_c = 3, l->out_h = 1, l->out_w = 1;
	l->k = 1;
	l->weight = tm_floats(18, -1, 1);
	l->bias = tm_floats(3, -0.1f, 0.1f);
	l->act_max = 4.0f;
	return m;
}

#endif /* PACK_TEST_MODEL_H */
