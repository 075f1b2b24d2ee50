/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The card's complementary-sparse datapath: the arithmetic of the job
 * program ops on data in (card-local) memory.  csa_prog.c moves data
 * between the job's buffers and that memory and calls these.
 *
 * Portable C (only <stdint.h>, <stddef.h>, <stdbool.h>, <string.h>), no
 * floating point: the virtual card runs it natively and libcsa compiles
 * the same files as its CPU reference, so both give bit-identical results.
 * docs/formats.md has the exact arithmetic, docs/hardware.md the cost
 * model.
 *
 * One concern per file:
 *   csa_dp_requant.c  requantisation (bias, multiplier, shift, saturation)
 *   csa_dp_linear.c   Multiply/Route/Sum over packed columns, Select of
 *                     active inputs, LINEAR, and the output stage (tag map
 *                     + requantisation) shared with CONV2D
 *   csa_dp_conv.c     CONV2D as a scatter of active inputs over columns
 *   csa_dp_kwta.c     k-winners-take-all, global and local
 *   csa_dp_pool.c     MAXPOOL2D
 *   csa_dp_cost.c     the cycle cost model
 */
#ifndef CSA_DP_H
#define CSA_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csa_format.h"

/*
 * Accumulator arrays have CSA_DP_ACC_PAD spare entries past the last
 * group, so that a column with a bad tag (>= k, up to 255) stays inside
 * the array; the op then fails (csa_dp_* return the largest tag seen).
 */
#define CSA_DP_ACC_PAD			256

/**
 * struct csa_dp_rq - decoded requantisation of one unit
 * @bias: added to the accumulator (saturating to int32)
 * @mult: multiplier
 * @shift: 0..CSA_REQUANT_MAX_SHIFT
 */
struct csa_dp_rq {
	int32_t bias;
	int32_t mult;
	uint32_t shift;
};

/**
 * struct csa_dp_layer - a packed layer in memory
 * @units: output units
 * @cols: packed columns
 * @k: kernels per group (accumulators per group)
 * @groups: G
 * @w: cols * groups packed elements {int8 value, uint8 tag}, column-major
 *     (may be NULL when the caller hands over columns one by one)
 * @tagmap: groups * k entries: unit of accumulator g * k + t, or
 *     CSA_TAGMAP_NONE
 * @rq: units requantisation records
 */
struct csa_dp_layer {
	uint32_t units;
	uint32_t cols;
	uint32_t k;
	uint32_t groups;
	const uint8_t *w;
	const uint16_t *tagmap;
	const struct csa_dp_rq *rq;
};

/*
 * Accumulator banks of the datapath: a cycle issues at most this many
 * column visits (docs/hardware.md, "Lane schedule").
 */
#define CSA_DP_BANKS			8

/**
 * struct csa_dp_stats - work done, for the cost model and benchmarks
 * @visits: packed columns visited (each is @groups multiply lanes of work)
 * @macs: packed elements multiplied (visits * groups)
 * @inputs: input elements streamed through the zero detector/Select
 * @cycles: MAC-stage cycles of the lane schedule (csa_dp_sched_visit());
 *          0 unless csa_dp_sched_init() set the schedule up
 * @conflicts: cycles closed early because two visits wanted one bank
 * @full: schedule: full-width pieces of a visit (G / lanes)
 * @slots: schedule: remainder pieces per cycle (0: G is a multiple of
 *         lanes, no remainder)
 * @open: schedule: remainder pieces in the open cycle
 * @banks: schedule: bit mask of the banks the open cycle uses
 */
struct csa_dp_stats {
	uint64_t visits;
	uint64_t macs;
	uint64_t inputs;
	uint64_t cycles;
	uint64_t conflicts;
	uint32_t full;
	uint32_t slots;
	uint32_t open;
	uint32_t banks;
};

/* ---- csa_dp_requant.c ---- */

/* sat32(acc + bias) */
int32_t csa_dp_add_bias(int32_t acc, int32_t bias);
/* sat8(round_half_up(sat32(acc + bias) * mult / 2^shift)), shift <= 31 */
int8_t csa_dp_requant(int32_t acc, const struct csa_dp_rq *rq);

/* ---- csa_dp_linear.c ---- */

/*
 * Multiply/Route/Sum of one packed column: for every group g,
 * acc[g * k + tag] += value * x.  Returns the largest tag in the column
 * (the caller fails the op when it is >= k).
 */
uint32_t csa_dp_mac_col(int32_t *acc, const uint8_t *col, uint32_t groups,
			uint32_t k, int32_t x);

/*
 * LINEAR accumulation into acc (groups * k + CSA_DP_ACC_PAD entries,
 * zeroed by the caller) from a dense input x[cols].  skip_zero: visit only
 * non-zero inputs (Select on a dense vector); otherwise every column.
 * Returns the largest tag seen.
 */
uint32_t csa_dp_linear_dense(const struct csa_dp_layer *l, const int8_t *x,
			     bool skip_zero, int32_t *acc,
			     struct csa_dp_stats *st);

/*
 * LINEAR accumulation from a sparse input: count (index, value) pairs,
 * indices < cols (checked by the caller).  Zero values are skipped.
 */
uint32_t csa_dp_linear_sparse(const struct csa_dp_layer *l,
			      const uint32_t *idx, const int8_t *val,
			      uint32_t count, int32_t *acc,
			      struct csa_dp_stats *st);

/*
 * Output stage: route accumulator a = g * k + t of every position p to
 * unit tagmap[a] and requantise: y[unit * positions + p] (CHW order).
 * acc holds positions blocks of stride = groups * k accumulators.  With
 * y32 non-NULL, y32[...] = sat32(acc + bias) instead (y unused).
 */
void csa_dp_output(const struct csa_dp_layer *l, const int32_t *acc,
		   uint32_t positions, int8_t *y, int32_t *y32);

/* ---- csa_dp_conv.c ---- */

/**
 * struct csa_dp_conv - CONV2D geometry
 * @in_c: @in_h: @in_w: input shape
 * @out_h: @out_w: output plane
 * @kh: @kw: kernel, @sh: @sw: stride (>= 1), @ph: @pw: zero padding
 */
struct csa_dp_conv {
	uint32_t in_c, in_h, in_w;
	uint32_t out_h, out_w;
	uint32_t kh, kw, sh, sw, ph, pw;
};

/*
 * Scatter input element (c, y, x) = v into every output position whose
 * window covers it: column (c * kh + ky) * kw + kx of the layer into the
 * accumulator block of that position (acc: out_h * out_w blocks of
 * groups * k, plus CSA_DP_ACC_PAD).  Returns the largest tag seen.
 */
uint32_t csa_dp_conv_point(const struct csa_dp_layer *l,
			   const struct csa_dp_conv *g, uint32_t c,
			   uint32_t y, uint32_t x, int32_t v, int32_t *acc,
			   struct csa_dp_stats *st);

/*
 * CONV2D from a dense CHW input; skip_zero: visit its non-zero elements
 * only, otherwise every element.
 */
uint32_t csa_dp_conv_dense(const struct csa_dp_layer *l,
			   const struct csa_dp_conv *g, const int8_t *x,
			   bool skip_zero, int32_t *acc,
			   struct csa_dp_stats *st);

/* CONV2D from a sparse input (flat CHW indices < in_c*in_h*in_w). */
uint32_t csa_dp_conv_sparse(const struct csa_dp_layer *l,
			    const struct csa_dp_conv *g, const uint32_t *idx,
			    const int8_t *val, uint32_t count, int32_t *acc,
			    struct csa_dp_stats *st);

/* ---- csa_dp_kwta.c ---- */

/*
 * Global k-WTA over a C x plane tensor (plane = H * W): mark[i] = 1 for the
 * k winners, 0 otherwise.  score = x[i] * boost[i / plane] (boost NULL:
 * x[i]); a higher score wins, equal scores go to the lower index.  No key
 * scratch: the radix passes recompute the scores.  1 <= k <= n.
 */
void csa_dp_kwta_global(const int8_t *x, uint32_t c, uint32_t plane,
			const uint16_t *boost, uint32_t k, uint8_t *mark);

/*
 * Local k-WTA: at every position p, the k winners among the C channels
 * x[ch * plane + p], same score and tie rule (lower channel wins).  keys is
 * scratch of C entries.  1 <= k <= C.
 */
void csa_dp_kwta_local(const int8_t *x, uint32_t c, uint32_t plane,
		       const uint16_t *boost, uint32_t k, uint8_t *mark,
		       uint32_t *keys);

/*
 * The k-th largest of n keys (1 <= k <= n) and how many keys equal to it
 * are winners when ties go to the lower index: *take_eq.
 */
uint32_t csa_dp_select_kth(const uint32_t *keys, uint32_t n, uint32_t k,
			   uint32_t *take_eq);

/* y[i] = mark[i] ? x[i] : 0 (y may be x: in place) */
void csa_dp_kwta_dense(const int8_t *x, const uint8_t *mark, uint32_t n,
		       int8_t *y);
/* The marked elements in ascending index order; returns their count. */
uint32_t csa_dp_kwta_sparse(const int8_t *x, const uint8_t *mark, uint32_t n,
			    uint32_t *idx, int8_t *val);

/* ---- csa_dp_pool.c ---- */

/*
 * MAXPOOL2D on int8 CHW: y[c][oy][ox] = max of x[c][oy*sh + i][ox*sw + j],
 * 0 <= i < kh, 0 <= j < kw (windows lie inside the input).
 */
void csa_dp_maxpool(const int8_t *x, uint32_t c, uint32_t h, uint32_t w,
		    uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw,
		    uint32_t oh, uint32_t ow, int8_t *y);

/* ---- csa_dp_cost.c: cycles of the FPGA datapath (docs/hardware.md) ---- */

#define CSA_DP_CYCLES_OP		64	/* per op: decode, layer setup */
#define CSA_DP_KWTA_RADIX		256	/* buckets per radix pass */
/*
 * Radix passes of 8 bits over the k-WTA keys: an int8 score is one byte,
 * a boosted one (int8 x Q8.8) 24 bits.
 */
#define CSA_DP_KWTA_PASSES(boost)	((boost) ? 3u : 1u)

uint64_t csa_dp_div_up(uint64_t n, uint64_t d);
/* DMA engine: CSA_DMA_BYTES_PER_CYCLE (64) bytes per cycle */
uint64_t csa_dp_cost_dma(uint64_t bytes);
/*
 * Lane schedule of the Multiply/Route/Sum stage: st (zeroed or fresh) is
 * set up for columns of groups at lanes multipliers; then every visit is
 * scheduled in issue order with the accumulator bank it routes to
 * (LINEAR: CSA_DP_BANK_OWN, its own partial-sum bank; CONV2D: output
 * position (oy, ox) -> (oy * ceil(kw / sw) + ox) mod CSA_DP_BANKS).
 * st->cycles is the stage's cycles.
 */
#define CSA_DP_BANK_OWN			UINT32_MAX
void csa_dp_sched_init(struct csa_dp_stats *st, uint32_t groups,
		       uint32_t lanes);
void csa_dp_sched_visit(struct csa_dp_stats *st, uint32_t bank);
/* Visits a LINEAR cycle issues: min(lanes / (G mod lanes), banks), >= 1 */
uint32_t csa_dp_sched_slots(uint32_t groups, uint32_t lanes);
/* Multiply/Route/Sum cycles of the visits scheduled in st */
uint64_t csa_dp_cost_mac(const struct csa_dp_stats *st);
/* lanes elements per cycle (zero detect, requantise, pooling compares) */
uint64_t csa_dp_cost_stream(uint64_t n, uint32_t lanes);
/* k-WTA: a selection among n scores, groups times (local: per position) */
uint64_t csa_dp_cost_kwta(uint64_t n, uint64_t groups, uint32_t lanes,
			  uint32_t passes);

/**
 * struct csa_dp_stage - an op's cycles by stage (docs/hardware.md,
 * "Overlapped stages")
 * @head: consuming its input in stream order: reads (DMA), input stream
 *        and MAC stage; k-WTA's first radix pass; pooling compares
 * @mid: work that needs the whole input and produces nothing meanwhile:
 *       k-WTA's other radix passes and bucket scans (local k-WTA: all)
 * @tail: producing its output in stream order: output stage (tag map,
 *        requantisation), k-WTA's marking pass, writes (DMA)
 */
struct csa_dp_stage {
	uint64_t head;
	uint64_t mid;
	uint64_t tail;
};

/* k-WTA cycles as stages; their sum is csa_dp_cost_kwta() */
void csa_dp_stage_kwta(struct csa_dp_stage *s, uint64_t n, uint64_t groups,
		       uint32_t lanes, uint32_t passes, bool local);
/*
 * The overlap rule: an op's head runs while the previous op's tail
 * (*pending) drains through the double-buffered output, so the pair costs
 * max(tail, head); then its mid; its own tail is left in *pending for the
 * next op (the last op's: added by the caller).  Returns the cycles to
 * charge now.
 */
uint64_t csa_dp_cost_overlap(uint64_t *pending, const struct csa_dp_stage *s);

#endif /* CSA_DP_H */
