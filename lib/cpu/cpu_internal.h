/* SPDX-License-Identifier: MIT */
/*
 * libcsa's optimised CPU backend (lib/cpu/): runs a model's job program
 * natively, bit-exact with the reference engine (firmware/csa_prog.c).
 *
 *   cpu_decode.c   the program decoded once at model load: operands as
 *                  (slot, offset), each packed layer as compressed
 *                  columns of (unit, value) with the tag map applied and
 *                  the zero elements dropped, requantisation as arrays
 *   cpu_run.c      one inference: the ops in order over the inference's
 *                  buffers (the card's bind slots), scratch preallocated
 *   cpu_kernels.c  column scatter and requantisation, scalar and AVX-512
 *                  (runtime dispatch, target attributes per function)
 *   cpu_kwta.c     k-WTA: exact k-th largest score by a range-narrowed
 *                  radix select over the scores, winners in index order
 *
 * A program the decoder does not accept (a tag >= k, an operand out of
 * its slot, ...) is left to the reference engine, which reports the
 * card's error.
 */
#ifndef CSA_CPU_INTERNAL_H
#define CSA_CPU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csa_dp.h"
#include "csa_format.h"

#define CSA_CPU_MAX_SLOTS	8

/* The widest path's functions: compiled for it alone, called after a check. */
#define CSA_CPU_T_AVX512 \
	__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

enum csa_cpu_isa { CSA_CPU_SCALAR, CSA_CPU_AVX512, CSA_CPU_NISA };

extern const char *const csa_cpu_isa_name[CSA_CPU_NISA];

/* The widest path this CPU runs; the path the kernels take; force one. */
enum csa_cpu_isa csa_cpu_isa_best(void);
enum csa_cpu_isa csa_cpu_isa_get(void);
enum csa_cpu_isa csa_cpu_isa_set(enum csa_cpu_isa isa);

/**
 * struct csa_cpu_layer - a packed layer decoded for the CPU
 * @units: output units; accumulator @units is the dump of unused tags
 * @cols: columns
 * @stride: accumulators per output position (units + 1 rounded up to 16)
 * @ptr: cols + 1 offsets into @unit / @val (a column's non-zero elements)
 * @unit: the unit each element's product goes to (tag map applied)
 * @val: the element's value
 * @dense: NULL, or each column unit-indexed (@stride int8, zeros where no
 *         weight): for layers with few units per column element, where
 *         adding a whole contiguous column beats gathering and scattering
 *         its elements
 * @rows: CONV2D with kernel_w <= 8 and <= 128 units: NULL, or the weights
 *        for csa_cpu_conv_rows(): per kernel row (c, ky), @kq groups of 4
 *        taps (kx), each @rstride units x 4 taps as u8 = weight + 128
 * @kq: taps groups per kernel row (kernel_w / 4 rounded up)
 * @rstride: units rounded up to 16 (@rows, @quads; no dump accumulator)
 * @quads: LINEAR dense in weight (>= 1/12 non-zero): NULL, or the weights
 *         for csa_cpu_linear_quads(): per 4 consecutive columns, @rstride
 *         units x 4 columns as u8 = weight + 128
 * @bias: @mult: @shift: per-unit requantisation
 */
struct csa_cpu_layer {
	uint32_t units, cols, stride, kq, rstride;
	uint32_t *ptr;
	uint16_t *unit;
	int8_t *val;
	int8_t *dense;
	uint8_t *rows, *quads;
	int32_t *bias, *mult;
	uint32_t *shift;
};

/**
 * struct csa_cpu_op - one decoded op
 * @op: the op as the program has it
 * @layer: LINEAR, CONV2D
 * @boost: KWTA with CSA_PROG_F_BOOST
 */
struct csa_cpu_op {
	struct csa_prog_op op;
	struct csa_cpu_layer layer;
	uint16_t *boost;
};

/**
 * struct csa_cpu_prog - a decoded program
 * @ops: @num_ops ops
 * @slot_size: the size every operand's slot must have at least (checked
 *             at run time against the bound buffers)
 * @acc_size: @keys_size: @numel: scratch a run needs (entries)
 */
struct csa_cpu_prog {
	struct csa_cpu_op *ops;
	uint32_t num_ops;
	uint64_t slot_size[CSA_CPU_MAX_SLOTS];
	uint64_t acc_size, numel;
};

/**
 * struct csa_cpu_scratch - what one run needs, allocated once
 * @acc: accumulators (csa_cpu_prog.acc_size)
 * @keys: k-WTA scores, then candidates; @idx: sparse indices (numel)
 * @cand: radix-select candidates (numel)
 * @tmp: int8 row of the conv output stage (numel)
 * @op_ns: optional (NULL: not timed): each op's time of the last run,
 *         for the benchmarks (num_ops entries)
 */
struct csa_cpu_scratch {
	int32_t *acc;
	uint32_t *keys, *cand, *idx;
	int8_t *val, *tmp;
	int64_t *op_ns;
};

/*
 * Decode a program (@len bytes) whose operands live in @nslots slots:
 * @slot[s] is the slot's memory (@fixed_size[s] bytes) when it is the
 * same for every run (the model and program) or NULL (per inference).
 * 0, -ENOTSUP when the program is one for the reference engine, -ENOMEM.
 */
int csa_cpu_prog_decode(const uint8_t *prog, uint64_t len,
			const uint8_t *const *slot, const uint64_t *fixed_size,
			uint32_t nslots, struct csa_cpu_prog *p);
void csa_cpu_prog_free(struct csa_cpu_prog *p);

int csa_cpu_scratch_alloc(const struct csa_cpu_prog *p, struct csa_cpu_scratch *s);
void csa_cpu_scratch_free(struct csa_cpu_scratch *s);

/*
 * Run the program over the slots (@base, @size, @nslots).  0, or
 * CSA_PROG_DETAIL(op, operand, reason) of the engine's error (a slot too
 * small, a bad sparse activation).
 */
uint32_t csa_cpu_run(const struct csa_cpu_prog *p, uint8_t *const *base,
		     const uint64_t *size, uint32_t nslots,
		     struct csa_cpu_scratch *s);

/*
 * The output row (or column) of a CONV2D that kernel tap k takes input
 * row (column) i to: i + pad = o * stride + k, o < out; -1 if none.
 */
static inline int64_t csa_cpu_conv_out(uint32_t i, uint32_t k, uint32_t pad,
				       uint32_t stride, uint32_t out)
{
	uint32_t n = i + pad;

	if (n < k || (n - k) % stride || (n - k) / stride >= out)
		return -1;
	return (n - k) / stride;
}

/* ---- kernels (cpu_kernels.c) ---- */

/* One column into the accumulators: acc[unit] += value * x. */
typedef void (*csa_cpu_col_fn)(const struct csa_cpu_layer *l, uint32_t col, int32_t x,
			       int32_t *acc);

/* The column kernel of @l on the current path, chosen once per op. */
csa_cpu_col_fn csa_cpu_col_kernel(const struct csa_cpu_layer *l);
/*
 * CONV2D from a dense input, output-stationary (AVX-512 VNNI path only):
 * for every output position, each kernel row (c, ky) whose input taps are
 * not all zero adds its taps to all units with vpdpbusd; the first
 * l->rstride accumulators of each position's block (l->stride) are
 * overwritten.
 */
void csa_cpu_conv_rows(const struct csa_cpu_layer *l, const struct csa_prog_op *op,
		       const int8_t *x, int32_t *acc);

/*
 * dst[u * pos + p] = t[p * units + u]: position-major rows to the CHW
 * output.  t must have 3 readable bytes past pos * units.
 */
void csa_cpu_transpose8(const int8_t *t, uint32_t pos, uint32_t units, uint8_t *dst);

/*
 * LINEAR from a dense input (AVX-512 VNNI path only): every group of 4
 * consecutive inputs that is not all zero adds its 4 columns to all units
 * with vpdpbusd, 8 x 16 units at a time in registers; acc[0, rstride) is
 * overwritten.  @list is scratch of cols / 4 + 1 entries.
 */
void csa_cpu_linear_quads(const struct csa_cpu_layer *l, const int8_t *x,
			  int32_t *acc, uint32_t *list);

/* MAXPOOL2D (a vector path for 2 x 2, stride 2) */
void csa_cpu_maxpool(const struct csa_prog_op *op, const int8_t *x, int8_t *y);

/* y[u] = requant(acc[u]) for u < n of units [u0, u0 + n) of @l */
void csa_cpu_requant(const struct csa_cpu_layer *l, uint32_t u0, uint32_t n,
		     const int32_t *acc, int8_t *y);
/* y32[u] = sat32(acc[u] + bias) */
void csa_cpu_add_bias(const struct csa_cpu_layer *l, uint32_t u0, uint32_t n,
		      const int32_t *acc, int32_t *y32);

/* ---- k-WTA (cpu_kwta.c) ---- */

/*
 * The k-th largest of n keys and how many of the keys equal to it win
 * (ties to the lower index), as csa_dp_select_kth(); cand is scratch of n.
 */
uint32_t csa_cpu_select_kth(const uint32_t *keys, uint32_t n, uint32_t k,
			    uint32_t *take_eq, uint32_t *cand);

/* Global k-WTA of x (c x plane) into a dense y, or a sparse (idx, val). */
uint32_t csa_cpu_kwta_global(const int8_t *x, uint32_t c, uint32_t plane,
			     const uint16_t *boost, uint32_t k, int8_t *y,
			     uint32_t *idx, int8_t *val,
			     struct csa_cpu_scratch *s);
/* Local k-WTA (per position across channels), same outputs. */
uint32_t csa_cpu_kwta_local(const int8_t *x, uint32_t c, uint32_t plane,
			    const uint16_t *boost, uint32_t k, int8_t *y,
			    uint32_t *idx, int8_t *val,
			    struct csa_cpu_scratch *s);

#endif /* CSA_CPU_INTERNAL_H */
