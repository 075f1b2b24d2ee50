// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dp-bench: the complementary-sparse datapath (firmware/csa_dp_*.c) run
 * natively on one layer, the super-sparse layer of the reference network:
 * linear 1600 -> 1500, weights 95 % sparse (K = 20, perfectly
 * complementary), 10 % of the inputs active.  Four ways:
 *
 *   dense           the same weights unpacked to K = 1 (zeros stored),
 *                   every input visited
 *   sparse weights  packed K = 20, every input visited (dense input)
 *   zero-skip       packed K = 20, dense input, zero inputs skipped
 *   sparse-sparse   packed K = 20, sparse input (Select: 160 columns)
 *
 * All four give the same int8 outputs (checked).  Times are the best of N
 * runs (CLOCK_MONOTONIC) of: clearing the accumulators + the MAC phase
 * ("accumulate"), and that plus the output stage (tag map, requantise:
 * "layer").  Card cycles are the cost model's at the given lanes.
 * Prints a table; not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csa_dp.h"

#define UNITS	1500
#define COLS	1600
#define K	20

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int8_t rnd_nz(void)
{
	int v;

	do
		v = (int)(rnd() % 256) - 128;
	while (!v);
	return (int8_t)v;
}

struct layer {
	struct csa_dp_layer d;
	uint8_t *w;
	uint16_t *tagmap;
	struct csa_dp_rq *rq;
	int32_t *acc;
	uint32_t nacc;
};

static void layer_alloc(struct layer *l, uint32_t k)
{
	uint32_t groups = (UNITS + k - 1) / k;

	l->w = calloc((size_t)COLS * groups, CSA_PACKED_ELEM_SIZE);
	l->tagmap = malloc(2 * groups * k);
	l->rq = malloc(sizeof(*l->rq) * UNITS);
	l->nacc = groups * k + CSA_DP_ACC_PAD;
	l->acc = malloc(4 * l->nacc);
	for (uint32_t a = 0; a < groups * k; a++)
		l->tagmap[a] = a < UNITS ? (uint16_t)a : CSA_TAGMAP_NONE;
	l->d = (struct csa_dp_layer){
		.units = UNITS, .cols = COLS, .k = k, .groups = groups,
		.w = l->w, .tagmap = l->tagmap, .rq = l->rq,
	};
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

enum variant { DENSE, SPARSE_W, ZERO_SKIP, SPARSE_SPARSE, NVAR };

static const char *const vname[NVAR] = {
	"dense (K=1, every input)",
	"sparse weights, every input",
	"sparse weights, zero-skip input",
	"sparse-sparse (Select)",
};

struct input {
	int8_t x[COLS];
	uint32_t idx[COLS];
	int8_t val[COLS];
	uint32_t count;
};

static void run(enum variant v, struct layer *l, const struct input *in,
		bool output, int8_t *y, struct csa_dp_stats *st)
{
	memset(st, 0, sizeof(*st));
	memset(l->acc, 0, 4 * l->nacc);
	switch (v) {
	case DENSE:
	case SPARSE_W:
		csa_dp_linear_dense(&l->d, in->x, false, l->acc, st);
		break;
	case ZERO_SKIP:
		csa_dp_linear_dense(&l->d, in->x, true, l->acc, st);
		break;
	default:
		csa_dp_linear_sparse(&l->d, in->idx, in->val, in->count, l->acc,
				     st);
		break;
	}
	if (output)
		csa_dp_output(&l->d, l->acc, 1, y, NULL);
}

/* best of n, in ns */
static double best(enum variant v, struct layer *l, const struct input *in,
		   bool output, int n, int8_t *y)
{
	struct csa_dp_stats st;
	double b = 1e30;

	for (int i = 0; i < n; i++) {
		double t0 = now_ns(), t;

		run(v, l, in, output, y, &st);
		t = now_ns() - t0;
		if (t < b)
			b = t;
	}
	return b;
}

int main(int argc, char **argv)
{
	static struct layer dense, sparse;
	static struct input in;
	uint32_t lanes = 64;
	int n = 200;
	int8_t y[NVAR][UNITS];
	double t_acc[NVAR], t_layer[NVAR];
	uint64_t macs[NVAR], cycles[NVAR], visits[NVAR];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			n = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--lanes") && i + 1 < argc) {
			lanes = (uint32_t)atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [-n RUNS] [--lanes N]\n", argv[0]);
			return 2;
		}
	}
	if (n < 1 || !lanes) {
		fprintf(stderr, "dp-bench: -n and --lanes must be >= 1\n");
		return 2;
	}

	/* K = 20 complementary layer: every column to one unit of each group */
	layer_alloc(&sparse, K);
	layer_alloc(&dense, 1);
	for (uint32_t u = 0; u < UNITS; u++) {
		struct csa_dp_rq q = { (int32_t)(rnd() % 4001) - 2000,
				       (int32_t)(rnd() % 200) + 1, 16 };

		sparse.rq[u] = q;
		dense.rq[u] = q;
	}
	for (uint32_t c = 0; c < COLS; c++) {
		for (uint32_t g = 0; g < sparse.d.groups; g++) {
			uint32_t t = rnd() % K;
			uint8_t *e = sparse.w + ((size_t)c * sparse.d.groups + g) * 2;
			int8_t v = rnd_nz();

			e[0] = (uint8_t)v;
			e[1] = (uint8_t)t;
			/* the same weight in the dense layer (unit g*K+t) */
			dense.w[((size_t)c * UNITS + g * K + t) * 2] = (uint8_t)v;
		}
	}
	/* exactly 10 % of the inputs active, at random positions */
	for (uint32_t a = 0; a < COLS / 10;) {
		uint32_t c = rnd() % COLS;

		if (!in.x[c]) {
			in.x[c] = rnd_nz();
			a++;
		}
	}
	for (uint32_t c = 0; c < COLS; c++) {
		if (in.x[c]) {
			in.idx[in.count] = c;
			in.val[in.count++] = in.x[c];
		}
	}

	for (int v = 0; v < NVAR; v++) {
		struct layer *l = v == DENSE ? &dense : &sparse;
		struct csa_dp_stats st;

		run(v, l, &in, true, y[v], &st);
		macs[v] = st.macs;
		visits[v] = st.visits;
		cycles[v] = csa_dp_cost_mac(&st, l->d.groups, lanes) +
			    csa_dp_cost_stream(st.inputs, lanes) +
			    csa_dp_cost_stream(UNITS, lanes) +
			    csa_dp_cost_dma(st.visits * l->d.groups *
					    CSA_PACKED_ELEM_SIZE +
					    (v == SPARSE_SPARSE ? 5ull * in.count :
					     COLS) + UNITS);
		t_acc[v] = best(v, l, &in, false, n, y[v]);
		t_layer[v] = best(v, l, &in, true, n, y[v]);
		if (memcmp(y[v], y[DENSE], UNITS)) {
			fprintf(stderr, "dp-bench: %s gives different outputs than dense\n",
				vname[v]);
			return 1;
		}
	}

	printf("dp-bench: linear %u -> %u, weights %u%% sparse (K = %u, %u groups), %u of %u inputs active, best of %d, %u lanes\n\n",
	       COLS, UNITS, 100 - 100 / K, K, sparse.d.groups, in.count, COLS,
	       n, lanes);
	printf("%-32s %3s %6s %8s %9s %12s %10s %8s %12s\n", "variant", "K",
	       "groups", "columns", "MACs", "accumulate", "layer", "ns/MAC",
	       "card cycles");
	for (int v = 0; v < NVAR; v++) {
		struct layer *l = v == DENSE ? &dense : &sparse;

		printf("%-32s %3u %6u %8llu %9llu %9.1f us %7.1f us %8.3f %12llu\n",
		       vname[v], l->d.k, l->d.groups,
		       (unsigned long long)visits[v], (unsigned long long)macs[v],
		       t_acc[v] / 1e3, t_layer[v] / 1e3, t_acc[v] / (double)macs[v],
		       (unsigned long long)cycles[v]);
	}
	printf("\ndense / sparse-sparse: MACs %.0fx, time %.0fx (accumulate), %.0fx (layer incl. output stage), card cycles %.0fx\n",
	       (double)macs[DENSE] / macs[SPARSE_SPARSE],
	       t_acc[DENSE] / t_acc[SPARSE_SPARSE],
	       t_layer[DENSE] / t_layer[SPARSE_SPARSE],
	       (double)cycles[DENSE] / cycles[SPARSE_SPARSE]);
	printf("output stage (tag map + requantise %u units): %.1f us, the floor of the sparse-sparse layer time\n",
	       UNITS, (t_layer[SPARSE_SPARSE] - t_acc[SPARSE_SPARSE]) / 1e3);
	printf("limits: dense streams %.1f MB of packed weights per pass (%.1f GB/s here); sparse-sparse reads %u columns of %u B and scatters each product to a data-dependent accumulator (%.2f vs %.2f ns per MAC), and pays the output stage, which does not shrink with sparsity\n",
	       COLS * (double)UNITS * CSA_PACKED_ELEM_SIZE / 1e6,
	       COLS * (double)UNITS * CSA_PACKED_ELEM_SIZE / t_acc[DENSE],
	       in.count, sparse.d.groups * CSA_PACKED_ELEM_SIZE,
	       t_acc[SPARSE_SPARSE] / (double)macs[SPARSE_SPARSE],
	       t_acc[DENSE] / (double)macs[DENSE]);
	printf("all variants: identical int8 outputs\n");
	return 0;
}
