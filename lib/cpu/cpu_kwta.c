// SPDX-License-Identifier: MIT
/*
 * k-winners-take-all for the CPU backend, the engine's rule exactly
 * (firmware/csa_dp_kwta.c): key = (value * boost) with its sign bit
 * flipped, the k largest keys win, ties go to the lower index.
 *
 * The engine's radix select makes four 8-bit passes over every key.
 * Scores span far less than 32 bits (|value * boost| < 2^23), so here the
 * keys are taken relative to their minimum and only the bits of their
 * range are selected on, 11 at a time, each pass over the candidates the
 * previous one left (one pass over all keys for a boost-free layer, two
 * for a boosted one).  A local k-WTA selects among a handful of channels:
 * quickselect on a copy.
 */
#include <string.h>

#include "cpu_internal.h"

#define RADIX_BITS	11

static inline uint32_t key_of(int8_t v, const uint16_t *boost, uint32_t c)
{
	int32_t score = boost ? (int32_t)v * boost[c] : v;

	return (uint32_t)score ^ 0x80000000u;
}

uint32_t csa_cpu_select_kth(const uint32_t *keys, uint32_t n, uint32_t k,
			    uint32_t *take_eq, uint32_t *cand)
{
	uint32_t hist[1u << RADIX_BITS];
	uint32_t lo = UINT32_MAX, hi = 0, need = k, prefix = 0, bits;
	const uint32_t *src = keys;
	uint32_t ns = n;

	for (uint32_t i = 0; i < n; i++) {
		lo = keys[i] < lo ? keys[i] : lo;
		hi = keys[i] > hi ? keys[i] : hi;
	}
	bits = hi == lo ? 0 : 32 - (uint32_t)__builtin_clz(hi - lo);
	while (bits) {
		uint32_t w = bits < RADIX_BITS ? bits : RADIX_BITS, shift = bits - w;
		uint32_t nb = 1u << w, b, m = 0;

		memset(hist, 0, nb * sizeof(hist[0]));
		/* candidates: keys whose bits above @bits equal the prefix */
		for (uint32_t i = 0; i < ns; i++) {
			uint32_t r = src[i] - lo;

			if ((uint64_t)r >> bits == prefix)
				hist[(r >> shift) & (nb - 1)]++;
		}
		for (b = nb - 1; b > 0 && hist[b] < need; b--)
			need -= hist[b];
		if (shift) {
			for (uint32_t i = 0; i < ns; i++) {
				uint32_t r = src[i] - lo;

				if (r >> shift == (prefix << w | b))
					cand[m++] = src[i];
			}
			src = cand;
			ns = m;
		}
		prefix = prefix << w | b;
		bits = shift;
	}
	*take_eq = need;
	return lo + prefix;
}

/* The k-th largest of n (small) keys by quickselect on a copy in cand. */
static uint32_t select_small(const uint32_t *keys, uint32_t n, uint32_t k,
			     uint32_t *take_eq, uint32_t *cand)
{
	uint32_t l = 0, r = n - 1, want = k - 1, t, gt = 0;

	memcpy(cand, keys, n * sizeof(*cand));
	while (l < r) {
		/* descending three-way partition around the middle key */
		uint32_t pv = cand[l + (r - l) / 2], i = l, lt = l, g = r;

		while (i <= g) {
			uint32_t v = cand[i];

			if (v > pv) {
				cand[i++] = cand[lt];
				cand[lt++] = v;
			} else if (v < pv) {
				cand[i] = cand[g];
				cand[g] = v;
				if (!g)
					break;
				g--;
			} else {
				i++;
			}
		}
		if (want < lt)
			r = lt - 1;
		else if (want > g)
			l = g + 1;
		else
			break;
	}
	t = cand[want];
	for (uint32_t i = 0; i < n; i++)
		gt += keys[i] > t;
	*take_eq = k - gt;
	return t;
}

/* The winners among n keys: to y (losers zeroed) or (idx, val) in order. */
static uint32_t emit(const int8_t *x, const uint32_t *keys, uint32_t n,
		     uint32_t t, uint32_t take_eq, int8_t *y, uint32_t *idx,
		     int8_t *val)
{
	uint32_t cnt = 0;

	for (uint32_t i = 0; i < n; i++) {
		bool win = keys[i] > t;

		if (keys[i] == t && take_eq) {
			win = true;
			take_eq--;
		}
		if (y) {
			y[i] = win ? x[i] : 0;
		} else if (win) {
			idx[cnt] = i;
			val[cnt++] = x[i];
		}
	}
	return cnt;
}

uint32_t csa_cpu_kwta_global(const int8_t *x, uint32_t c, uint32_t plane,
			     const uint16_t *boost, uint32_t k, int8_t *y,
			     uint32_t *idx, int8_t *val,
			     struct csa_cpu_scratch *s)
{
	uint32_t n = c * plane, take_eq, t;
	uint32_t *keys = s->keys;

	if (boost) {
		for (uint32_t ch = 0, i = 0; ch < c; ch++) {
			int32_t b = boost[ch];

			for (uint32_t p = 0; p < plane; p++, i++)
				keys[i] = (uint32_t)(x[i] * b) ^ 0x80000000u;
		}
	} else {
		for (uint32_t i = 0; i < n; i++)
			keys[i] = (uint32_t)(int32_t)x[i] ^ 0x80000000u;
	}
	t = csa_cpu_select_kth(keys, n, k, &take_eq, s->cand);
	return emit(x, keys, n, t, take_eq, y, idx, val);
}

uint32_t csa_cpu_kwta_local(const int8_t *x, uint32_t c, uint32_t plane,
			    const uint16_t *boost, uint32_t k, int8_t *y,
			    uint32_t *idx, int8_t *val,
			    struct csa_cpu_scratch *s)
{
	uint8_t *mark = (uint8_t *)s->tmp;
	uint32_t *keys = s->keys, n = c * plane, cnt = 0;

	for (uint32_t p = 0; p < plane; p++) {
		uint32_t take_eq, t;

		for (uint32_t ch = 0; ch < c; ch++)
			keys[ch] = key_of(x[(size_t)ch * plane + p], boost, ch);
		t = select_small(keys, c, k, &take_eq, s->cand);
		for (uint32_t ch = 0; ch < c; ch++) {
			bool win = keys[ch] > t;

			if (keys[ch] == t && take_eq) {
				win = true;
				take_eq--;
			}
			mark[(size_t)ch * plane + p] = win;
		}
	}
	/* the winners in flat (CHW) index order, as the engine lists them */
	for (uint32_t i = 0; i < n; i++) {
		if (y) {
			y[i] = mark[i] ? x[i] : 0;
		} else if (mark[i]) {
			idx[cnt] = i;
			val[cnt++] = x[i];
		}
	}
	return cnt;
}
