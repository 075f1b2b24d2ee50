// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Multiply, Route, Sum and Select over packed columns (LINEAR), and the
 * output stage (tag map, requantisation) that LINEAR and CONV2D share.
 *
 * A packed column holds one element per group: the product value * x goes
 * to accumulator g * k + tag.  Int32 accumulators cannot overflow: a layer
 * has at most CSA_LAYER_MAX_COLS columns and |value * x| <= 2^14.
 */
#include "csa_dp.h"

uint32_t csa_dp_mac_col(int32_t *acc, const uint8_t *col, uint32_t groups,
			uint32_t k, int32_t x)
{
	uint32_t maxtag = 0, g = 0;

	if (k == 1) {
		/* dense layer: one accumulator per group, tags must be 0 */
		for (g = 0; g < groups; g++) {
			acc[g] += (int32_t)(int8_t)col[2 * g] * x;
			maxtag |= col[2 * g + 1];
		}
		return maxtag;
	}
	/*
	 * Four groups per step: four independent scatters, the largest tag
	 * by a compare tree (the loads of the next step overlap the stores).
	 */
	for (; g + 4 <= groups; g += 4, col += 8, acc += 4 * k) {
		uint32_t t0 = col[1], t1 = col[3], t2 = col[5], t3 = col[7];

		acc[t0] += (int32_t)(int8_t)col[0] * x;
		acc[k + t1] += (int32_t)(int8_t)col[2] * x;
		acc[2 * k + t2] += (int32_t)(int8_t)col[4] * x;
		acc[3 * k + t3] += (int32_t)(int8_t)col[6] * x;
		t0 = t0 > t1 ? t0 : t1;
		t2 = t2 > t3 ? t2 : t3;
		t0 = t0 > t2 ? t0 : t2;
		maxtag = t0 > maxtag ? t0 : maxtag;
	}
	for (; g < groups; g++, col += 2, acc += k) {
		uint32_t tag = col[1];

		acc[tag] += (int32_t)(int8_t)col[0] * x;
		maxtag = tag > maxtag ? tag : maxtag;
	}
	return maxtag;
}

uint32_t csa_dp_linear_dense(const struct csa_dp_layer *l, const int8_t *x,
			     bool skip_zero, int32_t *acc,
			     struct csa_dp_stats *st)
{
	size_t colsz = (size_t)l->groups * CSA_PACKED_ELEM_SIZE;
	uint32_t maxtag = 0, t;

	for (uint32_t i = 0; i < l->cols; i++) {
		if (skip_zero && !x[i])
			continue;
		t = csa_dp_mac_col(acc, l->w + i * colsz, l->groups, l->k, x[i]);
		maxtag = t > maxtag ? t : maxtag;
		st->visits++;
		csa_dp_sched_visit(st, CSA_DP_BANK_OWN);
	}
	st->inputs += l->cols;
	st->macs = st->visits * l->groups;
	return maxtag;
}

uint32_t csa_dp_linear_sparse(const struct csa_dp_layer *l,
			      const uint32_t *idx, const int8_t *val,
			      uint32_t count, int32_t *acc,
			      struct csa_dp_stats *st)
{
	size_t colsz = (size_t)l->groups * CSA_PACKED_ELEM_SIZE;
	uint32_t maxtag = 0, t;

	for (uint32_t i = 0; i < count; i++) {
		if (!val[i])
			continue;
		t = csa_dp_mac_col(acc, l->w + idx[i] * colsz, l->groups, l->k,
				   val[i]);
		maxtag = t > maxtag ? t : maxtag;
		st->visits++;
		csa_dp_sched_visit(st, CSA_DP_BANK_OWN);
	}
	st->inputs += count;
	st->macs = st->visits * l->groups;
	return maxtag;
}

void csa_dp_output(const struct csa_dp_layer *l, const int32_t *acc,
		   uint32_t positions, int8_t *y, int32_t *y32)
{
	uint32_t nacc = l->groups * l->k;

	if (positions == 1 && !y32) {
		/* LINEAR: one accumulator per unit, the common case */
		for (uint32_t a = 0; a < nacc; a++) {
			uint32_t u = l->tagmap[a];

			if (u != CSA_TAGMAP_NONE)
				y[u] = csa_dp_requant(acc[a], &l->rq[u]);
		}
		return;
	}
	for (uint32_t a = 0; a < nacc; a++) {
		uint32_t u = l->tagmap[a];
		const struct csa_dp_rq *rq;
		const int32_t *src = acc + a;

		if (u == CSA_TAGMAP_NONE)
			continue;	/* unused accumulator: dropped */
		rq = &l->rq[u];
		if (y32) {
			int32_t *dst = y32 + (size_t)u * positions;

			for (uint32_t p = 0; p < positions; p++, src += nacc)
				dst[p] = csa_dp_add_bias(*src, rq->bias);
		} else {
			int8_t *dst = y + (size_t)u * positions;

			for (uint32_t p = 0; p < positions; p++, src += nacc)
				dst[p] = csa_dp_requant(*src, rq);
		}
	}
}
