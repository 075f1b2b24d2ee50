// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The worker loop: weighted random operations until the seed's iteration
 * count or deadline, or until told to stop.  Threads and forked children
 * run the same loop.
 */
#include <stdio.h>

#include "fuzz.h"

struct op {
	void (*fn)(struct fz_worker *w);
	unsigned int weight;
	const char *name;
};

static const struct op ops[] = {
	{ fz_op_get_param, 4, "get_param" }, { fz_op_version, 2, "version" }, { fz_op_get_cap, 1, "get_cap" },
	{ fz_op_raw, 3, "raw" },
	{ fz_op_bo_create, 10, "bo_create" }, { fz_op_bo_info, 5, "bo_info" }, { fz_op_bo_userptr, 5, "bo_userptr" },
	{ fz_op_bo_wait, 4, "bo_wait" }, { fz_op_gem_close, 7, "gem_close" }, { fz_op_mmap, 4, "mmap" },
	{ fz_op_munmap, 3, "munmap" }, { fz_op_prime_export, 3, "prime_export" }, { fz_op_prime_import, 3, "prime_import" },
	{ fz_op_queue_create, 4, "queue_create" }, { fz_op_queue_destroy, 2, "queue_destroy" },
	{ fz_op_syncobj_create, 4, "syncobj_create" }, { fz_op_syncobj_destroy, 2, "syncobj_destroy" },
	{ fz_op_syncobj_wait, 3, "syncobj_wait" }, { fz_op_syncobj_signal, 3, "syncobj_signal" },
	{ fz_op_syncobj_query, 2, "syncobj_query" }, { fz_op_syncobj_transfer, 2, "syncobj_transfer" },
	{ fz_op_syncobj_fd, 2, "syncobj_fd" },
	{ fz_op_submit, 20, "submit" }, { fz_op_submit_program, 2, "submit_program" },
	{ fz_file_reopen, 0, "file_reopen" },	/* weight: see below */
};
#define NOPS	(sizeof(ops) / sizeof(ops[0]))

/* Time spent per operation (threads only; children are not counted). */
static uint64_t op_ns[NOPS], op_count[NOPS];

static void timed(struct fz_worker *w, unsigned int i)
{
	int64_t t0 = fz_now_ns();

	ops[i].fn(w);
	__atomic_fetch_add(&op_ns[i], (uint64_t)(fz_now_ns() - t0), __ATOMIC_RELAXED);
	__atomic_fetch_add(&op_count[i], 1, __ATOMIC_RELAXED);
}

void fz_ops_print(FILE *f)
{
	fprintf(f, "# %-24s %10s %12s\n", "operation", "count", "mean us");
	for (unsigned int i = 0; i < NOPS; i++)
		if (op_count[i])
			fprintf(f, "# %-24s %10llu %12.1f\n", ops[i].name,
				(unsigned long long)op_count[i],
				(double)op_ns[i] / 1000.0 / (double)op_count[i]);
}

static unsigned int total_weight(void)
{
	unsigned int t = 0;

	for (unsigned int i = 0; i < NOPS; i++)
		t += ops[i].weight;
	return t;
}

void fz_worker_run(struct fz_worker *w)
{
	const struct fz_config *cfg = &w->ctx->cfg;
	unsigned int total = total_weight();

	fz_trace_use(w->trace);
	for (w->ops = 0; !cfg->iterations || w->ops < cfg->iterations; w->ops++) {
		unsigned int r;

		if (w->ctx->stop)
			break;
		if (w->ctx->deadline_ns && !(w->ops & 15) &&
		    fz_now_ns() >= (int64_t)w->ctx->deadline_ns)
			break;
		/* closing a file with everything in flight */
		if (fz_one_in(&w->rng, cfg->reopen)) {
			timed(w, NOPS - 1);
			continue;
		}
		r = fz_below(&w->rng, total);
		for (unsigned int i = 0; i < NOPS; i++) {
			if (r < ops[i].weight) {
				timed(w, i);
				break;
			}
			r -= ops[i].weight;
		}
	}
	fz_trace_use(NULL);
}

void *fz_thread_main(void *arg)
{
	fz_worker_run(arg);
	return NULL;
}
