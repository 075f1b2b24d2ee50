// SPDX-License-Identifier: MIT
/*
 * csa-bench --datapath: the datapath on the card.  The jobs of dp-bench
 * (tools/dp-bench/dp-net.h: linear 1600 -> 1500 at 95 % weights / 10 %
 * inputs, and the reference network of a .csa model; dense K = 1, sparse
 * weights with dense inputs, sparse-sparse) are submitted as CSA_OP_PROGRAM
 * jobs through libcsa, one at a time: per variant the host's submit + wait
 * time per job (best and mean), the card's modelled cycles from the
 * completion status record, the MACs (the card does not report them: the
 * CPU reference's count of the same program), and the same program on the
 * CPU reference here (firmware/csa_prog.c, as in libcsa), whose output
 * must equal the card's.  Prints a table; a benchmark, not a test.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csa_hw.h"
#include "csa_prog.h"
#include "csa-bench.h"
#include "dp-baseline.h"
#include "dp-net.h"

#define DP_SCRATCH	(32u << 20)

struct dp_row {
	const char *layer;
	const char *variant;
	uint64_t iterations;
	double card_best_ns, card_mean_ns;
	uint64_t card_cycles;
	double cpu_best_ns;
	uint64_t cpu_cycles, macs;
	bool skipped;
	char reason[64];
};

struct dp_card {
	struct csa_device *dev;
	struct csa_queue *q;
	struct csa_fence *fence;
	const struct csa_info *info;
	uint8_t *scratch;
};

static int dp_fail(const char *what, const char *why)
{
	fprintf(stderr, "csa-bench: datapath: %s: %s\n", what, why);
	return -1;
}

/* The CPU reference: the job's program over its own slots. */
static void cpu_run(const struct dp_card *c, struct dpn_job *j,
		    struct csa_prog_result *res)
{
	struct csa_prog_mem_slot ms[DPN_NSLOTS];
	struct csa_prog_mem mem = { ms, DPN_NSLOTS };
	struct csa_prog_env env = {
		.io = &csa_prog_mem_io, .ctx = &mem,
		.lanes = c->info->dp_lanes, .max_k = c->info->max_k,
		.max_dim = c->info->max_dim,
		.max_tensor = c->info->max_tensor > UINT32_MAX ? UINT32_MAX :
			      (uint32_t)c->info->max_tensor,
		.scratch = c->scratch, .scratch_size = DP_SCRATCH,
	};

	for (int s = 0; s < DPN_NSLOTS; s++)
		ms[s] = (struct csa_prog_mem_slot){ j->slot[s], j->size[s],
						    j->access[s], 0 };
	csa_prog_run(&env, CSA_MODEL_SLOT_PROG, 0, j->prog_size, res);
}

static int card_job(const struct dp_card *c, struct dpn_job *j,
		    const struct bench_config *cfg, const char *layer,
		    struct dp_row *r)
{
	struct csa_bo *bo[DPN_NSLOTS] = { NULL };
	struct csa_bind binds[DPN_NSLOTS];
	uint8_t *map[DPN_NSLOTS];
	struct csa_prog_result ref;
	const struct csa_sync out = { .fence = c->fence };
	const struct csa_job job = {
		.binds = binds, .num_binds = DPN_NSLOTS, .out = &out, .num_out = 1,
		.cmd = {
			.opcode = CSA_OP_PROGRAM, .flags = DRM_CSA_CMD_STATUS,
			.dst_slot = CSA_MODEL_SLOT_PROG, .size = j->prog_size,
			.status_slot = CSA_MODEL_SLOT_OUTPUT,
			.status_offset = j->status_off,
		},
	};
	double total = 0;
	int64_t start;
	int ret = -1, err = 0;

	for (int s = 0; s < DPN_NSLOTS; s++) {
		if (csa_bo_create(c->dev, j->size[s], 0, &bo[s]) ||
		    csa_bo_map(bo[s], (void **)&map[s])) {
			dp_fail("buffer", csa_last_error());
			goto out;
		}
		memcpy(map[s], j->slot[s], j->size[s]);
		binds[s] = (struct csa_bind){ bo[s], j->access[s] };
	}

	/* the CPU reference, best of a few (it also writes the expected output) */
	r->cpu_best_ns = 1e30;
	for (int i = 0; i < (cfg->quick ? 1 : 5); i++) {
		int64_t t0 = csa_now_ns();
		double t;

		cpu_run(c, j, &ref);
		t = (double)(csa_now_ns() - t0);
		r->cpu_best_ns = t < r->cpu_best_ns ? t : r->cpu_best_ns;
	}
	if (ref.status) {
		fprintf(stderr, "csa-bench: datapath: %s %s: the CPU reference refused op %u operand %u: %s\n",
			layer, r->variant, CSA_PROG_DETAIL_OP(ref.detail),
			CSA_PROG_DETAIL_OPND(ref.detail),
			csa_prog_err_name(CSA_PROG_DETAIL_ERR(ref.detail)));
		goto out;
	}
	r->cpu_cycles = ref.cycles;
	r->macs = ref.macs;

	/* one warm-up job, then one job at a time within the budget */
	r->card_best_ns = 1e30;
	start = csa_now_ns();
	for (uint64_t n = 0;; n++) {
		int64_t t0 = csa_now_ns();
		double t;

		if (csa_submit(c->q, &job) ||
		    csa_fence_wait(c->fence, 0, csa_deadline_after(120ll * 1000000000))) {
			dp_fail("PROGRAM job", csa_last_error());
			goto out;
		}
		t = (double)(csa_now_ns() - t0);
		if (csa_fence_status(c->fence, 0, &err) < 0 || err) {
			fprintf(stderr, "csa-bench: datapath: %s %s: job error %d (%s)\n",
				layer, r->variant, err, strerror(-err));
			goto out;
		}
		if (!n)
			continue;
		r->card_best_ns = t < r->card_best_ns ? t : r->card_best_ns;
		total += t;
		r->iterations = n;
		if (n >= cfg->max_iterations ||
		    (double)(csa_now_ns() - start) / 1e9 >= cfg->min_seconds)
			break;
	}
	r->card_mean_ns = total / (double)r->iterations;
	if (csa_bo_wait(bo[CSA_MODEL_SLOT_OUTPUT], CSA_WAIT_READ, 0)) {
		dp_fail("output wait", csa_last_error());
		goto out;
	}
	{
		const uint8_t *cpl = map[CSA_MODEL_SLOT_OUTPUT] + j->status_off;
		uint32_t status = (uint32_t)csa_get_le(cpl + 8, 4);

		r->card_cycles = csa_get_le(cpl + 16, 8);
		if (status != CSA_STATUS_OK) {
			fprintf(stderr, "csa-bench: datapath: %s %s: card status %u\n",
				layer, r->variant, status);
			goto out;
		}
	}
	if (memcmp(map[CSA_MODEL_SLOT_OUTPUT], j->slot[CSA_MODEL_SLOT_OUTPUT],
		   j->out_len)) {
		fprintf(stderr, "csa-bench: datapath: %s %s: the card's output differs from the CPU reference\n",
			layer, r->variant);
		goto out;
	}
	ret = 0;
out:
	for (int s = 0; s < DPN_NSLOTS; s++)
		csa_bo_free(bo[s]);
	return ret;
}

static int run_layer(const struct dp_card *c, const struct bench_config *cfg,
		     const char *layer, struct dpn_job job[DPN_NVAR],
		     struct dp_row *rows, int *n)
{
	int ret = 0;

	for (int v = 0; v < DPN_NVAR && !ret; v++) {
		struct dp_row *r = &rows[(*n)++];

		*r = (struct dp_row){ .layer = layer, .variant = dpn_variant_name[v] };
		if (job[v].max_k > c->info->max_k) {
			/* a card with a smaller pack factor: not a failure */
			r->skipped = true;
			snprintf(r->reason, sizeof(r->reason),
				 "skipped: K = %u, the card's max_k is %u",
				 job[v].max_k, c->info->max_k);
			continue;
		}
		ret = card_job(c, &job[v], cfg, layer, r);
	}
	for (int v = 0; v < DPN_NVAR; v++)
		dpn_job_free(&job[v]);
	return ret;
}

static void print_rows(FILE *out, const struct dp_row *rows, int n)
{
	fprintf(out, "\ndatapath on the card: CSA_OP_PROGRAM jobs one at a time (host submit+wait), modelled card cycles (status record), MACs, CPU reference in this VM\n");
	fprintf(out, "%-8s %-28s %10s %12s %10s %10s %8s %12s %6s\n", "layer",
		"variant", "MACs", "card cycles", "us@250MHz", "job best",
		"mean ms", "CPU ref best", "jobs");
	for (int i = 0; i < n; i++) {
		const struct dp_row *r = &rows[i];

		if (r->skipped) {
			fprintf(out, "%-8s %-28s %s\n", r->layer, r->variant,
				r->reason);
			continue;
		}
		fprintf(out, "%-8s %-28s %10llu %12llu %10.1f %7.2f ms %8.2f %9.2f ms %6llu\n",
			r->layer, r->variant,
			(unsigned long long)r->macs,
			(unsigned long long)r->card_cycles, r->card_cycles / 250.0,
			r->card_best_ns / 1e6, r->card_mean_ns / 1e6,
			r->cpu_best_ns / 1e6, (unsigned long long)r->iterations);
	}
	for (int i = 0; i < n; i++) {
		const struct dp_row *d = &rows[i], *s = NULL;

		if (strncmp(d->variant, "dense", 5))
			continue;
		for (int k = i; k < n && !s; k++)
			if (rows[k].layer == d->layer &&
			    rows[k].variant == dpn_variant_name[DPN_SPARSE_SPARSE])
				s = &rows[k];
		if (!s || s->skipped || d->skipped)
			continue;
		fprintf(out, "%s: dense / sparse-sparse: MACs %.1fx, time %.1fx, card cycles %.1fx (time: job submit+wait; CPU reference time %.1fx)\n",
			d->layer, (double)d->macs / s->macs,
			d->card_best_ns / s->card_best_ns,
			(double)d->card_cycles / s->card_cycles,
			d->cpu_best_ns / s->cpu_best_ns);
	}
	fprintf(out, "card and CPU reference outputs identical; dense and sparse-weights jobs are literal dense runs (CSA_PROG_F_NO_SKIP: every input visited, zeros included); card cycles are modelled; job times are QEMU/TCG's, not the FPGA's\n");
}

/*
 * The CPU baselines in this VM next to the CPU reference's sparse-sparse
 * time (its output is the reference of theirs): fresh jobs, since the
 * card rows change the dense input.
 */
static int baselines(const struct dp_card *c, const struct bench_config *cfg,
		     const struct csa_model_view *view, FILE *out)
{
	struct dpn_job job[DPN_NVAR];
	struct csa_prog_result r;
	double best = 1e30;
	int ret, runs = cfg->quick ? (view ? 1 : 3) : (view ? 5 : 50);
	struct dpn_job *ss = &job[DPN_SPARSE_SPARSE];
	struct dp_card host = *c;
	struct csa_info lim = *c->info;

	if (view ? dpn_net_jobs(view, job) : dpn_linear_jobs(job))
		return dp_fail("baseline jobs", csa_last_error());
	/* the engine with dp-bench's limits: the card's may not take K = 20 */
	lim.max_k = 64;
	lim.max_dim = 65535;
	lim.max_tensor = 16777216;
	host.info = &lim;
	for (int i = 0; i < runs; i++) {
		int64_t t0 = csa_now_ns();

		cpu_run(&host, ss, &r);
		best = fmin(best, (double)(csa_now_ns() - t0));
	}
	ret = r.status ? dp_fail("baseline", "the CPU reference refused the job") :
	      view ? dpb_net(out, &job[DPN_DENSE], ss->slot[CSA_MODEL_SLOT_OUTPUT], runs, best,
			     NULL, NULL) :
	      dpb_linear(out, &job[DPN_DENSE], ss, (const int8_t *)ss->slot[CSA_MODEL_SLOT_OUTPUT],
			 runs, best, NULL, NULL);
	for (int v = 0; v < DPN_NVAR; v++)
		dpn_job_free(&job[v]);
	return ret;
}

int bench_datapath(struct csa_device *dev, const struct csa_info *info,
		   const struct bench_config *cfg, const char *model, FILE *out)
{
	struct dp_row rows[2 * DPN_NVAR];
	struct dpn_job job[DPN_NVAR];
	struct dp_card c = { .dev = dev, .info = info };
	struct csa_model_view view;
	void *data = NULL;
	size_t size;
	int n = 0, ret = -1;

	c.scratch = malloc(DP_SCRATCH);
	if (!c.scratch)
		return dp_fail("scratch", strerror(ENOMEM));
	if (csa_queue_create(dev, 0, DRM_CSA_PRIORITY_NORMAL, &c.q) ||
	    csa_fence_create(dev, 0, &c.fence)) {
		dp_fail("queue", csa_last_error());
		goto out;
	}
	if (dpn_linear_jobs(job)) {
		dp_fail("linear jobs", csa_last_error());
		goto out;
	}
	if (run_layer(&c, cfg, "linear", job, rows, &n))
		goto out;
	if (!model) {
		/* no model path is guessed: the VM's is not the user's */
		fprintf(stderr, "csa-bench: no --model FILE.csa: reference network rows skipped\n");
		ret = 0;
		goto out;
	}
	if (csa_model_read_file(model, &data, &size) ||
	    csa_model_parse(data, size, &view)) {
		dp_fail(model, csa_last_error());
		goto out;
	}
	if (dpn_net_jobs(&view, job)) {
		dp_fail("network jobs", csa_last_error());
		goto out;
	}
	ret = run_layer(&c, cfg, "network", job, rows, &n) ? -1 : 0;
out:
	if (!ret) {
		print_rows(out, rows, n);
		fprintf(out, "\nthe sparse-sparse time of the ratios below is the CPU reference's (csa_prog_run) in this VM; the card's ratios are the card cycles above (modelled)\n");
		/* the network's baselines and throughput need the model */
		ret = baselines(&c, cfg, NULL, out) ||
		      (model && (baselines(&c, cfg, &view, out) ||
				 bench_cards(cfg, model, out))) ? -1 : 0;
	}
	free(data);
	csa_fence_destroy(c.fence);
	csa_queue_destroy(c.q);
	free(c.scratch);
	return ret;
}
