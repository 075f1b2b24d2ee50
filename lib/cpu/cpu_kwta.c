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

#include <immintrin.h>

#include "cpu_internal.h"

#define RADIX_BITS	11

static inline uint32_t key_of(int8_t v, const uint16_t *boost, uint32_t c)
{
	int32_t score = boost ? (int32_t)v * boost[c] : v;

	return (uint32_t)score ^ 0x80000000u;
}

/* ---- AVX-512 helpers of the scans over all keys ---- */

CSA_CPU_T_AVX512 static void minmax_avx512(const uint32_t *keys, uint32_t n,
					   uint32_t *lo, uint32_t *hi)
{
	__m512i mn = _mm512_set1_epi32(-1), mx = _mm512_setzero_si512();

	for (uint32_t i = 0; i < n; i += 16) {
		__mmask16 m = n - i >= 16 ? 0xffff : (__mmask16)((1u << (n - i)) - 1);
		__m512i k = _mm512_maskz_loadu_epi32(m, keys + i);

		mn = _mm512_mask_min_epu32(mn, m, mn, k);
		mx = _mm512_mask_max_epu32(mx, m, mx, k);
	}
	*lo = _mm512_reduce_min_epu32(mn);
	*hi = _mm512_reduce_max_epu32(mx);
}

/* The keys k with (k - lo) >> shift == want, packed into cand. */
CSA_CPU_T_AVX512 static uint32_t compact_avx512(const uint32_t *keys, uint32_t n,
						uint32_t lo, uint32_t shift,
						uint32_t want, uint32_t *cand)
{
	__m512i vlo = _mm512_set1_epi32((int)lo), vw = _mm512_set1_epi32((int)want);
	__m128i sh = _mm_cvtsi32_si128((int)shift);
	uint32_t m = 0;

	for (uint32_t i = 0; i < n; i += 16) {
		__mmask16 in = n - i >= 16 ? 0xffff : (__mmask16)((1u << (n - i)) - 1);
		__m512i k = _mm512_maskz_loadu_epi32(in, keys + i);
		__mmask16 hit = _mm512_mask_cmpeq_epi32_mask(in, _mm512_srl_epi32(
					_mm512_sub_epi32(k, vlo), sh), vw);

		_mm512_mask_compressstoreu_epi32(cand + m, hit, k);
		m += (uint32_t)__builtin_popcount(hit);
	}
	return m;
}

uint32_t csa_cpu_select_kth(const uint32_t *keys, uint32_t n, uint32_t k,
			    uint32_t *take_eq, uint32_t *cand)
{
	uint32_t hist[1u << RADIX_BITS], hist4[4][1u << RADIX_BITS];
	uint32_t lo = UINT32_MAX, hi = 0, need = k, prefix = 0, bits;
	const uint32_t *src = keys;
	uint32_t ns = n;

	if (csa_cpu_isa_get() == CSA_CPU_AVX512) {
		minmax_avx512(keys, n, &lo, &hi);
	} else {
		for (uint32_t i = 0; i < n; i++) {
			lo = keys[i] < lo ? keys[i] : lo;
			hi = keys[i] > hi ? keys[i] : hi;
		}
	}
	bits = hi == lo ? 0 : 32 - (uint32_t)__builtin_clz(hi - lo);
	while (bits) {
		uint32_t w = bits < RADIX_BITS ? bits : RADIX_BITS, shift = bits - w;
		uint32_t nb = 1u << w, b, m = 0;

		memset(hist, 0, nb * sizeof(hist[0]));
		if (src == keys) {
			/*
			 * The first pass sees every key, mostly a few values
			 * (zeros): four histograms, so that equal keys do not
			 * wait on each other's increments.
			 */
			uint32_t i = 0;

			memset(hist4, 0, sizeof(hist4));
			for (; i + 4 <= ns; i += 4) {
				hist4[0][(src[i] - lo) >> shift]++;
				hist4[1][(src[i + 1] - lo) >> shift]++;
				hist4[2][(src[i + 2] - lo) >> shift]++;
				hist4[3][(src[i + 3] - lo) >> shift]++;
			}
			for (; i < ns; i++)
				hist[(src[i] - lo) >> shift]++;
			for (uint32_t j = 0; j < nb; j++)
				hist[j] += hist4[0][j] + hist4[1][j] + hist4[2][j] + hist4[3][j];
		} else {
			/* candidates: keys whose bits above @bits equal the prefix */
			for (uint32_t i = 0; i < ns; i++) {
				uint32_t r = src[i] - lo;

				if ((uint64_t)r >> bits == prefix)
					hist[(r >> shift) & (nb - 1)]++;
			}
		}
		for (b = nb - 1; b > 0 && hist[b] < need; b--)
			need -= hist[b];
		if (shift && csa_cpu_isa_get() == CSA_CPU_AVX512) {
			m = compact_avx512(src, ns, lo, shift, prefix << w | b, cand);
			src = cand;
			ns = m;
		} else if (shift) {
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

/* keys of a c x plane tensor: value * boost of its channel, sign flipped */
CSA_CPU_T_AVX512 static void keys_avx512(const int8_t *x, uint32_t c, uint32_t plane,
					 const uint16_t *boost, uint32_t *keys)
{
	const __m512i flip = _mm512_set1_epi32((int)0x80000000u);

	for (uint32_t ch = 0; ch < c; ch++, x += plane, keys += plane) {
		__m512i b = _mm512_set1_epi32(boost ? boost[ch] : 1);

		for (uint32_t i = 0; i < plane; i += 16) {
			__mmask16 m = plane - i >= 16 ? 0xffff :
				      (__mmask16)((1u << (plane - i)) - 1);
			__m512i v = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, x + i));

			_mm512_mask_storeu_epi32(keys + i, m,
				_mm512_xor_si512(_mm512_mullo_epi32(v, b), flip));
		}
	}
}

/* emit() for a dense y, 16 keys at a time */
CSA_CPU_T_AVX512 static void emit_dense_avx512(const int8_t *x, const uint32_t *keys,
					       uint32_t n, uint32_t t, uint32_t take_eq,
					       int8_t *y)
{
	__m512i vt = _mm512_set1_epi32((int)t);

	for (uint32_t i = 0; i < n; i += 16) {
		__mmask16 in = n - i >= 16 ? 0xffff : (__mmask16)((1u << (n - i)) - 1);
		__m512i k = _mm512_maskz_loadu_epi32(in, keys + i);
		__mmask16 win = _mm512_mask_cmpgt_epu32_mask(in, k, vt);
		__mmask16 eq = _mm512_mask_cmpeq_epu32_mask(in, k, vt);

		/* ties: the first take_eq in index order win */
		while (eq && take_eq) {
			win |= eq & (__mmask16)-eq;
			eq &= (__mmask16)(eq - 1);
			take_eq--;
		}
		_mm_mask_storeu_epi8(y + i, in, _mm_maskz_loadu_epi8(win, x + i));
	}
}

uint32_t csa_cpu_kwta_global(const int8_t *x, uint32_t c, uint32_t plane,
			     const uint16_t *boost, uint32_t k, int8_t *y,
			     uint32_t *idx, int8_t *val,
			     struct csa_cpu_scratch *s)
{
	uint32_t n = c * plane, take_eq, t;
	uint32_t *keys = s->keys;
	bool wide = csa_cpu_isa_get() == CSA_CPU_AVX512;

	if (wide) {
		keys_avx512(x, c, plane, boost, keys);
	} else if (boost) {
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
	if (wide && y) {
		emit_dense_avx512(x, keys, n, t, take_eq, y);
		return 0;
	}
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
