// SPDX-License-Identifier: MIT
/*
 * Quantisation: per-unit symmetric int8 weights, the requantisation
 * multiplier/shift and bias of csa_format.h, Q8.8 boost factors, and the
 * card's requantisation itself (the firmware datapath's, for tests and the
 * CPU reference).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "csa_dp.h"
#include "internal.h"
#include "pack_internal.h"

int csa_quantise_rows(const float *w, uint32_t rows, uint32_t cols, int8_t *q, float *scales)
{
	for (uint32_t r = 0; r < rows; r++) {
		const float *row = w + (size_t)r * cols;
		float max = 0, scale;

		for (uint32_t i = 0; i < cols; i++) {
			if (!isfinite(row[i]))
				return csa_error(EINVAL, "weight (%u, %u) is not finite", r, i);
			if (fabsf(row[i]) > max)
				max = fabsf(row[i]);
		}
		scale = max / 127.0f;
		/* a max so small that max / 127 underflows is a zero row too */
		if (!(scale > 0) || !isfinite(127.0f / max))
			scale = 0;
		scales[r] = scale;
		for (uint32_t i = 0; i < cols; i++) {
			long v = scale > 0 ? lrintf(row[i] / scale) : 0;

			q[(size_t)r * cols + i] = (int8_t)(v > 127 ? 127 : v < -127 ? -127 : v);
		}
	}
	return 0;
}

int csa_requant_multiplier(double real, int32_t *multiplier, uint8_t *shift)
{
	int s;

	if (!isfinite(real) || real < 0)
		return csa_error(EINVAL, "requantisation scale %g is not a finite non-negative number",
				 real);
	/* the largest shift whose multiplier still fits below 2^31 */
	for (s = CSA_REQUANT_MAX_SHIFT; s > 0; s--)
		if (real * ldexp(1.0, s) < 2147483647.5)
			break;
	if (real * ldexp(1.0, s) >= 2147483647.5) {
		*multiplier = INT32_MAX;
		*shift = 0;
		return 1;
	}
	*multiplier = (int32_t)llround(real * ldexp(1.0, s));
	*shift = (uint8_t)s;
	return 0;
}

int32_t csa_quantise_bias(double real, bool *saturated)
{
	double r = nearbyint(real);

	*saturated = false;
	if (isnan(r)) {
		*saturated = true;
		return 0;
	}
	if (r > INT32_MAX) {
		*saturated = true;
		return INT32_MAX;
	}
	if (r < INT32_MIN) {
		*saturated = true;
		return INT32_MIN;
	}
	return (int32_t)r;
}

uint16_t csa_boost_q88(float boost)
{
	double v = nearbyint((double)boost * CSA_BOOST_ONE);

	if (!(v > 0))
		return 0;
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

int8_t csa_requant_apply(int32_t acc, const struct csa_requant *rq)
{
	/* the card's own arithmetic (firmware/csa_dp_requant.c), so the two agree bit for bit */
	const struct csa_dp_rq d = { rq->bias, rq->multiplier, rq->shift };

	return csa_dp_requant(acc, &d);
}
