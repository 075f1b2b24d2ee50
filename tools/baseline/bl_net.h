/* SPDX-License-Identifier: MIT */
/*
 * A dense (K = 1) job program of dp-net.h run as a CPU baseline, natively:
 *   BL_GEMM  CONV2D as im2col + bl_gemm(), LINEAR as a GEMV (bl_gemm with
 *            one column): every MAC of the dense layer, vectorised
 *   BL_CSC   each layer's non-zero weights as CSC, scattered by the
 *            non-zero inputs only (scalar C): sparse x sparse without
 *            complementary packing
 * k-WTA, max pooling and the output stage (requantisation, CHW order) are
 * libcsa's CPU backend's kernels (lib/cpu/) in every row, so the rows
 * differ in the MAC phase of the layers only.  The output is
 * the job's, bit for bit (checked by the callers).
 */
#ifndef CSA_BL_NET_H
#define CSA_BL_NET_H

#include "bl.h"
#include "cpu/cpu_internal.h"
#include "dp-net.h"

enum bl_mode { BL_GEMM, BL_CSC };

#define BL_NET_MAX_OPS	16

/**
 * struct bl_op - one decoded op
 * @op: the op
 * @w: LINEAR, CONV2D: dense weights A[unit][col]
 * @s: the same as CSC
 * @rq: per-unit requantisation
 * @out: the same for the CPU backend's output kernels (bias, mult, shift)
 * @boost: KWTA with CSA_PROG_F_BOOST: per-channel boost
 * @csc_macs: MACs of the op's last CSC run
 */
struct bl_op {
	struct csa_prog_op op;
	struct bl_mat w;
	struct bl_csc s;
	struct csa_dp_rq *rq;
	struct csa_cpu_layer out;
	uint16_t *boost;
	uint64_t csc_macs;
};

/**
 * struct bl_net - a decoded dense job
 * @job: the job (its slots hold the input, activations and output)
 * @ops: @n decoded ops
 * @cols: im2col rows (largest conv: positions x kp bytes)
 * @c: int32 results (largest layer)
 * @ks: k-WTA and output-stage scratch (the CPU backend's)
 * @op_ns: time of each op in the last bl_net_run()
 */
struct bl_net {
	const struct dpn_job *job;
	struct bl_op *ops;
	uint32_t n;
	uint8_t *cols;
	int32_t *c;
	struct csa_cpu_scratch ks;
	double op_ns[BL_NET_MAX_OPS];
};

/* Decode the DPN_DENSE job @job (K = 1 layers); -1 on failure. */
int bl_net_init(struct bl_net *net, const struct dpn_job *job);
void bl_net_free(struct bl_net *net);
/* Run the job's program; the output lands in the job's OUTPUT slot. */
void bl_net_run(struct bl_net *net, enum bl_mode mode);
/* MACs a run does: dense (every weight) or CSC (non-zero weight x input). */
uint64_t bl_net_macs(const struct bl_net *net, enum bl_mode mode);

#endif /* CSA_BL_NET_H */
