/* SPDX-License-Identifier: MIT */
/*
 * The honest CPU baseline rows of dp-bench and csa-bench --datapath
 * (tools/baseline/): the dense job of a layer or network as a tuned int8
 * GEMV / im2col + GEMM on every instruction-set path this CPU has, and as
 * plain CSC sparse weights x the active inputs.  Each checks its output
 * against @ref and prints its rows to @out and the ratios against @ss_ns, the
 * caller's sparse-sparse time on this CPU (min of its runs).
 */
#ifndef DP_BASELINE_H
#define DP_BASELINE_H

#include <stdint.h>
#include <stdio.h>

#include "dp-net.h"

/*
 * Rows for a time per row: *dense_ns (the widest path's min) and *csc_ns
 * are the results (may be NULL).  Returns 0, or -1 with a message.
 */
int dpb_linear(FILE *out, const struct dpn_job *dense, const struct dpn_job *ss,
	       const int8_t *ref, int n, double ss_ns, double *dense_ns,
	       double *csc_ns);
int dpb_net(FILE *out, const struct dpn_job *dense, const uint8_t *ref, int n,
	    double ss_ns, double *dense_ns, double *csc_ns);

#endif /* DP_BASELINE_H */
