// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Requantisation of int32 accumulators to int8 (docs/formats.md):
 *
 *   s = sat32(acc + bias)
 *   p = s * multiplier                       exact, |p| <= 2^62
 *   r = floor((p + 2^(shift-1)) / 2^shift)   shift > 0 (round half up)
 *   r = p                                    shift = 0
 *   y = clamp(r, -128, 127)
 *
 * Only integer arithmetic whose result C defines: no signed overflow, no
 * right shift of a negative number (floor division is done on the biased
 * unsigned value).
 */
#include "csa_dp.h"

int32_t csa_dp_add_bias(int32_t acc, int32_t bias)
{
	int64_t s = (int64_t)acc + bias;

	if (s > INT32_MAX)
		return INT32_MAX;
	if (s < INT32_MIN)
		return INT32_MIN;
	return (int32_t)s;
}

int8_t csa_dp_requant(int32_t acc, const struct csa_dp_rq *rq)
{
	int64_t p = (int64_t)csa_dp_add_bias(acc, rq->bias) * rq->mult;
	int64_t r;

	if (rq->shift) {
		/*
		 * p + 2^62 + 2^(shift-1) is in [0, 2^63 + 2^30]: compute it
		 * modulo 2^64 (exact), shift it as an unsigned number, then
		 * take the 2^62 back out exactly.
		 */
		uint64_t u = (uint64_t)p + (1ull << 62) +
			     (1ull << (rq->shift - 1));

		r = (int64_t)(u >> rq->shift) -
		    ((int64_t)1 << (62 - rq->shift));
	} else {
		r = p;
	}
	if (r > 127)
		return 127;
	if (r < -128)
		return -128;
	return (int8_t)r;
}
