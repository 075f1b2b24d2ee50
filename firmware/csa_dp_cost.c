// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Cycle cost model of the FPGA datapath (docs/hardware.md, "Datapath").
 * DP_LANES multipliers work on one packed column at a time (a column of G
 * groups takes ceil(G / lanes) cycles; route and sum are pipelined behind
 * the multipliers), the input stream passes a zero detector / Select unit
 * at lanes elements per cycle, the requantisers and pooling comparators
 * handle lanes results per cycle, k-WTA is a radix select (passes over
 * the scores and a scan of the buckets, lanes per cycle), and the DMA
 * engine moves 64 bytes per cycle.  Every figure comes from counts of the
 * work, never from time, so the card and the CPU reference agree.
 */
#include "csa_dp.h"

#define CSA_DP_DMA_BYTES_PER_CYCLE	64

uint64_t csa_dp_div_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

uint64_t csa_dp_cost_dma(uint64_t bytes)
{
	return csa_dp_div_up(bytes, CSA_DP_DMA_BYTES_PER_CYCLE);
}

uint64_t csa_dp_cost_mac(const struct csa_dp_stats *st, uint32_t groups,
			 uint32_t lanes)
{
	return st->visits * csa_dp_div_up(groups, lanes);
}

uint64_t csa_dp_cost_stream(uint64_t n, uint32_t lanes)
{
	return csa_dp_div_up(n, lanes);
}

uint64_t csa_dp_cost_kwta(uint64_t n, uint64_t groups, uint32_t lanes)
{
	/*
	 * per group: the radix passes over the scores, a prefix scan of the
	 * 256 buckets per pass (lanes buckets per cycle), one marking pass
	 */
	return groups * ((CSA_DP_KWTA_PASSES + 1) * csa_dp_div_up(n, lanes) +
			 CSA_DP_KWTA_PASSES *
			 csa_dp_div_up(CSA_DP_KWTA_RADIX, lanes));
}
