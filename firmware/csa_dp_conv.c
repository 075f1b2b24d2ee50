// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * CONV2D with packed (complementary-sparse) filters, computed as a
 * scatter: every active input element (c, y, x) is multiplied with the
 * packed columns (c, ky, kx) of the window positions that cover it, and
 * the products are routed into the accumulator block of each output
 * position (oy, ox) with oy * stride_h + ky - pad_h = y (same for x).
 * Zero inputs are never visited, so the work is active inputs x kernel
 * window x groups, whatever the input's sparsity.
 */
#include "csa_dp.h"

uint32_t csa_dp_conv_point(const struct csa_dp_layer *l,
			   const struct csa_dp_conv *g, uint32_t c,
			   uint32_t y, uint32_t x, int32_t v, int32_t *acc,
			   struct csa_dp_stats *st)
{
	size_t colsz = (size_t)l->groups * CSA_PACKED_ELEM_SIZE;
	uint32_t nacc = l->groups * l->k;
	uint32_t maxtag = 0, t, pos;
	/* output columns one input row reaches: the bank stride of a row */
	uint32_t span = (g->kw + g->sw - 1) / g->sw;

	for (uint32_t ky = 0; ky < g->kh; ky++) {
		/* oy * sh = y + ph - ky */
		uint32_t ny = y + g->ph, oy;

		if (ny < ky || (ny - ky) % g->sh)
			continue;
		oy = (ny - ky) / g->sh;
		if (oy >= g->out_h)
			continue;
		for (uint32_t kx = 0; kx < g->kw; kx++) {
			uint32_t nx = x + g->pw, ox, col;

			if (nx < kx || (nx - kx) % g->sw)
				continue;
			ox = (nx - kx) / g->sw;
			if (ox >= g->out_w)
				continue;
			col = (c * g->kh + ky) * g->kw + kx;
			pos = oy * g->out_w + ox;
			t = csa_dp_mac_col(acc + (size_t)pos * nacc,
					   l->w + col * colsz, l->groups, l->k, v);
			maxtag = t > maxtag ? t : maxtag;
			st->visits++;
			/*
			 * accumulator block (oy, ox) lives in bank
			 * (oy * span + ox) mod CSA_DP_BANKS: the visits of
			 * one input walk consecutive banks
			 */
			csa_dp_sched_visit(st, oy * span + ox);
		}
	}
	st->macs = st->visits * l->groups;
	return maxtag;
}

uint32_t csa_dp_conv_dense(const struct csa_dp_layer *l,
			   const struct csa_dp_conv *g, const int8_t *x,
			   bool skip_zero, int32_t *acc,
			   struct csa_dp_stats *st)
{
	uint32_t maxtag = 0, t;

	for (uint32_t c = 0; c < g->in_c; c++)
		for (uint32_t y = 0; y < g->in_h; y++)
			for (uint32_t xx = 0; xx < g->in_w; xx++, x++) {
				if (skip_zero && !*x)
					continue;
				t = csa_dp_conv_point(l, g, c, y, xx, *x, acc,
						      st);
				maxtag = t > maxtag ? t : maxtag;
			}
	st->inputs += (uint64_t)g->in_c * g->in_h * g->in_w;
	return maxtag;
}

uint32_t csa_dp_conv_sparse(const struct csa_dp_layer *l,
			    const struct csa_dp_conv *g, const uint32_t *idx,
			    const int8_t *val, uint32_t count, int32_t *acc,
			    struct csa_dp_stats *st)
{
	uint32_t plane = g->in_h * g->in_w;
	uint32_t maxtag = 0, t;

	for (uint32_t i = 0; i < count; i++) {
		uint32_t c = idx[i] / plane, r = idx[i] % plane;

		if (!val[i])
			continue;
		t = csa_dp_conv_point(l, g, c, r / g->in_w, r % g->in_w, val[i],
				      acc, st);
		maxtag = t > maxtag ? t : maxtag;
	}
	st->inputs += count;
	return maxtag;
}
