/* SPDX-License-Identifier: MIT */
/*
 * libcsa's optimised CPU backend (lib/cpu/) on a job of dp-net.h, next to
 * the baselines: the job's program decoded once, then run n times on
 * every dispatch path this CPU has; the output checked against @ref.
 * Prints its rows (min and median), the per-op split of the widest path
 * and the ratios against the tuned dense and CSC baselines (@dense_ns,
 * @csc_ns, mins) and the datapath's sparse-sparse (@ss_ns).
 */
#ifndef DP_CPU_H
#define DP_CPU_H

#include <stdio.h>

#include "dp-net.h"

int dpc_bench(FILE *out, const char *what, const struct dpn_job *job,
	      const uint8_t *ref, int n, double ss_ns, double dense_ns,
	      double csc_ns, double dense_target, double csc_target);

#endif /* DP_CPU_H */
