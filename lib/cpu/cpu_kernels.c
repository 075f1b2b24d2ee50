// SPDX-License-Identifier: MIT
/*
 * The CPU backend's kernels: column scatter and requantisation, scalar and
 * AVX-512 (chosen at run time; each vector function carries its own target
 * attribute, so libcsa builds without -m flags).  Every path computes the
 * engine's arithmetic exactly (firmware/csa_dp_requant.c).
 */
#include <string.h>

#include <immintrin.h>

#include "cpu_internal.h"

const char *const csa_cpu_isa_name[CSA_CPU_NISA] = { "scalar", "avx512" };

static int isa_forced = -1;

enum csa_cpu_isa csa_cpu_isa_best(void)
{
	static int best = -1;

	if (best < 0) {
		__builtin_cpu_init();
		best = __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl") &&
		       __builtin_cpu_supports("avx512dq") &&
		       __builtin_cpu_supports("avx512vnni") ? CSA_CPU_AVX512 : CSA_CPU_SCALAR;
	}
	return (enum csa_cpu_isa)best;
}

enum csa_cpu_isa csa_cpu_isa_get(void)
{
	return isa_forced >= 0 ? (enum csa_cpu_isa)isa_forced : csa_cpu_isa_best();
}

enum csa_cpu_isa csa_cpu_isa_set(enum csa_cpu_isa isa)
{
	enum csa_cpu_isa old = csa_cpu_isa_get();

	isa_forced = isa <= csa_cpu_isa_best() ? (int)isa : (int)csa_cpu_isa_best();
	return old;
}

/* ---- scalar ---- */

static void scatter_scalar(const struct csa_cpu_layer *l, uint32_t col, int32_t x,
			   int32_t *acc)
{
	const uint16_t *u = l->unit;
	const int8_t *v = l->val;
	uint32_t j = l->ptr[col], e = l->ptr[col + 1];

	for (; j + 4 <= e; j += 4) {
		acc[u[j]] += v[j] * x;
		acc[u[j + 1]] += v[j + 1] * x;
		acc[u[j + 2]] += v[j + 2] * x;
		acc[u[j + 3]] += v[j + 3] * x;
	}
	for (; j < e; j++)
		acc[u[j]] += v[j] * x;
}

static void dense_scalar(const struct csa_cpu_layer *l, uint32_t col, int32_t x,
			 int32_t *acc)
{
	const int8_t *w = l->dense + (size_t)col * l->stride;

	for (uint32_t u = 0; u < l->stride; u++)
		acc[u] += w[u] * x;
}

static void requant_scalar(const struct csa_cpu_layer *l, uint32_t u0, uint32_t n,
			   const int32_t *acc, int8_t *y)
{
	for (uint32_t i = 0; i < n; i++) {
		struct csa_dp_rq rq = { l->bias[u0 + i], l->mult[u0 + i], l->shift[u0 + i] };

		y[i] = csa_dp_requant(acc[i], &rq);
	}
}

/* ---- AVX-512 ---- */

#define T_AVX512 CSA_CPU_T_AVX512

/*
 * The elements of a column go to distinct units: 16 at a time, gather the
 * accumulators, add the products, scatter them back (no lane conflicts).
 */
T_AVX512 static void scatter_avx512(const struct csa_cpu_layer *l, uint32_t col,
				    int32_t x, int32_t *acc)
{
	uint32_t j = l->ptr[col], e = l->ptr[col + 1];
	__m512i vx = _mm512_set1_epi32(x);

	for (; j < e; j += 16) {
		__mmask16 m = e - j >= 16 ? 0xffff : (__mmask16)((1u << (e - j)) - 1);
		__m512i u = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, l->unit + j));
		__m512i v = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, l->val + j));
		__m512i a = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, u, acc, 4);

		a = _mm512_add_epi32(a, _mm512_mullo_epi32(v, vx));
		_mm512_mask_i32scatter_epi32(acc, m, u, a, 4);
	}
}

/* A whole unit-indexed column: stride / 16 multiply-adds, no gather. */
T_AVX512 static void dense_avx512(const struct csa_cpu_layer *l, uint32_t col,
				  int32_t x, int32_t *acc)
{
	const int8_t *w = l->dense + (size_t)col * l->stride;
	__m512i vx = _mm512_set1_epi32(x);

	for (uint32_t u = 0; u < l->stride; u += 16) {
		__m512i v = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(w + u)));
		__m512i a = _mm512_loadu_si512(acc + u);

		_mm512_storeu_si512(acc + u, _mm512_add_epi32(a, _mm512_mullo_epi32(v, vx)));
	}
}

/* 8 units: s = sat32(acc + bias) in 64-bit lanes */
T_AVX512 static inline __m512i add_bias8(const int32_t *acc, const int32_t *bias,
					 __mmask8 m)
{
	__m512i a = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, acc));
	__m512i b = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, bias));
	__m512i s = _mm512_add_epi64(a, b);

	s = _mm512_min_epi64(s, _mm512_set1_epi64(INT32_MAX));
	return _mm512_max_epi64(s, _mm512_set1_epi64(INT32_MIN));
}

T_AVX512 static void requant_avx512(const struct csa_cpu_layer *l, uint32_t u0,
				    uint32_t n, const int32_t *acc, int8_t *y)
{
	const __m512i one = _mm512_set1_epi64(1);

	for (uint32_t i = 0; i < n; i += 8) {
		__mmask8 m = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1);
		__m512i s = add_bias8(acc + i, l->bias + u0 + i, m);
		__m512i mult = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(m, l->mult + u0 + i));
		__m512i sh = _mm512_cvtepu32_epi64(_mm256_maskz_loadu_epi32(m, l->shift + u0 + i));
		/* |s * mult| <= 2^62: exact; + 2^(shift-1) (0 for shift 0: the count wraps) */
		__m512i p = _mm512_mul_epi32(s, mult);	/* low 32 bits x low 32 bits, signed */
		__m512i r = _mm512_sllv_epi64(one, _mm512_sub_epi64(sh, one));

		/* floor((p + r) / 2^shift) is the arithmetic shift */
		p = _mm512_srav_epi64(_mm512_add_epi64(p, r), sh);
		p = _mm512_min_epi64(p, _mm512_set1_epi64(127));
		p = _mm512_max_epi64(p, _mm512_set1_epi64(-128));
		_mm_mask_storeu_epi8(y + i, m, _mm512_cvtepi64_epi8(p));
	}
}

T_AVX512 static void add_bias_avx512(const struct csa_cpu_layer *l, uint32_t u0,
				     uint32_t n, const int32_t *acc, int32_t *y32)
{
	for (uint32_t i = 0; i < n; i += 8) {
		__mmask8 m = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1);

		_mm256_mask_storeu_epi32(y32 + i, m,
					 _mm512_cvtepi64_epi32(add_bias8(acc + i, l->bias + u0 + i, m)));
	}
}

/*
 * P output positions (oy, ox .. ox + np - 1) of csa_cpu_conv_rows() with
 * P x NB accumulator vectors (16 units each) in registers: every weight
 * vector loaded serves P positions (the kernel rows stream from L2 once
 * per P positions, not once per position).  vpdpbusd multiplies u8 by s8:
 * the weights are the u8 operand, biased by 128, so each position
 * subtracts 128 * (sum of its taps) at the end.
 */
static inline __attribute__((always_inline)) T_AVX512 void
conv_pos(const struct csa_cpu_layer *l, const struct csa_prog_op *op,
	 const int8_t *x, int32_t *acc, uint32_t oy, uint32_t ox, uint32_t np,
	 const int P, const int NB)
{
	uint32_t kh = op->kernel_h, kw = op->kernel_w, kq = l->kq;
	size_t rsz = (size_t)kq * l->rstride * 4;
	__m512i a[4][8];
	int64_t xsum[4] = { 0 };
	__mmask16 m[4] = { 0 };
	int ix0[4];

#pragma GCC unroll 4
	for (int j = 0; j < P; j++) {
#pragma GCC unroll 8
		for (int r = 0; r < NB; r++)
			a[j][r] = _mm512_setzero_si512();
		ix0[j] = (int)((ox + (uint32_t)j) * op->stride_w) - op->pad_w;
		/* the taps kx < kw inside the input row; none past np */
		for (uint32_t kx = 0; kx < kw && (uint32_t)j < np; kx++)
			if (ix0[j] + (int)kx >= 0 && ix0[j] + (int)kx < (int)op->in_w)
				m[j] |= (__mmask16)(1u << kx);
	}
	for (uint32_t c = 0; c < op->in_c; c++)
		for (uint32_t ky = 0; ky < kh; ky++) {
			int iy = (int)(oy * op->stride_h + ky) - op->pad_h;
			const int8_t *row;
			const uint8_t *w;
			uint64_t v[4], any = 0;

			if (iy < 0 || iy >= (int)op->in_h)
				continue;
			row = x + ((size_t)c * op->in_h + (uint32_t)iy) * op->in_w;
#pragma GCC unroll 4
			for (int j = 0; j < P; j++) {
				/* masked: never reads outside the row */
				__m128i t = _mm_maskz_loadu_epi8(m[j], row + ix0[j]);

				v[j] = (uint64_t)_mm_cvtsi128_si64(t);
				any |= v[j];
				xsum[j] += (int64_t)_mm_cvtsi128_si64(_mm_sad_epu8(
						_mm_xor_si128(t, _mm_set1_epi8((char)0x80)),
						_mm_setzero_si128())) - 128 * 8;
			}
			if (!any)
				continue;	/* Select: all-zero taps add nothing */
			w = l->rows + ((size_t)c * kh + ky) * rsz;
			for (uint32_t q = 0; q < kq; q++, w += (size_t)l->rstride * 4) {
				__m512i xb[4];

#pragma GCC unroll 4
				for (int j = 0; j < P; j++)
					xb[j] = _mm512_set1_epi32((int32_t)(uint32_t)(v[j] >> (32 * q)));
#pragma GCC unroll 8
				for (int r = 0; r < NB; r++) {
					__m512i wv = _mm512_loadu_si512(w + 64 * r);

#pragma GCC unroll 4
					for (int j = 0; j < P; j++)
						a[j][r] = _mm512_dpbusd_epi32(a[j][r], wv, xb[j]);
				}
			}
		}
#pragma GCC unroll 4
	for (int j = 0; j < P; j++) {
		int32_t *out = acc + ((size_t)oy * op->out_w + ox + (uint32_t)j) * l->stride;

		if ((uint32_t)j >= np)
			break;
#pragma GCC unroll 8
		for (int r = 0; r < NB; r++)
			_mm512_storeu_si512(out + 16 * r, _mm512_sub_epi32(a[j][r],
					    _mm512_set1_epi32((int32_t)(128 * xsum[j]))));
	}
}

T_AVX512 static void conv_rows_avx512(const struct csa_cpu_layer *l,
				      const struct csa_prog_op *op,
				      const int8_t *x, int32_t *acc)
{
	int nb = (int)(l->rstride / 16);
	uint32_t p = nb <= 4 ? 4 : 2;

	for (uint32_t oy = 0; oy < op->out_h; oy++)
		for (uint32_t ox = 0; ox < op->out_w; ox += p) {
			uint32_t np = op->out_w - ox < p ? op->out_w - ox : p;

			switch (nb) {
#define NB_CASE(n, pp) case n: conv_pos(l, op, x, acc, oy, ox, np, pp, n); break
			NB_CASE(1, 4); NB_CASE(2, 4); NB_CASE(3, 4); NB_CASE(4, 4);
			NB_CASE(5, 2); NB_CASE(6, 2); NB_CASE(7, 2); default: NB_CASE(8, 2);
#undef NB_CASE
			}
		}
}

void csa_cpu_conv_rows(const struct csa_cpu_layer *l, const struct csa_prog_op *op,
		       const int8_t *x, int32_t *acc)
{
	conv_rows_avx512(l, op, x, acc);
}

/*
 * 2 x 2 max pooling, stride 2, rows up to 64 wide: the two input rows'
 * maximum, then each pair of bytes' maximum in the low byte of a 16-bit
 * lane, narrowed.
 */
T_AVX512 static void maxpool22_avx512(const int8_t *x, uint32_t c, uint32_t h,
				      uint32_t w, uint32_t oh, uint32_t ow, int8_t *y)
{
	__mmask64 in = w >= 64 ? ~0ull : (1ull << w) - 1;
	__mmask32 out = ow >= 32 ? ~0u : (1u << ow) - 1;

	for (uint32_t ch = 0; ch < c; ch++, x += (size_t)h * w) {
		for (uint32_t oy = 0; oy < oh; oy++, y += ow) {
			const int8_t *r = x + (size_t)2 * oy * w;
			__m512i m = _mm512_max_epi8(_mm512_maskz_loadu_epi8(in, r),
						    _mm512_maskz_loadu_epi8(in, r + w));

			m = _mm512_max_epi8(m, _mm512_srli_epi16(m, 8));
			_mm256_mask_storeu_epi8(y, out, _mm512_cvtepi16_epi8(m));
		}
	}
}

/* 16 positions of a unit at a time: a dword gather, narrowed to bytes */
T_AVX512 static void transpose8_avx512(const int8_t *t, uint32_t pos, uint32_t units,
				       uint8_t *dst)
{
	const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
								 10, 11, 12, 13, 14, 15),
					       _mm512_set1_epi32((int)units));

	for (uint32_t p = 0; p < pos; p += 16) {
		__mmask16 m = pos - p >= 16 ? 0xffff : (__mmask16)((1u << (pos - p)) - 1);
		const int8_t *r = t + (size_t)p * units;

		for (uint32_t u = 0; u < units; u++)
			_mm_mask_storeu_epi8(dst + (size_t)u * pos + p, m, _mm512_cvtepi32_epi8(
				_mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, idx,
							    r + u, 1)));
	}
}

T_AVX512 static void linear_quads_avx512(const struct csa_cpu_layer *l, const int8_t *x,
					int32_t *acc, uint32_t *list)
{
	uint32_t nq = (l->cols + 3) / 4, n = 0, nb = l->rstride / 16;
	size_t qsz = (size_t)l->rstride * 4;
	int64_t xsum = 0;
	__m512i corr;

	/* the groups of 4 inputs that are not all zero, and their sum */
	for (uint32_t q = 0; q < nq; q++) {
		uint32_t left = l->cols - 4 * q, v;

		if (left >= 4) {
			memcpy(&v, x + 4 * q, 4);
		} else {
			v = 0;
			memcpy(&v, x + 4 * q, left);
		}
		if (!v)
			continue;
		list[n++] = q;
		xsum += (int8_t)v + (int8_t)(v >> 8) + (int8_t)(v >> 16) + (int8_t)(v >> 24);
	}
	corr = _mm512_set1_epi32((int32_t)(128 * xsum));
	for (uint32_t b0 = 0; b0 < nb; b0 += 8) {
		uint32_t bn = nb - b0 < 8 ? nb - b0 : 8;
		__m512i a[8];

		for (int r = 0; r < 8; r++)
			a[r] = _mm512_setzero_si512();
		for (uint32_t i = 0; i < n; i++) {
			uint32_t q = list[i], v, left = l->cols - 4 * q;
			const uint8_t *w = l->quads + q * qsz + 64 * b0;
			__m512i xb;

			if (left >= 4) {
				memcpy(&v, x + 4 * q, 4);
			} else {
				v = 0;
				memcpy(&v, x + 4 * q, left);
			}
			xb = _mm512_set1_epi32((int32_t)v);
			if (bn == 8) {
#pragma GCC unroll 8
				for (int r = 0; r < 8; r++)
					a[r] = _mm512_dpbusd_epi32(a[r], _mm512_loadu_si512(w + 64 * r), xb);
			} else {
				for (uint32_t r = 0; r < bn; r++)
					a[r] = _mm512_dpbusd_epi32(a[r], _mm512_loadu_si512(w + 64 * r), xb);
			}
		}
		for (uint32_t r = 0; r < bn; r++)
			_mm512_storeu_si512(acc + 16 * (b0 + r), _mm512_sub_epi32(a[r], corr));
	}
}

void csa_cpu_linear_quads(const struct csa_cpu_layer *l, const int8_t *x,
			  int32_t *acc, uint32_t *list)
{
	linear_quads_avx512(l, x, acc, list);
}

/* ---- dispatch ---- */

void csa_cpu_transpose8(const int8_t *t, uint32_t pos, uint32_t units, uint8_t *dst)
{
	if (csa_cpu_isa_get() == CSA_CPU_AVX512) {
		transpose8_avx512(t, pos, units, dst);
		return;
	}
	/* 64 positions at a time: contiguous stores, rows that stay in L1 */
	for (uint32_t p0 = 0; p0 < pos; p0 += 64) {
		uint32_t pn = pos - p0 < 64 ? pos - p0 : 64;

		for (uint32_t u = 0; u < units; u++) {
			uint8_t *d = dst + (size_t)u * pos + p0;
			const int8_t *r = t + (size_t)p0 * units + u;

			for (uint32_t p = 0; p < pn; p++)
				d[p] = (uint8_t)r[(size_t)p * units];
		}
	}
}

void csa_cpu_maxpool(const struct csa_prog_op *op, const int8_t *x, int8_t *y)
{
	if (csa_cpu_isa_get() == CSA_CPU_AVX512 && op->kernel_h == 2 &&
	    op->kernel_w == 2 && op->stride_h == 2 && op->stride_w == 2 &&
	    op->in_w <= 64) {
		maxpool22_avx512(x, op->in_c, op->in_h, op->in_w, op->out_h, op->out_w, y);
		return;
	}
	csa_dp_maxpool(x, op->in_c, op->in_h, op->in_w, op->kernel_h, op->kernel_w,
		       op->stride_h, op->stride_w, op->out_h, op->out_w, y);
}

csa_cpu_col_fn csa_cpu_col_kernel(const struct csa_cpu_layer *l)
{
	bool wide = csa_cpu_isa_get() == CSA_CPU_AVX512;

	if (l->dense)
		return wide ? dense_avx512 : dense_scalar;
	return wide ? scatter_avx512 : scatter_scalar;
}

void csa_cpu_requant(const struct csa_cpu_layer *l, uint32_t u0, uint32_t n,
		     const int32_t *acc, int8_t *y)
{
	if (csa_cpu_isa_get() == CSA_CPU_AVX512)
		requant_avx512(l, u0, n, acc, y);
	else
		requant_scalar(l, u0, n, acc, y);
}

void csa_cpu_add_bias(const struct csa_cpu_layer *l, uint32_t u0, uint32_t n,
		      const int32_t *acc, int32_t *y32)
{
	if (csa_cpu_isa_get() == CSA_CPU_AVX512) {
		add_bias_avx512(l, u0, n, acc, y32);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		y32[i] = csa_dp_add_bias(acc[i], l->bias[u0 + i]);
}
