// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * k-winners-take-all.  Each element gets a score = value * boost of its
 * channel (Q8.8, boost only chooses the winners; the winners keep their
 * own value).  The k elements with the highest scores win; among equal
 * scores the lower index wins (global: flat CHW index; local: the lower
 * channel).  Deterministic, so card and CPU reference agree bit for bit.
 *
 * Selection is a radix select on unsigned keys (score + 128, 8 bits, or
 * with boost score + 2^23, 24 bits: unsigned order is score order): one
 * or three passes of 8 bits from the top narrow down the k-th largest key
 * T; the winners are every key > T and the first (in index order) take_eq
 * keys == T.  O(n), no sort.
 * Global k-WTA never stores the keys: every pass recomputes them from the
 * input as it streams (one multiply per element), so its working set is
 * the input and one mark byte per element (docs/hardware.md).
 */
#include <string.h>

#include "csa_dp.h"

/* |int8 x uint16| < 2^23, so the key fits 24 bits (8 without boost) */
static inline uint32_t kwta_key(int8_t v, const uint16_t *boost, uint32_t c)
{
	if (!boost)
		return (uint32_t)(v + 128);
	return (uint32_t)((int32_t)v * boost[c] + (1 << 23));
}

/* Key i: keys[i], or (keys NULL) computed from x, channel i / plane. */
static inline uint32_t key_at(const uint32_t *keys, const int8_t *x,
			      uint32_t plane, const uint16_t *boost, uint32_t i)
{
	return keys ? keys[i] : kwta_key(x[i], boost, boost ? i / plane : 0);
}

static uint32_t radix_select(const uint32_t *keys, const int8_t *x,
			     uint32_t plane, const uint16_t *boost, uint32_t n,
			     uint32_t k, uint32_t passes, uint32_t *take_eq)
{
	uint32_t prefix = 0, mask = 0, need = k;

	for (int shift = 8 * ((int)passes - 1); shift >= 0; shift -= 8) {
		uint32_t hist[256];
		int b;

		memset(hist, 0, sizeof(hist));
		for (uint32_t i = 0; i < n; i++) {
			uint32_t key = key_at(keys, x, plane, boost, i);

			if ((key & mask) == prefix)
				hist[(key >> shift) & 0xff]++;
		}
		/* the bucket holding the need-th largest of the candidates */
		for (b = 255; b > 0 && hist[b] < need; b--)
			need -= hist[b];
		prefix |= (uint32_t)b << shift;
		mask |= 0xffu << shift;
	}
	*take_eq = need;
	return prefix;
}

uint32_t csa_dp_select_kth(const uint32_t *keys, uint32_t n, uint32_t k,
			   uint32_t *take_eq)
{
	return radix_select(keys, NULL, 1, NULL, n, k, 4, take_eq);
}

/* Mark the winners among n keys spaced stride apart in mark. */
static void kwta_mark(const uint32_t *keys, uint32_t n, uint32_t k,
		      uint32_t passes, uint8_t *mark, size_t stride)
{
	uint32_t take_eq, t;

	t = radix_select(keys, NULL, 1, NULL, n, k, passes, &take_eq);

	for (uint32_t i = 0; i < n; i++) {
		uint8_t win = keys[i] > t;

		if (keys[i] == t && take_eq) {
			win = 1;
			take_eq--;
		}
		mark[i * stride] = win;
	}
}

void csa_dp_kwta_global(const int8_t *x, uint32_t c, uint32_t plane,
			const uint16_t *boost, uint32_t k, uint8_t *mark)
{
	uint32_t n = c * plane, take_eq, t;

	t = radix_select(NULL, x, plane, boost, n, k,
			 CSA_DP_KWTA_PASSES(boost), &take_eq);
	for (uint32_t ch = 0, i = 0; ch < c; ch++) {
		for (uint32_t p = 0; p < plane; p++, i++) {
			uint32_t key = kwta_key(x[i], boost, ch);
			uint8_t win = key > t;

			if (key == t && take_eq) {
				win = 1;
				take_eq--;
			}
			mark[i] = win;
		}
	}
}

void csa_dp_kwta_local(const int8_t *x, uint32_t c, uint32_t plane,
		       const uint16_t *boost, uint32_t k, uint8_t *mark,
		       uint32_t *keys)
{
	for (uint32_t p = 0; p < plane; p++) {
		for (uint32_t ch = 0; ch < c; ch++)
			keys[ch] = kwta_key(x[(size_t)ch * plane + p], boost, ch);
		kwta_mark(keys, c, k, CSA_DP_KWTA_PASSES(boost), mark + p,
			  plane);
	}
}

void csa_dp_kwta_dense(const int8_t *x, const uint8_t *mark, uint32_t n,
		       int8_t *y)
{
	for (uint32_t i = 0; i < n; i++)
		y[i] = mark[i] ? x[i] : 0;
}

uint32_t csa_dp_kwta_sparse(const int8_t *x, const uint8_t *mark, uint32_t n,
			    uint32_t *idx, int8_t *val)
{
	uint32_t cnt = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (!mark[i])
			continue;
		idx[cnt] = i;
		val[cnt++] = x[i];
	}
	return cnt;
}
