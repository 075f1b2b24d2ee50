// SPDX-License-Identifier: MIT
/* The baseline rows of the datapath benchmarks (dp-baseline.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_net.h"
#include "bl_time.h"
#include "csa_prog.h"
#include "dp-baseline.h"

static void row(FILE *out, const char *name, uint64_t macs, struct bl_time t)
{
	fprintf(out, "%-44s %9llu %9.1f us %9.1f us %8.4f\n", name,
	       (unsigned long long)macs, t.min_ns / 1e3, t.med_ns / 1e3,
	       t.min_ns / (double)macs);
}

/* The ratios against sparse-sparse, and the mins for the caller. */
static void ratios(FILE *out, const char *what, struct bl_time td, struct bl_time tc,
		   double ss_ns, double *dense_ns, double *csc_ns)
{
	fprintf(out, "\nCPU ratios (time on this host, %s, min):\n", what);
	fprintf(out, "tuned dense int8 / sparse-sparse: time %.1fx\n", td.min_ns / ss_ns);
	fprintf(out, "CSC sparse / sparse-sparse: time %.1fx\n", tc.min_ns / ss_ns);
	if (dense_ns)
		*dense_ns = td.min_ns;
	if (csc_ns)
		*csc_ns = tc.min_ns;
}

static void header(FILE *out, const char *what)
{
	fprintf(out, "\n%s: CPU baselines on this host (outputs checked equal), min and median\n\n", what);
	fprintf(out, "%-44s %9s %12s %12s %8s\n", "baseline", "MACs", "min", "median", "ns/MAC");
}

int dpb_linear(FILE *out, const struct dpn_job *dense, const struct dpn_job *ss,
	       const int8_t *ref, int n, double ss_ns, double *dense_ns,
	       double *csc_ns)
{
	const uint8_t *sp = ss->slot[CSA_MODEL_SLOT_INPUT];
	const int8_t *x = (const int8_t *)dense->slot[CSA_MODEL_SLOT_INPUT];
	struct bl_net net;
	struct csa_sparse_hdr h;
	struct bl_time t, td = { 0 }, tc;
	const struct bl_op *o;
	double *samples = malloc(sizeof(double) * (size_t)n);
	uint32_t *idx = NULL;
	int8_t *y = NULL, *val;
	uint8_t *xb = NULL;
	int32_t *c = NULL;
	uint64_t csc_macs = 0;
	int ret = -1;

	if (!samples || bl_net_init(&net, dense)) {
		fprintf(stderr, "baseline: cannot decode the dense linear job\n");
		free(samples);
		return -1;
	}
	o = &net.ops[0];
	csa_sparse_hdr_decode(&h, sp);
	idx = malloc(4ull * h.count + 4);
	xb = aligned_alloc(64, (o->w.kp + 63) / 64 * 64);
	c = malloc(4ull * o->w.m);
	y = malloc(o->w.m);
	if (!idx || !xb || !c || !y)
		goto out;
	for (uint32_t i = 0; i < h.count; i++)
		idx[i] = (uint32_t)csa_get_le(sp + CSA_SPARSE_IDX_OFF + 4 * i, 4);
	val = (int8_t *)sp + CSA_SPARSE_VAL_OFF(h.capacity);
	memset(xb, 128, o->w.kp);
	for (uint32_t i = 0; i < o->w.k; i++)
		xb[i] = (uint8_t)(x[i] + 128);

	header(out, "linear layer");
	for (int isa = BL_SCALAR; isa <= (int)bl_isa_best(); isa++) {
		char name[64];

		bl_isa_set((enum bl_isa)isa);
		BL_TIME(t, samples, n, bl_gemm(&o->w, xb, 1, c, 1, 1);
			csa_cpu_requant(&o->out, 0, o->w.m, c, y));
		if (memcmp(y, ref, o->w.m)) {
			fprintf(stderr, "baseline: GEMV (%s) output differs\n", bl_isa_name[isa]);
			goto out;
		}
		snprintf(name, sizeof(name), "tuned dense int8 GEMV, %s", bl_isa_name[isa]);
		row(out, name, (uint64_t)o->w.m * o->w.k, t);
		td = t;
	}
	BL_TIME(tc, samples, n, memset(c, 0, 4ull * o->w.m);
		for (uint32_t i = 0; i < h.count; i++)
			bl_csc_col(&o->s, idx[i], val[i], c);
		csa_cpu_requant(&o->out, 0, o->w.m, c, y));
	if (memcmp(y, ref, o->w.m)) {
		fprintf(stderr, "baseline: CSC output differs\n");
		goto out;
	}
	for (uint32_t i = 0; i < h.count; i++)
		csc_macs += val[i] ? o->s.ptr[idx[i] + 1] - o->s.ptr[idx[i]] : 0;
	row(out, "CSC sparse weights x sparse input, scalar", csc_macs, tc);
	ratios(out, "layer incl. output stage", td, tc, ss_ns, dense_ns, csc_ns);
	ret = 0;
out:
	bl_isa_set(bl_isa_best());
	bl_net_free(&net);
	free(samples);
	free(idx);
	free(xb);
	free(c);
	free(y);
	return ret;
}

int dpb_net(FILE *out, const struct dpn_job *dense, const uint8_t *ref, int n,
	    double ss_ns, double *dense_ns, double *csc_ns)
{
	const uint8_t *res = dense->slot[CSA_MODEL_SLOT_OUTPUT];
	double *samples = malloc(sizeof(double) * (size_t)n);
	struct bl_time t, td = { 0 }, tc;
	struct bl_net net;
	int ret = -1;

	if (!samples || bl_net_init(&net, dense)) {
		fprintf(stderr, "baseline: cannot decode the dense network job\n");
		free(samples);
		return -1;
	}
	header(out, "network");
	for (int isa = BL_SCALAR; isa <= (int)bl_isa_best(); isa++) {
		char name[64];

		bl_isa_set((enum bl_isa)isa);
		memset(dense->slot[CSA_MODEL_SLOT_OUTPUT], 0, dense->out_len);
		BL_TIME(t, samples, n, bl_net_run(&net, BL_GEMM));
		if (memcmp(res, ref, dense->out_len)) {
			fprintf(stderr, "baseline: im2col + GEMM (%s) output differs\n",
				bl_isa_name[isa]);
			goto out;
		}
		snprintf(name, sizeof(name), "tuned dense int8 im2col+GEMM, %s", bl_isa_name[isa]);
		row(out, name, bl_net_macs(&net, BL_GEMM), t);
		td = t;
	}
	memset(dense->slot[CSA_MODEL_SLOT_OUTPUT], 0, dense->out_len);
	BL_TIME(tc, samples, n, bl_net_run(&net, BL_CSC));
	if (memcmp(res, ref, dense->out_len)) {
		fprintf(stderr, "baseline: CSC network output differs\n");
		goto out;
	}
	row(out, "CSC sparse weights x non-zero inputs, scalar", bl_net_macs(&net, BL_CSC), tc);
	ratios(out, "whole network", td, tc, ss_ns, dense_ns, csc_ns);
	ret = 0;
out:
	bl_isa_set(bl_isa_best());
	bl_net_free(&net);
	free(samples);
	return ret;
}
