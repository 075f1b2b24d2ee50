// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/* MAXPOOL2D on int8 CHW tensors; every window lies inside the input. */
#include "csa_dp.h"

void csa_dp_maxpool(const int8_t *x, uint32_t c, uint32_t h, uint32_t w,
		    uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw,
		    uint32_t oh, uint32_t ow, int8_t *y)
{
	for (uint32_t ch = 0; ch < c; ch++, x += (size_t)h * w) {
		for (uint32_t oy = 0; oy < oh; oy++) {
			for (uint32_t ox = 0; ox < ow; ox++) {
				const int8_t *win = x + (size_t)oy * sh * w +
						    (size_t)ox * sw;
				int8_t m = INT8_MIN;

				for (uint32_t i = 0; i < kh; i++, win += w)
					for (uint32_t j = 0; j < kw; j++)
						m = win[j] > m ? win[j] : m;
				*y++ = m;
			}
		}
	}
}
