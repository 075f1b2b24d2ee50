// SPDX-License-Identifier: MIT
/* IEEE 754 binary16 to binary32 (the F16 tensors of the export). */
#include <math.h>

#include "pack_internal.h"

float csa_f16_to_float(uint16_t h)
{
	int sign = (h >> 15) & 1;
	int exp = (h >> 10) & 0x1f;
	int mant = h & 0x3ff;
	float v;

	if (exp == 0)
		v = ldexpf((float)mant, -24);			/* zero, subnormal */
	else if (exp == 31)
		v = mant ? NAN : INFINITY;
	else
		v = ldexpf((float)(mant | 0x400), exp - 25);	/* 1.mant * 2^(exp-15) */
	return sign ? -v : v;
}
