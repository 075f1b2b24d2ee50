// SPDX-License-Identifier: MIT
/*
 * Batch-norm folding.  BN without affine parameters computes
 * (y - mean) / sqrt(var + eps) per output unit; with a = 1 / sqrt(var + eps)
 * it is the same as weights w * a and bias (b - mean) * a.
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
		a = 1.0 / sqrt(denom);
		for (uint32_t i = 0; i < cols; i++)
			l->weight[(size_t)c * cols + i] = (float)(l->weight[(size_t)c * cols + i] * a);
		l->bias[c] = (float)(((double)l->bias[c] - l->bn_mean[c]) * a);
	}
	free(l->bn_mean);
	free(l->bn_var);
	l->bn_mean = l->bn_var = NULL;
	return 0;
}
