// SPDX-License-Identifier: MIT
/*
 * Tuned dense int8 GEMM / GEMV, the baseline the sparse datapath is
 * compared with.  C[m][n] = A[m] . (B[n] - 128): A signed weights, B
 * biased inputs (u8), both rows kp bytes (a multiple of BL_KALIGN).
 *
 * The blocked paths compute a 4 x 2 block of C at a time (four rows of A
 * against two rows of B: 6 loads for 8 multiply-adds), then a row or a
 * column at a time for the edges.  AVX-512 VNNI: vpdpbusd, 64 MACs per
 * instruction (a 32-byte tail with the 256-bit form).  AVX2: the bytes
 * widened to 16 bits and vpmaddwd, 16 MACs per instruction.  Each path is
 * compiled with its own target attribute, so the build needs no -m flags;
 * bl_isa_best() picks the widest the CPU has.
 */
#include <stdlib.h>
#include <string.h>

#include <immintrin.h>

#include "bl.h"

const char *const bl_isa_name[BL_NISA] = { "scalar", "avx2", "avx512-vnni" };

static int isa_forced = -1;

enum bl_isa bl_isa_best(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
		return BL_AVX512VNNI;
	if (__builtin_cpu_supports("avx2"))
		return BL_AVX2;
	return BL_SCALAR;
}

enum bl_isa bl_isa_get(void)
{
	return isa_forced >= 0 ? (enum bl_isa)isa_forced : bl_isa_best();
}

enum bl_isa bl_isa_set(enum bl_isa isa)
{
	enum bl_isa old = bl_isa_get();

	isa_forced = isa <= bl_isa_best() ? (int)isa : (int)bl_isa_best();
	return old;
}

int bl_mat_alloc(struct bl_mat *w, uint32_t m, uint32_t k)
{
	size_t sz;

	memset(w, 0, sizeof(*w));
	w->m = m;
	w->k = k;
	w->kp = bl_kpad(k);
	sz = ((size_t)m * w->kp + 63) / 64 * 64;
	w->a = aligned_alloc(64, sz);
	w->rowsum = calloc(m ? m : 1, sizeof(*w->rowsum));
	if (!w->a || !w->rowsum) {
		bl_mat_free(w);
		return -1;
	}
	memset(w->a, 0, sz);
	return 0;
}

void bl_mat_finish(struct bl_mat *w)
{
	for (uint32_t i = 0; i < w->m; i++) {
		int32_t s = 0;

		for (uint32_t j = 0; j < w->k; j++)
			s += w->a[(size_t)i * w->kp + j];
		w->rowsum[i] = s;
	}
}

void bl_mat_free(struct bl_mat *w)
{
	free(w->a);
	free(w->rowsum);
	memset(w, 0, sizeof(*w));
}

void bl_gemm_ref(const struct bl_mat *w, const uint8_t *b, uint32_t n,
		 int32_t *c, size_t ldm, size_t ldn)
{
	for (uint32_t i = 0; i < w->m; i++)
		for (uint32_t j = 0; j < n; j++) {
			int32_t s = 0;

			for (uint32_t k = 0; k < w->k; k++)
				s += w->a[(size_t)i * w->kp + k] *
				     ((int32_t)b[(size_t)j * w->kp + k] - 128);
			c[i * ldm + j * ldn] = s;
		}
}

/* ---- scalar: the same blocking, plain C ---- */

static void gemm_scalar(const struct bl_mat *w, const uint8_t *b, uint32_t n,
			int32_t *c, size_t ldm, size_t ldn)
{
	uint32_t kp = w->kp;

	for (uint32_t i = 0; i < w->m; i++) {
		const int8_t *a = w->a + (size_t)i * kp;

		for (uint32_t j = 0; j < n; j++) {
			const uint8_t *bj = b + (size_t)j * kp;
			int32_t s0 = 0, s1 = 0;

			for (uint32_t k = 0; k < kp; k += 2) {
				s0 += a[k] * bj[k];
				s1 += a[k + 1] * bj[k + 1];
			}
			c[i * ldm + j * ldn] = s0 + s1 - 128 * w->rowsum[i];
		}
	}
}

/* ---- AVX2: vpmaddwd on bytes widened to 16 bits ---- */

#define T_AVX2 __attribute__((target("avx2")))

T_AVX2 static inline int32_t hsum256(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v),
				  _mm256_extracti128_si256(v, 1));

	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/* 16 products of a (s8) and b (u8) summed in pairs into 8 int32 */
T_AVX2 static inline __m256i madd16(const int8_t *a, const uint8_t *b)
{
	__m256i va = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)a));
	__m256i vb = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)b));

	return _mm256_madd_epi16(va, vb);
}

T_AVX2 static void gemm_avx2(const struct bl_mat *w, const uint8_t *b,
			     uint32_t n, int32_t *c, size_t ldm, size_t ldn)
{
	uint32_t kp = w->kp, i = 0;

	for (; i + 4 <= w->m; i += 4) {
		const int8_t *a0 = w->a + (size_t)i * kp;
		const int8_t *a1 = a0 + kp, *a2 = a1 + kp, *a3 = a2 + kp;

		for (uint32_t j = 0; j < n; j++) {
			const uint8_t *bj = b + (size_t)j * kp;
			__m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;

			for (uint32_t k = 0; k < kp; k += 16) {
				__m256i vb = _mm256_cvtepu8_epi16(
					_mm_loadu_si128((const __m128i *)(bj + k)));

#define AVX2_ROW(s, a) s = _mm256_add_epi32(s, _mm256_madd_epi16(vb, \
		_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)((a) + k)))))
				AVX2_ROW(s0, a0);
				AVX2_ROW(s1, a1);
				AVX2_ROW(s2, a2);
				AVX2_ROW(s3, a3);
#undef AVX2_ROW
			}
			c[i * ldm + j * ldn] = hsum256(s0) - 128 * w->rowsum[i];
			c[(i + 1) * ldm + j * ldn] = hsum256(s1) - 128 * w->rowsum[i + 1];
			c[(i + 2) * ldm + j * ldn] = hsum256(s2) - 128 * w->rowsum[i + 2];
			c[(i + 3) * ldm + j * ldn] = hsum256(s3) - 128 * w->rowsum[i + 3];
		}
	}
	for (; i < w->m; i++) {
		const int8_t *a = w->a + (size_t)i * kp;

		for (uint32_t j = 0; j < n; j++) {
			const uint8_t *bj = b + (size_t)j * kp;
			__m256i s = _mm256_setzero_si256();

			for (uint32_t k = 0; k < kp; k += 16)
				s = _mm256_add_epi32(s, madd16(a + k, bj + k));
			c[i * ldm + j * ldn] = hsum256(s) - 128 * w->rowsum[i];
		}
	}
}

/* ---- AVX-512 VNNI: vpdpbusd ---- */

#define T_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

T_VNNI static inline int32_t hsum512(__m512i v)
{
	return _mm512_reduce_add_epi32(v);
}

/* s += dot over kp bytes of a row of A and a row of B, 64 then 32 at a time */
T_VNNI static void gemm_vnni(const struct bl_mat *w, const uint8_t *b,
			     uint32_t n, int32_t *c, size_t ldm, size_t ldn)
{
	uint32_t kp = w->kp, k64 = kp / 64 * 64, i = 0;
	bool tail = kp != k64;

	for (; i + 4 <= w->m; i += 4) {
		const int8_t *a0 = w->a + (size_t)i * kp;
		const int8_t *a1 = a0 + kp, *a2 = a1 + kp, *a3 = a2 + kp;
		uint32_t j = 0;

		for (; j + 2 <= n; j += 2) {
			const uint8_t *b0 = b + (size_t)j * kp, *b1 = b0 + kp;
			__m512i s[8];

			for (int q = 0; q < 8; q++)
				s[q] = _mm512_setzero_si512();
			for (uint32_t k = 0; k < k64; k += 64) {
				__m512i x0 = _mm512_loadu_si512(b0 + k);
				__m512i x1 = _mm512_loadu_si512(b1 + k);
				__m512i w0 = _mm512_loadu_si512(a0 + k);
				__m512i w1 = _mm512_loadu_si512(a1 + k);
				__m512i w2 = _mm512_loadu_si512(a2 + k);
				__m512i w3 = _mm512_loadu_si512(a3 + k);

				s[0] = _mm512_dpbusd_epi32(s[0], x0, w0);
				s[1] = _mm512_dpbusd_epi32(s[1], x1, w0);
				s[2] = _mm512_dpbusd_epi32(s[2], x0, w1);
				s[3] = _mm512_dpbusd_epi32(s[3], x1, w1);
				s[4] = _mm512_dpbusd_epi32(s[4], x0, w2);
				s[5] = _mm512_dpbusd_epi32(s[5], x1, w2);
				s[6] = _mm512_dpbusd_epi32(s[6], x0, w3);
				s[7] = _mm512_dpbusd_epi32(s[7], x1, w3);
			}
			if (tail) {
				__m256i x0 = _mm256_loadu_si256((const __m256i *)(b0 + k64));
				__m256i x1 = _mm256_loadu_si256((const __m256i *)(b1 + k64));
				const int8_t *ar[4] = { a0, a1, a2, a3 };

				for (int r = 0; r < 4; r++) {
					__m256i wr = _mm256_loadu_si256((const __m256i *)(ar[r] + k64));

					s[2 * r] = _mm512_add_epi32(s[2 * r], _mm512_zextsi256_si512(
						_mm256_dpbusd_epi32(_mm256_setzero_si256(), x0, wr)));
					s[2 * r + 1] = _mm512_add_epi32(s[2 * r + 1], _mm512_zextsi256_si512(
						_mm256_dpbusd_epi32(_mm256_setzero_si256(), x1, wr)));
				}
			}
			for (int r = 0; r < 4; r++) {
				int32_t corr = 128 * w->rowsum[i + r];

				c[(i + r) * ldm + j * ldn] = hsum512(s[2 * r]) - corr;
				c[(i + r) * ldm + (j + 1) * ldn] = hsum512(s[2 * r + 1]) - corr;
			}
		}
		for (; j < n; j++) {
			const uint8_t *b0 = b + (size_t)j * kp;
			__m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0;
			__m256i t0 = _mm256_setzero_si256(), t1 = t0, t2 = t0, t3 = t0;

			for (uint32_t k = 0; k < k64; k += 64) {
				__m512i x0 = _mm512_loadu_si512(b0 + k);

				s0 = _mm512_dpbusd_epi32(s0, x0, _mm512_loadu_si512(a0 + k));
				s1 = _mm512_dpbusd_epi32(s1, x0, _mm512_loadu_si512(a1 + k));
				s2 = _mm512_dpbusd_epi32(s2, x0, _mm512_loadu_si512(a2 + k));
				s3 = _mm512_dpbusd_epi32(s3, x0, _mm512_loadu_si512(a3 + k));
			}
			if (tail) {
				__m256i x0 = _mm256_loadu_si256((const __m256i *)(b0 + k64));

				t0 = _mm256_dpbusd_epi32(t0, x0, _mm256_loadu_si256((const __m256i *)(a0 + k64)));
				t1 = _mm256_dpbusd_epi32(t1, x0, _mm256_loadu_si256((const __m256i *)(a1 + k64)));
				t2 = _mm256_dpbusd_epi32(t2, x0, _mm256_loadu_si256((const __m256i *)(a2 + k64)));
				t3 = _mm256_dpbusd_epi32(t3, x0, _mm256_loadu_si256((const __m256i *)(a3 + k64)));
			}
			c[i * ldm + j * ldn] = hsum512(_mm512_add_epi32(s0, _mm512_zextsi256_si512(t0))) -
					 128 * w->rowsum[i];
			c[(i + 1) * ldm + j * ldn] = hsum512(_mm512_add_epi32(s1, _mm512_zextsi256_si512(t1))) -
					       128 * w->rowsum[i + 1];
			c[(i + 2) * ldm + j * ldn] = hsum512(_mm512_add_epi32(s2, _mm512_zextsi256_si512(t2))) -
					       128 * w->rowsum[i + 2];
			c[(i + 3) * ldm + j * ldn] = hsum512(_mm512_add_epi32(s3, _mm512_zextsi256_si512(t3))) -
					       128 * w->rowsum[i + 3];
		}
	}
	for (; i < w->m; i++) {
		const int8_t *a = w->a + (size_t)i * kp;

		for (uint32_t j = 0; j < n; j++) {
			const uint8_t *bj = b + (size_t)j * kp;
			__m512i s = _mm512_setzero_si512();
			__m256i t = _mm256_setzero_si256();

			for (uint32_t k = 0; k < k64; k += 64)
				s = _mm512_dpbusd_epi32(s, _mm512_loadu_si512(bj + k),
							_mm512_loadu_si512(a + k));
			if (tail)
				t = _mm256_dpbusd_epi32(t, _mm256_loadu_si256((const __m256i *)(bj + k64)),
							_mm256_loadu_si256((const __m256i *)(a + k64)));
			c[i * ldm + j * ldn] = hsum512(_mm512_add_epi32(s, _mm512_zextsi256_si512(t))) -
					 128 * w->rowsum[i];
		}
	}
}

void bl_gemm(const struct bl_mat *w, const uint8_t *b, uint32_t n,
	     int32_t *c, size_t ldm, size_t ldn)
{
	switch (bl_isa_get()) {
	case BL_AVX512VNNI:
		gemm_vnni(w, b, n, c, ldm, ldn);
		break;
	case BL_AVX2:
		gemm_avx2(w, b, n, c, ldm, ldn);
		break;
	default:
		gemm_scalar(w, b, n, c, ldm, ldn);
		break;
	}
}
