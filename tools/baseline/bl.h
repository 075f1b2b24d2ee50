/* SPDX-License-Identifier: MIT */
/*
 * Honest CPU baselines for the datapath benchmarks (dp-bench, csa-bench
 * --datapath): what a user would run on a CPU instead of the card.
 *
 *   bl_gemm.c  tuned dense int8 GEMM / GEMV: C[m][n] = A[m] . B[n] over
 *              int8 rows padded to BL_KALIGN, AVX-512 VNNI (vpdpbusd),
 *              AVX2 (vpmaddwd) or scalar, chosen at run time with
 *              __builtin_cpu_supports (target attributes per function: no
 *              global -m flags)
 *   bl_net.c   a job program (dp-net.h's dense K = 1 variant) run as
 *              im2col + GEMM (CONV2D) and GEMV (LINEAR), and the same
 *              layers as plain CSC sparse weights scattered by the active
 *              inputs (scalar C)
 *
 * B (inputs) is stored biased: u8 = int8 + 128, the operand order vpdpbusd
 * wants (unsigned x signed); the kernels subtract 128 * sum(A[m]) again,
 * so C is the exact signed int8 x int8 sum on every path.
 */
#ifndef CSA_BL_H
#define CSA_BL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csa_dp.h"

/* Rows of A and B are padded with zeros (A) to a multiple of this. */
#define BL_KALIGN	32

enum bl_isa { BL_SCALAR, BL_AVX2, BL_AVX512VNNI, BL_NISA };

extern const char *const bl_isa_name[BL_NISA];

/* The widest path this CPU runs. */
enum bl_isa bl_isa_best(void);
/* The path the kernels take: the widest, unless forced (tests). */
enum bl_isa bl_isa_get(void);
/* Force a path (<= bl_isa_best()); returns the previous one. */
enum bl_isa bl_isa_set(enum bl_isa isa);

/**
 * struct bl_mat - int8 weights for bl_gemm()
 * @m: rows (output units)
 * @k: columns (fan-in)
 * @kp: @k rounded up to BL_KALIGN (row stride)
 * @a: m * kp int8, row-major, zero past @k
 * @rowsum: m entries, sum of each row (the bias correction)
 */
struct bl_mat {
	uint32_t m, k, kp;
	int8_t *a;
	int32_t *rowsum;
};

static inline uint32_t bl_kpad(uint32_t k)
{
	return (k + BL_KALIGN - 1) / BL_KALIGN * BL_KALIGN;
}

/* Allocate a zeroed @m x @k matrix (64-byte aligned rows). */
int bl_mat_alloc(struct bl_mat *w, uint32_t m, uint32_t k);
/* Recompute rowsum after filling a. */
void bl_mat_finish(struct bl_mat *w);
void bl_mat_free(struct bl_mat *w);

/*
 * C[i * ldm + j * ldn] = sum_k A[i][k] * (B[j * kp + k] - 128) for j < @n,
 * every row i of @w: B holds @n biased rows of w->kp bytes.  @n = 1 is a
 * GEMV.  ldm = n, ldn = 1: unit-major C; ldm = 1, ldn = m: position-major.
 */
void bl_gemm(const struct bl_mat *w, const uint8_t *b, uint32_t n,
	     int32_t *c, size_t ldm, size_t ldn);

/* Scalar reference of bl_gemm (plain C, no blocking), for tests. */
void bl_gemm_ref(const struct bl_mat *w, const uint8_t *b, uint32_t n,
		 int32_t *c, size_t ldm, size_t ldn);

/**
 * struct bl_csc - sparse weights, compressed sparse columns
 * @cols: @units: shape
 * @ptr: cols + 1 offsets into @row / @val
 * @row: unit of each non-zero
 * @val: its value
 */
struct bl_csc {
	uint32_t cols, units;
	uint32_t *ptr;
	uint16_t *row;
	int8_t *val;
};

/* CSC of a dense layer (w->a), its non-zeros only. */
int bl_csc_from_mat(struct bl_csc *s, const struct bl_mat *w);
void bl_csc_free(struct bl_csc *s);

/* acc[unit * stride] += w * x for the non-zeros of column @col. */
static inline void bl_csc_col(const struct bl_csc *s, uint32_t col, int32_t x,
			      int32_t *acc)
{
	for (uint32_t j = s->ptr[col]; j < s->ptr[col + 1]; j++)
		acc[s->row[j]] += s->val[j] * x;
}

#endif /* CSA_BL_H */
