// SPDX-License-Identifier: MIT
/* The CPU backend rows of the datapath benchmarks (dp-cpu.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bl_time.h"
#include "cpu/cpu_internal.h"
#include "csa_prog.h"
#include "dp-cpu.h"

int dpc_bench(FILE *out, const char *what, const struct dpn_job *job,
	      const uint8_t *ref, int n, double ss_ns, double dense_ns,
	      double csc_ns, double dense_target, double csc_target)
{
	const uint8_t *fixed[DPN_NSLOTS] = { job->slot[0], job->slot[1] };
	uint64_t fsize[DPN_NSLOTS] = { job->size[0], job->size[1] };
	double *samples = malloc(sizeof(double) * (size_t)n);
	int64_t op_ns[CSA_PROG_MAX_OPS], op_min[CSA_PROG_MAX_OPS];
	uint8_t *base[DPN_NSLOTS];
	struct csa_cpu_scratch s;
	struct csa_cpu_prog p;
	struct bl_time t = { 0 };
	int ret = -1;

	if (!samples || csa_cpu_prog_decode(job->slot[CSA_MODEL_SLOT_PROG], job->prog_size,
					    fixed, fsize, DPN_NSLOTS, &p)) {
		fprintf(stderr, "cpu backend: cannot decode the %s job\n", what);
		free(samples);
		return -1;
	}
	if (csa_cpu_scratch_alloc(&p, &s)) {
		csa_cpu_prog_free(&p);
		free(samples);
		return -1;
	}
	for (int i = 0; i < DPN_NSLOTS; i++)
		base[i] = job->slot[i];
	fprintf(out, "\n%s: libcsa's CPU backend (lib/cpu/: decoded once, vectorised, bit-exact), min and median of %d\n\n",
		what, n);
	for (int isa = CSA_CPU_SCALAR; isa <= (int)csa_cpu_isa_best(); isa++) {
		uint32_t e = 0;

		csa_cpu_isa_set((enum csa_cpu_isa)isa);
		memset(job->slot[CSA_MODEL_SLOT_OUTPUT], 0, job->out_len);
		BL_TIME(t, samples, n, e |= csa_cpu_run(&p, base, job->size, DPN_NSLOTS, &s));
		if (e || memcmp(job->slot[CSA_MODEL_SLOT_OUTPUT], ref, job->out_len)) {
			fprintf(stderr, "cpu backend (%s): %s output differs from the engine's\n",
				csa_cpu_isa_name[isa], what);
			goto out;
		}
		fprintf(out, "%-44s %9.1f us %9.1f us\n", isa ? "CPU backend, avx512" :
			"CPU backend, scalar", t.min_ns / 1e3, t.med_ns / 1e3);
	}
	/*
	 * Where the widest path's time goes: each op's minimum, and the time
	 * outside the ops (program walk, operand checks, calls), median.
	 */
	s.op_ns = op_ns;
	for (uint32_t i = 0; i < p.num_ops; i++)
		op_min[i] = INT64_MAX;
	for (int r = 0; r < n; r++) {
		double t0 = bl_now_ns(), ops = 0;

		csa_cpu_run(&p, base, job->size, DPN_NSLOTS, &s);
		samples[r] = bl_now_ns() - t0;
		for (uint32_t i = 0; i < p.num_ops; i++) {
			op_min[i] = op_ns[i] < op_min[i] ? op_ns[i] : op_min[i];
			ops += (double)op_ns[i];
		}
		samples[r] -= ops;
	}
	s.op_ns = NULL;
	fprintf(out, "per op (min, us):");
	for (uint32_t i = 0; i < p.num_ops; i++)
		fprintf(out, " %u:%.1f", i, op_min[i] / 1e3);
	fprintf(out, "; outside the ops (program walk, checks, calls): median %.2f us (%.1f %% of the median run)\n",
		bl_time_of(samples, n).med_ns / 1e3,
		100.0 * bl_time_of(samples, n).med_ns / t.med_ns);
	fprintf(out, "\nCPU ratios (time on this host, min):\n");
	fprintf(out, "tuned dense int8 / CPU backend: time %.1fx (target >= %.1fx)\n",
		dense_ns / t.min_ns, dense_target);
	fprintf(out, "CSC sparse / CPU backend: time %.1fx (target >= %.1fx)\n",
		csc_ns / t.min_ns, csc_target);
	fprintf(out, "datapath sparse-sparse / CPU backend: time %.1fx\n", ss_ns / t.min_ns);
	ret = 0;
out:
	csa_cpu_isa_set(csa_cpu_isa_best());
	csa_cpu_scratch_free(&s);
	csa_cpu_prog_free(&p);
	free(samples);
	return ret;
}
