// SPDX-License-Identifier: MIT
/*
 * Host-side conversions of a model's inputs and outputs (the .csa header's
 * quantisation: real = scale * (q - zero_point)); the card's arithmetic is
 * integer only.
 */
#include <errno.h>
#include <math.h>

#include "internal.h"
#include "model_internal.h"

CSA_EXPORT int csa_model_quantise_input(const struct csa_model *m, const float *x,
					size_t n, int8_t *q)
{
	const struct csa_model_hdr *h;
	int saturated = 0;

	if (!m || (n && (!x || !q)))
		return csa_error(EINVAL, "csa_model_quantise_input: NULL argument");
	h = m->view.hdr;
	for (size_t i = 0; i < n; i++) {
		double v;

		if (!isfinite(x[i]))
			return csa_error(EINVAL, "input value %zu is not finite", i);
		v = nearbyint((double)x[i] / h->input_scale) + h->input_zero_point;
		if (v < -128 || v > 127) {
			saturated++;
			v = v < -128 ? -128 : 127;
		}
		q[i] = (int8_t)v;
	}
	return saturated;
}

CSA_EXPORT void csa_model_dequantise_output(const struct csa_model *m, const int8_t *q,
					    size_t n, float *y)
{
	const struct csa_model_hdr *h = m->view.hdr;

	for (size_t i = 0; i < n; i++)
		y[i] = h->output_scale * (float)(q[i] - h->output_zero_point);
}

CSA_EXPORT uint32_t csa_argmax_i8(const int8_t *v, size_t n)
{
	uint32_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (v[i] > v[best])
			best = (uint32_t)i;
	return best;
}
