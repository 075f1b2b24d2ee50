// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Cycle cost model of the FPGA datapath (docs/hardware.md, "Datapath").
 * DP_LANES multipliers work on packed columns under the lane schedule
 * below (several narrow column visits share a cycle, each routed to its
 * own accumulator bank; route and sum are pipelined behind the
 * multipliers), the input stream passes a zero detector / Select unit
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

uint32_t csa_dp_sched_slots(uint32_t groups, uint32_t lanes)
{
	uint32_t r = groups % lanes, n;

	if (!r)
		return 1;
	n = lanes / r;
	return n < CSA_DP_BANKS ? n : CSA_DP_BANKS;
}

void csa_dp_sched_init(struct csa_dp_stats *st, uint32_t groups,
		       uint32_t lanes)
{
	lanes = lanes ? lanes : 1;
	st->full = groups / lanes;
	st->slots = groups % lanes ? csa_dp_sched_slots(groups, lanes) : 0;
	st->open = 0;
	st->banks = 0;
}

/*
 * A visit is floor(G / lanes) full-width pieces, each a cycle of its own,
 * and a remainder piece of G mod lanes lanes.  Remainder pieces of
 * consecutive visits share a cycle, up to st->slots of them, as long as
 * each routes to a bank no other piece of the cycle uses; the first that
 * cannot join opens the next cycle (in-order issue, no reordering).
 */
void csa_dp_sched_visit(struct csa_dp_stats *st, uint32_t bank)
{
	uint32_t bit;

	st->cycles += st->full;
	if (!st->slots)
		return;
	/* LINEAR: slot i of a cycle accumulates into partial-sum bank i */
	bit = 1u << (bank == CSA_DP_BANK_OWN ? st->open : bank % CSA_DP_BANKS);
	if (st->open == st->slots) {
		st->open = 0;
	} else if (st->open && (st->banks & bit)) {
		st->conflicts++;
		st->open = 0;
	}
	if (!st->open) {
		st->cycles++;
		st->banks = 0;
	}
	st->open++;
	st->banks |= bit;
}

uint64_t csa_dp_cost_mac(const struct csa_dp_stats *st)
{
	return st->cycles;
}

uint64_t csa_dp_cost_stream(uint64_t n, uint32_t lanes)
{
	return csa_dp_div_up(n, lanes);
}

uint64_t csa_dp_cost_kwta(uint64_t n, uint64_t groups, uint32_t lanes,
			  uint32_t passes)
{
	/*
	 * per group: the radix passes over the scores, a prefix scan of the
	 * 256 buckets per pass (lanes buckets per cycle), one marking pass
	 */
	return groups * ((passes + 1) * csa_dp_div_up(n, lanes) +
			 passes *
			 csa_dp_div_up(CSA_DP_KWTA_RADIX, lanes));
}

void csa_dp_stage_kwta(struct csa_dp_stage *s, uint64_t n, uint64_t groups,
		       uint32_t lanes, uint32_t passes, bool local)
{
	uint64_t all = csa_dp_cost_kwta(n, groups, lanes, passes);
	uint64_t pass = groups * csa_dp_div_up(n, lanes);

	if (local) {
		/* per position across the channels: not in stream order */
		s->mid += all;
		return;
	}
	/* pass 1 histograms the scores as they stream in; marking streams out */
	s->head += pass;
	s->tail += pass;
	s->mid += all - 2 * pass;
}

uint64_t csa_dp_cost_overlap(uint64_t *pending, const struct csa_dp_stage *s)
{
	uint64_t c = (*pending > s->head ? *pending : s->head) + s->mid;

	*pending = s->tail;
	return c;
}
