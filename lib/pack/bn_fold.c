// SPDX-License-Identifier: MIT
/*
 * Batch-norm folding.  BN computes gamma (y - mean) / sqrt(var + eps) + beta
 * per output unit (gamma 1, beta 0 without affine parameters); with
 * a = gamma / sqrt(var + eps) that is weights w * a and bias
 * (b - mean) * a + beta.  A negative gamma flips the unit's sign, which the
 * per-unit symmetric weight scale absorbs; the packer keeps the mask of
 * the unfolded weights, so gamma = 0 does not change the grouping.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "pack_internal.h"

int csa_fold_batchnorm(struct csa_fmodel_layer *l)
{
	uint32_t cols = csa_fmodel_layer_cols(l);

	if (!l->bn_mean || !l->bn_var)
		return 0;
	if (!l->bn_weight != !l->bn_bias)
		return csa_error(EINVAL, "affine batch-norm needs both weight (gamma) and bias (beta)");
	if (!l->bias) {
		l->bias = calloc(l->out_c, sizeof(float));
		if (!l->bias)
			return csa_error(ENOMEM, "out of memory");
	}
	for (uint32_t c = 0; c < l->out_c; c++) {
		double denom = (double)l->bn_var[c] + l->bn_eps;
		double a;

		if (!(denom > 0))
			return csa_error(EINVAL, "batch-norm variance + eps of unit %u "
					 "is not positive", c);
		a = (l->bn_weight ? (double)l->bn_weight[c] : 1.0) / sqrt(denom);
		for (uint32_t i = 0; i < cols; i++)
			l->weight[(size_t)c * cols + i] = (float)(l->weight[(size_t)c * cols + i] * a);
		l->bias[c] = (float)(((double)l->bias[c] - l->bn_mean[c]) * a +
				     (l->bn_bias ? l->bn_bias[c] : 0.0));
	}
	free(l->bn_mean);
	free(l->bn_var);
	free(l->bn_weight);
	free(l->bn_bias);
	l->bn_mean = l->bn_var = l->bn_weight = l->bn_bias = NULL;
	return 0;
}
