/* SPDX-License-Identifier: MIT */
/*
 * An integer forward pass of a parsed .csa model, written independently of
 * the card's datapath (firmware/csa_dp*.c): plain loops over the unpacked
 * int8 weights, csa_requant_apply(), a sorting k-WTA (ties to the lower
 * index), max-pool.  Used by the packer tests as the int8 reference.
 */
#ifndef PACK_INT8_REF_H
#define PACK_INT8_REF_H

#include <stdlib.h>
#include <string.h>

#include "csa/pack.h"

struct qlayer {
	const struct csa_model_layer *e;
	int8_t *w;
	const uint8_t *requant;
	const uint8_t *boost;
	uint32_t cols;
};

static void load_qlayer(const struct csa_model_view *v, uint32_t i, struct qlayer *q)
{
	const struct csa_layer_hdr *h = csa_model_layer_blob(v, i);

	q->e = &v->layers[i];
	q->cols = h->cols;
	q->w = malloc((size_t)h->units * h->cols);
	csa_unpack_layer(h, h->total_size, q->w);
	q->requant = (const uint8_t *)h + h->requant_off;
	q->boost = h->boost_off ? (const uint8_t *)h + h->boost_off : NULL;
}

static int8_t requant(const struct qlayer *q, uint32_t unit, int32_t acc)
{
	struct csa_requant rq;

	memcpy(&rq, q->requant + (size_t)unit * CSA_REQUANT_SIZE, sizeof(rq));
	return csa_requant_apply(acc, &rq);
}

static void layer_op(const struct qlayer *q, const int8_t *in, int8_t *out)
{
	const struct csa_model_layer *e = q->e;

	for (uint32_t o = 0; o < e->out_c; o++)
		for (uint32_t y = 0; y < e->out_h; y++)
			for (uint32_t x = 0; x < e->out_w; x++) {
				const int8_t *w = q->w + (size_t)o * q->cols;
				int32_t acc = 0;

				if (e->type == CSA_MODEL_LAYER_LINEAR) {
					for (uint32_t i = 0; i < q->cols; i++)
						acc += w[i] * in[i];
				} else {
					for (uint32_t c = 0; c < e->in_c; c++)
						for (uint32_t ky = 0; ky < e->kernel_h; ky++)
							for (uint32_t kx = 0; kx < e->kernel_w; kx++)
								acc += w[(c * e->kernel_h + ky) * e->kernel_w + kx] *
									in[(c * e->in_h + y + ky) * e->in_w + x + kx];
				}
				out[(o * e->out_h + y) * e->out_w + x] = requant(q, o, acc);
			}
}

struct scored {
	int32_t score;
	uint32_t index;
};

/* Higher score first; equal scores: lower index first. */
static int by_score(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->index < y->index ? -1 : 1;
}

/* Global k-WTA: top k of value * boost[channel]; ties to the lower index. */
static void kwta(const struct qlayer *q, int8_t *t)
{
	const struct csa_model_layer *e = q->e;
	uint32_t per = e->out_h * e->out_w, n = e->out_c * per;
	struct scored *s = malloc(n * sizeof(*s));
	uint8_t *keep = calloc(n, 1);

	for (uint32_t i = 0; i < n; i++) {
		uint32_t c = i / per;
		uint32_t b = q->boost ? (uint32_t)(q->boost[2 * c] | q->boost[2 * c + 1] << 8) :
			CSA_BOOST_ONE;

		s[i].score = t[i] * (int32_t)b;
		s[i].index = i;
	}
	qsort(s, n, sizeof(*s), by_score);
	for (uint32_t w = 0; w < e->kwta_k; w++)
		keep[s[w].index] = 1;
	for (uint32_t i = 0; i < n; i++)
		if (!keep[i])
			t[i] = 0;
	free(s);
	free(keep);
}

static void maxpool(const struct qlayer *q, const int8_t *in, int8_t *out)
{
	const struct csa_model_layer *e = q->e;
	uint32_t p = e->pool, oh = e->out_h / p, ow = e->out_w / p;

	for (uint32_t c = 0; c < e->out_c; c++)
		for (uint32_t y = 0; y < oh; y++)
			for (uint32_t x = 0; x < ow; x++) {
				int8_t m = -128;

				for (uint32_t dy = 0; dy < p; dy++)
					for (uint32_t dx = 0; dx < p; dx++) {
						int8_t v = in[(c * e->out_h + y * p + dy) * e->out_w + x * p + dx];

						if (v > m)
							m = v;
					}
				out[(c * oh + y) * ow + x] = m;
			}
}

/*
 * Run the model on one int8 input (in_c*in_h*in_w bytes); the output
 * (out_c*out_h*out_w bytes) is left in a.  a and b hold max_activation
 * bytes each.
 */
static void int8_forward(const struct qlayer *q, uint32_t n, const int8_t *input,
			 size_t in_len, int8_t *a, int8_t *b)
{
	memcpy(a, input, in_len);
	for (uint32_t i = 0; i < n; i++) {
		layer_op(&q[i], a, b);
		if (q[i].e->kwta_k)
			kwta(&q[i], b);
		if (q[i].e->pool)
			maxpool(&q[i], b, a);
		else
			memcpy(a, b, (size_t)q[i].e->out_c * q[i].e->out_h * q[i].e->out_w);
	}
}

#endif /* PACK_INT8_REF_H */
